"""The two-stage read of a mailbox's messages (``parse_message(..., lazy=True)``): the header
block now, the body when something asks for it. Every field equals what the one-stage parse
gives; matching gives the same answers; mail tied to no loop never has its body read."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest
from reply_world import at, known

from interview_followup.daemon.mail import parse
from interview_followup.daemon.mail.classify import Rules
from interview_followup.daemon.mail.parse import LAZY_FIELDS, parse_message
from interview_followup.daemon.mail.replies import understand
from interview_followup.daemon.model import MailMessage

CORPUS = sorted((Path(__file__).parent / "replies").glob("*.eml"))
FIELDS = [f.name for f in dataclasses.fields(MailMessage)]
NOW = at("2026-12-20", 12)

ODD = [
    b"",
    b"no header at all\n\nbody\n",
    b"Subject: only a head",
    b"From: a@b.example\r\nSubject: crlf\r\n\r\nbody\r\n",
    b"From: a@b.example\nX-Failed-Recipients: jane@acme.example\nSubject: x\n\nbody\n",
    b"From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
    b"--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\n"
    b"Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; jane@acme.example\nAction: failed\nStatus: 5.1.1\n\n--b--\n",
    b"From: a@b.example\nContent-Type: multipart/mixed; boundary=declared\n\n--used\nContent-Type: text/plain\n\nhi\n--used--\n",
    b"Subject: =?utf-8?q?caf=C3=A9?=\nFrom: =?utf-8?q?Ren=C3=A9e?= <renee@acme.example>\nDate: nonsense\n\n\xff\xfe body\n",
]


def fields(msg: MailMessage) -> dict:
    return {name: getattr(msg, name) for name in FIELDS}


@pytest.mark.parametrize("raw", [p.read_bytes() for p in CORPUS] + ODD, ids=[p.name for p in CORPUS] + [
    f"odd{i}" for i in range(len(ODD))])
def test_every_field_is_what_the_one_stage_parse_gives(raw):
    lazy = parse_message(raw, ref="r", folder="inbox", lazy=True)
    assert fields(lazy) == fields(parse_message(raw, ref="r", folder="inbox"))


def test_the_body_is_read_when_first_asked_for_and_once():
    raw = CORPUS[0].read_bytes()
    msg = parse_message(raw, ref="r", folder="inbox", lazy=True)
    assert not msg.body_read and msg.message_id
    assert msg.body == parse_message(raw, ref="r", folder="inbox").body
    assert msg.body_read and msg.headers  # the other body fields came with it


def test_a_lazy_message_replaces_pickles_and_compares_as_a_message():
    raw = CORPUS[0].read_bytes()
    eager = parse_message(raw, ref="r", folder="inbox")
    lazy = parse_message(raw, ref="r", folder="inbox", lazy=True)
    assert fields(dataclasses.replace(lazy, thread_id="t")) == fields(dataclasses.replace(eager, thread_id="t"))
    assert pickle.loads(pickle.dumps(parse_message(raw, ref="r", folder="inbox", lazy=True))) == eager
    again = parse_message(raw, ref="r", folder="inbox", lazy=True)
    assert again == eager and eager == again and hash(again) == hash(eager)
    assert again != dataclasses.replace(eager, subject="other")


def test_large_messages_are_read_at_once():
    raw = b"From: a@b.example\nSubject: big\n\n" + b"x" * (parse.LAZY_MAX_BYTES + 1)
    assert type(parse_message(raw, ref="r", folder="inbox", lazy=True)) is MailMessage


def test_matching_gives_the_same_answers_and_reads_no_body_of_untied_mail():
    world, rules = known(), Rules.builtin()
    untouched = 0
    for path in CORPUS:
        raw = path.read_bytes()
        lazy = parse_message(raw, ref=path.name, folder="inbox", lazy=True)
        got = understand(lazy, world, NOW, rules)
        assert got == understand(parse_message(raw, ref=path.name, folder="inbox"), world, NOW, rules), path.name
        untouched += not lazy.body_read
    filler = parse_message(b"From: News <news@list.example>\nTo: alex@example.org\nSubject: Weekly digest\n"
                           b"Date: Mon, 14 Dec 2026 10:00:00 +0000\nList-Id: <l.example>\n\nNews.\n",
                           ref="n", folder="inbox", lazy=True)
    assert understand(filler, world, NOW, rules) is None and not filler.body_read
    assert set(LAZY_FIELDS) <= set(FIELDS)


def test_the_header_block_is_parsed_once_for_the_date_and_the_message(monkeypatch):
    raw = CORPUS[1].read_bytes()
    calls = []
    real = parse._HEAD_PARSER.parsebytes
    monkeypatch.setattr(parse._HEAD_PARSER, "parsebytes", lambda data: calls.append(len(data)) or real(data))
    date = parse.message_date(raw[:65536])  # as the Maildir reads it: the start first
    msg = parse_message(raw, ref="r", folder="inbox", lazy=True)
    assert len(calls) == 1 and msg.date == date == parse_message(raw, ref="r", folder="inbox").date


def test_plain_subjects_are_read_as_the_standard_library_reads_them():
    import random
    import string

    rng = random.Random(5)
    for _ in range(3000):
        value = "".join(rng.choice(string.printable[:95]) for _ in range(rng.randint(0, 80))).replace("=?", "")
        raw = b"From: a@b.example\nSubject: " + value.encode() + b"\n\nbody\n"
        want = str(parse._POLICY.header_fetch_parse("Subject", value.lstrip(" \t")))
        assert parse_message(raw, ref="r", folder="inbox", lazy=True).subject == parse._one_line(want)
