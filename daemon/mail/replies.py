"""Which messages concern which loop, and what they mean for it.

``understand(msg, known, now, rules)`` is the entry point: it turns one message into an
``Observation`` of one loop, or None.

- Sent mail marks a step done when it carries a draft's key (or the draft's Message-ID);
  other mail you send after the interview is tied to the loop it concerns (in the thread of
  its mail, to one of its people, or to anyone at the company's or its agency's domain:
  ``_match_sent``), so that answers and bounces in those threads match; its provider thread
  id is kept (``sent_threads``).
- The user's own mail, and mail dated before a loop's interview started, never count.
- Automatic mail (``automail.examine``) is never an answer. A bounce is a *bounce* of the
  loop its returned message, its thread or its failed address names (``_bounce``), with
  the address and the kind of failure; an auto-reply that matches a loop (by the
  rules below) and says when its writer is back is an *out-of-office* notice (with the
  day); any other automatic mail is ignored.
- A message a person wrote is a *reply* of the loop it matches, with what it says
  (``classify.classify``) and whom an answer goes to (``answer_address``: the sender, or
  its Reply-To when a tracking system or no-reply box wrote for a person). A reply that
  decides nothing ("other": ``Observation.undecided``) closes no loop: the planner shows
  it as what may be their answer. One that promises an answer (``promise``) keeps "other"
  as its outcome, carries the promising words as its phrase and the day it names, if any,
  as ``returns_on`` (``Observation.promises_answer``).

A message matches a loop by, strongest first:
1. its thread headers (In-Reply-To, References) naming one of the loop's drafts (see
   ``keys.message_id``) or a message the user sent about the loop;
2. the provider's thread id (Gmail) of a message the user sent about the loop;
3. the sender being an interviewer or the loop's contact;
4. the sender's domain being the company's domain or a subdomain of it;
5. the sender being an applicant tracking system (``data/ats_senders.txt``) or a known
   agency writing on the company's behalf: the message must name the company (see
   ``agencies``) and be dated within ``BEHALF_WINDOW`` of the interview's start.
Among several loops the strongest reason wins (for rule 5: the company named by the
sender above the subject above the body), then the most recent interview.

Order of the work: the tie to a loop is found first, from the header fields (the body only
for rule 5). Mail tied to no loop can mean something only as a bounce, so it is examined
(``automatic.examine``, which reads the body) only when it may be one (``_may_be_bounce``);
the rest of a mailbox's mail is never read past its header block (see ``parse``, two stages).
"""

from __future__ import annotations

import functools
import re
from dataclasses import field
from datetime import datetime, timedelta

from interview_followup.daemon.employers.agencies import PLACES, on_behalf, where_named, writes_for_others
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.mail import automatic as _automatic
from interview_followup.daemon.mail.automatic import examine
from interview_followup.daemon.mail.classify import Rules, classify, reply_text
from interview_followup.daemon.mail.promise import promised_answer
from interview_followup.daemon.common.addresses import is_robot
from interview_followup.daemon.employers.companies import domain_in
from interview_followup.daemon.keys import message_id
from interview_followup.daemon.model import Automatic, Debrief, Interview, MailMessage, Person, recipients
from interview_followup.daemon.model import Observation

# How long after an interview mail from a tracking system or an agency may still be its
# answer. Large employers take weeks to decide; three months covers them and keeps an
# application's later newsletter-like mail from closing a loop long forgotten.
BEHALF_WINDOW = timedelta(days=90)

THREAD, PROVIDER_THREAD, PERSON, DOMAIN, BEHALF = 5, 4, 3, 2, 1

# What the program's drafts' Message-IDs end with, whatever the user's domain was then.
_DRAFT_TAIL = message_id("", "")[1:].rpartition("@")[0] + "@"  # ".draft.interview-followup@"
_KEY_ID_TAIL = _DRAFT_TAIL + "localhost>"  # a draft's id made from a key header (``mail.parse``)
_STEP_WORDS = {
    "thank-you": "thank-you",
    "followup": "follow-up",
    "feedback-request": "feedback request",
    "decision-time": "request for time to decide",
}


