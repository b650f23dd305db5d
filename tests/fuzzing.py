"""A mutation fuzzer for the calendar and mail parsers, run through whole passes.

Each input is a mutation of a real file from the corpora (``tests/calendars/*.ics``,
``tests/replies/*.eml``): byte flips, truncation, duplicated lines and parts, huge fields,
deep nesting, hostile recurrence rules, invalid charsets, NULs, storms of quotes and
encoded words. It is put beside a *control*: a calendar file of its own holding an
interview (``Controlco``), and, in the mailbox, a rejection from that interviewer. One
``once`` pass runs over the lot, then ``status --json``; the input passes when nothing
escaped the pass (no traceback), the control interview became a loop and the control
reply closed it as a rejection — one bad file or message must not cost the others.

Every input runs in a child forked from a warmed-up worker process (everything imported
once), with a time limit (the child is killed by SIGALRM) and an address-space limit as a
safety net; the worker measures each child's peak resident memory (``wait4``). The worker
is a process of its own so that forking never copies a test session's threads.

Used by ``tests/test_fuzz.py`` (a fixed seed, a few hundred inputs) and ``bench/fuzz.py``
(as many as you like). Run as ``python tests/fuzzing.py worker`` it is the worker: JSON
requests on stdin, one JSON answer a line on stdout.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CALENDARS = HERE / "calendars"
REPLIES = HERE / "replies"

NOW = "2026-11-25T12:00:00+01:00"  # after the control interview and its reply
TIME_LIMIT_S = 10
MAX_INPUT_BYTES = 64 << 20  # above the 50 MB calendar limit, so refusing by size is fuzzed too
SAFETY_AS_BYTES = 3 << 30  # a runaway child fails with MemoryError rather than taking the machine

CONTROL_CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fuzz control//EN\r\n"
    "BEGIN:VEVENT\r\nUID:control-interview@fuzz.example\r\nDTSTAMP:20261101T090000Z\r\n"
    "DTSTART;TZID=Europe/Berlin:20261119T100000\r\nDTEND;TZID=Europe/Berlin:20261119T110000\r\n"
    "SUMMARY:Interview with Controlco\r\n"
    "ATTENDEE;CN=Casey Control;PARTSTAT=ACCEPTED:mailto:casey@controlco.example\r\n"
    "ATTENDEE;CN=Alex Example;PARTSTAT=ACCEPTED:mailto:alex@example.org\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)

CONTROL_REPLY = (
    "From: Casey Control <casey@controlco.example>\r\n"
    "To: Alex Example <alex@example.org>\r\n"
    "Subject: Your application at Controlco\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <control-reply@controlco.example>\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    "Dear Alex,\r\n\r\nthank you for your time. Unfortunately we have decided not to move forward "
    "with your application.\r\n\r\nBest regards,\r\nCasey\r\n"
)

CONFIG = """\
[profile]
name = "Alex Example"
email = "alex@example.org"
timezone = "Europe/Berlin"

[state]
dir = "state"

[calendar]
kind = "ics"
path = "calendars"

[mailbox]
kind = "maildir"
path = "Mail"

