"""Which messages concern which loop, and which never count as the employer's answer.

Inbox messages close a loop when they come, after the interview started, from
(in order of strength) the thread of one of the loop's drafts, an interviewer's or the
contact's address, or the company's domain (or a subdomain of it). Automatic mail never
does: auto-replies and out-of-office notices (RFC 3834 and the headers and subjects mail
systems use), bounces, lists and newsletters, and the user's own mail.

Sent messages mark a step done when they carry a draft's key, or go to one of the
loop's people after the interview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from .companies import domain_in
from .drafting import recipients
from .keys import message_id
from .model import Debrief, Interview, MailMessage
from .planning import Observation

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
    """Why ``msg`` is automatic mail, or "" if a person wrote it."""
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


def _domain_matches(domain: str, company_domains: Iterable[str]) -> str:
    return next((d for d in company_domains if domain_in(domain, d)), "")


@dataclass(frozen=True)
class Known:
    """What matching needs to know besides the message."""

    interviews: list[Interview]
    debriefs: dict[str, Debrief]
    user_emails: tuple[str, ...]
    user_domain: str  # the domain of the drafts' Message-IDs
    sent_ids: dict[str, set[str]] = field(default_factory=dict)  # loop id -> Message-IDs you sent


def match(msg: MailMessage, known: Known, now: datetime) -> Observation | None:
    """The loop ``msg`` belongs to, and why; None when it concerns no loop."""
    when = msg.date or now
    if msg.folder == "sent":
        return _match_sent(msg, known, when)
    if not msg.sender or msg.sender.email in known.user_emails:
        return None
    if automatic_reason(msg):
        return None
    thread_ids = set(msg.in_reply_to) | set(msg.references)
    best: tuple[int, datetime, Observation] | None = None
    for iv in known.interviews:
        if iv.cancelled or when < iv.start:
            continue
        people = {p.email.lower(): p for p in recipients(iv, known.debriefs.get(iv.loop_id))}
        strength, reason = 0, ""
        for step in ("thank-you", "followup"):
            if message_id(f"{iv.loop_id}.{step}", known.user_domain) in thread_ids:
                strength, reason = 3, f"a reply in the thread of the {step} draft"
                break
        if not strength and thread_ids & known.sent_ids.get(iv.loop_id, set()):
            strength, reason = 3, "a reply in the thread of a message you sent them"
        if not strength and msg.sender.email in people:
            who = people[msg.sender.email].name or msg.sender.email
            strength, reason = 2, f"a message from {who}, who interviewed you or is your contact"
        if not strength:
            domain = _domain_matches(msg.sender.domain, iv.domains)
            if domain:
                strength, reason = 1, f"a message from the company's domain {domain}"
        if strength:
            obs = Observation(msg.ref, iv.loop_id, "reply", when, reason, message_id=msg.message_id)
            if best is None or (strength, iv.start) > best[:2]:
                best = (strength, iv.start, obs)
    return best[2] if best else None


def _match_sent(msg: MailMessage, known: Known, when: datetime) -> Observation | None:
    if msg.key:
        loop_id, _, step = msg.key.partition(".")
        if any(iv.loop_id == loop_id for iv in known.interviews):
            return Observation(msg.ref, loop_id, "sent", when, "you sent the program's draft", step, msg.message_id)
    to = {p.email for p in (*msg.to, *msg.cc)}
    best: Interview | None = None
    for iv in known.interviews:
        if iv.cancelled or when < iv.start:
            continue
        people = {p.email.lower() for p in recipients(iv, known.debriefs.get(iv.loop_id))}
        if to & people and (best is None or iv.start > best.start):
            best = iv
    if best is None:
        return None
    return Observation(msg.ref, best.loop_id, "sent", when, "you wrote to them after the interview",
                       message_id=msg.message_id)
