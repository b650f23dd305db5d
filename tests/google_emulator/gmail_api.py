"""Gmail v1, emulated with real state, for the real client library.

The client is pointed at ``emulator.url`` (Gmail's method paths already start with
``gmail/v1/``). The user is ``me`` (or the account's address). What is emulated:

- messages with id, threadId, labelIds, the raw bytes, internalDate (ms) and historyId;
  ``messages.insert`` / ``messages.import`` (``internalDateSource`` receivedTime or
  dateHeader), ``get`` (format minimal, raw, metadata with ``metadataHeaders``, full),
  ``delete``, ``modify`` (labels), and ``list``: ``labelIds`` (all must be present), ``q``
  (below), ``maxResults``/``pageToken`` paging, newest first; spam and trash are left out
  unless ``includeSpamTrash`` or the query names them;
- threads: a message joins a thread when its In-Reply-To/References name a message of that
  thread and its subject (``Re:``/``Fwd:`` removed) is the thread's; ``threads.get``;
- drafts: ``create`` and ``update`` take ``{"message": {"raw": base64url, "threadId"?}}``.
  ``raw`` must be base64url (no ``+`` or ``/``) of a message with headers, else 400. A given
  ``threadId`` must exist, and the draft must answer a message of that thread
  (In-Reply-To/References) with the thread's subject, else 400: a draft that Gmail would
  silently leave out of the thread fails loudly here. An update gives the draft a new
  message id; the draft id stays (as in Gmail). ``get`` (format as for messages),
  ``list`` (``q`` as for messages, paging), ``delete`` (unknown: 404);
- ``history.list``: ``startHistoryId`` (required), ``historyTypes`` (messageAdded,
  messageDeleted, labelAdded, labelRemoved), ``labelId``, paging; the answer's
  ``historyId`` is the mailbox's current one. A ``startHistoryId`` older than
  ``oldest_history_id`` is 404, as Google does when history has expired
  (``expire_history()``);
- ``users.getProfile`` (emailAddress, historyId, totals; missing with the
  ``no_get_profile`` quirk, see server.py) and ``labels.list``.

Query terms (``q``): ``rfc822msgid:<id>`` (brackets optional), ``after:``/``before:``
(epoch seconds or YYYY/MM/DD, UTC, against internalDate), ``newer_than:``/``older_than:``
(``Nd``, ``Nm``, ``Ny``), ``in:``/``label:`` (inbox, sent, drafts, spam, trash, unread,
starred, anywhere, or a label id), ``is:unread``/``is:starred``, ``from:``/``to:``/
``subject:`` (substring), any of them negated with ``-``, and bare words (substring of the
message). Terms are ANDed.

Never sent: any request to a path ending in ``/send`` (messages.send, drafts.send, their
upload forms) is recorded in ``send_attempts`` and answered 403.

Test helpers: ``deliver(raw, labels=("INBOX", "UNREAD"), received=None)`` puts mail in as
the world does (internal date: ``received``, else the Date header, else now),
``expire_history()``, ``user_sends_draft(draft_id)``, ``drafts_raw()``, ``message(id)``.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import email
import email.header
import email.policy
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .server import ApiError, Emulator, Request

USER = "alex@example.org"
ROOT = r"/gmail/v1/users/(?P<user>[^/]+)"
SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "UNREAD", "STARRED", "IMPORTANT", "SPAM", "TRASH",
                 "CATEGORY_PERSONAL", "CATEGORY_UPDATES")
LABEL_NAMES = {"inbox": "INBOX", "sent": "SENT", "drafts": "DRAFT", "draft": "DRAFT", "spam": "SPAM",
               "trash": "TRASH", "unread": "UNREAD", "starred": "STARRED", "important": "IMPORTANT"}
HISTORY_TYPES = {"messageAdded": "messagesAdded", "messageDeleted": "messagesDeleted",
                 "labelAdded": "labelsAdded", "labelRemoved": "labelsRemoved"}
_MSGID = re.compile(r"<[^<>\s]+>")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_TERM = re.compile(r'(-?)(?:([a-z0-9_]+):)?("[^"]*"|\S+)')
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv)\s*:\s*)+", re.IGNORECASE)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def decode_raw(value: Any) -> bytes:
    """The bytes of a base64url ``raw`` value; 400 unless it is base64url of a message."""
    if not isinstance(value, str) or not value or not _B64URL.match(value):
        raise ApiError(400, "Invalid value for ByteString: raw must be base64url", "invalidArgument")
    try:
        data = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ApiError(400, "Invalid value for ByteString", "invalidArgument") from None
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    if not msg.keys() or not any(msg.get(h) for h in ("From", "To", "Subject")):
        raise ApiError(400, "Invalid RFC822 message: no headers", "invalidArgument")
    return data


def _norm_subject(subject: str) -> str:
    return _PREFIX.sub("", subject or "").strip().lower()


@dataclass
class Message:
    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_date: int  # ms since the epoch
    history_id: int
    headers: Any = field(repr=False, default=None)  # the parsed message (headers only needed)

    @property
    def message_id(self) -> str:
        ids = _MSGID.findall(str(self.headers.get("Message-ID", "")))
        return ids[0] if ids else ""

    @property
    def answers(self) -> set[str]:
        refs = f"{self.headers.get('In-Reply-To', '')} {self.headers.get('References', '')}"
        return set(_MSGID.findall(refs))

    @property
    def subject(self) -> str:
        return _decoded(self.headers.get("Subject", ""))

    def minimal(self) -> dict:
        return {"id": self.id, "threadId": self.thread_id, "labelIds": sorted(self.labels)}

    def resource(self, fmt: str = "full", metadata_headers: list[str] | None = None) -> dict:
        out = {**self.minimal(), "snippet": _snippet(self.headers), "historyId": str(self.history_id),
               "internalDate": str(self.internal_date), "sizeEstimate": len(self.raw)}
        if fmt == "raw":
            out["raw"] = b64url(self.raw)
        elif fmt in ("metadata", "full"):
            wanted = {h.lower() for h in metadata_headers or ()}
            headers = [{"name": k, "value": _decoded(v)} for k, v in self.headers.items()
                       if fmt == "full" or not wanted or k.lower() in wanted]
            out["payload"] = {"mimeType": self.headers.get_content_type(), "headers": headers}
            if fmt == "full":
                body = self.raw.split(b"\n\n", 1)[-1] if b"\r\n\r\n" not in self.raw else self.raw.split(b"\r\n\r\n", 1)[-1]
                out["payload"]["body"] = {"size": len(body), "data": b64url(body)}
        elif fmt != "minimal":
            raise ApiError(400, f"Invalid format: {fmt}", "invalidArgument")
        return out


def _decoded(value: Any) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except Exception:
        return str(value)


def _snippet(msg) -> str:
    try:
        payload = msg.get_payload(decode=True) if not msg.is_multipart() else b""
        return (payload or b"").decode("utf-8", "replace")[:100].strip()
    except Exception:
        return ""


class GmailApi:
    """The state and the handlers; ``install`` wires them into an ``Emulator``."""

    def __init__(self, emulator: Emulator, email_address: str = USER):
        self.emulator = emulator
        self.email_address = email_address
        self.messages: dict[str, Message] = {}
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self.history_id = 1000  # the mailbox's current history id
        self.oldest_history_id = 0  # history before this has expired: 404
        self.history: list[tuple[int, str, dict]] = []  # (id, type, {"message": ..., "labelIds"?: ...})
        self.send_attempts: list[tuple[str, str]] = []
        self._next_id = 0x18C0_0000_0000_0000

    # --- helpers for tests -------------------------------------------------------------

    def deliver(self, raw: bytes, labels: tuple[str, ...] = ("INBOX", "UNREAD"),
                received: datetime | None = None) -> Message:
        """Put a message in as the world would (arrival, or the user's own sent mail)."""
        with self.emulator.lock:
            parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
            when = received or _header_date(parsed) or datetime.now(timezone.utc)
            return self._add(raw, set(labels), int(when.timestamp() * 1000), parsed)

    def expire_history(self) -> None:
        """History before now is gone: a history.list from an older id is 404."""
        with self.emulator.lock:
            self.oldest_history_id = self.history_id

    def user_sends_draft(self, draft_id: str) -> Message:
        """What Gmail records when the user presses Send on a draft in its own editor: the
        draft is gone, its message trades DRAFT for SENT and keeps its id (labelRemoved,
        labelAdded in the history). Nothing leaves the emulator."""
        with self.emulator.lock:
            msg = self.messages[self.drafts.pop(draft_id)]
            for kind, labels in (("labelRemoved", ["DRAFT"]), ("labelAdded", ["SENT"])):
                if kind == "labelAdded":
                    msg.labels.add("SENT")
                else:
                    msg.labels.discard("DRAFT")
                msg.history_id = self._bump()
                self.history.append((msg.history_id, kind, {"message": msg.minimal(), "labelIds": labels}))
            return msg

    def message(self, message_id: str) -> Message:
        return self.messages[message_id]

    def drafts_raw(self) -> dict[str, bytes]:
        """Draft id -> the raw bytes of its message."""
        return {d: self.messages[m].raw for d, m in self.drafts.items()}

    # --- state -------------------------------------------------------------------------

    def _new_id(self) -> str:
        self._next_id += 0x1F3
        return f"{self._next_id:016x}"

    def _bump(self) -> int:
        self.history_id += 1
        return self.history_id

    def _thread_of(self, parsed) -> str:
        refs = set(_MSGID.findall(f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}"))
        if not refs:
            return ""
        subject = _norm_subject(_decoded(parsed.get("Subject", "")))
        for m in self.messages.values():
            if m.message_id in refs and self._thread_subject(m.thread_id) == subject:
                return m.thread_id
        return ""

    def _thread_messages(self, thread_id: str) -> list[Message]:
        return sorted((m for m in self.messages.values() if m.thread_id == thread_id),
                      key=lambda m: (m.internal_date, m.id))

    def _thread_subject(self, thread_id: str) -> str:
        msgs = self._thread_messages(thread_id)
        return _norm_subject(msgs[0].subject) if msgs else ""

    def _add(self, raw: bytes, labels: set[str], internal_date: int, parsed=None, thread_id: str = "",
             auto_thread: bool = True) -> Message:
        parsed = parsed or email.message_from_bytes(raw, policy=email.policy.compat32)
        mid = self._new_id()
        thread_id = thread_id or (self._thread_of(parsed) if auto_thread else "") or mid
        hid = self._bump()
        msg = Message(mid, thread_id, raw, set(labels), internal_date, hid, parsed)
        self.messages[mid] = msg
        self.history.append((hid, "messageAdded", {"message": msg.minimal()}))
        return msg

    def _remove(self, mid: str) -> None:
        msg = self.messages.pop(mid)
        hid = self._bump()
        self.history.append((hid, "messageDeleted", {"message": msg.minimal()}))

    def _check_user(self, req: Request) -> None:
        if req.match.group("user") not in ("me", self.email_address):
            raise ApiError(403, "Delegation denied", "forbidden")

    def _get(self, mid: str) -> Message:
        if mid not in self.messages:
            raise ApiError(404, "Requested entity was not found.", "notFound")
        return self.messages[mid]

    def _draft(self, did: str) -> Message:
        if did not in self.drafts:
            raise ApiError(404, "Requested entity was not found.", "notFound")
        return self.messages[self.drafts[did]]

    # --- searching ---------------------------------------------------------------------

    def _search(self, q: str, label_ids: list[str], include_spam_trash: bool,
                pool: list[Message] | None = None) -> list[Message]:
        terms = [(neg == "-", (op or "").lower(), val.strip('"')) for neg, op, val in _TERM.findall(q or "")]
        names = {LABEL_NAMES.get(v.lower(), v) for _, op, v in terms if op in ("in", "label")}
        out = []
        for m in self.messages.values() if pool is None else pool:
            if not all(lid in m.labels for lid in label_ids):
                continue
            if not include_spam_trash and m.labels & {"SPAM", "TRASH"} and not (
                    names & {"SPAM", "TRASH", "anywhere"} or set(label_ids) & {"SPAM", "TRASH"}):
                continue
            if all(self._term(m, op, val) != neg for neg, op, val in terms):
                out.append(m)
        return sorted(out, key=lambda m: (m.internal_date, m.id), reverse=True)

    def _term(self, m: Message, op: str, val: str) -> bool:
        low = val.lower()
        if op in ("in", "label"):
            return low == "anywhere" or LABEL_NAMES.get(low, val) in m.labels
        if op == "is":
            return LABEL_NAMES.get(low, val.upper()) in m.labels
        if op == "rfc822msgid":
            return m.message_id.strip("<>").lower() == low.strip("<>")
        if op in ("after", "before"):
            seconds = _when(val)
            return m.internal_date >= seconds * 1000 if op == "after" else m.internal_date < seconds * 1000
        if op in ("newer_than", "older_than"):
            unit = {"d": 86400, "m": 31 * 86400, "y": 365 * 86400}.get(low[-1:])
            if unit is None or not low[:-1].isdigit():
                raise ApiError(400, f"Invalid query: {op}:{val}", "invalidArgument")
            limit = (time.time() - int(low[:-1]) * unit) * 1000
            return m.internal_date >= limit if op == "newer_than" else m.internal_date < limit
        if op in ("from", "to", "subject"):
            return low in _decoded(m.headers.get(op.capitalize(), "")).lower()
        word = f"{op}:{val}" if op else val
        return word.lower() in m.raw.decode("utf-8", "replace").lower()

    # --- handlers: profile, labels -----------------------------------------------------

    def h_profile(self, req: Request):
        self._check_user(req)
        return 200, {"emailAddress": self.email_address, "messagesTotal": len(self.messages),
                     "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                     "historyId": str(self.history_id)}

    def h_labels(self, req: Request):
        self._check_user(req)
        return 200, {"labels": [{"id": n, "name": n, "type": "system"} for n in SYSTEM_LABELS]}

    def h_send(self, req: Request):
        self.send_attempts.append((req.method, req.path))
        raise ApiError(403, "This emulator never sends mail (and the product must not try)", "forbidden")

    # --- handlers: messages ------------------------------------------------------------

    def h_message_list(self, req: Request):
        self._check_user(req)
        found = self._search(req.arg("q"), req.query.get("labelIds", []), req.arg("includeSpamTrash") == "true")
        page, token = _page(found, req)
        out: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if token:
            out["nextPageToken"] = token
        return 200, out

    def h_message_get(self, req: Request):
        self._check_user(req)
        msg = self._get(req.match.group("id"))
        return 200, msg.resource(req.arg("format", "full"), req.query.get("metadataHeaders"))

    def h_message_insert(self, req: Request):
        self._check_user(req)
        body = req.body if isinstance(req.body, dict) else {}
        raw = decode_raw(body.get("raw"))
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
        when = datetime.now(timezone.utc)
        if req.arg("internalDateSource", "receivedTime") == "dateHeader":
            when = _header_date(parsed) or when
        labels = set(body.get("labelIds") or ())
        unknown = labels - set(SYSTEM_LABELS)
        if unknown:
            raise ApiError(400, f"Invalid label: {sorted(unknown)[0]}", "invalidArgument")
        thread_id = body.get("threadId") or ""
        if thread_id and not self._thread_messages(thread_id):
            raise ApiError(404, "Requested entity was not found.", "notFound")
        msg = self._add(raw, labels, int(when.timestamp() * 1000), parsed, thread_id)
        return 200, msg.minimal()

    def h_message_delete(self, req: Request):
        self._check_user(req)
        mid = req.match.group("id")
        self._get(mid)
        for did, m in list(self.drafts.items()):
            if m == mid:
                del self.drafts[did]
        self._remove(mid)
        return 204, None

    def h_message_modify(self, req: Request):
        self._check_user(req)
        msg = self._get(req.match.group("id"))
        body = req.body if isinstance(req.body, dict) else {}
        for kind, ids in (("labelAdded", body.get("addLabelIds") or []), ("labelRemoved", body.get("removeLabelIds") or [])):
            changed = [i for i in ids if (i not in msg.labels) == (kind == "labelAdded")]
            if kind == "labelAdded":
                msg.labels |= set(changed)
            else:
                msg.labels -= set(changed)
            if changed:
                msg.history_id = self._bump()
                self.history.append((msg.history_id, kind, {"message": msg.minimal(), "labelIds": changed}))
        return 200, msg.minimal()

    def h_thread_get(self, req: Request):
        self._check_user(req)
        msgs = self._thread_messages(req.match.group("id"))
        if not msgs:
            raise ApiError(404, "Requested entity was not found.", "notFound")
        fmt = req.arg("format", "full")
        return 200, {"id": msgs[0].thread_id, "historyId": str(max(m.history_id for m in msgs)),
                     "messages": [m.resource(fmt, req.query.get("metadataHeaders")) for m in msgs]}

    # --- handlers: drafts --------------------------------------------------------------

    def _draft_message(self, req: Request) -> tuple[bytes, Any, str]:
        body = req.body if isinstance(req.body, dict) else {}
        message = body.get("message")
        if not isinstance(message, dict):
            raise ApiError(400, "Missing draft message", "invalidArgument")
        raw = decode_raw(message.get("raw"))
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
        thread_id = message.get("threadId") or ""
        if thread_id:
            msgs = [m for m in self._thread_messages(thread_id) if "DRAFT" not in m.labels]
            if not msgs:
                raise ApiError(400, f"Invalid thread_id value: {thread_id}", "invalidArgument")
            answers = set(_MSGID.findall(f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}"))
            if not answers & {m.message_id for m in msgs}:
                raise ApiError(400, "The draft does not answer a message of the thread (In-Reply-To/References)",
                               "invalidArgument")
            if _norm_subject(_decoded(parsed.get("Subject", ""))) != self._thread_subject(thread_id):
                raise ApiError(400, "The draft's subject does not match the thread's", "invalidArgument")
        return raw, parsed, thread_id

    def _draft_resource(self, did: str, fmt: str = "minimal") -> dict:
        msg = self.messages[self.drafts[did]]
        return {"id": did, "message": msg.resource(fmt) if fmt != "minimal" else msg.minimal()}

    def h_draft_create(self, req: Request):
        self._check_user(req)
        raw, parsed, thread_id = self._draft_message(req)
        # a draft joins a thread only when asked to (Gmail does not thread drafts by itself)
        msg = self._add(raw, {"DRAFT"}, int(time.time() * 1000), parsed, thread_id, auto_thread=False)
        did = f"r{int(msg.id, 16) % 10**19}"
        self.drafts[did] = msg.id
        return 200, self._draft_resource(did)

    def h_draft_update(self, req: Request):
        self._check_user(req)
        did = req.match.group("id")
        old = self._draft(did)
        raw, parsed, thread_id = self._draft_message(req)
        self._remove(old.id)
        msg = self._add(raw, {"DRAFT"}, int(time.time() * 1000), parsed, thread_id or old.thread_id, auto_thread=False)
        self.drafts[did] = msg.id
        return 200, self._draft_resource(did)

    def h_draft_get(self, req: Request):
        self._check_user(req)
        did = req.match.group("id")
        self._draft(did)
        return 200, self._draft_resource(did, req.arg("format", "full"))

    def h_draft_list(self, req: Request):
        self._check_user(req)
        pool = [self.messages[m] for m in self.drafts.values()]
        found = self._search(req.arg("q"), [], req.arg("includeSpamTrash") == "true", pool)
        by_message = {m: d for d, m in self.drafts.items()}
        page, token = _page(found, req)
        out: dict[str, Any] = {"resultSizeEstimate": len(found)}
        if page:
            out["drafts"] = [{"id": by_message[m.id], "message": {"id": m.id, "threadId": m.thread_id}} for m in page]
        if token:
            out["nextPageToken"] = token
        return 200, out

    def h_draft_delete(self, req: Request):
        self._check_user(req)
        did = req.match.group("id")
        msg = self._draft(did)
        del self.drafts[did]
        self._remove(msg.id)
        return 204, None

    # --- handlers: history -------------------------------------------------------------

    def h_history(self, req: Request):
        self._check_user(req)
        start = req.arg("startHistoryId")
        if not start.isdigit():
            raise ApiError(400, "Missing or invalid startHistoryId", "invalidArgument")
        if int(start) < self.oldest_history_id:
            raise ApiError(404, "Requested entity was not found.", "notFound")
        types = req.query.get("historyTypes") or list(HISTORY_TYPES)
        bad = [t for t in types if t not in HISTORY_TYPES]
        if bad:
            raise ApiError(400, f"Invalid historyTypes: {bad[0]}", "invalidArgument")
        label = req.arg("labelId")
        records = []
        first = bisect.bisect_right(self.history, int(start), key=lambda record: record[0])  # ids only grow
        for hid, kind, entry in self.history[first:]:
            if kind not in types:
                continue
            if label and label not in entry["message"]["labelIds"]:
                continue
            records.append({"id": str(hid), "messages": [entry["message"]], HISTORY_TYPES[kind]: [entry]})
        page, token = _page(records, req)
        out: dict[str, Any] = {"historyId": str(self.history_id)}
        if page:
            out["history"] = page
        if token:
            out["nextPageToken"] = token
        return 200, out


def _page(items: list, req: Request) -> tuple[list, str]:
    try:
        size = min(500, max(1, int(req.arg("maxResults", "100"))))
        start = int(req.arg("pageToken", "0") or 0)
    except ValueError:
        raise ApiError(400, "Invalid maxResults or pageToken", "invalidArgument") from None
    page = items[start:start + size]
    return page, str(start + size) if start + size < len(items) else ""


def _when(value: str) -> int:
    if value.isdigit():
        return int(value)
    try:
        return int(datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        raise ApiError(400, f"Invalid date in query: {value}", "invalidArgument") from None


def _header_date(parsed) -> datetime | None:
    try:
        when = parsedate_to_datetime(str(parsed.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def install(emulator: Emulator, email_address: str = USER) -> GmailApi:
    """Register the Gmail v1 routes on ``emulator``; returns the state (also kept as
    ``emulator.gmail``)."""
    api = GmailApi(emulator, email_address)
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):  # before everything else below
        emulator._routes.insert(1, (method, re.compile(r".*/send$"), api.h_send))
    if "no_get_profile" not in emulator.quirks:  # a server without it: 404 for the missing route
        emulator.route("GET", ROOT + r"/profile", api.h_profile)
    emulator.route("GET", ROOT + r"/labels", api.h_labels)
    emulator.route("GET", ROOT + r"/messages", api.h_message_list)
    emulator.route("POST", ROOT + r"/messages", api.h_message_insert)
    emulator.route("POST", ROOT + r"/messages/import", api.h_message_insert)
    emulator.route("GET", ROOT + r"/messages/(?P<id>[^/]+)", api.h_message_get)
    emulator.route("DELETE", ROOT + r"/messages/(?P<id>[^/]+)", api.h_message_delete)
    emulator.route("POST", ROOT + r"/messages/(?P<id>[^/]+)/modify", api.h_message_modify)
    emulator.route("GET", ROOT + r"/threads/(?P<id>[^/]+)", api.h_thread_get)
    emulator.route("GET", ROOT + r"/drafts", api.h_draft_list)
    emulator.route("POST", ROOT + r"/drafts", api.h_draft_create)
    emulator.route("GET", ROOT + r"/drafts/(?P<id>[^/]+)", api.h_draft_get)
    emulator.route("PUT", ROOT + r"/drafts/(?P<id>[^/]+)", api.h_draft_update)
    emulator.route("DELETE", ROOT + r"/drafts/(?P<id>[^/]+)", api.h_draft_delete)
    emulator.route("GET", ROOT + r"/history", api.h_history)
    emulator.gmail = api  # type: ignore[attr-defined]
    return api
