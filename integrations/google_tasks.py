"""Google Tasks beside the Google Calendar reminders (``reminders.tasks = true``): every
reminder that asks the user to do something (``Reminder.task``: send the thank-you, send
the follow-up, make the call) is also kept as one task in a task list of the program's own.
Used by ``GoogleReminders``; not a provider itself.

Rules:
- The list is named by ``reminders.task_list``. It is created on first use and its id
  remembered in the data folder (``google-reminders-tasklist.json``, mode 0600); an
  existing list of that name is reused. A remembered list that was deleted is looked up
  by name, or created, again.
- One task per reminder key. Google Tasks has no private properties, so the key is a line
  of the notes, ``interview-followup key: <key>`` (the last such line counts). The list is
  the program's own, so finding a key means listing the list, completed and hidden tasks
  included, page by page.
- A task: the reminder's title; ``due`` the reminder's date in the user's time zone (Google
  Tasks keeps a date only: it is sent as midnight UTC of that date); notes: the
  description, the link to the draft (unless the description holds it already) and the
  key line, the description shortened when Google's 8192 characters would be exceeded.
- Exactly once: every write is preceded by a look-up of the key, and task ids are chosen
  by Google, so an insert whose answer was lost (``UnknownOutcome``) is settled by looking
  again; when the task is still not there the ``UnknownOutcome`` stands and the next put
  looks before it writes.
- A task the user completed stays completed: an existing task is only ever patched in its
  title, due date and notes, and only when those changed (the done list keeps a right
  date and link); its status is never sent, so it is never reopened.
- A task the user deleted is not looked for (Google lists deleted tasks only on request):
  it comes back only when the reminder changes (the engine puts changed reminders only).
- Duplicates (copied by hand, or by an old version): one stays, a completed one first;
  the others are deleted. Removing deletes every task with the key, done or not.
- Never touching what is not ours: a task is patched or deleted only when its own notes
  carry the key (checked here on every task listed, whatever the server was asked); a
  task of the user's in the list, without the key line, is never changed.
- The first task a process writes is read back: when the server did not keep its key line
  (notes dropped or cut), the task just written is deleted, the verdict is kept in the
  data folder (``google-reminders-tasks-unkept.json``, for that server and list) and every
  ``put`` raises ``NeedsUser`` saying so, instead of writing a duplicate each time.
- Dry run: nothing is written, and no list is created.
"""

from __future__ import annotations

import logging
import json
from datetime import datetime, time, timezone
from typing import Any, Callable

from interview_followup.daemon.errors import NeedsUser, UnknownOutcome
from interview_followup.daemon.model import Check, Reminder
from interview_followup.daemon.providers import ProviderContext

from .google_api import SCOPES, GoogleApi, remember_id, remembered_id, save_token

log = logging.getLogger(__name__)

TASK_LIST_FILE = "google-reminders-tasklist.json"
UNKEPT_FILE = "google-reminders-tasks-unkept.json"  # a server that did not keep a task's key line
KEY_LINE = "interview-followup key: "
TITLE_MAX = 1024
NOTES_MAX = 8192
PAGE_SIZE = 100  # the most tasks.list gives per page


