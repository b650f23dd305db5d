"""Gmail as the mailbox, with the real client library against the local emulator
(tests/google_emulator/gmail_api.py): the contract, plus incremental reading, threads,
lost answers, retries, revoked tokens, and that nothing is ever sent."""

from __future__ import annotations

import base64
import dataclasses
import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from contracts.mailbox_contract import SINCE, MailboxContract, make_draft, make_message
from interview_followup.daemon.errors import NeedsUser, Transient, UnknownOutcome
from interview_followup.daemon.mail.parse import body_digest
from interview_followup.daemon.model import Draft, StoredDraft
from interview_followup.daemon.providers import provider_class
from google_emulator.fixtures import make_context
from google_emulator.gmail_fixtures import *  # noqa: F403 - the fixtures
from google_emulator.gmail_fixtures import write_gmail_token
from interview_followup.integrations.gmail_mailbox import GmailMailbox, Settings
from interview_followup.integrations.google_api import SCOPES

REPO = Path(__file__).resolve().parent.parent


def open_mailbox(emulator, context, **overrides) -> GmailMailbox:
    values = dict(api_endpoint=emulator.url, timeout_seconds=5)
    values.update(overrides)
    return GmailMailbox.open(Settings(**values), context)


def gmail_deliver(emulator):
    def deliver(raw: bytes, folder: str = "inbox") -> None:
        labels = {"inbox": ("INBOX", "UNREAD"), "sent": ("SENT",)}[folder]
        emulator.gmail.deliver(raw, labels)
    return deliver


def client(emulator, context):
    """The real client library's Gmail service, on the provider's credentials."""
    return open_mailbox(emulator, context).api.service("gmail", "v1")


class TestGmailContract(MailboxContract):
    @pytest.fixture
    def mailbox(self, gmail_emulator, gmail_context, gmail_token):
        mb = open_mailbox(gmail_emulator, gmail_context)
        self.gmail = gmail_emulator.gmail
        yield mb
        mb.close()

    @pytest.fixture
    def deliver(self, gmail_emulator):
        return gmail_deliver(gmail_emulator)

    def assert_flagged_draft(self, mailbox, stored):
        gmail = self.gmail
        assert stored.ref in gmail.drafts
        message = gmail.message(gmail.drafts[stored.ref])
        assert message.labels == {"DRAFT"}
        assert message.raw == stored.message


@pytest.fixture
def mb(gmail_emulator, gmail_context, gmail_token):
    mailbox = open_mailbox(gmail_emulator, gmail_context)
    yield mailbox
    mailbox.close()


@pytest.fixture
def deliver(gmail_emulator):
    return gmail_deliver(gmail_emulator)


# --- reading ------------------------------------------------------------------------------


def test_a_read_with_nothing_new_is_one_request(mb, deliver, gmail_emulator):
    for n in range(30):
        deliver(make_message(f"mail {n}"))
    first, cursor = mb.read_new(None, SINCE)
    assert len(first) == 30
    before = len(gmail_emulator.requests)
    again, same = mb.read_new(cursor, SINCE)
    assert again == []
    assert gmail_emulator.requests[before:] == [("GET", "/gmail/v1/users/me/history")]
    assert same == cursor  # an unchanged cursor: the engine writes nothing to its state


def test_messages_carry_the_gmail_id_and_thread(mb, deliver, gmail_emulator):
    deliver(make_message("Interview", msgid="<q-1@example.org>", sender="alex@example.org"), "sent")
    deliver(make_message("Re: Interview", msgid="<a-1@acme.example>",
                         headers={"In-Reply-To": "<q-1@example.org>", "References": "<q-1@example.org>"}))
    messages, _ = mb.read_new(None, SINCE)
    by_subject = {m.subject: m for m in messages}
    sent, reply = by_subject["Interview"], by_subject["Re: Interview"]
    assert (sent.folder, reply.folder) == ("sent", "inbox")
    assert sent.ref in gmail_emulator.gmail.messages and reply.ref in gmail_emulator.gmail.messages
    assert reply.thread_id == sent.thread_id == gmail_emulator.gmail.message(sent.ref).thread_id


