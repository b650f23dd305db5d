"""Hostile mail never stops, stalls or exhausts the mail stage (issue 13, "Never stop,
never harm"): huge and numerous header fields, storms of quotes and encoded words, junk
charsets, deep and wide MIME trees, markup and text built to make the parsers and the
matchers backtrack.

Every input runs in a child process with an address-space limit (``AS_LIMIT``) and a hard
timeout (``HARD_TIMEOUT_S``), so that a regression fails its test instead of hanging the
suite or taking the machine's memory. The child runs what a pass runs on one message —
``parse_message``, ``message_date``, ``body_digest``, ``examine`` (automatic mail) and
``classify`` (what a reply says) — and reports the time each input took and the peak of
its resident memory above what the warmed-up child held before. The bounds are the
module rules of ``daemon.mail.parse`` (and ``htmltext``, ``classify``, ``textmatch``).

Before the bounds (this machine): a From of 50 KB of quotes took 28 s; a From of 10,000
encoded words 3.6 s and 1.4 GB; a Subject of 10,000 words in a junk charset 0.8 s and
756 MB; 4 KB of ``<a `` in an HTML body 0.75 s (25 KB: minutes); a bounce text of 20,000
letters 1.1 s; "from" and 20,000 spaces in a reply several seconds.
"""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest

from interview_followup.daemon.mail import parse
from interview_followup.daemon.mail.parse import (
    MAX_ADDRESSES,
    MAX_HEADER_CHARS,
    MAX_HEADERS,
    MAX_TEXT_CHARS,
    parse_message,
)

REPO = Path(__file__).resolve().parents[1]
REPLIES = Path(__file__).resolve().parent / "replies"

AS_LIMIT = 300 << 20  # bytes of address space for the child (the interpreter maps some 30 MB)
HARD_TIMEOUT_S = 10  # per child, for a single input
SECONDS = 3.0  # what one input may take (they take well under 1 s, but the machine may be busy)
PEAK_MB = 100  # resident memory one input may add

CHILD = r"""
import base64, json, logging, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[3]), int(sys.argv[3])))
from interview_followup.daemon.mail.automatic import examine, return_date
from interview_followup.daemon.mail.classify import Rules, classify, own_words
from interview_followup.daemon.mail.parse import body_digest, message_date, parse_message
from interview_followup.daemon.model import MailMessage, Person


class Keep(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


keep = Keep()
logging.getLogger("interview_followup").addHandler(keep)
rules = Rules.builtin()


def mail(name, raw):
    m = parse_message(raw, ref=name, folder="inbox")
    auto = examine(m)
    verdict = classify(m, rules)
    same_date = message_date(raw) == m.date
    body_digest(raw)
    return {
        "message_id": m.message_id, "sender": m.sender.email if m.sender else None,
        "sender_name_len": len(m.sender.name) if m.sender else 0, "subject": m.subject[:200],
        "subject_len": len(m.subject), "body": m.body[:300], "body_len": len(m.body), "to": len(m.to),
        "references": list(m.references[-3:]), "references_n": len(m.references),
        "failed": len(m.failed_recipients), "headers": len(m.headers), "same_date": same_date,
        "automatic": auto.kind if auto else None, "outcome": verdict.outcome,
    }


def text(name, raw):
    data = json.loads(raw)
    m = MailMessage(ref=name, folder="inbox", subject=data["subject"], body=data["body"],
                    sender=Person(data.get("sender", "jane@acme.example"), "Jane"),
                    headers=tuple(tuple(h) for h in data.get("headers", ())))
    auto = examine(m)
    verdict = classify(m, rules)
    return_date(data["subject"] + "\n" + data["body"], None, "acme.example")
    own_words(data["body"])
    return {"automatic": auto.kind if auto else None, "outcome": verdict.outcome}


op = {"mail": mail, "text": text}[sys.argv[1]]
mail("warm-up", b"From: a@b.example\nSubject: warm up\n\nwe would like to offer you the position\n")
inputs = json.loads(sys.stdin.read())
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
results = []
for name, encoded in inputs:
    raw = base64.b64decode(encoded)
    start = time.perf_counter()
    found = op(name, raw)
    found["seconds"] = time.perf_counter() - start
    found["name"] = name
    results.append(found)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
print(json.dumps({"results": results, "peak_mb": peak / 1024, "warnings": keep.lines}))
"""


