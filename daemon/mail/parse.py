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
- ``delivery``: of a delivery report, one (address, action, status, diagnostic) per
  recipient block (``Final-Recipient`` else ``Original-Recipient``; lower case; the
  ``Status`` code and ``Diagnostic-Code`` as written), failed or delayed alike.
- ``returned_ids``: the Message-IDs of the message a report returns (a ``message/rfc822``
  or ``message/global`` part, or the headers of a ``text/rfc822-headers`` part): its
  Message-ID, then its In-Reply-To and References; the Message-ID of this program's draft
  when the returned message carries its key header (``keys.message_id``, any domain); and a
  report's ``X-Original-Message-ID``. Any message carrying another whole gets them (a
  forwarded message too): only bounce matching reads them.
- ``reply_to``: the Reply-To addresses, as From is read.
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

Two stages (``parse_message(..., lazy=True)``, what the Maildir and IMAP mailboxes use): the
header block alone is read at once (raw values, as ``message_date`` reads them), giving every
field but ``LAZY_FIELDS`` (``headers``, ``body``, ``failed_recipients``, ``calendar_method``,
``returned_ids``, ``delivery``); those are read from the whole message, by the one-stage
parse, when one of them is first asked for. Matching asks only for mail it ties to a loop,
or that may be a bounce (``replies.understand``), so most mail of a first pass is never
parsed beyond its header block. ``failed_recipients`` of a message that has no
``delivery-status`` anywhere in it comes from the header block too. Every field equals what
``parse_message`` gives at once (tests/test_two_stage_parse.py over the reply corpus), except
that the standard parser's budget is spent by the header block alone first. A lazy message
keeps the message's bytes until its body is read: messages over ``LAZY_MAX_BYTES`` (64 KiB)
are parsed whole at once. Pickled or copied with ``dataclasses.replace``, a lazy message
reads its body first.

Bounds — one message, however hostile, costs at most about a second and some tens of MB
(tests/test_mail_hostile.py; the mailboxes read at most 2 MiB of a message). Real mail is
far below each of them, and reads exactly as it would without them:
- ``MAX_HEAD_BYTES`` (256 KiB): the message's header block, in whole lines, before the
  parser reads it (the standard parser spends a couple of microseconds per line: 600,000
  folded lines took a second per reading). Real header blocks are a few KiB.
- ``MAX_HEADER_CHARS`` (32 KiB): a header value as stored, in the message and in every
  part, before any parser sees it. Longer values are cut; References keeps its first
  quarter and its last three quarters (the root and the latest messages of the thread).
  RFC 5322 lines are at most 998 characters; real From, To and Subject fields are well
  under 2 KiB, a long thread's References some KiB.
- ``MAX_HEADERS`` (500): header fields per message and per part; later ones are ignored.
  Real mail has 10 to 100 (most of them Received, DKIM and ARC lines).
- ``MAX_PARTS`` (200) and ``MAX_DEPTH`` (20): MIME parts per message (a delivery report's
  per-recipient blocks count as parts) and nesting depth (multiparts and attached
  messages). Past them the parsing stops and the parts read so far are used. Real mail:
  a few parts, nested three to six deep (a forwarded message adds two levels).