class GoogleTaskList:
    """The program's own Google Tasks list, holding one task per task reminder."""

    def __init__(self, api: GoogleApi, context: ProviderContext, name: str, api_endpoint: str = ""):
        self.api = api
        self.context = context
        self.name = name
        self.api_endpoint = api_endpoint
        self.list_file = context.data_dir / TASK_LIST_FILE
        self.unkept_file = context.data_dir / UNKEPT_FILE
        self._list_id = ""
        self._read_back = False  # the first task written by this process was read back and kept
        self._unkept: dict | None = None  # the verdict file's content, once read

    # --- what GoogleReminders uses ---------------------------------------------------

    def put(self, reminder: Reminder) -> None:
        """Create or update the task of ``reminder`` (a normalised task reminder)."""
        if self.context.dry_run:
            return
        body = self.body(reminder)
        try:
            self._put(reminder.key, body)
        except UnknownOutcome:
            # the answer was lost: look once more, and say "unknown" only if still unsure
            found = self._tasks(create=False)
            if found is None or not any(_same(t, body) for t in _with_key(found[1], reminder.key)):
                raise

    def remove(self, key: str) -> None:
        """Delete every task with ``key``; absent is fine."""
        if self.context.dry_run:
            return
        found = self._tasks(create=False)
        if found is None:
            return
        list_id, tasks = found
        for task in _with_key(tasks, key):
            self._delete(list_id, task["id"])

    def flush(self) -> None:
        """Nothing: each put and remove reached Google when it returned."""

    def check(self) -> Check:
        label = "google task list"
        try:
            granted = self.api.credentials().scopes
            if granted and not set(SCOPES["tasks"]) <= set(granted):
                return Check(label, False, "the Google sign-in does not cover Google Tasks: "
                                           "run `interview-followup init` again")
            list_id = self._find_list()
            if list_id is None:
                return Check(label, True, f"the task list {self.name!r} will be created on first use")
            self._refuse_if_unkept(list_id)
            try:
                self._read(lambda s: s.tasks().list(tasklist=list_id, maxResults=1), "reading the task list")
            except _Missing:
                self._forget()
                return Check(label, True, f"the task list {self.name!r} was deleted; it will be made again on first use")
        except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
            return Check.failed(label, exc)
        return Check(label, True, f"task list {self.name!r} can be read")

    def body(self, r: Reminder) -> dict:
        """The task's writable fields for reminder ``r``."""
        day = r.start.astimezone(self.context.timezone).date()
        due = datetime.combine(day, time(0), tzinfo=timezone.utc)
        return {"title": r.title[:TITLE_MAX], "notes": _notes(r), "due": due.strftime("%Y-%m-%dT%H:%M:%S.000Z")}

    # --- writing -------------------------------------------------------------------

    def _put(self, key: str, body: dict) -> None:
        found = self._tasks(create=True)
        assert found is not None
        list_id, tasks = found
        self._refuse_if_unkept(list_id)
        mine = sorted(_with_key(tasks, key), key=lambda t: t.get("status") != "completed")
        if not mine:
            answer = self._write(lambda s: s.tasks().insert(tasklist=list_id, body={**body, "status": "needsAction"}),
                                 "writing a task")
            self._check_kept(list_id, key, body, answer)
            return
        first, *others = mine
        changes = {name: value for name, value in body.items() if not _field_equal(first, name, value)}
        if changes:  # never the status: a completed task stays completed
            try:
                self._write(lambda s: s.tasks().patch(tasklist=list_id, task=first["id"], body=changes),
                            "updating a task")
            except _Missing:  # deleted meanwhile: write it anew
                self._write(lambda s: s.tasks().insert(tasklist=list_id, body={**body, "status": "needsAction"}),
                            "writing a task")
        for extra in others:
            self._delete(list_id, extra["id"])

    def _check_kept(self, list_id: str, key: str, body: dict, answer: Any) -> None:
        """Read the first task this process writes back; see the module's rules."""
        if self._read_back:
            return
        written = str(answer.get("id") or "") if isinstance(answer, dict) else ""
        try:
            stored = self._read(lambda s: s.tasks().get(tasklist=list_id, task=written),
                                "reading back a task") if written else None
        except _Missing:
            stored = None
        if isinstance(stored, dict) and key_of(stored) == key:
            self._read_back = True
            return
        if isinstance(stored, dict) and stored.get("id") == written and stored.get("title") == body["title"]:
            try:  # the task just written (the server answered its id), without the key: unfindable
                self._delete(list_id, written)
            except Exception as exc:  # noqa: BLE001 - the verdict below matters more
                log.warning("Google Tasks: could not delete the task just written (%s): %s", written, exc)
        self._unkept = {"endpoint": self.api_endpoint, "list_id": list_id}
        try:
            save_token(self.unkept_file, self._unkept)
        except OSError as exc:
            log.warning("Google Tasks: cannot write %s: %s", self.unkept_file, exc)
        self._refuse_if_unkept(list_id)

    def _refuse_if_unkept(self, list_id: str) -> None:
        if self._unkept is None:
            self._unkept = {}
            try:
                data = json.loads(self.unkept_file.read_text(encoding="utf-8"))
                self._unkept = data if isinstance(data, dict) else {}
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as exc:
                log.warning("Google Tasks: ignoring the unreadable %s: %s", self.unkept_file, exc)
        if self._unkept.get("list_id") != list_id or self._unkept.get("endpoint") != self.api_endpoint:
            return
        server = f"the server at {self.api_endpoint}" if self.api_endpoint else "Google Tasks"
        raise NeedsUser(
            f"Google Tasks: no tasks are written to the list {self.name!r}: {server} did not keep the key line "
            "in the notes of a task written there, so it could not be found again without duplicates",
            hint=f"set reminders.tasks = false, or use a server that keeps notes; then delete {self.unkept_file} "
                 "to try again",
        )

    def _delete(self, list_id: str, task_id: str) -> None:
        try:
            self._write(lambda s: s.tasks().delete(tasklist=list_id, task=task_id), "removing a task")
        except _Missing:
            pass

    # --- reading -------------------------------------------------------------------

    def _tasks(self, create: bool) -> tuple[str, list[dict]] | None:
        """The list's id and all its tasks (completed and hidden ones too), or None when
        there is no list (and ``create`` is false)."""
        for attempt in (1, 2):
            list_id = self._list(create)
            if list_id is None:
                return None
            try:
                return list_id, self._listed(list_id)
            except _Missing:
                if attempt == 2:
                    raise NeedsUser(f"Google Tasks: the task list {self.name!r} cannot be found") from None
                log.info("Google Tasks: the task list %r was deleted; looking for it again", self.name)
                self._forget()
        raise AssertionError("unreachable")

    def _listed(self, list_id: str) -> list[dict]:
        items: list[dict] = []
        page_token = None
        while True:
            answer = self._read(lambda s, pt=page_token: s.tasks().list(
                tasklist=list_id, showCompleted=True, showHidden=True, maxResults=PAGE_SIZE, pageToken=pt,
            ), "looking for a task")
            items.extend(t for t in answer.get("items", []) if not t.get("deleted"))
            page_token = answer.get("nextPageToken")
            if not page_token:
                return items

    # --- the list ------------------------------------------------------------------

    def _list(self, create: bool) -> str | None:
        found = self._find_list()
        if found is not None or not create or self.context.dry_run:
            return found
        try:
            answer = self._write(lambda s: s.tasklists().insert(body={"title": self.name}),
                                 f"creating the task list {self.name!r}")
            found = str(answer["id"])
        except UnknownOutcome:
            found = self._list_named(self.name)  # made after all?
            if found is None:
                raise
        self._remember(found)
        return found

    def _find_list(self) -> str | None:
        """The list's id, remembered or found by name; None when there is none yet."""
        if self._list_id:
            return self._list_id
        self._list_id = remembered_id(self.list_file, self.name, self.api_endpoint, "Google Tasks")
        if self._list_id:
            return self._list_id
        found = self._list_named(self.name)
        if found is not None:
            self._remember(found)
        return found

    def _list_named(self, name: str) -> str | None:
        page_token = None
        while True:
            answer = self._read(lambda s, pt=page_token: s.tasklists().list(maxResults=1000, pageToken=pt),
                                "listing the task lists")
            for item in answer.get("items", []):
                if item.get("title") == name:
                    return str(item["id"])
            page_token = answer.get("nextPageToken")
            if not page_token:
                return None

    def _remember(self, list_id: str) -> None:
        self._list_id = list_id
        if self.context.dry_run:
            return
        remember_id(self.list_file, self.name, list_id, self.api_endpoint, "Google Tasks")

    def _forget(self) -> None:
        self._list_id = ""
        try:
            self.list_file.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("Google Tasks: cannot remove %s: %s", self.list_file, exc)

    # --- calls ---------------------------------------------------------------------

    def _read(self, make: Callable[[Any], Any], what: str) -> Any:
        return self._sorted(lambda: self.api.call("tasks", "v1", make, write=False, what=what, expect=(404, 410)))

    def _write(self, make: Callable[[Any], Any], what: str) -> Any:
        assert not self.context.dry_run
        return self._sorted(lambda: self.api.call("tasks", "v1", make, write=True, what=what, expect=(404, 410)))

    @staticmethod
    def _sorted(run: Callable[[], Any]) -> Any:
        from googleapiclient.errors import HttpError

        try:
            return run()
        except HttpError as exc:
            if exc.resp.status in (404, 410):
                raise _Missing() from None
            raise  # not reached: google_api sorts every status not expected