@frozen
class Known:
    """What matching needs to know besides the message."""

    interviews: list[Interview]
    debriefs: dict[str, Debrief]
    user_emails: tuple[str, ...]
    user_domain: str  # the domain of the drafts' Message-IDs
    sent_ids: dict[str, set[str]] = field(default_factory=dict)  # loop id -> Message-IDs you sent
    # loop id -> the provider's thread ids (Gmail) of messages you sent about the loop
    sent_threads: dict[str, set[str]] = field(default_factory=dict)
    # domains of recruiting agencies that write on employers' behalf (rule 5)
    agency_domains: tuple[str, ...] = ()


@frozen
class _Match:
    interview: Interview
    rank: tuple[int, int]
    reason: str  # completes "<a reply> ...": "from Jane Doe, who interviewed you, in the thread of ..."


# --- the entry point -------------------------------------------------------------------


def understand(msg: MailMessage, known: Known, now: datetime, rules: Rules) -> Observation | None:
    """What ``msg`` means for which loop (see the module rules); None when nothing.

    ``rules``: what replies say, for ``classify.classify`` (``Rules.from_config(config.replies)``).
    ``now`` dates a message that has no date.
    """
    when = msg.date or now
    if msg.folder == "sent":
        return _match_sent(msg, known, when)
    if msg.sender and msg.sender.email in known.user_emails:
        return None
    # the tie first (the header fields; the body only for mail on an agency's behalf): mail
    # tied to no loop means something only as a bounce, and only what may be one is examined
    found = _best_loop(msg, known, when)
    if found is None and not _may_be_bounce(msg):
        return None
    auto = examine(msg)
    if auto is not None:
        if auto.kind == "bounce":
            return _bounce(msg, auto, known, when)
        if auto.kind == "auto-reply" and auto.returns_on is not None:
            if found is None:
                return None
            return Observation(
                msg.ref,
                found.interview.loop_id,
                "out-of-office",
                when,
                f"an out-of-office notice {found.reason}",
                message_id=msg.message_id,
                returns_on=auto.returns_on,
                address=msg.sender.email if msg.sender else "",
            )
        return None
    if found is None:
        return None
    verdict = classify(msg, rules)
    # a reply that decides nothing may promise an answer (by a day): see ``promise``
    promise = promised_answer(reply_text(msg), when.date(), msg.sender.domain) if verdict.outcome == "other" else None
    return Observation(
        msg.ref,
        found.interview.loop_id,
        "reply",
        when,
        f"a reply {found.reason}",
        message_id=msg.message_id,
        outcome=verdict.outcome,
        phrase=promise.phrase if promise else verdict.phrase,
        returns_on=promise.by if promise else None,
        address=answer_address(msg, known),  # whom an answer to it goes to
    )


def match(msg: MailMessage, known: Known, now: datetime) -> Observation | None:
    """The loop ``msg`` belongs to, and why; None when it concerns no loop.

    The older entry point: no outcome, and automatic mail told apart by its headers and
    subject only (``automatic_reason``). ``understand`` replaces it.
    """
    when = msg.date or now
    if msg.folder == "sent":
        return _match_sent(msg, known, when)
    if not msg.sender or msg.sender.email in known.user_emails:
        return None
    if automatic_reason(msg):
        return None
    found = _best_loop(msg, known, when)
    if found is None:
        return None
    return Observation(
        msg.ref, found.interview.loop_id, "reply", when, f"a reply {found.reason}", message_id=msg.message_id
    )


@functools.lru_cache(maxsize=4096)
def _on_behalf_cached(domain: str, agencies: tuple[str, ...]):
    return on_behalf(domain, agencies)


def _on_behalf(domain: str, agencies) -> object:
    """``on_behalf``, answered once per sender domain (a first pass asks it for every message)."""
    try:
        return _on_behalf_cached(domain, tuple(agencies))
    except TypeError:
        return on_behalf(domain, agencies)


def _may_be_bounce(msg: MailMessage) -> bool:
    """Whether ``examine`` may find ``msg`` a bounce, read without its body: it names failed
    recipients, has a bounce subject or comes from a mail system (the ways ``automatic``
    tells a bounce; a superset of them, so nothing it would find is missed)."""
    if msg.failed_recipients:
        return True
    senders, subject = getattr(_automatic, "_SYSTEM_SENDERS", None), getattr(_automatic, "_BOUNCE_SUBJECT", None)
    if senders is None or subject is None or not hasattr(_automatic, "_subject"):
        return True  # automatic.py reads bounces another way now: examine everything
    local = msg.sender.email.partition("@")[0].lower() if msg.sender else ""
    return local in senders or bool(subject.search(_automatic._subject(msg)))


