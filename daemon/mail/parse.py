"""Turn raw RFC 5322 bytes into a ``MailMessage``, and fingerprint a draft's text.

Rules:
- Never raise on bad input. A header that cannot be read becomes an empty value; a body
  that cannot be decoded is decoded leniently (undecodable bytes become U+FFFD).
- Message ids are kept as ``<...>`` tokens; addresses are lower-cased, display names
  decoded; dates are time-zone aware (a date without a zone is read as UTC).
- ``headers`` carries only the headers that tell automatic mail apart (auto-replies,
  bounces, lists), in message order, with lower-case names and unfolded values.
- ``failed_recipients``: the addresses a delivery report (RFC 3464, ``message/delivery-status``
  or ``message/global-delivery-status``) gives with ``Action: failed`` — ``Final-Recipient``,
  else ``Original-Recipient`` — and those of ``X-Failed-Recipients`` (Exim), lower case.
- ``calendar_method``: the METHOD of the first iCalendar part (``text/calendar`` or
  ``application/ics``), from its ``method`` parameter or its ``METHOD:`` line, upper case.
- Text never contains CR or LF where a single line is expected (subject, names).
- ``body_digest`` hashes the decoded text body only, so that a mail client that rewrites
  headers, re-encodes the body or changes line endings does not make a draft look edited.
- ``message_date`` reads the Date header alone, exactly as ``parse_message`` reads it, at a
  fiftieth of the cost: mailboxes use it to pass over mail older than the look-back window
  without parsing it.
- Speed: the standard library parses a structured header again at every look-up (a
  message's Content-Type is looked up about ten times per parse). ``_POLICY`` is
  ``email.policy.default`` whose parsed headers are kept in a small cache keyed by name and
  raw value (header objects are immutable). Plain address headers (``Jane Doe
  <jane@acme.example>``) are read by a regular expression that gives what the standard
  library gives (``_simple_addresses``; tests/test_first_pass.py compares the two); any
  other form goes to the standard library. Together a parse costs about a third of what
  it did (some 0.3 ms for a 4 KiB message).

Used by every mailbox provider (Maildir, IMAP, Gmail).
"""

from __future__ import annotations

import codecs
import email
import email.policy
import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import TypeVar

from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.model import MailMessage, Person

MAX_BODY = 20_000

AUTO_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-unsubscribe",
    "x-autoreply",
    "x-autorespond",
    "x-auto-response-suppress",
    "x-apple-action",
    "return-path",
    "content-type",
    "x-failed-recipients",
    "x-autoreply-from",
    "x-mail-autoreply",
    "x-precedence",
)

_MSGID = re.compile(r"<[^<>\s]+>")
_LINESEP = re.compile(r"\n|\r")  # what ``EmailPolicy.header_fetch_parse`` removes
_FOLD = re.compile(r"\r?\n[ \t]")
_LINEBREAKS = re.compile(r"[\r\n]+")

T = TypeVar("T")


