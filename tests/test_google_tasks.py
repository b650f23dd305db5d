"""Google Tasks beside the Google Calendar reminders (``reminders.tasks = true``), with the
real client library against the local emulator (tests/google_emulator/tasks_api.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from conftest import ACME, World, config
from contracts.reminder_contract import BERLIN, ReminderSinkContract, make_reminder
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import NeedsUser, Transient
from google_emulator.fixtures import *  # noqa: F403 - the fixtures
from google_emulator.fixtures import make_context, write_token
from google_emulator.tasks_api import DEFAULT_TITLE
from interview_followup.integrations.google_api import SCOPES, token_path
from interview_followup.integrations.google_calendar import KEY_PROPERTY, TASK_PROPERTY, GoogleReminders
from interview_followup.integrations.google_tasks import KEY_LINE, TASK_LIST_FILE, key_of

LIST = "Interview follow-ups"
LINK = "https://mail.google.com/mail/#search/rfc822msgid%3Aabc%40example.org"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


def open_sink(tmp_path: Path, emulator, dry_run: bool = False, scopes: list[str] | None = None,
              **settings) -> GoogleReminders:
    settings.setdefault("tasks", True)
    settings.setdefault("api_endpoint", emulator.url)
    s = GoogleReminders.Settings(**settings)
    ctx = make_context(tmp_path, dry_run=dry_run)
    path = token_path(ctx.data_dir)
    if not path.exists():
        write_token(path, emulator, scopes or list(GoogleReminders.oauth_for(s)[1]))
    return GoogleReminders.open(s, ctx)


def task_lists(emulator, title: str = LIST) -> list[str]:
    return emulator.tasks.lists_titled(title)


def our_tasks(emulator, title: str = LIST) -> list[dict]:
    """The live tasks in the program's list (there must be one list at most)."""
    lists = task_lists(emulator, title)
    assert len(lists) <= 1, f"{len(lists)} lists named {title!r}"
    return emulator.tasks.tasks(lists[0]) if lists else []


def task_keys(emulator) -> list[str]:
    """The keys of the program's tasks in its list (the user's own tasks have none)."""
    return sorted(key_of(t) for t in our_tasks(emulator) if key_of(t))


def event_keys(emulator, task_only: bool = False) -> list[str]:
    return sorted(
        e["extendedProperties"]["private"][KEY_PROPERTY]
        for e in emulator.calendar.events("primary")
        if KEY_PROPERTY in e.get("extendedProperties", {}).get("private", {})
        and (not task_only or e["extendedProperties"]["private"].get(TASK_PROPERTY) == "true")
    )


def writes(emulator, since: int = 0) -> list[tuple[str, str]]:
    return [(m, p) for m, p in emulator.requests[since:] if m in WRITES and p != "/token"]


def no_backoff(monkeypatch) -> None:
    """No waiting between retries in google_api, while the emulator can still hold answers
    (patching ``integrations.google_api.time.sleep`` would patch ``time.sleep`` everywhere)."""
    import types

    import interview_followup.integrations.google_api as google_api

    monkeypatch.setattr(google_api, "time", types.SimpleNamespace(sleep=lambda seconds: None))


def inserts(emulator) -> int:
    return sum(1 for m, p in emulator.requests if m == "POST" and p.endswith("/tasks"))


def hold_answers_to(emulator, monkeypatch, method: str, path_end: str, times: int = 1000) -> None:
    """The next ``times`` requests of ``method`` to a path ending in ``path_end`` are
    carried out, and their answers held back longer than the client waits."""
    real = emulator.dispatch
    left = [times]

    def hold(m, raw_path, body, content_type):
        if m == method and raw_path.split("?")[0].endswith(path_end) and left[0] > 0:
            left[0] -= 1
            emulator.timeout_after_write(path_end, times=1)
        return real(m, raw_path, body, content_type)

    monkeypatch.setattr(emulator, "dispatch", hold)


