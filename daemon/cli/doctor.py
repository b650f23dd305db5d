"""``doctor``: configuration, paths, permissions and each provider, one line each."""

from __future__ import annotations

import stat
from pathlib import Path

from interview_followup.daemon.clock import SystemClock
from interview_followup.daemon.common import logs
from interview_followup.daemon.config import load
from interview_followup.daemon.common.languages import DRAFTS
from interview_followup.daemon.loop.drafting import NAMES, Templates
from interview_followup.daemon.errors import FollowupError
from interview_followup.daemon.model import Check
from interview_followup.daemon.providers import open_providers
from interview_followup.daemon.store.state import DB_NAME, PROBLEMS, Health, State


def doctor(config_path: Path | None) -> int:
    checks: list[Check] = []
    try:
        config = load(config_path)
    except FollowupError as exc:
        _print([Check("config", False, str(exc))])
        return 1
    checks.append(Check("config", True, str(config.path)))
    checks.append(_profile(config))
    checks.append(_private_dir(config.state_dir))
    db = config.state_dir / DB_NAME
    if db.exists():
        mode = stat.S_IMODE(db.stat().st_mode)
        try:
            state = State.in_memory_copy(config.state_dir)
            health, problems = state.health(), state.problems()
            state.close()
            checks.append(Check("state", mode & 0o077 == 0, f"{db} (mode {mode:o})"))
            checks.extend(_last_passes(health, config.tz))
            if problems:
                checks.append(Check("skipped items", False,
                                    f"{len(problems)} item(s) skipped after an unexpected error (a bug: please "
                                    "report it); `interview-followup status` lists them"))
        except FollowupError as exc:
            checks.append(Check("state", False, str(exc)))
    else:
        checks.append(Check("state", True, f"{db} will be created on the first pass"))
    templates = Templates(config.templates_dir, config.profile.language)
    try:
        for name in NAMES:
            templates.render(name, {})
        for code in sorted({config.profile.language, *config.companies.languages.values()}):
            for name in DRAFTS:  # the drafts of every language the configuration names
                templates.render(name, {}, code)
        overrides = sorted(p.name for p in config.templates_dir.glob("*.txt")) if config.templates_dir.is_dir() else []
        checks.append(Check("templates", True, f"overrides: {', '.join(overrides) or 'none'}"))
    except FollowupError as exc:
        checks.append(Check("templates", False, str(exc)))
    for path in config.drafts.attachments:
        checks.append(Check("attachment", path.is_file(), str(path)))
    from interview_followup.daemon.service.unit import installed_unit_problem

    unit_problem = installed_unit_problem(config)
    if unit_problem:
        checks.append(Check("service unit", False, unit_problem))
    try:
        providers = open_providers(config, SystemClock(), dry_run=True)
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        if logs.never_contained(exc):
            raise
        checks.append(Check.failed("providers", exc))
    else:
        for role in ("calendar", "mailbox", "reminders"):
            try:
                for c in getattr(providers, role).check():
                    checks.append(Check(f"{role}: {c.name}", c.ok, c.detail))
            except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
                if logs.never_contained(exc):
                    raise
                checks.append(Check.failed(role, exc))
        providers.close()
    _print(checks)
    return 0 if all(c.ok for c in checks) else 1


def _last_passes(health: dict[str, Health], tz) -> list[Check]:
    """How each provider fared in the daemon's passes (doctor's own checks come below)."""
    checks = []
    for role in ("calendar", "mailbox", "reminders"):
        h = health.get(role)
        if h is None:
            continue
        if h.ok:
            when = h.last_ok or h.since
            checks.append(Check(f"{role}: last passes", True, f"working; last worked {when.astimezone(tz):%Y-%m-%d %H:%M}"))
        else:
            what = PROBLEMS.get(h.problem, "failing")
            first = h.detail.splitlines()[0] if h.detail else ""
            checks.append(Check(f"{role}: last passes", False,
                                f"{what} since {h.since.astimezone(tz):%Y-%m-%d %H:%M}: {first}"))
    return checks


def _profile(config) -> Check:
    """Who the drafts are from. The configuration refuses an empty name or address; this
    line shows what was read (and fails should an empty one ever get through)."""
    p = config.profile
    if not (p.name.strip() and p.email.strip()):
        missing = " and ".join(f"profile.{k}" for k in ("name", "email") if not getattr(p, k).strip())
        return Check("profile", False, f"{missing} empty: run `interview-followup init`, or set it in {config.path}")
    return Check("profile", True, f"drafts from {p.name} <{p.email}>; time zone {p.timezone}")


def _private_dir(path: Path) -> Check:
    if not path.exists():
        return Check("state directory", True, f"{path} will be created (mode 700)")
    mode = stat.S_IMODE(path.stat().st_mode)
    ok = mode & 0o077 == 0
    return Check("state directory", ok, f"{path} (mode {mode:o}{'' if ok else '; should be 700'})")


def _print(checks: list[Check]) -> None:
    """One line per check (a hint on the lines below it); outside text neutralised."""
    for c in checks:
        print(f"{'ok  ' if c.ok else 'FAIL'}  {logs.neutral(c.name)}: {logs.neutral_lines(c.detail)}")
