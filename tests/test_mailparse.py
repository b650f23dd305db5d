"""Raw mail to MailMessage, and the digest that tells whether the user edited a draft."""

from __future__ import annotations

import base64
import quopri
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP, default

import pytest

from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.mail.parse import MAX_BODY, body_digest, parse_message


def parse(raw: bytes | str):
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return parse_message(raw, ref="inbox/1", folder="inbox")


def test_encoded_words_in_names_and_subjects_are_decoded():
    m = parse(
        "From: =?utf-8?q?Zo=C3=AB_=C3=85ngstr=C3=B6m?= <Zoe@ACME.example>\n"
        "To: =?iso-8859-1?q?J=FCrgen?= <j@example.org>, plain@example.org\n"
        "Subject: =?utf-8?b?w4ljb2xl?= =?utf-8?q?_=E2=80=94_entretien?=\n"
        "\nbody\n"
    )
    assert m.sender is not None
    assert (m.sender.name, m.sender.email) == ("Zoë Ångström", "zoe@acme.example")
    assert [(p.name, p.email) for p in m.to] == [("Jürgen", "j@example.org"), ("", "plain@example.org")]
    assert m.subject == "École — entretien"
    assert (m.ref, m.folder) == ("inbox/1", "inbox")


def test_raw_utf8_headers_are_read_as_utf8():
    m = parse("From: Jürgen Müller <j@example.org>\nSubject: Grüße\n\nhé\n")
    assert m.sender == type(m.sender)("j@example.org", "Jürgen Müller")
    assert m.subject == "Grüße"
    assert m.body.strip() == "hé"


def test_ids_are_kept_as_angle_bracket_tokens():
    m = parse(
        "Message-ID: <a1@acme.example>\n"
        "In-Reply-To: <d1@example.org> (Alex's message)\n"
        "References: <r1@x>\n <d1@example.org>  junk <r1@x>\n\nx\n"
    )
    assert m.message_id == "<a1@acme.example>"
    assert m.in_reply_to == ("<d1@example.org>",)
    assert m.references == ("<r1@x>", "<d1@example.org>")


def test_a_message_id_without_brackets_is_bracketed():
    assert parse("Message-ID: abc@def\n\nx").message_id == "<abc@def>"


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Date: Tue, 17 Nov 2026 10:00:00 +0100", datetime(2026, 11, 17, 9, 0, tzinfo=timezone.utc)),
        ("Date: Tue, 17 Nov 2026 10:00:00 -0000", datetime(2026, 11, 17, 10, 0, tzinfo=timezone.utc)),
        ("Date: 17 Nov 2026 10:00 GMT", datetime(2026, 11, 17, 10, 0, tzinfo=timezone.utc)),
        ("Date: yesterday", None),
        ("Date: Tue, 31 Feb 2026 10:00:00 +0100", None),
        ("Date: Tue, 17 Nov 2026 99:00:00 +0100", None),
        ("X-No-Date: 1", None),
    ],
)
def test_dates_are_aware_or_none(header, expected):
    m = parse(f"{header}\n\nx\n")
    assert m.date == expected
    if m.date is not None:
        assert m.date.tzinfo is not None


def test_missing_headers_give_empty_values():
    m = parse(b"\nonly a body\n")
    assert (m.message_id, m.in_reply_to, m.references, m.sender, m.to, m.cc) == ("", (), (), None, (), ())
    assert (m.subject, m.date, m.headers, m.key) == ("", None, (), "")
    assert m.body.strip() == "only a body"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe\x80",
        b"no header here\n\nbody",
        b"From: <>\nTo: undisclosed-recipients:;\nCc: \"unterminated <x@y\nSubject: =?x-unknown?q?abc?=\n\nx",
        b"From: ,,,@@@<<>>\nDate: Tue, 1 Feb 99999 10:00:00 +0000\nReferences: <<<>>>\n\n",
        b"Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=nonsense\n\n\xff\xfe\n--b",
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64",
        b"Subject: " + b"=?utf-8?q?" + b"a" * 5000 + b"?=\n\n",
    ],
)
def test_malformed_input_never_raises(raw):
    m = parse(raw)
    assert m.ref == "inbox/1"
    body_digest(raw)


