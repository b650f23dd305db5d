"""``run``: wakes for the next due step without busy waiting, stops when asked, tells
systemd what it does (sd_notify), survives a suspended machine, reloads on SIGHUP,
notifies the desktop once per event."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import schedule

import interview_followup.daemon.service.runner as service
from conftest import ACME, REPO, vevent
from interview_followup.daemon.clock import FixedClock, OffsetClock
from interview_followup.daemon.config import load
from interview_followup.daemon.service.runner import ClockScheduler, Daemon, run_forever

GLOBEX = vevent("globex-1@test", "20261119T100000", "20261119T110000", "Interview with Globex",
                attendees=(("Sam Lee", "sam@globex.example"),))
START = "2026-11-17T15:29:58+01:00"  # two seconds before the thank-you draft is due


def wait_for(predicate, seconds: float, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_run_wakes_when_a_step_falls_due_and_stops_when_asked(world):
    world.set_calendar(ACME)
    config = load(world.config)
    # two seconds before the thank-you draft is due; the poll interval is five minutes
    clock = OffsetClock(datetime.fromisoformat(START))
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(config, clock), kwargs={"stop": stop})
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not world.drafts():
            time.sleep(0.1)
        assert len(world.drafts()) == 1, "the due step was not picked up"
        cpu_before = time.process_time()
        time.sleep(1.0)
        assert time.process_time() - cpu_before < 0.2, "the idle daemon is busy"
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


# --- sd_notify -----------------------------------------------------------------------------


class NotifySocket:
    """What systemd's end of NOTIFY_SOCKET receives: (monotonic time, {KEY: value})."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, dict[str, str]]] = []
        self.closed = False
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self) -> None:
        while not self.closed:
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines())
            self.messages.append((time.monotonic(), fields))

    def with_key(self, key: str) -> list[tuple[float, str]]:
        return [(t, m[key]) for t, m in list(self.messages) if key in m]

    def close(self) -> None:
        self.closed = True
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path, monkeypatch):
    path = tmp_path / "notify.sock"
    receiver = NotifySocket(str(path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # pings every 0.2 s
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield receiver
    receiver.close()


def start_daemon(config, clock, **kwargs):
    stop = threading.Event()
    d = Daemon(config, clock, stop=stop, **kwargs)
    thread = threading.Thread(target=d.run, daemon=True)
    thread.start()
    return d, stop, thread


def test_ready_comes_after_the_first_pass_then_status_and_watchdog_pings(world, notify_socket):
    world.set_calendar(ACME)
    d, stop, thread = start_daemon(load(world.config), OffsetClock(datetime.fromisoformat("2026-11-17T16:00:00+01:00")))
    try:
        wait_for(lambda: notify_socket.with_key("READY"), 10, "READY=1")
        assert world.drafts(), "READY=1 came before the first pass had done its work"
        wait_for(lambda: len(notify_socket.with_key("WATCHDOG")) >= 5, 5, "watchdog pings")
    finally:
        stop.set()
        thread.join(timeout=10)
    (_, ready), = notify_socket.with_key("READY")
    assert ready == "1"
    statuses = [v for _, v in notify_socket.with_key("STATUS")]
    assert statuses and statuses[-1].startswith("1 open loop, next step: thank-you-nudge for Acme on Wed 18 Nov 18:00")
    pings = [t for t, _ in notify_socket.with_key("WATCHDOG")]
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    assert max(gaps) < 0.4, "a ping came later than the watchdog interval"
    assert not thread.is_alive(), "the daemon did not stop"
    # the datagram is sent before the thread ends; the test's receiving thread may take it later
    wait_for(lambda: notify_socket.with_key("STOPPING"), 5, "STOPPING=1")


def test_a_hung_pass_sends_no_watchdog_ping_so_systemd_can_restart_it(world, notify_socket, monkeypatch):
    world.set_calendar(ACME)
    release = threading.Event()
    passes = []
    real = service.one_pass

    def sometimes_hangs(*args, **kwargs):
        passes.append(time.monotonic())
        if len(passes) == 2:
            release.wait(10)  # the second pass hangs (a server that never answers)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "one_pass", sometimes_hangs)
    d, stop, thread = start_daemon(load(world.config), OffsetClock(datetime.fromisoformat(START)))
    try:
        wait_for(lambda: len(passes) == 2, 10, "the second pass")
        hung_at = time.monotonic()
        time.sleep(1.0)
        during = [t for t, _ in notify_socket.with_key("WATCHDOG") if t > hung_at + 0.05]
        assert during == [], "the watchdog was fed while the pass hung"
        release.set()
        wait_for(lambda: any(t > hung_at + 1.0 for t, _ in notify_socket.with_key("WATCHDOG")), 5, "pings again")
    finally:
        release.set()
        stop.set()
        thread.join(timeout=10)


def test_an_abstract_notify_socket_is_reached(monkeypatch):
    from interview_followup.daemon.service.sdnotify import Notifier

    name = f"interview-followup-test-{os.getpid()}"
    receiver = NotifySocket("\0" + name)
    try:
        n = Notifier({"NOTIFY_SOCKET": "@" + name})
        assert n.ready("3 open loops")
        wait_for(lambda: receiver.messages, 2, "a datagram")
        assert receiver.messages[0][1] == {"READY": "1", "STATUS": "3 open loops"}
    finally:
        receiver.close()
    assert not Notifier({}).ready()  # outside systemd: nothing, silently
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "1"}).watchdog_seconds is None


