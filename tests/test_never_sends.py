"""The product never sends mail: no code for it, and no attempt on any path."""

from __future__ import annotations

import re
import smtplib
import socket
from pathlib import Path

import pytest

from conftest import ACME, REPO
from interview_followup.daemon.providers import Mailbox, known_kinds, provider_class

SEND_PATTERNS = re.compile(r"smtplib|sendmail|\.send\(|messages\(\)\.send|drafts\(\)\.send|SMTP\(")


def test_no_source_file_contains_a_way_to_send_mail():
    offenders = []
    for path in [*REPO.joinpath("daemon").rglob("*.py"), *REPO.joinpath("integrations").rglob("*.py")]:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if SEND_PATTERNS.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert offenders == []


def test_no_mailbox_interface_or_provider_has_a_send_method():
    names = [n for n in dir(Mailbox) if "send" in n.lower()]
    for kind in known_kinds("mailbox"):
        names += [f"{kind}.{n}" for n in dir(provider_class("mailbox", kind)) if "send" in n.lower()]
    assert names == []


def test_a_whole_loop_makes_no_attempt_to_send(world, monkeypatch):
    attempts = []

    def refuse_smtp(*args, **kwargs):
        attempts.append(("smtp", args))
        raise AssertionError("tried to open an SMTP connection")

    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if isinstance(address, tuple) and address[1] in (25, 465, 587, 2525):
            attempts.append(("connect", address))
            raise AssertionError(f"tried to connect to a mail submission port: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(smtplib.SMTP, "__init__", refuse_smtp)
    monkeypatch.setattr(smtplib.SMTP_SSL, "__init__", refuse_smtp)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    world.set_calendar(ACME)
    for now in ("2026-11-16T09:00:00+01:00", "2026-11-17T16:00:00+01:00", "2026-11-18T18:00:00+01:00",
                "2026-11-23T09:00:00+01:00"):
        world.once(now)
    world.deliver("INBOX", sender="Jane Doe <jane.doe@acme.example>", date="Mon, 23 Nov 2026 11:00:00 +0100")
    world.once("2026-11-23T12:00:00+01:00")
    world.set_calendar()  # and the error paths: a calendar that vanished, a broken one
    world.once("2026-11-24T12:00:00+01:00")
    world.calendar.write_text("garbage")
    world.cli("once", now="2026-11-24T13:00:00+01:00")
    assert attempts == []