# --- matching --------------------------------------------------------------------------


def _loops_at(known: Known, when: datetime) -> list[Interview]:
    """The loops a message dated ``when`` may concern: not cancelled, interview started."""
    return [iv for iv in known.interviews if not iv.cancelled and when >= iv.start]


def _people(iv: Interview, known: Known) -> dict[str, tuple[Person, str]]:
    """The loop's people by address, each with their part ("who interviewed you")."""
    interviewers = {p.email.lower() for p in iv.interviewers}
    out = {}
    for p in recipients(iv, known.debriefs.get(iv.loop_id)):
        part = "who interviewed you" if p.email.lower() in interviewers else "your contact"
        out[p.email.lower()] = (p, part)
    return out


def _thread(msg: MailMessage, iv: Interview, known: Known, returned: tuple[str, ...] = ()) -> tuple[int, str]:
    """(strength, words) when ``msg`` is in the thread of the loop's mail, else (0, "").

    ``returned``: of a bounce, the Message-IDs of the message it returns (its own first):
    the loop's mail when one of them is a draft of the loop or a message you sent about it.
    """
    found = _in_loop_mail((*msg.in_reply_to, *msg.references), iv, known)
    if found:
        return THREAD, f"in the thread of {found}"
    found = _in_loop_mail(returned, iv, known)
    if found:  # its own Message-ID (the first), or the draft its key header names
        itself = tuple(r for i, r in enumerate(returned) if i == 0 or r.endswith(_KEY_ID_TAIL))
        return THREAD, (f"the message it returns is {found}" if _in_loop_mail(itself, iv, known)
                        else f"the message it returns is in the thread of {found}")
    if msg.thread_id and msg.thread_id in known.sent_threads.get(iv.loop_id, set()):
        return PROVIDER_THREAD, "in the mail provider's thread of a message you sent them"
    return 0, ""


def _in_loop_mail(ids: tuple[str, ...], iv: Interview, known: Known) -> str:
    """What in ``ids`` is the loop's mail, in words ("the thank-you draft", "a message you
    sent them"), or ""."""
    head = f"<{iv.loop_id}."
    for mid in ids:
        if mid.startswith(head) and _DRAFT_TAIL in mid:
            step = mid[len(head) : mid.index(_DRAFT_TAIL)]
            words = _STEP_WORDS.get(step) or re.sub(r"^followup-(\d+)$", r"follow-up no. \1", step)
            return f"the {words} draft"
    if set(ids) & known.sent_ids.get(iv.loop_id, set()):
        return "a message you sent them"
    return ""


def _loop_domains(iv: Interview, known: Known) -> dict[str, str]:
    """The domains mail about the loop goes to, each with what it is in words: the
    company's, and an agency's that one of the loop's people writes from."""
    out = {d.lower(): "the company's domain" for d in iv.domains}
    for address in _people(iv, known):
        domain = address.rpartition("@")[2]
        if domain and not any(domain_in(domain, d) for d in out) and writes_for_others(domain, known.agency_domains):
            out[domain] = "the agency's domain"
    return out


def _at_domain(address: str, domains: dict[str, str]) -> str:
    """Words for ``address`` being at one of ``domains`` (or a subdomain), or ""."""
    domain = address.rpartition("@")[2]
    for d, what in domains.items():
        if domain_in(domain, d):
            return f"at {what} {d}" if domain == d else f"at {what} (a subdomain of {d})"
    return ""


def _misspelt(address: str, domains: dict[str, str]) -> str:
    """The loop's domain that the domain of ``address`` looks like a misspelling of
    (one or two letters swapped, missing, added or wrong), or ""."""
    domain = address.rpartition("@")[2]
    for d in domains:
        if domain != d and min(len(domain), len(d)) >= 6 and not domain.endswith("." + d) \
                and _distance(domain, d) <= (1 if min(len(domain), len(d)) < 9 else 2):
            return d
    return ""