- ``STRUCTURED_MAX`` (2 KiB) and ``STRUCTURED_BUDGET`` (4 values of that length): the
  standard library's parser of structured headers (addresses, Content-Type and the like)
  takes time, and for encoded words memory, that grows with the *square* of a value's
  length (50 KB of quotes in From took 34 s; 10,000 encoded words 2.3 GB). It is given
  values of at most ``STRUCTURED_MAX`` characters, and per message values whose squared
  lengths add up to at most ``STRUCTURED_BUDGET`` (the worst such values take some 40 ms
  each; a real message spends a fraction of the budget: its longest values are a To or
  Cc of a few dozen people). Longer address fields, and any once the budget is spent,
  are read by the linear ``email.utils.getaddresses`` with encoded words decoded by
  ``email.header`` (the same addresses and names for real mail); a longer Subject by
  ``email.header`` alone; other headers are cut to ``STRUCTURED_MAX``, and read as empty
  once the budget is spent (a part's Content-Type then defaults to text/plain).
- ``MAX_ADDRESSES`` (1000): addresses kept per address field (From, To, Cc) and failed
  recipients per bounce. ``MAX_TEXT_CHARS`` (2000): a decoded subject or display name
  (what the matching rules read and the log may quote).
- ``MAX_BODY`` (20,000 characters): the body text kept (what automatic-mail recognition
  and classification scan). ``MAX_HTML`` (512 KiB): the HTML read for it, when a message
  has no plain text part; HTML is turned into text in linear time (``htmltext``), and
  only until the text is long enough. A reply's own words come first, well within both.
- A message that hits a bound is named in one warning (its reference — the Maildir file,
  the IMAP UID, the Gmail id — and its Message-ID, never its text), once per process.

Used by every mailbox provider (Maildir, IMAP, Gmail).
"""

from __future__ import annotations

import codecs
import contextvars
import email
import email.message
import email.policy
import functools
import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from interview_followup.daemon.keys import KEY_HEADER, message_id
from interview_followup.daemon.mail.htmltext import html_text, strip_tags
from interview_followup.daemon.model import MailMessage, Person

log = logging.getLogger(__name__)

MAX_BODY = 20_000
MAX_HTML = 512 * 1024
MAX_HEADER_CHARS = 32 * 1024
MAX_HEADERS = 500
MAX_PARTS = 200
MAX_DEPTH = 20
MAX_ADDRESSES = 1000
MAX_TEXT_CHARS = 2000
STRUCTURED_MAX = 2 * 1024
STRUCTURED_BUDGET = 4 * STRUCTURED_MAX**2
MAX_HEAD_BYTES = 256 * 1024
_SHARED_CACHE_MAX = 256  # longer values are cached for one parse only (see _parsed_header)
_WARNED_MAX = 1000  # messages remembered as already warned about

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
    # Exchange: an inbox rule acted on the message (also when it only forwarded it), and the
    # agent that generated it ("Mailbox Rules Agent"): supporting signs only (automatic.py)
    "x-ms-exchange-inbox-rules-loop",
    "x-ms-exchange-generated-message-source",
)

_MSGID = re.compile(r"<[^<>\s]+>")
_LINESEP = re.compile(r"\n|\r")  # what ``EmailPolicy.header_fetch_parse`` removes
_FOLD = re.compile(r"\r?\n[ \t]")
_LINEBREAKS = re.compile(r"[\r\n]+")

T = TypeVar("T")


# --- bounds ------------------------------------------------------------------------------


@dataclass
class _Reading:
    """What one ``parse_message`` (or ``body_digest``) has spent, and what it had to cut."""

    budget: int = STRUCTURED_BUDGET
    parts: int = 0
    root: Message | None = None
    cut: dict[str, None] = field(default_factory=dict)  # what was cut, in order, for the warning
    long_values: dict[tuple[str, str], object] = field(default_factory=dict)  # parsed, too long to share

    def note(self, what: str) -> None:
        self.cut.setdefault(what, None)


_READING: contextvars.ContextVar[_Reading | None] = contextvars.ContextVar("mail_reading", default=None)


def _note(what: str) -> None:
    reading = _READING.get()
    if reading is not None:
        reading.note(what)


class _Overgrown(Exception):
    """Too many parts, or nested too deep: the parsing stops."""


class _OverBudget(Exception):
    """The standard library's header parser has had its share of this message."""


def _capped(name: str, value: str) -> str:
    """A header value as stored (``MAX_HEADER_CHARS``; see the module rules)."""
    if len(value) <= MAX_HEADER_CHARS:
        return value
    _note(f"a header field longer than {MAX_HEADER_CHARS // 1024} KiB ({_printable(name, 40)}) was cut")
    if name.strip().lower() == "references":
        head = MAX_HEADER_CHARS // 4
        return value[:head] + " " + value[len(value) - (MAX_HEADER_CHARS - head - 1):]
    return value[:MAX_HEADER_CHARS]


def _set_raw_bounded(msg: Message, name: str, value: str) -> bool:
    if len(msg._headers) >= MAX_HEADERS:  # type: ignore[attr-defined]
        _note(f"more than {MAX_HEADERS} header fields in one part: the rest were ignored")
        return False
    msg._headers.append((name, _capped(name, value)))  # type: ignore[attr-defined]
    return True


class _BoundedMessage(email.message.EmailMessage):
    """What the parser builds: header fields capped as they are stored, parts counted as
    they are attached (see the module rules)."""

    _depth = 0

    def set_raw(self, name, value):
        _set_raw_bounded(self, name, value)

    def attach(self, payload):
        reading = _READING.get()
        if reading is not None and isinstance(payload, Message):
            depth = self._depth + 1
            reading.parts += 1
            if depth == 1 and reading.root is None:
                reading.root = self
            if reading.parts > MAX_PARTS:
                _note(f"more than {MAX_PARTS} MIME parts: only the first were read")
                raise _Overgrown()
            if depth > MAX_DEPTH:
                _note(f"MIME parts nested more than {MAX_DEPTH} deep: only the outer ones were read")
                raise _Overgrown()
            payload._depth = depth
        super().attach(payload)


class _BoundedHead(Message):
    """The header-only message of ``message_date``: fields stored as ``parse_message``
    stores them."""

    def set_raw(self, name, value):
        _set_raw_bounded(self, name, value)


class _CachingPolicy(email.policy.EmailPolicy):
    """``email.policy.default``, parsing each distinct header once, within the bounds (see
    the module rules)."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        value = "".join(_LINESEP.split(value))
        if len(value) > STRUCTURED_MAX:
            _note(f"a structured header field longer than {STRUCTURED_MAX // 1024} KiB "
                  f"({_printable(name, 40)}) was cut for the standard parser")
            value = value[:STRUCTURED_MAX]
        try:
            if len(value) <= _SHARED_CACHE_MAX:
                return _parsed_header(self.header_factory, name, value)
            reading = _READING.get()
            if reading is None:
                return self.header_factory(name, value)
            key = (name, value)
            if key not in reading.long_values:
                _charge(len(value))
                reading.long_values[key] = self.header_factory(name, value)
            return reading.long_values[key]
        except _OverBudget:
            return self.header_factory(name, "")


@functools.lru_cache(maxsize=512)
def _parsed_header(factory, name: str, value: str):
    _charge(len(value))  # a cache hit costs nothing; an exception is not cached
    return factory(name, value)


def _charge(length: int) -> None:
    reading = _READING.get()
    if reading is None:
        return
    if length * length > reading.budget:
        reading.budget = 0
        _note("the header fields were too complex for the standard parser: some were read the simple way")
        raise _OverBudget()
    reading.budget -= length * length


def _affordable(value: str) -> bool:
    """Whether the standard library's parser may be given ``value`` (unfolded)."""
    if len(value) > STRUCTURED_MAX:
        return False
    reading = _READING.get()
    return reading is None or len(value) ** 2 <= reading.budget


_POLICY = _CachingPolicy(message_factory=_BoundedMessage)
_HEAD_PARSER = BytesHeaderParser(_BoundedHead, policy=email.policy.compat32)  # raw values only: cheap


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _bounded_head(raw: bytes) -> bytes:
    """``raw`` with its header block cut to ``MAX_HEAD_BYTES`` (whole lines; a single
    longer first line is cut too), the body kept."""
    if len(raw) <= MAX_HEAD_BYTES:
        return raw
    blank = _BLANK_LINE.search(raw)
    end = blank.start() + 1 if blank else len(raw)
    if end <= MAX_HEAD_BYTES:
        return raw
    _note(f"a header block longer than {MAX_HEAD_BYTES // 1024} KiB: the rest of it was ignored")
    cut = raw.rfind(b"\n", 0, MAX_HEAD_BYTES) + 1
    head = raw[:cut] if cut else raw[:MAX_HEAD_BYTES] + b"\n"
    return head + raw[end:]


def _parse(raw: bytes) -> Message:
    """The parsed message, within the part and depth bounds: past them, the parts read so
    far. Needs a ``_Reading`` in ``_READING``."""
    reading = _READING.get()
    if reading is not None:
        reading.parts, reading.root = 0, None
    try:
        return BytesParser(policy=_POLICY).parsebytes(_bounded_head(raw))
    except _Overgrown:
        if reading is None or reading.root is None:
            raise
        return reading.root


def parse_message(raw: bytes, *, ref: str, folder: str, lazy: bool = False) -> MailMessage:
    """The ``MailMessage`` of ``raw``; fields that cannot be read are left empty.

    ``lazy``: read the header block only now, and the body (with what is read from the
    parts: ``LAZY_FIELDS``) when it is first asked for (see the module rules)."""
    if lazy and len(raw) <= LAZY_MAX_BYTES:
        return _lazy_message(raw, ref, folder)
    reading = _Reading()
    token = _READING.set(reading)
    try:
        parsed = _parse_message(raw, ref, folder)
    finally:
        _READING.reset(token)
    if reading.cut:
        _warn_once(parsed, reading)
    return parsed


def _parse_message(raw: bytes, ref: str, folder: str) -> MailMessage:
    try:
        msg = _parse(raw)
        msg = _with_repaired_boundary(raw, msg)
    except Exception:  # the parser is lenient, but a message is never worth a crash
        _note("the message could not be parsed")
        return MailMessage(ref=ref, folder=folder)
    return MailMessage(ref=ref, folder=folder, **_header_fields_of(msg, ref, folder), **_part_fields_of(msg))


# --- two stages: the header block now, the body when asked for ------------------------------

LAZY_MAX_BYTES = 64 * 1024  # larger messages are parsed whole at once: a lazy one keeps its bytes
LAZY_FIELDS = ("headers", "body", "failed_recipients", "calendar_method", "returned_ids", "delivery")
_DELIVERY_STATUS = b"delivery-status"


def _lazy_field(name: str) -> property:
    slot = "_lazy_" + name

    def get(self):
        values = self.__dict__
        if slot not in values:
            self._fill()
        return values[slot]

    def put(self, value):  # the dataclass __init__ (``dataclasses.replace``) sets it
        self.__dict__[slot] = value

    return property(get, put, doc=f"``MailMessage.{name}``, read from the body when first asked for")


class _LazyMessage(MailMessage):
    """A ``MailMessage`` whose ``LAZY_FIELDS`` are read from the whole message when one of
    them is first asked for; equal in every field to what ``parse_message`` gives at once."""

    headers = _lazy_field("headers")
    body = _lazy_field("body")
    failed_recipients = _lazy_field("failed_recipients")
    calendar_method = _lazy_field("calendar_method")
    returned_ids = _lazy_field("returned_ids")
    delivery = _lazy_field("delivery")

    def _fill(self) -> None:
        load = self.__dict__.pop("_load", None)
        values = load() if load is not None else {}
        for name in LAZY_FIELDS:
            self.__dict__.setdefault("_lazy_" + name, values.get(name, MailMessage.__dataclass_fields__[name].default))

    def __eq__(self, other):  # equal to the MailMessage of the same fields, lazy or not
        if not isinstance(other, MailMessage):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in MailMessage.__dataclass_fields__)

    __hash__ = MailMessage.__hash__

    def __reduce__(self):  # a plain MailMessage, read whole
        return (MailMessage, tuple(getattr(self, f) for f in MailMessage.__dataclass_fields__))

    @property
    def body_read(self) -> bool:
        """Whether the body has been read (for tests and benchmarks)."""
        return "_load" not in self.__dict__


