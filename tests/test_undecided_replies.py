"""A reply that decides nothing (a courtesy, an acknowledgement, words with no decisive cue)
closes no loop: it is recorded and shown as what may be their answer (issue 16)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from interview_followup.daemon.cli.history import mail_words
from interview_followup.daemon.engine.reconcile import _noted
from interview_followup.daemon.model import Observation

BERLIN = ZoneInfo("Europe/Berlin")
AT = datetime(2026, 11, 19, 10, 0, tzinfo=BERLIN)
REASON = "a reply from Jane Doe, who interviewed you, in the thread of the thank-you draft"


def test_a_courtesy_reply_is_undecided_and_names_its_writer():
    o = Observation("r1", "acme", "reply", AT, REASON, outcome="other", address="jane.doe@acme.example")
    assert o.undecided and not o.promises_answer and o.sender_words == "Jane Doe"
    decided = Observation("r2", "acme", "reply", AT, REASON, outcome="rejection", phrase="other candidates")
    assert not decided.undecided


def test_history_shows_a_courtesy_reply_as_maybe_their_answer_and_a_decision_with_its_words():
    o = Observation("r1", "acme", "reply", AT, REASON, outcome="other", address="jane.doe@acme.example")
    assert mail_words(o).startswith("a message from Jane Doe may be their answer")
    decided = Observation("r2", "acme", "reply", AT, REASON, outcome="rejection", phrase="other candidates")
    assert mail_words(decided).startswith('a reply: rejection ("other candidates")')


def test_a_pass_notes_a_courtesy_reply_as_maybe_the_answer():
    o = Observation("r1", "acme", "reply", AT, REASON, outcome="other")
    assert _noted(o, "Acme").startswith("note a message that may be the answer for Acme")


def test_a_reply_whose_writer_is_not_named_shows_its_address():
    o = Observation("r1", "acme", "reply", AT, "in the thread", outcome="other", address="hr@acme.example")
    assert o.sender_words == "hr@acme.example"
