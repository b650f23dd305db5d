"""Calendar text is data: it can add no mail header and is never run as a template."""

from __future__ import annotations

from conftest import vevent
from interview_followup.daemon.loop.compose import build_message
from interview_followup.daemon.model import Person
from email import message_from_bytes
from email.policy import default

AFTER = "2026-11-17T16:00:00+01:00"


def test_a_title_with_a_newline_cannot_add_a_header(world):
    # a folded line in the .ics unfolds to a title carrying CR/LF + "Bcc:"
    world.set_calendar(vevent("inj-1@test", "20261117T140000", "20261117T150000",
                              "Interview with Acme\\r\\nBcc: victim@evil.example",
                              description="role: Engineer\\r\\nBcc: victim@evil.example"))
    world.once(AFTER)
    (d,) = world.drafts()
    assert d["Bcc"] is None
    assert "evil" not in "".join(f"{k}: {v}" for k, v in d.items() if k.lower() != "subject")


def test_an_attendee_name_with_a_newline_cannot_add_a_header():
    raw, warnings = build_message(
        key="k.thank-you",
        sender=Person("alex@example.org", "Alex"),
        to=[Person("jane@acme.example", "Jane\r\nBcc: victim@evil.example")],
        subject="Hi\nBcc: x@evil.example",
        body="text",
        when=__import__("datetime").datetime(2026, 11, 17, tzinfo=__import__("datetime").timezone.utc),
    )
    msg = message_from_bytes(raw, policy=default)
    assert msg["Bcc"] is None
    assert "\n" not in str(msg["To"]) and "\n" not in str(msg["Subject"])


def test_an_address_with_a_newline_is_refused():
    raw, warnings = build_message(
        key="k.thank-you",
        sender=Person("alex@example.org", "Alex"),
        to=[Person("jane@acme.example\r\nBcc: victim@evil.example", "Jane")],
        subject="Hi",
        body="text",
        when=__import__("datetime").datetime(2026, 11, 17, tzinfo=__import__("datetime").timezone.utc),
    )
    msg = message_from_bytes(raw, policy=default)
    assert msg["To"] is None and msg["Bcc"] is None
    assert warnings


def test_template_syntax_in_event_text_is_not_expanded(world):
    world.set_calendar(vevent("tpl-1@test", "20261117T140000", "20261117T150000",
                              "Interview with Acme",
                              attendees=(("${your_name} $company {{ 7*7 }}", "jane@acme.example"),),
                              description="role: {0.__class__} {{ 7*7 }}"))
    world.once(AFTER)
    (d,) = world.drafts()
    body = d.get_content()
    # template syntax is no person's name: the greeting leaves it out rather than show it
    assert body.startswith("Hello,") and "${your_name}" not in body
    assert "{0.__class__} {{ 7*7 }}" in d["Subject"]
    assert "49" not in body and "49" not in d["Subject"]


def test_a_role_that_reads_like_a_template_slot_holds_the_draft_and_names_it(world):
    """Calendar text is never expanded; text that would look like a broken template in the
    draft ("${references}") keeps the draft from being written, and its reminder says why."""
    world.set_calendar(vevent("tpl-1@test", "20261117T140000", "20261117T150000",
                              "Interview with Acme",
                              attendees=(("Jane Doe", "jane@acme.example"),),
                              description="role: ${references} $$"))
    r = world.once(AFTER)
    assert world.drafts() == []
    assert "the thank-you draft was not written: " in r.out and "${references}" in r.out, r.out
    fix = [e for e in world.reminders() if str(e["SUMMARY"]).startswith("Fix the thank-you draft")]
    assert fix and all("${references}" in str(e["DESCRIPTION"]) for e in fix)  # the reminder and its nudge
    thanks = [e for e in world.reminders() if "thank-you" in str(e["DESCRIPTION"])]
    assert not any("is waiting in your Drafts" in str(e["DESCRIPTION"]) for e in thanks)
