"""The package as a user installs it: one wheel, built from the repository's own files,
holding one import name (``interview_followup``) and its data; installed beside
python-daemon (whose import name is ``daemon``) in either order; Gmail working from a plain
install against the local emulator; and a missing library named in one line, never a
traceback.

Also, without building anything: a Maildir + ics user never loads the Google, IMAP or
CalDAV libraries, and a configured provider whose library cannot be imported says what to
install (exit status 2).

The wheel is built once per session and installed into fresh venvs under a temporary
folder (never into the venv running the tests). Building and installing need PyPI: where
it cannot be reached, or venvs cannot be made, these tests are skipped, except in CI where
they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path

import pytest

from conftest import ACME, REPO, World, config
from google_emulator import gmail_api
from google_emulator.fixtures import USER, running_emulator, write_token
from google_emulator.server import Emulator
from interview_followup.daemon import __version__
from interview_followup.daemon.cli.main import EX_USER
from interview_followup.daemon.keys import KEY_HEADER
from interview_followup.integrations.google_api import SCOPES
from servers.fixtures import in_ci

PKG = "interview_followup"
AFTER = "2026-11-17T16:00:00+01:00"  # an hour after the Acme interview (conftest.ACME) ended
GOOGLE_PACKAGES = ("google-api-python-client", "google-auth", "google-auth-httplib2", "google-auth-oauthlib")
# modules a Maildir + ics user must never load
FOREIGN = ("google", "googleapiclient", "google_auth_httplib2", "google_auth_oauthlib", "httplib2",
           "oauthlib", "imapclient", "caldav", "niquests", "lxml")
# what never goes into the wheel's source: build leftovers that would leak in
BUILD_LEFTOVERS = ("build", "dist", ".venv", ".git", ".pytest_cache", "__pycache__")


def missing(message: str) -> None:
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(message)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for a program of another venv: nothing of the tests' own venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def run(cmd: list[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None,
        check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env or clean_env())
    if check and done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}",
                    pytrace=False)
    return done


# --- the wheel, and venvs to install it in -----------------------------------------------------


@pytest.fixture(scope="session")
def pypi() -> None:
    """PyPI (or the index pip is told to use) answers; else skip (fail in CI)."""
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/").rstrip("/") + "/pip/"
    try:
        with urllib.request.urlopen(index, timeout=20) as answer:
            answer.read(1)
    except OSError as exc:
        missing(f"the package index {index} cannot be reached ({exc}): building and installing the wheel need it")


def source_files() -> list[str]:
    """The repository's files as a fresh clone with the working tree's changes would hold
    them: tracked and new (not ignored) files, without build leftovers."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        missing("git, or the repository's .git, is missing: the wheel is built from the files git knows")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    return sorted({f for f in listed if f and (REPO / f).is_file()
                   and not any(p in BUILD_LEFTOVERS or p.endswith(".egg-info") for p in Path(f).parts)})