[reminders]
kind = "ics"
path = "reminders.ics"
"""


# --- mutations -----------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, max(1, len(b) // 50))):
        if b:
            b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(max(1, len(data)))]


def _times(piece: bytes, wanted: int, data: bytes) -> int:
    """``wanted`` copies of ``piece``, or fewer: the result stays within MAX_INPUT_BYTES (a
    mutation of a mutation must not build gigabytes before the size check sees it)."""
    room = max(0, MAX_INPUT_BYTES - len(data))
    return max(1, min(wanted, room // max(1, len(piece))))


def duplicate_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i] * _times(lines[i], rng.choice([1, 2, 50]), data))
    return b"".join(lines)


def duplicate_part(data: bytes, rng: random.Random) -> bytes:
    """A BEGIN..END block (calendars) or a MIME part (mail) repeated many times."""
    blocks = re.findall(rb"BEGIN:VEVENT.*?END:VEVENT\r?\n", data, re.S)
    if blocks:
        block = rng.choice(blocks)
        return data.replace(block, block * _times(block, rng.choice([2, 100, 2000]), data), 1)
    m = re.search(rb'boundary="?([^";\r\n]+)', data)
    if m:
        sep = b"--" + m.group(1)
        parts = data.split(sep)
        if len(parts) > 2:
            part = parts[1]
            return sep.join(parts[:2] + [part] * _times(part + sep, rng.choice([2, 100, 2000]), data) + parts[2:])
    return duplicate_lines(data, rng)


def huge_field(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    size = rng.choice([100_000, 1_000_000, 5_000_000])
    filler = rng.choice([b"A", b"\"", b"\\", b" ", b"=?utf-8?q?x?= ", b"a,", b"<>", b"\xc3\xa9"])
    name = rng.choice([b"SUMMARY:", b"DESCRIPTION:", b"ATTENDEE:mailto:", b"From: ", b"Subject: ",
                       b"References: ", b"To: ", b"X-Long: "])
    lines.insert(i, name + filler * (size // len(filler)) + b"\r\n")
    return b"".join(lines)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([100, 2000, 20000])
    if b"BEGIN:VCALENDAR" in data:
        nest = b"BEGIN:VEVENT\r\n" * depth + b"END:VEVENT\r\n" * depth
        return data.replace(b"END:VCALENDAR", nest + b"END:VCALENDAR", 1)
    head = b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"
    body = b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i, i + 1)
                    for i in range(depth))
    return data.split(b"\n\n", 1)[0].replace(b"Content-Type", b"X-Old-Content-Type") + b"\r\n" + head + body


HOSTILE_RULES = [
    b"RRULE:FREQ=SECONDLY",
    b"RRULE:FREQ=MINUTELY",
    b"RRULE:FREQ=MINUTELY;INTERVAL=1;COUNT=100000000",
    b"RRULE:FREQ=DAILY;COUNT=1000000000",
    b"RRULE:FREQ=HOURLY;BYSECOND=" + b",".join(b"%d" % i for i in range(60)),
    b"RRULE:FREQ=YEARLY;BYMONTH=13",
    b"RRULE:FREQ=WEEKLY;UNTIL=99991231T000000Z",
    b"RRULE:FREQ=DAILY;INTERVAL=0",
    b"RDATE:" + b",".join(b"2026112%dT100000Z" % (i % 10) for i in range(20000)),
    b"EXDATE:" + b"x" * 10000,
]


def hostile_recurrence(data: bytes, rng: random.Random) -> bytes:
    rule = rng.choice(HOSTILE_RULES) + b"\r\n"
    if b"BEGIN:VEVENT" in data:
        out = re.sub(rb"RRULE:[^\r\n]*\r?\n", b"", data)
        return out.replace(b"BEGIN:VEVENT\r\n", b"BEGIN:VEVENT\r\n" + rule).replace(
            b"BEGIN:VEVENT\n", b"BEGIN:VEVENT\n" + rule)
    return data


def invalid_charset(data: bytes, rng: random.Random) -> bytes:
    junk = rng.choice([b"x-junk", b"utf-16", b"utf-7", b"unknown-8bit", b"\"\"", b"iso-2022-jp", b"cp1252\x00"])
    if re.search(rb"charset=", data, re.I):
        return re.sub(rb"charset=\"?[\w-]+\"?", b"charset=" + junk, data, count=0, flags=re.I)
    words = b" ".join(b"=?" + junk + b"?q?w" + str(i).encode() + b"?=" for i in range(rng.choice([10, 10000])))
    return b"Subject: " + words + b"\r\n" + data


def nuls(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        b.insert(rng.randrange(len(b) + 1), 0)
    return bytes(b)


def header_storm(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["quotes", "words", "headers", "addresses"])
    if kind == "quotes":
        extra = b"From: " + b"\"" * 50_000 + b"\r\n"
    elif kind == "words":
        extra = b"From: " + b" ".join(b"=?utf-8?b?QQ==?=" for _ in range(10_000)) + b" <x@y.example>\r\n"
    elif kind == "headers":
        extra = b"".join(b"X-H%d: v\r\n" % i for i in range(50_000))
    else:
        extra = b"To: " + b", ".join(b"p%d@x.example" % i for i in range(100_000)) + b"\r\n"
    return extra + data


MUTATORS = [flip_bytes, truncate, duplicate_lines, duplicate_part, huge_field, deep_nesting,
            hostile_recurrence, invalid_charset, nuls, header_storm]


@dataclass
class Input:
    kind: str  # "calendar" or "mail"
    name: str  # what it was made from, and how
    data: bytes


def inputs(seed: int, count: int) -> list[Input]:
    """``count`` mutated inputs, half calendars and half mail, the same for the same seed."""
    rng = random.Random(seed)
    cals = sorted(CALENDARS.glob("*.ics"))
    mails = sorted(REPLIES.glob("*.eml"))
    out = []
    for i in range(count):
        kind = "calendar" if i % 2 == 0 else "mail"
        src = rng.choice(cals if kind == "calendar" else mails)
        data = src.read_bytes()
        names = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            m = rng.choice(MUTATORS)
            mutated = m(data, rng)
            if len(mutated) <= MAX_INPUT_BYTES:  # past that, a mutation of a mutation is only bigger
                data = mutated
                names.append(m.__name__)
        out.append(Input(kind, f"{src.name}:{'+'.join(names)}", data))
    return out


# --- running one input (in the forked child) ---------------------------------------------


def _world(root: Path, item: Input, source: Path) -> None:
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    cal = root / "calendars"
    cal.mkdir()
    (cal / "control.ics").write_text(CONTROL_CALENDAR, encoding="utf-8")
    md = root / "Mail"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    delivered = time.mktime((2026, 11, 23, 10, 0, 0, 0, 0, -1))
    ctl = md / "new" / "1795424400.control.fuzz"
    ctl.write_text(CONTROL_REPLY, encoding="utf-8")
    os.utime(ctl, (delivered, delivered))
    if item.kind == "calendar":
        shutil.copyfile(source, cal / "fuzz.ics")
    else:
        f = md / "new" / "1795424500.fuzz.fuzz"
        shutil.copyfile(source, f)
        os.utime(f, (delivered, delivered))


def _cli(main, argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue()


def run_input(item: Input, source: Path) -> dict:
    """One pass over the input and the controls; what happened (in the child)."""
    from interview_followup.daemon.cli.main import main
    from interview_followup.daemon.common import logs

    contained: list[str] = []

    class Contained(logging.Handler):  # a bug the engine caught at its item still counts as a crash
        def emit(self, record: logging.LogRecord) -> None:
            contained.append(self.format(record))

    handler = Contained()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.getLogger(logs.BUG_LOGGER).addHandler(handler)
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        _world(root, item, source)
        argv = ["--config", str(root / "config.toml"), "--now", NOW]
        result = {"crash": "", "code": None, "control_interview": False, "control_reply": False}
        try:
            result["code"], _ = _cli(main, [*argv, "once"])
            if contained:
                result["crash"] = "contained: " + contained[0][-3000:]
            code, out = _cli(main, [*argv, "status", "--json"])
        except MemoryError:
            result["crash"] = "MemoryError"
            return result
        except BaseException as exc:  # noqa: BLE001 - anything escaping the pass is what we look for
            import traceback

            result["crash"] = "".join(traceback.format_exception(exc))[-3000:]
            return result
        loops = json.loads(out).get("loops", []) if code == 0 else []
        ctl = [lp for lp in loops if lp.get("company") == "Controlco"]
        result["control_interview"] = bool(ctl)
        result["control_reply"] = bool(ctl) and ctl[0].get("outcome") in ("rejected", "rejection")
        return result


# --- the worker: forks a child per input, with limits ------------------------------------


def worker() -> None:
    import interview_followup.daemon.cli.main  # noqa: F401 - warm: imported once, shared by every child
    import interview_followup.daemon.engine.reconcile  # noqa: F401
    import interview_followup.integrations.ics_calendar  # noqa: F401
    import interview_followup.integrations.ics_reminders  # noqa: F401
    import interview_followup.integrations.maildir_mailbox  # noqa: F401

    for line in sys.stdin:
        req = json.loads(line)
        item = Input(req["kind"], req["name"], b"")  # the data stays in its file: copied, never held
        source = Path(req["path"])
        r, w = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(r)
            try:
                resource.setrlimit(resource.RLIMIT_AS, (SAFETY_AS_BYTES, SAFETY_AS_BYTES))
                signal.alarm(TIME_LIMIT_S)  # default action: the child is killed
                answer = run_input(item, source)
            except BaseException as exc:  # noqa: BLE001
                answer = {"crash": f"{type(exc).__name__}: {exc}"[:3000]}
            with os.fdopen(w, "w") as out:
                out.write(json.dumps(answer))
            os._exit(0)
        os.close(w)
        with os.fdopen(r) as inp:
            text = inp.read()
        _, status, usage = os.wait4(pid, 0)
        seconds = time.monotonic() - started
        answer = json.loads(text) if text else {}
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            answer = {"crash": "" if sig == signal.SIGALRM else f"killed by signal {sig}",
                      "hang": sig == signal.SIGALRM}
        answer.update(name=item.name, kind=item.kind, seconds=round(seconds, 3),
                      peak_mib=round(usage.ru_maxrss / 1024, 1))
        print(json.dumps(answer), flush=True)


class Fuzzer:
    """The test's or bench's side: starts the worker and feeds it inputs."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONHASHSEED="0")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def run(self, item: Input) -> dict:
        assert self.proc.stdin and self.proc.stdout
        with tempfile.NamedTemporaryFile(prefix="fuzz-input-") as f:
            f.write(item.data)
            f.flush()
            self.proc.stdin.write(json.dumps({"kind": item.kind, "name": item.name, "path": f.name}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fuzz worker died on {item.name}")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def summary(results: list[dict], memory_limit_mib: float) -> dict:
    return {
        "inputs": len(results),
        "crashes": [r for r in results if r.get("crash")],
        "hangs": [r for r in results if r.get("hang")],
        "slow": [r for r in results if r.get("seconds", 0) > TIME_LIMIT_S],
        "over_memory": [r for r in results if r.get("peak_mib", 0) > memory_limit_mib],
        "control_lost": [r for r in results if not r.get("crash") and not r.get("hang")
                         and not (r.get("control_interview") and r.get("control_reply"))],
        "peak_mib": max((r.get("peak_mib", 0) for r in results), default=0),
        "slowest_s": max((r.get("seconds", 0) for r in results), default=0),
    }


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    sys.path.insert(0, str(HERE))
    worker()