# --- sleep, suspend and missed times --------------------------------------------------------


def test_schedule_runs_a_job_that_missed_many_times_once():
    """What the daemon relies on in the ``schedule`` library (1.2): after a long sleep a job
    that missed many of its times runs once, and its next run is planned from now."""
    runs = []
    scheduler = schedule.Scheduler()
    job = scheduler.every(5).minutes.do(lambda: runs.append(1))
    job.next_run = datetime.now() - timedelta(hours=9)  # the machine slept for nine hours
    scheduler.run_pending()
    scheduler.run_pending()
    assert runs == [1]
    assert timedelta(minutes=4) < job.next_run - datetime.now() <= timedelta(minutes=5)


class JumpClock(OffsetClock):
    """Real time that can leap ahead, as the wall clock does after a suspended night."""

    def jump(self, delta: timedelta) -> None:
        self.offset += delta


def test_after_sleeping_past_several_due_steps_each_runs_once_in_one_pass(world, monkeypatch):
    monkeypatch.setattr(service, "MAX_SLEEP_SECONDS", 0.2)  # how soon a wake-up is noticed
    world.set_calendar(ACME)
    passes = []
    real = service.one_pass

    def counted(*args, **kwargs):
        passes.append(real(*args, **kwargs))
        return passes[-1]

    monkeypatch.setattr(service, "one_pass", counted)
    clock = JumpClock(datetime.fromisoformat("2026-11-17T12:00:00+01:00"))  # before the interview
    d, stop, thread = start_daemon(load(world.config), clock)
    try:
        wait_for(lambda: len(passes) == 1, 10, "the first pass")
        reminders_before = world.reminder_uids()
        time.sleep(0.5)
        assert len(passes) == 1
        # the lid closes and opens six days later: the debrief, the thank-you, its nudge and
        # the follow-up all fell due meanwhile, and so did some 1,700 poll times
        clock.jump(timedelta(days=6))
        wait_for(lambda: len(passes) == 2, 5, "a pass on waking")
        time.sleep(1.0)
        assert len(passes) == 2, "more than one pass for the missed times"
    finally:
        stop.set()
        thread.join(timeout=10)
    # the thank-you's time passed while asleep: found late, no thank-you six days on (issue 14)
    assert sorted(k.rsplit(".", 1)[1] for k in world.draft_keys()) == ["followup"]
    assert world.reminder_uids() == reminders_before  # each reminder once, none duplicated
    assert any("followup draft" in a for a in passes[1].actions), passes[1].actions


