"""The search at a glance: ``status`` (a today block, one line per application, most urgent
first; ``status LOOP`` in detail) and the board page (``board``, and the daemon's copy in the
data folder), checked as text and markup here; tests/test_board_browser.py renders it."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from board_world import EVENTS, NOW, build
from conftest import ACME, vevent
from interview_followup.daemon.board.page import CSP
from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.config import load
from interview_followup.daemon.service.runner import Daemon


@pytest.fixture
def search(world):
    return build(world)


def board_file(world) -> Path:
    """The tests' configuration names a state folder: the page lives beside the state."""
    return world.root / "state" / "board.html"


def test_status_puts_what_is_yours_to_do_first_and_one_line_per_application(search):
    out = search.cli("status", now=NOW).out
    today, _, rest = out.partition("Applications, most urgent first")
    assert "Today, Mon 2026-11-23:" in today
    assert 'send the follow-up — Acme (Backend Engineer), due since today 09:00: draft "Following up on my ' \
           'interview for the Backend Engineer role" in ' in today
    lines = [line for line in rest.splitlines()[1:] if line.strip() and not line.startswith("(")]
    apps = [line for line in lines if "[" in line]
    order = [re.match(r"[! ] (\w+)", line).group(1) for line in apps]
    # yours to do first (the bounced Hooli too), then the interviews ahead, then what waits on them
    assert order == ["Acme", "Hooli", "Soylent", "Globex", "Umbrella"]
    assert apps[0].startswith("! Acme — Backend Engineer") and "waiting on you: send the follow-up" in apps[0]
    assert "round 2  upcoming: the interview tomorrow 15:00" in apps[2]  # Soylent's second round
    assert "waiting on them: their answer; follow-up on Fri 2026-11-27" in apps[4] and apps[4].startswith("  ")
    assert "! your mail to gavin@hooli.example bounced — check the address" in rest
    assert "Initech" not in rest and "(2 closed applications not shown: `status --all` lists them)" in rest
    every = search.cli("status", "--all", now=NOW).out
    assert "closed (rejected)" in every and "Initech — QA Engineer" in every and "closed (withdrawn)" in every
    assert f"Board: {board_file(search)}" in out


def test_status_of_one_application_shows_each_round_in_detail(search):
    detail = search.cli("status", "Soylent", now=NOW).out  # two rounds share the company's name
    assert "Soylent — Product Designer" in detail and "  round 2: Soylent — Product Designer" in detail
    assert "thank-you           Tue 2026-11-24 16:30  scheduled" in detail
    assert "Acme" not in detail and "Today," not in detail
    data = json.loads(search.cli("status", "Soylent", "--json", now=NOW).out)
    assert sorted(x["round"] for x in data["loops"]) == [1, 2]
    assert search.cli("status", "Nobody", now=NOW).code == 2


def test_status_json_is_extended_not_changed(search):
    data = json.loads(search.cli("status", "--json", now=NOW).out)
    assert {"now", "providers", "last_pass", "loops", "skipped"} <= set(data)
    assert len(data["loops"]) == 8  # every loop, closed and every round included
    assert data["board"] == str(board_file(search))
    first = data["today"][0]
    assert (first["company"], first["what"], first["step"]) == ("Acme", "send the follow-up", "followup")
    assert first["subject"] == "Following up on my interview for the Backend Engineer role"


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def test_the_daemon_and_once_keep_a_private_board_beside_the_state_it_shows(search, private_home):
    path = board_file(search)
    data_folder = Path(os.environ["XDG_DATA_HOME"]) / "interview-followup" / "board.html"
    assert not data_folder.exists()  # a configuration with its own state folder keeps its page there
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    html = path.read_text(encoding="utf-8")
    assert "Acme — Backend Engineer" in html and "Waiting on you" in html
    daemon = Daemon(load(search.config), FixedClock(datetime.fromisoformat(NOW)))
    try:
        daemon.work()  # its first pass writes the page it keeps
        written = path.stat().st_mtime_ns
        daemon.work()  # an idle pass: nothing changed, nothing is written
        assert path.stat().st_mtime_ns == written, "an idle pass rewrote the board"
        search.set_calendar(*EVENTS[:1])  # the other interviews leave the calendar
        daemon.work()
        html = path.read_text(encoding="utf-8")
        assert path.stat().st_mtime_ns != written and stat.S_IMODE(path.stat().st_mode) == 0o600
        open_part = html.partition("Applications by stage")[2].partition('data-column="closed"')[0]
        assert "Acme" in open_part and "Globex" not in open_part
    finally:
        daemon._close()


def test_the_page_is_self_contained_and_loads_nothing(search, tmp_path):
    out = tmp_path / "board.html"
    r = search.cli("board", "--output", str(out), now=NOW)
    assert r.code == 0 and f"Board written to {out}" in r.out
    html = out.read_text(encoding="utf-8")
    page = parse(html)
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert metas and metas[0]["content"] == CSP == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    tags = {t for t, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed", "base"}
    for _, attrs in page.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            if name in ("src", "srcset", "action", "poster", "data"):
                pytest.fail(f"a load: {name}={value}")
    assert "@import" not in html and "url(" not in html
    # landmarks and headings
    assert {"header", "main", "footer", "h1", "h2", "h3", "h4"} <= tags
    assert ("html", {"lang": "en"}) in page.tags
    # no message body: the rejection's words decide, the rest of the mail is never shown
    assert "Bill" not in html.partition("Unfortunately")[2][:40]
    assert "thank you for your time" not in html


def test_every_outside_text_is_escaped(world, tmp_path):
    world.set_calendar(vevent("x@test", "20261117T140000", "20261117T150000",
                              "Acme <script>alert(1)</script> – Backend \"Engineer\" interview",
                              attendees=(("Jane <b>Doe</b>", "jane.doe@acme.example"),)))
    world.once("2026-11-17T16:00:00+01:00")
    out = tmp_path / "board.html"
    world.cli("board", "--output", str(out), now="2026-11-17T16:00:00+01:00")
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html or "&lt;b&gt;" in html


def test_an_unwritable_output_is_said_with_its_path(search, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    r = search.cli("board", "--output", str(blocked / "board.html"), now=NOW)
    assert r.code == 2 and "board page" in r.err and str(blocked) in r.err