@pytest.fixture(scope="session")
def wheel(pypi, tmp_path_factory) -> Path:
    """The wheel, built once from a copy of the repository's files (no stale build/ or
    *.egg-info can leak in) by pip with setuptools from PyPI (build isolation)."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    for f in source_files():
        (src / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / f, src / f)
    assert (src / "pyproject.toml").is_file() and (src / "LICENSE").is_file()
    assert not list(src.glob("*.egg-info")) and not (src / "build").exists()
    dist = root / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, src], cwd=root)
    (built,) = dist.glob("*.whl")
    return built


def make_venv(where: Path) -> Path:
    """A fresh venv; its python."""
    done = subprocess.run([sys.executable, "-m", "venv", str(where)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        missing(f"cannot make a venv ({done.stderr.strip()[-300:]}): apt-get install python3-venv")
    return where / "bin" / "python"


def pip(python: Path, *args: str | Path) -> subprocess.CompletedProcess:
    return run([python, "-m", "pip", *args], cwd=python.parent)


@pytest.fixture(scope="session")
def plain_venv(wheel, tmp_path_factory) -> Path:
    """A venv holding the wheel and its dependencies, nothing else; its python. A test that
    removes a package puts it back before it ends."""
    python = make_venv(tmp_path_factory.mktemp("venv-plain") / "venv")
    pip(python, "install", "--quiet", wheel)
    return python


# --- what the wheel holds ----------------------------------------------------------------------


def dist_info(names: list[str]) -> str:
    (found,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    return found


def test_the_wheel_holds_one_import_package_with_its_data(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = dist_info(names)
        data = info.removesuffix(".dist-info") + ".data"  # files for the prefix (share/man), if any
        tops = {n.split("/")[0] for n in names} - {info, data}
        assert tops == {PKG}, f"top-level entries besides {PKG}: {sorted(tops - {PKG})}"
        into_site = [n for n in names if n.startswith((f"{data}/purelib/", f"{data}/platlib/"))]
        assert not into_site, f"more for site-packages beside {PKG}: {into_site}"
        if f"{info}/top_level.txt" in names:
            assert z.read(f"{info}/top_level.txt").decode().split() == [PKG]
        assert f"{PKG}/__init__.py" not in names  # a namespace package: the name is shared, not owned
        assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".egg-info"))]

        # every module and data file of the source, where the package-dir mapping puts it
        expected = {f"{PKG}/{p.relative_to(REPO).as_posix()}"
                    for top in ("daemon", "integrations") for p in (REPO / top).rglob("*")
                    if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".txt", ".toml")}
        assert not expected - set(names), f"missing from the wheel: {sorted(expected - set(names))}"
        templates = sorted((REPO / "daemon/loop/templates").glob("*.txt"))
        shipped = sorted((REPO / "daemon/data").glob("*.*"))
        assert templates and shipped
        for p in templates + shipped:
            assert z.read(f"{PKG}/{p.relative_to(REPO).as_posix()}") == p.read_bytes()

        entry_points = z.read(f"{info}/entry_points.txt").decode()
        assert f"interview-followup = {PKG}.daemon.cli.main:entry" in entry_points
        for group in ("calendar", "reminders", "mailbox"):
            assert f"[{PKG}.{group}]" in entry_points


def test_the_wheel_metadata_is_publishable(wheel):
    with zipfile.ZipFile(wheel) as z:
        info = dist_info(z.namelist())
        meta = HeaderParser().parsestr(z.read(f"{info}/METADATA").decode())
        assert z.read(f"{info}/licenses/LICENSE") == (REPO / "LICENSE").read_bytes()
    assert meta["Name"] == "interview-followup" and meta["Version"] == __version__
    assert wheel.name == f"{PKG}-{__version__}-py3-none-any.whl"
    assert meta["License-Expression"] == "MIT" and meta.get_all("License-File") == ["LICENSE"]
    assert "The interview-followup authors" in f"{meta['Author']} {meta['Author-email']}"
    assert meta["Keywords"] and meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier")
    for c in ("Development Status :: 4 - Beta", "Environment :: No Input/Output (Daemon)",
              "Intended Audience :: End Users/Desktop", "Operating System :: POSIX :: Linux",
              "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12",
              "Programming Language :: Python :: 3.13", "Topic :: Communications :: Email",
              "Topic :: Office/Business :: Scheduling"):
        assert c in classifiers
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Source", "Issues"}
    assert all(u.startswith("https://github.com/interview-followup/interview-followup") for u in urls.values())
    # Gmail and Google Calendar from a plain install: the Google libraries are no extra's
    requires = meta.get_all("Requires-Dist")
    for package in GOOGLE_PACKAGES:
        (line,) = [r for r in requires if r.split(">")[0].split("=")[0].split(";")[0].strip() == package]
        assert "extra ==" not in line, line
    assert meta["Description-Content-Type"] == "text/markdown"


def test_the_version_is_kept_in_one_place():
    """__version__ in daemon/__init__.py; nothing else spells a version out."""
    text = (REPO / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "\nversion =" not in text.split("[tool.")[0]
    hard_coded = [f"{f}" for f in source_files() if f.endswith((".py", ".toml", ".cfg", ".service"))
                  and f != "daemon/__init__.py" and f'"{__version__}"' in (REPO / f).read_text(errors="replace")]
    assert not hard_coded, f"the version spelt out outside daemon/__init__.py: {hard_coded}"


# --- Gmail from a plain install, and without its library ---------------------------------------


@pytest.fixture
def gmail() -> Iterator[Emulator]:
    yield from running_emulator(lambda emulator: gmail_api.install(emulator, USER))


def cli(python: Path, world: World, *args: str, now: str | None = None) -> subprocess.CompletedProcess:
    """The installed command of the venv of ``python``, on ``world``'s config, from a
    folder that is not the repository's (nothing of the source can be imported)."""
    argv = [python.parent / "interview-followup", "--config", world.config]
    if now:
        argv += ["--now", now]
    home = world.root / "home"
    env = clean_env(XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
                    XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    return run([*argv, *args], cwd=world.root, env=env, timeout=120, check=False)


def test_a_plain_install_writes_gmail_drafts_and_a_missing_google_library_is_one_line(
        wheel, plain_venv, gmail, tmp_path):
    mailbox = f'kind = "gmail"\ntoken_file = "google-token.json"\napi_endpoint = "{gmail.url}"\ntimeout_seconds = 5\n'
    world = World(tmp_path / "user", config(mailbox=mailbox))
    write_token(world.root / "google-token.json", gmail, SCOPES["gmail"])
    world.set_calendar(ACME)

    done = cli(plain_venv, world, "once", now=AFTER)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "thank-you draft" in done.stdout
    keys = [str(m[KEY_HEADER]) for m in gmail_drafts(gmail)]
    assert len(keys) == 1 and keys[0].endswith(".thank-you")
    assert gmail.gmail.send_attempts == []

    pip(plain_venv, "uninstall", "-y", "--quiet", "google-api-python-client")
    try:
        before = len(gmail.requests)
        done = cli(plain_venv, world, "once", now="2026-11-17T16:30:00+01:00")
        assert done.returncode == EX_USER, done.stdout + done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        assert "Gmail" in lines[0] and "pip install google-api-python-client" in lines[0], lines[0]
        assert len(gmail.requests) == before  # nothing was tried
    finally:
        pip(plain_venv, "install", "--quiet", wheel)  # its dependencies back, for the tests after this one


def gmail_drafts(emulator: Emulator):
    from email import message_from_bytes
    from email.policy import default

    return [message_from_bytes(raw, policy=default) for raw in emulator.gmail.drafts_raw().values()]


# --- beside python-daemon, whose import name is `daemon` --------------------------------------


def check_both_work(python: Path) -> None:
    done = run([python.parent / "interview-followup", "--version"], cwd=python.parent.parent)
    assert done.stdout.strip() == f"interview-followup {__version__}"
    done = run([python, "-c", "import daemon, daemon.pidfile, interview_followup.daemon as ours; "
                "print(daemon.__file__); print(ours.__file__)"], cwd=python.parent.parent)
    theirs, ours = done.stdout.split()
    site = python.parent.parent / "lib"
    assert Path(theirs).is_relative_to(site) and Path(theirs).parent.name == "daemon"
    assert Path(ours).parent.parent.name == PKG
    run([python, "-m", "pip", "check"], cwd=python.parent)


def test_python_daemon_installed_after_the_wheel_leaves_both_working(plain_venv):
    pip(plain_venv, "install", "--quiet", "python-daemon")
    check_both_work(plain_venv)


def test_the_wheel_installed_after_python_daemon_leaves_both_working(wheel, tmp_path):
    python = make_venv(tmp_path / "venv")
    pip(python, "install", "--quiet", "python-daemon")
    pip(python, "install", "--quiet", wheel)
    check_both_work(python)


# --- from the source venv: what a pass loads, and a library that cannot be imported ------------


def in_subprocess(script: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=clean_env(XDG_DATA_HOME=str(cwd / "data"),
                                                                XDG_STATE_HOME=str(cwd / "state")))


LOADED = """\
import json, sys
from interview_followup.daemon.cli.main import main
code = main(["--config", sys.argv[1], "--now", "2026-11-20T18:00:00+01:00", "once"])
foreign = sorted(m for m in sys.modules if m.split(".")[0] in json.loads(sys.argv[3]) or m.startswith("google"))
open(sys.argv[2], "w").write(json.dumps({"code": code, "foreign": foreign}))
"""


def test_a_maildir_and_ics_pass_loads_no_google_imap_or_caldav_library(tmp_path):
    shutil.copy(REPO / "config.example.toml", tmp_path / "config.toml")
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    done = in_subprocess(LOADED, tmp_path / "config.toml", tmp_path / "out.json", json.dumps(FOREIGN), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert out["code"] == 0, done.stdout + done.stderr
    assert "thank-you draft" in done.stdout  # the pass did its work
    assert out["foreign"] == []


OPENED = """\
import json, sys
from interview_followup.daemon.clock import SystemClock
from interview_followup.daemon.config import load
from interview_followup.daemon.providers import open_providers
from pathlib import Path
open_providers(load(Path(sys.argv[1])), SystemClock()).close()
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("google", "httplib2", "caldav", "imapclient")))))
"""


def test_an_imap_user_loads_imapclient_and_nothing_of_google(tmp_path):
    imap = 'kind = "imap"\nhost = "imap.example.org"\nusername = "alex"\npassword_env = "P"\n'
    world = World(tmp_path, config(mailbox=imap))
    done = in_subprocess(OPENED, world.config, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    loaded = json.loads(done.stdout)
    assert "imapclient" in loaded and not [m for m in loaded if not m.startswith("imapclient")], loaded


BLOCKED = """\
import sys
blocked = sys.argv[2].split(",")

class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Blocked())
from interview_followup.daemon.cli.main import main
sys.exit(main(["--config", sys.argv[1], "--now", "2026-11-17T16:00:00+01:00", "once"]))
"""


def test_every_provider_and_its_settings_load_without_any_client_library(tmp_path):
    """Config validation needs each provider's ``Settings``: no client library for that."""
    script = BLOCKED.split("from interview_followup")[0] + (
        "from interview_followup.daemon.providers import GROUPS, known_kinds, provider_class\n"
        "for role in GROUPS:\n"
        "    for kind in known_kinds(role):\n"
        "        cls = provider_class(role, kind)\n"
        "        assert cls.Settings.__dataclass_fields__, (role, kind)\n"
        "        print(role, kind, cls.__module__)\n")
    done = in_subprocess(script, "-", ",".join(FOREIGN), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert {"gmail", "imap", "caldav", "google"} <= {line.split()[1] for line in done.stdout.splitlines()}


@pytest.mark.parametrize("role, table, blocked, package, label", [
    ("mailbox", 'kind = "gmail"\n', "googleapiclient", "google-api-python-client", "the Gmail mailbox"),
    ("mailbox", 'kind = "gmail"\n', "google,googleapiclient", "google-api-python-client, google-auth",
     "the Gmail mailbox"),
    ("calendar", 'kind = "google"\n', "google_auth_httplib2", "google-auth-httplib2", "the Google calendar"),
    ("reminders", 'kind = "google"\n', "httplib2", "httplib2", "the Google reminder calendar"),
    ("mailbox", 'kind = "imap"\nhost = "imap.example.org"\nusername = "alex"\npassword_env = "P"\n',
     "imapclient", "imapclient", "the IMAP mailbox"),
    ("calendar", 'kind = "caldav"\nurl = "https://dav.example.org/"\n', "caldav", "caldav", "the CalDAV calendar"),
    ("reminders", 'kind = "caldav"\nurl = "https://dav.example.org/"\n', "lxml", "lxml",
     "the CalDAV reminder calendar"),
], ids=["gmail", "gmail-without-google-auth", "google-calendar", "google-reminders", "imap", "caldav-calendar",
        "caldav-reminders"])
def test_a_provider_whose_library_cannot_be_imported_says_what_to_install_in_one_line(
        tmp_path, role, table, blocked, package, label):
    world = World(tmp_path, config(**{role: table}))
    world.set_calendar(ACME)
    done = in_subprocess(BLOCKED, world.config, blocked, cwd=tmp_path)
    assert done.returncode == EX_USER, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    packages = package.split(", ")
    assert f"{label} needs the Python package{'s' if len(packages) > 1 else ''} {package} " in line, line
    assert f"(pip install {' '.join(packages)}, or reinstall interview-followup)" in line, line
    assert "cannot be imported" not in line  # the missing module is the package's own
    assert not world.maildir.exists() and not world.reminders_file.exists()  # nothing was opened


def test_a_library_that_is_there_but_cannot_import_what_it_needs_is_named_with_the_reason(tmp_path):
    world = World(tmp_path, config(mailbox='kind = "gmail"\n'))
    done = in_subprocess(BLOCKED, world.config, "uritemplate", cwd=tmp_path)  # googleapiclient needs it
    assert done.returncode == EX_USER, done.stdout + done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "needs the Python package google-api-python-client" in line
    assert "google-api-python-client cannot be imported: No module named 'uritemplate'" in line


def test_signing_in_without_the_oauth_library_says_what_to_install(monkeypatch, tmp_path):
    from google_emulator.fixtures import make_context
    from interview_followup.daemon.errors import NeedsUser
    from interview_followup.integrations.google_api import authorize

    monkeypatch.setitem(sys.modules, "google_auth_oauthlib.flow", None)  # as if it were not installed
    with pytest.raises(NeedsUser) as info:
        authorize(SCOPES["gmail"], make_context(tmp_path), lambda question, default: default, print)
    assert str(info.value) == ("signing in to Google needs the Python package google-auth-oauthlib "
                               "(pip install google-auth-oauthlib, or reinstall interview-followup)")
