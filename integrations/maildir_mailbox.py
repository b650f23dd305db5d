"""A local Maildir as the mailbox: drafts are files in the Drafts folder, replies are files.

Layout: Maildir++ (the root folder is the inbox, sub-folders are ``.Name``). A folder that
already exists in the "verbatim" layout some sync tools use (``Mail/INBOX``,
``Mail/Drafts``) is found and used instead; missing folders are created as Maildir++.

Rules:
- This module cannot send mail: it only writes files into the Drafts folder.
- A draft is delivered the Maildir way: written and fsynced in ``tmp/``, hard-linked into
  ``cur/`` as ``<unique>:2,DS`` (Draft, Seen), the directory fsynced. A crash leaves at
  most a file in ``tmp/``, which is never read as a draft. Drafts are stored byte for
  byte (LF line endings), mode 0600, and always carry the key header.
- A draft flagged T (trashed) counts as deleted. A draft is removed only when the file
  itself carries the draft's key (read before it is unlinked): a reference alone, or a
  file name, is never trusted.
- The temporary file of a delivery is named ``<unique>.interview-followup.tmp`` in
  ``tmp/`` (``TMP_SUFFIX``). One left by a killed write is removed when the mailbox is
  next opened, once it is older than ``STALE_TMP_S``; files without that suffix (other
  mail programs') are never touched.
- ``read_new`` with a cursor costs two ``stat`` calls per folder when nothing changed.
  When a folder changed it is listed, and only files not seen before are read (see
  ``_FolderCursor``). A message moved from ``new/`` to ``cur/`` keeps its unique name
  (the part before ``:2,``) and is not reported again.
- A first pass (no cursor) goes by file times, then by Date. A file whose delivery time —
  the later of the timestamp that starts its name and its mtime, both set at delivery —
  is more than a day (``NO_CURSOR_SLACK_S``) before the window's start is never opened,
  whatever its Date says (a Date more than a day after delivery is a wrong clock). Any
  other file is opened and its Date, read from the header alone, decides (its delivery
  time when it has none): a recent copy of old mail is opened but not parsed. A message
  in the window is parsed once. Counts go to ``context.progress``.
- Dry run: nothing is created, written or removed.
- Permission and path problems (EACCES, EPERM, EROFS, a missing folder) raise
  ``NeedsUser`` naming the path and ``mailbox.path``; a full disk or quota and other I/O
  failures raise ``Transient`` (``common.files.os_error``).
- A message that cannot be parsed (an unexpected exception) is left out and reported to
  the engine (``logs.skipped``): the other messages are read.
"""

from __future__ import annotations

import errno
import itertools
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from interview_followup.daemon.common import logs
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.common.files import fsync_dir, os_error
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.model import Check, Draft, MailMessage, StoredDraft
from interview_followup.daemon.providers import Progress, ProviderContext

log = logging.getLogger(__name__)

SUBDIRS = ("tmp", "new", "cur")
MARGIN_S = 2 * 3600  # files named up to this long before the last change are re-examined
RECENT_NS = 3 * 10**9  # a directory changed this recently may change again unseen
SEEN_CAP = 500  # the most names a cursor remembers per folder (after a burst of deliveries)
NO_CURSOR_SLACK_S = 86400  # first pass: files delivered this long before ``since`` are read
HEAD_LIMIT = 64 * 1024
READ_LIMIT = 2 * 1024 * 1024  # enough for any text part; attachments are not needed
CURSOR_VERSION = 1
TMP_SUFFIX = ".interview-followup.tmp"  # our temporary files in tmp/, and only ours
STALE_TMP_S = 3600  # a temporary file of ours this old is from a killed write
_TS_NAME = re.compile(r"^(\d{9,10})[._]")
_OUR_TMP = re.compile(r"^\d{9,10}\.M\d+P\d+Q\d+\.[^/]+" + re.escape(TMP_SUFFIX) + "$")
_counter = itertools.count(1)


def _folder_name_problem(name: str) -> str:
    if not name or name.strip() != name:
        return "must be a non-empty folder name without surrounding spaces"
    if any(c in name for c in "\0\r\n") or name.startswith(".") or ".." in name:
        return "must not contain control characters, start with '.' or contain '..'"
    return ""


