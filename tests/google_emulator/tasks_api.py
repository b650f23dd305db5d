"""Google Tasks v1, emulated with real state, for the real client library.

The client is pointed at ``emulator.url``: the Tasks discovery document has an empty
service path and method paths that start with ``tasks/v1/`` (as Gmail's do). What is
emulated, after the discovery document shipped with googleapiclient
(``discovery_cache/documents/tasks.v1.json``):

- task lists: ``tasklists.list`` (``maxResults`` up to 1000, ``pageToken``), ``insert``
  (a non-empty ``title`` is required, at most 1024 characters), ``get``, ``delete`` (its
  tasks go with it). Every account has a default list, "My Tasks", also named ``@default``;
- tasks: ``insert``, ``get``, ``patch``, ``update`` (PUT), ``delete``, ``clear`` and
  ``list``. ``title`` holds at most 1024 characters and ``notes`` 8192; ``status`` is
  ``needsAction`` or ``completed`` (completing sets ``completed``, reopening removes it);
  ``due`` must be an RFC 3339 timestamp with an offset (a bare date is 400) and only its
  date is kept: it is stored as midnight UTC of that date in UTC, as Google does. Read-only
  fields sent by the client (id, etag, updated, position, hidden, links, ...) are ignored.
  An unknown task or list is 404;
- ``tasks.list``: ``maxResults`` (default 20, at most 100) and ``pageToken`` paging in
  position order (newest first, as an insert without ``previous`` puts a task on top),
  ``showCompleted`` (default true), ``showHidden`` (default false), ``showDeleted``
  (default false), ``dueMin``/``dueMax``. A task completed in Google's own apps is hidden
  (the discovery document: "showHidden must also be True to show tasks completed in first
  party clients"), so a default list does not show it; ``clear`` hides every completed task.

Not checked against Google, so kept simple: a deleted task is marked ``deleted`` (listed
only with ``showDeleted``; ``get`` still answers it, a second ``delete`` is fine); subtasks
(``parent``), ``move``, ``previous``, assigned tasks and ``updatedMin``/``completedMin``/
``completedMax`` are not emulated.

Non-conforming mode (``Emulator(quirks=...)``, see server.py): ``drop_task_notes``.

Test helpers: ``add_list(title)``, ``add_task(list_id, body)``, ``lists_titled(title)``,
``tasks(list_id, deleted=False)``,
``complete_in_app(list_id, task_id)``, ``edit(list_id, task_id, changes)``,
``delete_task(list_id, task_id)``.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from .server import ApiError, Emulator, Request

ROOT = r"/tasks/v1"
DEFAULT_TITLE = "My Tasks"
_READ_ONLY = ("id", "kind", "etag", "updated", "selfLink", "position", "parent", "links", "hidden",
              "webViewLink", "assignmentInfo")


@dataclass
class _List:
    id: str
    title: str
    updated: str
    tasks: dict[str, dict] = field(default_factory=dict)
    next_position: int = 10**12  # counts down: a new task goes on top

    def resource(self) -> dict:
        return {"kind": "tasks#taskList", "id": self.id, "etag": f'"{self.id}-{self.updated}"',
                "title": self.title, "updated": self.updated,
                "selfLink": f"https://www.googleapis.com/tasks/v1/users/@me/lists/{self.id}"}


class TasksApi:
    """The state and the handlers; ``install`` wires them into an ``Emulator``."""

    def __init__(self, emulator: Emulator):
        self.emulator = emulator
        self.lists: dict[str, _List] = {}
        self.default_id = self._new_list({"title": DEFAULT_TITLE})["id"]

    # --- test helpers ----------------------------------------------------------------

    def add_list(self, title: str) -> str:
        with self.emulator.lock:
            return self._new_list({"title": title})["id"]

    def lists_titled(self, title: str) -> list[str]:
        with self.emulator.lock:
            return [tl.id for tl in self.lists.values() if tl.title == title]

    def tasks(self, list_id: str, deleted: bool = False) -> list[dict]:
        """The stored tasks of a list (deep copies, in position order), deleted ones only if asked."""
        with self.emulator.lock:
            return [copy.deepcopy(t) for t in _ordered(self._list(list_id)) if deleted or not t.get("deleted")]

    def add_task(self, list_id: str, body: dict) -> dict:
        """A task the user made in Google's app; returns it as stored."""
        with self.emulator.lock:
            return self._insert(self._list(list_id), body)

    def complete_in_app(self, list_id: str, task_id: str) -> dict:
        """The user ticks the task off in Google's app: completed, and hidden from default lists."""
        with self.emulator.lock:
            task = self._task(self._list(list_id), task_id)
            task.update(status="completed", completed=_now(), hidden=True, updated=_now())
            return copy.deepcopy(task)

    def edit(self, list_id: str, task_id: str, changes: dict) -> dict:
        """The user edits the task in Google's app."""
        with self.emulator.lock:
            return self._patch(self._list(list_id), task_id, changes)

    def delete_task(self, list_id: str, task_id: str) -> None:
        with self.emulator.lock:
            self._task(self._list(list_id), task_id)["deleted"] = True

    # --- state -------------------------------------------------------------------------

    def _new_list(self, body: Any) -> dict:
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request", "badRequest")
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ApiError(400, "Invalid task list title.", "invalid")
        if len(title) > 1024:
            raise ApiError(400, "The task list title is too long.", "invalid")
        list_id = _new_id()
        self.lists[list_id] = _List(list_id, title, _now())
        return self.lists[list_id].resource()

    def _list(self, list_id: str) -> _List:
        list_id = unquote(list_id)
        if list_id == "@default":
            list_id = self.default_id
        found = self.lists.get(list_id)
        if found is None:
            raise ApiError(404, "Task list not found.", "notFound")
        return found

    def _task(self, tl: _List, task_id: str) -> dict:
        found = tl.tasks.get(unquote(task_id))
        if found is None:
            raise ApiError(404, "Task not found.", "notFound")
        return found

    def _insert(self, tl: _List, body: Any) -> dict:
        fields = _checked_task(body)
        task_id = _new_id()
        tl.next_position -= 1
        task = {"kind": "tasks#task", "id": task_id, "title": "", "status": "needsAction",
                "position": f"{tl.next_position:020d}",
                "selfLink": f"https://www.googleapis.com/tasks/v1/lists/{tl.id}/tasks/{task_id}",
                "webViewLink": f"https://tasks.google.com/task/{task_id}"}
        _apply(task, fields)
        tl.tasks[task_id] = task
        return copy.deepcopy(task)

    def _patch(self, tl: _List, task_id: str, changes: Any) -> dict:
        task = self._task(tl, task_id)
        _apply(task, _checked_task(changes))
        return copy.deepcopy(task)

    def _replace(self, tl: _List, task_id: str, body: Any) -> dict:
        task = self._task(tl, task_id)
        fields = _checked_task(body)
        for name in ("title", "notes", "due", "status", "completed", "deleted"):
            if name not in fields:
                task.pop(name, None)
        fields.setdefault("title", "")
        fields.setdefault("status", "needsAction")
        _apply(task, fields)
        return copy.deepcopy(task)

    # --- handlers ----------------------------------------------------------------------

    def h_lists_list(self, req: Request):
        limit = _max_results(req, default=1000, most=1000)
        ordered = list(self.lists.values())
        offset = _decode_page(req.arg("pageToken"))
        answer = {"kind": "tasks#taskLists", "etag": f'"{len(ordered)}"',
                  "items": [tl.resource() for tl in ordered[offset: offset + limit]]}
        if offset + limit < len(ordered):
            answer["nextPageToken"] = _encode_page(offset + limit)
        return 200, answer

    def h_list_insert(self, req: Request):
        return 200, self._new_list(req.body)

    def h_list_get(self, req: Request):
        return 200, self._list(req.match["list"]).resource()

    def h_list_delete(self, req: Request):
        tl = self._list(req.match["list"])
        del self.lists[tl.id]
        return 204, None

    def h_task_list(self, req: Request):
        tl = self._list(req.match["list"])
        limit = _max_results(req, default=20, most=100)
        show_completed = _flag(req, "showCompleted", True)
        show_hidden = _flag(req, "showHidden", False)
        show_deleted = _flag(req, "showDeleted", False)
        due_min = _instant(req.arg("dueMin"), "dueMin") if req.arg("dueMin") else None
        due_max = _instant(req.arg("dueMax"), "dueMax") if req.arg("dueMax") else None
        chosen = []
        for task in _ordered(tl):
            if task.get("deleted") and not show_deleted:
                continue
            if task.get("hidden") and not show_hidden:
                continue
            if task.get("status") == "completed" and not show_completed:
                continue
            if due_min is not None or due_max is not None:
                if "due" not in task:
                    continue
                due = _instant(task["due"], "due")
                if (due_min is not None and due < due_min) or (due_max is not None and due > due_max):
                    continue
            chosen.append(task)
        offset = _decode_page(req.arg("pageToken"))
        answer = {"kind": "tasks#tasks", "etag": f'"{tl.id}-{len(chosen)}"',
                  "items": copy.deepcopy(chosen[offset: offset + limit])}
        if offset + limit < len(chosen):
            answer["nextPageToken"] = _encode_page(offset + limit)
        return 200, answer

    def _client_body(self, req: Request) -> Any:
        """The body of a client's write, as a non-conforming server keeps it."""
        body = req.body
        if isinstance(body, dict) and "drop_task_notes" in self.emulator.quirks:
            body = {k: v for k, v in body.items() if k != "notes"}
        return body

    def h_task_insert(self, req: Request):
        if req.arg("parent") or req.arg("previous"):
            raise ApiError(400, "parent and previous are not emulated", "invalid")
        return 200, self._insert(self._list(req.match["list"]), self._client_body(req))

    def h_task_get(self, req: Request):
        return 200, copy.deepcopy(self._task(self._list(req.match["list"]), req.match["task"]))

    def h_task_patch(self, req: Request):
        return 200, self._patch(self._list(req.match["list"]), req.match["task"], self._client_body(req))

    def h_task_update(self, req: Request):
        return 200, self._replace(self._list(req.match["list"]), req.match["task"], self._client_body(req))

    def h_task_delete(self, req: Request):
        task = self._task(self._list(req.match["list"]), req.match["task"])
        task["deleted"] = True
        task["updated"] = _now()
        return 204, None

    def h_clear(self, req: Request):
        for task in self._list(req.match["list"]).tasks.values():
            if task.get("status") == "completed":
                task["hidden"] = True
        return 204, None


