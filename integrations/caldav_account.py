"""What the CalDAV providers share: their account settings, one HTTP client, the WebDAV
requests they make, and how errors are sorted. Not a provider itself; only the CalDAV
providers (``caldav_calendar``, ``caldav_reminders``) import it.

Rules:
- The server address is a full ``https://`` URL (``http://`` only to a loopback address);
  it never carries a user name or password. The password comes from ``password_command``
  or ``password_env`` (``daemon.common.secrets``), is read when the first request is made, and
  appears in no message and no log line. The ``caldav`` library logs request and answer
  bodies (calendar text) at DEBUG: its loggers are capped at WARNING.
- Every request has a timeout; certificates are always checked (``ca_file`` for a
  self-hosted CA). No request is repeated here: a failure raises, and the next pass tries
  again.
- Errors leave as ``daemon.errors``: a refused login (401) is ``SignInExpired``; a refused
  access (403), a missing calendar or an untrusted certificate is ``NeedsUser``; a lost
  connection, a timeout, 429 and 5xx are ``Transient`` (``UnknownOutcome`` when a write may
  have reached the server).
- Calendars are found as CalDAV clients find them (RFC 4791 section 6.2.1, RFC 5397): the
  configured URL's ``current-user-principal``, that principal's ``calendar-home-set``, then
  one PROPFIND (Depth 1) of the home that returns each calendar's name, components, and
  change markers (``DAV:sync-token`` of RFC 6578, else ``CS:getctag``). A URL that is a
  calendar itself is used as the only calendar.
- The ``caldav`` library (and lxml, niquests) is imported where it is used, never at the
  top: loading the configuration (the providers' ``Settings``) does not need it.
  ``CALDAV_LIBRARIES`` lists it for ``open_providers``, which names the package to install
  when it is missing.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from interview_followup.daemon.errors import NeedsUser, SignInExpired, Transient, UnknownOutcome
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import UID_SUFFIX
from interview_followup.daemon.common.files import replace_file
from interview_followup.daemon.common.net import is_loopback
from interview_followup.daemon.providers import ProviderContext
from interview_followup.daemon.common import logs
from interview_followup.daemon.common.secrets import read_secret

log = logging.getLogger(__name__)
for _name in ("caldav", "niquests", "urllib3", "urllib3_future"):
    # caldav logs request and answer bodies (calendar text) at DEBUG
    logging.getLogger(_name).setLevel(logging.WARNING)

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"
XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
NAMESPACES = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"'
XML_TYPE = "application/xml; charset=utf-8"
ICS_TYPE = "text/calendar; charset=utf-8"
TASK_UID_SUFFIX = UID_SUFFIX + "-task"  # the to-do kept beside a reminder event
# what the CalDAV providers import, and the package that brings each (for open_providers)
CALDAV_LIBRARIES = {"caldav": "caldav", "caldav.lib.error": "caldav", "lxml.etree": "lxml",
                    "niquests.exceptions": "niquests"}


def task_uid(key: str) -> str:
    """The UID of the to-do kept for the reminder with ``key``."""
    return f"{key}{TASK_UID_SUFFIX}"


def is_ours(uid: str) -> bool:
    """Is this the UID of an object the program wrote (a reminder event or its to-do)?"""
    return uid.endswith(UID_SUFFIX) or uid.endswith(TASK_UID_SUFFIX)


@frozen
class AccountSettings:
    """The keys both CalDAV providers have; each provider's ``Settings`` adds its own."""

    url: str = field(metadata={"doc": "The CalDAV server's address, e.g. https://caldav.fastmail.com/ "
                                      "(the README lists those of Fastmail, iCloud, Nextcloud and Radicale)."})
    username: str = field(default="", metadata={
        "doc": "The login name, usually your address (empty: a server without sign-in).", "ask": True})
    password_command: str = field(default="", metadata={
        "doc": "A command whose first output line is the password (an app password where the "
               "provider has them), e.g. \"pass show caldav\".", "ask": True})
    password_env: str = field(default="", metadata={
        "doc": "Else an environment variable holding the password."})
    timeout_seconds: int = field(default=30, metadata={"doc": "Seconds to wait for each answer."})
    ca_file: Path | None = field(default=None, metadata={
        "doc": "CA certificate of a self-hosted server (PEM)."})

    def __post_init__(self) -> None:
        parts = urlsplit(self.url) if isinstance(self.url, str) else None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname or any(
            c.isspace() for c in self.url
        ):
            raise ValueError("url must be a full address like https://caldav.example.org/")
        if parts.username is not None or parts.password is not None:
            raise ValueError("url must not hold a user name or password: use username and "
                             "password_command or password_env (the password is never written in this file)")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            raise ValueError(f"http:// sends the password unencrypted: allowed only to a loopback address "
                             f"(localhost, 127.0.0.1, ::1), not {parts.hostname!r}; use https://")
        if any(c in self.username for c in "\r\n\0"):
            raise ValueError("username must be a single line")
        if self.username and not (self.password_command or self.password_env):
            raise ValueError("set password_command (e.g. \"pass show caldav\") or password_env: "
                             "the password is never written in this file")
        if not 1 <= self.timeout_seconds <= 600:
            raise ValueError("timeout_seconds must be between 1 and 600")


