"""Durable file writes shared by the core and the providers."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(target: Path, data: bytes, mode: int) -> None:
    """Put ``data`` at ``target`` atomically and durably: a temp file in the same folder
    (removed again on any failure) is written, given ``mode``, fsynced, renamed over
    ``target``, and the folder fsynced. A reader sees the old file or the new one."""
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
