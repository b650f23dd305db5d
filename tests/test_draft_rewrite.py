"""An untouched draft follows what it was made from (issue 14, item 5): a debrief, a new
contact or a corrected interview recorded after the draft was written rewrites it, once; a
draft the user edited is left as it is and the change is reported; a draft the user sent or
deleted is never written again."""

from __future__ import annotations

import mailbox

from conftest import ACME, World
from interview_followup.daemon.keys import KEY_HEADER

WRITTEN = "2026-11-17T16:00:00+01:00"  # the thank-you is written (the interview ended at 15:00)
LATER = "2026-11-17T18:00:00+01:00"


def thank_you(world: World):
    (draft,) = [m for m in world.drafts() if str(m[KEY_HEADER]).endswith(".thank-you")]
    return draft


def edit_the_draft(world: World, old: bytes, new: bytes) -> None:
    drafts = world.folder("Drafts")
    (key,) = drafts.keys()
    raw = drafts.get_message(key).as_bytes()
    assert old in raw
    drafts.remove(key)
    edited = mailbox.MaildirMessage(raw.replace(old, new))
    edited.set_flags("DS")
    drafts.add(edited)


def test_a_debrief_recorded_after_the_thank_you_rewrites_the_untouched_draft(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    assert "data migration" not in thank_you(world).get_content()
    assert world.cli("debrief", "acme", "--asked-about", "the data migration", now="2026-11-17T17:00:00+01:00").code == 0
    r = world.once(LATER)
    assert "rewrite the untouched thank-you draft for Acme (Backend Engineer) (your debrief changed)" in r.out, r.out
    assert "the data migration" in thank_you(world).get_content()
    assert len(world.drafts()) == 1
    assert "nothing to do" in world.once("2026-11-17T18:30:00+01:00").out


def test_a_new_contact_in_the_debrief_readdresses_the_untouched_draft(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    world.cli("debrief", "acme", "--contact", "Jane Doe <jane@acme.com>", now="2026-11-17T17:00:00+01:00")
    world.once(LATER)
    addresses = [a.addr_spec for a in thank_you(world)["To"].addresses]
    assert "jane@acme.com" in addresses and "jane.doe@acme.example" not in addresses
    assert len(world.drafts()) == 1


def test_a_draft_is_not_rewritten_only_because_a_day_passed(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    before = thank_you(world).as_bytes()
    r = world.once("2026-11-18T10:00:00+01:00")  # "today" would now read "yesterday": no reason to rewrite
    assert "rewrite" not in r.out, r.out
    assert thank_you(world).as_bytes() == before


def test_an_edited_draft_is_left_and_the_change_reported_once(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    edit_the_draft(world, b"Thank you", b"Many thanks")
    world.cli("debrief", "acme", "--asked-about", "the data migration", now="2026-11-17T17:00:00+01:00")
    r = world.once(LATER)
    assert "the thank-you draft was edited by you, so it was left as it is; since it was written, " \
           "your debrief changed" in r.out, r.out
    content = thank_you(world).get_content()
    assert "Many thanks" in content and "data migration" not in content
    again = world.once("2026-11-17T18:30:00+01:00")
    assert "edited by you" not in again.out and "nothing to do" in again.out


def test_a_draft_sent_or_deleted_before_the_change_is_not_written_again(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    drafts = world.folder("Drafts")
    for key in list(drafts.keys()):
        drafts.remove(key)
    world.cli("debrief", "acme", "--asked-about", "the data migration", now="2026-11-17T17:00:00+01:00")
    r = world.once(LATER)
    assert world.drafts() == [] and "write" not in r.out, r.out


def test_a_debrief_given_twice_records_each_item_once(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    for _ in range(2):
        world.cli("debrief", "acme", "--asked-about", "the data migration", now="2026-11-17T17:00:00+01:00")
    world.once(LATER)
    assert thank_you(world).get_content().count("the data migration") == 1


def test_a_rewrite_killed_at_any_write_leaves_one_draft_and_finishes_on_restart(tmp_path):
    """The old draft is removed before the new one is written: killed around either write,
    the mailbox holds one draft or none, never two; the next pass ends with the new one."""
    import signal
    import subprocess
    import sys

    from conftest import REPO

    hook = str(REPO / "tests" / "crashpoint.py")
    for n in (1, 2):
        for when in ("before", "after"):
            world = World(tmp_path / f"{n}-{when}")
            world.set_calendar(ACME)
            world.once(WRITTEN)
            world.cli("debrief", "acme", "--asked-about", "the data migration", now="2026-11-17T17:00:00+01:00")
            args = ["--config", str(world.config), "--now", LATER, "once"]
            killed = subprocess.run([sys.executable, hook, str(n), when, "--", *args], cwd=REPO,
                                    capture_output=True, text=True, timeout=120)
            assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
            assert len(world.drafts()) <= 1
            world.once("2026-11-17T18:05:00+01:00")
            assert len(world.drafts()) == 1, (n, when)
            assert "the data migration" in thank_you(world).get_content(), (n, when)


def test_a_corrected_answer_date_takes_the_untouched_follow_up_back_and_writes_it_again_when_due(world):
    world.set_calendar(ACME)
    world.once(WRITTEN)
    world.cli("debrief", "acme", "--answer-by", "2026-11-17", now="2026-11-17T17:00:00+01:00")
    world.once("2026-11-18T10:00:00+01:00")
    assert any(str(m[KEY_HEADER]).endswith(".followup") for m in world.drafts())
    # they said the 24th, in fact
    world.cli("debrief", "acme", "--answer-by", "2026-11-24", now="2026-11-18T11:00:00+01:00")
    r = world.once("2026-11-18T12:00:00+01:00")
    assert "remove the untouched followup draft" in r.out, r.out
    assert not any(str(m[KEY_HEADER]).endswith(".followup") for m in world.drafts())
    waiting = [e for e in world.reminders() if "is waiting in your Drafts" in str(e["DESCRIPTION"])
               and "follow-up" in str(e["DESCRIPTION"])]
    assert all(e.decoded("DTSTART").date().isoformat() >= "2026-11-25" for e in waiting)
    r = world.once("2026-11-25T10:00:00+01:00")
    assert "write the followup draft" in r.out, r.out
    assert sum(str(m[KEY_HEADER]).endswith(".followup") for m in world.drafts()) == 1
