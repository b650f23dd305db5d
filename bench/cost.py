"""Issue 17's table in one run: every figure beside its floor, measured in the same run on
the same machine (prints figures; not a test).

    .venv/bin/python bench/cost.py [--messages 50000] [--runs 3]

It runs the other scripts' measurements one after the other and ends with one table:

- an idle pass where nothing changed (``idle_5k``), for the 35-event example calendar and a
  5,000-event one, each with a Maildir of MESSAGES: CPU of the daemon's pass against the
  providers' own checks done by hand; target at most 2 ms beyond them;
- first passes on MESSAGES of mail (``first_pass``), Maildir and IMAP (a real Dovecot): wall
  time against listing and reading the window's files, and against log-in + ``UID SEARCH
  SINCE`` + FETCH of the header fields; target under 2 s each;
- the daemon's whole first pass on the 5,000-event calendar (``calendar_5k``) against
  ``from_ical`` + one expansion of the file; target at most 1.5x;
- a reply's APPEND to its loop being closed by the running daemon with IDLE on
  (``imap_bench``, 1,000 messages) against a bare IDLE client's APPEND -> EXISTS; targets
  1.15x median and 1.3x worst;
- ``--version`` and ``status`` against ``python -c pass`` (``startup``, byte-compiled);
  targets 2x and 3x.

Needs Dovecot (``bash tests/run.sh`` installs it). About five minutes on two cores.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH.parent / "tests")]

import calendar_5k  # noqa: E402
import first_pass  # noqa: E402
import idle_5k  # noqa: E402
import imap_bench  # noqa: E402
import startup  # noqa: E402


@dataclass
class Row:
    """One line of the table: what was measured, the product's figure and its floor (in
    seconds), the target in words and whether it was met."""

    what: str
    product: float
    floor: float
    floor_what: str
    target: str
    met: bool


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3, help="runs of the calendar bench (best of)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # the passes' findings about the generated data
    rows: list[Row] = []

    print("== idle passes (idle_5k)")
    small = (BENCH.parent / "examples" / "calendar.ics").read_text()
    for label, cal in (("35-event", small), ("5,000-event", idle_5k.big_calendar())):
        idle, floor = idle_5k.measure(label, cal, args.messages)
        rows.append(Row(f"idle pass, {label} calendar, {args.messages:,} mail", idle, floor,
                        "stat of the calendar and the Maildir folders", "<= 2 ms CPU beyond",
                        idle - floor <= 0.002))

    print("\n== first passes (first_pass)")
    world = first_pass.build_world(args.messages)
    with tempfile.TemporaryDirectory(prefix="cost-") as tmp:
        wall, floor = first_pass.run_maildir(world, Path(tmp))
        rows.append(Row(f"first pass, Maildir {args.messages:,}", wall, floor,
                        "list + stat + read the window's files", "<= 2 s", wall <= 2))
        wall, floor = first_pass.run_imap(world, Path(tmp))
        rows.append(Row(f"first pass, IMAP {args.messages:,}", wall, floor,
                        "UID SEARCH SINCE + FETCH of header fields", "<= 2 s", wall <= 2))
    del world

    print("\n== a 5,000-event calendar (calendar_5k)")
    whole, floor = calendar_5k.main([str(args.runs)])
    rows.append(Row("first pass, 5,000-event calendar", whole, floor, "from_ical + between",
                    "<= 1.5x", whole <= 1.5 * floor))

    print("\n== replies at the server's speed (imap_bench)")
    got = imap_bench.measure(1000)
    rows.append(Row("reply APPEND -> loop closed, median", got["median"], got["floor median"],
                    "raw client APPEND -> EXISTS", "<= 1.15x", got["median"] <= 1.15 * got["floor median"]))
    rows.append(Row("reply APPEND -> loop closed, worst", got["worst"], got["floor worst"],
                    "raw client APPEND -> EXISTS", "<= 1.3x", got["worst"] <= 1.3 * got["floor worst"]))

    print("\n== start-up (startup)")
    medians = startup.main(21)
    floor = medians["python -c pass"]
    for name, target in (("--version", 2), ("status", 3)):
        rows.append(Row(f"`{name}`", medians[name], floor, "python -c pass", f"<= {target}x",
                        medians[name] <= target * floor))

    print("\n== issue 17, one run")
    print(f"{'figure':<46} {'product':>9} {'floor':>9}  {'ratio':>6}  {'target':<20} floor measured")
    for r in rows:
        ratio = f"{r.product / r.floor:.2f}x" if r.floor > 0 else "-"
        print(f"{r.what:<46} {_ms(r.product):>9} {_ms(r.floor):>9}  {ratio:>6}  "
              f"{r.target + (' ok' if r.met else ' MISSED'):<20} {r.floor_what}")
    missed = [r.what for r in rows if not r.met]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} targets met" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