def install(emulator: Emulator) -> TasksApi:
    """Register the Tasks v1 routes on ``emulator``; returns the state (also kept as
    ``emulator.tasks``)."""
    api = TasksApi(emulator)
    lists = ROOT + r"/users/(?:@|%40)me/lists"
    task_list = ROOT + r"/lists/(?P<list>[^/]+)"
    task = task_list + r"/tasks/(?P<task>[^/]+)"
    emulator.route("GET", lists, api.h_lists_list)
    emulator.route("POST", lists, api.h_list_insert)
    emulator.route("GET", lists + r"/(?P<list>[^/]+)", api.h_list_get)
    emulator.route("DELETE", lists + r"/(?P<list>[^/]+)", api.h_list_delete)
    emulator.route("GET", task_list + r"/tasks", api.h_task_list)
    emulator.route("POST", task_list + r"/tasks", api.h_task_insert)
    emulator.route("POST", task_list + r"/clear", api.h_clear)
    emulator.route("GET", task, api.h_task_get)
    emulator.route("PATCH", task, api.h_task_patch)
    emulator.route("PUT", task, api.h_task_update)
    emulator.route("DELETE", task, api.h_task_delete)
    emulator.tasks = api  # type: ignore[attr-defined]
    return api


# --- helpers ---------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _new_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _ordered(tl: _List) -> list[dict]:
    return sorted(tl.tasks.values(), key=lambda t: t["position"])


