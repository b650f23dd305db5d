"""What the Google providers share: the stored token, service objects, and how calls are
made and their errors sorted. Not a provider itself; only Google providers import it.

- The token (an "authorized user" JSON, written by ``interview-followup init``) lives in
  the data directory as ``google-token.json``, mode 0600 in a 0700 folder, and is saved
  again after every refresh.
- A refresh refused with ``invalid_grant`` (revoked, expired after 7 days in "Testing"
  status, unused for 6 months, password changed) is ``NeedsUser``: re-run ``init``.
  It is never retried.
- Reads are retried on 429, rate-limit 403s and 5xx with exponential backoff and jitter,
  a few times. A 403 or 429 that gives no reason is a rate limit (Google always says why
  it refuses); a 403 with another reason (no permission, the API not enabled) is
  ``NeedsUser``.
- Every other error answer is sorted too, unless the caller named its status in
  ``expect`` (a 404 that means "absent", a 410 "sync again"): 408/409/412/423/425 are
  ``Transient``, any other 4xx is ``NeedsUser`` with a sentence naming the request and
  the server (a server that is not Google may lack a route Google has). No provider call
  ends in an unsorted exception: the provider is marked failing, the others go on. An
  answer that is not a JSON object is ``Transient`` (``UnknownOutcome`` for a write).
- Writes are never retried blindly: a write whose answer was lost raises
  ``UnknownOutcome`` so that the caller looks for its key before writing again (the
  client library's own ``num_retries`` would resend a POST after a timeout).
- Every request has a timeout; a service object is rebuilt after a socket error, and
  each thread has its own (httplib2 is not thread-safe).
- ``api_endpoint`` points the client at another server (the tests' emulator).
- The Google libraries are imported inside the functions that use them, never at the top
  of a module: loading the configuration (each provider's ``Settings``) does not load them,
  and a Maildir or IMAP user never pays for them. ``GOOGLE_LIBRARIES`` lists them for
  ``open_providers``, which imports them before a Google provider is opened and names the
  package to install when one is missing.
"""

from __future__ import annotations

import json
import logging
from dataclasses import field
import os
import random
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable

from interview_followup.daemon.common import logs
from interview_followup.daemon.common.files import keep_private
from interview_followup.daemon.errors import NeedsUser, SignInExpired, Transient, UnknownOutcome
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.providers import missing_package

log = logging.getLogger(__name__)
logging.getLogger("googleapiclient.http").setLevel(logging.ERROR)  # it logs URIs on retries

TOKEN_FILE = "google-token.json"
SCOPES = {
    "calendar": ["https://www.googleapis.com/auth/calendar.events"],
    # a calendar of the program's own: created (app.created), and found again by name when
    # its remembered id is lost (the calendar list is readable only with a calendarlist scope)
    "own_calendar": ["https://www.googleapis.com/auth/calendar.app.created",
                     "https://www.googleapis.com/auth/calendar.calendarlist.readonly"],
    "gmail": ["https://www.googleapis.com/auth/gmail.compose", "https://www.googleapis.com/auth/gmail.readonly"],
    "tasks": ["https://www.googleapis.com/auth/tasks"],
}
# what to do about a 403 with this reason
REFUSAL_HINTS = {
    "accessNotConfigured": "enable this API in your Google Cloud project (APIs & Services > Library; "
                           "see the README), wait a few minutes and try again",
    "insufficientPermissions": "the sign-in does not cover this: run `interview-followup init` again "
                               "(it asks for what your settings need)",
}
READ_RETRIES = 4
# what the Google providers import, and the package that brings each (google_auth_oauthlib
# is for `init`'s sign-in only, and imported there)
GOOGLE_LIBRARIES = {
    "googleapiclient.discovery": "google-api-python-client",
    "googleapiclient.errors": "google-api-python-client",
    "google.auth.exceptions": "google-auth",
    "google.oauth2.credentials": "google-auth",
    "google_auth_httplib2": "google-auth-httplib2",
    "httplib2": "httplib2",
}
# the service path of each discovery document (Tasks and Gmail have none: their method paths
# start with "tasks/v1/" and "gmail/v1/"); api_endpoint replaces rootUrl + servicePath
SERVICE_PATHS = {"calendar": "calendar/v3/", "tasks": "", "gmail": ""}


@frozen
class AccountSettings:
    """The keys every Google provider has; each provider's ``Settings`` adds its own."""

    token_file: Path | None = field(default=None, metadata={
        "doc": "The Google token file written by `interview-followup init` "
               "(default: google-token.json in the data folder)."})
    api_endpoint: str = field(default="", metadata={
        "doc": "For testing: another API server (an emulator) instead of Google's."})
    timeout_seconds: int = field(default=30, metadata={"doc": "Seconds to wait for each answer from Google."})

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if any(c in self.api_endpoint for c in " \r\n\0"):
            raise ValueError("api_endpoint must be a URL")


