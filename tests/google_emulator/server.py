"""A stateful local stand-in for the Google APIs the product uses, for the real
google-api-python-client to talk to (pointed at it with ``client_options``).

This file is the server skeleton: routing, JSON, the OAuth token endpoint, a request log
and fault injection. Each API (Calendar, Gmail, Tasks) registers its routes from a module
of its own in this folder, holding real state and checking what the real API requires.

Fault injection, for the next matching request(s):
- ``fail(status, path_contains="", times=1, reason="")``: answer with an HTTP error
  (429, 500, 503, 410, 404, 403 rateLimitExceeded, ...);
- ``timeout_after_write(path_contains="", times=1)``: perform the request, then hold the
  answer longer than the client waits (the write happened; the client never hears it);
- ``invalid_grant = True``: the token endpoint refuses to refresh (a revoked token).

A failure injected without a ``reason`` is answered with no ``errors`` list at all, as a
server that gives no reason does.

Non-conforming mode, for the "a server that does not behave like Google" tests:
``Emulator(quirks={...})`` with any of ``QUIRKS``:
- ``ignore_private_filter``: ``events.list`` ignores ``privateExtendedProperty`` (it
  answers every event);
- ``drop_extended_properties``: events are stored without ``extendedProperties``;
- ``ignore_event_ids``: ``events.insert`` ignores an id the client gives and assigns its
  own (so never a 409 for a taken id);
- ``no_get_profile``: Gmail's ``users.getProfile`` route is missing;
- ``plain_not_found``: a missing route is answered 404 in plain text ("404 page not
  found"), not Google's JSON;
- ``drop_task_notes``: Tasks stores a task without the ``notes`` the client sent
  (not part of ``QUIRKS_OF_THE_REPORTED_SERVER``).
Every write (POST, PUT, PATCH, DELETE but the token's) is recorded in ``writes`` as
(method, path), with its JSON body in ``write_bodies``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

Handler = Callable[["Request"], tuple[int, Any]]
# the quirks of the third-party emulator issue 13 was measured against
QUIRKS_OF_THE_REPORTED_SERVER = frozenset({"ignore_private_filter", "drop_extended_properties", "ignore_event_ids",
                                           "no_get_profile", "plain_not_found"})
QUIRKS = frozenset({"ignore_private_filter", "drop_extended_properties", "ignore_event_ids", "no_get_profile",
                    "plain_not_found", "drop_task_notes"})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    match: re.Match

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


class ApiError(Exception):
    """Raised by a route handler: answered as Google's JSON error shape."""

    def __init__(self, status: int, message: str, reason: str = ""):
        super().__init__(message)
        self.status = status
        self.reason = reason or {400: "badRequest", 404: "notFound", 410: "gone"}.get(status, "error")


@dataclass
class _Fault:
    kind: str  # "fail" or "timeout"
    path_contains: str
    times: int
    status: int = 0
    reason: str = ""


@dataclass
class Emulator:
    host: str = "127.0.0.1"
    hold_seconds: float = 3.0  # how long a "timeout" answer is held back
    poll_seconds: float = 0.02  # how soon stop() is noticed (tests start and stop many)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request
    invalid_grant: bool = False
    token_refreshes: int = 0
    quirks: frozenset[str] = frozenset()  # see QUIRKS: how this server departs from Google
    writes: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every write
    write_bodies: list[Any] = field(default_factory=list)  # the JSON body of each, in the same order

    def __post_init__(self) -> None:
        self.quirks = frozenset(self.quirks)
        unknown = self.quirks - QUIRKS
        if unknown:
            raise ValueError(f"unknown quirks: {sorted(unknown)}")
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._faults: list[_Fault] = []
        self.lock = threading.RLock()
        self.route("POST", r"/token", self._token)
        self._server = ThreadingHTTPServer((self.host, 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(self.poll_seconds,), daemon=True)

    # --- life ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def token_uri(self) -> str:
        return f"{self.url}token"

    def start(self) -> "Emulator":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- routes and faults ------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, re.compile(pattern + r"$"), handler))

    def fail(self, status: int, path_contains: str = "", times: int = 1, reason: str = "") -> None:
        with self.lock:
            self._faults.append(_Fault("fail", path_contains, times, status, reason))

    def timeout_after_write(self, path_contains: str = "", times: int = 1) -> None:
        with self.lock:
            self._faults.append(_Fault("timeout", path_contains, times))

    def count(self, method: str = "", path_contains: str = "") -> int:
        return sum(1 for m, p in self.requests if (not method or m == method) and path_contains in p)

    def _fault_for(self, path: str) -> _Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.path_contains in path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # --- OAuth ------------------------------------------------------------------------

    def _token(self, req: Request) -> tuple[int, Any]:
        self.token_refreshes += 1
        if self.invalid_grant:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        answer = {"access_token": f"emulated-{self.token_refreshes}", "expires_in": 3600, "token_type": "Bearer"}
        if isinstance(req.body, dict) and req.body.get("grant_type") == "authorization_code":
            answer["refresh_token"] = "emulated-refresh"  # the first sign-in
        return 200, answer

    # --- HTTP -------------------------------------------------------------------------

    def dispatch(self, method: str, raw_path: str, body: bytes, content_type: str) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.requests.append((method, path))
        if content_type.startswith("application/x-www-form-urlencoded"):
            data: Any = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        elif body:
            try:
                data = json.loads(body)
            except ValueError:
                return 400, _error(400, "the body is not JSON", "parseError")
        else:
            data = None
        if method in ("POST", "PUT", "PATCH", "DELETE") and path != "/token":
            with self.lock:
                self.writes.append((method, path))
                self.write_bodies.append(data)
        fault = self._fault_for(path)
        if fault is not None and fault.kind == "fail":
            return fault.status, _error(fault.status, "injected failure", fault.reason)
        for route_method, pattern, handler in self._routes:
            m = pattern.match(path)
            if m and route_method == method:
                try:
                    with self.lock:
                        status, answer = handler(Request(method, path, query, data, m))
                except ApiError as exc:
                    status, answer = exc.status, _error(exc.status, str(exc), exc.reason)
                if fault is not None and fault.kind == "timeout":
                    time.sleep(self.hold_seconds)
                return status, answer
        if "plain_not_found" in self.quirks:
            return 404, "404 page not found\n"
        return 404, _error(404, f"no route for {method} {path}", "notFound")

    def _handler_class(self):
        emulator = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, answer = emulator.dispatch(
                    self.command, self.path, body, self.headers.get("Content-Type", "")
                )
                text = isinstance(answer, str)  # a server that answers in plain text
                payload = b"" if answer is None else answer.encode() if text else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8" if text else
                                 "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return _H


def _error(status: int, message: str, reason: str = "") -> dict:
    if not reason:  # a server that gives no reason
        return {"error": {"code": status, "message": message}}
    return {"error": {"code": status, "message": message, "errors": [{"reason": reason, "message": message}]}}
