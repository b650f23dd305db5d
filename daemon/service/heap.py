"""Giving memory freed during a pass back to the system.

A pass allocates and frees a few MiB (calendar answers, parsed messages, the plans). glibc's
allocator keeps freed memory for reuse, and a long run of passes leaves the process's
resident size at the high-water mark of the busiest pass it ever had, growing in steps
whenever a pass is busier than all before it. ``malloc_trim`` hands the free pages back,
so the resident size follows what is really in use, and a leak (or its absence) shows.
Where the C library has no ``malloc_trim`` (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import functools


@functools.cache
def _malloc_trim():
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library the process runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def give_back_free_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
