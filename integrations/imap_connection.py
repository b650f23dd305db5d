"""One IMAP connection for ``imap_mailbox``: connecting, logging in, telling errors apart,
noticing a dead connection, and waiting in IDLE. Only ``imap_mailbox`` imports this module.

Rules:
- Every socket has a timeout (connect and read). Certificates are always checked; a
  self-hosted server's CA is given as a file. Plain text is refused by the settings except
  to a loopback address.
- The secret (a password, or an XOAUTH2 access token) is fetched when a connection logs
  in and never appears in a message or a log line: imapclient's own debug logging, which
  would show the first bytes of messages, is capped at WARNING.
- Errors leave as ``daemon.errors``: a refused login, an untrusted certificate, a missing
  folder or a full mailbox are ``NeedsUser``; a lost, reset or timed-out connection and a
  server saying "try later" are ``Transient`` (``UnknownOutcome`` where the caller says a
  write may have happened). A connection that failed is dropped; the next use reconnects.
- imapclient is imported where it is used, not at the top: loading the configuration
  (``imap_mailbox.Settings``) does not need it (``IMAP_LIBRARIES`` lists it for
  ``open_providers``, which names the package when it is missing).
"""

from __future__ import annotations

import imaplib
import logging
import re
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from interview_followup.daemon.errors import NeedsUser, SignInExpired, Transient, UnknownOutcome
from interview_followup.daemon.common import logs
from interview_followup.daemon.common.secrets import read_secret
from interview_followup.daemon.frozen import frozen

if TYPE_CHECKING:
    from imapclient import IMAPClient

log = logging.getLogger(__name__)
# imapclient logs the start of every literal it sends (message text) at DEBUG, and every
# closed connection at INFO.
logging.getLogger("imapclient").setLevel(logging.WARNING)

IMAP_LIBRARIES = {"imapclient": "imapclient"}  # import name -> package, for open_providers
USED_CAPABILITIES = ("IDLE", "CONDSTORE", "UIDPLUS", "SPECIAL-USE", "MOVE")
# Response codes (RFC 5530) that only the user can do something about.
USER_CODES = {
    "AUTHENTICATIONFAILED", "AUTHORIZATIONFAILED", "EXPIRED", "PRIVACYREQUIRED",
    "CONTACTADMIN", "NOPERM", "OVERQUOTA", "TRYCREATE", "NONEXISTENT", "CANNOT",
}
_CODE = re.compile(r"\[([A-Z-]+)")


@frozen
class Endpoint:
    host: str
    port: int
    security: str  # "tls", "starttls" or "plain"
    ca_file: Path | None
    timeout: float

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


class Credentials:
    """The user name and, on demand, the secret. Shared by the connections of a mailbox
    (the watcher's thread and the caller's), so the secret is fetched once."""

    def __init__(self, username: str, auth: str, password_command: str, password_env: str):
        self.username = username
        self.auth = auth
        self.password_command = password_command
        self.password_env = password_env
        self.token_source: Callable[[], str] | None = None
        self._secret: str | None = None
        self._lock = threading.Lock()

    def secret(self) -> str:
        with self._lock:
            if self._secret is None:
                self._secret = read_secret(
                    command=self.password_command, env=self.password_env, key="mailbox",
                    username=self.username,
                )
            return self._secret

    def forget(self) -> None:
        """After a refused login: read the secret again next time (it may have changed)."""
        with self._lock:
            self._secret = None

    def login(self, client: IMAPClient) -> None:
        if self.auth == "xoauth2":
            if self.token_source is None:
                raise NeedsUser(
                    'IMAP: mailbox.auth = "xoauth2" needs an access token, and nothing provides one yet',
                    hint='the Google set-up will provide it; until then use auth = "password"'
                    " with an app password",
                )
            token = self.token_source()
            logs.hide(token, self.username)  # an access token is a secret too, in every form
            client.oauth2_login(self.username, token)
        else:
            client.login(self.username, self.secret())