def _lazy_message(raw: bytes, ref: str, folder: str) -> MailMessage:
    reading = _Reading()
    token = _READING.set(reading)
    try:
        head = _head_of(raw)
        msg = _header_fields_of(head, ref, folder) if head is not None else {}
        # no part can be a delivery report: failed recipients come from X-Failed-Recipients
        # alone (the header block is read as a whole message without parts would be)
        cheap = head is not None and _DELIVERY_STATUS not in raw.lower()
        failed = _safe(lambda: _failed_recipients(head), ()) if cheap else None
    finally:
        _READING.reset(token)
    seen = dict(reading.cut)
    out = _LazyMessage(ref=ref, folder=folder, **msg) if head is not None else None
    if out is None:  # the head could not be read: read it all now, as parse_message does
        return parse_message(raw, ref=ref, folder=folder)
    for name in LAZY_FIELDS:  # set to their defaults by the dataclass: read when asked for
        del out.__dict__["_lazy_" + name]
    if failed is not None:
        out.__dict__["_lazy_failed_recipients"] = failed
    if reading.cut:
        _warn_once(out, reading)

    def load() -> dict:
        whole = _Reading()
        token = _READING.set(whole)
        try:
            values = _body_fields_of(raw)
        finally:
            _READING.reset(token)
        new = [what for what in whole.cut if what not in seen]
        if new:
            log.warning("mail %s (Message-ID %s): %s", _printable(ref, 200) or "(no reference)",
                        _printable(out.message_id, 200) or "(none)", "; ".join(new))
        return values

    out.__dict__["_load"] = load
    return out


