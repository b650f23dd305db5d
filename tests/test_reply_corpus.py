"""The reply corpus: every message in tests/replies/ through ``replies.understand``, checked
against tests/replies/expected.toml.

Hard rules (any failure names the file): no automatic message is ever a reply; automatic
and human mail are told apart exactly; every message goes to the loop the manifest names
(or to none); return days and bounced addresses are exact. The meaning of replies is
scored per class, precision and recall, printed as a table (``pytest -s`` or ``-rA``).
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from interview_followup.daemon.mail.automatic import examine
from interview_followup.daemon.mail.classify import Rules
from interview_followup.daemon.mail.parse import parse_message
from interview_followup.daemon.model import Automatic, MailMessage
from interview_followup.daemon.model import Observation
from interview_followup.daemon.mail.replies import understand
from reply_world import at, known

CORPUS = Path(__file__).parent / "replies"
NOW = at("2026-12-20", 12)  # only for mail without a date; every message here has one
CLASSES = ("rejection", "offer", "next-round", "info", "other", "out-of-office", "bounce", "ignored")
MIN_FILES = 80


@dataclass(frozen=True)
class Case:
    file: str
    want: dict
    msg: MailMessage
    auto: Automatic | None
    got: Observation | None

    @property
    def want_class(self) -> str:
        return self.want["outcome"] if self.want["kind"] == "reply" else self.want["kind"]

    @property
    def got_class(self) -> str:
        if self.got is None:
            return "ignored"
        return self.got.outcome if self.got.kind == "reply" else self.got.kind

    @property
    def got_loop(self) -> str:
        return self.got.loop_id if self.got else "none"


def manifest() -> dict[str, dict]:
    return tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def cases() -> tuple[Case, ...]:
    world, rules = known(), Rules.builtin()
    out = []
    for name, want in sorted(manifest().items()):
        msg = parse_message((CORPUS / name).read_bytes(), ref=name, folder="inbox")
        if want.get("thread_id"):  # what a Gmail mailbox would report beside the message
            msg = replace(msg, thread_id=want["thread_id"])
        out.append(Case(name, want, msg, examine(msg), understand(msg, world, NOW, rules)))
    return tuple(out)


def table(rows: tuple[Case, ...]) -> tuple[str, dict[str, tuple[float, float, int]]]:
    """The precision/recall table, and per class (precision, recall, support)."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for c in rows:
        if c.want_class == c.got_class:
            tp[c.want_class] += 1
        else:
            fn[c.want_class] += 1
            fp[c.got_class] += 1
    lines = [f"{'class':<14}{'n':>4}{'precision':>11}{'recall':>8}", "-" * 37]
    scores = {}
    for k in CLASSES:
        support = tp[k] + fn[k]
        precision = tp[k] / (tp[k] + fp[k]) if tp[k] + fp[k] else 1.0
        recall = tp[k] / support if support else 1.0
        scores[k] = (precision, recall, support)
        lines.append(f"{k:<14}{support:>4}{precision:>11.0%}{recall:>8.0%}")
    right = sum(tp.values())
    lines.append("-" * 37)
    lines.append(f"{'all':<14}{len(rows):>4}   accuracy {right / len(rows):.1%}")
    wrong = [c for c in rows if c.want_class != c.got_class]
    for c in wrong:
        lines.append(f"  {c.file}: expected {c.want_class}, got {c.got_class}"
                     + (f" ({c.got.phrase!r})" if c.got and c.got.phrase else ""))
    return "\n".join(lines), scores


def test_the_corpus_and_its_manifest_name_the_same_files() -> None:
    files = {p.name for p in CORPUS.glob("*.eml")}
    listed = set(manifest())
    assert files - listed == set(), "messages without an entry in expected.toml"
    assert listed - files == set(), "entries in expected.toml without a message"
    assert len(files) >= MIN_FILES


def test_the_manifest_uses_known_values_only() -> None:
    for name, want in manifest().items():
        assert want["loop"] in ("acme", "globex", "initech", "none"), name
        assert want["kind"] in ("reply", "out-of-office", "bounce", "ignored"), name
        assert (want["kind"] == "reply") == ("outcome" in want), name
        assert (want["kind"] == "ignored") == (want["loop"] == "none"), name
        assert want.get("automatic", "auto-reply") in ("auto-reply", "bounce", "list", "calendar", "system"), name
        if want["kind"] == "out-of-office":
            date.fromisoformat(want["returns_on"])
        if "promised_by" in want:
            assert want.get("outcome") == "other", name
            date.fromisoformat(want["promised_by"])
        if want["kind"] == "bounce":
            assert "@" in want["address"], name
            assert want.get("failure", "address") in ("address", "full", "too-large", "other"), name


