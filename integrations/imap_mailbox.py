"""Any IMAP server as the mailbox: drafts are APPENDed to the Drafts folder, replies and
sent mail are read incrementally, and ``watch`` uses IDLE to notice new mail in seconds.

Rules:
- This module cannot send mail: it only APPENDs to the Drafts folder.
- Folders: Drafts and Sent are found by their SPECIAL-USE flags (RFC 6154), else by the
  configured names (``mailbox.drafts``, ``mailbox.sent``); nothing else is guessed. With
  no Drafts folder, nothing is written and the error lists the folders that exist. A
  missing Sent folder only means sent mail is not seen (a warning, and a failing doctor
  check).
- A draft is APPENDed with the flags \\Draft and \\Seen, byte for byte as the core built it
  (it carries the key header). Its ref is ``"<UIDVALIDITY>:<UID>"``, from APPENDUID
  (UIDPLUS) or else by searching the key. A connection lost during an APPEND raises
  ``UnknownOutcome``: the core looks for the key with ``find_draft`` before writing again.
- ``remove_draft`` deletes exactly the draft: \\Deleted, then UID EXPUNGE of its UID
  (UIDPLUS). Without UIDPLUS it expunges only when no other message in Drafts is marked
  \\Deleted, and otherwise leaves it marked (which ``find_draft`` treats as gone).
- A first pass reads only mail that arrived since the day before the look-back window
  (``UID SEARCH SINCE``: the server compares arrival dates by day, so a day more covers any
  time zone) and keeps what is dated after the window's start; older mail is never
  fetched, and a message fetched but dated before the window is not parsed.
- ``read_new`` keeps, per folder, the folder name, its UIDVALIDITY and the next UID to read
  (the cursor format is in ``_Cursor``). A pass where nothing arrived is one command per
  folder, whatever the folder's size: a NOOP on the inbox, which stays open read-only
  between passes, and a STATUS of Sent. New mail always raises UIDNEXT, so flag changes
  (what CONDSTORE's HIGHESTMODSEQ would add) never need a FETCH. When the NOOP reports new
  mail, the open inbox is searched from the cursor's UID as it stands (no EXAMINE again: the
  UIDVALIDITY is the one it was opened with). An EXISTS that came with the answer to another
  command counts too (imaplib keeps it aside, and the next NOOP does not repeat it), and so
  does mail that arrived between reading the inbox and opening it again at the end of a
  read (it is in that EXAMINE's answer only). When UIDVALIDITY changes,
  only messages that arrived since the previous pass began are reported.
- Dry run: nothing is appended or removed; reading works as usual.
- The server's SEARCH is never trusted alone: a draft is found, replaced or removed only
  after its key header, fetched, reads exactly the key on this side (``_keyed``); a server
  whose SEARCH ignores the criteria touches nothing else. A message that cannot be parsed
  (an unexpected exception) is left out and reported to the engine (``logs.skipped``).
- Connections are made on first use (``open`` and ``doctor`` stay cheap), every socket has
  a timeout, and a connection found closed is replaced before anything is sent on it.
"""

from __future__ import annotations

import imaplib
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Literal

from interview_followup.daemon.common import logs
from interview_followup.daemon.errors import NeedsUser, Transient, UnknownOutcome
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.mail.parse import body_digest, message_date, parse_message
from interview_followup.daemon.model import Check, Draft, MailMessage, StoredDraft
from interview_followup.daemon.common.net import is_loopback
from interview_followup.daemon.providers import Progress, ProviderContext

from .imap_connection import (
    IMAP_LIBRARIES,
    USED_CAPABILITIES,
    Credentials,
    Endpoint,
    Session,
    idle_wait,
    is_new_mail,
)

log = logging.getLogger(__name__)

CURSOR_VERSION = 1
READ_LIMIT = 2 * 1024 * 1024  # enough for any text part; attachments are not needed
BODY_BATCH = 50  # UIDs per FETCH of whole messages
BACKOFF_MAX_S = 300
STABLE_S = 60  # a watch connection that lived this long resets the backoff
DRAFT_FLAGS = (b"\\Draft", b"\\Seen")
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)