class GoogleProvider:
    """What the Google provider classes share: ``init``'s sign-in (one per account, with
    the scopes of every Google provider chosen) and how they reach the account."""

    scope_group = ""  # a key of SCOPES
    requires = GOOGLE_LIBRARIES  # imported by open_providers before the provider is opened
    label = "a Google provider"  # what needs them, in the message when one is missing

    @classmethod
    def oauth_for(cls, settings: AccountSettings) -> tuple[str, tuple[str, ...]]:
        """The sign-in these settings need: ("google", scopes). A provider whose optional
        features need more scopes widens this."""
        return "google", tuple(SCOPES[cls.scope_group])

    @classmethod
    def authorize(cls, scopes, context, ask, say) -> Path:
        return authorize(scopes, context, ask, say)

    @staticmethod
    def account(settings: AccountSettings, context) -> "GoogleApi":
        configured = context.path(settings.token_file) if settings.token_file else None
        return GoogleApi(token_path(context.data_dir, configured), settings.api_endpoint, settings.timeout_seconds)


def token_check(api: "GoogleApi"):
    """``doctor``'s line for the token: present and readable, or what to do."""
    from interview_followup.daemon.model import Check

    path = api.token_file
    if not path.exists():
        return Check("google token", False, f"no token at {path}: run `interview-followup init` to sign in to Google")
    try:
        api.credentials()
    except NeedsUser as exc:
        return Check("google token", False, str(exc))
    return Check("google token", True, str(path))


def token_path(data_dir: Path, configured: Path | None = None) -> Path:
    return configured if configured else data_dir / TOKEN_FILE