def _distance(a: str, b: str) -> int:
    """Edit distance with swaps of neighbours (optimal string alignment), at most 3."""
    if abs(len(a) - len(b)) > 2:
        return 3
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return min(prev[len(b)], 3)


def _best_loop(msg: MailMessage, known: Known, when: datetime) -> _Match | None:
    if not msg.sender:
        return None
    sender = msg.sender
    behalf = _on_behalf(sender.domain, known.agency_domains)
    best: _Match | None = None
    for iv in _loops_at(known, when):
        thread, in_thread = _thread(msg, iv, known)
        people = _people(iv, known)
        strength, minor, who = 0, 0, f"from {sender.email}"
        if sender.email in people:
            person, part = people[sender.email]
            strength, who = PERSON, f"from {person.name or person.email}, {part}"
        elif behalf is None and (domain := next((d for d in iv.domains if domain_in(sender.domain, d)), "")):
            strength = DOMAIN
            who = f"from {sender.email}, at the company's domain" + (
                f" {domain}" if sender.domain == domain else f" (a subdomain of {domain})"
            )
        elif behalf is not None and when <= iv.start + BEHALF_WINDOW:
            place = where_named(iv.company, msg)
            if place:
                strength, minor = BEHALF, PLACES.index(place)
                where = "in the sender's name" if place == "sender" else f"in the {place}"
                who = f"from {behalf.describe()}, naming {iv.company} {where}"
        if thread:
            strength, minor = thread, 0
            who = f"{who}, {in_thread}"
        if not strength:
            continue
        found = _Match(iv, (strength, minor), who)
        if best is None or (found.rank, iv.start) > (best.rank, best.interview.start):
            best = found
    return best


def _bounce(msg: MailMessage, auto: Automatic, known: Known, when: datetime) -> Observation | None:
    """A bounce of the loop it concerns, with the failed address and the kind of failure.

    A bounce concerns a loop by, strongest first: the message it returns (its Message-ID,
    In-Reply-To, References or the program's key header, in a ``message/rfc822`` or
    ``text/rfc822-headers`` part or quoted in a text report) or its own thread headers
    naming the loop's mail; the provider's thread; the failed address being one of the
    loop's people; being at the company's domain or the domain of the loop's agency; being
    at a misspelling of one of those. So a misspelt address, a team alias or a list still
    finds its loop by the message that came back.

    A bounce that names no undeliverable address is not reported: there is nothing the
    user could correct.
    """
    bounced = tuple(a.lower() for a in auto.bounced)
    if not bounced:
        return None
    kinds = dict(zip(bounced, auto.failures))
    said = dict(zip(bounced, auto.failure_words))
    best: tuple[tuple[int, datetime], Observation] | None = None
    for iv in _loops_at(known, when):
        people = _people(iv, known)
        domains = _loop_domains(iv, known)
        thread, in_thread = _thread(msg, iv, known, auto.returned)
        hit = next((a for a in bounced if a in people), "")
        near = "" if hit else next((a for a in bounced if _at_domain(a, domains)), "")
        typo = "" if hit or near else next((a for a in bounced if _misspelt(a, domains)), "")
        if not (hit or near or typo or thread):
            continue
        address = hit or near or typo or bounced[0]
        if address in people:
            whom, strength = f"{address}, {people[address][1]},", PERSON
        elif near:
            whom, strength = f"{address} ({_at_domain(address, domains)})", DOMAIN
        elif typo:
            whom, strength = f"{address} (a misspelling of {_misspelt(address, domains)}?)", BEHALF
        else:
            whom, strength = address, 0
        reason = f"a bounce: your mail to {whom} could not be delivered"
        kind = kinds.get(address, "address") or "address"
        reason += {"full": ": their mailbox is full", "too-large": ": the message was too large",
                   "other": ": the receiving server refused it"}.get(kind, "")
        if thread:
            reason += f" ({in_thread})"
        obs = Observation(msg.ref, iv.loop_id, "bounce", when, reason, message_id=msg.message_id, address=address,
                          outcome=kind, phrase=said.get(address, "")[:200])
        rank = (max(thread, strength), iv.start)
        if best is None or rank > best[0]:
            best = (rank, obs)
    return best[1] if best else None