def _instant(text: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}: {text}", "invalid") from None
    if value.tzinfo is None or "T" not in str(text):
        raise ApiError(400, f"Invalid value for {name}: {text} (an RFC 3339 timestamp is required)", "invalid")
    return value


def _flag(req: Request, name: str, default: bool) -> bool:
    text = req.arg(name)
    if not text:
        return default
    if text not in ("true", "false"):
        raise ApiError(400, f"Invalid value for {name}", "invalid")
    return text == "true"


def _max_results(req: Request, default: int, most: int) -> int:
    try:
        value = int(req.arg("maxResults", str(default)))
    except ValueError:
        raise ApiError(400, "Invalid maxResults", "invalid") from None
    if value < 1:
        raise ApiError(400, "Invalid maxResults", "invalid")
    return min(value, most)


def _checked_task(body: Any) -> dict:
    """The writable fields of a task body, checked."""
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "badRequest")
    fields = {k: copy.deepcopy(v) for k, v in body.items() if k not in _READ_ONLY}
    if "title" in fields and (not isinstance(fields["title"], str) or len(fields["title"]) > 1024):
        raise ApiError(400, "Invalid task title (at most 1024 characters).", "invalid")
    if "notes" in fields and (not isinstance(fields["notes"], str) or len(fields["notes"]) > 8192):
        raise ApiError(400, "Invalid task notes (at most 8192 characters).", "invalid")
    if "status" in fields and fields["status"] not in ("needsAction", "completed"):
        raise ApiError(400, "Invalid task status.", "invalid")
    if fields.get("due") is not None:
        due = _instant(fields["due"], "due").astimezone(timezone.utc)
        fields["due"] = due.strftime("%Y-%m-%dT00:00:00.000Z")  # only the date is kept
    if fields.get("completed") is not None:
        _instant(fields["completed"], "completed")
    if "deleted" in fields and not isinstance(fields["deleted"], bool):
        raise ApiError(400, "Invalid value for deleted.", "invalid")
    return fields


def _apply(task: dict, fields: dict) -> None:
    for name, value in fields.items():
        if value is None:
            task.pop(name, None)
        else:
            task[name] = value
    if task.get("status") == "completed":
        task.setdefault("completed", _now())
    else:
        task.pop("completed", None)
        task.pop("hidden", None)
    task["updated"] = _now()
    task["etag"] = f'"{uuid.uuid4().hex[:12]}"'


def _encode_page(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _decode_page(token: str) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "Invalid pageToken", "invalid") from None