class _CachingPolicy(email.policy.EmailPolicy):
    """``email.policy.default``, parsing each distinct header once (see the module rules)."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        return _parsed_header(self.header_factory, name, value)


@functools.lru_cache(maxsize=512)
def _parsed_header(factory, name: str, value: str):
    return factory(name, "".join(_LINESEP.split(value)))


_POLICY = _CachingPolicy()
_HEAD_PARSER = BytesHeaderParser(policy=email.policy.compat32)  # raw values only: cheap


def parse_message(raw: bytes, *, ref: str, folder: str) -> MailMessage:
    """The ``MailMessage`` of ``raw``; fields that cannot be read are left empty."""
    try:
        msg = email.message_from_bytes(raw, policy=_POLICY)
        msg = _with_repaired_boundary(raw, msg)
    except Exception:  # the parser is lenient, but a message is never worth a crash
        return MailMessage(ref=ref, folder=folder)
    return MailMessage(
        ref=ref,
        folder=folder,
        message_id=_safe(lambda: _first_id(_raw_values(msg, "message-id")), ""),
        in_reply_to=_safe(lambda: _ids(_raw_values(msg, "in-reply-to")), ()),
        references=_safe(lambda: _ids(_raw_values(msg, "references")), ()),
        sender=_safe(lambda: next(iter(_addresses(msg, "from")), None), None),
        to=_safe(lambda: _addresses(msg, "to"), ()),
        cc=_safe(lambda: _addresses(msg, "cc"), ()),
        subject=_safe(lambda: _text_header(msg, "subject"), ""),
        date=_safe(lambda: _date(msg), None),
        headers=_safe(lambda: _auto_headers(msg), ()),
        key=_safe(lambda: _one_line(_unfold(_first(_raw_values(msg, KEY_HEADER.lower())))), ""),
        body=_safe(lambda: _body_text(msg)[:MAX_BODY], ""),
        failed_recipients=_safe(lambda: _failed_recipients(msg), ()),
        calendar_method=_safe(lambda: _calendar_method(msg), ""),
    )


def message_date(raw: bytes) -> datetime | None:
    """The Date of ``raw`` (a whole message, or its header), as ``parse_message`` gives it,
    without parsing the rest: the header is read for raw values only, and only up to the
    first blank line."""
    end = len(raw)
    for sep in (b"\n\n", b"\r\n\r\n"):
        found = raw.find(sep, 0, end)
        if found >= 0:
            end = found + len(sep)
    try:
        return _date(_HEAD_PARSER.parsebytes(raw[:end]))
    except Exception:
        return None


def body_digest(raw: bytes) -> str:
    """sha256 (hex) of the normalised text body of ``raw``.

    Normalised: transfer encoding and charset decoded, format=flowed undone, line endings
    made LF, trailing white space removed from every line, leading and trailing blank
    lines dropped. Headers do not count: editing only the subject or the recipients does
    not change the digest.
    """
    try:
        msg = email.message_from_bytes(raw, policy=_POLICY)
        text = _body_text(msg, unflow=True)
    except Exception:
        text = ""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """Text as ``body_digest`` compares it (exposed for callers that build drafts)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# --- helpers ---------------------------------------------------------------------------


def _safe(fn: Callable[[], T], default: T) -> T:
    try:
        return fn()
    except Exception:
        return default


def _raw_values(msg: Message, name: str) -> list[str]:
    """The raw (undecoded, possibly folded) values of header ``name``, in order."""
    out = []
    for k, v in msg.raw_items():
        if k.lower() == name:
            out.append(_repair(v if isinstance(v, str) else str(v)))
    return out


def _repair(value: str) -> str:
    """Undo surrogate escapes from raw 8-bit headers (UTF-8 in headers is common)."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except Exception:
        return value.encode("utf-8", "replace").decode("utf-8")


def _first(values: list[str]) -> str:
    return values[0] if values else ""


def _unfold(value: str) -> str:
    return _FOLD.sub(" ", value).strip()


def _one_line(value: str) -> str:
    return _LINEBREAKS.sub(" ", value).replace("\0", "").strip()


def _first_id(values: list[str]) -> str:
    for v in values:
        ids = _MSGID.findall(v)
        if ids:
            return ids[0]
        bare = _unfold(v)
        if bare and not any(c.isspace() for c in bare):
            return f"<{bare.strip('<>')}>"
    return ""


def _ids(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values:
        for token in _MSGID.findall(v):
            seen.setdefault(token, None)
    return tuple(seen)


def _decode_words(value: str) -> str:
    """RFC 2047 decoding that gives up gracefully (unknown charsets, broken words)."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _text_header(msg: Message, name: str) -> str:
    values = _raw_values(msg, name)
    if not values:
        return ""
    try:
        value = str(msg[name])
    except Exception:
        value = _decode_words(_unfold(values[0]))
    return _one_line(_repair(value))


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDR_SPEC = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_SIMPLE_MAILBOX = re.compile(
    rf'[ \t]*(?:(?P<bare>{_ADDR_SPEC})'
    rf'|(?:(?P<phrase>{_ATOM}(?: {_ATOM})*)|"(?P<quoted>[^"\\\s]+(?: [^"\\\s]+)*)")?[ \t]*<(?P<addr>{_ADDR_SPEC})>)'
    r"[ \t]*(?:,|$)"
)