# --- answers -------------------------------------------------------------------------------


@dataclass
class Reply:
    """One HTTP answer: its status, the XML (when there is some) and its headers."""

    status: int
    tree: Any = None  # lxml root element, or None
    headers: Any = None
    preconditions: tuple[str, ...] = ()  # DAV:error children (RFC 4918 16), Clark notation

    def header(self, name: str) -> str:
        try:
            return str(self.headers.get(name) or "") if self.headers is not None else ""
        except Exception:  # noqa: BLE001 - odd header containers
            return ""


@dataclass
class Entry:
    """One ``DAV:response`` of a multistatus: its href (as the server wrote it), its own
    status (404 for a member removed since a sync token), and the properties found."""

    href: str
    status: int
    props: dict[str, Any]

    @property
    def path(self) -> str:
        """The href's path, decoded: the same resource however the server spelled it."""
        return unquote(urlsplit(self.href).path)

    def text(self, tag: str) -> str:
        element = self.props.get(tag)
        return (element.text or "").strip() if element is not None and element.text else ""

    def hrefs(self, tag: str) -> list[str]:
        element = self.props.get(tag)
        if element is None:
            return []
        return [(h.text or "").strip() for h in element.iter(D + "href") if (h.text or "").strip()]


def entries(tree: Any) -> Iterator[Entry]:
    """Each response of a multistatus answer, with the properties of its 2xx propstats."""
    if tree is None:
        return
    for response in tree.iter(D + "response"):
        href = (response.findtext(D + "href") or "").strip()
        if not href:
            continue
        props: dict[str, Any] = {}
        for propstat in response.findall(D + "propstat"):
            if _status_code(propstat.findtext(D + "status")) // 100 != 2:
                continue
            prop = propstat.find(D + "prop")
            for child in prop if prop is not None else ():
                if isinstance(child.tag, str):
                    props[child.tag] = child
        own = response.findtext(D + "status")
        yield Entry(href, _status_code(own) if own else 200, props)


def _status_code(text: str | None) -> int:
    match = re.search(r"\s(\d{3})(\s|$)", text or "")
    return int(match.group(1)) if match else 0


def xml_text(value: str) -> str:
    return escape(value)


# --- calendars -----------------------------------------------------------------------------


@frozen
class Collection:
    """A calendar collection as its home listed it."""

    url: str  # absolute, ending in "/"
    name: str  # its display name, else the last part of its path
    components: tuple[str, ...]  # what it may hold (VEVENT, VTODO, ...); () when not said
    sync_token: str  # DAV:sync-token, "" when the server has none
    ctag: str  # CS:getctag, "" when the server has none

    def holds(self, component: str) -> bool:
        return not self.components or component in self.components

    @property
    def marker(self) -> str:
        """What changes whenever anything in the calendar changes ("" when unknown)."""
        return self.sync_token or self.ctag


LIST_PROPS = ("d:resourcetype", "d:displayname", "c:supported-calendar-component-set",
              "d:sync-token", "cs:getctag")


def propfind_body(*props: str) -> str:
    inner = "".join(f"<{p}/>" for p in props)
    return f"{XML_HEAD}<d:propfind {NAMESPACES}><d:prop>{inner}</d:prop></d:propfind>"


# --- the account -----------------------------------------------------------------------------


