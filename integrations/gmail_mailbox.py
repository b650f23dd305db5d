"""Gmail as the mailbox (``mailbox.kind = "gmail"``), through the Gmail v1 API.

Rules:
- This module never delivers mail: it creates, reads and deletes drafts and reads
  messages, nothing else. The gmail.compose scope would allow more; the code does not.
- ``write_draft``: ``drafts.create`` with the message as base64url ``raw`` (plain JSON, no
  media upload), byte for byte as the core built it (it carries the key header), but for
  the subject of a draft that joins a thread. The draft joins a Gmail thread when the
  ``Draft`` names one, or when its In-Reply-To names a message Gmail has (looked up with
  ``rfc822msgid:``). Gmail threads a draft only under the thread's subject, so a draft
  answering a message under another subject (the follow-up answering the thank-you you
  sent) is given "Re: " and that message's subject, as a reply written in Gmail would be;
  nothing else changes. A draft Gmail still refuses for the thread (400) is written on
  its own instead. The ref is the draft id, which stays when the user edits the draft
  (the message id does not).
  A write whose answer was lost raises ``UnknownOutcome``: the core calls ``find_draft``
  before writing again.
- ``find_draft``: the ids of the drafts this program wrote are remembered by key in the
  data folder (``gmail-drafts-<hash>.json``, mode 0600): a known id is one ``drafts.get``.
  A draft found there without the key header is still ours (Gmail's editor may drop
  unknown headers; the draft id stays). Otherwise (a write whose answer was lost, or a
  lost file) the Drafts folder is scanned: ``drafts.list``, then each draft's key header
  with ``messages.get(format=metadata)``. The Drafts folder is small; Gmail's search
  cannot find a custom header.
- ``remove_draft``: ``drafts.delete`` of the ref; absent (404) is fine. Never a draft that
  is not ours: the draft is read again first (``drafts.get``; gone: nothing to do), and
  its message must carry the key header with its key, or the Message-ID this program
  gives the draft of that key (``keys.message_id``); otherwise it is left alone (a
  warning says so), whatever the caller holds and whatever the server's ids point at.
- ``read_new``: the cursor is JSON (``_Cursor``). The first read lists all mail after
  ``since`` (``after:``, except drafts, spam and trash; at most ``FULL_SYNC_LIMIT``
  messages, newest first) and keeps the mailbox's history id, taken before the listing.
  Later reads are ``history.list`` from that id: messages added, and messages that gained
  the SENT or INBOX label (a draft the user sends from Gmail keeps its message id and
  trades DRAFT for SENT; mail moved back to the inbox); nothing new is one request.
  Mail with the SENT label is "sent", all other mail is "inbox" (so a reply the user
  archived at once still counts); drafts, spam and trash are never reported. When Gmail
  no longer has the history (404), the mail that arrived since the last successful read
  (a margin earlier, by the local clock) is listed again; the messages reported in the
  last minutes are remembered in the cursor and not reported twice.
- The history id a first read starts from is ``users.getProfile``'s; a server without
  that call (404, 405 or 501, as a third-party emulator may answer) is not a failure: the
  newest message's ``historyId`` is taken instead (``messages.list`` maxResults=1, then
  ``messages.get`` format=minimal), or 1 in an empty mailbox.
- Errors: ``google_api`` sorts them (``NeedsUser``: re-run init; ``Transient``: retried
  later; reads are retried on 429/5xx there); a status a call does not expect (a 404
  where Gmail always answers) fails the mailbox with a sentence naming the request.
- Dry run: nothing is written or deleted; reading works as usual.
- ``open`` does not touch the network.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.header
import email.policy
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable
from urllib.parse import quote

from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import KEY_HEADER, message_id
from interview_followup.daemon.mail.parse import parse_message
from interview_followup.daemon.model import Check, Draft, MailMessage, StoredDraft
from interview_followup.daemon.providers import ProviderContext

from .google_api import AccountSettings, GoogleApi, GoogleProvider, save_token, token_check

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
PAGE_SIZE = 100
FULL_SYNC_LIMIT = 500  # messages a full sync reads at most (the newest)
RESYNC_MARGIN_S = 120  # a resync after lost history starts this long before the last read
RECENT_KEEP_S = 900  # reported messages remembered in the cursor for this long (> the margin)
RECENT_MAX = 1000
# an idle read returns the cursor unchanged (no state write) unless its time is older than this
SYNCED_AT_REFRESH_S = 3600
NOT_MAIL = {"DRAFT", "SPAM", "TRASH", "CHAT"}
NO_SUCH_CALL = (404, 405, 501)  # what a server without users.getProfile answers it

@frozen
class Settings(AccountSettings):
    """Gmail needs nothing beyond the account's keys."""