def test_no_automatic_message_is_ever_a_reply() -> None:
    wrong = [f"{c.file} ({c.want['automatic']}) was taken for a reply: {c.got.reason}"
             for c in cases() if "automatic" in c.want and c.got and c.got.kind == "reply"]
    assert wrong == []


def test_automatic_and_human_mail_are_told_apart() -> None:
    wrong = []
    for c in cases():
        want = c.want.get("automatic")
        got = c.auto.kind if c.auto else None
        if (want is None) != (got is None):
            wrong.append(f"{c.file}: expected {want or 'a person'}, examine says {got or 'a person'}"
                         + (f" ({c.auto.reason})" if c.auto else ""))
    assert wrong == []


def test_every_message_goes_to_the_loop_the_manifest_names() -> None:
    wrong = [f"{c.file}: expected {c.want['loop']}, got {c.got_loop}"
             + (f" ({c.got.kind}: {c.got.reason})" if c.got else "")
             for c in cases() if c.got_loop != c.want["loop"]]
    assert wrong == []


def test_out_of_office_notices_and_bounces_carry_the_day_and_the_address() -> None:
    wrong = []
    for c in cases():
        if c.got is None or c.got.kind != c.want["kind"]:
            continue
        if c.want["kind"] == "out-of-office" and c.got.returns_on != date.fromisoformat(c.want["returns_on"]):
            wrong.append(f"{c.file}: back on {c.want['returns_on']}, got {c.got.returns_on}")
        if c.want["kind"] == "bounce" and c.got.address != c.want["address"]:
            wrong.append(f"{c.file}: bounced {c.want['address']}, got {c.got.address}")
        if c.want["kind"] == "bounce" and c.got.outcome != c.want.get("failure", "address"):
            wrong.append(f"{c.file}: failed for {c.want.get('failure', 'address')}, got {c.got.outcome}")
    assert wrong == []


def test_a_reply_that_decides_nothing_is_never_read_as_deciding() -> None:
    """A courtesy, an acknowledgement or a promise read as a rejection, an offer, a next
    round or a request would close (or advance) the loop: a false closure."""
    wrong = [f"{c.file}: read as {c.got_class} ({c.got.phrase!r})"
             for c in cases() if c.want_class == "other" and c.got_class not in ("other", "ignored")]
    assert wrong == []


def test_promised_answer_days_are_exact() -> None:
    wrong = [f"{c.file}: promised by {c.want['promised_by']}, got {c.got.returns_on if c.got else None}"
             for c in cases() if "promised_by" in c.want
             and (c.got is None or c.got.returns_on != date.fromisoformat(c.want["promised_by"]))]
    assert wrong == []


def test_every_match_says_why_in_words() -> None:
    for c in cases():
        if c.got is not None:
            assert c.got.reason and c.got.at == c.msg.date, c.file


def test_precision_and_recall_per_class() -> None:
    text, scores = table(cases())
    print("\n\nReply corpus: understand() on tests/replies/*.eml\n" + text)
    # What "good enough" means here:
    # - automatic mail, matching and the return days are exact rules, checked as hard
    #   rules above; out-of-office, bounce and ignored must therefore be perfect too.
    # - reply outcomes come from phrase rules (daemon/data/reply_rules.toml). The aim is
    #   90% precision and recall per outcome, but the classes are small (8 to 15
    #   messages): one miss among 8 is 87.5%, two among 15 are 87%. So: at least 85% per
    #   outcome (one miss in the smaller classes, two in the larger), and at least 95%
    #   of the whole corpus right.
    for k in ("out-of-office", "bounce", "ignored"):
        assert scores[k][:2] == (1.0, 1.0), f"{k}: {scores[k]}\n{text}"
    for k in ("rejection", "offer", "next-round", "info", "other"):
        precision, recall, support = scores[k]
        assert precision >= 0.85 and recall >= 0.85, f"{k}: precision {precision:.0%}, recall {recall:.0%}\n{text}"
    right = sum(c.want_class == c.got_class for c in cases())
    assert right / len(cases()) >= 0.95, text


@pytest.mark.parametrize("kind", ["reply", "out-of-office", "bounce", "ignored"])
def test_the_corpus_covers_every_kind(kind: str) -> None:
    assert sum(c.want["kind"] == kind for c in cases()) >= 4