_last_head: tuple[bytes, Message | None, tuple[str, ...]] = (b"", None, ())  # see _head_of


def _head_of(raw: bytes) -> Message | None:
    """The header block of ``raw`` as ``parse_message`` reads it (raw values, bounded), without
    its body; None if it cannot be read. The last one read is kept with what it had to cut:
    a mailbox that read a message's Date (``message_date``) and then the message does not
    parse its header block twice."""
    global _last_head
    reading = _Reading()
    token = _READING.set(reading)
    try:
        raw = _bounded_head(raw)
        end = len(raw)
        for sep in (b"\n\n", b"\r\n\r\n"):
            found = raw.find(sep, 0, end)
            if found >= 0:
                end = found + len(sep)
        block = raw[:end]
        last = _last_head
        if last[1] is not None and last[0] == block:
            head, cut = last[1], last[2]
        else:
            try:
                head = _HEAD_PARSER.parsebytes(block)
            except Exception:
                head = None
            cut = tuple(reading.cut)
            _last_head = (block, head, cut)
    finally:
        _READING.reset(token)
    for what in cut:
        _note(what)
    return head


def _header_fields_of(msg: Message, ref: str, folder: str) -> dict:
    """The fields of a ``MailMessage`` read from the header block alone (not ``LAZY_FIELDS``)."""
    return dict(
        message_id=_safe(lambda: _first_id(_raw_values(msg, "message-id")), ""),
        in_reply_to=_safe(lambda: _ids(_raw_values(msg, "in-reply-to")), ()),
        references=_safe(lambda: _ids(_raw_values(msg, "references")), ()),
        sender=_safe(lambda: next(iter(_addresses(msg, "from")), None), None),
        to=_safe(lambda: _addresses(msg, "to"), ()),
        cc=_safe(lambda: _addresses(msg, "cc"), ()),
        subject=_safe(lambda: _text_header(msg, "subject"), ""),
        date=_safe(lambda: _date(msg), None),
        key=_safe(lambda: _one_line(_unfold(_first(_raw_values(msg, KEY_HEADER.lower())))), ""),
        reply_to=_safe(lambda: _addresses(msg, "reply-to"), ()),
    )


