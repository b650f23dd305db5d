"""Build the RFC 5322 message of a draft, safely.

Text from calendars is data: a CR, LF or NUL in a name or title is folded into a space
here, and an address that contains one is refused, so no calendar text can add a header.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from interview_followup.daemon.keys import KEY_HEADER, message_id
from interview_followup.daemon.model import Person

if TYPE_CHECKING:
    from email.headerregistry import Address

_CONTROL = re.compile(r"[\r\n\x00]+")
# Header lines up to the hard limit of 998 characters (78 is a recommendation): where
# Python folds a non-ASCII name or subject it may split it into encoded words at a space,
# and mail programs drop the space between encoded words (RFC 2047), showing
# "JoséŁukasiewicz". Unfolded, a header keeps its spaces inside one encoded word.
# (``email`` is imported when a draft is built, not when ``status`` imports ``one_line``.)
@functools.cache
def _draft_policy():
    from email.policy import SMTP

    return SMTP.clone(max_line_length=998)


_ADDR = re.compile(r"^[^@\s<>\"(),;:\\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")


def one_line(text: str) -> str:
    """Text safe for a header: CR, LF and NUL folded into single spaces."""
    return _CONTROL.sub(" ", text or "").strip()


def safe_address(person: Person) -> Address | None:
    """The header address of ``person``, or None if the address itself is unsafe."""
    if not _ADDR.match(person.email or ""):
        return None
    from email.headerregistry import Address

    local, _, domain = person.email.rpartition("@")
    return Address(display_name=one_line(person.name), username=local, domain=domain)


def build_message(
    *,
    key: str,
    sender: Person,
    to: list[Person],
    subject: str,
    body: str,
    when: datetime,
    in_reply_to: str = "",
    references: tuple[str, ...] = (),
    attachments: tuple[Path, ...] = (),
) -> tuple[bytes, list[str]]:
    """The draft's bytes and the warnings met while building it (refused addresses)."""
    import mimetypes
    from email.message import EmailMessage
    from email.utils import format_datetime

    warnings: list[str] = []
    msg = EmailMessage()
    from_addr = safe_address(sender)
    if from_addr is not None:
        msg["From"] = from_addr
    recipients = []
    for person in to:
        addr = safe_address(person)
        if addr is None:
            warnings.append(f"left out an unusable address: {one_line(person.email)!r}")
        else:
            recipients.append(addr)
    if recipients:
        msg["To"] = recipients
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id(key, sender.domain if sender.email else "")
    msg[KEY_HEADER] = key
    msg["X-Mailer"] = "interview-followup (drafts only, never sends)"
    msg.set_content(body.replace("\x00", ""), charset="utf-8")
    for path in attachments:
        ctype, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        msg.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=one_line(path.name)
        )
    return _with_thread(msg.as_bytes(policy=_draft_policy()), in_reply_to, references), warnings


# A Message-ID as it may be written back: "<...>" of printable ASCII without spaces or angle
# brackets (RFC 5322 msg-id; Outlook's run past 100 characters).
_MSGID_TOKEN = re.compile(r"<[!-;=?-~]{1,994}>")
_LINE_MAX = 998  # RFC 5322: the hard limit of a line, without its CRLF


def thread_ids(*values: str) -> list[str]:
    """The Message-IDs in ``values``, in order, each once (anything else is left out)."""
    return list(dict.fromkeys(t for v in values for t in _MSGID_TOKEN.findall(one_line(v))))


def thread_headers(in_reply_to: str, references: tuple[str, ...] = ()) -> bytes:
    """The In-Reply-To and References fields, exactly as the ids came: never RFC 2047
    encoded and never split inside an id, whatever their length (Python's folding turns an
    unbreakable word longer than the line into encoded words, which breaks threading).
    References is folded between ids only, when a line would pass 998 characters."""
    replying = thread_ids(in_reply_to)
    refs = thread_ids(*references) or replying
    out = b""
    if replying:
        out += _folded("In-Reply-To", replying)
    if refs:
        out += _folded("References", refs)
    return out


def _folded(name: str, ids: list[str]) -> bytes:
    lines, line = [], f"{name}:"
    for token in ids:
        if len(line) + 1 + len(token) > _LINE_MAX and line != f"{name}:":
            lines.append(line)
            line = ""
        line += " " + token
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _with_thread(raw: bytes, in_reply_to: str, references: tuple[str, ...]) -> bytes:
    """``raw`` with the thread fields written in after its Message-ID (see ``thread_headers``)."""
    fields = thread_headers(in_reply_to, references)
    if not fields:
        return raw
    head_end = raw.find(b"\r\n\r\n")
    at = raw.find(b"\r\nMessage-ID:", 0, head_end)
    if at < 0:
        return raw[: head_end + 2] + fields + raw[head_end + 2 :]
    end = raw.find(b"\r\n", at + 2)
    while raw[end + 2 : end + 3] in (b" ", b"\t"):  # a folded Message-ID: after its last line
        end = raw.find(b"\r\n", end + 2)
    return raw[: end + 2] + fields + raw[end + 2 :]