class Session:
    """One logged-in connection, used by one thread at a time. Connects on first use."""

    def __init__(self, endpoint: Endpoint, credentials: Credentials):
        self.endpoint = endpoint
        self.credentials = credentials
        self.client: IMAPClient | None = None
        self.selected: tuple[str, bool] | None = None  # folder, read-only

    # --- connecting -------------------------------------------------------------------

    def ensure(self) -> IMAPClient:
        """The logged-in client. A connection the server has closed meanwhile (it sent BYE,
        or the socket reads EOF) is noticed before anything is sent, and replaced."""
        if self.client is not None and _readable(self.client):
            try:
                self.client.noop()  # reads what the server sent; fails on a dead connection
            except (imaplib.IMAP4.error, OSError):
                log.info("IMAP: the connection to %s was closed; reconnecting", self.endpoint.describe())
                self.drop()
        if self.client is None:
            with self.errors("connecting"):
                self.client = self._connect()
        return self.client

    def _connect(self) -> IMAPClient:
        from imapclient import IMAPClient, SocketTimeout

        ep = self.endpoint
        context = None
        if ep.security != "plain":
            if ep.ca_file is not None and not ep.ca_file.is_file():
                raise NeedsUser(f"IMAP: mailbox.ca_file {ep.ca_file} does not exist")
            context = ssl.create_default_context(cafile=str(ep.ca_file) if ep.ca_file else None)
        client = IMAPClient(
            ep.host, ep.port, ssl=ep.security == "tls", ssl_context=context,
            timeout=SocketTimeout(connect=ep.timeout, read=ep.timeout),
        )
        try:
            if ep.security == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise NeedsUser(
                        f"IMAP: {ep.describe()} does not offer STARTTLS",
                        hint='use security = "tls" (usually port 993)',
                    )
                client.starttls(context)
            _keepalive(client.socket())
            self.credentials.login(client)
            client.normalise_times = False  # INTERNALDATE as aware datetimes
        except BaseException:
            _shutdown(client)
            raise
        log.debug("IMAP: logged in to %s", ep.describe())
        return client

    def drop(self) -> None:
        """Forget the connection without a word to the server (it may be gone)."""
        if self.client is not None:
            _shutdown(self.client)
        self.client = None
        self.selected = None

    def close(self) -> None:
        """Log out politely, briefly; a server that does not answer is just dropped."""
        client, self.client, self.selected = self.client, None, None
        if client is None:
            return
        try:
            client.socket().settimeout(min(self.endpoint.timeout, 5))
            client.logout()
        except Exception:  # the connection is being closed anyway
            _shutdown(client)

    # --- commands ---------------------------------------------------------------------

    def has(self, capability: str) -> bool:
        return self.ensure().has_capability(capability)

    def select(self, folder: str, readonly: bool) -> dict:
        """SELECT (or EXAMINE, read-only) ``folder``; returns the response (UIDVALIDITY...)."""
        response = self.ensure().select_folder(folder, readonly=readonly)
        self.selected = (folder, readonly)
        return response

    def release(self) -> None:
        """Leave a folder selected read-only, so that the next STATUS of it is accurate.
        A folder selected read-write is left alone: CLOSE would expunge it."""
        if self.selected is None or not self.selected[1] or self.client is None:
            return
        if self.client.has_capability("UNSELECT"):
            self.client.unselect_folder()
        else:
            self.client.close_folder()  # read-only: nothing is expunged
        self.selected = None

    def list_folders(self) -> list[tuple[tuple[bytes, ...], str]]:
        """Every folder as (flags, name), with SPECIAL-USE flags where the server has them."""
        client = self.ensure()
        if client.has_capability("SPECIAL-USE") and client.has_capability("LIST-EXTENDED"):
            try:
                typ, data = client._imap._simple_command(
                    "LIST", '""', '"*"', "RETURN", "(SPECIAL-USE)"
                )
                client._checkok("list", typ, data)
                typ, data = client._imap._untagged_response(typ, data, "LIST")
                return [(flags, name) for flags, _, name in client._proc_folder_list(data)]
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                pass  # a server that announces more than it does: plain LIST below
        return [(flags, name) for flags, _, name in client.list_folders()]

    # --- errors -----------------------------------------------------------------------

    @contextmanager
    def errors(self, doing: str, *, outcome_unknown: bool = False) -> Iterator[None]:
        """Turn what imapclient, imaplib, ssl and socket raise into ``daemon.errors``.

        ``outcome_unknown``: the command may have reached the server (an APPEND), so a
        connection lost now raises ``UnknownOutcome``."""
        from imapclient.exceptions import LoginError

        where = f"IMAP {self.endpoint.describe()}"
        try:
            yield
        except LoginError as exc:
            self.drop()
            text = self._clean(exc)
            if isinstance(exc.__context__, imaplib.IMAP4.abort) or _code(text) in ("UNAVAILABLE", "SERVERBUG"):
                raise Transient(f"{where}: login failed for now: {text}") from None
            self.credentials.forget()
            if self.credentials.auth == "xoauth2":
                hint = "check mailbox.username; the access token may be expired or lack the IMAP scope"
            else:
                hint = ("check mailbox.username, and the secret that mailbox.password_command or"
                        " mailbox.password_env gives (an app password where the provider asks for one)")
            raise SignInExpired(
                f"{where}: the server refused the login of {self.credentials.username!r}: {text}",
                hint=hint,
            ) from None
        except ssl.SSLCertVerificationError as exc:
            self.drop()
            raise NeedsUser(
                f"{where}: the server's certificate is not trusted ({exc.verify_message})",
                hint="for a self-hosted server set mailbox.ca_file to its CA certificate;"
                " otherwise check mailbox.host",
            ) from None
        except ssl.SSLError as exc:
            self.drop()
            text = self._clean(exc)
            if "WRONG_VERSION_NUMBER" in text:  # TLS to a port that speaks plain IMAP
                raise NeedsUser(
                    f"{where}: this port does not speak TLS ({text})",
                    hint='use security = "starttls" for port 143, or the implicit-TLS port (993)',
                ) from None
            cls = UnknownOutcome if outcome_unknown else Transient
            raise cls(f"{where}: {doing}: TLS failed: {text}") from None
        except (imaplib.IMAP4.abort, OSError) as exc:  # socket, EOF, timeout
            self.drop()
            text = self._clean(exc) or type(exc).__name__
            if isinstance(exc, socket.gaierror):
                text = f"cannot find the host {self.endpoint.host!r} ({text})"
            elif self.endpoint.security == "starttls" and self.endpoint.port == 993:
                text += ' (port 993 is for security = "tls"; STARTTLS usually uses 143)'
            if outcome_unknown:
                raise UnknownOutcome(f"{where}: {doing}: the connection failed before the server answered: {text}") from None
            raise Transient(f"{where}: {doing}: {text}") from None
        except imaplib.IMAP4.error as exc:  # NO or BAD: the connection itself is fine
            text = self._clean(exc)
            if _code(text) in USER_CODES:
                raise NeedsUser(f"{where}: {doing}: {text}") from None
            raise Transient(f"{where}: {doing}: {text}") from None

    def _clean(self, exc: BaseException) -> str:
        """The exception's text, one line, without any secret in it (in any form a server
        may echo it: ``logs.hide``) nor any control character."""
        text = logs.scrub(str(exc))  # before the b'...' is taken off: its escapes are a form too
        text = " ".join(text.split())
        text = re.sub(r"\[?\bb'(.*?)'\]?", r"\1", text)  # imaplib's b'...' and [b'...']
        return logs.neutral(logs.scrub(text))[:300]


