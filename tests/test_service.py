"""``run``: wakes for the next due step without busy waiting, and stops when asked."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from conftest import ACME
from daemon.clock import OffsetClock
from daemon.config import load
from daemon.service import run_forever


def test_run_wakes_when_a_step_falls_due_and_stops_when_asked(world):
    world.set_calendar(ACME)
    config = load(world.config)
    # two seconds before the thank-you draft is due; the poll interval is five minutes
    clock = OffsetClock(datetime.fromisoformat("2026-11-17T15:29:58+01:00"))
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