class _Missing(Exception):
    """404: the list or the task is not there (any more)."""


# --- helpers -------------------------------------------------------------------------------


def _notes(r: Reminder) -> str:
    tail = []
    if r.link and r.link not in r.description:
        tail.append(f"Open the draft: {r.link}")
    tail.append(KEY_LINE + r.key)
    end = "\n\n".join(tail)
    description = r.description.strip()
    room = NOTES_MAX - len(end) - 2
    if len(description) > room:
        description = description[: max(0, room - 1)].rstrip() + "…"
    return f"{description}\n\n{end}" if description else end


def key_of(task: dict) -> str:
    """The reminder key a task carries in its notes, or ""."""
    for line in reversed(str(task.get("notes") or "").splitlines()):
        if line.startswith(KEY_LINE):
            return line[len(KEY_LINE):].strip()
    return ""


def _with_key(tasks: list[dict], key: str) -> list[dict]:
    return [t for t in tasks if key_of(t) == key]


def _field_equal(task: dict, name: str, value: str) -> bool:
    if name == "due":  # Google keeps the date only
        return str(task.get("due") or "")[:10] == value[:10]
    return str(task.get(name) or "") == value


def _same(task: dict, body: dict) -> bool:
    return all(_field_equal(task, name, value) for name, value in body.items())
