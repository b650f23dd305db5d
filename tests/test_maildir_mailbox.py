"""The Maildir mailbox: the contract, plus what only a folder of files can get wrong."""

from __future__ import annotations

import builtins
import itertools
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from contracts.mailbox_contract import SINCE, MailboxContract, make_draft, make_message

from interview_followup.daemon.clock import FixedClock
from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.daemon.model import StoredDraft
from interview_followup.daemon.providers import ProviderContext, provider_class
from interview_followup.integrations import maildir_mailbox
from interview_followup.integrations.maildir_mailbox import MaildirMailbox, Settings

REPO = Path(__file__).resolve().parent.parent
_seq = itertools.count(1)


def context(base: Path, dry_run: bool = False) -> ProviderContext:
    return ProviderContext(
        timezone=ZoneInfo("Europe/Berlin"),
        base_dir=base,
        data_dir=base / "data",
        user_emails=("alex@example.org",),
        clock=FixedClock(datetime(2026, 11, 17, 12, tzinfo=timezone.utc)),
        dry_run=dry_run,
    )


def open_mailbox(base: Path, dry_run: bool = False, **settings) -> MaildirMailbox:
    return MaildirMailbox.open(Settings(**settings), context(base, dry_run))


def folder_of(root: Path, folder: str) -> Path:
    return root if folder == "inbox" else root / ".Sent"


def deliver_file(root: Path, raw: bytes, folder: str = "inbox", name: str | None = None) -> Path:
    """Deliver as an MDA does: write in tmp/, then rename into new/."""
    target = folder_of(root, folder)
    name = name or f"{int(time.time())}.T{next(_seq)}P{os.getpid()}.testhost"
    tmp = target / "tmp" / name
    tmp.write_bytes(raw)
    os.rename(tmp, target / "new" / name)
    return target / "new" / name


def age_directories(root: Path, seconds: int = 60) -> None:
    """Let time pass for the folders' timestamps, as it would between two polls."""
    then = time.time() - seconds
    for folder in (root, root / ".Sent", root / ".Drafts"):
        for sub in ("new", "cur"):
            if (folder / sub).exists():
                os.utime(folder / sub, (then, then))


class TestMaildirContract(MailboxContract):
    @pytest.fixture
    def mailbox(self, tmp_path):
        return open_mailbox(tmp_path)

    @pytest.fixture
    def deliver(self, tmp_path):
        return lambda raw, folder="inbox": deliver_file(tmp_path / "Mail", raw, folder)

    def assert_flagged_draft(self, mailbox, stored):
        files = list((mailbox.root / ".Drafts" / "cur").iterdir())
        assert [f.name for f in files] == [f"{stored.ref}:2,DS"]


# --- the cursor ------------------------------------------------------------------------


def forbid_listing(monkeypatch):
    calls = []

    def refuse(name):
        def call(*args, **kwargs):
            calls.append((name, args))
            raise AssertionError(f"{name} called on an unchanged pass: {args}")

        return call

    monkeypatch.setattr(os, "scandir", refuse("scandir"))
    monkeypatch.setattr(os, "listdir", refuse("listdir"))
    monkeypatch.setattr(Path, "iterdir", refuse("iterdir"))
    monkeypatch.setattr(builtins, "open", refuse("open"))
    return calls


