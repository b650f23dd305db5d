"""What it prints is what it did (issue 14, item 7): the recipients and dates in `once`'s
output are those of the draft or reminder written, read from it, never worked out again."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import getaddresses
from zoneinfo import ZoneInfo

from conftest import ACME, World
from interview_followup.daemon.keys import KEY_HEADER

BERLIN = ZoneInfo("Europe/Berlin")
AFTER = "2026-11-17T16:00:00+01:00"


def printed_recipients(out: str, step: str) -> list[tuple[str, str]]:
    (line,) = [x for x in out.splitlines() if x.startswith(f"- write the {step} draft for ")]
    return getaddresses([line.partition(" to ")[2].rpartition(" in ")[0]])


def draft_recipients(world: World, step: str) -> list[tuple[str, str]]:
    (draft,) = [m for m in world.drafts() if str(m[KEY_HEADER]).endswith(f".{step}")]
    return [(a.display_name, a.addr_spec) for a in draft["To"].addresses]


def test_the_printed_recipients_of_the_thank_you_are_its_to_header_with_a_debrief_contact(world):
    # the debrief names Jane by another address than the calendar's
    world.set_calendar(ACME)
    world.once("2026-11-17T15:05:00+01:00")
    assert world.cli("debrief", "acme", "--contact", "Jane Doe <jane@acme.com>", now="2026-11-17T15:10:00+01:00").code == 0
    r = world.once(AFTER)
    assert printed_recipients(r.out, "thank-you") == draft_recipients(world, "thank-you"), r.out


def test_the_printed_recipient_of_an_answer_is_its_to_header_not_every_interviewer(world):
    r = world.mail_after_the_interview(
        "2026-11-19T12:00:00+01:00", sender="Jane Doe <jane.doe@acme.example>", subject="Your application",
        date="Thu, 19 Nov 2026 11:00:00 +0100",
        body="Dear Alex,\n\nunfortunately we have decided to move forward with other candidates.\n\nJane")
    printed = printed_recipients(r.out, "feedback-request")
    assert printed == draft_recipients(world, "feedback-request") == [("Jane Doe", "jane.doe@acme.example")], r.out


def test_a_dry_run_prints_the_recipients_of_the_draft_it_would_write(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T15:05:00+01:00")
    r = world.cli("once", "--dry-run", now=AFTER)
    printed = printed_recipients(r.out.replace("- would write", "- write"), "thank-you")
    world.once(AFTER)
    assert printed == draft_recipients(world, "thank-you")


def test_the_printed_reminder_moments_are_those_written_in_the_calendar(world):
    world.set_calendar(ACME)
    r = world.once(AFTER)
    written = {str(e["SUMMARY"]): e.decoded("DTSTART").astimezone(BERLIN) for e in world.reminders()}
    printed = re.findall(r"^- add the reminder '(.+)' on \w{3} (\d{4}-\d\d-\d\d \d\d:\d\d) in .+$", r.out, re.M)
    assert printed and len(printed) == len(written), r.out
    for title, when in printed:
        assert written[title] == datetime.strptime(when, "%Y-%m-%d %H:%M").replace(tzinfo=BERLIN), title


def test_the_printed_folders_are_those_the_draft_and_the_reminders_were_written_to(world):
    world.set_calendar(ACME)
    r = world.once(AFTER)
    (line,) = [x for x in r.out.splitlines() if x.startswith("- write the thank-you draft for ")]
    assert line.endswith(f" in {world.maildir / '.Drafts'}"), r.out
    assert len(world.drafts()) == 1  # world.drafts() reads that folder
    added = [x for x in r.out.splitlines() if x.startswith("- add the reminder ")]
    assert added and all(x.endswith(f" in {world.reminders_file}") for x in added), r.out
