"""The daemon gives memory freed during a pass back to the system (glibc keeps it otherwise,
and the resident size would stay at the busiest pass's high-water mark)."""

from __future__ import annotations

import ctypes.util
import platform
import subprocess
import sys

import pytest

PROGRAM = """
import ctypes
from interview_followup.daemon.service.heap import give_back_free_memory

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD: these blocks come from the heap, as a pass's do

def rss_mib():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

blocks = [libc.malloc(64 * 1024) for _ in range(1200)]  # about 75 MiB
for b in blocks:
    ctypes.memset(b, 1, 64 * 1024)
for b in blocks[::2]:  # every other one: each freed block lies between two still in use,
    libc.free(b)       # so the heap can neither merge them nor shrink at its top
freed = rss_mib()
give_back_free_memory()
print(freed, rss_mib())
"""


@pytest.mark.skipif(platform.system() != "Linux" or "musl" in (ctypes.util.find_library("c") or ""),
                    reason="malloc_trim is glibc's")
def test_memory_freed_in_a_pass_goes_back_to_the_system():
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True).stdout
    freed, after = map(float, out.split())
    assert freed - after > 30, (freed, after)


def test_giving_memory_back_is_harmless_when_there_is_nothing_to_give():
    from interview_followup.daemon.service.heap import give_back_free_memory

    give_back_free_memory()
    give_back_free_memory()
