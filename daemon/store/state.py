"""Durable state: SQLite (WAL) with a schema version and migrations.

What it records: the loops (each interview's latest snapshot), debriefs, the messages
matched to loops, mailbox cursors, and every artifact the program created or is about
to create. Before each external write the engine records an *intent*; after it, the
result. An intent still open at start means the process died in between: the engine
then looks for the artifact's key before writing again.

The database is never wiped or silently replaced: an unreadable file, or one written by
a newer version of the program, stops the program with a message saying so.

A state folder that cannot be used says so with its path, and the right kind of error
(``common.files.os_error``): a full disk or quota is ``Transient`` (retried; exit 75), a
read-only or forbidden folder or file ``NeedsUser`` (exit 2). ``run`` keeps going and
tries again at every pass, so it recovers by itself once the folder is fixed. The folder
is kept at mode 0700, the database and its -wal and -shm files at 0600: looser modes
found at open (a file copied in, an older version) are repaired, with an info line.

Items that a pass skipped after an unexpected error (one event, one message, one loop, one
step: see ``engine.reconcile``) are kept in ``problems``, so that each is named in a
warning once and ``status`` lists them while they last.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

from interview_followup.daemon.common.files import keep_private, os_error
from interview_followup.daemon.errors import FollowupError, NeedsUser, StateError, Transient
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import Command, Debrief, Interview
from interview_followup.daemon.model import Observation
from interview_followup.daemon.store.records import from_json, to_json

SCHEMA_VERSION = 6
DB_NAME = "state.sqlite3"

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE loops (
        loop_id TEXT PRIMARY KEY,
        interview TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE debriefs (
        loop_id TEXT PRIMARY KEY REFERENCES loops(loop_id),
        data TEXT NOT NULL
    );
    CREATE TABLE observations (
        ref TEXT PRIMARY KEY,
        loop_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        reason TEXT NOT NULL,
        step TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX observations_loop ON observations(loop_id);
    CREATE TABLE artifacts (
        key TEXT PRIMARY KEY,
        loop_id TEXT NOT NULL,
        step TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        ref TEXT NOT NULL DEFAULT '',
        digest TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        updated TEXT NOT NULL
    );
    CREATE TABLE cursors (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: the Message-ID of each matched message, so drafts can answer in its thread
    2: """
    ALTER TABLE observations ADD COLUMN message_id TEXT NOT NULL DEFAULT ''
    """,
    # 3: how each provider fared in the last passes, for `status` and `doctor`
    3: """
    CREATE TABLE health (
        role TEXT PRIMARY KEY,
        ok INTEGER NOT NULL,
        problem TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        since TEXT NOT NULL,
        last_ok TEXT NOT NULL DEFAULT ''
    );
    """,
    # 4: what a reply says, when an absent person is back, which address bounced
    4: """
    ALTER TABLE observations ADD COLUMN outcome TEXT NOT NULL DEFAULT '';
    ALTER TABLE observations ADD COLUMN phrase TEXT NOT NULL DEFAULT '';
    ALTER TABLE observations ADD COLUMN returns_on TEXT NOT NULL DEFAULT '';
    ALTER TABLE observations ADD COLUMN address TEXT NOT NULL DEFAULT '';
    ALTER TABLE observations ADD COLUMN thread_id TEXT NOT NULL DEFAULT '';
    """,
    # 5: items a pass skipped after an unexpected error, for one warning each and `status`
    5: """
    CREATE TABLE problems (
        item TEXT PRIMARY KEY,
        part TEXT NOT NULL,
        detail TEXT NOT NULL,
        since TEXT NOT NULL,
        seen TEXT NOT NULL
    );
    """,
    # 6: what the user told the program (close, snooze, skip, reopen, track, ignore), the
    # history of every loop's decisions, the events of the last calendar read (UID, title,
    # first start: so `track` and `ignore` find an event by its title), and what each draft was made from (``inputs``, so an
    # untouched draft is rewritten when that changes; ``previous``: the body digest of the
    # draft an update replaces, so a crash in the middle can tell the old one from the new)
    6: """
    CREATE TABLE commands (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        loop_id TEXT NOT NULL DEFAULT '',
        event TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL,
        command TEXT NOT NULL,
        step TEXT NOT NULL DEFAULT '',
        until TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX commands_loop ON commands(loop_id);
    CREATE TABLE history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        loop_id TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL
    );
    CREATE INDEX history_loop ON history(loop_id);
    CREATE TABLE events (
        uid TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        start TEXT NOT NULL
    );
    ALTER TABLE artifacts ADD COLUMN inputs TEXT NOT NULL DEFAULT '';
    ALTER TABLE artifacts ADD COLUMN previous TEXT NOT NULL DEFAULT '';
    """,
}

# a loop's history: what happened and why (``State.history``). Kinds: "found", "moved",
# "cancelled", "reopened" (the loop), "draft" and "reminder" (an artifact written, updated,
# removed or left), "you" (a command of the user's)
@frozen
class Entry:
    """One line of a loop's history."""

    loop_id: str
    at: datetime
    kind: str
    text: str