@frozen
class Settings:
    """The settings of [mailbox] with kind = "maildir"."""

    path: Path = field(
        default=Path("Mail"),
        metadata={"doc": "The Maildir root (relative to the config file's folder)."},
    )
    inbox: str = field(
        default="INBOX", metadata={"doc": '"INBOX" means the root folder itself (Maildir++).'}
    )
    drafts: str = field(default="Drafts", metadata={"doc": "Drafts folder (.Drafts)."})
    sent: str = field(default="Sent", metadata={"doc": "Sent folder (.Sent)."})

    def __post_init__(self) -> None:
        for key in ("inbox", "drafts", "sent"):
            problem = _folder_name_problem(getattr(self, key))
            if problem:
                raise ValueError(f"{key} {problem}")


class MaildirMailbox:
    """The ``Mailbox`` protocol on a Maildir folder tree."""

    Settings = Settings

    def __init__(self, root: Path, settings: Settings, context: ProviderContext):
        self.root = root
        self.settings = settings
        self.context = context
        self.dry_run = context.dry_run
        self.dirs: dict[str, Path] = {}
        self._resolve()

    @classmethod
    def open(cls, settings: Settings, context: ProviderContext) -> MaildirMailbox:
        self = cls(context.path(settings.path), settings, context)
        if not context.dry_run:
            self._create()
            self._clean_tmp()
        return self

    # --- layout -----------------------------------------------------------------------

    def _resolve(self) -> None:
        root = self.root
        inbox = self.settings.inbox
        if inbox.upper() == "INBOX":
            verbatim = root / inbox
            self.dirs["inbox"] = (
                verbatim if _is_maildir(verbatim) and not _is_maildir(root) else root
            )
        else:
            self.dirs["inbox"] = self._folder(inbox)
        self.dirs["drafts"] = self._folder(self.settings.drafts)
        self.dirs["sent"] = self._folder(self.settings.sent)

    def _folder(self, name: str) -> Path:
        plus = self.root / ("." + name.replace("/", "."))
        verbatim = self.root / name
        if not _is_maildir(plus) and _is_maildir(verbatim):
            return verbatim
        return plus

    def _create(self) -> None:
        root = self.root
        with _fs_errors(root):
            if root.exists() and not _is_maildir(root) and self.dirs["inbox"] == root:
                if not _unfinished_maildir(root):
                    raise NeedsUser(
                        f"{root} is not a Maildir (it has no cur/, new/ and tmp/ folders)",
                        hint="set mailbox.path to your Maildir, or to a new empty folder",
                    )
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            for path in dict.fromkeys((self.dirs["inbox"], self.dirs["drafts"], self.dirs["sent"])):
                for sub in SUBDIRS:
                    (path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
                if path != root and path.parent == root and path.name.startswith("."):
                    marker = path / "maildirfolder"  # what Maildir++ servers expect
                    if not marker.exists():
                        marker.touch(mode=0o600)

    def _clean_tmp(self) -> None:
        """Remove our temporary files that a killed write left in ``tmp/`` (named by
        ``_deliver``, older than ``STALE_TMP_S``). Other programs' files are left alone; a
        file that cannot be removed is left for the next start."""
        oldest = time.time() - STALE_TMP_S
        for path in dict.fromkeys((self.dirs["inbox"], self.dirs["drafts"], self.dirs["sent"])):
            try:
                with os.scandir(path / "tmp") as it:
                    stale = [e for e in it if _OUR_TMP.match(e.name) and e.is_file(follow_symlinks=False)
                             and e.stat(follow_symlinks=False).st_mtime < oldest]
            except OSError:
                continue
            for entry in stale:
                try:
                    os.unlink(entry.path)
                    log.info("Maildir: removed %s, left by an interrupted write", entry.path)
                except OSError:
                    pass

    # --- drafts -----------------------------------------------------------------------

    def write_draft(self, draft: Draft) -> StoredDraft:
        data = _with_key(draft.message.replace(b"\r\n", b"\n"), draft.key)
        if self.dry_run:
            return StoredDraft(key=draft.key, ref="", message=data)
        folder = self.dirs["drafts"]
        with _fs_errors(folder):
            uniq = _deliver(folder, data, "DS")
        return StoredDraft(key=draft.key, ref=uniq, message=data)

    def place(self) -> str:
        return str(self.dirs["drafts"])

    def draft_link(self, key: str) -> str:
        return ""  # mail programs have no common address for a message in a folder

    def find_draft(self, key: str) -> StoredDraft | None:
        """The newest draft carrying ``key`` (a file may move while we look: look again)."""
        for _ in range(3):
            matches = self._drafts_with_key(key)
            if not matches:
                return None
            uniq, path, _ = max(matches, key=lambda m: (m[2], m[0]))
            with _fs_errors(path):
                try:
                    return StoredDraft(key=key, ref=uniq, message=path.read_bytes())
                except FileNotFoundError:
                    continue
        raise Transient(f"{self.dirs['drafts']}: drafts keep changing while being read")

    def remove_draft(self, stored: StoredDraft) -> None:
        """Remove the draft with ``stored.ref``. If that file is gone (a mail client saved
        the draft again under a new name), remove the drafts that carry the same key and
        the same text; a draft the user has edited is left alone."""
        if self.dry_run:
            return
        folder = self.dirs["drafts"]
        own = self._draft_files(include_trashed=True)
        targets = [p for u, p, _ in own if stored.ref and u == stored.ref and self._carries(p, stored.key)]
        if not targets:
            digest = body_digest(stored.message)
            for _, path, _ in self._drafts_with_key(stored.key):
                with _fs_errors(path):
                    try:
                        if body_digest(path.read_bytes()) == digest:
                            targets.append(path)
                    except FileNotFoundError:
                        pass
        with _fs_errors(folder):
            for path in targets:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
                fsync_dir(path.parent)

    def _draft_files(self, include_trashed: bool = False) -> list[tuple[str, Path, int]]:
        folder = self.dirs["drafts"]
        out = []
        with _fs_errors(folder):
            for sub in ("new", "cur"):
                for entry in _scan(folder / sub):
                    if "T" in _flags(entry.name) and not include_trashed:
                        continue
                    try:  # the Drafts folder is small: stat to know the newest copy
                        ts = entry.stat().st_mtime_ns
                    except FileNotFoundError:
                        continue
                    if entry.is_file():
                        out.append((_unique(entry.name), Path(entry.path), ts))
        return out

    def _carries(self, path: Path, key: str) -> bool:
        """Whether the file at ``path`` carries ``key`` in its key header (a vanished file
        carries nothing)."""
        with _fs_errors(path):
            try:
                head = _read_head(path)
            except FileNotFoundError:
                return False
        return bool(key) and parse_message(head, ref="", folder="drafts").key == key

    def _drafts_with_key(self, key: str) -> list[tuple[str, Path, int]]:
        found = []
        for uniq, path, ts in self._draft_files():
            with _fs_errors(path):
                try:
                    head = _read_head(path)
                except FileNotFoundError:
                    continue
            if parse_message(head, ref="", folder="drafts").key == key:
                found.append((uniq, path, ts))
        return found

    # --- reading ----------------------------------------------------------------------

    def read_new(self, cursor: str | None, since: datetime) -> tuple[list[MailMessage], str]:
        previous = _load_cursor(cursor)
        state: dict[str, object] = {"v": CURSOR_VERSION}
        listings: list[_Listing] = []
        for role in ("inbox", "sent"):  # both listed first: the progress knows the total
            folder = self.dirs[role]
            prev = previous.get(role) if previous is not None else None
            with _fs_errors(folder):
                listings.append(self._list_folder(role, folder, prev, since))
        found: list[tuple[float, str, MailMessage]] = []
        progress = _Ticker(self.context.progress, sum(len(listing.todo) for listing in listings))
        for listing in listings:
            with _fs_errors(listing.folder):
                found.extend(self._read_listed(listing, since, progress))
            state[listing.role] = listing.entry if listing.unchanged else self._folder_state(listing)
        progress.end()
        found.sort(key=lambda m: (m[0], m[1]))
        return [m for _, _, m in found], json.dumps(state, sort_keys=True, separators=(",", ":"))

    def _list_folder(self, role: str, folder: Path, prev: object, since: datetime) -> _Listing:
        """One folder's listing, and the files in it to read.

        The cursor entry: ``p`` the folder path; ``new``/``cur`` the directories' mtime_ns
        when last listed (-1: list again, null: missing); ``f`` a floor in seconds;
        ``seen`` the unique names of the files named at or after ``f``. A later listing
        reads only files named at or after ``f`` that are not in ``seen``. Files are dated
        by the timestamp that starts their unique name, or by their mtime when the name has
        none.

        With no entry (a first pass) a file is read unless it was delivered more than
        ``NO_CURSOR_SLACK_S`` before ``since``; its delivery time is the later of its
        name's timestamp and its mtime (both are set when a message is delivered, and a
        copy that keeps neither is read). A file that is read is kept when its Date header
        is after ``since`` (its delivery time when it has no Date): mail delivered long ago
        is never opened, however recent its Date claims to be (a sender's clock more than a
        day ahead), and a recent file carrying old mail (a fresh copy of an old mailbox) is
        opened but not parsed (see ``_read_listed``).
        """
        mtimes = {sub: _mtime_ns(folder / sub) for sub in ("new", "cur")}
        entry = prev if isinstance(prev, dict) and prev.get("p") == str(folder) else None
        if entry is not None and all(entry.get(s) == mtimes[s] for s in mtimes):
            return _Listing(role, folder, mtimes, entry, unchanged=True)  # not even a listing
        if entry is not None and entry.get("new") is None and entry.get("cur") is None:
            entry = None  # the folder has just appeared: read it as on a first pass
        listing = _Listing(role, folder, mtimes, entry)
        files = listing.files
        for sub in ("new", "cur"):  # new/ first: a file moving to cur/ meanwhile is seen
            for item in _scan(folder / sub):
                ts = _name_time(item)
                if ts is None:
                    continue
                files.setdefault(_unique(item.name), (ts, []))[1].append(item)
        if entry is not None:
            seen = set(entry.get("seen", ()))
            floor = float(entry.get("f", 0))
            listing.todo = [u for u, (ts, _) in files.items() if ts >= floor and u not in seen]
            return listing
        oldest = since.timestamp() - NO_CURSOR_SLACK_S
        for uniq, (ts, entries) in files.items():
            delivered = _delivered(ts, entries)
            if delivered is None:
                listing.unread.add(uniq)  # moved or removed meanwhile: the next listing decides
            elif delivered >= oldest:
                listing.todo.append(uniq)
                listing.delivered[uniq] = delivered
        return listing

    def _read_listed(
        self, listing: _Listing, since: datetime, progress: _Ticker
    ) -> list[tuple[float, str, MailMessage]]:
        """The messages of the files ``listing`` says to read, each parsed once. On a
        first pass the Date is read from the header alone (``message_date``), and a file
        dated before ``since`` is left without being parsed."""
        role, first = listing.role, listing.entry is None
        since_s = since.timestamp()
        out: list[tuple[float, str, MailMessage]] = []
        for uniq in listing.todo:
            ts, entries = listing.files[uniq]
            if first:
                raw = _read_message(entries, lambda start: _dated_after(
                    start, listing.delivered[uniq], since, since_s))
            else:
                raw = _read_message(entries)
            progress.tick()
            if raw is None:
                listing.unread.add(uniq)  # moved or removed meanwhile: the next listing decides
            elif raw is not False:
                ref = f"{role}/{uniq}"
                try:
                    out.append((ts, uniq, parse_message(raw, ref=ref, folder=role, lazy=True)))
                except Exception as exc:  # noqa: BLE001 - one message: the others are read
                    logs.skipped(f"Maildir message {ref}", exc)
        return out

    @staticmethod
    def _folder_state(listing: _Listing) -> dict:
        """The folder's cursor entry after ``listing`` was read (see ``_list_folder``).

        ``f`` is ``MARGIN_S`` before the newest of: the directories' mtimes, the newest
        file name, now (the smallest of the three, so that no clock running ahead, on a
        file server or a delivering host, hides a delivery). After a burst of deliveries
        ``f`` is raised so that ``seen`` keeps at most ``SEEN_CAP`` names: the cursor
        stays small whatever the mailbox does.
        """
        files, unread, mtimes = listing.files, listing.unread, listing.mtimes
        newest = max((m for m in mtimes.values() if m is not None), default=0)
        now_ns = time.time_ns()  # file times are wall-clock times: compare with the same
        times = sorted((t for u, (t, _) in files.items() if u not in unread), reverse=True)
        f = min(newest // 10**9, now_ns // 10**9, int(times[0]) if times else now_ns // 10**9) - MARGIN_S
        if len(times) > SEEN_CAP and times[SEEN_CAP - 1] >= f:
            f = math.floor(times[SEEN_CAP - 1]) + 1  # the names at or after it are fewer
        if unread:  # files that moved while being read are read on the next pass
            f = min(f, math.floor(min(files[u][0] for u in unread)))
        recent = newest >= now_ns - RECENT_NS
        return {
            "p": str(listing.folder),
            "new": -1 if recent and mtimes["new"] is not None else mtimes["new"],
            "cur": -1 if recent and mtimes["cur"] is not None else mtimes["cur"],
            "f": f,
            "seen": sorted(u for u, (t, _) in files.items() if t >= f and u not in unread),
        }

    # --- doctor -----------------------------------------------------------------------

    def check(self) -> list[Check]:
        """One line for the Maildir, one per folder. What open() would create is fine."""
        root = self.root
        if not root.exists():
            parent = next(p for p in root.parents if p.exists())
            ok = os.access(parent, os.W_OK | os.X_OK)
            detail = "will be created on the first pass" if ok else f"cannot be created in {parent}"
            return [Check("maildir", ok, f"{root} {detail} (mailbox.path)")]
        with _fs_errors(root):
            if self.dirs["inbox"] == root and not _is_maildir(root) and not _unfinished_maildir(root):
                return [Check("maildir", False, f"{root} is not a Maildir (mailbox.path)")]
            checks = [Check("maildir", os.access(root, os.W_OK | os.X_OK), f"{root}")]
            for role in ("inbox", "drafts", "sent"):
                path = self.dirs[role]
                if not path.exists():
                    checks.append(Check(f"maildir {role}", True, f"{path} will be created"))
                elif not _is_maildir(path):
                    checks.append(Check(f"maildir {role}", False, f"{path}: not a Maildir folder"))
                else:
                    count = sum(1 for sub in ("new", "cur") for _ in _scan(path / sub))
                    writable = role != "drafts" or all(
                        os.access(path / sub, os.W_OK | os.X_OK) for sub in SUBDIRS
                    )
                    detail = f"{path}: {count} message(s)" + ("" if writable else ", not writable")
                    checks.append(Check(f"maildir {role}", writable, detail))
        return checks

    def close(self) -> None:
        pass


@dataclass
class _Listing:
    """One folder as ``read_new`` listed it: ``files`` maps unique names to their name time
    and directory entries; ``todo`` the unique names to read; ``unread`` those that moved
    or vanished meanwhile; ``delivered`` (first pass) the delivery time of each in ``todo``."""

    role: str
    folder: Path
    mtimes: dict[str, int | None]
    entry: dict | None
    unchanged: bool = False
    files: dict[str, tuple[float, list[os.DirEntry]]] = field(default_factory=dict)
    todo: list[str] = field(default_factory=list)
    unread: set[str] = field(default_factory=set)
    delivered: dict[str, float] = field(default_factory=dict)


class _Ticker:
    """Counts the files read for the ``progress`` callback of the provider context."""

    def __init__(self, progress: Progress, total: int):
        self.progress, self.total, self.done = progress, total, 0
        if total:
            progress("reading mail", 0, total, "messages")

    def tick(self) -> None:
        self.done += 1
        self.progress("reading mail", self.done, self.total, "messages")

    def end(self) -> None:
        if self.total and self.done != self.total:  # files that vanished: the count is done
            self.progress("reading mail", self.total, self.total, "messages")


# --- files ----------------------------------------------------------------------------


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in SUBDIRS)


def _unfinished_maildir(path: Path) -> bool:
    """Empty, or holding only what creating a Maildir makes (cur/, new/, tmp/ and
    Maildir++ folders): a creation interrupted by a crash, safe to complete."""
    return all(
        entry.is_dir() and (entry.name in SUBDIRS or entry.name.startswith("."))
        for entry in path.iterdir()
    )


def _scan(directory: Path) -> Iterator[os.DirEntry]:
    """Message files in a ``new/`` or ``cur/`` directory (a missing one is empty)."""
    try:
        with os.scandir(directory) as it:
            entries = list(it)
    except FileNotFoundError:
        return
    for entry in entries:
        if not entry.name.startswith("."):
            yield entry


def _unique(name: str) -> str:
    """The part of a Maildir file name that does not change with its flags."""
    for sep in (":2,", "!2,", ":"):
        if sep in name:
            return name.split(sep, 1)[0]
    return name


def _flags(name: str) -> str:
    for sep in (":2,", "!2,"):
        if sep in name:
            return name.split(sep, 1)[1]
    return ""


def _name_time(entry: os.DirEntry) -> float | None:
    """When the file was delivered: the name's timestamp, else its mtime (None: gone)."""
    match = _TS_NAME.match(entry.name)
    if match:
        return float(match.group(1))
    try:
        if not entry.is_file():
            return None
        return entry.stat().st_mtime
    except FileNotFoundError:
        return None


def _mtime_ns(path: Path) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


def _read_head(path: Path) -> bytes:
    with open(path, "rb") as f:
        data = f.read(HEAD_LIMIT)
    for sep in (b"\n\n", b"\r\n\r\n"):
        end = data.find(sep)
        if end >= 0:
            return data[: end + len(sep)]
    return data


def _delivered(ts: float, entries: list[os.DirEntry]) -> float | None:
    """When a file was delivered: the later of its name's timestamp and its mtime (None:
    every copy vanished)."""
    for entry in entries:
        try:
            return max(ts, entry.stat().st_mtime)
        except FileNotFoundError:
            continue
    return None


def _dated_after(start: bytes, delivered: float, since: datetime, since_s: float) -> bool:
    """Whether a message that starts with ``start`` is after ``since``: its Date, else its
    delivery time."""
    date = message_date(start)
    return date > since if date is not None else delivered > since_s


def _read_message(paths: list, wanted: Callable[[bytes], bool] | None = None) -> bytes | bool | None:
    """The message in the first of ``paths`` that still exists, up to ``READ_LIMIT``
    bytes, opened once; None when none exists. With ``wanted``, the first ``HEAD_LIMIT``
    bytes are read first, and False is returned when ``wanted(them)`` is false: the rest
    is never read."""
    for path in paths:
        try:
            with open(path, "rb") as f:  # buffered: a short read (FUSE, NFS) is read on
                data = f.read(HEAD_LIMIT)
                if wanted is not None and not wanted(data):
                    return False
                if len(data) == HEAD_LIMIT:
                    data += f.read(READ_LIMIT - HEAD_LIMIT)
                return data
        except FileNotFoundError:
            continue
    return None


def _with_key(data: bytes, key: str) -> bytes:
    if not key or any(c in key for c in "\r\n\0") or not key.isascii():
        raise ValueError(f"invalid draft key {key!r}")
    carried = parse_message(data.split(b"\n\n", 1)[0] + b"\n\n", ref="", folder="").key
    if carried == key:
        return data
    if carried:
        raise ValueError(f"draft for {key!r} carries another key header: {carried!r}")
    return f"{KEY_HEADER}: {key}\n".encode("ascii") + data


def _unique_name() -> str:
    now = time.time()  # Maildir names carry the wall-clock delivery time
    import socket  # here: start-up (status) does not need it

    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    return f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(_counter)}.{host}"


