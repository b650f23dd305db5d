"""Durable file writes shared by the core and the providers, and what a failed file
operation means for the user (``os_error``)."""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

from interview_followup.daemon.errors import FollowupError, NeedsUser, Transient

log = logging.getLogger(__name__)

# What an errno means. No space (a full disk or quota) is temporary: the world may free
# some, and nothing was lost (exit 75). Permissions and a read-only file system are the
# user's to fix (exit 2), as is a path that is not what it should be. Anything else (an
# I/O error, a file system gone away) is retried later.
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
NO_PERMISSION = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
BAD_PATH = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP, errno.EEXIST, errno.ENAMETOOLONG})


def os_error(exc: OSError, what: str, path: Path | str | None = None, hint: str = "") -> FollowupError:
    """The ``NeedsUser`` or ``Transient`` that ``exc`` means, naming the path.

    ``what`` names the thing for the user ("state folder", "reminders file", "Maildir");
    ``path`` is the one it is about (the file the exception names is added when it is
    another, e.g. a temporary file beside it); ``hint`` says what the user can do
    about a permission or path problem. The one mapping from errno to exit status:
    ENOSPC and EDQUOT are temporary (75), EACCES, EPERM and EROFS are for the user (2),
    and so is a path that does not exist or is not a folder; the rest is temporary."""
    named = os.fsdecode(exc.filename) if exc.filename is not None else ""
    where = os.fsdecode(path) if path is not None else named
    reason = exc.strerror or type(exc).__name__
    if named and named != where:
        reason += f" ({named})"
    head = f"{what} {where}".rstrip()
    code = exc.errno
    if code in NO_SPACE:
        return Transient(f"{head}: {reason} (no space left: nothing was lost; retried later)")
    if code in NO_PERMISSION:
        return NeedsUser(
            f"{head}: {reason}",
            hint=hint or "make it writable for this user (and its file system writable), or change the configuration",
        )
    if code in BAD_PATH:
        return NeedsUser(f"{head}: {reason}", hint=hint or "check the path in the configuration")
    return Transient(f"{head}: {reason}")


def replace_file(target: Path, data: bytes, mode: int) -> None:
    """Put ``data`` at ``target`` atomically and durably: a temp file in the same folder
    (removed again on any failure) is written, given ``mode``, fsynced, renamed over
    ``target``, and the folder fsynced. A reader sees the old file or the new one."""
    import tempfile  # here: start-up (status) writes nothing

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(target.parent)


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a file created, renamed or removed) durable."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def keep_private(path: Path, mode: int = 0o600) -> bool:
    """Give an existing file (or folder, with ``mode`` 0o700) ``mode`` when it has more
    permissions than that, with an info line naming it; True when it was repaired. A
    missing file is fine (False); one whose mode cannot be changed is left, with a warning.
    Only the permission bits are looked at."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if current & ~mode == 0:
        return False
    try:
        os.chmod(path, mode)
    except OSError as exc:  # not ours, or a read-only file system: said, and left as it is
        log.warning("could not make %s private (mode %04o): %s", path, current, exc.strerror)
        return False
    log.info("made %s private (mode %04o, was %04o)", path, mode, current)
    return True