class _HistoryGone(Exception):
    """Gmail no longer has the history from the cursor's id (404)."""


@dataclass
class _Cursor:
    history_id: str
    synced_at: float  # local wall-clock time when the last successful read began
    recent: dict[str, int]  # Gmail id -> internalDate (ms) of mail reported lately

    def dump(self) -> str:
        return json.dumps({"v": CURSOR_VERSION, "history_id": self.history_id, "synced_at": self.synced_at,
                           "recent": self.recent}, separators=(",", ":"))

    @classmethod
    def load(cls, text: str | None) -> _Cursor | None:
        """The cursor, or None for no cursor or one this version cannot use (another
        mailbox kind's, an older format): then the read starts over from ``since``."""
        if not text:
            return None
        try:
            data = json.loads(text)
            if data.get("v") != CURSOR_VERSION or not str(data["history_id"]).isdigit():
                return None
            return cls(str(data["history_id"]), float(data["synced_at"]),
                       {str(k): int(v) for k, v in dict(data.get("recent") or {}).items()})
        except (ValueError, TypeError, KeyError, AttributeError):
            log.info("Gmail: the stored read position is not Gmail's; reading from the start again")
            return None


class GmailMailbox(GoogleProvider):
    """The ``Mailbox`` protocol on one Gmail account."""

    Settings = Settings
    scope_group = "gmail"
    label = "the Gmail mailbox"

    def __init__(self, settings: Settings, context: ProviderContext, api: GoogleApi):
        self.settings = settings
        self.context = context
        self.api = api
        self.dry_run = context.dry_run
        digest = hashlib.sha256(f"{settings.api_endpoint}\0{api.token_file}".encode()).hexdigest()[:12]
        self.drafts_file = context.data_dir / f"gmail-drafts-{digest}.json"
        self._known: dict[str, str] | None = None  # key -> draft id, of drafts this program wrote

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> GmailMailbox:
        return cls(settings, context, cls.account(settings, context))

    # --- drafts ------------------------------------------------------------------------

    def write_draft(self, draft: Draft) -> StoredDraft:
        data = _with_key(draft.message, draft.key)
        if self.dry_run:
            return StoredDraft(key=draft.key, ref="", message=data)
        thread_id = draft.thread_id
        if not thread_id:
            thread_id, thread_subject = self._thread_answered(data)
            if thread_id:
                data = _in_thread_subject(data, thread_subject)
        message: dict[str, Any] = {"raw": _b64url(data)}
        if thread_id:
            message["threadId"] = thread_id
        try:
            answer = self._write(lambda s: s.users().drafts().create(userId="me", body={"message": message}),
                                 "saving a draft", expect=(400,) if thread_id else ())
        except Exception as exc:
            if not thread_id or _status(exc) != 400:
                raise
            # Gmail refused the thread (another subject, say): the draft on its own is better than none
            log.info("Gmail: the draft %s could not join its thread; saved on its own", draft.key)
            message.pop("threadId")
            answer = self._write(lambda s: s.users().drafts().create(userId="me", body={"message": message}),
                                 "saving a draft")
        draft_id = str(answer["id"])
        self._remember(draft.key, draft_id)
        return StoredDraft(key=draft.key, ref=draft_id, message=data)

    def place(self) -> str:
        return "Gmail Drafts"

    def draft_link(self, key: str) -> str:
        """Gmail's web search for the draft's Message-ID, in the user's account."""
        sender = self.context.user_emails[0] if self.context.user_emails else ""
        msgid = message_id(key, sender.rpartition("@")[2]).strip("<>")
        account = f"?authuser={quote(sender, safe='@')}" if sender else ""
        return f"https://mail.google.com/mail/{account}#search/{quote('rfc822msgid:' + msgid, safe='')}"

    def find_draft(self, key: str) -> StoredDraft | None:
        known = self._known_drafts().get(key)
        if known:
            raw = self._draft_raw(known)
            if raw is not None and _key_of(raw) in ("", key):
                return StoredDraft(key=key, ref=known, message=raw)
            self._remember(key, None)
        for draft_id, message_id in self._all_drafts():
            if self._header(message_id, KEY_HEADER) != key:
                continue
            raw = self._draft_raw(draft_id)
            if raw is not None and _key_of(raw) == key:
                self._remember(key, draft_id)
                return StoredDraft(key=key, ref=draft_id, message=raw)
        return None

    def remove_draft(self, stored: StoredDraft) -> None:
        if self.dry_run:
            return
        current = self._draft_raw(stored.ref) if stored.ref else None  # as Gmail holds it now
        if current is not None and not _marked(current, stored.key):
            log.warning("Gmail: the draft %s does not carry the key %s (header or Message-ID): it is not ours, "
                        "so it is left alone", stored.ref, stored.key)
        elif current is not None:
            try:
                self._write(lambda s: s.users().drafts().delete(userId="me", id=stored.ref), "removing a draft",
                            expect=(404,))
            except Exception as exc:
                if _status(exc) != 404:
                    raise
        if self._known_drafts().get(stored.key) == stored.ref:
            self._remember(stored.key, None)

    # --- reading -----------------------------------------------------------------------

    def read_new(self, cursor: str | None, since: datetime) -> tuple[list[MailMessage], str]:
        started = time.time()
        state = _Cursor.load(cursor)
        if state is None:
            history_id = self._history_id()  # before the listing: nothing falls between
            found = self._full(since.timestamp(), skip={})
        else:
            try:
                found, history_id = self._incremental(state)
            except _HistoryGone:
                log.info("Gmail: the mailbox history expired; listing the mail since the last read again")
                history_id = self._history_id()
                found = self._full(state.synced_at - RESYNC_MARGIN_S, skip=state.recent)
        recent = dict(state.recent) if state else {}
        messages = []
        for gmail_id, thread_id, labels, internal, raw in found:
            folder = "sent" if "SENT" in labels else "inbox"
            parsed = parse_message(raw, ref=gmail_id, folder=folder)
            messages.append(dataclasses.replace(parsed, thread_id=thread_id))
            recent[gmail_id] = internal
        if state is not None and not found and str(history_id) == state.history_id \
                and started - state.synced_at < SYNCED_AT_REFRESH_S:
            return [], cursor  # nothing changed: the same cursor, so the state is not written
        keep_after = (started - RECENT_KEEP_S) * 1000
        kept = sorted(((i, t) for i, t in recent.items() if t >= keep_after), key=lambda p: p[1])[-RECENT_MAX:]
        return messages, _Cursor(str(history_id), started, dict(kept)).dump()

    def _incremental(self, state: _Cursor) -> tuple[list[tuple], str]:
        """The mail added since the cursor's history id, and the new history id."""
        added: dict[str, None] = {}
        page_token = None
        while True:
            try:
                answer = self._read(lambda s, pt=page_token: s.users().history().list(
                    userId="me", startHistoryId=state.history_id, historyTypes=["messageAdded", "labelAdded"],
                    maxResults=500, pageToken=pt,
                ), "reading new mail", expect=(404,))
            except Exception as exc:
                if _status(exc) == 404:
                    raise _HistoryGone() from None
                raise
            for record in answer.get("history", []):
                for entry in record.get("messagesAdded", []):
                    msg = entry.get("message", {})
                    if msg.get("id") and not NOT_MAIL & set(msg.get("labelIds", [])):
                        added.setdefault(str(msg["id"]), None)
                for entry in record.get("labelsAdded", []):  # a draft sent from Gmail keeps its id
                    msg = entry.get("message", {})
                    if msg.get("id") and {"SENT", "INBOX"} & set(entry.get("labelIds", [])):
                        added.setdefault(str(msg["id"]), None)
            page_token = answer.get("nextPageToken")
            if not page_token:
                break
        fetched = [self._message(i) for i in added if i not in state.recent]
        return [f for f in fetched if f is not None], str(answer.get("historyId") or state.history_id)

    def _full(self, after: float, skip: dict[str, int]) -> list[tuple]:
        """All mail after ``after`` (epoch seconds), newest first, bounded."""
        ids: list[str] = []
        page_token = None
        query = f"after:{max(0, int(after))} -in:drafts"
        while len(ids) < FULL_SYNC_LIMIT:
            answer = self._read(lambda s, pt=page_token: s.users().messages().list(
                userId="me", q=query, maxResults=PAGE_SIZE, pageToken=pt,
            ), "listing mail")
            ids += [str(m["id"]) for m in answer.get("messages", []) if str(m["id"]) not in skip]
            page_token = answer.get("nextPageToken")
            if not page_token:
                break
        if len(ids) >= FULL_SYNC_LIMIT:
            log.warning("Gmail: more than %d messages since the last read; only the newest are read", FULL_SYNC_LIMIT)
        unique = list(dict.fromkeys(ids[:FULL_SYNC_LIMIT]))
        fetched = []
        for done, gmail_id in enumerate(unique, 1):  # one request each: report the count
            fetched.append(self._message(gmail_id))
            self.context.progress("reading mail", done, len(unique), "messages")
        return [f for f in fetched if f is not None]

    def _message(self, gmail_id: str) -> tuple | None:
        """(id, thread id, labels, internalDate, raw) of mail; None for a draft, spam,
        trash, or a message deleted meanwhile."""
        try:
            answer = self._read(lambda s: s.users().messages().get(userId="me", id=gmail_id, format="raw"),
                                "reading a message", expect=(404,))
        except Exception as exc:
            if _status(exc) == 404:
                return None
            raise
        labels = set(answer.get("labelIds", []))
        if labels & NOT_MAIL:
            return None
        # As IMAP's partial fetch (READ_LIMIT there): only the first 2 MiB of the message are
        # decoded and parsed (text parts come first; attachments are not needed). The base64
        # text is cut at a multiple of 4 characters: 2,796,200 of them decode to 2,097,150 bytes.
        raw = str(answer.get("raw", ""))[:(2 * 1024 * 1024 // 3) * 4]
        return (gmail_id, str(answer.get("threadId", "")), labels, int(answer.get("internalDate") or 0),
                _unb64url(raw))

    # --- doctor --------------------------------------------------------------------------

    def check(self) -> list[Check]:
        token = token_check(self.api)
        if not token.ok:
            return [token, Check("gmail", False, "not tried: no usable token")]
        try:
            profile = self._profile()
            if profile is None:  # a server without users.getProfile: reading mail is what counts
                self._read(lambda s: s.users().messages().list(userId="me", maxResults=1), "listing mail")
                return [token, Check("gmail", True, "mail can be read and drafts saved (this server has no "
                                                    "users.getProfile: the account's address is not shown)")]
            address = str(profile.get("emailAddress", ""))
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return [token, Check.failed("gmail", exc)]
        detail = f"signed in as {address}; drafts are saved there"
        if address and address.lower() not in {e.lower() for e in self.context.user_emails}:
            detail += f" (note: {address} is not among profile.emails)"
        return [token, Check("gmail", True, detail)]

    def close(self) -> None:
        pass

    # --- helpers -------------------------------------------------------------------------

    def _read(self, make: Callable[[Any], Any], what: str, expect: tuple[int, ...] = ()) -> Any:
        return self.api.call("gmail", "v1", make, write=False, what=what, expect=expect)

    def _write(self, make: Callable[[Any], Any], what: str, expect: tuple[int, ...] = ()) -> Any:
        return self.api.call("gmail", "v1", make, write=True, what=what, expect=expect)

    def _profile(self) -> dict | None:
        """``users.getProfile``, or None from a server that does not have it."""
        try:
            answer = self._read(lambda s: s.users().getProfile(userId="me"), "reading the Gmail profile",
                                expect=NO_SUCH_CALL)
        except Exception as exc:
            if _status(exc) not in NO_SUCH_CALL:
                raise
            log.debug("Gmail: no users.getProfile on this server (%s)", _status(exc))
            return None
        return answer if isinstance(answer, dict) else {}

    def _history_id(self) -> str:
        """The mailbox's history id now: the profile's, else the newest message's."""
        profile = self._profile()
        if profile is not None and str(profile.get("historyId") or "").isdigit():
            return str(profile["historyId"])
        listed = self._read(lambda s: s.users().messages().list(userId="me", maxResults=1),
                            "finding the newest message")
        newest = [m for m in listed.get("messages") or [] if isinstance(m, dict) and m.get("id")]
        if not newest:
            return "1"  # an empty mailbox: everything that comes is new
        gmail_id = str(newest[0]["id"])
        try:
            answer = self._read(lambda s: s.users().messages().get(userId="me", id=gmail_id, format="minimal"),
                                "reading the newest message's history id", expect=(404,))
        except Exception as exc:
            if _status(exc) != 404:
                raise
            return "1"  # deleted meanwhile: start from the beginning of the history
        history_id = str(answer.get("historyId") or "")
        return history_id if history_id.isdigit() else "1"

    def _thread_answered(self, data: bytes) -> tuple[str, str]:
        """The Gmail thread and the subject of the message this draft answers, or ("", "")."""
        head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0] + b"\n\n"
        answered = parse_message(head, ref="", folder="").in_reply_to
        if not answered:
            return "", ""
        msgid = answered[0].strip("<>")
        answer = self._read(lambda s: s.users().messages().list(
            userId="me", q=f"rfc822msgid:{msgid} -in:drafts", maxResults=1), "finding the thread to answer")
        found = answer.get("messages", [])
        if not found or not found[0].get("threadId"):
            return "", ""
        subject = self._header(str(found[0]["id"]), "Subject")
        return str(found[0]["threadId"]), subject

    def _draft_raw(self, draft_id: str) -> bytes | None:
        try:
            answer = self._read(lambda s: s.users().drafts().get(userId="me", id=draft_id, format="raw"),
                                "reading a draft", expect=(400, 404))
        except Exception as exc:
            if _status(exc) in (400, 404):
                return None
            raise
        return _unb64url(answer.get("message", {}).get("raw", ""))

    def _all_drafts(self) -> list[tuple[str, str]]:
        """(draft id, message id) of every draft."""
        out: list[tuple[str, str]] = []
        page_token = None
        while True:
            answer = self._read(lambda s, pt=page_token: s.users().drafts().list(
                userId="me", maxResults=PAGE_SIZE, pageToken=pt), "listing drafts")
            out += [(str(d["id"]), str(d.get("message", {}).get("id", ""))) for d in answer.get("drafts", [])]
            page_token = answer.get("nextPageToken")
            if not page_token:
                return out

    def _header(self, message_id: str, name: str) -> str:
        try:
            answer = self._read(lambda s: s.users().messages().get(
                userId="me", id=message_id, format="metadata", metadataHeaders=[name]), "reading a draft's headers",
                expect=(404,))
        except Exception as exc:
            if _status(exc) == 404:
                return ""
            raise
        for h in answer.get("payload", {}).get("headers", []):
            if str(h.get("name", "")).lower() == name.lower():
                return str(h.get("value", "")).strip()
        return ""

    def _known_drafts(self) -> dict[str, str]:
        if self._known is None:
            try:
                data = json.loads(self.drafts_file.read_text(encoding="utf-8"))
                self._known = {str(k): str(v) for k, v in dict(data).items()}
            except FileNotFoundError:
                self._known = {}
            except (OSError, ValueError, TypeError):
                log.warning("Gmail: %s cannot be read; drafts will be looked up in Gmail", self.drafts_file)
                self._known = {}
        return self._known

    def _remember(self, key: str, draft_id: str | None) -> None:
        known = self._known_drafts()
        if known.get(key) == draft_id or (draft_id is None and key not in known):
            return
        if draft_id is None:
            known.pop(key, None)
        else:
            known[key] = draft_id
        if self.dry_run:
            return
        try:
            save_token(self.drafts_file, known)  # private and atomic, like the token
        except OSError as exc:
            log.warning("Gmail: could not remember the draft ids in %s: %s", self.drafts_file, exc)


def _status(exc: Exception) -> int | None:
    from googleapiclient.errors import HttpError

    return exc.resp.status if isinstance(exc, HttpError) else None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


_REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv)\s*:\s*)+", re.IGNORECASE)