def test_an_unchanged_pass_neither_lists_nor_reads(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    for i in range(30):
        deliver_file(mb.root, make_message(f"reply {i}"))
        deliver_file(mb.root, make_message(f"sent {i}"), "sent")
    age_directories(mb.root)
    first, cursor = mb.read_new(None, SINCE)
    assert len(first) == 60
    with monkeypatch.context() as m:
        calls = forbid_listing(m)
        again, cursor2 = mb.read_new(cursor, SINCE)
    assert (again, calls) == ([], [])
    assert cursor2 == cursor


def test_the_cursor_stays_small_after_a_burst_of_deliveries(tmp_path):
    """An initial sync writes thousands of files within minutes: the cursor is capped."""
    mb = open_mailbox(tmp_path)
    start = int(time.time()) - 600
    raw = make_message("synced", date=datetime.now(timezone.utc) - timedelta(days=40))
    for i in range(3 * maildir_mailbox.SEEN_CAP):
        deliver_file(mb.root, raw, name=f"{start + i // 10}.B{i}P1.testhost")
    age_directories(mb.root)
    first, cursor = mb.read_new(None, SINCE)
    assert first == []
    assert len(json.loads(cursor)["inbox"]["seen"]) <= maildir_mailbox.SEEN_CAP
    assert len(cursor) < 40 * maildir_mailbox.SEEN_CAP
    deliver_file(mb.root, make_message("after the burst"))
    messages, cursor = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["after the burst"]
    assert mb.read_new(cursor, SINCE)[0] == []


def test_old_files_are_not_remembered_in_the_cursor(tmp_path):
    mb = open_mailbox(tmp_path)
    old = int(time.time()) - 30 * 86400
    for i in range(50):
        deliver_file(mb.root, make_message(f"old {i}"), name=f"{old + i * 3600}.T{i}P1.testhost")
    deliver_file(mb.root, make_message("today"))
    age_directories(mb.root)
    _, cursor = mb.read_new(None, SINCE)
    assert len(json.loads(cursor)["inbox"]["seen"]) == 1


def test_a_changed_pass_reads_only_the_new_files(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    for i in range(40):
        deliver_file(mb.root, make_message(f"reply {i}"))
    age_directories(mb.root)
    _, cursor = mb.read_new(None, SINCE)
    deliver_file(mb.root, make_message("the new one"))
    parsed = []
    real = maildir_mailbox.parse_message
    monkeypatch.setattr(maildir_mailbox, "parse_message", lambda raw, **kw: parsed.append(kw) or real(raw, **kw))
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["the new one"]
    assert len(parsed) == 1


def test_a_first_pass_does_not_open_files_delivered_long_before_since(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    long_ago = int(SINCE.timestamp()) - 30 * 86400
    for i in range(20):
        path = deliver_file(mb.root, make_message(f"ancient {i}"), name=f"{long_ago + i}.T{i}P1.testhost")
        os.utime(path, (long_ago + i, long_ago + i))  # as delivered then
    deliver_file(mb.root, make_message("recent"))
    opened = []
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: opened.append(str(f)) or real_open(f, *a, **k))
    messages, _ = mb.read_new(None, SINCE)
    assert [m.subject for m in messages] == ["recent"]
    assert not any("ancient" in f or str(long_ago) in f for f in opened)


def test_a_message_moved_from_new_to_cur_is_not_reported_again(tmp_path):
    mb = open_mailbox(tmp_path)
    _, cursor = mb.read_new(None, SINCE)
    path = deliver_file(mb.root, make_message("read me"))
    (m,), cursor = mb.read_new(cursor, SINCE)
    assert m.ref == f"inbox/{path.name}"
    os.rename(path, mb.root / "cur" / f"{path.name}:2,S")
    assert mb.read_new(cursor, SINCE)[0] == []
    age_directories(mb.root)
    os.rename(mb.root / "cur" / f"{path.name}:2,S", mb.root / "cur" / f"{path.name}:2,FRS")
    messages, cursor = mb.read_new(cursor, SINCE)
    assert messages == []


def test_a_message_moved_between_the_first_and_second_pass_keeps_its_ref(tmp_path):
    mb = open_mailbox(tmp_path)
    path = deliver_file(mb.root, make_message("hello"))
    (m1,), cursor = mb.read_new(None, SINCE)
    os.rename(path, mb.root / "cur" / f"{path.name}:2,S")
    assert mb.read_new(cursor, SINCE)[0] == []
    (m2,), _ = open_mailbox(tmp_path).read_new(None, SINCE)
    assert m1.ref == m2.ref == f"inbox/{path.name}"


def test_a_delivery_within_the_same_timestamp_tick_is_not_missed(tmp_path):
    """File systems with coarse timestamps: the directory's mtime may not change."""
    mb = open_mailbox(tmp_path)
    deliver_file(mb.root, make_message("first"))
    new_dir = mb.root / "new"
    before = new_dir.stat().st_mtime_ns
    _, cursor = mb.read_new(None, SINCE)
    deliver_file(mb.root, make_message("second"))
    os.utime(new_dir, ns=(before, before))  # same tick: the mtime did not move
    messages, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in messages] == ["second"]


@pytest.mark.parametrize("skew", [-3 * 3600, -30 * 86400, 86400])
def test_a_delivering_host_with_a_skewed_clock_is_not_missed(tmp_path, skew):
    """Unique names carry the delivering host's clock, which may be hours off ours."""
    mb = open_mailbox(tmp_path)
    named = lambda i: f"{int(time.time()) + skew + i}.S{i}P1.otherhost"  # noqa: E731
    deliver_file(mb.root, make_message("first"), name=named(0))
    age_directories(mb.root)
    _, cursor = mb.read_new(None, SINCE - timedelta(days=60))
    for i in (1, 2):
        deliver_file(mb.root, make_message(f"later {i}"), name=named(i))
        messages, cursor = mb.read_new(cursor, SINCE)
        assert [m.subject for m in messages] == [f"later {i}"]
    assert mb.read_new(cursor, SINCE)[0] == []


def test_a_file_that_vanishes_during_a_first_pass_is_read_later(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    path = deliver_file(mb.root, make_message("moving"))
    real = maildir_mailbox._read_message
    moved = path.parent.parent / "cur" / f"{path.name}:2,S"

    def move_first(paths, *args):
        if any(Path(p) == path for p in paths) and path.exists():
            os.rename(path, moved)
        return real(paths, *args)

    monkeypatch.setattr(maildir_mailbox, "_read_message", move_first)
    first, cursor = mb.read_new(None, SINCE)
    assert first == []
    monkeypatch.undo()
    again, _ = mb.read_new(cursor, SINCE)
    assert [m.subject for m in again] == ["moving"]


def test_a_garbled_or_foreign_cursor_is_read_as_no_cursor(tmp_path):
    mb = open_mailbox(tmp_path)
    deliver_file(mb.root, make_message("hello"))
    for cursor in ("", "not json", "[]", json.dumps({"v": 99}), json.dumps({"v": 1, "inbox": "x"})):
        messages, new_cursor = mb.read_new(cursor, SINCE)
        assert [m.subject for m in messages] == ["hello"]
        assert json.loads(new_cursor)["v"] == 1


def test_a_sent_folder_that_appears_later_is_read_from_since(tmp_path):
    mb = open_mailbox(tmp_path)
    sent = mb.root / ".Sent"
    for sub in ("cur", "new", "tmp"):
        (sent / sub).rmdir()
    _, cursor = mb.read_new(None, SINCE)
    for sub in ("cur", "new", "tmp"):
        (sent / sub).mkdir()
    deliver_file(mb.root, make_message("old sent", date=datetime.now(timezone.utc) - timedelta(days=10)), "sent")
    deliver_file(mb.root, make_message("new sent"), "sent")
    messages, _ = mb.read_new(cursor, SINCE)
    assert [(m.folder, m.subject) for m in messages] == [("sent", "new sent")]


def test_dot_files_and_sub_directories_are_not_messages(tmp_path):
    mb = open_mailbox(tmp_path)
    (mb.root / "new" / ".hidden").write_bytes(make_message("hidden"))
    (mb.root / "cur" / "odd-dir").mkdir()
    messages, _ = mb.read_new(None, SINCE)
    assert messages == []


# --- creating and dry run --------------------------------------------------------------


def test_a_missing_maildir_is_created_private(tmp_path):
    mb = open_mailbox(tmp_path, path=Path("deep/Mail"))
    root = tmp_path / "deep" / "Mail"
    assert mb.root == root
    for folder in (root, root / ".Drafts", root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            assert stat.S_IMODE((folder / sub).stat().st_mode) == 0o700
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert (root / ".Drafts" / "maildirfolder").exists()
    assert all(c.ok for c in mb.check()), mb.check()


def test_an_existing_maildir_and_its_folders_are_used_as_they_are(tmp_path):
    root = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
        (root / ".Drafts" / sub).mkdir(parents=True)
    (root / "cur" / "1700000000.A.host:2,S").write_bytes(make_message("kept"))
    mb = open_mailbox(tmp_path)
    assert (root / "cur" / "1700000000.A.host:2,S").exists()
    assert (root / ".Sent" / "cur").is_dir()


def test_verbatim_layout_folders_are_found(tmp_path):
    root = tmp_path / "Mail"
    for folder in ("INBOX", "Drafts", "Sent"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True)
    mb = open_mailbox(tmp_path)
    assert mb.dirs == {"inbox": root / "INBOX", "drafts": root / "Drafts", "sent": root / "Sent"}
    assert not (root / "cur").exists() and not (root / ".Drafts").exists()
    stored = mb.write_draft(make_draft())
    assert (root / "Drafts" / "cur" / f"{stored.ref}:2,DS").exists()


def test_a_folder_that_is_not_a_maildir_is_refused(tmp_path):
    (tmp_path / "Mail").mkdir()
    (tmp_path / "Mail" / "notes.txt").write_text("mine")
    with pytest.raises(NeedsUser) as err:
        open_mailbox(tmp_path)
    assert "mailbox.path" in str(err.value) and str(tmp_path / "Mail") in str(err.value)
    assert sorted(p.name for p in (tmp_path / "Mail").iterdir()) == ["notes.txt"]


def test_dry_run_creates_and_writes_nothing(tmp_path):
    mb = open_mailbox(tmp_path, dry_run=True)
    assert not (tmp_path / "Mail").exists()
    stored = mb.write_draft(make_draft())
    assert mb.find_draft(stored.key) is None
    assert mb.read_new(None, SINCE)[0] == []
    mb.remove_draft(stored)
    assert not (tmp_path / "Mail").exists()
    (check,) = mb.check()
    assert check.ok and "will be created" in check.detail  # what doctor shows before a first pass


def test_dry_run_on_an_existing_maildir_changes_nothing(tmp_path):
    stored = open_mailbox(tmp_path).write_draft(make_draft())
    dry = open_mailbox(tmp_path, dry_run=True)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    dry.write_draft(make_draft("bbbbbbbb.follow-up"))
    dry.remove_draft(stored)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert dry.find_draft(stored.key) == stored


# --- drafts ------------------------------------------------------------------------------


def test_a_draft_is_a_private_file_in_drafts_cur_flagged_draft_and_seen(tmp_path):
    mb = open_mailbox(tmp_path)
    draft = make_draft()
    stored = mb.write_draft(draft)
    path = tmp_path / "Mail" / ".Drafts" / "cur" / f"{stored.ref}:2,DS"
    assert path.read_bytes() == stored.message == draft.message.replace(b"\r\n", b"\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list((tmp_path / "Mail" / ".Drafts" / "tmp").iterdir()) == []
    assert list((tmp_path / "Mail" / ".Drafts" / "new").iterdir()) == []


def test_a_draft_without_the_key_header_gets_it(tmp_path):
    mb = open_mailbox(tmp_path)
    draft = make_draft()
    bare = type(draft)(draft.key, draft.message.replace(f"{KEY_HEADER}: {draft.key}\n".encode(), b""))
    assert KEY_HEADER.encode() not in bare.message
    stored = mb.write_draft(bare)
    assert stored.message.startswith(f"{KEY_HEADER}: {draft.key}\n".encode())
    assert mb.find_draft(draft.key) == stored


def test_a_draft_carrying_another_key_is_a_bug(tmp_path):
    mb = open_mailbox(tmp_path)
    with pytest.raises(ValueError):
        mb.write_draft(type(make_draft())("bbbbbbbb.other", make_draft().message))
    with pytest.raises(ValueError):
        mb.write_draft(type(make_draft())("bad\nkey", b"Subject: x\n\nx\n"))


def test_a_write_killed_before_the_link_leaves_only_a_tmp_file(tmp_path):
    open_mailbox(tmp_path)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(REPO / "tests")!r})
        from contracts.mailbox_contract import make_draft
        from tests_helper import mailbox
        os.link = lambda *a, **k: os._exit(9)
        os.rename = lambda *a, **k: os._exit(9)
        mailbox.write_draft(make_draft())
    """)
    helper = tmp_path / "tests_helper.py"
    helper.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from datetime import datetime, timezone
        from zoneinfo import ZoneInfo
        from interview_followup.daemon.clock import FixedClock
        from interview_followup.daemon.providers import ProviderContext
        from interview_followup.integrations.maildir_mailbox import MaildirMailbox, Settings
        ctx = ProviderContext(ZoneInfo("UTC"), Path({str(tmp_path)!r}), Path({str(tmp_path)!r}), (),
                              FixedClock(datetime(2026, 1, 1, tzinfo=timezone.utc)))
        mailbox = MaildirMailbox.open(Settings(), ctx)
    """))
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 9, done.stderr
    drafts = tmp_path / "Mail" / ".Drafts"
    assert len(list((drafts / "tmp").iterdir())) == 1
    assert list((drafts / "cur").iterdir()) == list((drafts / "new").iterdir()) == []
    mb = open_mailbox(tmp_path)
    assert mb.find_draft(make_draft().key) is None
    stored = mb.write_draft(make_draft())
    assert mb.find_draft(stored.key) == stored
    assert len(list((drafts / "cur").iterdir())) == 1