def run(inputs: dict[str, bytes], op: str = "mail", timeout: float = HARD_TIMEOUT_S) -> dict:
    """Run ``op`` on each input in one limited child; its report (see ``CHILD``)."""
    import base64

    payload = json.dumps([(name, base64.b64encode(raw).decode("ascii")) for name, raw in inputs.items()])
    try:
        done = subprocess.run([sys.executable, "-c", CHILD, op, "-", str(AS_LIMIT)], input=payload,
                              capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the mail stage did not finish within {timeout} s: {', '.join(inputs)}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["by_name"] = {r["name"]: r for r in report["results"]}
    return report


def within_bounds(report: dict, seconds: float = SECONDS) -> None:
    for r in report["results"]:
        assert r["seconds"] < seconds, f"{r['name']}: {r['seconds']:.2f} s"
    assert report["peak_mb"] < PEAK_MB, f"{report['peak_mb']:.0f} MB"


REPLY = "Thank you for your time. Unfortunately we have decided to move forward with other candidates.\n"


def mail(*fields: str | bytes, body: str | bytes = REPLY, mid: str = "<hostile@acme.example>",
         sender: str | bytes | None = "Jane Doe <jane@acme.example>",
         subject: str | bytes | None = "About your application") -> bytes:
    """A reply from Jane with ``fields`` added (or replacing From and Subject)."""
    head: list[bytes] = [b"Message-ID: " + mid.encode()]
    if sender is not None:
        head.append(b"From: " + (sender if isinstance(sender, bytes) else sender.encode()))
    head.append(b"To: Alex Example <alex@example.org>")
    if subject is not None:
        head.append(b"Subject: " + (subject if isinstance(subject, bytes) else subject.encode()))
    head.append(b"Date: Tue, 24 Nov 2026 10:00:00 +0100")
    head += [f if isinstance(f, bytes) else f.encode() for f in fields]
    return b"\n".join(head) + b"\n\n" + (body if isinstance(body, bytes) else body.encode())


# --- the reproductions of issue 13 --------------------------------------------------------------


def test_a_from_of_50_kb_of_quote_characters_takes_no_time():
    report = run({"quotes": mail(sender=b'"' * 50_000)})
    within_bounds(report)
    found = report["by_name"]["quotes"]
    assert found["subject"] == "About your application"  # the rest of the message is read
    assert found["outcome"] == "rejection"
    warning = "\n".join(report["warnings"])
    assert "quotes" in warning and "<hostile@acme.example>" in warning  # named ...
    assert '""' not in warning  # ... never quoted


def test_a_from_of_10000_encoded_words_takes_no_memory():
    words = b"=?utf-8?q?Jane?= " * 10_000 + b"<jane@acme.example>"
    folded = b"\n ".join([b"=?utf-8?q?Jane?="] * 10_000) + b" <jane@acme.example>"
    report = run({"one line": mail(sender=words), "folded": mail(sender=folded)})
    within_bounds(report)
    assert all(r["outcome"] == "rejection" for r in report["results"])


def test_a_subject_of_10000_words_in_a_junk_charset_takes_no_memory():
    report = run({"junk": mail(subject=b"=?x-junk?q?a?= " * 10_000),
                  "junk b": mail(subject=b"=?x-junk?b?YWJj?= " * 10_000),
                  "utf-8": mail(subject=b"=?utf-8?q?=C3=A9t=C3=A9?= " * 10_000)})
    within_bounds(report)
    for found in report["results"]:
        assert 0 < found["subject_len"] <= MAX_TEXT_CHARS
        assert found["outcome"] == "rejection"


def test_the_same_storms_just_under_the_parser_limit_are_read_by_the_standard_library():
    """Below ``STRUCTURED_MAX`` the standard library reads them, within the budget."""
    report = run({
        "quotes": mail(sender=b'"' * 2000 + b" <jane@acme.example>"),
        "words": mail(sender=b"=?utf-8?q?Jane?= " * 100 + b"<jane@acme.example>"),
        "subject": mail(subject=b"=?x-junk?q?a?= " * 130),
    })
    within_bounds(report)
    words = report["by_name"]["words"]
    assert words["sender"] == "jane@acme.example" and words["sender_name_len"] >= len("Jane" * 100)


def test_many_address_fields_at_the_parser_limit_share_one_budget():
    fields = [b"To: " + b'"' * 2000 + b" <x%d@acme.example>" % i for i in range(400)]
    cc = [b"Cc: " + b"=?utf-8?q?a?= " * 140 + b"<c%d@acme.example>" % i for i in range(400)]
    report = run({"to": mail(*fields), "cc": mail(*cc)})
    within_bounds(report)


def test_address_lists_keep_at_most_so_many_addresses():
    to = b"To: " + b", ".join(b"p%d@acme.example" % i for i in range(30_000))
    many = mail(*[b"To: a%d@x.example" % i for i in range(600)])
    report = run({"to": mail(to[:MAX_HEADER_CHARS]), "many fields": many})
    within_bounds(report)
    assert report["by_name"]["to"]["to"] == MAX_ADDRESSES
    assert report["by_name"]["many fields"]["to"] == 1 + MAX_HEADERS - 5  # Alex's and those within the fields kept


# --- header fields ------------------------------------------------------------------------------


def test_header_fields_are_capped_in_length_and_number():
    huge = b"X-Junk: " + b"a" * 2_000_000
    folded = b"Subject: a\n" + b" b\n" * 600_000
    many = [b"X-Junk-%d: a" % i for i in range(100_000)]
    report = run({"long": mail(huge), "folded": mail(folded[:-1], subject=None), "many": mail(*many)})
    within_bounds(report)
    assert report["by_name"]["long"]["outcome"] == "rejection"
    assert report["by_name"]["folded"]["subject_len"] <= MAX_TEXT_CHARS


def test_a_long_references_field_keeps_the_root_and_the_latest_messages():
    ids = [f"<m{i:05d}.x@acme.example>" for i in range(3000)]  # some 75 KB
    report = run({"references": mail("References: " + " ".join(ids))})
    within_bounds(report)
    found = report["by_name"]["references"]
    assert found["references"] == ids[-3:]
    assert 1000 < found["references_n"] < 3000


def test_a_date_of_two_megabytes_is_read_the_same_by_both_readers():
    report = run({"date": mail(b"Date: Tue, 24 Nov 2026 " + b"1" * 2_000_000),
                  "spaces": mail(b"Date: Tue, " + b" " * 2_000_000 + b"24 Nov 2026 10:00 +0100")})
    within_bounds(report)
    assert all(r["same_date"] for r in report["results"])


def test_nuls_invalid_charsets_and_8bit_headers_are_read():
    report = run({
        "nul": mail(b"X-A: \x00\x00\x00", subject=b"Ab\x00out", body=b"Thank you.\x00 We have decided to move forward with other candidates."),
        "charset": mail(b"Content-Type: text/plain; charset=x-junk", body="Merci. Nous avons décidé … \xff".encode("latin-1", "replace")),
        "charset param storm": mail(b"Content-Type: text/plain; " + b"charset*0*=x; " * 150),
        "8bit": mail(sender="Jürgen Müller <j@acme.example>".encode("utf-8"), subject=b"\xff\xfe\xfd"),
    })
    within_bounds(report)
    assert report["by_name"]["8bit"]["sender"] == "j@acme.example"


# --- MIME structure ------------------------------------------------------------------------------


def nested_multiparts(depth: int) -> bytes:
    head = b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0"
    body = [b"--b0", b"Content-Type: text/plain", b"", b"We have decided to move forward with other candidates.", b""]
    for i in range(1, depth):
        body += [b"--b%d" % (i - 1), b"Content-Type: multipart/mixed; boundary=b%d" % i, b""]
    for i in reversed(range(depth)):
        body.append(b"--b%d--" % i)
    return mail(head, body=b"\n".join(body) + b"\n")


def nested_messages(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\n\ndeep\n"
    layers = [b"Content-Type: message/rfc822\n\n"] * depth
    return mail(b"MIME-Version: 1.0", b"Content-Type: multipart/mixed; boundary=top",
                body=b"--top\nContent-Type: text/plain\n\nWe have decided to move forward with other candidates.\n"
                     b"--top\n" + b"".join(layers) + inner + b"--top--\n")


def wide(parts: int) -> bytes:
    body = [b"--w", b"Content-Type: text/plain", b"", b"We have decided to move forward with other candidates."]
    for i in range(parts):
        body += [b"--w", b"", b"%d" % i]
    body.append(b"--w--")
    return mail(b"MIME-Version: 1.0", b"Content-Type: multipart/mixed; boundary=w", body=b"\n".join(body) + b"\n")


def test_deep_and_wide_mime_trees_are_read_as_far_as_the_bounds():
    report = run({"10000 nested multiparts": nested_multiparts(10_000),
                  "10000 nested messages": nested_messages(10_000),
                  "100000 parts": wide(100_000)}, timeout=20)
    within_bounds(report)
    for found in report["results"]:
        assert found["outcome"] == "rejection", found["name"]  # the first part's text is kept
        assert "move forward" in found["body"]
    assert any("MIME parts" in w for w in report["warnings"])


def test_content_types_the_standard_parser_reads_slowly_are_bounded_per_message():
    slow = b'text/plain; a="' + b';"' * 1000  # 2 KB: some 40 ms each for the standard parser
    distinct = [b"--w\nContent-Type: " + slow + b"%d\n\n%d" % (i, i) for i in range(190)]
    same = [b"--w\nContent-Type: " + slow + b"\nContent-Disposition: " + slow[11:] + b"\n\nx" for _ in range(190)]
    head = (b"MIME-Version: 1.0", b"Content-Type: multipart/mixed; boundary=w")
    first = b"--w\nContent-Type: text/plain\n\nWe have decided to move forward with other candidates.\n"
    report = run({"distinct": mail(*head, body=first + b"\n".join(distinct) + b"\n--w--\n"),
                  "same": mail(*head, body=first + b"\n".join(same) + b"\n--w--\n"),
                  "top": mail(b"Content-Type: " + slow + b"\nContent-Transfer-Encoding: " + b"@" * 30_000)})
    within_bounds(report)
    assert report["by_name"]["distinct"]["outcome"] == "rejection"


def test_delivery_reports_with_endless_recipients_are_bounded():
    blocks = b"".join(b"Final-Recipient: rfc822; r%d@acme.example\nAction: failed\nStatus: 5.1.1\n\n" % i
                      for i in range(20_000))
    dsn = mail(b"MIME-Version: 1.0", b"Content-Type: multipart/report; report-type=delivery-status; boundary=r",
               sender="MAILER-DAEMON@mx.example", subject="Undeliverable: About your application",
               body=b"--r\nContent-Type: text/plain\n\nDelivery failed.\n--r\nContent-Type: message/delivery-status\n\n"
                    b"Reporting-MTA: dns; mx.example\n\n" + blocks + b"--r--\n")
    xfr = mail(b"X-Failed-Recipients: " + b", ".join(b"f%d@acme.example" % i for i in range(10_000))[:MAX_HEADER_CHARS],
               sender="MAILER-DAEMON@mx.example", subject="Mail delivery failed")
    report = run({"dsn": dsn, "x-failed": xfr})
    within_bounds(report)
    for found in report["results"]:
        assert found["automatic"] == "bounce"
        assert 0 < found["failed"] <= MAX_ADDRESSES


# --- bodies --------------------------------------------------------------------------------------


HOSTILE_MARKUP = ["<a ", "<", "<!", "</", "<!--", "<a b=\"", "<a/", "<p>", "<?", "<![if ", "a<b", "<a b='>' ",
                  "<script>", "&#", "<a " + " b" * 5000 + ">"]


@pytest.mark.parametrize("units", [HOSTILE_MARKUP[:5], HOSTILE_MARKUP[5:10], HOSTILE_MARKUP[10:]])
def test_hostile_html_bodies_are_read_in_linear_time(units):
    inputs = {unit[:12]: mail(b"Content-Type: text/html; charset=utf-8", body=(unit * (1_000_000 // len(unit))).encode())
              for unit in units}
    inputs["after text"] = mail(b"Content-Type: text/html", body=b"<p>We have decided to move forward with other "
                                b"candidates.</p>" + (units[0] * (1_000_000 // len(units[0]))).encode())
    report = run(inputs, timeout=30)
    within_bounds(report)
    assert report["by_name"]["after text"]["outcome"] == "rejection"


def text_input(subject: str = "About your application", body: str = "", **extra) -> bytes:
    return json.dumps({"subject": subject, "body": body, **extra}).encode()


def salad(seed: int, length: int) -> str:
    """Words of the matchers' own expressions, digits, dates and punctuation, at random."""
    from interview_followup.daemon.mail import automatic, classify

    import re

    words = sorted({w for mod in (automatic, classify) for v in vars(mod).values() if isinstance(v, re.Pattern)
                    for w in re.findall(r"[a-z]{2,}", v.pattern)})
    seps = [" ", "  ", "\n", "\n\n", ", ", ". ", ": ", "-", "/", " - ", "\t", "\n> ", "\n-- \n", "@", "12.", "2026",
            "3rd ", "_" * 12, "\n" + " " * 300, "**", "'", "(", "["]
    rng = random.Random(seed)
    out, size = [], 0
    while size < length:
        piece = rng.choice(words) if rng.random() < 0.7 else rng.choice(seps)
        out.append(piece)
        size += len(piece)
    return "".join(out)


def test_the_matchers_take_linear_time_on_adversarial_text():
    """Automatic-mail recognition, classification and return dates on 64 KiB texts built
    to make their expressions backtrack."""
    n = 64 * 1024
    cases = {
        "local part run": text_input("Undeliverable: x", "a" * n, sender="mailer-daemon@mx.example"),
        "at signs": text_input("Undeliverable: x", "a@" * (n // 2), sender="mailer-daemon@mx.example"),
        "outlook from": text_input(body=("from" + " " * 20_000 + "x\n") * 3),
        "quote header": text_input(body=("am " + "schrieb " * 40 + " " * 400 + "x:\n") * 150),
        "reply prefix": text_input(subject="re" + " " * n + "x"),
        "weekday spaces": text_input("Out of office", ("monday" + " " * 2000) * 32,
                                     headers=[["auto-submitted", "auto-replied"]]),
        "numeric dates": text_input("Out of office", "back on " + "1.1." * (n // 4),
                                    headers=[["auto-submitted", "auto-replied"]]),
        "range gaps": text_input("Out of office", ("until 3.12. " + " ,." * 5000) * 4,
                                 headers=[["auto-submitted", "auto-replied"]]),
        "unsubscribe": text_input(body="your " * (n // 5), headers=[["list-unsubscribe", "<x>"]]),
    }
    for seed in range(4):
        cases[f"salad {seed}"] = text_input(salad(seed, 2000), salad(seed + 100, n),
                                            headers=[["auto-submitted", "auto-replied"]])
    report = run(cases, op="text", timeout=40)
    within_bounds(report)


def test_mutated_corpus_mail_never_stops_the_stage():
    """Truncations, NULs, invalid charsets, duplicated lines of every reply of the corpus."""
    rng = random.Random(13)
    inputs = {}
    for path in sorted(REPLIES.glob("*.eml")):
        raw = path.read_bytes()
        cut = rng.randrange(1, len(raw))
        lines = raw.split(b"\n")
        i = rng.randrange(len(lines))
        inputs[f"{path.stem} truncated"] = raw[:cut]
        inputs[f"{path.stem} nul"] = bytes(b if rng.random() > 0.02 else 0 for b in raw)
        inputs[f"{path.stem} charset"] = raw.replace(b"charset=", b"charset=x-\xff").replace(b"utf-8", b"utf-\x00")
        inputs[f"{path.stem} lines"] = b"\n".join(lines[:i] + [lines[i]] * 5000 + lines[i:])
    report = run(inputs, timeout=120)
    within_bounds(report)
    assert len(report["results"]) == len(inputs)


# --- in process: the warning -------------------------------------------------------------------


def test_a_message_that_hits_a_bound_is_named_once_never_quoted(caplog):
    raw = mail(b"X-Secret: " + b"s3cret words " * 4000, mid="<once@acme.example>")
    with caplog.at_level(logging.WARNING, logger="interview_followup.daemon.mail.parse"):
        first = parse_message(raw, ref="inbox/1700000000.once", folder="inbox")
        again = parse_message(raw, ref="inbox/1700000000.once", folder="inbox")
    assert first == again and first.subject == "About your application"
    lines = [r.getMessage() for r in caplog.records if r.name == "interview_followup.daemon.mail.parse"]
    assert len(lines) == 1
    assert "inbox/1700000000.once" in lines[0] and "<once@acme.example>" in lines[0]
    assert "s3cret" not in lines[0] and "X-Secret" in lines[0]


def test_normal_mail_hits_no_bound(caplog):
    with caplog.at_level(logging.WARNING, logger="interview_followup.daemon.mail.parse"):
        for path in sorted(REPLIES.glob("*.eml")):
            parse_message(path.read_bytes(), ref=path.name, folder="inbox")
    assert not [r for r in caplog.records if r.name == "interview_followup.daemon.mail.parse"]


def test_the_budget_is_per_message():
    """A message that spent the standard parser's budget leaves nothing spent for the next."""
    greedy = mail(*[b"To: " + b'"' * 2000 + b" <x%d@acme.example>" % i for i in range(40)])
    plain = mail(sender=b"=?utf-8?q?Ren=C3=A9e?= (the recruiter) <renee@acme.example>")
    parse_message(greedy, ref="greedy", folder="inbox")
    found = parse_message(plain, ref="plain", folder="inbox")
    assert (found.sender.email, found.sender.name) == ("renee@acme.example", "Renée")
    assert parse._READING.get() is None


# --- Gmail: messages arrive whole -----------------------------------------------------------------


def test_gmail_parses_at_most_what_imap_fetches(tmp_path, monkeypatch):
    """Gmail's ``messages.get(format=raw)`` gives the whole message (25 MB and more with
    attachments); like IMAP's partial fetch, only its first 2 MiB are parsed."""
    from datetime import datetime, timedelta, timezone

    from google_emulator import gmail_api
    from google_emulator.fixtures import USER, make_context, running_emulator, write_token
    from interview_followup.integrations import gmail_mailbox
    from interview_followup.integrations.google_api import SCOPES, token_path

    seen: list[int] = []
    real = gmail_mailbox.parse_message
    monkeypatch.setattr(gmail_mailbox, "parse_message", lambda raw, **kw: seen.append(len(raw)) or real(raw, **kw))
    attachment = b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + b"QUJD" * 1_500_000
    big = mail(b"MIME-Version: 1.0", b"Content-Type: multipart/mixed; boundary=b",
               body=b"--b\nContent-Type: text/plain\n\n" + REPLY.encode() + b"\n" + attachment + b"\n--b--\n")
    for emulator in running_emulator(lambda e: gmail_api.install(e, USER)):
        emulator.gmail.deliver(big, ("INBOX", "UNREAD"), received=datetime.now(timezone.utc))
        context = make_context(tmp_path)
        write_token(token_path(context.data_dir), emulator, SCOPES["gmail"])
        mailbox = gmail_mailbox.GmailMailbox.open(
            gmail_mailbox.Settings(api_endpoint=emulator.url, timeout_seconds=30), context)
        messages, _ = mailbox.read_new(None, datetime.now(timezone.utc) - timedelta(days=1))
        mailbox.close()
    assert len(big) > 6_000_000
    assert [m.subject for m in messages] == ["About your application"]
    assert "move forward" in messages[0].body
    assert seen and max(seen) <= 2 * 1024 * 1024, seen
