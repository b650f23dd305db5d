"""Signing in to Google by the installed-app flow, on a machine without a browser."""

from __future__ import annotations

import json
import stat
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from google_emulator.server import Emulator
from interview_followup.daemon.clock import SystemClock
from interview_followup.daemon.providers import ProviderContext
from interview_followup.integrations.google_api import GoogleApi, authorize, token_path


def test_the_pasted_redirect_address_finishes_the_sign_in_and_the_token_is_private(tmp_path, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks plain http
    emulator = Emulator().start()
    try:
        client = tmp_path / "client.json"
        client.write_text(json.dumps({"installed": {
            "client_id": "cid", "client_secret": "secret", "auth_uri": emulator.url + "auth",
            "token_uri": emulator.token_uri, "redirect_uris": ["http://localhost"]}}))
        said = []
        context = ProviderContext(ZoneInfo("UTC"), tmp_path, tmp_path / "data", ("alex@example.org",), SystemClock())

        def ask(question, default):
            if "client file" in question:
                return str(client)
            if "browser on this machine" in question:
                return "no"
            url = next(line.strip() for line in said[-1].splitlines() if "auth?" in line)
            state = parse_qs(urlsplit(url).query)["state"][0]
            return f"http://localhost:1/?state={state}&code=4/granted"

        path = authorize(["https://www.googleapis.com/auth/calendar.events"], context, ask, said.append)
        assert path == token_path(tmp_path / "data")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        token = json.loads(path.read_text())
        assert token["refresh_token"] == "emulated-refresh"
        assert GoogleApi(path, api_endpoint=emulator.url).credentials().refresh_token == "emulated-refresh"
    finally:
        emulator.stop()