def test_a_failed_write_cleans_up_and_is_transient(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(Transient):
        mb.write_draft(make_draft())
    monkeypatch.undo()
    drafts = tmp_path / "Mail" / ".Drafts"
    assert [list((drafts / s).iterdir()) for s in ("tmp", "new", "cur")] == [[], [], []]


def test_the_file_and_its_directory_are_fsynced(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else fd)
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    stored = mb.write_draft(make_draft())
    if os.path.exists("/proc/self/fd"):
        drafts = tmp_path / "Mail" / ".Drafts"
        assert synced == [str(drafts / "tmp" / f"{stored.ref}.interview-followup.tmp"), str(drafts / "cur")]
    else:
        assert len(synced) == 2


def test_permission_problems_need_the_user_and_name_the_key(tmp_path, monkeypatch):
    mb = open_mailbox(tmp_path)
    real_open = os.open

    def denied(path, *args, **kwargs):
        if "/.Drafts/tmp/" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(NeedsUser) as err:
        mb.write_draft(make_draft())
    assert "mailbox.path" in str(err.value) and ".Drafts" in str(err.value)


def test_the_newest_copy_wins_and_trashed_drafts_do_not_count(tmp_path):
    mb = open_mailbox(tmp_path)
    first = mb.write_draft(make_draft(body="first\n"))
    cur = tmp_path / "Mail" / ".Drafts" / "cur"
    later = f"{int(first.ref.split('.')[0]) + 5}.X1P1.host"
    (cur / f"{later}:2,DS").write_bytes(make_draft(body="second\n").message)
    assert mb.find_draft(first.key).ref == later
    os.rename(cur / f"{later}:2,DS", cur / f"{later}:2,DST")
    assert mb.find_draft(first.key).ref == first.ref
    os.rename(cur / f"{first.ref}:2,DS", cur / f"{first.ref}:2,DST")
    assert mb.find_draft(first.key) is None


def test_a_draft_saved_again_under_a_new_name_is_removed_by_key(tmp_path):
    mb = open_mailbox(tmp_path)
    stored = mb.write_draft(make_draft())
    cur = tmp_path / "Mail" / ".Drafts" / "cur"
    resaved = b"X-Mozilla-Draft-Info: internal/draft\n" + stored.message
    (cur / f"{stored.ref}:2,DS").unlink()
    (cur / "1800000000.R1P1.host:2,DS").write_bytes(resaved)
    mb.remove_draft(stored)
    assert list(cur.iterdir()) == []


def test_a_draft_the_user_edited_under_a_new_name_is_kept(tmp_path):
    mb = open_mailbox(tmp_path)
    stored = mb.write_draft(make_draft())
    cur = tmp_path / "Mail" / ".Drafts" / "cur"
    edited = stored.message.replace(b"thank you for your time", b"thanks so much for your time")
    (cur / f"{stored.ref}:2,DS").unlink()
    (cur / "1800000000.R1P1.host:2,DS").write_bytes(edited)
    mb.remove_draft(stored)
    assert [p.name for p in cur.iterdir()] == ["1800000000.R1P1.host:2,DS"]
    assert mb.find_draft(stored.key).message == edited


def test_remove_takes_only_the_draft_it_names(tmp_path):
    mb = open_mailbox(tmp_path)
    a = mb.write_draft(make_draft())
    b = mb.write_draft(make_draft())  # a duplicate, as after a crash
    mb.remove_draft(a)
    assert mb.find_draft(a.key) == b
    victim = tmp_path / "victim"
    victim.write_text("not a draft")
    other_text = make_draft(body="some other text\n").message
    mb.remove_draft(StoredDraft(a.key, "../../victim", other_text))
    assert mb.find_draft(a.key) == b
    assert victim.exists()


# --- the rest ------------------------------------------------------------------------------


def test_check_fails_on_a_folder_that_is_not_a_maildir(tmp_path):
    (tmp_path / "Mail").mkdir()
    (tmp_path / "Mail" / "notes.txt").write_text("mine")
    (check,) = open_mailbox(tmp_path, dry_run=True).check()
    assert not check.ok and "mailbox.path" in check.detail


def test_check_reports_counts(tmp_path):
    mb = open_mailbox(tmp_path)
    deliver_file(mb.root, make_message("one"))
    mb.write_draft(make_draft())
    checks = {c.name: c for c in mb.check()}
    assert all(c.ok for c in checks.values())
    assert "1 message" in checks["maildir inbox"].detail
    assert "1 message" in checks["maildir drafts"].detail


def test_settings_reject_bad_folder_names():
    for bad in ("", "../x", ".Drafts", "a\nb"):
        with pytest.raises(ValueError):
            Settings(drafts=bad)


def test_the_entry_point_names_this_class():
    assert provider_class("mailbox", "maildir") is MaildirMailbox


def test_the_module_has_no_way_to_send():
    source = (REPO / "integrations" / "maildir_mailbox.py").read_text()
    assert "smtplib" not in source and "sendmail" not in source and "SMTP" not in source


def test_a_maildir_whose_creation_was_interrupted_is_completed(tmp_path):
    from pathlib import Path as _P
    from zoneinfo import ZoneInfo

    from interview_followup.daemon.clock import SystemClock
    from interview_followup.daemon.providers import ProviderContext
    from interview_followup.integrations.maildir_mailbox import MaildirMailbox, Settings

    root = tmp_path / "Mail"
    (root / ".Drafts" / "tmp").mkdir(parents=True)  # killed after the Drafts folder, before cur/
    context = ProviderContext(ZoneInfo("UTC"), tmp_path, tmp_path, ("alex@example.org",), SystemClock())
    MaildirMailbox.open(Settings(path=_P("Mail")), context)
    for sub in ("cur", "new", "tmp"):
        assert (root / sub).is_dir() and (root / ".Drafts" / sub).is_dir()