def _body_fields_of(raw: bytes) -> dict:
    """``LAZY_FIELDS`` of ``raw``, read from the whole message as ``parse_message`` reads them."""
    try:
        msg = _parse(raw)
        msg = _with_repaired_boundary(raw, msg)
    except Exception:
        _note("the message could not be parsed")
        return {}
    return _part_fields_of(msg)


def _part_fields_of(msg: Message) -> dict:
    """``LAZY_FIELDS`` of a parsed message."""
    return dict(
        headers=_safe(lambda: _auto_headers(msg), ()),
        body=_safe(lambda: _body_text(msg, enough=MAX_BODY)[:MAX_BODY], ""),
        failed_recipients=_safe(lambda: _failed_recipients(msg), ()),
        calendar_method=_safe(lambda: _calendar_method(msg), ""),
        returned_ids=_safe(lambda: _returned_ids(msg), ()),
        delivery=_safe(lambda: _delivery(msg), ()),
    )


_warned: dict[str, None] = {}


def _warn_once(parsed: MailMessage, reading: _Reading) -> None:
    """One warning per message and process, naming it by reference and Message-ID."""
    name = parsed.ref or parsed.message_id
    if name and name in _warned:
        return
    if name:
        if len(_warned) >= _WARNED_MAX:
            _warned.pop(next(iter(_warned)), None)
        _warned[name] = None
    what = "; ".join(reading.cut)
    log.warning("mail %s (Message-ID %s): %s", _printable(parsed.ref, 200) or "(no reference)",
                _printable(parsed.message_id, 200) or "(none)", what)