def test_expired_history_resyncs_without_reporting_old_mail_again(mb, deliver, gmail_emulator):
    gmail = gmail_emulator.gmail
    gmail.deliver(make_message("old one"), ("INBOX",), received=datetime.now(timezone.utc))
    first, cursor = mb.read_new(None, SINCE)
    assert [m.subject for m in first] == ["old one"]
    gmail.deliver(make_message("arrived in between"), ("INBOX",), received=datetime.now(timezone.utc))
    gmail_emulator.gmail.expire_history()
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["arrived in between"]
    list_queries = [p for m, p in gmail_emulator.requests if p.endswith("/messages")]
    assert list_queries  # it listed again, from the last read on (not from `since`)
    deliver(make_message("after the resync"))
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["after the resync"]
    assert mb.read_new(cursor, SINCE)[0] == []


def test_the_resync_is_bounded_by_the_last_read(mb, deliver, gmail_emulator):
    deliver(make_message("long ago", date=datetime.now(timezone.utc) - timedelta(days=1)))
    _, cursor = mb.read_new(None, datetime.now(timezone.utc) - timedelta(minutes=5))
    gmail_emulator.gmail.expire_history()
    messages, _ = mb.read_new(cursor, SINCE)  # SINCE is two days ago: not used for a resync
    assert messages == []
    state = json.loads(cursor)
    assert set(state) == {"v", "history_id", "synced_at", "recent"}


def test_a_cursor_of_another_kind_starts_over_from_since(mb, deliver):
    deliver(make_message("a reply"))
    messages, cursor = mb.read_new("not json at all", SINCE)
    assert [m.subject for m in messages] == ["a reply"]
    messages, _ = mb.read_new('{"v": 99}', SINCE)
    assert [m.subject for m in messages] == ["a reply"]


def test_a_draft_the_user_sends_from_gmail_is_read_as_sent_mail(mb, gmail_emulator):
    _, cursor = mb.read_new(None, SINCE)
    stored = mb.write_draft(make_draft())
    assert mb.read_new(cursor, SINCE)[0] == []
    gmail_emulator.gmail.user_sends_draft(stored.ref)
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [(m.folder, m.key) for m in messages] == [("sent", "3f2a9c1b.thank-you")]
    assert mb.read_new(cursor, SINCE)[0] == []
    assert mb.find_draft(stored.key) is None
    gmail_emulator.gmail.message(messages[0].ref).labels.add("STARRED")  # other labels: nothing new
    assert gmail_emulator.gmail.send_attempts == []


def test_spam_trash_and_archived_mail(mb, gmail_emulator):
    gmail = gmail_emulator.gmail
    gmail.deliver(make_message("spam"), ("SPAM",))
    gmail.deliver(make_message("binned"), ("TRASH",))
    gmail.deliver(make_message("archived reply"), ())
    messages, cursor = mb.read_new(None, SINCE)
    assert [(m.folder, m.subject) for m in messages] == [("inbox", "archived reply")]
    gmail.deliver(make_message("later spam"), ("SPAM",))
    assert mb.read_new(cursor, SINCE)[0] == []


def test_reads_are_retried_on_429_and_500(mb, deliver, gmail_emulator):
    deliver(make_message("first"))
    gmail_emulator.fail(429, "/profile", reason="rateLimitExceeded")
    gmail_emulator.fail(500, "/messages/")
    _, cursor = mb.read_new(None, SINCE)
    deliver(make_message("second"))
    gmail_emulator.fail(503, "/history", times=2)
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["second"]
    assert gmail_emulator.count("GET", "/history") == 3


def test_a_server_that_stays_down_is_transient(mb, gmail_emulator):
    gmail_emulator.fail(503, "/profile", times=50)
    with pytest.raises(Transient):
        mb.read_new(None, SINCE)


# --- drafts ----------------------------------------------------------------------------