def answer_address(msg: MailMessage, known: Known) -> str:
    """Whom an answer to ``msg`` goes to: its sender, or the first Reply-To address that is a
    person's when the sender is a tracking system or a no-reply box (never the user)."""
    sender = msg.sender.email if msg.sender else ""
    behalf = on_behalf(msg.sender.domain, ()) if msg.sender else None
    if sender and not is_robot(sender) and (behalf is None or behalf.kind != "ats"):
        return sender
    for person in msg.reply_to:
        other = on_behalf(person.domain, ())
        if person.email not in known.user_emails and not is_robot(person.email) and (other is None or other.kind != "ats"):
            return person.email
    return sender


def _match_sent(msg: MailMessage, known: Known, when: datetime) -> Observation | None:
    """Mail you sent: the step of the program's draft it carries the key (or Message-ID)
    of; else tied to the loop it concerns, strongest first: in the thread of the loop's
    mail ("thread"), to one of the loop's people ("person"), to anyone else at the
    company's domain or at the domain of the loop's agency ("domain"); among loops, the
    strongest tie, then the most recent interview. The tie is the observation's
    ``outcome``: only a draft's key or the thread makes it the follow-up (``planning``)."""
    # the draft's key; or its Message-ID, which some mail programs keep when they drop the key
    key = msg.key or (msg.message_id[1:msg.message_id.index(_DRAFT_TAIL)]
                      if msg.message_id.startswith("<") and _DRAFT_TAIL in msg.message_id else "")
    if key:
        loop_id, _, step = key.partition(".")
        if any(iv.loop_id == loop_id for iv in known.interviews):
            return Observation(msg.ref, loop_id, "sent", when, "you sent the program's draft", step, msg.message_id,
                               thread_id=msg.thread_id)
    to = [p.email.lower() for p in (*msg.to, *msg.cc)]
    best: tuple[tuple[int, datetime], Interview, str, str] | None = None
    for iv in _loops_at(known, when):
        thread, in_thread = _thread(msg, iv, known)
        people = _people(iv, known)
        domains = _loop_domains(iv, known)
        person = next((a for a in to if a in people), "")
        other = "" if person else next((a for a in to if _at_domain(a, domains)), "")
        if thread:
            tie, strength, why = "thread", thread, f"you wrote {in_thread}"
        elif person:
            tie, strength, why = "person", PERSON, f"you wrote to {person}, {people[person][1]}, after the interview"
        elif other:
            tie, strength, why = "domain", DOMAIN, f"you wrote to {other}, {_at_domain(other, domains)}, after the interview"
        else:
            continue
        rank = (strength, iv.start)
        if best is None or rank > best[0]:
            best = (rank, iv, tie, why)
    if best is None:
        return None
    _, iv, tie, why = best
    return Observation(msg.ref, iv.loop_id, "sent", when, why, message_id=msg.message_id, outcome=tie,
                       thread_id=msg.thread_id)


# --- the older automatic-mail test (used by ``match`` only) ------------------------------

_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|auto:|auto response|autoreply|out of (the )?office|"
    r"abwesenheitsnotiz|automatische antwort|abwesend|"
    r"réponse automatique|absence du bureau|absent\b|"
    r"respuesta automática|fuera de la oficina|"
    r"risposta automatica|fuori sede|"
    r"automatisch antwoord|afwezig|"
    r"undeliverable|undelivered mail|delivery status notification|mail delivery failed)",
    re.IGNORECASE,
)


def automatic_reason(msg: MailMessage) -> str:
    """Why ``msg`` is automatic mail, or "" if a person wrote it (headers and subject only)."""
    auto = msg.header("auto-submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = msg.header("precedence").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond"):
        if msg.header(name):
            return f"has a {name} header"
    if msg.header("x-apple-action").strip().lower() == "vacation":
        return "X-Apple-Action: vacation"
    ctype = msg.header("content-type").lower()
    if "multipart/report" in ctype or msg.header("x-failed-recipients"):
        return "a delivery report (bounce)"
    if msg.header("return-path").strip() == "<>":
        return "empty return path"
    if _AUTO_SUBJECT.match(msg.subject or ""):
        return "an automatic-reply subject"
    if msg.sender and msg.sender.email.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "sent by a mail system"
    return ""
