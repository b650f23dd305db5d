"""The whole loop through the command line, on the embedded providers."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat

from conftest import ACME, vevent
from interview_followup.daemon.keys import KEY_HEADER

AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview ended


def test_first_pass_writes_the_thank_you_draft_and_the_reminders(world):
    world.set_calendar(ACME)
    r = world.once(AFTER)
    assert "thank-you draft" in r.out
    drafts = world.drafts()
    assert len(drafts) == 1
    d = drafts[0]
    assert d[KEY_HEADER].endswith(".thank-you")
    assert "jane.doe@acme.example" in d["To"] and "ravi@acme.example" in d["To"]
    assert "Dear Jane and Ravi," in d.get_content()  # by given name (drafts.greeting_names)
    assert "Backend Engineer" in d["Subject"]
    flags = [name.split(":2,")[1] for name in os.listdir(world.maildir / ".Drafts" / "cur")]
    assert flags and "D" in flags[0]
    names = {str(e["SUMMARY"]) for e in world.reminders()}
    assert any("Debrief" in n for n in names)
    assert any("thank-you" in n.lower() for n in names)
    assert any("follow-up" in n.lower() for n in names)


def test_a_second_pass_over_the_same_input_changes_nothing(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    drafts, reminders = world.draft_keys(), world.reminders_file.read_bytes()
    r = world.once(AFTER)
    assert "nothing to do" in r.out
    assert world.draft_keys() == drafts
    assert world.reminders_file.read_bytes() == reminders


def test_before_the_interview_only_reminders_are_written(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    assert world.drafts() == []
    assert len(world.reminder_uids()) == 4


def test_followup_draft_appears_on_the_fourth_day_for_a_small_company(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-20T09:00:00+01:00")
    assert not any(k.endswith(".followup") for k in world.draft_keys())
    # Tuesday + 4 days is Saturday: the follow-up waits for Monday morning
    world.once("2026-11-23T09:00:00+01:00")
    assert any(k.endswith(".followup") for k in world.draft_keys())


def test_followup_draft_appears_on_the_eighth_day_for_a_large_company(world):
    world.set_calendar(vevent("d-1@test", "20261117T100000", "20261117T110000",
                              "Interview: Data Analyst @ Deloitte",
                              attendees=(("Sophie Martin", "sophie.martin@deloitte.com"),)))
    world.once(AFTER)
    world.once("2026-11-24T09:00:00+01:00")
    assert not any(k.endswith(".followup") for k in world.draft_keys())
    world.once("2026-11-25T09:00:00+01:00")
    followups = [d for d in world.drafts() if d[KEY_HEADER].endswith(".followup")]
    assert len(followups) == 1
    assert "Tuesday, 17 November 2026" in followups[0].get_content()


def test_followup_waits_for_the_answer_date_recorded_in_the_debrief(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    r = world.cli("debrief", "acme", "--answer-by", "2026-11-26", "--contact", "Jane Doe <jane.doe@acme.example>",
                  "--asked-about", "my blog on queueing", now=AFTER)
    assert r.code == 0, r.err
    assert "Fri 2026-11-27 09:00" in r.out
    world.once("2026-11-23T09:00:00+01:00")
    assert not any(k.endswith(".followup") for k in world.draft_keys())
    world.once("2026-11-27T09:00:00+01:00")
    assert any(k.endswith(".followup") for k in world.draft_keys())


def test_debrief_feeds_the_thank_you_draft(world):
    world.set_calendar(ACME)
    world.once("2026-11-17T15:10:00+01:00")  # before the thank-you is due
    world.cli("debrief", "acme", "--asked-about", "my blog on queueing", "--forgot-to-ask",
              "How is on-call organised?", "--open-question", "sharding strategy", now="2026-11-17T15:12:00+01:00")
    world.once(AFTER)
    body = world.drafts()[0].get_content()
    assert "my blog on queueing" in body
    assert "How is on-call organised?" in body
    assert "sharding strategy" in body


def test_reply_from_the_interviewer_closes_the_loop_and_removes_the_untouched_draft(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.once("2026-11-23T09:00:00+01:00")
    assert len(world.drafts()) == 2
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Mon, 23 Nov 2026 11:00:00 +0100",
                  body="Dear Alex, unfortunately we have decided to move forward with other candidates. Jane")
    r = world.once("2026-11-23T12:00:00+01:00")
    assert "remove the untouched followup draft" in r.out
    # what is left is what the answer asks for: the request for feedback
    assert [str(d[KEY_HEADER]).partition(".")[2] for d in world.drafts()] == ["feedback-request"]
    st = json.loads(world.cli("status", "--json", now="2026-11-23T12:00:00+01:00").out)
    (loop,) = st["loops"]
    assert loop["status"] == "closed"
    assert "Jane Doe" in loop["reason"]
    # reminders already past stay in the calendar; none is left after the answer
    from datetime import datetime

    reply = datetime.fromisoformat("2026-11-23T11:00:00+01:00")
    assert all(e.decoded("DTSTART") <= reply for e in world.reminders())


def test_reply_before_the_followup_removes_the_followup_reminder(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Thu, 19 Nov 2026 11:00:00 +0100",
                  body="Dear Alex, unfortunately we have decided to move forward with other candidates. Jane")
    r = world.once("2026-11-19T12:00:00+01:00")
    assert "remove the reminder for followup-reminder" in r.out
    assert not any("follow-up" in str(e["SUMMARY"]).lower() for e in world.reminders())


def test_a_colleague_at_the_company_domain_closes_the_loop(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.deliver("INBOX", sender="hr@jobs.acme.example", date="Thu, 19 Nov 2026 11:00:00 +0100",
                  body="Dear Alex, unfortunately we have decided to move forward with other candidates. Jane")
    world.once("2026-11-19T12:00:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-19T12:00:00+01:00").out)
    assert st["loops"][0]["status"] == "closed"
    assert "acme.example" in st["loops"][0]["reason"]


def test_out_of_office_reply_does_not_close_the_loop(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Automatic reply: Thank you",
                  date="Tue, 17 Nov 2026 16:30:00 +0100", headers={"Auto-Submitted": "auto-replied"})
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", subject="Out of Office: back Monday",
                  date="Tue, 17 Nov 2026 16:31:00 +0100")
    world.deliver("INBOX", sender="news@acme.example", subject="Acme newsletter",
                  date="Tue, 17 Nov 2026 16:32:00 +0100", headers={"List-Id": "<news.acme.example>"})
    world.once("2026-11-17T17:00:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-17T17:00:00+01:00").out)
    assert st["loops"][0]["status"] == "open"
    assert len(world.drafts()) == 1


def test_a_draft_the_user_edited_is_left_alone_and_reported(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    drafts = world.folder("Drafts")
    (key,) = drafts.keys()
    msg = drafts.get_message(key)
    raw = msg.as_bytes().replace(b"Thank you for taking the time", b"Many thanks for taking the time")
    import mailbox as _mb

    drafts.remove(key)
    new = _mb.MaildirMessage(raw)
    new.set_flags("DS")
    drafts.add(new)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Tue, 17 Nov 2026 17:00:00 +0100",
                  body="Dear Alex, we would like to invite you to a second interview. Jane")
    r = world.once("2026-11-17T18:00:00+01:00")
    assert "edited" in r.out
    assert len(world.drafts()) == 1


def test_thank_you_found_in_sent_marks_the_step_done_and_drops_the_nudge(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    assert any(u.endswith(".thank-you-nudge@interview-followup") for u in world.reminder_uids())
    world.deliver("Sent", sender="Alex Example <alex@example.org>", to="jane.doe@acme.example",
                  subject="Thank you", date="Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-17T17:30:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-17T17:30:00+01:00").out)
    steps = {s["name"]: s for s in st["loops"][0]["steps"]}
    assert steps["thank-you"]["state"] == "done"
    assert not any(u.endswith(".thank-you-nudge@interview-followup") for u in world.reminder_uids())
    assert st["loops"][0]["status"] == "open"


def test_a_cancelled_event_cancels_its_plan_and_removes_its_reminders(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    assert world.reminder_uids()
    world.set_calendar(ACME.replace("END:VEVENT", "STATUS:CANCELLED\nEND:VEVENT"))
    r = world.once("2026-11-16T10:00:00+01:00")
    assert "cancel" in r.out
    assert world.reminder_uids() == []


def test_an_event_removed_from_the_calendar_before_it_happens_cancels_the_plan(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    world.set_calendar()
    world.once("2026-11-16T10:00:00+01:00")
    assert world.reminder_uids() == []


def test_a_moved_event_moves_its_reminders_without_duplicating_them(world):
    world.set_calendar(ACME)
    world.once("2026-11-16T09:00:00+01:00")
    before = world.reminder_uids()
    world.set_calendar(ACME.replace("20261117T140000", "20261118T140000").replace("20261117T150000", "20261118T150000"))
    r = world.once("2026-11-16T10:00:00+01:00")
    assert "move" in r.out
    assert world.reminder_uids() == before
    debrief = next(e for e in world.reminders() if ".debrief@" in str(e["UID"]))
    assert debrief.decoded("DTSTART").date().isoformat() == "2026-11-18"


def test_an_interview_the_user_declined_is_ignored(world):
    world.set_calendar(ACME.replace("CN=Alex Example;PARTSTAT=ACCEPTED", "CN=Alex Example;PARTSTAT=DECLINED"))
    world.once(AFTER)
    assert world.drafts() == [] and world.reminder_uids() == []


def test_a_broken_event_is_named_and_the_others_still_processed(world):
    broken = vevent("bad-1@test", "2026XX17T140000", "20261117T150000", "Interview with Broken Ltd")
    world.set_calendar(ACME, broken)
    r = world.once(AFTER)
    assert "warning" in r.out and "bad-1@test" in r.out
    assert len(world.drafts()) == 1


def test_an_event_without_attendees_gets_a_draft_with_empty_to_and_a_warning(world):
    world.set_calendar(vevent("solo-1@test", "20261117T140000", "20261117T150000", "Interview with Umbrella",
                              attendees=()).replace("ATTENDEE;CN=Alex Example;PARTSTAT=ACCEPTED:mailto:alex@example.org\n", ""))
    r = world.once(AFTER)
    assert "warning" in r.out
    (d,) = world.drafts()
    assert d["To"] is None


def test_a_missing_maildir_is_created(world):
    world.set_calendar(ACME)
    assert not world.maildir.exists()
    world.once(AFTER)
    assert (world.maildir / ".Drafts" / "cur").is_dir()


def test_dry_run_prints_what_would_happen_and_writes_nothing(world):
    world.set_calendar(ACME)
    r = world.cli("once", "--dry-run", now=AFTER)
    assert r.code == 0
    assert "would write the thank-you draft" in r.out
    assert not world.maildir.exists()
    assert not world.reminders_file.exists()
    assert not (world.state_dir / "state.sqlite3").exists()


def test_state_files_are_private(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    assert stat.S_IMODE(world.state_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((world.state_dir / "state.sqlite3").stat().st_mode) == 0o600


def test_a_corrupt_state_database_is_reported_and_never_wiped(world):
    world.set_calendar(ACME)
    world.state_dir.mkdir(mode=0o700)
    db = world.state_dir / "state.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    r = world.cli("once", now=AFTER)
    assert r.code == 2
    assert "cannot be read" in r.err and str(db) in r.err
    assert db.read_bytes() == b"this is not a database" * 100


def test_a_state_database_from_a_newer_version_is_refused(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    db = world.state_dir / "state.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    r = world.cli("once", now=AFTER)
    assert r.code == 2 and "newer" in r.err


def test_status_lists_each_loop_with_its_steps(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    assert "Acme — Backend Engineer" in world.cli("status", now=AFTER).out
    out = world.cli("status", "Acme", now=AFTER).out  # the application in detail
    assert "Acme — Backend Engineer" in out
    for step in ("debrief", "thank-you", "followup"):
        assert step in out
    data = json.loads(world.cli("status", "--json", now=AFTER).out)
    step = data["loops"][0]["steps"][1]
    assert set(step) >= {"name", "artifact", "due", "state", "detail", "written"}


def test_debrief_for_an_unknown_loop_says_so(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    r = world.cli("debrief", "nosuchco", "--note", "x", now=AFTER)
    assert r.code == 2 and "no loop matches" in r.err


def test_doctor_passes_on_a_good_setup_and_fails_on_a_missing_calendar(world):
    world.set_calendar(ACME)
    r = world.cli("doctor")
    assert r.code == 0, r.out
    world.calendar.unlink()
    r = world.cli("doctor")
    assert r.code == 1
    assert "FAIL" in r.out


def test_a_template_in_the_user_templates_folder_replaces_the_shipped_one(world):
    (world.root / "templates").mkdir()
    (world.root / "templates" / "thank_you.txt").write_text(
        "Subject: Thanks, ${company}!\n\n${greeting}\n\nShort and sweet.\n\n${your_name}\n", encoding="utf-8")
    world.set_calendar(ACME)
    world.once(AFTER)
    (d,) = world.drafts()
    assert d["Subject"] == "Thanks, Acme!"
    assert "Short and sweet." in d.get_content()


def test_a_broken_user_template_is_reported_with_its_name(world):
    (world.root / "templates").mkdir()
    (world.root / "templates" / "followup.txt").write_text("no subject line here\n", encoding="utf-8")
    world.set_calendar(ACME)
    r = world.cli("once", now="2026-11-23T09:00:00+01:00")
    assert r.code == 2
    assert "followup.txt" in r.err


def test_the_thank_you_checks_report_what_failed(world):
    config = world.config.read_text().replace(
        "[state]", 'links = ["https://alex.example/portfolio", "http://not a link"]\n\n[drafts]\n'
        'attachments = ["cv.pdf"]\nmax_words = 40\n\n[state]')
    world.config.write_text(config)
    world.set_calendar(vevent("x-1@test", "20261117T140000", "20261117T150000", "Interview with Acme",
                              attendees=(("", "jane.doe@acme.example"),)))
    r = world.once(AFTER)
    assert "cv.pdf does not exist" in r.out
    assert "words" in r.out
    assert "no name in the calendar for jane.doe@acme.example" in r.out
    assert "'http://not' is not well-formed" in r.out
    reminder = next(e for e in world.reminders() if ".thank-you-reminder@" in str(e["UID"]))
    assert "cv.pdf" in str(reminder["DESCRIPTION"])


def test_an_all_day_interview_ends_at_the_configured_hour(world):
    world.set_calendar("\n".join([
        "BEGIN:VEVENT", "UID:allday-1@test", "DTSTAMP:20261101T090000Z",
        "DTSTART;VALUE=DATE:20261117", "DTEND;VALUE=DATE:20261118", "SUMMARY:Assessment day interview at Acme",
        "ATTENDEE;CN=Jane Doe:mailto:jane.doe@acme.example", "END:VEVENT"]))
    world.once("2026-11-17T12:00:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-17T12:00:00+01:00").out)
    steps = {s["name"]: s for s in st["loops"][0]["steps"]}
    assert steps["debrief"]["due"] == "2026-11-17T17:00:00+01:00"
    assert steps["thank-you"]["due"] == "2026-11-17T17:30:00+01:00"


def test_a_floating_time_is_read_in_the_users_time_zone(world):
    world.set_calendar(vevent("float-1@test", "20261117T140000", "20261117T150000", "Interview with Acme", tzid=""))
    world.once("2026-11-17T12:00:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-17T12:00:00+01:00").out)
    assert st["loops"][0]["start"] == "2026-11-17T14:00:00+01:00"


def test_the_followup_answers_in_the_thread_of_the_thank_you_you_sent(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.deliver("Sent", sender="Alex Example <alex@example.org>", to="jane.doe@acme.example",
                  subject="Thank you", date="Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-17T17:30:00+01:00")
    world.once("2026-11-23T09:00:00+01:00")
    (followup,) = [d for d in world.drafts() if d[KEY_HEADER].endswith(".followup")]
    assert followup["In-Reply-To"] and followup["In-Reply-To"] == followup["References"]
    assert followup["In-Reply-To"].endswith("@test.example>")


def test_an_answer_in_the_thread_of_your_sent_mail_closes_the_loop_whoever_sends_it(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    world.deliver("Sent", sender="Alex Example <alex@example.org>", to="jane.doe@acme.example",
                  subject="Thank you", date="Tue, 17 Nov 2026 17:00:00 +0100")
    world.once("2026-11-17T17:30:00+01:00")
    sent_id = world.folder("Sent").get_message(world.folder("Sent").keys()[0])["Message-ID"]
    world.deliver("INBOX", sender="Recruiting <talent@acme-recruiting.example>",
                  date="Wed, 18 Nov 2026 10:00:00 +0100", headers={"In-Reply-To": sent_id, "References": sent_id},
                  body="Dear Alex, unfortunately we have decided to move forward with other candidates. Jane")
    world.once("2026-11-18T11:00:00+01:00")
    st = json.loads(world.cli("status", "--json", now="2026-11-18T11:00:00+01:00").out)
    assert st["loops"][0]["status"] == "closed"
    assert "thread of a message you sent" in st["loops"][0]["reason"]


def test_a_title_without_a_role_gives_a_draft_without_a_doubled_or_empty_role(world):
    world.set_calendar(vevent("smallco-1@test", "20261117T140000", "20261117T150000", "Interview with Smallco",
                              attendees=(("Sam Small", "sam@smallco.example"),)))
    world.once(AFTER)
    (draft,) = world.drafts()
    text = f"{draft['Subject']}\n{draft.get_content()}"
    assert draft["Subject"] == "Thank you for our conversation about the role"
    doubled = re.search(r"\b(\w+)\s+\1\b", text, re.IGNORECASE)
    assert doubled is None, doubled
    assert not any("  " in line for line in text.splitlines())
    assert "about the position at Smallco" in text


def test_a_debrief_contact_with_an_interviewers_name_replaces_that_address_and_is_greeted_once(world):
    world.set_calendar(ACME)
    world.once(AFTER)
    r = world.cli("debrief", "acme", "--contact", "Jane Doe <jane@acme.com>", now=AFTER)
    assert r.code == 0, r.err
    world.once("2026-11-21T09:00:00+01:00")
    world.once("2026-11-23T09:00:00+01:00")
    (followup,) = [d for d in world.drafts() if str(d[KEY_HEADER]).endswith(".followup")]
    assert "jane@acme.com" in followup["To"] and "jane.doe@acme.example" not in followup["To"]
    greeting = followup.get_content().splitlines()[0]
    assert greeting == "Dear Ravi and Jane,", greeting  # Jane once (now at the address given), by given name