# how often a healthy provider's "last worked" moment is refreshed: idle passes in
# between write nothing
HEALTH_REFRESH = timedelta(minutes=15)
# what a failing provider's problem is, as `status` words it
PROBLEMS = {
    "sign-in": "needs re-authorisation",
    "user": "needs you",
    "transient": "failing, retrying",
    "unexpected": "failing unexpectedly, retrying",
}

# what a skipped item is (``Problem.part``), in words for `status`
PARTS = {
    "calendar": "event",
    "mailbox": "message",
    "plan": "loop",
    "reconcile": "step",
    "reminders": "reminder",
}
# a skipped message is not read again (the mailbox cursor moved on): `status` lists it this long
PROBLEM_KEPT = timedelta(days=7)

# artifact statuses
INTENT_CREATE = "intent-create"
INTENT_UPDATE = "intent-update"
INTENT_REMOVE = "intent-remove"
CREATED = "created"
REMOVED = "removed"
GONE = "gone"  # a draft that vanished from the mailbox (sent or deleted by the user)
LEFT = "left"  # a draft the user edited: left in place when the loop closed
HELD = "held"  # a draft that failed the quality checks: not written; ``note`` says what to fix
OPEN_INTENTS = (INTENT_CREATE, INTENT_UPDATE, INTENT_REMOVE)


@frozen
class Health:
    """How one provider (``calendar``, ``mailbox``, ``reminders``) fared.

    ``since``: when it began to work, or to fail with this ``detail``; ``last_ok``: the
    last pass in which it worked (refreshed at most every ``HEALTH_REFRESH``)."""

    role: str
    ok: bool
    problem: str  # "" when ok, else one of PROBLEMS
    detail: str
    since: datetime
    last_ok: datetime | None


@frozen
class Problem:
    """An item (``calendar:<uid>``, ``mailbox:<ref>``, ...) a pass skipped after an
    unexpected error: ``detail`` is the error's type and text, ``since`` when it was first
    skipped, ``seen`` the last time (refreshed at most every ``HEALTH_REFRESH``)."""

    item: str
    part: str
    detail: str
    since: datetime
    seen: datetime


@frozen
class Artifact:
    """A draft or reminder the program wrote (or meant to write), by its key."""

    key: str
    loop_id: str
    step: str
    kind: str
    status: str
    ref: str = ""
    digest: str = ""
    note: str = ""
    inputs: str = ""  # a digest of what a draft was made from (interview, debrief, profile, language)
    previous: str = ""  # of an update in flight: the body digest of the draft it replaces


class _Connection(sqlite3.Connection):
    """A connection whose statements fail as ``Transient`` when the world may fix it: a
    full disk (or quota), an I/O error, a lock held too long; and as ``NeedsUser`` when the
    database or its folder cannot be written (read-only, forbidden). The caller backs off
    and retries; nothing is lost, since the failed statement or transaction was not applied."""

    db_path: Path | None = None

    def execute(self, sql, parameters=(), /):
        try:
            return super().execute(sql, parameters)
        except sqlite3.OperationalError as exc:
            sorted_ = _sqlite_error(exc, self.db_path)
            if sorted_ is None:
                raise
            raise sorted_ from None


WRITABLE_HINT = ("make the state folder and its files writable for this user (and its file system "
                 "writable), or set state.dir to another folder; nothing was changed")