def _bare_subject(subject: str) -> str:
    """A subject as Gmail compares them for threading: reply prefixes and case ignored."""
    return " ".join(_REPLY_PREFIX.sub("", subject).split()).lower()


def _in_thread_subject(data: bytes, thread_subject: str) -> bytes:
    """The draft with the subject Gmail needs to keep it in the thread of a message with
    ``thread_subject``: unchanged when its subject already matches (or the thread's is
    unknown), else "Re: " and that subject. Nothing but the Subject field changes."""
    thread_subject = _decoded(thread_subject)
    if not _bare_subject(thread_subject):
        return data
    parts = re.split(rb"(\r?\n\r?\n)", data, maxsplit=1)
    head, rest = parts[0], b"".join(parts[1:])
    own = parse_message(head + b"\n\n", ref="", folder="").subject or ""
    if _bare_subject(own) == _bare_subject(thread_subject):
        return data
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    value = "Re: " + " ".join(_REPLY_PREFIX.sub("", thread_subject).split())  # one line, whatever it held
    field = email.policy.default.clone(linesep=eol.decode()).fold_binary("Subject", value).rstrip(b"\r\n")
    lines, placed, skipping = [], False, False
    for line in head.split(eol):
        if skipping and line[:1] in (b" ", b"\t"):
            continue  # a continuation of the old Subject
        skipping = line.lower().startswith(b"subject:")
        if skipping:
            if not placed:
                lines.append(field)
                placed = True
            continue
        lines.append(line)
    if not placed:
        lines.append(field)
    return eol.join(lines) + rest


