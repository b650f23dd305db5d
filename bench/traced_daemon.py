"""Run the daemon with tracemalloc on, for finding what holds memory in a long soak.

``python bench/traced_daemon.py DIR -- <the daemon's arguments>``: on each SIGUSR2 a
snapshot of the Python heap is written to DIR/NNNN.snap (``bench/soak.py --tracemalloc``
sends one after every round and compares them at the end). Only Python allocations are
traced: memory held by C libraries (OpenSSL, SQLite, the allocator's free lists) shows in
RSS but not here, which is itself worth knowing.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import runpy
import signal
import sys
import tempfile
import tracemalloc
from pathlib import Path


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def allocators() -> dict:
    """What the two allocators under Python hold: pymalloc's arenas (sys._debugmallocstats
    writes them to fd 2, so it is read back from a file) and glibc's heap (mallinfo2)."""
    figures: dict = {}
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        try:
            os.dup2(tmp.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        for line in tmp.read().decode(errors="replace").splitlines():
            if line.startswith("# arenas allocated current") or line.startswith("# bytes in allocated blocks"):
                figures[line[2:].split("=")[0].strip()] = int(line.split("=")[1].replace(",", "").strip())
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
        mallinfo2.restype = _MallInfo2
        info = mallinfo2()
        figures.update({"glibc_heap": info.arena, "glibc_in_use": info.uordblks, "glibc_free": info.fordblks,
                        "glibc_mmapped": info.hblkhd})
    except (AttributeError, OSError):
        pass
    return figures


def main() -> None:
    out = Path(sys.argv[1])
    args = sys.argv[sys.argv.index("--") + 1:]
    out.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(12)
    count = 0

    def dump(signum, frame):
        nonlocal count
        gc.collect()
        snap = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap>")))
        part = out / f"{count:04d}.part"
        snap.dump(str(part))
        os.replace(part, out / f"{count:04d}.snap")
        with open(out / "stats.jsonl", "a") as f:
            f.write(json.dumps({"n": count, "traced": tracemalloc.get_traced_memory()[0], **allocators()}) + "\n")
        count += 1

    signal.signal(signal.SIGUSR2, dump)
    sys.argv = ["interview-followup", *args]
    runpy.run_module("interview_followup.daemon", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