def _deliver(folder: Path, data: bytes, flags: str) -> str:
    """Write ``data`` as a new message in ``cur/`` with ``flags``; return its unique name."""
    for _ in range(5):
        uniq = _unique_name()
        tmp = folder / "tmp" / f"{uniq}{TMP_SUFFIX}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            continue
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            dest = folder / "cur" / f"{uniq}:2,{flags}"
            try:
                os.link(tmp, dest)
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                    raise
                os.rename(tmp, dest)  # file systems without hard links
        except BaseException:
            _unlink_quietly(tmp)
            raise
        _unlink_quietly(tmp)
        fsync_dir(folder / "cur")
        return uniq
    raise Transient(f"{folder}: could not find a free Maildir file name")


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _load_cursor(cursor: str | None) -> dict | None:
    """The previous cursor, or None when there is none or it is unusable."""
    if not cursor:
        return None
    try:
        data = json.loads(cursor)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
        return None
    return data


@contextmanager
def _fs_errors(path: Path) -> Iterator[None]:
    """An ``OSError`` as the error it means (``common.files.os_error``): a full disk or
    quota and I/O errors are retried later (nothing half-written is left: a draft is only
    linked into cur/ once it is whole); permissions, a read-only file system and a missing
    folder are for the user."""
    hint = (
        f"check that {path} exists and that this user may read and write it,"
        " or change mailbox.path in the configuration"
    )
    try:
        yield
    except OSError as exc:
        raise os_error(exc, "Maildir:", path, hint=hint) from None


# ``mail.parse`` (and the standard library's email parsing it brings) is imported when mail
# is first read, not when the configuration loads this class: ``status`` reads no mail.
def parse_message(*args, **kwargs):
    from interview_followup.daemon.mail.parse import parse_message

    return parse_message(*args, **kwargs)


def body_digest(*args, **kwargs):
    from interview_followup.daemon.mail.parse import body_digest

    return body_digest(*args, **kwargs)


def message_date(*args, **kwargs):
    from interview_followup.daemon.mail.parse import message_date

    return message_date(*args, **kwargs)