def _decoded(value: str) -> str:
    """A header value with any RFC 2047 encoded words decoded."""
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        return value


def _key_of(raw: bytes) -> str:
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0] + b"\n\n"
    return parse_message(head, ref="", folder="").key


def _marked(raw: bytes, key: str) -> bool:
    """Whether the message carries ``key``: its key header, or the Message-ID this program
    gives the draft of ``key`` (whatever the domain)."""
    if not raw:
        return False
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0] + b"\n\n"
    parsed = parse_message(head, ref="", folder="")
    if parsed.key == key:
        return True
    ours = message_id(key, "").rpartition("@")[0] + "@"  # "<key.draft.interview-followup@"
    return str(parsed.message_id or "").startswith(ours)


def _with_key(data: bytes, key: str) -> bytes:
    """The message, making sure it carries ``key`` in the key header."""
    if not key or any(c in key for c in "\r\n\0") or not key.isascii():
        raise ValueError(f"invalid draft key {key!r}")
    carried = _key_of(data)
    if carried == key:
        return data
    if carried:
        raise ValueError(f"draft for {key!r} carries another key header: {carried!r}")
    eol = b"\r\n" if b"\r\n" in data[:200] else b"\n"
    return f"{KEY_HEADER}: {key}".encode("ascii") + eol + data
