"""Google Tasks beside the Google Calendar reminders (``reminders.tasks = true``), with the
real client library against the local emulator (tests/google_emulator/tasks_api.py)."""

from __future__ import annotations

import types

import pytest

from daemon import schema
from daemon.errors import Transient
from google_emulator.fixtures import *  # noqa: F403 - the fixtures
from google_emulator.fixtures import write_token
from google_emulator.tasks_api import DEFAULT_TITLE
from integrations.google_api import SCOPES
from integrations.google_calendar import GoogleReminders


def no_backoff(monkeypatch) -> None:
    """No waiting between retries in google_api, while the emulator can still hold answers
    (patching ``integrations.google_api.time.sleep`` would patch ``time.sleep`` everywhere)."""
    import integrations.google_api as google_api

    monkeypatch.setattr(google_api, "time", types.SimpleNamespace(sleep=lambda seconds: None))


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


# --- the emulator keeps Google's rules (checked with the real client) ------------------------


def _client(tmp_path, emulator):
    from integrations.google_api import GoogleApi

    path = write_token(tmp_path / "token.json", emulator, SCOPES["tasks"])
    api = GoogleApi(path, emulator.url, timeout_seconds=1)
    return lambda make, write=False: api.call("tasks", "v1", make, write=write, what="test")


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
    from daemon.errors import UnknownOutcome

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