def _printable(text: str, limit: int) -> str:
    """``text`` safe for a log line: printable ASCII only, at most ``limit`` characters."""
    text = "".join(c if " " <= c <= "~" else "?" for c in text[:limit + 1])
    return text if len(text) <= limit else text[:limit - 3] + "..."


def message_date(raw: bytes) -> datetime | None:
    """The Date of ``raw`` (a whole message, or its header), as ``parse_message`` gives it,
    without parsing the rest: the header is read for raw values only, and only up to the
    first blank line."""
    try:
        head = _head_of(raw)
        return _date(head) if head is not None else None
    except Exception:
        return None


def body_digest(raw: bytes) -> str:
    """sha256 (hex) of the normalised text body of ``raw``.

    Normalised: transfer encoding and charset decoded, format=flowed undone, line endings
    made LF, trailing white space removed from every line, leading and trailing blank
    lines dropped. Headers do not count: editing only the subject or the recipients does
    not change the digest.
    """
    token = _READING.set(_Reading())
    try:
        text = _body_text(_parse(raw), unflow=True)
    except Exception:
        text = ""
    finally:
        _READING.reset(token)
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


def _raw_fields(msg: Message, name: str) -> list[tuple[str, str]]:
    """The fields named ``name``, in order: (the name as written, the raw value as
    stored, surrogate escapes and all)."""
    return [(k, v if isinstance(v, str) else str(v)) for k, v in msg.raw_items() if k.lower() == name]


def _raw_values(msg: Message, name: str) -> list[str]:
    """The raw (undecoded, possibly folded) values of header ``name``, in order."""
    return [_repair(v) for _, v in _raw_fields(msg, name)]


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