def _simple_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """The (display name, address) pairs of address headers written the plain way
    (``a@b.example``, ``Jane Doe <a@b.example>``, ``"Doe, Jane" <a@b.example>``, in
    comma-separated lists), read as the standard library reads them, and many times
    faster; None for anything else (encoded words, comments, groups, escapes, 8-bit text,
    odd spacing), which the standard library then reads."""
    pairs = []
    for raw in values:
        value = "".join(_LINESEP.split(raw))
        if "=?" in value or not value.isascii():
            return None
        pos, end = 0, len(value)
        while pos < end:
            m = _SIMPLE_MAILBOX.match(value, pos)
            if m is None or m.end() == pos or (m.end() == end and value.endswith(",")):
                return None
            if m["bare"]:
                pairs.append(("", m["bare"]))
            else:
                pairs.append((m["phrase"] or m["quoted"] or "", m["addr"]))
            pos = m.end()
        if not pairs:
            return None
    return pairs


def _addresses(msg: Message, name: str) -> tuple[Person, ...]:
    values = _raw_values(msg, name)
    if not values:
        return ()
    pairs: list[tuple[str, str]] = []
    try:
        simple = _simple_addresses(values)
        if simple is not None:
            pairs = simple
        else:
            for header in msg.get_all(name) or ():
                for addr in header.addresses:
                    pairs.append((addr.display_name, addr.addr_spec))
    except Exception:
        pairs = []
        for raw in _raw_values(msg, name):
            for display, addr in getaddresses([_unfold(raw)]):
                pairs.append((_decode_words(display), addr))
    people = []
    for display, addr in pairs:
        addr = _one_line(_repair(addr)).strip("<>").lower()
        if "@" not in addr or any(c.isspace() or c in '<>,"' for c in addr):
            continue
        people.append(Person(email=addr, name=_one_line(_repair(display)).strip('"')))
    return tuple(people)


def _date(msg: Message) -> datetime | None:
    raw = _unfold(_first(_raw_values(msg, "date")))
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when


def _auto_headers(msg: Message) -> tuple[tuple[str, str], ...]:
    out = []
    for k, v in msg.raw_items():
        name = k.lower()
        if name in AUTO_HEADERS:
            value = _one_line(_unfold(_repair(v if isinstance(v, str) else str(v))))
            out.append((name, re.sub(r"\s+", " ", value)))
    return tuple(out)


_BOUNDARY_LINE = re.compile(r"^--([^\s]{1,200}?)(?:--)?[ \t]*$", re.MULTILINE)


def _with_repaired_boundary(raw: bytes, msg: Message) -> Message:
    """A multipart message whose declared boundary never occurs (a sender that wrote one
    boundary in the header and another in the body) is parsed again with the boundary the
    body uses; the parser would otherwise see no parts and no text at all."""
    if msg.get_content_maintype() != "multipart" or not isinstance(msg.get_payload(), str):
        return msg
    declared = msg.get_boundary()
    found = _BOUNDARY_LINE.search(msg.get_payload())
    if not declared or not found or found.group(1) == declared:
        return msg
    end_of_head = re.search(rb"\r?\n\r?\n", raw)
    old, new = declared.encode("utf-8", "surrogateescape"), found.group(1).encode("utf-8", "surrogateescape")
    if end_of_head is None or old not in raw[:end_of_head.start()]:
        return msg
    fixed = raw[:end_of_head.start()].replace(old, new, 1) + raw[end_of_head.start():]
    repaired = email.message_from_bytes(fixed, policy=_POLICY)
    return repaired if repaired.is_multipart() and isinstance(repaired.get_payload(), list) else msg


_REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_CALENDAR_TYPES = ("text/calendar", "application/ics")
_ADDRESS_TYPE = re.compile(r"^\s*[\w.-]+\s*;\s*")