def test_the_poll_job_runs_once_after_missing_many_times_and_plans_from_now():
    """The same for the daemon's poll job, which keeps its times on the program's clock."""
    runs = []
    clock = FixedClock(datetime.fromisoformat("2026-11-17T12:00:00+00:00"))
    scheduler = ClockScheduler(clock)
    job = scheduler.every(5).minutes.do(lambda: runs.append(clock.now()))
    clock.sleep(9 * 3600)  # the machine slept for nine hours
    scheduler.run_pending()
    scheduler.run_pending()
    assert runs == [clock.now()]
    assert job.next_run == clock.now() + timedelta(minutes=5)
    assert job.next_run.utcoffset() == timedelta(0)  # an aware moment in UTC, not naive local time


# --- clock changes: the poll keeps its interval in real time -----------------------------------

# (zone, the moment in UTC at which its clocks change)
SPRING = [("Europe/Berlin", "2026-03-29T01:00:00+00:00"),  # 02:00 CET -> 03:00 CEST
          ("America/New_York", "2026-03-08T07:00:00+00:00")]  # 02:00 EST -> 03:00 EDT
AUTUMN = [("Europe/Berlin", "2026-10-25T01:00:00+00:00"),  # 03:00 CEST -> 02:00 CET
          ("America/New_York", "2026-11-01T06:00:00+00:00")]  # 02:00 EDT -> 01:00 EST


@pytest.fixture
def local_zone():
    """Sets this process's local time zone (TZ and tzset), as the machine's would be; restores it."""
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def local_wall_clock(moment: datetime) -> datetime:
    """What the machine's wall clock shows at ``moment``: naive local time, as ``schedule`` reads it."""
    return datetime.fromtimestamp(moment.timestamp())


def in_zone_across_the_change(local_zone, zone: str, change: str, local_step: timedelta) -> datetime:
    """Sets the zone and checks that its wall clock does step at ``change``: the moment
    two minutes before it."""
    local_zone(zone)
    at = datetime.fromisoformat(change)
    second = timedelta(seconds=1)
    assert local_wall_clock(at) - local_wall_clock(at - second) == local_step + second, \
        f"no clock change for {zone} at {change} here (is tzdata installed?)"
    return at - timedelta(minutes=2)


def polls_across(start: datetime, minutes: int) -> list[datetime]:
    """The poll job's runs, by the clock, as the clock goes on in steps of ten seconds for
    ``minutes`` from ``start`` (the first run at ``start``, as the daemon's first pass)."""
    clock = FixedClock(start)
    scheduler = ClockScheduler(clock)
    runs = []
    job = scheduler.every(5).minutes.do(lambda: runs.append(clock.now()))
    job.run()
    for _ in range(minutes * 6):
        clock.sleep(10)
        scheduler.run_pending()
    return runs


@pytest.mark.parametrize("zone,change", SPRING, ids=[z for z, _ in SPRING])
def test_poll_falls_due_every_five_minutes_across_the_spring_change(local_zone, zone, change):
    start = in_zone_across_the_change(local_zone, zone, change, timedelta(hours=1))
    runs = polls_across(start, 16)
    assert [r - start for r in runs] == [timedelta(minutes=m) for m in (0, 5, 10, 15)], "a burst or a run too early"
    # the wall clock said 65 minutes between the first two
    assert local_wall_clock(runs[1]) - local_wall_clock(runs[0]) == timedelta(minutes=65)


@pytest.mark.parametrize("zone,change", AUTUMN, ids=[z for z, _ in AUTUMN])
def test_poll_falls_due_every_five_minutes_across_the_autumn_change(local_zone, zone, change):
    start = in_zone_across_the_change(local_zone, zone, change, -timedelta(hours=1))
    runs = polls_across(start, 16)
    assert [r - start for r in runs] == [timedelta(minutes=m) for m in (0, 5, 10, 15)], "a run came an hour late"
    # the wall clock went back 55 minutes between the first two
    assert local_wall_clock(runs[1]) - local_wall_clock(runs[0]) == -timedelta(minutes=55)