class CalDavAccount:
    """One CalDAV account, as a provider uses it. ``role`` ("calendar" or "reminders")
    names the config table in messages."""

    def __init__(self, settings: AccountSettings, context: ProviderContext, role: str):
        self.settings = settings
        self.context = context
        self.role = role
        self.host = urlsplit(settings.url).hostname or settings.url
        self.where = f"CalDAV {self.host}"
        self._client: Any = None
        self._secret: str | None = None
        self._home: str | None = None
        self._single: str | None = None  # the URL, when it is a calendar itself
        self._remembered = False  # the home came from an earlier run: look again if it is gone

    # --- the client --------------------------------------------------------------------

    def client(self) -> Any:
        if self._client is None:
            from caldav import DAVClient

            ca = self.settings.ca_file
            if ca is not None:
                ca = self.context.path(ca)
                if not ca.is_file():
                    raise NeedsUser(f"{self.where}: {self.role}.ca_file {ca} does not exist")
            password = None
            if self.settings.username:
                if self._secret is None:
                    self._secret = read_secret(command=self.settings.password_command,
                                               env=self.settings.password_env, key=self.role,
                                               username=self.settings.username)
                password = self._secret
            self._client = DAVClient(
                url=self.settings.url,
                username=self.settings.username or None,
                password=password,
                timeout=self.settings.timeout_seconds,
                ssl_verify_cert=str(ca) if ca is not None else True,
                enable_rfc6764=False,
                headers={"User-Agent": "interview-followup"},
            )
        return self._client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing a session that is gone anyway
                pass

    def _forget_login(self) -> None:
        """After a refused login: read the secret again next time (it may have changed)."""
        self.close()
        self._secret = None

    # --- requests ----------------------------------------------------------------------

    def request(self, method: str, url: str, body: str = "", headers: dict[str, str] | None = None,
                *, what: str, write: bool = False) -> Reply:
        """Send one request; return its answer whatever its status, except for the errors
        that only mean one thing (a refused login, no connection, a busy server)."""
        from caldav.lib import error
        from lxml.etree import XMLSyntaxError
        import niquests.exceptions as nx

        headers = dict(headers or {})
        if body and "Content-Type" not in headers:
            headers["Content-Type"] = XML_TYPE
        lost = UnknownOutcome if write else Transient
        try:
            response = self.client().request(url, method, body, headers)
        except error.AuthorizationError as exc:
            if exc.status == 401 or (exc.status is None and "401" in str(exc.reason)):
                self._forget_login()
                who = f"of {self.settings.username!r}" if self.settings.username else "without a user name"
                raise SignInExpired(
                    f"{self.where}: the server refused the login {who} (401) while {what}",
                    hint=(f"check {self.role}.username and the password that {self.role}.password_command or "
                          f"{self.role}.password_env gives (an app password where the provider asks for one: "
                          "see the README)"),
                ) from None
            return Reply(exc.status or 403, None, None, tuple(exc.preconditions))
        except error.RateLimitError:
            raise Transient(f"{self.where}: the server is busy (429/503) while {what}; will retry later") from None
        except NotImplementedError:
            raise NeedsUser(f"{self.where}: the server asks for a kind of sign-in this program does not "
                            "support (only Basic, Digest and Bearer)") from None
        except nx.SSLError as exc:
            self.close()
            text = self._clean(exc)
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text.lower():
                raise NeedsUser(f"{self.where}: the server's certificate is not trusted ({text})",
                                hint=f"for a self-hosted server set {self.role}.ca_file to its CA certificate; "
                                     f"otherwise check {self.role}.url") from None
            raise lost(f"{self.where}: {what}: TLS failed: {text}") from None
        except (nx.RequestException, OSError) as exc:
            self.close()
            raise lost(f"{self.where}: {what}: {self._describe(exc)}") from None
        except XMLSyntaxError:
            raise lost(f"{self.where}: {what}: the server's answer is not valid XML") from None
        status = int(response.status)
        tree = getattr(response, "tree", None)
        preconditions: tuple[str, ...] = ()
        if tree is not None and getattr(tree, "tag", "") == D + "error":
            preconditions = tuple(c.tag for c in tree if isinstance(c.tag, str))
        if status >= 500:
            if write:
                raise UnknownOutcome(f"{self.where}: {what}: the server failed ({status})")
            raise Transient(f"{self.where}: {what}: the server failed ({status}); will retry later")
        return Reply(status, tree, response.headers, preconditions)

    def refused(self, reply: Reply, url: str, what: str) -> NeedsUser | Transient:
        """The error for an answer the caller did not expect."""
        path = urlsplit(url).path or "/"
        if reply.status == 403:
            return NeedsUser(f"{self.where}: the server refused access to {path} (403) while {what}",
                             hint=f"check that {self.role}.username may use this calendar")
        if reply.status in (404, 410):
            return NeedsUser(f"{self.where}: nothing at {path} ({reply.status}) while {what}",
                             hint=f"check {self.role}.url (the README lists the providers' addresses)")
        if reply.status in (400, 405, 501) or reply.status < 300:
            return NeedsUser(f"{self.where}: the server does not take this request ({reply.status}) while {what}; "
                             f"is {self.settings.url} a CalDAV server?",
                             hint=f"check {self.role}.url (the README lists the providers' addresses)")
        return Transient(f"{self.where}: unexpected answer {reply.status} while {what}")

    def propfind(self, url: str, props: tuple[str, ...], depth: int, what: str) -> list[Entry]:
        reply = self.request("PROPFIND", url, propfind_body(*props), {"Depth": str(depth)}, what=what)
        if reply.status != 207:
            raise self.refused(reply, url, what)
        return list(entries(reply.tree))

    def report(self, url: str, body: str, depth: int, what: str) -> Reply:
        return self.request("REPORT", url, body, {"Depth": str(depth)}, what=what)

    def absolute(self, base: str, href: str) -> str:
        return urljoin(base, href)

    # --- discovery ---------------------------------------------------------------------

    def home(self) -> str:
        """The calendar home (or the configured URL when it is a calendar itself)."""
        if self._home is not None:
            return self._home
        url = self.settings.url
        what = "looking for your calendars"
        (first, *_) = self.propfind(url, ("d:current-user-principal", "c:calendar-home-set", "d:resourcetype"),
                                    0, what) or [None]
        home = ""
        if first is not None:
            if first.props.get(D + "resourcetype") is not None and \
                    first.props[D + "resourcetype"].find(C + "calendar") is not None:
                self._single = self._home = _as_folder(self.absolute(url, first.href))
                return self._home
            homes = first.hrefs(C + "calendar-home-set")
            principal = (first.hrefs(D + "current-user-principal") or [""])[0]
            if homes:
                home = self.absolute(url, homes[0])
            elif principal:
                principal_url = self.absolute(url, principal)
                found = self.propfind(principal_url, ("c:calendar-home-set",), 0, what)
                homes = found[0].hrefs(C + "calendar-home-set") if found else []
                if homes:
                    home = self.absolute(principal_url, homes[0])
        self._home = _as_folder(home or url)
        return self._home

    def remember_home(self, home: str, single: bool) -> None:
        """A home found in an earlier run (from a provider's cache)."""
        self._home = home
        self._single = home if single else None
        self._remembered = True

    @property
    def single(self) -> bool:
        return self._single is not None

    def calendars(self) -> list[Collection]:
        """Every calendar in the home (one request), in the server's order."""
        home = self.home()
        depth = 0 if self._single else 1
        try:
            listed = self.propfind(home, LIST_PROPS, depth, "listing your calendars")
        except SignInExpired:
            raise
        except NeedsUser:
            if not self._remembered:
                raise
            self._home = self._single = None  # moved since the last run: look for it again
            self._remembered = False
            return self.calendars()
        self._remembered = False
        found = []
        for entry in listed:
            kind = entry.props.get(D + "resourcetype")
            if kind is None or kind.find(C + "calendar") is None:
                continue
            url = _as_folder(self.absolute(home, entry.href))
            components = entry.props.get(C + "supported-calendar-component-set")
            comps = tuple(str(c.get("name", "")).upper() for c in components.iter(C + "comp")) \
                if components is not None else ()
            found.append(Collection(
                url=url,
                name=entry.text(D + "displayname") or unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]),
                components=comps,
                sync_token=entry.text(D + "sync-token"),
                ctag=entry.text(CS + "getctag"),
            ))
        return found

    # --- messages ----------------------------------------------------------------------

    def _clean(self, exc: BaseException) -> str:
        """An exception's text on one line, without the secret in it (in any form:
        ``logs.hide``) nor any control character."""
        return logs.neutral(logs.scrub(" ".join(logs.scrub(str(exc)).split())))[:300]

    def _describe(self, exc: BaseException) -> str:
        import niquests.exceptions as nx

        if isinstance(exc, nx.Timeout):
            return f"no answer within {self.settings.timeout_seconds} s"
        if isinstance(exc, nx.ConnectionError):
            return f"cannot connect ({self._clean(exc)})"
        return f"{type(exc).__name__}: {self._clean(exc)}"


def _as_folder(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def find_named(calendars: list[Collection], name: str) -> Collection | None:
    """The calendar called ``name``: by display name, then ignoring case, then by the last
    part of its address."""
    for match in (lambda c: c.name == name, lambda c: c.name.casefold() == name.casefold(),
                  lambda c: unquote(urlsplit(c.url).path.rstrip("/").rsplit("/", 1)[-1]) == name):
        for cal in calendars:
            if match(cal):
                return cal
    return None


def write_private_json(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` privately (0600 in a 0700 folder), atomically and durably."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    replace_file(path, json.dumps(data).encode("utf-8"), 0o600)