def _shortened(text: str, what: str) -> str:
    """A one-line text (subject, display name) within ``MAX_TEXT_CHARS``."""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    _note(f"{what} longer than {MAX_TEXT_CHARS} characters was cut")
    return text[:MAX_TEXT_CHARS]


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
    fields = _raw_fields(msg, name)
    if not fields:
        return ""
    key, raw = fields[0]
    value = None
    plain = "".join(_LINESEP.split(raw))
    if len(plain) <= _SHARED_CACHE_MAX and plain.isascii() and "=?" not in plain and plain.isprintable():
        value = plain  # what the standard library gives for plain text (tests/test_two_stage_parse.py)
    elif _affordable("".join(_LINESEP.split(raw))):
        try:
            value = str(_POLICY.header_fetch_parse(key, raw))
        except Exception:
            pass
    else:
        _note(f"a {name} field too long for the standard parser was decoded the simple way")
    if value is None:
        value = _decode_words(_unfold(_repair(raw)))
    return _shortened(_one_line(_repair(value)), name)


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
    pairs: list[tuple[str, str]] = []
    for key, raw in _raw_fields(msg, name):
        pairs += _address_pairs(key, raw)
        if len(pairs) > MAX_ADDRESSES:
            _note(f"more than {MAX_ADDRESSES} addresses in {name}: only the first were kept")
            del pairs[MAX_ADDRESSES:]
            break
    people = []
    for display, addr in pairs:
        addr = _one_line(_repair(addr)).strip("<>").lower()
        if "@" not in addr or any(c.isspace() or c in '<>,"' for c in addr):
            continue
        people.append(Person(email=addr, name=_shortened(_one_line(_repair(display)).strip('"'), "a display name")))
    return tuple(people)


def _address_pairs(key: str, raw: str) -> list[tuple[str, str]]:
    """The (display name, address) pairs of one address field: the plain way when it is
    plain, else by the standard library when it is short enough (see the module rules),
    else by ``getaddresses`` (linear), with encoded words decoded."""
    repaired = _repair(raw)
    simple = _simple_addresses([repaired])
    if simple is not None:
        return simple
    if _affordable("".join(_LINESEP.split(raw))):
        try:
            header = _POLICY.header_fetch_parse(key, raw)
            return [(addr.display_name, addr.addr_spec) for addr in header.addresses]
        except Exception:
            pass
    else:
        _note(f"a {key.lower()} field too long for the standard parser was read the simple way")
    return [(_decode_words(display), addr) for display, addr in getaddresses([_unfold(repaired)])]


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
    repaired = _parse(fixed)
    return repaired if repaired.is_multipart() and isinstance(repaired.get_payload(), list) else msg


_REPORT_TYPES = ("message/delivery-status", "message/global-delivery-status")
_RETURNED_MESSAGES = ("message/rfc822", "message/global")
_RETURNED_HEADERS = ("text/rfc822-headers", "message/rfc822-headers", "message/global-headers",
                     "text/rfc822-header")
_ORIGINAL_ID_FIELDS = ("x-original-message-id", "original-message-id")
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


def _delivery(msg: Message) -> tuple[tuple[str, str, str, str], ...]:
    out: list[tuple[str, str, str, str]] = []
    for part in msg.walk():
        if part.get_content_type() not in _REPORT_TYPES:
            continue
        for fields in _report_blocks(part):
            who = fields.get("final-recipient") or fields.get("original-recipient") or ""
            action = fields.get("action", "").strip().lower()
            if not who and not action:
                continue  # the per-message block
            found: dict[str, None] = {}
            _add_address(found, _ADDRESS_TYPE.sub("", who))
            out.append((next(iter(found), ""), action, fields.get("status", "").strip()[:40],
                        fields.get("diagnostic-code", "")[:MAX_TEXT_CHARS]))
            if len(out) >= MAX_ADDRESSES:
                return tuple(out)
    return tuple(out)