class Polls:
    """The daemon's loop on a clock that the test moves: the passes it runs, by that clock."""

    def __init__(self, world, monkeypatch, start: datetime):
        from interview_followup.daemon.engine.reconcile import PassReport

        monkeypatch.setattr(service, "MAX_SLEEP_SECONDS", 0.05)  # how soon the loop sees the clock move
        self.clock = FixedClock(start)
        self.passes: list[datetime] = []

        def counted(config, clock, *args, **kwargs):
            self.passes.append(clock.now())
            return PassReport(plans=[], notices={})  # no step due: only the poll wakes the loop

        monkeypatch.setattr(service, "one_pass", counted)
        config = load(world.config)
        self.interval = timedelta(minutes=config.timing.poll_minutes)
        self.daemon, self.stop, self.thread = start_daemon(config, self.clock)
        wait_for(lambda: len(self.passes) == 1, 10, "the first pass")

    def move_to(self, moment: datetime) -> None:
        self.clock.set(moment)

    def expect(self, count: int) -> None:
        if count > len(self.passes):
            wait_for(lambda: len(self.passes) >= count, 5, f"pass {count}")
        time.sleep(0.3)  # a few turns of the loop: no further pass
        assert len(self.passes) == count, self.passes

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.mark.parametrize("zone,change,local_step", [(z, c, timedelta(hours=1)) for z, c in SPRING]
                         + [(z, c, -timedelta(hours=1)) for z, c in AUTUMN],
                         ids=[f"spring-{z}" for z, _ in SPRING] + [f"autumn-{z}" for z, _ in AUTUMN])
def test_the_daemon_polls_five_minutes_of_real_time_later_across_a_clock_change(
        world, monkeypatch, local_zone, zone, change, local_step):
    start = in_zone_across_the_change(local_zone, zone, change, local_step)
    polls = Polls(world, monkeypatch, start)
    try:
        assert polls.interval == timedelta(minutes=5)
        polls.move_to(start + timedelta(minutes=3))  # past the change: the wall clock jumped an hour
        polls.expect(1)
        polls.move_to(start + timedelta(minutes=4, seconds=59))
        polls.expect(1)
        polls.move_to(start + timedelta(minutes=5))
        polls.expect(2)
        polls.move_to(start + timedelta(minutes=10))
        polls.expect(3)
    finally:
        polls.close()
    assert polls.passes == [start, start + timedelta(minutes=5), start + timedelta(minutes=10)]


def test_a_wall_clock_stepped_forward_polls_once_then_every_interval(world, monkeypatch):
    start = datetime.fromisoformat("2026-11-17T12:00:00+00:00")
    polls = Polls(world, monkeypatch, start)
    try:
        jumped = start + timedelta(hours=3, seconds=7)  # an NTP step, or a suspended machine
        polls.move_to(jumped)
        polls.expect(2)  # one pass for the 36 poll times missed, not 36
        polls.move_to(jumped + timedelta(minutes=4, seconds=59))
        polls.expect(2)
        polls.move_to(jumped + timedelta(minutes=5))
        polls.expect(3)
    finally:
        polls.close()
    assert polls.passes == [start, jumped, jumped + timedelta(minutes=5)]


def test_a_wall_clock_stepped_back_still_polls_within_the_interval(world, monkeypatch):
    start = datetime.fromisoformat("2026-11-17T12:00:00+00:00")
    polls = Polls(world, monkeypatch, start)
    try:
        back = start - timedelta(hours=1)  # the clock was an hour fast; NTP sets it right
        polls.move_to(back)
        polls.expect(1)
        assert polls.daemon.job.next_run == back + timedelta(minutes=5), "the poll waits out the hour"
        polls.move_to(back + timedelta(minutes=5))
        polls.expect(2)
    finally:
        polls.close()
    assert polls.passes == [start, back + timedelta(minutes=5)]


