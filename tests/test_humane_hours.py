"""Humane hours (issue 14, item 4): nothing is scheduled in the user's night.

A step that would fall outside ``timing.waking_hours`` (default 08:00-21:00, in the user's
time zone) moves to the start of the next waking period; the planner does it, so it holds
for every step, across DST changes, and through the command line."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import CONFIG, World, vevent
from interview_followup.daemon import config as cfg
from interview_followup.daemon.config import Timing
from interview_followup.daemon.errors import ConfigError
from interview_followup.daemon.loop.planning import LoopFacts, Observation, awake, plan_loop
from interview_followup.daemon.model import Interview, Person

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TIMING = Timing()


def interview(start: datetime, minutes: int = 60) -> Interview:
    return Interview(
        loop_id="ny000001", uid="ny-1", recurrence_id="", title="Interview with Acme", company="Acme",
        role="Backend Engineer", start=start, end=start + timedelta(minutes=minutes),
        interviewers=(Person("jane@acme.example", "Jane Doe"),), size="small", size_reason="test",
        domains=("acme.example",),
    )


def plan_at(now, iv, observations=(), timing=TIMING):
    return plan_loop(LoopFacts(iv, iv.start - timedelta(days=3), None, tuple(observations)), now, timing, BERLIN)


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def test_a_new_york_evening_interview_gives_a_berlin_user_the_debrief_and_thank_you_at_eight_next_morning():
    # 17:00-18:00 in New York on Tue 17 Nov 2026 is 23:00-00:00 in Berlin
    iv = interview(datetime(2026, 11, 17, 17, 0, tzinfo=NEW_YORK))
    p = plan_at(datetime(2026, 11, 18, 0, 30, tzinfo=BERLIN), iv)
    eight = datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
    for name in ("debrief", "thank-you", "thank-you-reminder"):
        step = p.step(name)
        assert step.due == eight, (name, local(step.due))
        assert step.state == "scheduled"
    assert not p.step("thank-you").want  # no draft at 00:30 either
    morning = plan_at(eight, iv)
    assert morning.step("thank-you").state == "due" and morning.step("thank-you").want
    # the nudge and "missed" follow: the evening after, then the midnight after that
    assert p.step("thank-you-nudge").due == datetime(2026, 11, 19, 18, 0, tzinfo=BERLIN)
    assert plan_at(datetime(2026, 11, 19, 23, 59, tzinfo=BERLIN), iv).step("thank-you").state == "due"
    assert plan_at(datetime(2026, 11, 20, 0, 0, tzinfo=BERLIN), iv).step("thank-you").state == "missed"


def test_a_step_inside_the_waking_hours_keeps_its_moment():
    iv = interview(datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN))
    p = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), iv)
    assert p.step("debrief").due == datetime(2026, 11, 17, 15, 0, tzinfo=BERLIN)
    assert p.step("thank-you").due == datetime(2026, 11, 17, 15, 30, tzinfo=BERLIN)
    # ending at 20:45: the thank-you (21:15) moves to the next morning, the debrief stays
    late = interview(datetime(2026, 11, 17, 19, 45, tzinfo=BERLIN))
    q = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), late)
    assert q.step("debrief").due == datetime(2026, 11, 17, 20, 45, tzinfo=BERLIN)
    assert q.step("thank-you").due == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)


@pytest.mark.parametrize("day", [
    datetime(2026, 11, 17),  # an ordinary Tuesday
    datetime(2026, 3, 28),  # the night Berlin springs forward
    datetime(2026, 10, 24),  # the night Berlin falls back
    datetime(2026, 3, 7),  # the night New York springs forward (Berlin does not)
    datetime(2026, 10, 31),  # New York still on summer time, Berlin not any more
])
@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, ZoneInfo("Asia/Tokyo")])
def test_no_step_of_any_loop_falls_in_the_night(day, zone):
    answers = ("rejection", "offer", "info")
    for quarter in range(0, 24 * 4):
        start = datetime.combine(day.date(), time(0), tzinfo=zone) + timedelta(minutes=15 * quarter)
        iv = interview(start)
        # an answer in the middle of the night, in Berlin, a few days later
        at = datetime.combine(day.date() + timedelta(days=3), time(2, 10), tzinfo=BERLIN)
        outcome = answers[quarter % 3]
        obs = Observation(f"m{quarter}", iv.loop_id, "reply", at, "test", outcome=outcome)
        for observations in ((), (obs,)):
            for p in (plan_at(start + timedelta(days=d), iv, observations) for d in (0, 5, 40)):
                for s in p.steps:
                    t = local(s.due).time()
                    assert time(8, 0) <= t < time(21, 0), (start, s.name, local(s.due))


def test_awake_moves_to_eight_local_time_across_dst_changes():
    # Sat 28 Mar 2026, 23:30 CET -> Sun 29 Mar 08:00 CEST (the clocks went forward in between)
    moved = awake(datetime(2026, 3, 28, 23, 30, tzinfo=BERLIN), TIMING, BERLIN)
    assert moved == datetime(2026, 3, 29, 8, 0, tzinfo=BERLIN)
    assert moved.utcoffset() == timedelta(hours=2)
    # Sat 24 Oct 2026, 22:00 CEST -> Sun 25 Oct 08:00 CET (the clocks went back in between)
    moved = awake(datetime(2026, 10, 24, 22, 0, tzinfo=BERLIN), TIMING, BERLIN)
    assert moved == datetime(2026, 10, 25, 8, 0, tzinfo=BERLIN)
    assert moved.utcoffset() == timedelta(hours=1)
    # the second 02:15 of the night the clocks go back: still the night, same morning
    assert awake(datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=BERLIN), TIMING, BERLIN) == \
        datetime(2026, 10, 25, 8, 0, tzinfo=BERLIN)
    # a moment given in another zone is judged in the user's
    assert awake(datetime(2026, 11, 17, 18, 0, tzinfo=NEW_YORK), TIMING, BERLIN) == \
        datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)
    three_in_new_york = datetime(2026, 11, 17, 3, 0, tzinfo=NEW_YORK)  # 09:00 in Berlin: awake, unchanged
    assert awake(three_in_new_york, TIMING, BERLIN) == three_in_new_york


def test_an_answer_in_the_night_is_answered_in_the_morning_and_a_reply_sent_at_night_still_counts():
    iv = interview(datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN))
    at = datetime(2026, 11, 20, 23, 10, tzinfo=BERLIN)
    no = Observation("m1", iv.loop_id, "reply", at, "test", outcome="rejection")
    p = plan_at(datetime(2026, 11, 20, 23, 20, tzinfo=BERLIN), iv, (no,))
    for name in ("feedback-request", "feedback-request-reminder"):
        assert p.step(name).due == datetime(2026, 11, 21, 8, 0, tzinfo=BERLIN)
        assert p.step(name).state == "scheduled"
    sent = Observation("s1", iv.loop_id, "sent", at + timedelta(minutes=20), "test", step="feedback-request")
    later = plan_at(datetime(2026, 11, 21, 9, 0, tzinfo=BERLIN), iv, (no, sent))
    assert later.step("feedback-request").state == "done"


def test_follow_ups_keep_their_working_day_when_the_morning_is_before_the_waking_hours():
    iv = interview(datetime(2026, 11, 17, 14, 0, tzinfo=BERLIN))
    early = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), iv, timing=Timing(morning=time(7, 0)))
    # Tue + 4 days is Saturday: Monday, at the start of the waking hours rather than 07:00
    assert early.step("followup").due == datetime(2026, 11, 23, 8, 0, tzinfo=BERLIN)
    own = plan_at(datetime(2026, 11, 17, 9, 0, tzinfo=BERLIN), iv,
                  timing=Timing(morning=time(7, 0), waking_hours="06:30-22:00"))
    assert own.step("followup").due == datetime(2026, 11, 23, 7, 0, tzinfo=BERLIN)


def test_waking_hours_are_checked_with_their_key(tmp_path):
    def problems(value: str) -> str:
        path = tmp_path / "config.toml"
        path.write_text(CONFIG + f'\n[timing]\nwaking_hours = "{value}"\n', encoding="utf-8")
        with pytest.raises(ConfigError) as err:
            cfg.load(path)
        return str(err.value)

    for bad in ("8-21", "21:00-08:00", "08:00", "08:00-09:00", "morning"):
        text = problems(bad)
        assert "timing.waking_hours" in text and bad in text, text
    path = tmp_path / "ok.toml"
    for good, expected in (("07:30-22:00", (time(7, 30), time(22, 0))), ("00:00-24:00", (time(0), time.max))):
        path.write_text(CONFIG + f'\n[timing]\nwaking_hours = "{good}"\n', encoding="utf-8")
        assert cfg.load(path).timing.waking == expected
    assert Timing().waking == (time(8, 0), time(21, 0))


NY_EVENT = vevent("ny-1@test", "20261117T170000", "20261117T180000", "Acme – Backend Engineer interview",
                  tzid="America/New_York")


def test_through_the_cli_the_new_york_interview_waits_for_the_berlin_morning(world: World):
    world.set_calendar(NY_EVENT)
    r = world.once("2026-11-18T00:40:00+01:00")
    assert world.drafts() == []  # not in the night
    starts = {str(e["UID"]).rsplit(".", 1)[-1].split("@")[0]: e.decoded("DTSTART") for e in world.reminders()}
    at_eight = {name for name, start in starts.items() if start == datetime(2026, 11, 18, 8, 0, tzinfo=BERLIN)}
    assert {"debrief", "thank-you-reminder"} <= at_eight, (starts, r.out)
    assert "Wed 2026-11-18 08:00" in r.out
    titles = {str(e["SUMMARY"]) for e in world.reminders()}
    # "today" is the day the reminder shows: the morning after, when the thank-you is due
    assert "Send your thank-you note to Acme today" in titles
    world.once("2026-11-18T08:00:00+01:00")
    (draft,) = world.drafts()
    assert "meet me yesterday" in draft.get_content()  # written the next morning, in the user's days