def save_token(path: Path, data: dict) -> None:
    """Write the token privately and atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def remembered_id(path: Path, name: str, endpoint: str, who: str) -> str:
    """The id of the collection ``name`` (a calendar, a task list) remembered in ``path``
    for this ``endpoint``; "" when none is (an unreadable file is logged and ignored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("name") == name and data.get("id") and data.get("endpoint") == endpoint:
            return str(data["id"])
    except FileNotFoundError:
        pass
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("%s: ignoring the unreadable %s: %s", who, path, exc)
    return ""


def remember_id(path: Path, name: str, found: str, endpoint: str, who: str) -> None:
    """Keep the id of the collection ``name`` in ``path``; a failure only costs a lookup."""
    try:
        save_token(path, {"name": name, "id": found, "endpoint": endpoint})
    except OSError as exc:
        log.warning("%s: cannot remember the id of %r in %s: %s", who, name, path, exc)


class GoogleApi:
    """One Google account, as the providers use it."""

    def __init__(self, token_file: Path, api_endpoint: str = "", timeout_seconds: int = 30):
        self.token_file = token_file
        self.api_endpoint = api_endpoint.rstrip("/") + "/" if api_endpoint else ""
        self.timeout = timeout_seconds
        self._local = threading.local()
        self._credentials = None
        self._lock = threading.Lock()

    # --- credentials -----------------------------------------------------------------

    def credentials(self):
        with self._lock:
            if self._credentials is None:
                try:
                    keep_private(self.token_file)  # a token copied in with 0644: made 0600, said once
                    info = json.loads(self.token_file.read_text(encoding="utf-8"))
                except FileNotFoundError:
                    raise NeedsUser(
                        f"Google: no token at {self.token_file}",
                        hint="run `interview-followup init` to sign in to Google",
                    ) from None
                except (OSError, ValueError) as exc:
                    raise NeedsUser(f"Google: the token file {self.token_file} cannot be read: {exc}") from None
                self._credentials = _credentials_from(info)
                for secret in (info.get("token"), info.get("refresh_token"), info.get("client_secret")):
                    logs.hide(secret or "")  # in any form a library or server may echo it
            return self._credentials

    def _save_refreshed(self) -> None:
        creds = self._credentials
        if creds is not None and creds.token:
            logs.hide(creds.token)  # the new access token
            save_token(self.token_file, json.loads(creds.to_json()))

    # --- services ----------------------------------------------------------------------

    def service(self, api: str, version: str):
        services = getattr(self._local, "services", None)
        if services is None:
            services = self._local.services = {}
        if (api, version) not in services:
            import google_auth_httplib2
            import httplib2
            from googleapiclient.discovery import build

            options = {}
            if self.api_endpoint:
                options["api_endpoint"] = self.api_endpoint + SERVICE_PATHS.get(api, "")
            http = google_auth_httplib2.AuthorizedHttp(self.credentials(), http=httplib2.Http(timeout=self.timeout))
            services[(api, version)] = build(
                api, version, http=http, static_discovery=True, cache_discovery=False,
                client_options=options or None,
            )
        return services[(api, version)]

    def _forget_services(self) -> None:
        self._local.services = {}

    # --- calls -------------------------------------------------------------------------

    def call(self, api: str, version: str, make: Callable[[Any], Any], *, write: bool, what: str,
             expect: tuple[int, ...] = ()) -> Any:
        """Run ``make(service).execute()``; ``what`` names the call in messages.

        An HTTP error whose status is in ``expect`` (a 404 the caller reads as "absent",
        say) is raised as the library's ``HttpError`` for the caller to decide; every other
        answer is sorted here, so that no provider call ever ends in an unsorted exception."""
        from google.auth.exceptions import RefreshError, TransportError
        from googleapiclient.errors import HttpError

        attempt = 0
        request = None
        while True:
            attempt += 1
            before = self._credentials.token if self._credentials else None
            try:
                request = make(self.service(api, version))
                result = request.execute(num_retries=0)
                if result == "":
                    result = {}  # an empty answer (a 200 where Google answers 204)
                if not isinstance(result, dict):  # the library hands over a body that is no JSON as text
                    said = f"Google: {what}: the server's answer is not JSON"
                    raise UnknownOutcome(said) if write else Transient(said + "; will retry later")
                if self._credentials is not None and self._credentials.token != before:
                    self._save_refreshed()
                return result
            except RefreshError as exc:
                if "invalid_grant" in str(exc):
                    raise SignInExpired(
                        "Google: the account needs re-authorisation (the token was revoked or expired)",
                        hint="run `interview-followup init` again; an app left in 'Testing' status "
                        "gets tokens that expire after 7 days",
                    ) from None
                raise Transient(f"Google: refreshing the token failed: {type(exc).__name__}") from None
            except HttpError as exc:
                status = exc.resp.status
                if status == 401:
                    raise SignInExpired(f"Google: {what} was refused (401): the sign-in is no longer valid",
                                        hint="run `interview-followup init` again") from None
                if status == 403 and not _rate_limited(exc):
                    reason = _reason(exc)
                    raise NeedsUser(f"Google: {what} was refused ({status}): {reason}",
                                    hint=REFUSAL_HINTS.get(reason, "")) from None
                if status == 429 or status >= 500 or (status == 403 and _rate_limited(exc)):
                    if write or attempt > READ_RETRIES:
                        limited = " (taken as a rate limit)" if status in (403, 429) and not _reason(exc) else ""
                        raise Transient(f"Google: {what} failed ({status}{limited}); will retry later") from None
                    time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.7, 1.3))
                    continue
                if status in expect:
                    raise  # 404, 409, 410 ...: what the caller reads as an answer
                method = str(getattr(request, "methodId", "") or "")  # e.g. gmail.users.getProfile
                raise self._unexpected(exc, status, write=write, what=f"{what} ({method})" if method else what) from None
            except (socket.timeout, TimeoutError, ConnectionError, OSError, TransportError) as exc:
                log.debug("Google: %s: %r", what, exc)
                self._forget_services()  # a service object can be unusable after a socket error
                if write:
                    raise UnknownOutcome(f"Google: {what}: no answer ({type(exc).__name__})") from None
                if attempt > READ_RETRIES:
                    raise Transient(f"Google: {what}: {type(exc).__name__}") from None
                time.sleep(min(8.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.7, 1.3))

    def _unexpected(self, exc, status: int, *, write: bool, what: str) -> Exception:
        """The error for an answer the caller did not expect (a 404 where Google always
        answers, a 400 to a request Google takes): the provider fails with a sentence
        naming the request, and the other providers go on."""
        reason = _reason(exc) or "no reason given"
        detail = _message(exc)
        said = f"{status} {reason}" + (f": {detail}" if detail and detail != reason else "")
        if status in TRANSIENT_STATUSES:
            if write and status == 408:
                return UnknownOutcome(f"Google: {what}: the server gave up waiting ({said})")
            return Transient(f"Google: {what} failed ({said}); will retry later")
        server = f"the server at {self.api_endpoint}" if self.api_endpoint else "Google"
        hint = (f"api_endpoint points at {self.api_endpoint}, a server that does not answer this request as "
                "Google does; the other providers keep working" if self.api_endpoint else
                "Google was not expected to answer this: if it stays, please report it with this message; "
                "the other providers keep working")
        return NeedsUser(f"Google: {what} was refused by {server} ({said})", hint=hint)