# --- the contract, with tasks on -----------------------------------------------------------


class TestGoogleRemindersWithTasksContract(ReminderSinkContract):
    @pytest.fixture
    def sink(self, tmp_path, google_emulator):
        self.emulator = google_emulator
        return open_sink(tmp_path, google_emulator)

    def stored_keys(self, sink):
        """The calendar's keys; and the task list holds exactly one task per task reminder."""
        assert task_keys(self.emulator) == event_keys(self.emulator, task_only=True)
        return event_keys(self.emulator)

    def test_tasks_follow_the_task_reminders(self, sink):
        sink.put(make_reminder("aaaaaaaa.thank-you-reminder", task=True, link=LINK))
        sink.put(make_reminder("bbbbbbbb.debrief"))
        assert task_keys(self.emulator) == ["aaaaaaaa.thank-you-reminder"]
        assert self.stored_keys(sink) == ["aaaaaaaa.thank-you-reminder", "bbbbbbbb.debrief"]


# --- settings and scopes -------------------------------------------------------------------


def test_task_settings_have_defaults_and_are_checked():
    problems: list[str] = []
    s = schema.build(GoogleReminders.Settings, {}, "reminders", problems)
    assert problems == [] and s.tasks is False and s.task_list == "Interview follow-ups"
    s = schema.build(GoogleReminders.Settings, {"tasks": True, "task_list": "Job hunt"}, "reminders", problems)
    assert problems == [] and s.tasks and s.task_list == "Job hunt"
    for bad in ({"tasks": True, "task_list": " "}, {"task_list": "two\nlines"}, {"task_list": "x" * 1025}):
        problems = []
        schema.build(GoogleReminders.Settings, bad, "reminders", problems)
        assert problems and "task_list" in problems[0], bad
    problems = []
    schema.build(GoogleReminders.Settings, {"task_list": ""}, "reminders", problems)  # unused while tasks is off
    assert problems == []


def test_tasks_scope_is_asked_only_when_tasks_are_on():
    tasks = "https://www.googleapis.com/auth/tasks"
    off = GoogleReminders.oauth_for(GoogleReminders.Settings())
    on = GoogleReminders.oauth_for(GoogleReminders.Settings(tasks=True))
    assert off == ("google", ("https://www.googleapis.com/auth/calendar.events",))
    assert on == ("google", ("https://www.googleapis.com/auth/calendar.events", tasks))


def test_a_sink_without_tasks_never_calls_the_tasks_api(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, tasks=False)
    sink.put(make_reminder(task=True, link=LINK))
    sink.remove(make_reminder().key)
    sink.check()
    assert not [p for _, p in google_emulator.requests if p.startswith("/tasks/")]


# --- tasks ---------------------------------------------------------------------------------


def test_task_reminder_also_appears_in_the_own_task_list_with_its_due_date_and_link(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    reminder = make_reminder(task=True, link=LINK)  # 17 November 2026, 17:30 in Berlin
    sink.put(reminder)
    (task,) = our_tasks(google_emulator)
    assert task["title"] == reminder.title
    assert task["due"] == "2026-11-17T00:00:00.000Z"
    assert task["status"] == "needsAction"
    assert task["notes"].startswith(reminder.description)
    assert f"Open the draft: {LINK}" in task["notes"]
    assert task["notes"].splitlines()[-1] == KEY_LINE + reminder.key
    assert google_emulator.tasks.tasks(google_emulator.tasks.default_id) == []  # the user's own list is left alone
    remembered = json.loads((tmp_path / "data" / TASK_LIST_FILE).read_text())
    assert remembered["id"] == task_lists(google_emulator)[0]
    assert (tmp_path / "data" / TASK_LIST_FILE).stat().st_mode & 0o777 == 0o600
    assert sink.find(reminder.key) == reminder  # read from the calendar, as before


@pytest.mark.parametrize("start,day", [
    (datetime(2026, 11, 17, 23, 30, tzinfo=BERLIN), "2026-11-17"),  # 22:30 UTC
    (datetime(2026, 11, 18, 0, 30, tzinfo=BERLIN), "2026-11-18"),  # 23:30 UTC the day before
    (datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN), "2026-03-29"),  # the night the clocks change
])
def test_the_due_date_is_the_local_date(tmp_path, google_emulator, start, day):
    open_sink(tmp_path, google_emulator).put(make_reminder(task=True, start=start))
    (task,) = our_tasks(google_emulator)
    assert task["due"] == f"{day}T00:00:00.000Z"