@frozen
class Settings:
    host: str = field(metadata={"doc": "The IMAP server, e.g. imap.example.org (required)."})
    port: int = field(default=993, metadata={"doc": "993 for tls; usually 143 for starttls."})
    security: Literal["tls", "starttls", "plain"] = field(
        default="tls",
        metadata={"doc": 'Implicit TLS, STARTTLS, or "plain" (only to a loopback address).'},
    )
    ca_file: Path | None = field(
        default=None, metadata={"doc": "CA certificate of a self-hosted server (PEM)."}
    )
    username: str = field(default="", metadata={"doc": "The login name (required).", "ask": True})
    password_command: str = field(
        default="",
        metadata={"doc": "A command whose first output line is the password (an app password where "
                         "the provider has them), e.g. \"pass show mail\".", "ask": True},
    )
    password_env: str = field(
        default="", metadata={"doc": "Else an environment variable holding the password."}
    )
    auth: Literal["password", "xoauth2"] = field(
        default="password", metadata={"doc": '"xoauth2" takes a token from the Google set-up.'}
    )
    inbox: str = field(default="INBOX", metadata={"doc": "The folder replies arrive in."})
    drafts: str = field(
        default="Drafts", metadata={"doc": "Drafts folder when the server flags none \\Drafts."}
    )
    sent: str = field(
        default="Sent", metadata={"doc": "Sent folder when the server flags none \\Sent."}
    )
    timeout_seconds: int = field(default=30, metadata={"doc": "For connecting and each answer."})
    idle: bool = field(default=True, metadata={"doc": "Use IDLE to notice new mail at once."})
    idle_renew_minutes: int = field(default=5, metadata={"doc": "Re-issue IDLE this often."})

    def __post_init__(self) -> None:
        if not self.host or any(c.isspace() for c in self.host):
            raise ValueError("host must be a server name without spaces")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f'security = "plain" sends the password unencrypted: allowed only to a loopback'
                f' address (localhost, 127.0.0.1, ::1), not {self.host!r}; use "tls" or "starttls"'
            )
        if not self.username or any(c in self.username for c in "\r\n\0"):
            raise ValueError("username is required (your login name, usually your address)")
        if self.auth == "password" and not (self.password_command or self.password_env):
            raise ValueError(
                "set password_command (e.g. \"pass show mail\") or password_env: the password is"
                " never written in this file"
            )
        for key in ("inbox", "drafts", "sent"):
            name = getattr(self, key)
            if not name or name.strip() != name or any(c in name for c in "\r\n\0"):
                raise ValueError(f"{key} must be a folder name without control characters")
        if not 1 <= self.timeout_seconds <= 600:
            raise ValueError("timeout_seconds must be between 1 and 600")
        if not 1 <= self.idle_renew_minutes <= 10:
            raise ValueError("idle_renew_minutes must be between 1 and 10 (servers such as Gmail"
                             " end IDLE after about 10 minutes)")


@frozen
class _Folder:
    name: str
    how: str  # "SPECIAL-USE \\Drafts" or "name (mailbox.drafts)"


