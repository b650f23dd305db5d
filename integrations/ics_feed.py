"""Calendar source ``ics`` with ``calendar.url``: a published calendar read over HTTPS.

The address is the "secret address in iCal format" of a Google calendar, a published
Outlook calendar or a public iCloud calendar: whoever has it can read the calendar, so
it is a credential. It is never logged nor shown: messages name the host only
("https://calendar.google.com/…").

Rules:
- ``webcal://`` and ``webcals://`` mean ``https://``. Plain ``http://`` is refused except
  to this machine (tests, a local proxy): the address would travel in clear text.
  Redirects are followed under the same rule.
- Cheap when nothing changed: the ETag and Last-Modified of the last answer are sent
  back (If-None-Match, If-Modified-Since); 304 reuses the last body and its parse. They
  are kept, with that body, in a cache file in the data folder (mode 0600, written
  atomically; named by a hash of the address, which is not stored) so that a restart
  does not download the calendar again either. A 200 with the same bytes is not parsed
  again. Bodies may come gzip-compressed. The cache's temp file (its name plus ``.tmp``),
  left behind when a write was killed, is removed when the cache is first read.
- Bounded: ``timeout_seconds`` for connecting and for each read, ``max_megabytes`` for
  the body (after decompression).
- Errors: 401/403 (the address was reset or unpublished), 404/410, a web page instead of
  a calendar (a sign-in page), data that is not iCalendar, a body over the size cap,
  other 4xx: ``NeedsUser``. 5xx, 408, 429, timeouts and network failures: ``Transient``.
  No error falls back to an empty calendar: that would look as if every interview had
  been removed.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import zlib
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.common.files import fsync_dir
from interview_followup.daemon.model import CalendarRead, Check

if TYPE_CHECKING:  # imported when a feed is parsed
    from urllib.request import OpenerDirector

    from interview_followup.daemon.calendar.ical import ParsedCalendar

log = logging.getLogger(__name__)

KEY = "calendar.url"
USER_AGENT = "interview-followup (calendar feed reader)"
CACHE_VERSION = 1
RESET_HINT = (
    "copy the calendar's secret address again and set calendar.url to it (Google Calendar: "
    "Settings, your calendar, 'Secret address in iCal format'; Outlook: Settings, Calendar, "
    "Shared calendars, Publish a calendar, the ICS link)"
)


def feed_address(url: str) -> str:
    """The address to fetch: webcal(s):// read as https://. ValueError (naming the
    scheme or host only) when it cannot be used."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
        scheme = "https"
    if scheme not in ("https", "http") or not parts.hostname:
        shown = f"a {scheme}:// address" if scheme else "no address"
        raise ValueError(f"'{KEY}' must be an https:// or webcal:// address (got {shown})")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"'{KEY}' must not carry a user name or password")
    from interview_followup.daemon.common.net import is_loopback  # ipaddress: not at start-up

    if scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"'{KEY}' uses http:// to {parts.hostname}: the secret address would travel "
            "unencrypted; use https:// (or webcal://)"
        )
    return urlunsplit(parts)


def shown(url: str) -> str:
    """What may be shown of a secret address: its scheme and host."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…"


@functools.cache
def _safe_redirects() -> type:
    """The redirect handler (a class made on first use: ``urllib.request`` and ``http.client``
    are imported only when a feed is fetched, not when the configuration is loaded)."""
    from urllib.request import HTTPRedirectHandler

    class _SafeRedirects(HTTPRedirectHandler):
        """Follow redirects only to addresses ``feed_address`` accepts."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            try:
                feed_address(newurl)
            except ValueError:
                raise NeedsUser(
                    f"{KEY} {shown(req.full_url)}: redirected to {shown(newurl)}, which is not "
                    "https://; the program does not follow it",
                    hint="ask the calendar's owner for its https:// address",
                ) from None
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return _SafeRedirects