def test_a_link_already_in_the_description_is_not_repeated(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True, link=LINK, description=f"Send it today.\n\nOpen the draft: {LINK}"))
    (task,) = our_tasks(google_emulator)
    assert task["notes"].count(LINK) == 1


def test_long_notes_are_shortened_and_keep_the_key(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    reminder = make_reminder(task=True, link=LINK, description="word " * 3000, title="T" * 1500)
    sink.put(reminder)
    sink.put(reminder)  # and the shortened task counts as unchanged
    (task,) = our_tasks(google_emulator)
    assert len(task["notes"]) <= 8192 and len(task["title"]) == 1024
    assert key_of(task) == reminder.key and LINK in task["notes"]


def test_a_moved_reminder_moves_its_task_and_an_unchanged_one_writes_nothing(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    before = len(google_emulator.requests)
    sink.put(make_reminder(task=True))
    assert writes(google_emulator, before) == []
    moved = make_reminder(task=True, title="Send it now", start=datetime(2026, 11, 19, 9, tzinfo=BERLIN))
    sink.put(moved)
    (task,) = our_tasks(google_emulator)
    assert (task["title"], task["due"]) == ("Send it now", "2026-11-19T00:00:00.000Z")


def test_lost_task_insert_answer_never_makes_a_second_task(tmp_path, google_emulator, monkeypatch):
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1)
    sink.put(make_reminder("warm.up", task=True))  # the token is refreshed and the list made before the fault is armed
    google_emulator.hold_seconds = 2
    hold_answers_to(google_emulator, monkeypatch, "POST", "/tasks")
    sink.put(make_reminder(task=True))  # the insert is carried out, its answer lost; looking again finds it
    sink.put(make_reminder(task=True))
    sink.put(make_reminder(task=True, title="Changed"))
    assert task_keys(google_emulator) == sorted([make_reminder().key, "warm.up"])
    assert inserts(google_emulator) == 2  # warm.up's and this one's
    (task,) = [t for t in our_tasks(google_emulator) if key_of(t) == make_reminder().key]
    assert task["title"] == "Changed"


def test_a_task_insert_refused_as_busy_is_transient_and_done_once_later(tmp_path, google_emulator, monkeypatch):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder("warm.up", task=True))
    real = google_emulator.dispatch

    def busy_inserts(method, raw_path, body, content_type):
        if method == "POST" and raw_path.split("?")[0].endswith("/tasks"):
            google_emulator.fail(503, "/tasks", times=1)
        return real(method, raw_path, body, content_type)

    monkeypatch.setattr(google_emulator, "dispatch", busy_inserts)
    with pytest.raises(Transient):
        sink.put(make_reminder(task=True))
    monkeypatch.setattr(google_emulator, "dispatch", real)
    sink.put(make_reminder(task=True))
    assert task_keys(google_emulator) == sorted([make_reminder().key, "warm.up"])


def test_a_held_look_up_is_retried_and_makes_one_task(tmp_path, google_emulator, monkeypatch):
    no_backoff(monkeypatch)
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1)
    sink.put(make_reminder("warm.up", task=True))
    google_emulator.hold_seconds = 2
    hold_answers_to(google_emulator, monkeypatch, "GET", "/tasks", times=1)
    sink.put(make_reminder(task=True))  # the look-up before the insert is held, then asked again
    sink.put(make_reminder(task=True))
    assert google_emulator.count("GET", "/tasks") >= 4 and inserts(google_emulator) == 2
    assert task_keys(google_emulator) == sorted([make_reminder().key, "warm.up"])