def test_the_poll_job_refuses_wall_clock_times():
    scheduler = ClockScheduler(FixedClock(datetime.fromisoformat("2026-11-17T12:00:00+00:00")))
    with pytest.raises(schedule.ScheduleValueError):
        scheduler.every().day.at("09:00").do(print)
    with pytest.raises(schedule.ScheduleValueError):
        scheduler.every().monday.do(print)
    with pytest.raises(schedule.ScheduleValueError):
        scheduler.every(5).minutes.until(timedelta(hours=1))
    assert scheduler.jobs == []


def test_stop_finishes_the_step_in_flight_and_the_next_run_does_the_rest(world, monkeypatch):
    globex = vevent("globex-1@test", "20261117T100000", "20261117T110000", "Interview with Globex",
                    attendees=(("Tom Lee", "tom@globex.example"),))
    world.set_calendar(ACME, globex)
    from interview_followup.integrations.maildir_mailbox import MaildirMailbox

    stop = threading.Event()
    real = MaildirMailbox.write_draft

    def write_then_get_sigterm(self, draft):
        stored = real(self, draft)
        stop.set()  # what SIGTERM does, while this step is in flight
        return stored

    monkeypatch.setattr(MaildirMailbox, "write_draft", write_then_get_sigterm)
    result = []
    thread = threading.Thread(target=lambda: result.append(
        run_forever(load(world.config), OffsetClock(datetime.fromisoformat("2026-11-17T16:00:00+01:00")), stop=stop)))
    thread.start()
    thread.join(timeout=20)
    assert result == [0]
    assert len(world.drafts()) == 1, "the step in flight was finished, and no other began"
    monkeypatch.setattr(MaildirMailbox, "write_draft", real)
    world.once("2026-11-17T16:05:00+01:00")
    assert len(world.drafts()) == 2 and len(set(world.draft_keys())) == 2


# --- the real command: signals and logs ------------------------------------------------------


def spawn(world, *args, env=None, stderr=None):
    return subprocess.Popen(
        [sys.executable, "-P", "-m", "interview_followup.daemon", "--config", str(world.config), *args],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=stderr, env={**os.environ, **(env or {})},
    )


