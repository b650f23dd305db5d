"""Which messages concern which loop, and what they mean for it.

``understand(msg, known, now, rules)`` is the entry point: it turns one message into an
``Observation`` of one loop, or None.

- Sent mail marks a step done when it carries a draft's key (or the draft's Message-ID),
  or goes to one of the loop's people after the interview; its provider thread id is kept
  (``sent_threads``).
- The user's own mail, and mail dated before a loop's interview started, never count.
- Automatic mail (``automail.examine``) is never an answer. A bounce that reports one of
  a loop's people as undeliverable, or that sits in the thread of the loop's mail, is a
  *bounce* of that loop (with the address); an auto-reply that matches a loop (by the
  rules below) and says when its writer is back is an *out-of-office* notice (with the
  day); any other automatic mail is ignored.
- A message a person wrote is a *reply* of the loop it matches, with what it says
  (``classify.classify``) and the sender's address (whom an answer goes to). A reply that
  decides nothing ("other") but promises an answer (``promise``) keeps "other" as its
  outcome, carries the promising words as its phrase and the day it names, if any, as
  ``returns_on`` (``Observation.promises_answer``).

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from interview_followup.daemon.employers.agencies import PLACES, on_behalf, where_named
from interview_followup.daemon.mail.automatic import examine
from interview_followup.daemon.mail.classify import Rules, classify, reply_text
from interview_followup.daemon.mail.promise import promised_answer
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
_STEP_WORDS = {
    "thank-you": "thank-you",
    "followup": "follow-up",
    "feedback-request": "feedback request",
    "decision-time": "request for time to decide",
}


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
    auto = examine(msg)
    if auto is not None:
        if auto.kind == "bounce":
            return _bounce(msg, auto, known, when)
        if auto.kind == "auto-reply" and auto.returns_on is not None:
            found = _best_loop(msg, known, when)
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
    found = _best_loop(msg, known, when)
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
        address=msg.sender.email,  # whom an answer to it goes to
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


def _thread(msg: MailMessage, iv: Interview, known: Known) -> tuple[int, str]:
    """(strength, words) when ``msg`` is in the thread of the loop's mail, else (0, "")."""
    ids = (*msg.in_reply_to, *msg.references)
    head = f"<{iv.loop_id}."
    for mid in ids:
        if mid.startswith(head) and _DRAFT_TAIL in mid:
            step = mid[len(head) : mid.index(_DRAFT_TAIL)]
            words = _STEP_WORDS.get(step) or re.sub(r"^followup-(\d+)$", r"follow-up no. \1", step)
            return THREAD, f"in the thread of the {words} draft"
    if set(ids) & known.sent_ids.get(iv.loop_id, set()):
        return THREAD, "in the thread of a message you sent them"
    if msg.thread_id and msg.thread_id in known.sent_threads.get(iv.loop_id, set()):
        return PROVIDER_THREAD, "in the mail provider's thread of a message you sent them"
    return 0, ""


def _best_loop(msg: MailMessage, known: Known, when: datetime) -> _Match | None:
    if not msg.sender:
        return None
    sender = msg.sender
    behalf = on_behalf(sender.domain, known.agency_domains)
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
    """A bounce of the loop whose person it names, or in whose thread it is.

    A bounce that names no undeliverable address is not reported: there is nothing the
    user could correct.
    """
    bounced = tuple(a.lower() for a in auto.bounced)
    if not bounced:
        return None
    best: tuple[tuple[int, datetime], Observation] | None = None
    for iv in _loops_at(known, when):
        people = _people(iv, known)
        hit = next((a for a in bounced if a in people), "")
        thread, in_thread = _thread(msg, iv, known)
        if not (hit or thread):
            continue
        address = hit or bounced[0]
        whom = f"{address}, {people[address][1]}," if address in people else address
        reason = f"a bounce: your mail to {whom} could not be delivered"
        if thread:
            reason += f" ({in_thread})"
        obs = Observation(msg.ref, iv.loop_id, "bounce", when, reason, message_id=msg.message_id, address=address)
        rank = (thread or PERSON, iv.start)
        if best is None or rank > best[0]:
            best = (rank, obs)
    return best[1] if best else None


def _match_sent(msg: MailMessage, known: Known, when: datetime) -> Observation | None:
    # the draft's key; or its Message-ID, which some mail programs keep when they drop the key
    key = msg.key or (msg.message_id[1:msg.message_id.index(_DRAFT_TAIL)]
                      if msg.message_id.startswith("<") and _DRAFT_TAIL in msg.message_id else "")
    if key:
        loop_id, _, step = key.partition(".")
        if any(iv.loop_id == loop_id for iv in known.interviews):
            return Observation(msg.ref, loop_id, "sent", when, "you sent the program's draft", step, msg.message_id,
                               thread_id=msg.thread_id)
    to = {p.email for p in (*msg.to, *msg.cc)}
    best: Interview | None = None
    for iv in _loops_at(known, when):
        people = {p.email.lower() for p in recipients(iv, known.debriefs.get(iv.loop_id))}
        if to & people and (best is None or iv.start > best.start):
            best = iv
    if best is None:
        return None
    return Observation(msg.ref, best.loop_id, "sent", when, "you wrote to them after the interview",
                       message_id=msg.message_id, thread_id=msg.thread_id)


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