def _failed_recipients(msg: Message) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for raw in _raw_values(msg, "x-failed-recipients"):
        for _, addr in getaddresses([_unfold(raw)]):
            _add_address(found, addr)
    for part in msg.walk():
        if part.get_content_type() not in _REPORT_TYPES:
            continue
        for fields in _report_blocks(part):
            if not fields.get("action", "").lower().startswith("failed"):
                continue
            who = fields.get("final-recipient") or fields.get("original-recipient") or ""
            _add_address(found, _ADDRESS_TYPE.sub("", who))
    return tuple(found)


def _add_address(found: dict[str, None], addr: str) -> None:
    addr = _one_line(addr).strip().strip("<>").lower()
    if "@" in addr and not any(c.isspace() or c in '<>,"' for c in addr):
        found.setdefault(addr, None)


def _report_blocks(part: Message) -> list[dict[str, str]]:
    """The field blocks of a delivery-status part (per message, then per recipient), with
    lower-case names. The parser splits ``message/delivery-status`` into header blocks; a
    ``global`` report (UTF-8) arrives as one block and text, which is split here the same
    way."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_blocks(_part_text(part))
    blocks = []
    for block in payload:
        if not isinstance(block, Message):
            continue
        blocks.append({k.lower(): _one_line(_unfold(_repair(str(v)))) for k, v in block.items()})
        rest = block.get_payload()
        if isinstance(rest, str) and rest.strip():  # the parser kept later blocks as text
            blocks.extend(_text_blocks(_part_text(block)))
    return blocks


def _text_blocks(text: str) -> list[dict[str, str]]:
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        fields: dict[str, str] = {}
        for line in _unfold(chunk).split("\n"):
            name, sep, value = line.partition(":")
            if sep and name.strip():
                fields.setdefault(name.strip().lower(), value.strip())
        if fields:
            blocks.append(fields)
    return blocks


def _calendar_method(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() not in _CALENDAR_TYPES:
            continue
        method = _param(part, "method").strip()
        if not method:
            found = re.search(r"^METHOD\s*:\s*([A-Za-z-]+)", _part_text(part), re.MULTILINE)
            method = found.group(1) if found else ""
        return method.upper()
    return ""


def _body_text(msg: Message, *, unflow: bool = False) -> str:
    part = _find_part(msg, "plain")
    if part is not None:
        text = _part_text(part)
        if unflow and _is_flowed(part):
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        return text
    part = _find_part(msg, "html")
    return _strip_html(_part_text(part)) if part is not None else ""


def _find_part(msg: Message, subtype: str) -> Message | None:
    try:
        found = msg.get_body(preferencelist=(subtype,))  # type: ignore[attr-defined]
        if found is not None:
            return found
    except Exception:
        pass
    try:
        for part in msg.walk():
            if part.get_content_type() == f"text/{subtype}" and not _is_attachment(part):
                return part
    except Exception:
        pass
    return None


def _is_attachment(part: Message) -> bool:
    try:
        return bool(part.is_attachment())  # type: ignore[attr-defined]
    except Exception:
        return False


def _part_text(part: Message) -> str:
    """The decoded text of a leaf part; 8-bit text without a usable charset is tried as
    UTF-8, then Windows-1252 (what undeclared 8-bit mail almost always is)."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return _repair(raw) if isinstance(raw, str) else ""
    charset = _param(part, "charset").strip().lower()
    if charset and charset not in ("us-ascii", "ascii"):
        try:
            codecs.lookup(charset)
            return payload.decode(charset, "replace")
        except LookupError:
            pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", "replace")


def _param(part: Message, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:
        return ""
    if isinstance(value, tuple):  # RFC 2231 value
        value = value[2]
    return str(value or "")


def _is_flowed(part: Message) -> bool:
    return _param(part, "format").lower() == "flowed"


def _unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: rejoin soft-broken lines, remove space stuffing."""
    out: list[str] = []
    pending = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


class _TextOfHtml(HTMLParser):
    BLOCK = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _strip_html(html: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