def test_sighup_reloads_a_good_configuration_keeps_the_old_one_on_a_broken_file_and_sigterm_exits_0(world, tmp_path):
    world.set_calendar(ACME)
    log_file = tmp_path / "daemon.log"
    with open(log_file, "wb") as err:
        proc = spawn(world, "--now", "2026-11-17T16:00:00+01:00", "run", stderr=err)
    try:
        wait_for(lambda: b"running;" in log_file.read_bytes() and world.drafts(), 20, "start")
        good = world.config.read_text()
        world.config.write_text(good.replace("[profile]", "[timing]\npoll_minutes = -3\nfoo = 1\n\n[profile]"))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: b"not reloaded" in log_file.read_bytes(), 10, "the broken file reported")
        assert proc.poll() is None, "a broken configuration stopped the daemon"
        text = log_file.read_text()
        assert "timing.poll_minutes" in text and "timing.foo" in text

        world.config.write_text(good.replace("[profile]", "[timing]\npoll_minutes = 7\n\n[profile]"))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: b"configuration reloaded" in log_file.read_bytes(), 10, "the reload")
        wait_for(lambda: b"a pass every 7 minutes" in log_file.read_bytes() or True, 1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log_file.read_text()
    assert "SIGTERM: stopping" in text and text.rstrip().endswith("daemon.service.runner: stopped")
    assert len(world.drafts()) == 1


def test_under_systemd_the_log_has_syslog_levels_and_no_time_stamps(world, tmp_path):
    world.set_calendar(ACME)
    log_file = tmp_path / "journal.log"
    with open(log_file, "wb") as err:
        st = os.fstat(err.fileno())  # what systemd puts in JOURNAL_STREAM: stderr's device and inode
        proc = spawn(world, "--now", "2026-11-17T16:00:00+01:00", "run", stderr=err,
                     env={"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
        try:
            wait_for(lambda: b"write the thank-you draft" in log_file.read_bytes(), 20, "the first pass")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=30) == 0
    lines = log_file.read_text().splitlines()
    assert lines and all(line.startswith("<6>daemon.") for line in lines), lines
    assert not any(line[3:7].isdigit() for line in lines), "a time stamp in a journal line"


def test_journal_lines_carry_the_level_on_every_line():
    import logging

    from interview_followup.daemon.common.logs import JournalFormatter, PlainFormatter, hide, stderr_is_journal

    def record(level, msg):
        return logging.LogRecord("daemon.x", level, __file__, 1, msg, (), None)

    f = JournalFormatter()
    assert f.format(record(logging.ERROR, "one\ntwo")) == "<3>daemon.x: one\n<3>two"
    assert f.format(record(logging.WARNING, "w")) == "<4>daemon.x: w"
    assert f.format(record(logging.DEBUG, "d")) == "<7>daemon.x: d"
    hide("hunter2-secret")
    assert "hunter2" not in f.format(record(logging.INFO, "login with hunter2-secret failed"))
    assert "hunter2" not in PlainFormatter("%(message)s").format(record(logging.INFO, "x hunter2-secret"))
    assert not stderr_is_journal(environ={"JOURNAL_STREAM": "1:2"})
    assert not stderr_is_journal(environ={})


# --- what needs the user ---------------------------------------------------------------------


def fake_notifier(folder: Path, name: str) -> Path:
    """A stand-in for notify-send or gdbus that records its arguments, one call per line."""
    folder.mkdir(parents=True, exist_ok=True)
    calls = folder / "calls.txt"
    script = folder / name
    script.write_text(
        "#!/usr/bin/env python3\nimport json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(0o755)
    return calls


def read_calls(calls: Path) -> list[list[str]]:
    import json

    return [json.loads(line) for line in calls.read_text().splitlines()] if calls.exists() else []


def test_desktop_notifications_come_once_per_event(world, tmp_path, monkeypatch):
    from interview_followup.daemon.engine.attention import Desktop

    monkeypatch.setattr(service, "MAX_SLEEP_SECONDS", 0.2)
    world.set_calendar(ACME)
    calls = fake_notifier(tmp_path / "bin", "notify-send")
    desktop = Desktop({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/dev/null", "PATH": str(tmp_path / "bin")})
    clock = JumpClock(datetime.fromisoformat("2026-11-17T16:00:00+01:00"))
    d, stop, thread = start_daemon(load(world.config), clock, desktop=desktop)
    try:
        wait_for(lambda: len(read_calls(calls)) == 1, 10, "the draft's notification")
        d.mail_arrived.set()  # a few more passes with nothing new
        d.wake.set()
        time.sleep(0.5)
        assert len(read_calls(calls)) == 1
        world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Re: Thank you",
                      date="Tue, 17 Nov 2026 17:00:00 +0100",
                      body="Dear Alex, we regret to tell you that we decided to move forward with other candidates.")
        clock.jump(timedelta(hours=2))
        d.mail_arrived.set()
        d.wake.set()
        wait_for(lambda: len(read_calls(calls)) >= 2, 10, "the reply's notification")
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join(timeout=10)
    got = read_calls(calls)
    titles = [c[-2] for c in got]
    assert titles[0] == "Draft ready: thank-you note to Acme"
    assert any(t.startswith("Acme answered") for t in titles[1:])
    assert len(titles) == len(set(titles)), "a notification was repeated"
    assert all("regret" not in " ".join(c) for c in got), "a message's text reached the desktop"


def test_without_notify_send_gdbus_calls_the_notifications_interface(tmp_path):
    from interview_followup.daemon.engine.attention import Desktop, Notice

    calls = fake_notifier(tmp_path / "bin", "gdbus")
    desktop = Desktop({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/dev/null", "PATH": str(tmp_path / "bin")})
    assert desktop.notify(Notice("Acme's 'answer'", "see status"))
    (args,) = read_calls(calls)
    assert args[:9] == ["call", "--session", "--dest", "org.freedesktop.Notifications", "--object-path",
                        "/org/freedesktop/Notifications", "--method", "org.freedesktop.Notifications.Notify", "--"]
    assert args[9:] == ["'interview-followup'", "uint32 0", "''", "'Acme\\'s \\'answer\\''", "'see status'",
                        "@as []", "@a{sv} {}", "int32 -1"]
    assert not Desktop({"PATH": str(tmp_path / "bin")}).notify(Notice("x")), "no session bus: no notification"


def test_status_shows_the_last_pass_in_which_every_provider_worked(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    out = world.cli("status", now="2026-11-17T16:10:00+01:00").out
    assert "last pass:  Tue 2026-11-17 16:00" in out
    import json

    assert json.loads(world.cli("status", "--json", now="2026-11-17T16:10:00+01:00").out)["last_pass"].startswith(
        "2026-11-17T16:00:00+01:00")


# --- disk full -------------------------------------------------------------------------------


def unshare_works() -> bool:
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0
    except FileNotFoundError:
        return False


def run_on_a_full_disk(world, mountpoint: Path, script: str) -> subprocess.CompletedProcess:
    """``script`` (sh) in a mount namespace of its own where ``mountpoint`` is a small tmpfs
    filled up to the last byte: a real ENOSPC for the program, and nothing outside touched.
    ``$IF`` runs the program; ``fill``/``free`` fill and free the disk."""
    if not unshare_works():
        if os.environ.get("CI"):
            pytest.fail("unshare -m does not work here: the disk-full tests need a mount namespace")
        pytest.skip("unshare -m does not work here")
    prog = f"{sys.executable} -P -m interview_followup.daemon --config {world.config}"
    text = f"""set -u
IF="{prog}"
mount -t tmpfs -o size=2m tmpfs {mountpoint}
fill() {{ dd if=/dev/zero of={mountpoint}/filler bs=4k >/dev/null 2>&1; sync; }}
free() {{ rm -f {mountpoint}/filler; }}
{script}
"""
    return subprocess.run(["unshare", "-m", "sh", "-c", text], cwd=REPO, capture_output=True, text=True, timeout=120)


def test_a_full_disk_under_the_state_is_a_temporary_failure_and_loses_nothing(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T12:00:00+01:00")  # before the interview: the loop and its reminders
    stash = world.root / "stash"
    shutil.copytree(world.state_dir, stash)  # the mount hides the real folder: its copy goes in
    done = run_on_a_full_disk(world, world.state_dir, f"""
cp -a {stash}/. {world.state_dir}/
fill
$IF --now 2026-11-17T16:00:00+01:00 once; echo "exit=$?"
$IF --now 2026-11-17T16:00:00+01:00 status; echo "status-exit=$?"
free
$IF --now 2026-11-17T16:01:00+01:00 once; echo "exit=$?"
""")
    out, err = done.stdout, done.stderr
    assert "exit=75" in out, out + err  # temporary failure: try again later
    assert "temporary failure: state database: the disk is full" in err, err
    assert "Traceback" not in err
    failed, after = out.split("exit=75", 1)
    assert "Acme" in after.split("status-exit=0")[0], "the state was lost"
    assert "write the thank-you draft" in after.split("status-exit=0")[1] and after.rstrip().endswith("exit=0"), out


def test_a_full_disk_under_the_maildir_is_retried_and_the_reminders_still_work(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T12:00:00+01:00")
    world.set_calendar(ACME, GLOBEX)  # a new interview: the calendar and reminders must keep working
    done = run_on_a_full_disk(world, world.maildir, f"""
mkdir -p {world.maildir}/cur {world.maildir}/new {world.maildir}/tmp
for f in .Drafts .Sent; do mkdir -p {world.maildir}/$f/cur {world.maildir}/$f/new {world.maildir}/$f/tmp; done
fill
$IF --now 2026-11-17T16:00:00+01:00 once; echo "exit=$?"
echo "half-written: $(find {world.maildir}/.Drafts/tmp {world.maildir}/.Drafts/cur -type f | wc -l)"
free
$IF --now 2026-11-17T16:01:00+01:00 once; echo "exit=$?"
echo "drafts: $(ls {world.maildir}/.Drafts/cur | wc -l)"
""")
    out, err = done.stdout, done.stderr
    assert "exit=75" in out and "No space left on device" in err and "will retry" in err, out + err
    assert "Traceback" not in err
    first, second = out.split("exit=75", 1)
    assert "add the interview with Globex" in first and "add the reminder 'Debrief the Globex" in first, out
    assert "half-written: 0" in second, "a partial draft was left behind"
    assert "write the thank-you draft" in second and "drafts: 1" in second, out + err


def test_the_state_file_stays_private_after_all_this(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T16:00:00+01:00")
    db = world.state_dir / "state.sqlite3"
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# --- a sign-in to renew ------------------------------------------------------------------------


def test_no_sign_in_reminder_goes_to_a_reminder_sink_that_fails_itself(world):
    from interview_followup.daemon.engine.attention import account_reminders
    from interview_followup.daemon.store.state import State

    class Sink:
        def put(self, reminder):
            raise AssertionError("written to a failing sink")

        def remove(self, key):
            raise AssertionError("written to a failing sink")

        def flush(self):
            raise AssertionError("written to a failing sink")

    state = State.open(world.state_dir)
    try:
        failing = {"mailbox": ("sign-in", "refused"), "reminders": ("sign-in", "token revoked")}
        assert account_reminders(state, Sink(), failing, datetime.fromisoformat(START)) == []
    finally:
        state.close()


# --- a name that does not resolve ---------------------------------------------------------------


def test_a_mail_server_whose_name_does_not_resolve_is_reported_once_retried_and_the_rest_works(
        tmp_path, monkeypatch, caplog):
    import json
    import logging

    from conftest import World, config
    from interview_followup.daemon.clock import FixedClock

    monkeypatch.setenv("DNS_TEST_PASSWORD", "not-used")
    w = World(tmp_path / "user", config(
        mailbox='kind = "imap"\nhost = "imap.example.invalid"\nusername = "alex"\npassword_env = "DNS_TEST_PASSWORD"\n'))
    w.set_calendar(ACME)
    d = Daemon(load(w.config), FixedClock(datetime.fromisoformat("2026-11-17T16:00:00+01:00")))
    try:
        with caplog.at_level(logging.INFO, logger="interview_followup.daemon.service.runner"):
            for _ in range(3):
                d.work()
    finally:
        d.watcher_stop.set()
        d._close()
    said = [r.getMessage() for r in caplog.records if r.name == "interview_followup.daemon.service.runner" and r.levelno >= logging.WARNING]
    about_it = [line for line in said if "cannot find the host 'imap.example.invalid'" in line]
    assert len(about_it) == 1, said  # once, not once a pass
    assert "will retry" in about_it[0]
    assert d.failures == 3 and d.wake_at is not None  # retried sooner than the poll, with backoff
    assert d.wake_at <= d.clock.now() + timedelta(minutes=d.config.timing.poll_minutes)
    # the calendar and the reminders kept working
    assert any("Acme" in str(e.get("SUMMARY")) for e in w.reminders())
    status = json.loads(w.cli("status", "--json", now="2026-11-17T16:01:00+01:00").out)
    assert status["providers"]["mailbox"]["ok"] is False, status["providers"]
    assert status["providers"]["calendar"]["ok"] is True and status["providers"]["reminders"]["ok"] is True