class IcsFeed:
    """The ``CalendarSource`` protocol on a published calendar's address."""

    def __init__(
        self,
        url: str,
        tz: ZoneInfo,
        *,
        data_dir: Path,
        timeout: float = 30,
        max_bytes: int = 50 * 2**20,
        dry_run: bool = False,
    ):
        self.url = feed_address(url)
        self.shown = shown(self.url)
        self.tz = tz
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.dry_run = dry_run
        import hashlib  # here: start-up (status) does not need OpenSSL

        digest = hashlib.sha256(self.url.encode()).hexdigest()
        self.cache_file = data_dir / f"ics-feed-{digest[:16]}.cache"
        self._digest = digest
        self._opener: OpenerDirector = _opener(self.url)
        self._loaded = False
        self._body: bytes | None = None  # the last good body
        self._etag = ""
        self._last_modified = ""
        self._parsed: ParsedCalendar | None = None  # the last parse ...
        self._parsed_body: bytes | None = None  # ... and the bytes it was made from

    def __repr__(self) -> str:
        return f"IcsFeed({self.shown})"

    # --- CalendarSource ------------------------------------------------------------

    def read(self, start: datetime, end: datetime) -> CalendarRead:
        """Every occurrence overlapping [start, end) in the published calendar."""
        return self._fetch((start, end)).between(start, end, self.tz)

    def change_token(self) -> None:
        """None: whether a published calendar changed is known only by asking for it (the
        conditional request of ``read``), so every pass reads it."""
        return None

    def check(self) -> list[Check]:
        try:
            parsed = self._fetch()
        except (NeedsUser, Transient) as exc:
            return [Check(KEY, False, str(exc))]
        checks = [Check(KEY, True, f"{self.shown} (the full address is secret and not shown)")]
        detail = f"{parsed.event_count} event(s) readable"
        if parsed.problems:
            detail += f"; {len(parsed.problems)} problem(s): " + "; ".join(parsed.problems[:5])
        return [*checks, Check("calendar events", True, detail)]

    def close(self) -> None:
        self._loaded = False
        self._body = self._parsed = self._parsed_body = None
        self._etag = self._last_modified = ""

    # --- fetching ------------------------------------------------------------------

    def _fetch(self, window: tuple[datetime, datetime] | None = None) -> ParsedCalendar:
        from http.client import HTTPException
        from urllib.error import HTTPError, URLError
        from urllib.request import Request

        self._load_cache()
        request = Request(self.url, headers={
            "User-Agent": USER_AGENT,
            "Accept": "text/calendar, */*;q=0.5",
            "Accept-Encoding": "gzip",
        })
        if self._body is not None:
            if self._etag:
                request.add_header("If-None-Match", self._etag)
            if self._last_modified:
                request.add_header("If-Modified-Since", self._last_modified)
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                body = self._read_body(answer)
                headers = answer.headers
        except HTTPError as exc:
            exc.close()
            if exc.code == 304 and self._body is not None:
                log.debug("calendar feed %s: not modified", self.shown)
                return self._parse(self._body, window)
            raise self._http_error(exc.code) from None
        except (NeedsUser, Transient):
            raise
        except (URLError, HTTPException, OSError) as exc:  # TimeoutError is an OSError
            reason = getattr(exc, "reason", None) or exc
            raise Transient(f"{KEY} {self.shown}: {_describe(reason)}") from None
        if _is_web_page(body, headers.get("Content-Type", "")):
            raise NeedsUser(
                f"{KEY} {self.shown}: the server answered with a web page (a sign-in page?), "
                "not a calendar",
                hint="calendar.url must be the calendar's secret address in iCal format "
                "(ending in .ics), not the address of the calendar's web page; " + RESET_HINT,
            )
        parsed = self._parse(body, window)
        if not parsed.readable:
            raise NeedsUser(
                f"{KEY} {self.shown}: nothing readable: " + "; ".join(parsed.problems),
                hint="calendar.url must be the calendar's secret address in iCal format",
            )
        if not parsed.complete:  # cut off (a dropped connection?): never kept for a 304
            return parsed
        changed = (body, headers.get("ETag", ""), headers.get("Last-Modified", "")) != (
            self._body, self._etag, self._last_modified
        )
        self._body, self._etag = body, headers.get("ETag", "")
        self._last_modified = headers.get("Last-Modified", "")
        if changed:
            self._save_cache()
        return parsed

    def _read_body(self, answer) -> bytes:  # noqa: ANN001 - an http.client.HTTPResponse
        declared = answer.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        gzipped = answer.headers.get("Content-Encoding", "").strip().lower() in ("gzip", "x-gzip")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
        body = bytearray()
        try:
            while chunk := answer.read(64 * 1024):
                if inflate is not None:
                    chunk = inflate.decompress(chunk, self.max_bytes + 1 - len(body))
                body += chunk
                if len(body) > self.max_bytes:
                    raise self._too_large()
            if inflate is not None:
                body += inflate.flush()
        except zlib.error:
            raise Transient(f"{KEY} {self.shown}: the compressed answer is damaged") from None
        if len(body) > self.max_bytes:
            raise self._too_large()
        return bytes(body)

    def _parse(self, body: bytes, window: tuple[datetime, datetime] | None = None) -> ParsedCalendar:
        """The parse of ``body``, reused while the bytes stay the same and it holds what
        ``window`` may show (see ``ical.parse_window``; without a window, any parse will do)."""
        from interview_followup.daemon.calendar.ical import parse_calendar, parse_window

        same = self._parsed_body is body or self._parsed_body == body
        if self._parsed is None or not same or (window is not None and not self._parsed.serves(*window)):
            self._parsed = parse_calendar(body, source=self.shown, window=parse_window(*window) if window else None)
            self._parsed_body = body
        return self._parsed

    def _too_large(self) -> NeedsUser:
        megabytes = self.max_bytes / 2**20
        return NeedsUser(
            f"{KEY} {self.shown}: the calendar is larger than {megabytes:.3g} MB",
            hint="raise calendar.max_megabytes if this calendar really is that large",
        )

    def _http_error(self, code: int) -> NeedsUser | Transient:
        where = f"{KEY} {self.shown}"
        if code in (401, 403):
            return NeedsUser(
                f"{where}: the server refused the address (HTTP {code}): the secret address "
                "was reset, or the calendar is no longer published?",
                hint=RESET_HINT,
            )
        if code in (404, 410):
            return NeedsUser(
                f"{where}: no calendar at this address (HTTP {code}): it was unpublished, or "
                "its secret address changed?",
                hint=RESET_HINT,
            )
        if code >= 500 or code in (408, 429):
            return Transient(f"{where}: the server answered HTTP {code}")
        return NeedsUser(f"{where}: the server answered HTTP {code}", hint=RESET_HINT)

    # --- the cache file ------------------------------------------------------------

    def _load_cache(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._remove_temp_file()
        try:
            with open(self.cache_file, "rb") as f:
                head = json.loads(f.readline())
                body = f.read()
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            log.warning("calendar feed cache %s is unreadable, ignored: %s", self.cache_file, exc)
            return
        if not isinstance(head, dict) or head.get("version") != CACHE_VERSION or head.get(
            "address_sha256"
        ) != self._digest or len(body) != head.get("size"):
            log.warning("calendar feed cache %s does not match, ignored", self.cache_file)
            return
        self._body = body
        self._etag = str(head.get("etag", ""))
        self._last_modified = str(head.get("last_modified", ""))

    def _temp_file(self) -> Path:
        return self.cache_file.with_name(self.cache_file.name + ".tmp")

    def _remove_temp_file(self) -> None:
        """A temp file a killed ``_save_cache`` left (its own fixed name, nothing else)."""
        if self.dry_run:
            return
        tmp = self._temp_file()
        try:
            if tmp.is_file() and not tmp.is_symlink():
                tmp.unlink()
                log.info("removed %s, left by an interrupted write", tmp)
        except OSError as exc:
            log.warning("calendar feed cache: %s could not be removed: %s", tmp, exc)

    def _save_cache(self) -> None:
        if self.dry_run or self._body is None:
            return
        head = {
            "version": CACHE_VERSION,
            "address_sha256": self._digest,
            "etag": self._etag,
            "last_modified": self._last_modified,
            "size": len(self._body),
        }
        folder = self.cache_file.parent
        tmp = self._temp_file()
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(json.dumps(head).encode() + b"\n")
                f.write(self._body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.cache_file)
            fsync_dir(folder)
        except OSError as exc:  # the cache only saves a download; reading still worked
            log.warning("calendar feed cache %s could not be written: %s", self.cache_file, exc)


def _opener(url: str) -> OpenerDirector:
    from urllib.request import ProxyHandler, build_opener

    from interview_followup.daemon.common.net import is_loopback

    handlers: list = [_safe_redirects()()]
    if is_loopback(urlsplit(url).hostname or ""):
        handlers.append(ProxyHandler({}))  # this machine is never reached through a proxy
    return build_opener(*handlers)


def _is_web_page(body: bytes, content_type: str) -> bool:
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return True
    return "html" in content_type.lower() and b"begin:vcalendar" not in body[:4096].lower()


def _describe(reason: object) -> str:
    text = str(reason) or type(reason).__name__
    return "no answer in time (timeout)" if "timed out" in text.lower() else text