def _sqlite_error(exc: sqlite3.OperationalError, path: Path | None) -> FollowupError | None:
    """What an SQLite failure means for the user, or None (then it is a bug)."""
    text = str(exc)
    if "full" in text:  # SQLITE_FULL: "database or disk is full"
        return Transient(f"state database: the disk is full ({text}); nothing was lost")
    if "disk I/O error" in text:
        return Transient(f"state database: {text}")
    if "locked" in text or "busy" in text:
        return Transient(f"state database is busy: {text}")
    if "readonly" in text or "read-only" in text:  # "attempt to write a readonly database"
        return NeedsUser(f"state database {path or ''} cannot be written: {text}".replace("  ", " "),
                         hint=WRITABLE_HINT)
    if "unable to open" in text:  # the folder cannot be read or written, or is gone
        return NeedsUser(f"state database {path or ''} cannot be opened: {text}".replace("  ", " "),
                         hint=WRITABLE_HINT)
    return None


@contextmanager
def _folder_errors(directory: Path) -> Iterator[None]:
    """Turns an ``OSError`` about the state folder into the ``NeedsUser`` or ``Transient``
    it means (``common.files.os_error``), naming the path."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, "state folder", directory, hint=WRITABLE_HINT) from None


def private_dir(path: Path) -> None:
    """Make the state folder (mode 0700), or repair the mode of the one there is."""
    with _folder_errors(path):
        if path.exists() and not path.is_dir():
            raise NeedsUser(f"state folder {path} is a file, not a folder",
                            hint="move the file away, or set state.dir to a folder")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not keep_private(path, 0o700) and not os.access(path, os.W_OK | os.X_OK):
            os.chmod(path, 0o700)  # ours, but not writable for us (e.g. 0500): as it was made


class State:
    def __init__(self, conn: sqlite3.Connection, path: Path | None):
        self.conn = conn
        self.path = path

    # --- opening -------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path) -> "State":
        path = directory / DB_NAME
        private_dir(directory)
        with _folder_errors(directory):
            if path.exists():
                if not path.is_file():
                    raise NeedsUser(f"state database {path} is not a file",
                                    hint="move it away, or set state.dir to another folder")
                for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    keep_private(name)  # from an older version, or copied in with 0644
            else:
                fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
        conn = None
        try:
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, factory=_Connection)
            conn.db_path = path
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.OperationalError as exc:
            if conn is not None:
                conn.close()
            raise _sqlite_error(exc, path) or _unreadable(path, exc) from None
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise _unreadable(path, exc) from None
        except FollowupError:
            if conn is not None:
                conn.close()
            raise
        with _folder_errors(directory):
            for suffix in ("-wal", "-shm"):  # made by SQLite just now, with the umask's mode
                keep_private(Path(f"{path}{suffix}"))
        state = cls(conn, path)
        try:
            state.migrate()
        except BaseException:
            conn.close()
            raise
        return state

    @classmethod
    def in_memory_copy(cls, directory: Path) -> "State":
        """A private copy of the state for ``--dry-run``: changes to it are thrown away."""
        mem = sqlite3.connect(":memory:", isolation_level=None)
        path = directory / DB_NAME
        if path.exists():
            try:
                src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                try:
                    src.backup(mem)
                finally:
                    src.close()
            except sqlite3.OperationalError as exc:
                raise _sqlite_error(exc, path) or _unreadable(path, exc) from None
            except sqlite3.DatabaseError as exc:
                raise _unreadable(path, exc) from None
        state = cls(mem, None)
        state.migrate()
        return state

    def migrate(self) -> None:
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise StateError(
                f"state database {self.path} has schema version {version}, but this program "
                f"knows only up to {SCHEMA_VERSION}: it was written by a newer interview-followup",
                hint="upgrade interview-followup; the database was left untouched",
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                for statement in _statements(MIGRATIONS[target]):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {target}")

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")  # a full disk may refuse it: then nothing was applied
        except BaseException:
            # SQLite may have rolled back by itself already (after SQLITE_FULL or an I/O
            # error): a second ROLLBACK would fail and hide the real error
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except (sqlite3.Error, Transient):
                    pass  # the connection is closed after a failed pass anyway
            raise

    # --- loops -------------------------------------------------------------------

    def loops(self) -> list[tuple[Interview, datetime]]:
        rows = self.conn.execute("SELECT interview, first_seen FROM loops ORDER BY loop_id")
        return [(from_json(Interview, r[0]), _dt(r[1])) for r in rows]

    def interview(self, loop_id: str) -> Interview | None:
        row = self.conn.execute("SELECT interview FROM loops WHERE loop_id=?", (loop_id,)).fetchone()
        return from_json(Interview, row[0]) if row else None

    def save_interview(self, interview: Interview, now: datetime) -> bool:
        """Insert or update a loop's interview; True when something changed."""
        data = to_json(interview)
        row = self.conn.execute(
            "SELECT interview FROM loops WHERE loop_id=?", (interview.loop_id,)
        ).fetchone()
        if row and row[0] == data:
            return False
        if row:
            self.conn.execute(
                "UPDATE loops SET interview=?, updated=? WHERE loop_id=?",
                (data, now.isoformat(), interview.loop_id),
            )
        else:
            self.conn.execute(
                "INSERT INTO loops(loop_id, interview, first_seen, updated) VALUES (?,?,?,?)",
                (interview.loop_id, data, now.isoformat(), now.isoformat()),
            )
        return True

    # --- debriefs ----------------------------------------------------------------

    def debriefs(self) -> dict[str, Debrief]:
        rows = self.conn.execute("SELECT data FROM debriefs")
        out = {}
        for (data,) in rows:
            d = from_json(Debrief, data)
            out[d.loop_id] = d
        return out

    def save_debrief(self, debrief: Debrief) -> None:
        self.conn.execute(
            "INSERT INTO debriefs(loop_id, data) VALUES (?,?) "
            "ON CONFLICT(loop_id) DO UPDATE SET data=excluded.data",
            (debrief.loop_id, to_json(debrief)),
        )

    # --- observations ------------------------------------------------------------

    def observations(self) -> list[Observation]:
        rows = self.conn.execute(
            "SELECT ref, loop_id, kind, at, reason, step, message_id, outcome, phrase, returns_on, address, "
            "thread_id FROM observations ORDER BY at"
        )
        return [
            Observation(r[0], r[1], r[2], _dt(r[3]), r[4], r[5], r[6], r[7], r[8],
                        date.fromisoformat(r[9]) if r[9] else None, r[10], r[11])
            for r in rows
        ]

    def add_observation(self, o: Observation) -> bool:
        """Record ``o`` unless the same message was recorded before (by reference, or by
        Message-ID: references change when a server renumbers its messages)."""
        if o.message_id and self.conn.execute(
            "SELECT 1 FROM observations WHERE loop_id=? AND kind=? AND message_id=?",
            (o.loop_id, o.kind, o.message_id),
        ).fetchone():
            return False
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO observations(ref, loop_id, kind, at, reason, step, message_id, "
            "outcome, phrase, returns_on, address, thread_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (o.ref, o.loop_id, o.kind, o.at.isoformat(), o.reason, o.step, o.message_id,
             o.outcome, o.phrase, o.returns_on.isoformat() if o.returns_on else "", o.address, o.thread_id),
        )
        return cur.rowcount > 0

    # --- what the user said, and what happened -----------------------------------

    def add_command(self, c: Command) -> None:
        self.conn.execute(
            "INSERT INTO commands(loop_id, event, at, command, step, until, outcome, note) VALUES (?,?,?,?,?,?,?,?)",
            (c.loop_id, c.event, c.at.isoformat(), c.command, c.step, c.until.isoformat() if c.until else "",
             c.outcome, c.note),
        )

    def commands(self) -> list[Command]:
        """Every command, in the order the user gave them."""
        rows = self.conn.execute(
            "SELECT command, at, loop_id, event, step, until, outcome, note FROM commands ORDER BY id")
        return [Command(r[0], _dt(r[1]), r[2], r[3], r[4], date.fromisoformat(r[5]) if r[5] else None, r[6], r[7])
                for r in rows]

    def add_history(self, loop_id: str, at: datetime, kind: str, text: str) -> None:
        """One line of a loop's history; it reaches the disk with the next intent or
        checkpoint (``_unhurried``): it tells what happened, it decides nothing."""
        with self._unhurried():
            self.conn.execute("INSERT INTO history(loop_id, at, kind, text) VALUES (?,?,?,?)",
                              (loop_id, at.isoformat(), kind, text))

    @contextmanager
    def _unhurried(self, unhurried: bool = True) -> Iterator[None]:
        """Statements committed without waiting for the disk (``synchronous=NORMAL``).
        Killing the process loses nothing committed either way (the write-ahead log is in
        the system's cache); only a power cut may lose such commits, and since the log is
        written in order, any later commit that waits for the disk (an intent) takes them
        to the disk with it. Inside a transaction the transaction's commit decides."""
        if not unhurried or self.conn.in_transaction:
            yield
            return
        self.conn.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            self.conn.execute("PRAGMA synchronous=FULL")

    def history(self, loop_id: str) -> list[Entry]:
        """The loop's history, in the order it was written."""
        rows = self.conn.execute("SELECT loop_id, at, kind, text FROM history WHERE loop_id=? ORDER BY id",
                                 (loop_id,))
        return [Entry(r[0], _dt(r[1]), r[2], r[3]) for r in rows]

    def events(self) -> dict[str, tuple[str, datetime]]:
        """The events of the last complete calendar read: UID -> (title, first start)."""
        rows = self.conn.execute("SELECT uid, title, start FROM events")
        return {r[0]: (r[1], _dt(r[2])) for r in rows}

    def save_events(self, events: dict[str, tuple[str, datetime]]) -> bool:
        """Keep ``events`` (UID -> (title, first start)) as the last read; writes only when
        they changed (an idle pass writes nothing). True when something changed."""
        before = {uid: (title, start.isoformat()) for uid, (title, start) in self.events().items()}
        after = {uid: (title, start.isoformat()) for uid, (title, start) in events.items()}
        if before == after:
            return False
        for uid in before.keys() - after.keys():
            self.conn.execute("DELETE FROM events WHERE uid=?", (uid,))
        for uid, (title, start) in after.items():
            if before.get(uid) != (title, start):
                self.conn.execute(
                    "INSERT INTO events(uid, title, start) VALUES (?,?,?) "
                    "ON CONFLICT(uid) DO UPDATE SET title=excluded.title, start=excluded.start",
                    (uid, title, start))
        return True

    # --- cursors -----------------------------------------------------------------

    def cursor(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM cursors WHERE name=?", (name,)).fetchone()
        return row[0] if row else None

    def set_cursor(self, name: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO cursors(name, value) VALUES (?,?) ON CONFLICT(name) DO UPDATE SET value=excluded.value",
            (name, value),
        )

    # --- the state's own time ----------------------------------------------------

    def last_pass_at(self) -> datetime | None:
        """The latest moment a pass recorded anything at (a loop, an artifact, a provider's
        health, a skipped item), or None for a fresh state. The state never goes back
        before it: a pass at an earlier moment would undo what was done since
        (``engine.reconcile.one_pass`` refuses it). Idle passes refresh the health at most
        every ``HEALTH_REFRESH``, so this may lag the last pass by that much: a pass that
        wrote nothing has nothing to undo."""
        columns = [("loops", "first_seen"), ("loops", "updated"), ("artifacts", "updated"),
                   ("health", "since"), ("health", "last_ok"), ("problems", "seen")]
        found = []
        for table, column in columns:  # the latest of each column found by SQLite (julianday reads the offsets)
            row = self.conn.execute(f"SELECT {column} FROM {table} WHERE {column} != '' "
                                    f"ORDER BY julianday({column}) DESC LIMIT 1").fetchone()
            if row:
                found.append(_dt(row[0]))
        return max(found, default=None)

    # --- provider health ---------------------------------------------------------

    def health(self) -> dict[str, Health]:
        rows = self.conn.execute("SELECT role, ok, problem, detail, since, last_ok FROM health")
        return {
            r[0]: Health(r[0], bool(r[1]), r[2], r[3], _dt(r[4]), _dt(r[5]) if r[5] else None) for r in rows
        }

    def record_health(self, role: str, failure: tuple[str, str] | None, now: datetime) -> Health | None:
        """Record a pass's outcome for ``role`` (``failure``: a key of PROBLEMS and the message).

        Returns the health recorded before, so that the caller can tell what changed."""
        before = self.health().get(role)
        if failure is None:
            if before is not None and before.ok and before.last_ok and now - before.last_ok < HEALTH_REFRESH:
                return before
            since = before.since if before is not None and before.ok else now
            row = (role, 1, "", "", since.isoformat(), now.isoformat())
        else:
            problem, detail = failure
            if before is not None and not before.ok and before.detail == detail:
                return before
            since = before.since if before is not None and not before.ok else now
            last_ok = before.last_ok.isoformat() if before is not None and before.last_ok else ""
            row = (role, 0, problem, detail, since.isoformat(), last_ok)
        self.conn.execute(
            "INSERT INTO health(role, ok, problem, detail, since, last_ok) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(role) DO UPDATE SET ok=excluded.ok, problem=excluded.problem, "
            "detail=excluded.detail, since=excluded.since, last_ok=excluded.last_ok",
            row,
        )
        return before

    # --- items skipped after an unexpected error -----------------------------------

    def problems(self) -> dict[str, Problem]:
        rows = self.conn.execute("SELECT item, part, detail, since, seen FROM problems ORDER BY since, item")
        return {r[0]: Problem(r[0], r[1], r[2], _dt(r[3]), _dt(r[4])) for r in rows}

    def save_problems(self, found: dict[str, tuple[str, str]], done: set[str], now: datetime) -> None:
        """Record the items a pass skipped (``found``: item -> (part, detail)).

        An item skipped before keeps its ``since``. One no longer skipped is forgotten when
        its part (``done``) ran whole in this pass, except a message: it is not read
        again, so it stays listed for ``PROBLEM_KEPT``. Nothing is written when nothing
        changed (an idle pass writes nothing)."""
        before = self.problems()
        for item, (part, detail) in found.items():
            old = before.get(item)
            if old is not None and old.detail == detail and now - old.seen < HEALTH_REFRESH:
                continue
            since = old.since if old is not None else now
            self.conn.execute(
                "INSERT INTO problems(item, part, detail, since, seen) VALUES (?,?,?,?,?) "
                "ON CONFLICT(item) DO UPDATE SET part=excluded.part, detail=excluded.detail, seen=excluded.seen",
                (item, part, detail, since.isoformat(), now.isoformat()),
            )
        for item, old in before.items():
            if item in found:
                continue
            kept = old.part == "mailbox" and now - old.since < PROBLEM_KEPT
            if (old.part in done and not kept) or now - old.seen >= PROBLEM_KEPT:
                self.conn.execute("DELETE FROM problems WHERE item=?", (item,))

    # --- artifacts ---------------------------------------------------------------

    def artifacts(self, keys: list[str] | None = None) -> dict[str, Artifact]:
        """Every artifact by its key; with ``keys``, those of them that are recorded."""
        query = "SELECT key, loop_id, step, kind, status, ref, digest, note, inputs, previous FROM artifacts"
        if keys is None:
            rows = self.conn.execute(query)
        else:
            rows = self.conn.execute(f"{query} WHERE key IN ({','.join('?' * len(keys))})", keys)
        return {r[0]: Artifact(*r) for r in rows}

    def record(self, a: Artifact, now: datetime) -> None:
        """Record an artifact's status, committed at once. An intent is on the disk before
        this returns (the write it announces may follow at once); any other status may wait
        for the next intent or checkpoint to reach the disk (``_unhurried``): a power cut
        that loses it leaves the intent, which the next pass settles by the key."""
        with self._unhurried(a.status not in OPEN_INTENTS):
            self._record(a, now)

    def _record(self, a: Artifact, now: datetime) -> None:
        self.conn.execute(
            "INSERT INTO artifacts(key, loop_id, step, kind, status, ref, digest, note, inputs, previous, updated) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET status=excluded.status, "
            "ref=excluded.ref, digest=excluded.digest, note=excluded.note, inputs=excluded.inputs, "
            "previous=excluded.previous, updated=excluded.updated",
            (a.key, a.loop_id, a.step, a.kind, a.status, a.ref, a.digest, a.note, a.inputs, a.previous,
             now.isoformat()),
        )


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]


def _unreadable(path: Path | None, exc: Exception) -> StateError:
    return StateError(
        f"state database {path} cannot be read: {exc}",
        hint="it was not changed; move it aside (or restore a backup) to start over",
    )


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


@contextmanager
def exclusive(directory: Path, wait_seconds: float = 60.0) -> Iterator[None]:
    """One pass at a time: an advisory lock, freed by the kernel if the process dies."""
    private_dir(directory)
    with _folder_errors(directory):
        fd = os.open(directory / "lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        import time as _time

        deadline = _time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if _time.monotonic() >= deadline:
                    raise Transient(f"another interview-followup is working on {directory}") from None
                _time.sleep(0.1)
        yield
    finally:
        os.close(fd)