def test_undecodable_addresses_are_dropped_not_guessed():
    m = parse('From: x@y\nTo: "unterminated <x@y\n\nx')
    assert m.to == ()


def test_automatic_mail_headers_are_kept_in_order_with_lower_case_names():
    m = parse(
        "From: jane@acme.example\n"
        "Auto-Submitted: auto-replied\n"
        "Precedence: bulk\n"
        "List-Id: <jobs.acme.example>\n"
        "List-Unsubscribe: <mailto:leave@acme.example>,\n <https://acme.example/leave>\n"
        "X-Autoreply: yes\nX-Autorespond: yes\nX-Auto-Response-Suppress: All\n"
        "X-Apple-Action: vacation\nReturn-Path: <>\nX-Failed-Recipients: a@b\n"
        "X-Unrelated: ignore me\nReceived: from somewhere\n"
        "\nx\n"
    )
    names = [n for n, _ in m.headers]
    assert names == [
        "auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply", "x-autorespond",
        "x-auto-response-suppress", "x-apple-action", "return-path", "x-failed-recipients",
    ]
    assert m.header("List-Unsubscribe") == "<mailto:leave@acme.example>, <https://acme.example/leave>"
    assert m.header("return-path") == "<>"
    assert m.header("x-unrelated") == ""


def test_a_bounce_keeps_its_report_type():
    m = parse(
        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered\n"
        'Content-Type: multipart/report; report-type=delivery-status;\n\tboundary="zz"\n\n'
        "--zz\nContent-Type: text/plain\n\nCould not deliver.\n"
        "--zz\nContent-Type: message/delivery-status\n\nAction: failed\n--zz--\n"
    )
    assert m.header("content-type") == 'multipart/report; report-type=delivery-status; boundary="zz"'
    assert m.body.strip() == "Could not deliver."


def test_a_delivery_report_gives_its_failed_recipients_only():
    m = parse(
        "From: MAILER-DAEMON@mx.example\nSubject: Undelivered\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="zz"\n\n'
        "--zz\nContent-Type: text/plain\n\nCould not deliver.\n"
        "--zz\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: rfc822; Kim.Lee@acme.example\nAction: failed\nStatus: 5.1.1\n\n"
        "Original-Recipient: rfc822;jo@acme.example\nAction: failed\n\n"
        "Final-Recipient: rfc822; jane@acme.example\nAction: delayed\nStatus: 4.4.1\n"
        "--zz--\n"
    )
    assert m.failed_recipients == ("kim.lee@acme.example", "jo@acme.example")


def test_a_global_delivery_report_and_x_failed_recipients_give_failed_recipients():
    m = parse(
        "From: MAILER-DAEMON@mx.example\nX-Failed-Recipients: kim@acme.example, jo@acme.example\n"
        'Content-Type: multipart/report; report-type=global-delivery-status; boundary="zz"\n\n'
        "--zz\nContent-Type: text/plain\n\nCould not deliver.\n"
        "--zz\nContent-Type: message/global-delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        "Final-Recipient: utf-8; zoë@acme.example\nAction: failed\n"
        "--zz--\n"
    )
    assert m.failed_recipients == ("kim@acme.example", "jo@acme.example", "zoë@acme.example")
    assert parse("From: a@b\n\nx\n").failed_recipients == ()


@pytest.mark.parametrize("part, method", [
    ("Content-Type: text/calendar; method=REPLY; charset=utf-8\n\nBEGIN:VCALENDAR\nMETHOD:REPLY\nEND:VCALENDAR\n", "REPLY"),
    ("Content-Type: application/ics; name=invite.ics\n\nBEGIN:VCALENDAR\nMETHOD:request\nEND:VCALENDAR\n", "REQUEST"),
    ("Content-Type: text/plain\n\nno calendar here\n", ""),
])
def test_the_method_of_an_attached_calendar_object_is_read(part, method):
    m = parse(f'From: a@b\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\n{part}--zz--\n')
    assert m.calendar_method == method


def test_a_multipart_body_under_another_boundary_than_declared_is_still_read():
    m = parse(
        'From: a@b\nContent-Type: multipart/alternative; boundary="declared-1"\n\n'
        "--used-2\nContent-Type: text/plain; charset=utf-8\n\nThe text.\n"
        "--used-2\nContent-Type: text/html; charset=utf-8\n\n<p>The text.</p>\n--used-2--\n"
    )
    assert m.body.strip() == "The text."