def _credentials_from(info: dict):
    """Credentials from the stored token. Unlike ``from_authorized_user_info`` this keeps
    the stored ``token_uri`` (the tests' emulator has its own)."""
    from datetime import datetime

    from google.oauth2.credentials import Credentials

    expiry = info.get("expiry")
    return Credentials(
        token=info.get("token"),
        refresh_token=info.get("refresh_token"),
        token_uri=info.get("token_uri") or "https://oauth2.googleapis.com/token",
        client_id=info.get("client_id"),
        client_secret=info.get("client_secret"),
        scopes=info.get("scopes"),
        expiry=datetime.strptime(expiry.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S") if expiry else None,
    )


def _error_of(exc) -> dict:
    """The ``error`` object of a Google error answer; {} when the body is no such JSON
    (a server that answers in plain text or HTML)."""
    try:
        content = exc.content[:65536] if isinstance(exc.content, (bytes, str)) else b""
        error = json.loads(content)["error"]
        return error if isinstance(error, dict) else {}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return {}


def _reason(exc) -> str:
    """The reason Google gives for an error (``errors[0].reason``, or the ``ErrorInfo``
    reason of the newer format); "" when the answer gives none."""
    error = _error_of(exc)
    for item in (error.get("errors") or [])[:1] + [d for d in (error.get("details") or [])
                                                  if isinstance(d, dict)][:5]:
        if isinstance(item, dict) and isinstance(item.get("reason"), str) and item["reason"].strip():
            return _printable(item["reason"])[:100]
    return ""


def _message(exc) -> str:
    """Google's message for an error, on one short line ("" when there is none)."""
    text = _error_of(exc).get("message")
    return _printable(text[:1000])[:200] if isinstance(text, str) else ""


def _printable(text: str) -> str:
    """A server's text on one line, without control characters (it reaches the terminal)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


RATE_LIMIT_REASONS = ("rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "dailyLimitExceeded",
                      "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED")
# answered for a request that may work when tried again later
TRANSIENT_STATUSES = (408, 409, 412, 423, 425)


def _rate_limited(exc) -> bool:
    """A 403 with a rate-limit reason, or with no reason at all: a refusal Google means
    (no permission, an API not enabled) always says why, so a bare 403 is taken as the
    server being busy and retried with backoff."""
    reason = _reason(exc)
    return not reason or reason in RATE_LIMIT_REASONS


def authorize(scopes: list[str], context, ask, say) -> Path:
    """The installed-app OAuth flow with the user's own OAuth client file; the token is
    saved (0600) where the Google providers read it. Without a browser on this machine:
    print the URL, and take back the address the browser was sent to (or tunnel the
    loopback port over SSH and answer "yes" to the browser question on that side)."""
    try:
        from google_auth_oauthlib.flow import InstalledAppFlow
    except ImportError as exc:
        failure = ("google_auth_oauthlib.flow", "google-auth-oauthlib", exc)
        raise missing_package("signing in to Google", [failure]) from None

    client = Path(ask(
        "Your Google OAuth client file (client_secret_....json of a 'Desktop app' client; see the README)", ""
    )).expanduser()
    if not client.is_file():
        raise NeedsUser(f"Google: no OAuth client file at {client}", hint="the README explains how to make one")
    flow = InstalledAppFlow.from_client_secrets_file(str(client), scopes=scopes)
    if ask("Is there a web browser on this machine? (yes/no)", "yes").lower() in ("y", "yes"):
        creds = flow.run_local_server(host="localhost", port=0, open_browser=True)
    else:
        flow.redirect_uri = "http://localhost:1/"
        url, _ = flow.authorization_url(access_type="offline", prompt="consent")
        say(
            "Open this address in a browser on any machine and agree:\n"
            f"  {url}\n"
            "The browser then goes to an address on localhost that does not load: copy that\n"
            "whole address from its address bar and paste it here."
        )
        answer = ask("The address the browser ended on", "").strip()
        os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the loopback redirect is http
        try:
            flow.fetch_token(authorization_response=answer)
        except Exception as exc:  # noqa: BLE001 - oauthlib raises many kinds; none is a bug here
            raise NeedsUser(f"Google: signing in failed: {type(exc).__name__}: {exc}") from None
        creds = flow.credentials
    path = token_path(context.data_dir)
    save_token(path, json.loads(creds.to_json()))
    say(f"Signed in; the token is in {path} (only you can read it).")
    return path