def test_a_lost_list_insert_answer_never_makes_a_second_list(tmp_path, google_emulator, monkeypatch):
    sink = open_sink(tmp_path, google_emulator, timeout_seconds=1)
    sink.find("warm.up")
    google_emulator.hold_seconds = 2
    hold_answers_to(google_emulator, monkeypatch, "POST", "/users/@me/lists")
    sink.put(make_reminder(task=True))
    assert len(task_lists(google_emulator)) == 1
    assert task_keys(google_emulator) == [make_reminder().key]


def test_removing_a_reminder_removes_its_task(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder("aaaaaaaa.thank-you-reminder", task=True))
    sink.put(make_reminder("bbbbbbbb.followup-reminder", task=True))
    sink.remove("aaaaaaaa.thank-you-reminder")
    assert task_keys(google_emulator) == ["bbbbbbbb.followup-reminder"]
    sink.remove("aaaaaaaa.thank-you-reminder")  # absent is fine
    # a reminder that stops being a task loses its task too
    sink.put(make_reminder("bbbbbbbb.followup-reminder", task=False))
    assert task_keys(google_emulator) == []
    assert event_keys(google_emulator) == ["bbbbbbbb.followup-reminder"]


def test_a_removed_task_reminder_put_again_gets_a_task_again(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    sink.remove(make_reminder().key)
    sink.put(make_reminder(task=True, title="Back"))
    (task,) = our_tasks(google_emulator)
    assert task["title"] == "Back"


def test_a_completed_task_stays_completed(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    (list_id,) = task_lists(google_emulator)
    (task,) = our_tasks(google_emulator)
    google_emulator.tasks.complete_in_app(list_id, task["id"])  # ticked off: hidden from default lists
    before = len(google_emulator.requests)
    sink.put(make_reminder(task=True))
    assert writes(google_emulator, before) == []
    sink.put(make_reminder(task=True, title="Moved", start=datetime(2026, 11, 20, 9, tzinfo=BERLIN)))
    (after,) = google_emulator.tasks.tasks(list_id)
    assert after["id"] == task["id"]
    assert after["status"] == "completed" and after["hidden"] and after["completed"]
    assert (after["title"], after["due"]) == ("Moved", "2026-11-20T00:00:00.000Z")
    sink.remove(make_reminder().key)  # the loop closed: its tasks go, done or not
    assert google_emulator.tasks.tasks(list_id) == []


def test_duplicate_tasks_are_collapsed_and_a_completed_one_stays(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    (list_id,) = task_lists(google_emulator)
    (task,) = our_tasks(google_emulator)
    copy_body = {k: task[k] for k in ("title", "notes", "due")}
    from interview_followup.integrations.google_api import GoogleApi

    api = GoogleApi(token_path(tmp_path / "data"), google_emulator.url)
    copy = api.call("tasks", "v1", lambda s: s.tasks().insert(tasklist=list_id, body=copy_body), write=True, what="copy")
    google_emulator.tasks.complete_in_app(list_id, copy["id"])
    sink.put(make_reminder(task=True, title="Changed"))
    (kept,) = our_tasks(google_emulator)
    assert kept["id"] == copy["id"] and kept["status"] == "completed" and kept["title"] == "Changed"


def test_a_task_edited_by_the_user_without_its_key_line_is_left_alone(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    (list_id,) = task_lists(google_emulator)
    (task,) = our_tasks(google_emulator)
    google_emulator.tasks.edit(list_id, task["id"], {"notes": "my own notes"})
    sink.remove(make_reminder().key)
    assert [t["notes"] for t in our_tasks(google_emulator)] == ["my own notes"]


def test_existing_task_list_of_that_name_is_reused(tmp_path, google_emulator):
    list_id = google_emulator.tasks.add_list(LIST)
    users_own = google_emulator.tasks.add_task(list_id, {"title": "Buy a tie"})
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    assert task_lists(google_emulator) == [list_id]
    assert sorted(t["title"] for t in google_emulator.tasks.tasks(list_id)) == sorted(
        ["Buy a tie", make_reminder().title])
    # a fresh process uses the remembered id; with the file lost, it finds the list by name
    lists = google_emulator.count("GET", "/users/@me/lists")
    open_sink(tmp_path, google_emulator).put(make_reminder("x.thank-you-reminder", task=True))
    assert google_emulator.count("GET", "/users/@me/lists") == lists
    (tmp_path / "data" / TASK_LIST_FILE).unlink()
    open_sink(tmp_path, google_emulator).put(make_reminder("y.thank-you-reminder", task=True))
    assert task_lists(google_emulator) == [list_id]
    assert task_keys(google_emulator) == sorted([make_reminder().key, "x.thank-you-reminder", "y.thank-you-reminder"])
    sink.remove("x.thank-you-reminder")
    assert users_own in google_emulator.tasks.tasks(list_id)  # never touched


def test_a_deleted_task_list_is_made_again(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    (list_id,) = task_lists(google_emulator)
    del google_emulator.tasks.lists[list_id]  # the user deleted the list
    sink.put(make_reminder("x.thank-you-reminder", task=True))
    (new_id,) = task_lists(google_emulator)
    assert new_id != list_id and task_keys(google_emulator) == ["x.thank-you-reminder"]
    assert json.loads((tmp_path / "data" / TASK_LIST_FILE).read_text())["id"] == new_id


def test_dry_run_writes_no_task_and_makes_no_list(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, dry_run=True)
    sink.put(make_reminder(task=True))
    sink.remove(make_reminder().key)
    assert writes(google_emulator) == []
    assert task_lists(google_emulator) == []
    assert not (tmp_path / "data" / TASK_LIST_FILE).exists()


def test_check_has_a_line_for_the_task_list(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    checks = sink.check()
    assert [c.name for c in checks] == ["google token", "google reminders calendar", "google task list"]
    assert all(c.ok for c in checks) and "created on first use" in checks[2].detail
    sink.put(make_reminder(task=True))
    assert sink.check()[2].ok and "can be read" in sink.check()[2].detail
    assert writes(google_emulator)  # (the put wrote; check itself writes nothing:)
    before = len(google_emulator.requests)
    sink.check()
    assert writes(google_emulator, before) == []


def test_check_says_init_when_the_sign_in_lacks_the_tasks_scope(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator, scopes=SCOPES["calendar"])
    line = sink.check()[2]
    assert not line.ok and "init" in line.detail


def test_check_without_a_token_does_not_try_the_task_list(tmp_path, google_emulator):
    s = GoogleReminders.Settings(api_endpoint=google_emulator.url, tasks=True)
    checks = GoogleReminders.open(s, make_context(tmp_path)).check()
    assert [c.ok for c in checks] == [False, False, False]
    assert google_emulator.requests == []


def test_the_tasks_api_not_enabled_tells_how_to_enable_it(tmp_path, google_emulator):
    sink = open_sink(tmp_path, google_emulator)
    google_emulator.fail(403, "/tasks/v1/", times=10, reason="accessNotConfigured")
    with pytest.raises(NeedsUser) as caught:
        sink.put(make_reminder(task=True))
    assert "enable" in str(caught.value) and "README" in str(caught.value)
    assert "enable" in sink.check()[2].detail


# --- through the engine --------------------------------------------------------------------


def engine_config(endpoint: str) -> str:
    """Calendar and drafts in local files, reminders (with tasks) on the emulator."""
    return config(reminders=f'kind = "google"\ntasks = true\ntoken_file = "google-token.json"\n'
                            f'api_endpoint = "{endpoint}"\ntimeout_seconds = 2\n')


def test_a_followup_step_yields_a_task_in_the_list(tmp_path, google_emulator, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    world = World(tmp_path / "world", engine_config(google_emulator.url))
    settings = GoogleReminders.Settings(tasks=True)
    write_token(world.root / "google-token.json", google_emulator, list(GoogleReminders.oauth_for(settings)[1]))
    world.set_calendar(ACME)  # Tuesday 17 November 2026, 14:00-15:00, a small company

    def tasks_by_step() -> dict[str, dict]:
        assert task_keys(google_emulator) == event_keys(google_emulator, task_only=True)
        return {key_of(t).partition(".")[2]: t for t in our_tasks(google_emulator) if key_of(t)}

    world.once("2026-11-17T18:00:00+01:00")
    tasks = tasks_by_step()
    assert set(tasks) == {"thank-you-reminder", "thank-you-nudge", "followup-reminder"}  # the debrief is no task
    assert "debrief" in {k.partition(".")[2] for k in event_keys(google_emulator)}
    assert tasks["thank-you-reminder"]["due"] == "2026-11-17T00:00:00.000Z"
    # Tuesday + 4 days is Saturday: the follow-up is due on Monday
    assert tasks["followup-reminder"]["due"] == "2026-11-23T00:00:00.000Z"
    assert tasks["followup-reminder"]["title"] and tasks["followup-reminder"]["status"] == "needsAction"
    assert (tmp_path / "share" / "interview-followup" / TASK_LIST_FILE).exists()

    before = len(google_emulator.requests)
    world.once("2026-11-17T18:05:00+01:00")  # nothing changed: nothing is written
    assert writes(google_emulator, before) == []

    world.deliver("Sent", sender="Alex Example <alex@example.org>", to="jane.doe@acme.example",
                  subject="Thank you", date="Tue, 17 Nov 2026 18:30:00 +0100")
    world.once("2026-11-17T19:00:00+01:00")  # the thank-you went out: no nudge, and no task for it
    assert "thank-you-nudge" not in tasks_by_step()

    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Thu, 19 Nov 2026 11:00:00 +0100",
                  body="Dear Alex, we would like to invite you to a second interview. Jane")
    world.once("2026-11-19T12:00:00+01:00")  # the employer answered: the follow-up and its task go
    assert "followup-reminder" not in tasks_by_step()


# --- the emulator keeps Google's rules (checked with the real client) ------------------------


def _client(tmp_path, emulator):
    from interview_followup.integrations.google_api import GoogleApi

    path = write_token(tmp_path / "token.json", emulator, SCOPES["tasks"])
    api = GoogleApi(path, emulator.url, timeout_seconds=1)
    # the statuses these tests look at are let through as the library raises them
    return lambda make, write=False: api.call("tasks", "v1", make, write=write, what="test",
                                              expect=(400, 404, 409, 410))


def _status(run) -> int:
    from googleapiclient.errors import HttpError

    with pytest.raises(HttpError) as caught:
        run()
    return caught.value.resp.status


def test_emulator_task_lists(tmp_path, google_emulator):
    call = _client(tmp_path, google_emulator)
    assert [tl["title"] for tl in call(lambda s: s.tasklists().list())["items"]] == [DEFAULT_TITLE]
    assert _status(lambda: call(lambda s: s.tasklists().insert(body={}), write=True)) == 400
    assert _status(lambda: call(lambda s: s.tasklists().insert(body={"title": "  "}), write=True)) == 400
    made = call(lambda s: s.tasklists().insert(body={"title": "Mine"}), write=True)
    assert call(lambda s: s.tasklists().get(tasklist=made["id"]))["title"] == "Mine"
    assert call(lambda s: s.tasklists().get(tasklist="@default"))["title"] == DEFAULT_TITLE
    for n in range(3):
        call(lambda s, n=n: s.tasklists().insert(body={"title": f"L{n}"}), write=True)
    first = call(lambda s: s.tasklists().list(maxResults=2))
    assert len(first["items"]) == 2 and first["nextPageToken"]
    rest = call(lambda s: s.tasklists().list(pageToken=first["nextPageToken"]))
    assert len(rest["items"]) == 3 and "nextPageToken" not in rest
    call(lambda s: s.tasklists().delete(tasklist=made["id"]), write=True)
    assert _status(lambda: call(lambda s: s.tasklists().get(tasklist=made["id"]))) == 404
    assert _status(lambda: call(lambda s: s.tasks().list(tasklist=made["id"]))) == 404


def test_emulator_tasks_keep_only_the_due_date_and_check_their_fields(tmp_path, google_emulator):
    call = _client(tmp_path, google_emulator)
    tl = call(lambda s: s.tasklists().insert(body={"title": "Mine"}), write=True)["id"]
    made = call(lambda s: s.tasks().insert(tasklist=tl, body={
        "title": "Call Acme", "due": "2030-03-10T15:45:00+01:00", "id": "mine", "hidden": True}), write=True)
    assert made["due"] == "2030-03-10T00:00:00.000Z" and made["id"] != "mine" and not made.get("hidden")
    assert made["status"] == "needsAction"
    for bad in ({"due": "2030-03-10"}, {"due": "tomorrow"}, {"status": "done"}, {"title": "x" * 1025},
                {"notes": "x" * 8193}):
        assert _status(lambda b=bad: call(lambda s: s.tasks().insert(tasklist=tl, body=b), write=True)) == 400, bad
    assert _status(lambda: call(lambda s: s.tasks().get(tasklist=tl, task="nobody"))) == 404
    assert _status(lambda: call(lambda s: s.tasks().patch(tasklist=tl, task="nobody", body={}), write=True)) == 404
    assert _status(lambda: call(lambda s: s.tasks().delete(tasklist=tl, task="nobody"), write=True)) == 404
    done = call(lambda s: s.tasks().patch(tasklist=tl, task=made["id"], body={"status": "completed"}), write=True)
    assert done["completed"] and done["title"] == "Call Acme"
    again = call(lambda s: s.tasks().update(tasklist=tl, task=made["id"], body={"title": "Call Acme back"}), write=True)
    assert again["status"] == "needsAction" and "completed" not in again and "due" not in again
    call(lambda s: s.tasks().delete(tasklist=tl, task=made["id"]), write=True)
    assert call(lambda s: s.tasks().list(tasklist=tl))["items"] == []
    assert [t["id"] for t in call(lambda s: s.tasks().list(tasklist=tl, showDeleted=True))["items"]] == [made["id"]]


def test_emulator_lists_hide_what_google_hides_and_page(tmp_path, google_emulator):
    call = _client(tmp_path, google_emulator)
    tl = call(lambda s: s.tasklists().insert(body={"title": "Mine"}), write=True)["id"]
    ids = [call(lambda s, n=n: s.tasks().insert(tasklist=tl, body={"title": f"T{n}"}), write=True)["id"]
           for n in range(25)]
    page = call(lambda s: s.tasks().list(tasklist=tl))
    assert len(page["items"]) == 20 and page["items"][0]["title"] == "T24"  # newest on top, 20 by default
    rest = call(lambda s: s.tasks().list(tasklist=tl, pageToken=page["nextPageToken"]))
    assert len(rest["items"]) == 5 and "nextPageToken" not in rest
    call(lambda s: s.tasks().patch(tasklist=tl, task=ids[0], body={"status": "completed"}), write=True)
    google_emulator.tasks.complete_in_app(tl, ids[1])

    def titles(**flags):
        return {t["title"] for t in call(lambda s: s.tasks().list(tasklist=tl, maxResults=100, **flags))["items"]}

    assert "T0" in titles() and "T1" not in titles()  # completed in the app: hidden by default
    assert "T0" not in titles(showCompleted=False)
    assert {"T0", "T1"} <= titles(showHidden=True)
    call(lambda s: s.tasks().clear(tasklist=tl), write=True)
    assert "T0" not in titles() and "T0" in titles(showHidden=True)


def test_emulator_fault_switches_reach_the_tasks_api(tmp_path, google_emulator, monkeypatch):
    no_backoff(monkeypatch)
    from interview_followup.daemon.errors import UnknownOutcome

    call = _client(tmp_path, google_emulator)
    tl = call(lambda s: s.tasklists().insert(body={"title": "Mine"}), write=True)["id"]
    google_emulator.fail(503, "/tasks/v1/lists/", times=2)
    assert call(lambda s: s.tasks().list(tasklist=tl))["items"] == []  # a read is retried
    google_emulator.fail(503, "/tasks/v1/lists/", times=1)
    with pytest.raises(Transient):
        call(lambda s: s.tasks().insert(tasklist=tl, body={"title": "x"}), write=True)
    google_emulator.hold_seconds = 2
    google_emulator.timeout_after_write("/tasks/v1/lists/", times=1)
    with pytest.raises(UnknownOutcome):
        call(lambda s: s.tasks().insert(tasklist=tl, body={"title": "y"}), write=True)
    assert [t["title"] for t in google_emulator.tasks.tasks(tl)] == ["y"]  # the write happened
    assert google_emulator.count(path_contains="/tasks/v1/tasks/") == 0  # the paths are the discovery document's


# --- a server that does not behave like Google (issue 13) ----------------------------------


def test_the_users_tasks_in_the_list_are_never_touched(tmp_path, google_emulator):
    list_id = google_emulator.tasks.add_list(LIST)
    plain = google_emulator.tasks.add_task(list_id, {"title": "Buy milk", "notes": "two litres"})
    other = google_emulator.tasks.add_task(list_id, {"title": "Not this one",
                                                     "notes": KEY_LINE + "someone.else\nmore"})
    before = {t["id"]: t for t in google_emulator.tasks.tasks(list_id)}
    sink = open_sink(tmp_path, google_emulator)
    sink.put(make_reminder(task=True))
    sink.put(make_reminder(task=True, title="Moved"))
    sink.remove(make_reminder().key)
    sink.remove("someone.els")
    after = {t["id"]: t for t in google_emulator.tasks.tasks(list_id)}
    assert after[plain["id"]] == before[plain["id"]] and after[other["id"]] == before[other["id"]]
    assert not [p for m, p in writes(google_emulator) if plain["id"] in p or other["id"] in p]


@pytest.fixture
def notes_dropped():
    from google_emulator import calendar_api, tasks_api
    from google_emulator.fixtures import running_emulator

    yield from running_emulator(calendar_api.install, tasks_api.install, quirks=frozenset({"drop_task_notes"}))


def test_a_server_that_drops_the_notes_gets_one_task_then_none(tmp_path, notes_dropped):
    sink = open_sink(tmp_path, notes_dropped)
    with pytest.raises(NeedsUser) as caught:
        sink.put(make_reminder(task=True))
    assert "no tasks are written" in str(caught.value) and "reminders.tasks = false" in str(caught.value)
    assert inserts(notes_dropped) == 1 and our_tasks(notes_dropped) == []  # the one written was deleted again
    for again in (sink, open_sink(tmp_path, notes_dropped)):
        with pytest.raises(NeedsUser):
            again.put(make_reminder("x.thank-you-reminder", task=True))
    assert inserts(notes_dropped) == 1
    assert not open_sink(tmp_path, notes_dropped).check()[2].ok
    assert event_keys(notes_dropped) == sorted([make_reminder().key, "x.thank-you-reminder"])  # the calendar works