def test_multipart_alternative_prefers_plain_text():
    msg = EmailMessage()
    msg["Subject"] = "x"
    msg.set_content("The plain text.\n")
    msg.add_alternative("<p>The <b>HTML</b> text.</p>", subtype="html")
    assert parse(msg.as_bytes()).body.strip() == "The plain text."


def test_html_only_mail_is_stripped_of_tags():
    msg = EmailMessage()
    msg.set_content(
        "<html><head><style>p{color:red}</style><title>T</title></head>"
        "<body><p>Hello&nbsp;Alex &amp; team,</p><p>see you</p><script>x()</script></body></html>",
        subtype="html",
    )
    body = parse(msg.as_bytes()).body
    assert "Hello\xa0Alex & team," in body and "see you" in body
    assert "<" not in body and "color" not in body and "x()" not in body


def test_attachments_are_not_the_body():
    msg = EmailMessage()
    msg.set_content("See attached.\n")
    msg.add_attachment("not the body", filename="notes.txt")
    assert parse(msg.as_bytes()).body.strip() == "See attached."


def test_the_body_is_limited():
    msg = EmailMessage()
    msg.set_content("y" * (MAX_BODY * 2))
    assert len(parse(msg.as_bytes()).body) == MAX_BODY


def test_latin1_and_undeclared_8bit_bodies_are_decoded():
    assert parse(b"Content-Type: text/plain; charset=iso-8859-1\n\nh\xe9").body == "h\xe9"
    assert parse(b"Content-Type: text/plain\n\nh\xc3\xa9").body == "h\xe9"
    assert parse(b"Content-Type: text/plain\n\nh\xe9").body == "h\xe9"  # cp1252 guess


def test_the_key_header_is_read():
    assert parse(f"{KEY_HEADER}:  3f2a9c1b.thank-you \n\nx").key == "3f2a9c1b.thank-you"


def test_single_line_fields_never_contain_line_breaks():
    m = parse("Subject: a\n b\n\tc\nFrom: \"A\n B\" <a@b.c>\n\nx")
    assert "\n" not in m.subject and "\r" not in m.subject
    assert m.sender is None or "\n" not in m.sender.name


# --- body_digest -------------------------------------------------------------------------


def draft(body: str = "Dear Jane,\n\nthank you for your time today.\n\nBest regards,\nAlex\n", cte: str = "8bit") -> EmailMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Alex Example <alex@example.org>"
    msg["To"] = "Jane Doe <jane@acme.example>"
    msg["Subject"] = "Thank you — Backend Engineer"
    msg["Date"] = "Tue, 17 Nov 2026 18:00:00 +0100"
    msg[KEY_HEADER] = "3f2a9c1b.thank-you"
    msg.set_content(body, cte=cte)
    return msg


def test_digest_is_stable_across_line_endings():
    raw = draft().as_bytes()
    assert b"\r\n" in raw
    assert body_digest(raw) == body_digest(raw.replace(b"\r\n", b"\n"))


def test_digest_is_stable_when_a_client_rewrites_headers():
    raw = draft().as_bytes().replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    rewritten = (
        b"X-Mozilla-Draft-Info: internal/draft; vcard=0; receipt=0\n"
        b"User-Agent: Mozilla Thunderbird\n"
        + head.replace(b"Tue, 17 Nov 2026 18:00:00 +0100", b"Wed, 18 Nov 2026 08:00:00 +0000")
        .replace(b"Subject: ", b"Subject:\n  ")
        + b"\nX-Account-Key: account1\n\n"
        + body
    )
    assert body_digest(rewritten) == body_digest(raw)


@pytest.mark.parametrize("cte", ["quoted-printable", "base64", "7bit"])
def test_digest_is_stable_across_transfer_encodings(cte):
    body = "Dear Jane,\n\nthank you for your time today.\n"
    assert body_digest(draft(body, cte).as_bytes()) == body_digest(draft(body).as_bytes())


def test_digest_ignores_trailing_white_space_and_trailing_blank_lines():
    a = draft("Hello Jane,\n\nthanks.\n").as_bytes()
    b = draft("Hello Jane,   \n\nthanks.\t\n\n\n").as_bytes()
    assert body_digest(a) == body_digest(b)