def _returned_ids(msg: Message) -> tuple[str, ...]:
    """The Message-IDs of the message a report returns (see the module rules)."""
    found: dict[str, None] = {}
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in _REPORT_TYPES:
            for fields in _report_blocks(part):
                for name in _ORIGINAL_ID_FIELDS:
                    for token in _MSGID.findall(fields.get(name, "")):
                        found.setdefault(token, None)
            continue
        if ctype in _RETURNED_MESSAGES:
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(inner, Message):
                values = {name: _raw_values(inner, name) for name in _RETURNED_FIELDS}
            else:
                values = _header_fields(_part_text(part))
        elif ctype in _RETURNED_HEADERS:
            values = _header_fields(_part_text(part))
        else:
            continue
        for name in ("message-id", "in-reply-to", "references"):
            for token in _ids(values.get(name, ())):
                found.setdefault(token, None)
        key = _one_line(_unfold(_first(values.get(KEY_HEADER.lower(), []))))
        if key and not any(c.isspace() or c in "<>" for c in key):
            found.setdefault(message_id(key, ""), None)
        if len(found) > MAX_ADDRESSES:
            break
    return tuple(found)[:MAX_ADDRESSES]


_RETURNED_FIELDS = ("message-id", "in-reply-to", "references", KEY_HEADER.lower())


def _header_fields(text: str) -> dict[str, list[str]]:
    """The fields ``_RETURNED_FIELDS`` of a header block given as text (lines folded the
    usual way), up to its first blank line."""
    out: dict[str, list[str]] = {}
    text = text[:MAX_HEAD_BYTES].replace("\r\n", "\n")
    head = re.split(r"\n[ \t]*\n", text.lstrip("\n"), maxsplit=1)[0]
    for line in _FOLD.sub(" ", head).split("\n"):
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if sep and name in _RETURNED_FIELDS:
            out.setdefault(name, []).append(value.strip())
    return out


def _add_address(found: dict[str, None], addr: str) -> None:
    addr = _one_line(addr).strip().strip("<>").lower()
    if "@" in addr and not any(c.isspace() or c in '<>,"' for c in addr):
        if len(found) >= MAX_ADDRESSES and addr not in found:
            _note(f"more than {MAX_ADDRESSES} failed recipients: only the first were kept")
            return
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
        blocks.append({k.lower(): _one_line(_unfold(_repair(v if isinstance(v, str) else str(v))))
                       for k, v in block.raw_items()})
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


def _body_text(msg: Message, *, unflow: bool = False, enough: int | None = None) -> str:
    """The text body; ``enough``: the caller keeps only that many characters."""
    part = _find_part(msg, "plain")
    if part is not None:
        text = _part_text(part)
        if unflow and _is_flowed(part):
            text = _unflow(text, delsp=_param(part, "delsp").lower() == "yes")
        if not _PLACEHOLDER.search(text[:400]) or len(text) > 400:
            return text
        # "This message is in HTML format": the words are in the HTML part beside it
    part = _find_part(msg, "html")
    return _strip_html(_part_text(part), enough) if part is not None else ""


# what a plain text part says when it only points to the HTML part beside it
_PLACEHOLDER = re.compile(
    r"(?:this|the) (?:message|e-?mail) (?:is|was) (?:in|sent in) html|(?:use|requires?) an html[- ](?:compatible )?"
    r"(?:viewer|reader|mail|e-?mail)|html[- ]compatible|view (?:this|the) (?:message|e-?mail) in (?:a|your) browser|"
    r"nachricht (?:ist )?im html-format|html-fahige|au format html|en formato html|in formato html|in html-formaat",
    re.IGNORECASE,
)


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
    pending: list[str] = []  # the soft-broken lines of the paragraph so far (a list: linear)
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line != "-- ":
            pending.append(line[:-1] if delsp else line)
            continue
        pending.append(line)
        out.append("".join(pending))
        pending = []
    if pending and "".join(pending):
        out.append("".join(pending))
    return "\n".join(out)


def _strip_html(html: str, enough: int | None = None) -> str:
    if len(html) > MAX_HTML:
        _note(f"an HTML body longer than {MAX_HTML // 1024} KiB: only its start was read")
        html = html[:MAX_HTML]
    text = html_text(html, enough)
    if text is None:  # markup that cannot be read token by token
        return strip_tags(html)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()
