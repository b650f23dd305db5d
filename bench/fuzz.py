#!/usr/bin/env python3
"""Fuzz the calendar and mail parsers through whole passes, and print the figures.

    python bench/fuzz.py [INPUTS] [--seed N]

Each input is a mutated corpus file run beside a control interview and a control reply
(tests/fuzzing.py), in a forked child with a 10 s limit; prints the inputs, crashes, hangs,
inputs over 300 MiB, the peak memory and the slowest input, and the first few failures.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzzing import Fuzzer, inputs, summary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("count", nargs="?", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    fuzzer = Fuzzer()
    started = time.monotonic()
    results = []
    try:
        for i, item in enumerate(inputs(args.seed, args.count), 1):
            results.append(fuzzer.run(item))
            if i % 50 == 0:
                print(f"  {i} inputs, {time.monotonic() - started:.0f} s", file=sys.stderr)
    finally:
        fuzzer.close()
    s = summary(results, 300)
    kinds = Counter(r["kind"] for r in results)
    print(f"seed {args.seed}: {s['inputs']} inputs ({kinds['calendar']} calendars, {kinds['mail']} messages) "
          f"in {time.monotonic() - started:.0f} s")
    print(f"crashes {len(s['crashes'])}, hangs over 10 s {len(s['hangs']) + len(s['slow'])}, "
          f"over 300 MiB {len(s['over_memory'])}, control lost {len(s['control_lost'])}")
    print(f"peak memory of one input {s['peak_mib']} MiB; slowest input {s['slowest_s']} s")
    for label in ("crashes", "hangs", "over_memory", "control_lost"):
        for r in s[label][:5]:
            print(f"  {label}: {r['name']} ({r.get('seconds')} s, {r.get('peak_mib')} MiB) {(r.get('crash') or '')[-300:]}")


if __name__ == "__main__":
    main()