def test_digest_is_stable_when_a_client_reflows_as_format_flowed():
    text = "Dear Jane, thank you for your time today; I enjoyed hearing about the platform team's plans.\n"
    flowed = (
        "Subject: Thank you\nContent-Type: text/plain; charset=utf-8; format=flowed\n"
        "Content-Transfer-Encoding: 8bit\n\n"
        "Dear Jane, thank you for your time today; I enjoyed hearing about the \n"
        "platform team's plans.\n"
    ).encode()
    assert body_digest(flowed) == body_digest(draft(text).as_bytes())


def test_digest_changes_when_the_text_is_edited():
    assert body_digest(draft("Hello Jane,\n").as_bytes()) != body_digest(draft("Hello Jane!\n").as_bytes())
    assert body_digest(draft("Hello Jane,\n").as_bytes()) != body_digest(draft("Hello\nJane,\n").as_bytes())


def test_digest_of_a_multipart_draft_is_its_text():
    plain = draft("Hello Jane,\n")
    with_cv = draft("Hello Jane,\n")
    with_cv.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="cv.pdf")
    assert body_digest(with_cv.as_bytes()) == body_digest(plain.as_bytes())


def test_digest_survives_a_base64_rewrite_by_hand():
    text = "Grüße, Jane\n"
    raw = (
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(text.encode()).decode()
    ).encode()
    qp = (
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
        + quopri.encodestring(text.encode()).decode()
    ).encode()
    assert body_digest(raw) == body_digest(qp) == body_digest(draft(text).as_bytes())


def test_digest_is_hex_sha256():
    d = body_digest(draft().as_bytes())
    assert len(d) == 64 and int(d, 16) >= 0
    assert body_digest(b"") == body_digest(b"Subject: x\n\n")


def test_policy_default_and_smtp_serialisations_agree():
    msg = draft()
    assert body_digest(msg.as_bytes(policy=default)) == body_digest(msg.as_bytes(policy=SMTP))


# --- HTML: the linear reader reads as html.parser did -------------------------------------------

import random  # noqa: E402
from email import message_from_bytes  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from pathlib import Path  # noqa: E402

from interview_followup.daemon.mail import htmltext  # noqa: E402