class ImapMailbox:
    """The ``Mailbox`` protocol (and ``WatchableMailbox``) on an IMAP account."""

    Settings = Settings
    requires = IMAP_LIBRARIES  # imported by open_providers before the mailbox is opened
    label = "the IMAP mailbox"

    def __init__(self, settings: Settings, context: ProviderContext):
        self.settings = settings
        self.dry_run = context.dry_run
        self.endpoint = Endpoint(
            host=settings.host,
            port=settings.port,
            security=settings.security,
            ca_file=context.path(settings.ca_file) if settings.ca_file else None,
            timeout=float(settings.timeout_seconds),
        )
        self.credentials = Credentials(
            settings.username, settings.auth, settings.password_command, settings.password_env
        )
        self.session = Session(self.endpoint, self.credentials)
        self._folders: dict[str, _Folder | None] | None = None
        self._folder_names: list[str] = []
        self._warned: set[str] = set()
        self._selected: dict = {}
        self.progress = context.progress

    @classmethod
    def open(
        cls, settings: Settings, context: ProviderContext,
        token_source: Callable[[], str] | None = None,
    ) -> ImapMailbox:
        """Opens nothing yet: the first call connects."""
        self = cls(settings, context)
        self.token_source = token_source
        return self

    @property
    def token_source(self) -> Callable[[], str] | None:
        """For auth = "xoauth2": a callable returning a fresh access token (set by the
        Google set-up)."""
        return self.credentials.token_source

    @token_source.setter
    def token_source(self, source: Callable[[], str] | None) -> None:
        self.credentials.token_source = source

    # --- folders ----------------------------------------------------------------------

    def _folder(self, role: str) -> _Folder | None:
        """The folder for ``role`` ("inbox", "drafts" or "sent"), found once per mailbox."""
        if self._folders is None:
            with self.session.errors("listing folders"):
                listing = self.session.list_folders()
            self._folder_names = sorted(name for _, name in listing)
            self._folders = {
                "inbox": _Folder(self.settings.inbox, "name (mailbox.inbox)"),
                "drafts": _find(listing, b"\\Drafts", self.settings.drafts, "mailbox.drafts"),
                "sent": _find(listing, b"\\Sent", self.settings.sent, "mailbox.sent"),
            }
            if self.settings.inbox.upper() != "INBOX" and self.settings.inbox not in self._folder_names:
                self._folders["inbox"] = None
        return self._folders[role]

    def _required(self, role: str) -> str:
        folder = self._folder(role)
        if folder is None:
            wanted = getattr(self.settings, role)
            flag = {"drafts": " and none is flagged \\Drafts", "sent": " and none is flagged \\Sent"}.get(role, "")
            raise NeedsUser(
                f"IMAP: no folder named {wanted!r}{flag}; the folders are: "
                + ", ".join(repr(n) for n in self._folder_names),
                hint=f"set mailbox.{role} to one of them",
            )
        return folder.name

    def _forget_folders(self) -> None:
        self._folders = None

    # --- drafts -----------------------------------------------------------------------

    def place(self) -> str:
        found = (self._folders or {}).get("drafts")
        return f"{found.name if found else self.settings.drafts} on {self.settings.host}"

    def write_draft(self, draft: Draft) -> StoredDraft:
        data = _with_key(draft.message, draft.key)
        if self.dry_run:
            return StoredDraft(key=draft.key, ref="", message=data)
        folder = self._required("drafts")
        session = self.session
        client = session.ensure()
        try:
            with session.errors(f"saving the draft in {folder!r}", outcome_unknown=True):
                response = client.append(folder, data, flags=DRAFT_FLAGS)
        except NeedsUser:
            self._forget_folders()  # e.g. [TRYCREATE]: the folder is gone; look again next time
            raise
        match = _APPENDUID.search(response if isinstance(response, bytes) else str(response).encode())
        if match and client.has_capability("UIDPLUS"):
            return StoredDraft(key=draft.key, ref=f"{int(match[1])}:{int(match[2])}", message=data)
        try:  # no UIDPLUS: the key tells which one it is
            found = self.find_draft(draft.key)
        except Transient as exc:
            raise UnknownOutcome(f"IMAP: the draft was saved but could not be found again: {exc}") from None
        if found is None:
            raise UnknownOutcome("IMAP: the server accepted the draft but it cannot be found in Drafts")
        return found

    def draft_link(self, key: str) -> str:
        return ""  # mail programs have no common address for a message in a folder

    def find_draft(self, key: str) -> StoredDraft | None:
        """The newest draft (highest UID) carrying exactly ``key``, not marked \\Deleted."""
        folder = self._required("drafts")
        session = self.session
        with session.errors(f"searching {folder!r}"):
            uidvalidity = self._select(folder, readonly=True)
            candidates = self._keyed(key)
            if not candidates:
                return None
            uid = max(candidates)
            fetched = session.client.fetch([uid], ["BODY.PEEK[]"]).get(uid)
        if fetched is None:  # expunged meanwhile: look again next time
            raise Transient(f"IMAP: a draft in {folder!r} vanished while being read")
        return StoredDraft(key=key, ref=f"{uidvalidity}:{uid}", message=_body(fetched))

    def remove_draft(self, stored: StoredDraft) -> None:
        """Remove the draft at ``stored.ref`` if it still carries the key; else the drafts
        with the same key and the same text. A draft the user edited is left alone."""
        if self.dry_run:
            return
        folder = self._required("drafts")
        session = self.session
        with session.errors(f"removing a draft from {folder!r}"):
            uidvalidity = self._select(folder, readonly=False)
            candidates = self._keyed(stored.key)
            uv, _, uid = stored.ref.partition(":")
            if uv == str(uidvalidity) and uid.isdigit() and int(uid) in candidates:
                targets = [int(uid)]
            else:
                digest = body_digest(stored.message)
                fetched = session.client.fetch(sorted(candidates), ["BODY.PEEK[]"]) if candidates else {}
                targets = [u for u, item in fetched.items()
                           if u in candidates and body_digest(_body(item)) == digest]
            if not targets:
                return
            client = session.client
            client.add_flags(targets, [b"\\Deleted"], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(targets)
            elif not _flagged_deleted(client) - set(targets):
                client.expunge()  # nothing but ours is marked \Deleted (read here, not searched)

    def _select(self, folder: str, readonly: bool) -> int:
        """SELECT (or EXAMINE) ``folder``; its UIDVALIDITY. The response is kept in
        ``_selected``."""
        try:
            self._selected = self.session.select(folder, readonly)
        except Exception:
            self._forget_folders()  # renamed or deleted meanwhile: look again next time
            raise
        return int(self._selected[b"UIDVALIDITY"])

    def _keyed(self, key: str) -> set[int]:
        """UIDs in the selected folder whose key header is exactly ``key``."""
        if not key or not key.isascii() or any(c in key for c in '\r\n\0"\\'):
            return set()
        client = self.session.client
        uids = client.search(["NOT", "DELETED", "HEADER", KEY_HEADER, key])
        if not uids:
            return set()
        heads = client.fetch(uids, [f"BODY.PEEK[HEADER.FIELDS ({KEY_HEADER.upper()})]"])
        return {
            uid for uid, item in heads.items()
            if parse_message(_body(item) + b"\r\n", ref="", folder="drafts").key == key
        }

    # --- reading ----------------------------------------------------------------------

    def read_new(self, cursor: str | None, since: datetime) -> tuple[list[MailMessage], str]:
        started = time.time()
        previous = _Cursor.load(cursor, self._account())
        state = _Cursor(self._account(), int(started))
        found: list[tuple[datetime, str, MailMessage]] = []
        unchanged = previous is not None
        session = self.session
        progress = _Ticker(self.progress)
        for role in ("inbox", "sent"):
            folder = self._folder(role) if role == "sent" else _Folder(self._required("inbox"), "")
            if folder is None:
                self._warn_once("sent", f"IMAP: no Sent folder ({self.settings.sent!r} or \\Sent):"
                                " mail you send is not seen; set mailbox.sent")
                continue
            entry = previous.folders.get(role) if previous else None
            with session.errors(f"reading {folder.name!r}"):
                messages, state.folders[role] = self._read_folder(
                    role, folder.name, entry, since, previous.at if previous else None, progress
                )
            found.extend(messages)
            unchanged = unchanged and state.folders[role] is entry
        with session.errors("finishing the pass"):
            self._park(state.folders.get("inbox"))
        if unchanged and cursor is not None:
            return [], cursor  # the same cursor: an idle pass writes nothing to the state
        found.sort(key=lambda m: (m[0], m[1]))
        return [m for _, _, m in found], state.dump()

    def _read_folder(
        self, role: str, folder: str, entry: dict | None, since: datetime, last_pass: int | None,
        progress: _Ticker,
    ) -> tuple[list[tuple[datetime, str, MailMessage]], dict]:
        """One folder's new messages and its cursor entry. See ``_Cursor``."""
        client = self.session.ensure()
        parked = entry is not None and entry.get("f") == folder and self._parked_on(folder, entry)
        if parked:
            try:
                responses = client.noop()[1]
            except (imaplib.IMAP4.abort, OSError):  # e.g. BYE: the folder's UIDVALIDITY changed
                self.session.drop()
                client, parked = self.session.ensure(), False
            else:
                # (an EXISTS that came with an earlier command's answer was kept aside)
                if not any(isinstance(r, tuple) and r[1:2] == (b"EXISTS",) for r in responses) \
                        and not _take_exists(client):
                    return [], entry  # nothing arrived: one NOOP on the folder kept open
        if entry is not None and entry.get("f") == folder and not parked:
            try:
                status = client.folder_status(folder, [b"UIDNEXT", b"UIDVALIDITY"])
            except Exception:
                self._forget_folders()
                raise
            if status[b"UIDVALIDITY"] == entry.get("uv") and status[b"UIDNEXT"] == entry.get("next"):
                return [], entry  # nothing arrived: one STATUS, no FETCH
        if parked:  # NOOP said mail arrived in the folder kept open: no EXAMINE again
            uidvalidity, uidnext = int(entry["uv"]), int(entry.get("next", 1))
        else:
            uidvalidity = self._select(folder, readonly=True)
            uidnext = int(self._selected.get(b"UIDNEXT", 0))
        keep: Callable[[dict], bool] | None = None
        _take_exists(client)  # what arrived until now is in the SEARCH below; later, in the next NOOP
        if entry is not None and entry.get("f") == folder and entry.get("uv") == uidvalidity:
            start = int(entry.get("next", 1))  # ``start:*`` also matches the last UID below it
            uids = [u for u in sorted(client.search(["UID", f"{start}:*"])) if u >= start]
            if parked and not uids:
                return [], entry  # an EXISTS for nothing new (a message gone, flags): the same cursor
        elif last_pass is not None:  # a new UIDVALIDITY (or folder): a bounded resync
            after = datetime.fromtimestamp(last_pass, timezone.utc)
            log.info("IMAP: %r has a new UIDVALIDITY; reading only mail that arrived since"
                     " the previous pass", folder)
            uids = sorted(client.search(["SINCE", (after - timedelta(days=1)).date()]))
            keep = lambda item: _internaldate(item) >= after  # noqa: E731
        else:  # the first pass: mail that arrived since the day before ``since`` (SINCE
            # compares arrival dates, by day), kept when dated after ``since``
            uids = sorted(client.search(["SINCE", (since - timedelta(days=1)).date()]))
            keep = lambda item: _dated(item) > since  # noqa: E731
        progress.add(len(uids))
        out = []
        for batch in _batches(uids, BODY_BATCH):
            for uid, item in client.fetch(batch, ["INTERNALDATE", f"BODY.PEEK[]<0.{READ_LIMIT}>"]).items():
                if keep is not None and not keep(item):
                    continue  # older than the window: its header was read, it is not parsed
                ref = f"{folder}/{uidvalidity}/{uid}"
                try:
                    out.append((_internaldate(item), ref, parse_message(_body(item), ref=ref, folder=role, lazy=True)))
                except Exception as exc:  # noqa: BLE001 - one message: the others are read
                    logs.skipped(f"IMAP message {ref}", exc)
            progress.tick(len(batch))
        top = max(uids, default=0)
        return out, {"f": folder, "uv": uidvalidity, "next": max(uidnext, top + 1, 1)}

    def _park(self, entry: dict | None) -> None:
        """Between passes keep the inbox open read-only (EXAMINE): then a NOOP tells
        whether mail arrived, at a cost that does not grow with the folder (a STATUS can:
        Dovecot answered it in 16 ms for 50,000 messages, a NOOP in 0.1 ms). Mail that
        arrived after the inbox was read and before this EXAMINE is in the EXAMINE's
        answer, not in the next NOOP's: it is kept as an EXISTS for the next read
        (``entry``: the inbox's new cursor entry)."""
        inbox = self._required("inbox")
        if self.session.selected != (inbox, True):
            self.session.release()
            self._select(inbox, readonly=True)
            read = entry is not None and entry.get("f") == inbox \
                and int(self._selected.get(b"UIDVALIDITY", -1)) == entry.get("uv") \
                and int(self._selected.get(b"UIDNEXT", 0)) <= int(entry.get("next", 0))
            if read:
                _take_exists(self.session.client)  # nothing arrived since the inbox was read

    def _parked_on(self, folder: str, entry: dict) -> bool:
        return (
            self.session.selected == (folder, True)
            and self.session.client is not None
            and self._selected is not None
            and int(self._selected.get(b"UIDVALIDITY", -1)) == entry.get("uv")
        )

    def _account(self) -> str:
        return f"{self.settings.username}@{self.settings.host}:{self.settings.port}"

    def _warn_once(self, what: str, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning("%s", message)

    # --- watching ---------------------------------------------------------------------

    def watch(self, stop: threading.Event, changed: Callable[[], None]) -> None:
        """IDLE on the inbox in a connection of its own until ``stop`` is set.

        ``changed()`` is called when new mail arrives and after every (re)connection. A
        lost connection is replaced after a pause that doubles with each failed attempt
        (1 s to 5 min, with jitter; a refused login waits a minute or more), and starts
        again from 1 s once a connection has lived a minute. IDLE is re-issued every
        ``idle_renew_minutes``; a connection the server closed is noticed at once, one that
        silently died at the next renewal or by TCP keep-alive. A server without IDLE is
        left to the regular passes."""
        if not self.settings.idle:
            stop.wait()
            return
        failures = 0
        said = ""  # the last failure logged: the same one again is logged at debug level only
        while not stop.is_set():
            session = Session(self.endpoint, self.credentials)
            connected_at = None
            try:
                if not session.has("IDLE"):
                    log.info("IMAP: the server has no IDLE; new mail is read at every pass")
                    session.close()
                    stop.wait()
                    return
                with session.errors("watching the inbox"):
                    session.select(self.settings.inbox, readonly=True)
                connected_at = time.monotonic()
                if said:
                    log.info("IMAP: watching the inbox again")
                    said = ""
                changed()  # mail may have arrived while we were not watching
                self._idle(session, stop, changed)
            except NeedsUser as exc:
                said = _log_once(said, logging.ERROR, str(exc))
                failures = max(failures + 1, 7)  # a minute or more: the user must act
            except Transient as exc:
                said = _log_once(said, logging.WARNING, f"{exc} (will reconnect)")
                stable = connected_at is not None and time.monotonic() - connected_at > STABLE_S
                failures = 1 if stable else failures + 1  # a flapping server backs off too
            finally:
                session.close()
            if not stop.is_set():
                delay = min(BACKOFF_MAX_S, 2 ** max(0, failures - 1)) * random.uniform(0.7, 1.3)
                stop.wait(delay)

    def _idle(self, session: Session, stop: threading.Event, changed: Callable[[], None]) -> None:
        renew = self.settings.idle_renew_minutes * 60
        client = session.client
        # a stop that can be polled with the socket: wake for mail, the stop or the renewal
        # only; a plain Event is looked at every second
        wake_fd = stop.fileno() if hasattr(stop, "fileno") else None
        longest = renew if wake_fd is not None else 1.0
        while not stop.is_set():
            with session.errors("starting IDLE"):
                client.idle()
            deadline = time.monotonic() + renew
            while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
                with session.errors("waiting in IDLE"):
                    responses = idle_wait(client, min(longest, left), wake_fd)
                if any(is_new_mail(r) for r in responses):
                    changed()
            with session.errors("ending IDLE"):
                _, responses = client.idle_done()
            if any(is_new_mail(r) for r in responses):
                changed()

    # --- doctor -----------------------------------------------------------------------

    def check(self) -> list[Check]:
        """Login, the Drafts and Sent folders (and how they were found), capabilities."""
        ep = self.endpoint
        try:
            self.session.ensure()
        except (NeedsUser, Transient) as exc:
            return [Check("imap login", False, str(exc))]
        checks = [Check("imap login", True, f"{self.settings.username} at {ep.describe()} ({ep.security})")]
        try:
            for role, flag in (("drafts", "\\Drafts"), ("sent", "\\Sent")):
                folder = self._folder(role)
                if folder is None:
                    wanted = getattr(self.settings, role)
                    consequence = "drafts cannot be written" if role == "drafts" else "mail you send is not seen"
                    checks.append(Check(
                        f"imap {role}", False,
                        f"no folder flagged {flag} or named {wanted!r} ({consequence}); set mailbox.{role}"
                        " to one of: " + ", ".join(repr(n) for n in self._folder_names),
                    ))
                else:
                    checks.append(Check(f"imap {role}", True, f"{folder.name!r}, found by {folder.how}"))
            caps = {c: self.session.has(c) for c in USED_CAPABILITIES}
        except (NeedsUser, Transient) as exc:
            return [*checks, Check("imap folders", False, str(exc))]
        notes = []
        if not caps["IDLE"]:
            notes.append("no IDLE: new mail is read at every pass (timing.poll_minutes)")
        if not caps["UIDPLUS"]:
            notes.append("no UIDPLUS: drafts are found by search after saving")
        detail = ", ".join(f"{c} {'yes' if ok else 'no'}" for c, ok in caps.items())
        return [*checks, Check("imap capabilities", True, detail + ("; " + "; ".join(notes) if notes else ""))]

    def close(self) -> None:
        self.session.close()


# --- cursor ---------------------------------------------------------------------------


@dataclass
class _Cursor:
    """``{"v": 1, "acct": "user@host:port", "at": <epoch s when the pass began>,
    "folders": {"inbox": {"f": name, "uv": UIDVALIDITY, "next": next UID to read},
    "sent": {...}}}``. Another account's cursor, or an unreadable one, counts as none."""

    account: str
    at: int
    folders: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, text: str | None, account: str) -> _Cursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            if data.get("v") != CURSOR_VERSION or data.get("acct") != account:
                return None
            folders = {k: v for k, v in data["folders"].items() if isinstance(v, dict)}
            return cls(account, int(data["at"]), folders)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    def dump(self) -> str:
        data = {"v": CURSOR_VERSION, "acct": self.account, "at": self.at, "folders": self.folders}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


# --- helpers --------------------------------------------------------------------------


def _find(listing: list[tuple[tuple[bytes, ...], str]], flag: bytes, name: str, key: str) -> _Folder | None:
    """The folder flagged ``flag``; else the one named ``name`` (exactly, or as the last
    part of a hierarchical name, e.g. INBOX.Drafts); else None."""
    for flags, folder in listing:
        if any(f.lower() == flag.lower() for f in flags):
            return _Folder(folder, f"SPECIAL-USE {flag.decode()}")
    names = [folder for _, folder in listing]
    if name in names:
        return _Folder(name, f"name ({key})")
    for prefix in ("INBOX.", "INBOX/"):
        if prefix + name in names:
            return _Folder(prefix + name, f"name ({key})")
    return None


def _with_key(data: bytes, key: str) -> bytes:
    """The message, making sure it carries ``key`` in the key header."""
    if not key or any(c in key for c in "\r\n\0") or not key.isascii():
        raise ValueError(f"invalid draft key {key!r}")
    head = re.split(rb"\r?\n\r?\n", data, maxsplit=1)[0] + b"\n\n"
    carried = parse_message(head, ref="", folder="").key
    if carried == key:
        return data
    if carried:
        raise ValueError(f"draft for {key!r} carries another key header: {carried!r}")
    eol = b"\r\n" if b"\r\n" in data[:200] else b"\n"
    return f"{KEY_HEADER}: {key}".encode("ascii") + eol + data


def _flagged_deleted(client) -> set[int]:
    """The UIDs in the selected folder marked \\Deleted, read from their flags here (a
    Drafts folder is small), not from a SEARCH DELETED, which a server might answer wrongly."""
    flags = client.fetch(client.search(["ALL"]), ["FLAGS"])
    return {uid for uid, item in flags.items() if b"\\Deleted" in tuple(item.get(b"FLAGS", ()))}


def _take_exists(client) -> bool:
    """Whether an EXISTS came with the answer to an earlier command (imaplib keeps such
    untagged responses aside, and a NOOP does not report them again); forgets it."""
    kept = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    return bool(isinstance(kept, dict) and kept.pop("EXISTS", None))


def _body(item: dict) -> bytes:
    """The first BODY[...] section in a FETCH result (keys vary with partial fetches)."""
    for k, v in item.items():
        if isinstance(k, bytes) and k.startswith(b"BODY[") and isinstance(v, bytes):
            return v
    return b""


def _internaldate(item: dict) -> datetime:
    when = item.get(b"INTERNALDATE")
    if not isinstance(when, datetime):
        return datetime.fromtimestamp(0, timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _dated(item: dict) -> datetime:
    """The Date header (read alone, see ``message_date``), else the arrival time."""
    date = message_date(_body(item))
    return date if date is not None else _internaldate(item)


class _Ticker:
    """Counts the messages read for the ``progress`` callback of the provider context; the
    total grows as each folder's search answers."""

    def __init__(self, progress: Progress):
        self.progress, self.total, self.done = progress, 0, 0

    def add(self, n: int) -> None:
        if n:
            self.total += n
            self.progress("reading mail", self.done, self.total, "messages")

    def tick(self, n: int) -> None:
        self.done += n
        self.progress("reading mail", self.done, self.total, "messages")


def _batches(uids: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(uids), size):
        yield uids[i : i + size]


def _log_once(said: str, level: int, text: str) -> str:
    """Log ``text`` unless it is what was said last (then at debug level); returns it."""
    log.log(logging.DEBUG if text == said else level, "%s", text)
    return text
