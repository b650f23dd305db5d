"""The ``ics`` calendar source with ``calendar.url``: a published calendar over HTTP(S).

Each test starts a small HTTP server on a free loopback port (``FeedServer``): it serves
one calendar, honours If-None-Match and If-Modified-Since as Google's and Outlook's feed
servers do, and counts requests and downloads.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import socket
import stat
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import interview_followup.integrations.ics_feed as feed_module
from contracts.calendar_contract import (
    CONTRACT_ICS,
    TIMED_UID,
    WINDOW,
    CalendarSourceContract,
    context,
    retitled,
)
from interview_followup.daemon.common import toml_schema as schema
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.integrations.ics_calendar import IcsCalendar
from interview_followup.integrations.ics_feed import IcsFeed, feed_address

SECRET = "private-5f1c0ffee0ddba11"
FEED_PATH = f"/calendar/ical/alex%40example.org/{SECRET}/basic.ics"
LOGIN_PAGE = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Sign in to continue</body></html>"


class FeedServer:
    """A published calendar on 127.0.0.1, in a thread of its own."""

    def __init__(self) -> None:
        self.body = b""
        self.etag: str | None = None
        self.last_modified: str | None = "Mon, 10 Jun 2024 08:00:00 GMT"
        self.status = 200  # anything else: that status, with an HTML error page
        self.content_type = "text/calendar; charset=utf-8"
        self.delay = 0.0  # seconds before answering
        self.compress = False  # gzip when the client accepts it
        self.location = ""  # with status 301/302: where to
        self.requests: list[dict[str, str]] = []  # the headers of each request, lower-case names
        self.downloads = 0  # answers that carried the calendar
        self.release = threading.Event()  # ends every delay at once (teardown)
        self.set_body(CONTRACT_ICS)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.block_on_close = False
        server.feed = self  # type: ignore[attr-defined]
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.start()

    def set_body(self, body: bytes) -> None:
        self.body = body
        self.etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'

    def url(self, path: str = FEED_PATH) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        feed: FeedServer = self.server.feed  # type: ignore[attr-defined]
        feed.requests.append({k.lower(): v for k, v in self.headers.items()} | {"path": self.path})
        if feed.delay:
            feed.release.wait(feed.delay)
        if feed.status in (301, 302, 307):
            self._answer(feed.status, b"", {"Location": feed.location})
            return
        if feed.status != 200:
            self._answer(feed.status, b"<html><body>Error</body></html>", {"Content-Type": "text/html"})
            return
        validators = {"ETag": feed.etag, "Last-Modified": feed.last_modified}
        validators = {k: v for k, v in validators.items() if v}
        asked_etag = self.headers.get("If-None-Match")
        asked_date = self.headers.get("If-Modified-Since")
        if (asked_etag and asked_etag == feed.etag) or (
            not asked_etag and asked_date and asked_date == feed.last_modified
        ):
            self._answer(304, b"", validators)
            return
        body, headers = feed.body, {"Content-Type": feed.content_type, **validators}
        if feed.compress and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        feed.downloads += 1
        self._answer(200, body, headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feed = FeedServer()
    yield feed
    feed.stop()


def open_feed(tmp_path: Path, url: str, **settings: object) -> IcsFeed:
    source = IcsCalendar.open(IcsCalendar.Settings(url=url, **settings), context(tmp_path))
    assert isinstance(source, IcsFeed)
    return source


@pytest.fixture
def parse_count(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    from interview_followup.daemon.calendar import ical  # imported where a calendar is parsed

    real = ical.parse_calendar

    def counting(data: bytes, *, source: str, **options):
        calls.append(source)
        return real(data, source=source, **options)

    monkeypatch.setattr(ical, "parse_calendar", counting)
    return calls


class TestIcsFeed(CalendarSourceContract):
    """The shared calendar contract, read from a published address."""

    @pytest.fixture(autouse=True)
    def _serve(self, server: FeedServer) -> None:
        self.server = server

    def make_source(self, tmp_path: Path, ics: bytes) -> IcsFeed:
        self.server.set_body(ics)
        return open_feed(tmp_path, self.server.url())

    def retitle(self, tmp_path: Path, uid: str, title: str) -> None:
        self.server.set_body(retitled(self.server.body, uid, title))


# --- settings and addresses -------------------------------------------------------------


def test_webcal_means_https_and_plain_http_only_reaches_this_machine() -> None:
    assert feed_address("webcal://p42-caldav.icloud.com/published/2/abc") == (
        "https://p42-caldav.icloud.com/published/2/abc"
    )
    assert feed_address("WEBCALS://calendar.example/x.ics") == "https://calendar.example/x.ics"
    assert feed_address("  https://calendar.example/x.ics ") == "https://calendar.example/x.ics"
    assert feed_address("http://127.0.0.1:8080/x.ics") == "http://127.0.0.1:8080/x.ics"
    assert feed_address("http://[::1]/x.ics") == "http://[::1]/x.ics"
    for bad in ("http://calendar.example/x.ics", "ftp://calendar.example/x.ics", "calendar.ics",
                "https://alex:hunter2@calendar.example/x.ics"):
        with pytest.raises(ValueError):
            feed_address(bad)


def test_settings_take_a_url_and_report_a_bad_one_without_showing_it() -> None:
    problems: list[str] = []
    settings = schema.build(
        IcsCalendar.Settings, {"url": f"webcal://calendar.example{FEED_PATH}"}, "calendar", problems
    )
    assert problems == [] and settings.path is None and settings.timeout_seconds == 30
    assert SECRET not in repr(settings)
    schema.build(IcsCalendar.Settings, {"url": f"http://calendar.example{FEED_PATH}"}, "calendar", problems)
    schema.build(IcsCalendar.Settings, {"url": "https://x.example/a", "path": "c.ics"}, "calendar", problems)
    schema.build(IcsCalendar.Settings, {"url": "https://x.example/a", "timeout_seconds": 0}, "calendar", problems)
    assert len(problems) == 3
    assert "'calendar.url'" in problems[0] and "https://" in problems[0]
    assert "not both" in problems[1] and "'calendar.timeout_seconds'" in problems[2]
    assert not any(SECRET in p for p in problems)


# --- conditional requests and the cache --------------------------------------------------


def test_an_unchanged_feed_is_not_downloaded_again(
    tmp_path: Path, server: FeedServer, parse_count: list[str]
) -> None:
    source = open_feed(tmp_path, server.url())
    first = source.read(*WINDOW)
    second = source.read(*WINDOW)
    assert [e.uid for e in second.events] == [e.uid for e in first.events]
    assert (len(server.requests), server.downloads, len(parse_count)) == (2, 1, 1)
    again = server.requests[1]
    assert again["if-none-match"] == server.etag
    assert again["if-modified-since"] == server.last_modified
    assert "if-none-match" not in server.requests[0]


def test_a_feed_with_only_last_modified_is_asked_with_if_modified_since(
    tmp_path: Path, server: FeedServer
) -> None:
    server.etag = None
    source = open_feed(tmp_path, server.url())
    source.read(*WINDOW)
    source.read(*WINDOW)
    assert server.downloads == 1
    assert "if-none-match" not in server.requests[1]
    assert server.requests[1]["if-modified-since"] == server.last_modified


def test_a_changed_feed_is_downloaded_and_read_again(tmp_path: Path, server: FeedServer) -> None:
    source = open_feed(tmp_path, server.url())
    source.read(*WINDOW)
    server.set_body(CONTRACT_ICS.replace(b"Interview with Acme", b"Interview with Acme (moved)"))
    (event,) = [e for e in source.read(*WINDOW).events if e.uid == TIMED_UID]
    assert event.summary == "Interview with Acme (moved)"
    assert server.downloads == 2


def test_the_same_bytes_under_new_validators_are_not_parsed_again(
    tmp_path: Path, server: FeedServer, parse_count: list[str]
) -> None:
    source = open_feed(tmp_path, server.url())
    source.read(*WINDOW)
    server.etag = '"regenerated"'  # some servers make a new ETag for every export
    source.read(*WINDOW)
    assert (server.downloads, len(parse_count)) == (2, 1)


def test_a_restart_uses_the_cache_and_downloads_nothing(tmp_path: Path, server: FeedServer) -> None:
    before = open_feed(tmp_path, server.url())
    events = before.read(*WINDOW).events
    before.close()
    (cache,) = (tmp_path / "data").iterdir()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert SECRET.encode() not in cache.read_bytes()  # the body, yes; the address, no
    after = open_feed(tmp_path, server.url())  # a new process, as far as the source knows
    assert after.read(*WINDOW).events == events
    assert server.downloads == 1
    assert server.requests[-1]["if-none-match"] == server.etag


def test_another_address_does_not_use_the_cache_of_the_first(tmp_path: Path, server: FeedServer) -> None:
    open_feed(tmp_path, server.url()).read(*WINDOW)
    open_feed(tmp_path, server.url(FEED_PATH.replace(SECRET, "private-other"))).read(*WINDOW)
    assert server.downloads == 2
    assert "if-none-match" not in server.requests[1]


def test_a_damaged_cache_file_is_ignored(tmp_path: Path, server: FeedServer) -> None:
    open_feed(tmp_path, server.url()).read(*WINDOW)
    (cache,) = (tmp_path / "data").iterdir()
    cache.write_bytes(b"{not json\n" + CONTRACT_ICS)
    read = open_feed(tmp_path, server.url()).read(*WINDOW)
    assert any(e.uid == TIMED_UID for e in read.events)
    assert server.downloads == 2


def test_a_dry_run_writes_no_cache(tmp_path: Path, server: FeedServer) -> None:
    ctx = context(tmp_path)
    dry = type(ctx)(**{**ctx.__dict__, "dry_run": True})
    source = IcsCalendar.open(IcsCalendar.Settings(url=server.url()), dry)
    assert source.read(*WINDOW).events
    assert not (tmp_path / "data").exists()


def test_a_compressed_feed_is_read(tmp_path: Path, server: FeedServer) -> None:
    server.compress = True
    read = open_feed(tmp_path, server.url()).read(*WINDOW)
    assert any(e.uid == TIMED_UID for e in read.events)
    assert server.requests[0]["accept-encoding"] == "gzip"


# --- errors --------------------------------------------------------------------------------


def test_a_feed_that_answers_with_a_login_page_is_a_clear_error(tmp_path: Path, server: FeedServer) -> None:
    server.set_body(LOGIN_PAGE)
    server.content_type = "text/html; charset=utf-8"
    with pytest.raises(NeedsUser) as caught:
        open_feed(tmp_path, server.url()).read(*WINDOW)
    message = str(caught.value)
    assert "web page" in message and "sign-in" in message and "calendar.url" in message
    assert "127.0.0.1" in message and SECRET not in message


def test_a_login_page_served_as_a_calendar_is_still_recognised(tmp_path: Path, server: FeedServer) -> None:
    server.set_body(b"\n  " + LOGIN_PAGE)  # content type says text/calendar
    with pytest.raises(NeedsUser, match="web page"):
        open_feed(tmp_path, server.url()).read(*WINDOW)


def test_something_else_than_a_calendar_is_a_clear_error(tmp_path: Path, server: FeedServer) -> None:
    server.set_body(b'{"error": "no such calendar"}')
    with pytest.raises(NeedsUser, match="nothing readable"):
        open_feed(tmp_path, server.url()).read(*WINDOW)


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_address_says_the_secret_address_may_have_been_reset(
    tmp_path: Path, server: FeedServer, status: int
) -> None:
    server.status = status
    with pytest.raises(NeedsUser) as caught:
        open_feed(tmp_path, server.url()).read(*WINDOW)
    message = str(caught.value)
    assert f"HTTP {status}" in message and "secret address was reset" in message
    assert "Secret address in iCal format" in message and SECRET not in message


def test_an_address_that_is_not_found_says_so(tmp_path: Path, server: FeedServer) -> None:
    server.status = 404
    with pytest.raises(NeedsUser) as caught:
        open_feed(tmp_path, server.url()).read(*WINDOW)
    assert "HTTP 404" in str(caught.value) and "unpublished" in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_transient(tmp_path: Path, server: FeedServer, status: int) -> None:
    server.status = status
    with pytest.raises(Transient, match=f"HTTP {status}"):
        open_feed(tmp_path, server.url()).read(*WINDOW)


def test_a_server_that_does_not_answer_in_time_is_transient(tmp_path: Path, server: FeedServer) -> None:
    server.delay = 10
    source = open_feed(tmp_path, server.url(), timeout_seconds=0.3)
    began = time.monotonic()
    with pytest.raises(Transient, match="timeout"):
        source.read(*WINDOW)
    assert time.monotonic() - began < 3


def test_a_closed_port_is_transient(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once the socket is closed
    with pytest.raises(Transient, match="calendar.url"):
        open_feed(tmp_path, f"http://127.0.0.1:{port}{FEED_PATH}").read(*WINDOW)


def test_a_feed_over_the_size_cap_is_refused(tmp_path: Path, server: FeedServer) -> None:
    with pytest.raises(NeedsUser, match="max_megabytes"):
        open_feed(tmp_path, server.url(), max_megabytes=0.001).read(*WINDOW)


def test_the_size_cap_counts_the_bytes_after_decompression(tmp_path: Path, server: FeedServer) -> None:
    server.compress = True
    server.set_body(CONTRACT_ICS.replace(b"role: Backend Engineer", b"role: " + b"x" * 200_000))
    assert len(gzip.compress(server.body)) < 10_000
    with pytest.raises(NeedsUser, match="larger than 0.1 MB"):
        open_feed(tmp_path, server.url(), max_megabytes=0.1).read(*WINDOW)


def test_a_redirect_away_from_https_is_not_followed(tmp_path: Path, server: FeedServer) -> None:
    server.status, server.location = 302, "http://calendar.example/elsewhere.ics"
    with pytest.raises(NeedsUser, match="redirected to http://calendar.example/"):
        open_feed(tmp_path, server.url()).read(*WINDOW)
    assert len(server.requests) == 1


def test_a_redirect_on_this_machine_is_followed(tmp_path: Path, server: FeedServer) -> None:
    source = open_feed(tmp_path, server.url("/old.ics"))
    server.status, server.location = 302, server.url()
    original = _Handler.do_GET

    def moved_once(handler: _Handler) -> None:
        if handler.path == "/old.ics":
            return original(handler)
        server.status = 200
        return original(handler)

    _Handler.do_GET = moved_once  # type: ignore[method-assign]
    try:
        assert any(e.uid == TIMED_UID for e in source.read(*WINDOW).events)
    finally:
        _Handler.do_GET = original  # type: ignore[method-assign]
    assert [r["path"] for r in server.requests] == ["/old.ics", FEED_PATH]


# --- the address is a secret --------------------------------------------------------------


def test_the_secret_address_is_never_logged_nor_shown(
    tmp_path: Path, server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    broken = CONTRACT_ICS.replace(b"DTSTART;TZID=Europe/Berlin:20300312T140000", b"DTSTART:2030XX12T140000")
    server.set_body(broken)
    source = open_feed(tmp_path, server.url())
    shown += source.read(*WINDOW).problems  # a broken event: a problem naming the source
    shown += source.read(*WINDOW).problems  # 304
    shown += [c.detail for c in source.check()]
    shown.append(repr(source))
    for status in (401, 404, 503):
        server.status = status
        with pytest.raises((NeedsUser, Transient)) as caught:
            source.read(*WINDOW)
        shown.append(str(caught.value))
    server.status = 200
    source.cache_file.with_name(source.cache_file.name + ".tmp").mkdir()  # blocks the cache
    server.set_body(CONTRACT_ICS)
    assert source.read(*WINDOW).events  # read all the same, with a warning logged
    assert any("could not be written" in r.getMessage() for r in caplog.records)
    shown += [r.getMessage() for r in caplog.records]
    assert any("127.0.0.1" in s for s in shown)
    assert [s for s in shown if SECRET in s or "alex%40example.org" in s] == []


def test_check_names_the_host_and_counts_the_events(tmp_path: Path, server: FeedServer) -> None:
    checks = {c.name: c for c in open_feed(tmp_path, server.url()).check()}
    assert checks["calendar.url"].ok and "127.0.0.1" in checks["calendar.url"].detail
    assert checks["calendar events"].ok and "4 event(s)" in checks["calendar events"].detail
    server.status = 401
    (failed,) = open_feed(tmp_path / "other", server.url()).check()
    assert not failed.ok and "HTTP 401" in failed.detail