# --- IDLE -----------------------------------------------------------------------------


class ConnectionLost(Transient):
    """The server closed the connection (BYE or end of stream) while we were waiting."""


def idle_wait(client: IMAPClient, timeout: float, wake_fd: int | None = None) -> list[tuple]:
    """Wait in IDLE up to ``timeout`` seconds, or until ``wake_fd`` turns readable; return
    the untagged responses that came.

    Unlike ``IMAPClient.idle_check``, a connection closed by the server raises
    ``ConnectionLost`` instead of looking like silence."""
    sock = client.socket()
    if not (_pending(sock) or _wait_readable(sock, timeout, wake_fd)):
        return []
    if not _pending(sock) and _peer_closed(sock):
        raise ConnectionLost("IMAP: the server closed the connection")
    responses = client.idle_check(timeout=0)
    if any(r and r[0] == b"BYE" for r in responses):
        raise ConnectionLost("IMAP: the server said BYE")
    return responses


def is_new_mail(response: tuple) -> bool:
    return len(response) >= 2 and response[1] == b"EXISTS"


# --- sockets --------------------------------------------------------------------------


def _readable(client: IMAPClient) -> bool:
    """Has the server sent something unasked (BYE, or closed the stream)?"""
    try:
        sock = client.socket()
        return _pending(sock) or _wait_readable(sock, 0)
    except (OSError, ValueError):
        return True


def _pending(sock: socket.socket) -> bool:
    return isinstance(sock, ssl.SSLSocket) and sock.pending() > 0


def _wait_readable(sock: socket.socket, timeout: float, wake_fd: int | None = None) -> bool:
    """Is ``sock`` readable within ``timeout`` seconds? (``wake_fd`` readable ends the wait.)"""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLPRI)
    if wake_fd is not None:
        poller.register(wake_fd, select.POLLIN)
    ready = poller.poll(max(0, int(timeout * 1000)))
    return any(fd == sock.fileno() for fd, _ in ready)


def _peer_closed(sock: socket.socket) -> bool:
    """End of stream, seen on the raw socket without consuming anything (works under TLS)."""
    try:
        data = socket.socket.recv(sock, 1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True
    return not data


def _keepalive(sock: socket.socket) -> None:
    """TCP keep-alive, so that a connection a NAT box forgot is noticed in minutes."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:
        pass


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # closing a socket that is already broken
        pass


def _code(text: str) -> str:
    match = _CODE.search(text)
    return match.group(1) if match else ""