def _reply_draft(key: str, subject: str, in_reply_to: str, thread_id: str = "") -> Draft:
    base = make_draft(key, subject=subject)
    raw = base.message.replace(b"Subject:", f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\nSubject:".encode(), 1)
    return Draft(key=key, message=raw, thread_id=thread_id)


def test_a_draft_answering_a_thread_joins_it(mb, deliver, gmail_emulator):
    gmail = gmail_emulator.gmail
    deliver(make_message("Next steps", msgid="<next-1@acme.example>"))
    (thread_id,) = {m.thread_id for m in gmail.messages.values()}
    stored = mb.write_draft(_reply_draft("aaaaaaaa.followup", "Re: Next steps", "<next-1@acme.example>"))
    assert gmail.message(gmail.drafts[stored.ref]).thread_id == thread_id
    assert stored.message == gmail.drafts_raw()[stored.ref] and b"Subject: Re: Next steps" in stored.message
    assert gmail_emulator.count("GET", "/messages") == 2  # the rfc822msgid: look-up, its Subject


def test_a_draft_given_a_thread_id_uses_it(mb, deliver, gmail_emulator):
    gmail = gmail_emulator.gmail
    delivered = gmail.deliver(make_message("Next steps", msgid="<next-2@acme.example>"))
    stored = mb.write_draft(_reply_draft("aaaaaaaa.followup", "Re: Next steps", "<next-2@acme.example>",
                                         thread_id=delivered.thread_id))
    assert gmail.message(gmail.drafts[stored.ref]).thread_id == delivered.thread_id


def test_a_draft_answering_under_another_subject_takes_the_threads_subject_to_join_it(mb, gmail_emulator):
    gmail = gmail_emulator.gmail
    delivered = gmail.deliver(make_message("Thank you for today", msgid="<next-3@example.org>",
                                           sender="Alex Example <alex@example.org>"), ("SENT",))
    draft = _reply_draft("aaaaaaaa.followup", "Following up on my interview", "<next-3@example.org>")
    stored = mb.write_draft(draft)
    saved = gmail.message(gmail.drafts[stored.ref])
    assert saved.thread_id == delivered.thread_id
    assert saved.subject == "Re: Thank you for today"
    assert gmail_emulator.count("POST", "/drafts") == 1  # right the first time
    # only the Subject line changed: the body, the key and the threading headers are the core's
    assert body_digest(stored.message) == body_digest(draft.message)
    assert stored.message.replace(b"Subject: Re: Thank you for today", b"Subject: Following up on my interview") \
        == draft.message
    assert mb.find_draft("aaaaaaaa.followup").ref == stored.ref


def test_a_draft_gmail_will_not_thread_is_saved_on_its_own(mb, gmail_emulator):
    gmail = gmail_emulator.gmail
    delivered = gmail.deliver(make_message("Next steps", msgid="<next-4@acme.example>"))
    # the thread named by the caller, under another subject: Gmail refuses it for the thread
    stored = mb.write_draft(_reply_draft("aaaaaaaa.followup", "Another subject", "<next-4@acme.example>",
                                         thread_id=delivered.thread_id))
    assert gmail.message(gmail.drafts[stored.ref]).thread_id != delivered.thread_id
    assert len(gmail.drafts) == 1
    assert gmail_emulator.count("POST", "/drafts") == 2  # refused for the thread (400), then alone


def test_a_draft_answering_unknown_mail_is_on_its_own(mb, gmail_emulator):
    stored = mb.write_draft(_reply_draft("aaaaaaaa.followup", "Re: x", "<unknown@acme.example>"))
    gmail = gmail_emulator.gmail
    message_id = gmail.drafts[stored.ref]
    assert gmail.message(message_id).thread_id == message_id  # a thread of its own
    assert gmail_emulator.count("POST", "/drafts") == 1


def test_a_lost_answer_to_a_draft_write_is_unknown_then_found_once(gmail_emulator, gmail_context, gmail_token):
    mb = open_mailbox(gmail_emulator, gmail_context, timeout_seconds=1)
    gmail_emulator.timeout_after_write("/drafts")
    with pytest.raises(UnknownOutcome):
        mb.write_draft(make_draft())
    assert gmail_emulator.count("POST", "/drafts") == 1  # never resent blindly
    found = mb.find_draft("3f2a9c1b.thank-you")
    assert found is not None and found.ref in gmail_emulator.gmail.drafts
    assert body_digest(found.message) == body_digest(make_draft().message)
    assert len(gmail_emulator.gmail.drafts) == 1
    # found once, it is remembered: the next look is one request
    before = len(gmail_emulator.requests)
    assert mb.find_draft("3f2a9c1b.thank-you").ref == found.ref
    assert len(gmail_emulator.requests) - before == 1


def test_a_failed_draft_write_is_not_retried(mb, gmail_emulator):
    gmail_emulator.fail(500, "/drafts")
    with pytest.raises(Transient):
        mb.write_draft(make_draft())
    assert gmail_emulator.count("POST", "/drafts") == 1
    assert gmail_emulator.gmail.drafts == {}


def test_a_draft_the_user_edited_in_gmail_is_still_found(mb, gmail_emulator, gmail_context):
    stored = mb.write_draft(make_draft())
    edited = make_message("Thank you for today", body="Edited by hand.\n")  # no key header: Gmail's editor
    service = client(gmail_emulator, gmail_context)
    service.users().drafts().update(userId="me", id=stored.ref, body={
        "message": {"raw": base64.urlsafe_b64encode(edited).decode()}}).execute()
    found = mb.find_draft(stored.key)
    assert found is not None and found.ref == stored.ref
    assert body_digest(found.message) != body_digest(stored.message)
    # a fresh program (no remembered ids) does not claim a draft without the key
    other = GmailMailbox(mb.settings, make_context(gmail_context.base_dir / "other"), mb.api)
    assert other.find_draft(stored.key) is None


def test_find_draft_without_the_remembered_ids_scans_the_drafts(mb, gmail_emulator, gmail_context):
    mb.write_draft(make_draft("aaaaaaaa.thank-you", body="first\n"))
    stored = mb.write_draft(make_draft("bbbbbbbb.follow-up", body="second\n"))
    mb.drafts_file.unlink()
    fresh = open_mailbox(gmail_emulator, gmail_context)
    found = fresh.find_draft("bbbbbbbb.follow-up")
    assert found is not None and found.ref == stored.ref and b"second" in found.message
    assert fresh.drafts_file.exists() and oct(fresh.drafts_file.stat().st_mode & 0o777) == "0o600"


def test_a_removed_draft_is_deleted_in_gmail(mb, gmail_emulator):
    stored = mb.write_draft(make_draft())
    mb.remove_draft(stored)
    assert gmail_emulator.gmail.drafts == {}
    assert gmail_emulator.count("DELETE", f"/drafts/{stored.ref}") == 1


def test_dry_run_writes_nothing(gmail_emulator, gmail_token, tmp_path):
    context = make_context(tmp_path, dry_run=True)
    mb = open_mailbox(gmail_emulator, context)
    stored = mb.write_draft(make_draft())
    mb.remove_draft(StoredDraft(stored.key, "r123", stored.message))
    assert gmail_emulator.count("POST", "/gmail/") == 0 and gmail_emulator.count("DELETE") == 0
    assert not mb.drafts_file.exists()


# --- accounts and errors --------------------------------------------------------------


def test_a_revoked_token_needs_init(mb, gmail_emulator):
    gmail_emulator.invalid_grant = True
    for action in (lambda: mb.read_new(None, SINCE), lambda: mb.write_draft(make_draft()),
                   lambda: mb.find_draft("x.y")):
        with pytest.raises(NeedsUser, match="init"):
            action()
    checks = mb.check()
    assert not all(c.ok for c in checks) and "init" in checks[-1].detail


def test_no_token_needs_init(gmail_emulator, tmp_path):
    mb = open_mailbox(gmail_emulator, make_context(tmp_path))
    with pytest.raises(NeedsUser, match="init"):
        mb.find_draft("x.y")
    token, gmail = mb.check()
    assert not token.ok and "init" in token.detail and not gmail.ok
    assert gmail_emulator.requests == []


def test_check_names_the_account(mb):
    token, gmail = mb.check()
    assert token.ok and gmail.ok and "alex@example.org" in gmail.detail and "note" not in gmail.detail


def test_check_never_raises(mb, gmail_emulator):
    gmail_emulator.fail(400, "/profile")
    token, gmail = mb.check()
    assert token.ok and not gmail.ok and "400" in gmail.detail and "getProfile" in gmail.detail


def test_check_of_a_server_without_get_profile_reads_mail_instead(mb, gmail_emulator):
    gmail_emulator.fail(404, "/profile")
    token, gmail = mb.check()
    assert token.ok and gmail.ok and "getProfile" in gmail.detail
    assert gmail_emulator.count("GET", "/messages") == 1


def test_open_does_not_touch_the_network(gmail_emulator, gmail_context, gmail_token):
    open_mailbox(gmail_emulator, gmail_context)
    assert gmail_emulator.requests == []


def test_the_token_file_setting_is_relative_to_the_config(gmail_emulator, tmp_path):
    context = make_context(tmp_path)
    write_gmail_token(tmp_path / "tokens" / "mine.json", gmail_emulator)
    mb = GmailMailbox.open(Settings(token_file=Path("tokens/mine.json"), api_endpoint=gmail_emulator.url), context)
    assert mb.api.token_file == tmp_path / "tokens" / "mine.json"
    assert mb.check()[1].ok


def test_settings():
    assert all(f.metadata.get("doc") for f in dataclasses.fields(Settings))
    assert Settings().token_file is None and Settings().api_endpoint == "" and Settings().timeout_seconds == 30
    with pytest.raises(ValueError):
        Settings(timeout_seconds=0)


def test_the_entry_point_names_this_class():
    assert provider_class("mailbox", "gmail") is GmailMailbox
    assert GmailMailbox.oauth_for(Settings()) == ("google", tuple(SCOPES["gmail"]))


# --- never sends ----------------------------------------------------------------------


def test_the_module_has_no_way_to_send():
    source = (REPO / "integrations" / "gmail_mailbox.py").read_text()
    assert "send(" not in source and "smtplib" not in source
    assert [n for n in dir(GmailMailbox) if "send" in n.lower()] == []


def test_the_emulator_refuses_and_records_sending(gmail_emulator):
    for path in ("gmail/v1/users/me/messages/send", "gmail/v1/users/me/drafts/send",
                 "upload/gmail/v1/users/me/messages/send"):
        request = urllib.request.Request(gmail_emulator.url + path, data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code == 403
    assert len(gmail_emulator.gmail.send_attempts) == 3


def test_a_whole_scenario_never_sends(gmail_emulator, gmail_context, gmail_token, deliver):
    mb = open_mailbox(gmail_emulator, gmail_context, timeout_seconds=1)
    _, cursor = mb.read_new(None, SINCE)
    deliver(make_message("Interview", msgid="<s-1@acme.example>"))
    stored = mb.write_draft(_reply_draft("aaaaaaaa.thank-you", "Re: Interview", "<s-1@acme.example>"))
    deliver(make_message("Re: Interview", msgid="<s-2@acme.example>", headers={"In-Reply-To": "<s-1@acme.example>"}))
    messages, cursor = mb.read_new(cursor, SINCE)
    assert sorted(m.subject for m in messages) == ["Interview", "Re: Interview"]
    gmail_emulator.timeout_after_write("/drafts")
    with pytest.raises(UnknownOutcome):
        mb.write_draft(make_draft("bbbbbbbb.follow-up"))
    found = mb.find_draft("bbbbbbbb.follow-up")
    mb.remove_draft(found)
    mb.remove_draft(stored)
    gmail_emulator.fail(500, "/drafts")
    with pytest.raises(Transient):
        mb.write_draft(make_draft("cccccccc.follow-up"))
    gmail_emulator.gmail.expire_history()
    mb.read_new(cursor, SINCE)
    gmail_emulator.invalid_grant = True
    mb.api._credentials.expiry = None
    mb.api._credentials.token = None
    with pytest.raises(NeedsUser):
        mb.read_new(cursor, SINCE)
    mb.check()
    assert gmail_emulator.gmail.send_attempts == []
    assert not any(p.endswith("/send") for _, p in gmail_emulator.requests)
    assert gmail_emulator.gmail.drafts == {}


# --- the emulator keeps Gmail's rules ---------------------------------------------------


def _raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


def test_the_emulator_refuses_drafts_gmail_would_refuse_or_not_thread(gmail_emulator, gmail_context, gmail_token):
    from googleapiclient.errors import HttpError

    gmail = gmail_emulator.gmail
    thread = gmail.deliver(make_message("Next steps", msgid="<e-1@acme.example>")).thread_id
    drafts = client(gmail_emulator, gmail_context).users().drafts()
    good = _reply_draft("aaaaaaaa.x", "Re: Next steps", "<e-1@acme.example>").message
    bad = [
        {"message": {"raw": base64.b64encode(b"Subject: \xff\xfe?>\n\nx").decode()}},  # not base64url
        {"message": {"raw": _raw(b"no headers at all")}},
        {"message": {"raw": _raw(good), "threadId": "ffff0000"}},  # no such thread
        {"message": {"raw": _raw(make_draft().message), "threadId": thread}},  # answers nothing there
        {"message": {"raw": _raw(good.replace(b"Re: Next steps", b"Other")), "threadId": thread}},
        {},
    ]
    for body in bad:
        with pytest.raises(HttpError) as caught:
            drafts.create(userId="me", body=body).execute()
        assert caught.value.resp.status == 400, body
    created = drafts.create(userId="me", body={"message": {"raw": _raw(good), "threadId": thread}}).execute()
    assert created["message"]["threadId"] == thread
    again = drafts.update(userId="me", id=created["id"], body={"message": {"raw": _raw(good)}}).execute()
    assert again["id"] == created["id"] and again["message"]["id"] != created["message"]["id"]
    with pytest.raises(HttpError) as caught:
        drafts.delete(userId="me", id="r404").execute()
    assert caught.value.resp.status == 404


def test_the_emulator_searches_pages_and_keeps_history(gmail_emulator, gmail_context, gmail_token):
    from googleapiclient.errors import HttpError

    gmail = gmail_emulator.gmail
    users = client(gmail_emulator, gmail_context).users()
    start = users.getProfile(userId="me").execute()["historyId"]
    now = datetime.now(timezone.utc)
    for n in range(7):
        gmail.deliver(make_message(f"m{n}", msgid=f"<m{n}@acme.example>"), ("INBOX",), received=now - timedelta(days=n))
    gmail.deliver(make_message("mine", msgid="<sent@example.org>"), ("SENT",), received=now)
    listed = users.messages().list(userId="me", q="rfc822msgid:m3@acme.example").execute()["messages"]
    assert [gmail.message(m["id"]).subject for m in listed] == ["m3"]
    recent = users.messages().list(userId="me", q=f"after:{int((now - timedelta(days=2, hours=1)).timestamp())}").execute()
    assert {gmail.message(m["id"]).subject for m in recent["messages"]} == {"m0", "m1", "m2", "mine"}
    assert len(users.messages().list(userId="me", q="newer_than:2d in:inbox").execute()["messages"]) == 2
    assert len(users.messages().list(userId="me", labelIds=["SENT"]).execute()["messages"]) == 1
    assert len(users.messages().list(userId="me", q="-in:sent").execute()["messages"]) == 7
    first = users.messages().list(userId="me", maxResults=5).execute()
    rest = users.messages().list(userId="me", maxResults=5, pageToken=first["nextPageToken"]).execute()
    assert len(first["messages"]) == 5 and len(rest["messages"]) == 3 and "nextPageToken" not in rest
    history = users.history().list(userId="me", startHistoryId=start, historyTypes=["messageAdded"],
                                   labelId="SENT").execute()
    assert [h["messagesAdded"][0]["message"]["id"] for h in history["history"]] == [listed_id(gmail, "mine")]
    assert history["historyId"] == users.getProfile(userId="me").execute()["historyId"]
    meta = users.messages().get(userId="me", id=listed[0]["id"], format="metadata",
                                metadataHeaders=["Subject"]).execute()
    assert meta["payload"]["headers"] == [{"name": "Subject", "value": "m3"}]
    gmail.expire_history()
    with pytest.raises(HttpError) as caught:
        users.history().list(userId="me", startHistoryId=start).execute()
    assert caught.value.resp.status == 404


def listed_id(gmail, subject: str) -> str:
    (found,) = [m.id for m in gmail.messages.values() if m.subject == subject]
    return found


# --- a server that does not behave like Gmail (issue 13) ----------------------------------


def test_a_server_without_get_profile_starts_from_the_newest_messages_history_id(mb, deliver, gmail_emulator):
    gmail_emulator._routes = [r for r in gmail_emulator._routes if not r[1].pattern.endswith("/profile$")]
    deliver(make_message("older"))
    newest = gmail_emulator.gmail.deliver(make_message("newest"))
    messages, cursor = mb.read_new(None, SINCE)
    assert sorted(m.subject for m in messages) == ["newest", "older"]
    assert json.loads(cursor)["history_id"] == str(newest.history_id)
    deliver(make_message("later"))
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["later"]
    gmail_emulator.gmail.expire_history()  # history gone: listed again, from the newest message's id
    deliver(make_message("after the gap"))
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["after the gap"]


def test_a_server_without_get_profile_and_an_empty_mailbox(mb, deliver, gmail_emulator):
    gmail_emulator.fail(404, "/profile", times=5)
    messages, cursor = mb.read_new(None, SINCE)
    assert messages == [] and json.loads(cursor)["history_id"] == "1"
    deliver(make_message("first"))
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["first"]


def test_an_unexpected_answer_is_sorted_and_names_the_request(mb, gmail_emulator):
    gmail_emulator.fail(400, "/messages")
    with pytest.raises(NeedsUser) as caught:
        mb.read_new(None, SINCE)
    said = str(caught.value)
    assert "gmail.users.messages.list" in said and "400" in said and gmail_emulator.url in said


def test_a_403_without_a_reason_is_a_rate_limit(mb, gmail_emulator, monkeypatch):
    monkeypatch.setattr("interview_followup.integrations.google_api.time.sleep", lambda s: None)
    gmail_emulator.fail(403, "/profile", times=2)
    mb.read_new(None, SINCE)  # retried
    gmail_emulator.fail(403, "/drafts")
    with pytest.raises(Transient) as caught:
        mb.write_draft(make_draft())
    assert not isinstance(caught.value, NeedsUser) and gmail_emulator.gmail.drafts == {}


def _users_draft(gmail_emulator, gmail_context, subject: str = "My own draft", extra: str = "") -> str:
    raw = (f"From: alex@example.org\r\nTo: friend@example.org\r\nSubject: {subject}\r\n{extra}\r\n"
           "Dear friend,\r\n").encode()
    made = client(gmail_emulator, gmail_context).users().drafts().create(
        userId="me", body={"message": {"raw": base64.urlsafe_b64encode(raw).decode()}}).execute()
    return made["id"]


def test_a_draft_that_does_not_carry_our_key_is_never_deleted(mb, gmail_emulator, gmail_context):
    gmail = gmail_emulator.gmail
    stored = mb.write_draft(make_draft())
    mine = _users_draft(gmail_emulator, gmail_context)
    # the server gives our remembered draft id to the user's draft (ids reused after a reset)
    gmail.drafts[stored.ref], ours = gmail.drafts[mine], gmail.drafts[stored.ref]
    del gmail.drafts[mine]
    found = mb.find_draft(stored.key)
    assert found is not None and found.ref == stored.ref  # found by its remembered id, headers lost...
    mb.remove_draft(found)  # ...but it carries neither our key header nor our Message-ID: left alone
    mb.remove_draft(StoredDraft(stored.key, stored.ref, stored.message))  # whatever the caller holds
    assert stored.ref in gmail.drafts and b"Dear friend" in gmail.drafts_raw()[stored.ref]
    assert gmail_emulator.count("DELETE", "/drafts") == 0
    assert ours in gmail.messages


def test_a_draft_carrying_our_message_id_without_the_key_header_is_ours(mb, gmail_emulator, gmail_context):
    key = "3f2a9c1b.thank-you"
    from interview_followup.daemon.keys import message_id

    draft_id = _users_draft(gmail_emulator, gmail_context, "Thank you",
                            f"Message-ID: {message_id(key, 'example.org')}\r\n")
    mb.remove_draft(StoredDraft(key, draft_id, b""))
    assert draft_id not in gmail_emulator.gmail.drafts