class _HtmlParserText(HTMLParser):
    """What ``_strip_html`` used before ``htmltext``: ``html.parser`` with these handlers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in htmltext.SKIP:
            self.skipping += 1
        elif tag in htmltext.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in htmltext.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in htmltext.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_parser_text(html: str) -> str | None:
    parser = _HtmlParserText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return None  # the old reader then stripped tags the simple way, as htmltext does
    return "".join(parser.parts)


_MARKUP = ["<", ">", "/", "a", "p", "br", "script", "style", '"', "'", "=", " ", "\n", "!", "--", "?", "[", "]",
           "CDATA", "if", "&amp;", "&", "#", "x", "head", "title", "div", "<!--", "-->", "</", "/>", "<![",
           "doctype", "b", "\t", "é", "&lt", "&#62;", "<p class=x>", '<a href="y">', "</a>", "<br/>"]


def test_html_is_read_as_html_parser_read_it():
    """Random markup (well-formed or not) and every HTML part of the reply corpus: the
    same text, token for token."""
    rng = random.Random(2026)
    for _ in range(20_000):
        html = "".join(rng.choice(_MARKUP) for _ in range(rng.randint(1, 60)))
        assert htmltext.html_text(html) == html_parser_text(html), repr(html)
    corpus = 0
    for path in sorted((Path(__file__).parent / "replies").glob("*.eml")):
        for part in message_from_bytes(path.read_bytes(), policy=default).walk():
            if part.get_content_type() == "text/html":
                html = part.get_content()
                assert htmltext.html_text(html) == html_parser_text(html), path.name
                corpus += 1
    assert corpus >= 5


def test_markup_that_cannot_be_read_token_by_token_is_stripped_the_simple_way():
    assert htmltext.html_text("<![unknown[ x ]]>") is None and html_parser_text("<![unknown[ x ]]>") is None
    assert parse("Content-Type: text/html\n\n<p>a</p><![unknown x]> b\n").body == " a   b\n"  # as before
    assert htmltext.strip_tags("a<b>c<d e") == "a c<d e"


def test_long_html_is_read_until_the_body_is_long_enough():
    words = "<p>" + "word " * 10_000 + "</p>"
    html = words + "<p>" * 300_000  # what follows the text is never read
    m = parse(f"Content-Type: text/html\n\n{html}\n")
    assert len(m.body) == MAX_BODY and m.body.startswith("word word")
    assert htmltext.html_text("<p>word</p>" * 1000, enough=100).split() == ["word"] * 26  # 104 letters


# --- bounds ------------------------------------------------------------------------------------

from interview_followup.daemon.mail import parse as parse_module  # noqa: E402
from interview_followup.daemon.mail.parse import (  # noqa: E402
    MAX_HEAD_BYTES,
    MAX_HEADER_CHARS,
    MAX_HEADERS,
    message_date,
)


def test_a_header_value_is_stored_within_its_cap():
    m = parse(f"Subject: {'x' * (MAX_HEADER_CHARS + 10)}\nX-Other: y\nAuto-Submitted: {'a' * 40_000}\n\nbody\n")
    assert m.header("auto-submitted") == "a" * MAX_HEADER_CHARS
    assert len(m.subject) == parse_module.MAX_TEXT_CHARS


def test_references_keep_the_first_quarter_and_the_last_three_quarters():
    ids = [f"<{i:06d}@x.example>" for i in range(4000)]  # 72 KB
    m = parse(f"In-Reply-To: {ids[-1]}\nReferences: {' '.join(ids)}\n\nx\n")
    assert m.in_reply_to == (ids[-1],)
    assert m.references[0] == ids[0] and m.references[-1] == ids[-1]
    assert set(m.references) <= set(ids)
    kept = len(m.references) * 19  # each id and a space
    assert MAX_HEADER_CHARS - 100 < kept <= MAX_HEADER_CHARS


def test_at_most_so_many_header_fields_per_part():
    fields = "".join(f"X-{i}: a\n" for i in range(MAX_HEADERS + 50))
    m = parse(f"Subject: first\n{fields}Auto-Submitted: auto-replied\n\nbody\n")
    assert m.subject == "first" and m.header("auto-submitted") == ""


def test_the_header_block_is_cut_in_whole_lines_and_both_readers_agree():
    filler = "".join(f"X-Filler-{i}: {'f' * 60}\n" for i in range(MAX_HEAD_BYTES // 70 + 10))
    raw = f"Subject: early\nDate: Tue, 24 Nov 2026 10:00:00 +0100\n{filler}Subject: late\n\nthe body\n".encode()
    m = parse(raw)
    assert m.subject == "early" and m.body == "the body\n"
    assert message_date(raw) == m.date == datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
    late = f"{filler}Date: Tue, 24 Nov 2026 10:00:00 +0100\n\nx\n".encode()
    assert message_date(late) is None and parse(late).date is None  # beyond the cut, for both


def test_a_deep_tree_keeps_the_parts_read_before_the_bound():
    depth = parse_module.MAX_DEPTH + 5
    head = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b0\n\n"
    body = "--b0\nContent-Type: text/plain\n\nthe outer text\n"
    for i in range(1, depth):
        body += f"--b{i - 1}\nContent-Type: multipart/mixed; boundary=b{i}\n\n"
    body += "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    assert parse(head + body).body.strip() == "the outer text"


def test_a_long_address_field_is_read_the_simple_way_with_the_same_result():
    people = [f"=?utf-8?q?Ren=C3=A9e_{i}?= <renee{i}@acme.example>" for i in range(60)]  # 2.6 KB: not the standard parser
    m = parse(f"To: {', '.join(people)}\n\nx\n")
    short = parse(f"To: {', '.join(people[:10])}\n\nx\n")  # the standard parser
    assert [(p.email, p.name) for p in m.to][:10] == [(p.email, p.name) for p in short.to]
    assert (m.to[59].email, m.to[59].name) == ("renee59@acme.example", "Renée 59")


def test_format_flowed_is_undone_as_before():
    text = "one \ntwo \nthree\n-- \nsig \n\nlast \n"
    assert parse_module._unflow(text, delsp=False) == "one two three\n-- \nsig \nlast "
    assert parse_module._unflow(text, delsp=True) == "onetwothree\n-- \nsig\nlast"
