"""Score the current calendar reading and interview detection on the blind set.

    .venv/bin/python bench/blind_calendars.py [--verbose] [--set tests/blind/calendars]

The set (``tests/blind``) was written without reading the detection rules; see its README.
Nobody tunes rules on it: it is run, and the figures are recorded.

Each file is read on its own through the ``ics`` calendar provider (files marked with the
same ``read_together`` in the manifest are read together, as one folder, all with the same
modification time), then ``Detector.detect_read`` runs with the user's profile (Sam Rivera,
Europe/Berlin) and the default detection and company settings. What comes out is compared
with ``manifest.toml``:

- interviews found (recall): events labelled ``interview = true`` (and not to be reported as
  declined or cancelled) that were detected, not cancelled;
- false detections: events labelled ``interview = false`` that were detected, not cancelled.
  Split into "would get a draft" and "asked about": an interview counts as asked about only
  if the ``Interview`` carries a mark of doubt (an attribute ``uncertain``, ``ask``,
  ``needs_confirmation`` that is true, a ``confidence`` of "low"/"uncertain", or a
  ``certainty`` of "uncertain"): an uncertain interview gets a question, never a draft;
- field errors, on every detected event labelled an interview: company (compared without
  case, punctuation, accents and legal forms like GmbH/AG/S.p.A.), interviewers (missing,
  extra: lower-case emails), start (the same instant; for all-day events, the same day);
  role is shown apart, for information;
- reports: ``declined`` (the event comes back cancelled, "you declined it", from
  ``detect_read`` or from ``interview(event, declined_too=True)`` as ``status`` lists it),
  ``cancelled`` (comes back cancelled), and the file problems (a problem in
  ``CalendarRead.problems`` that names the file or one of its UIDs);
- files fully right: every event's verdict, fields and reports as labelled, every
  expected problem reported (role and unexpected warnings aside).

``interview = "uncertain"`` events count in none of the figures; they are listed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent

from interview_followup.daemon.calendar.detection import Detector  # noqa: E402
from interview_followup.daemon.clock import FixedClock  # noqa: E402
from interview_followup.daemon.config import Companies, Detection, Profile  # noqa: E402
from interview_followup.daemon.errors import NeedsUser, Transient  # noqa: E402
from interview_followup.daemon.model import CalendarEvent, CalendarRead, Interview  # noqa: E402
from interview_followup.daemon.providers import ProviderContext  # noqa: E402
from interview_followup.integrations.ics_calendar import IcsCalendar  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
WINDOW = (datetime(2027, 1, 1, tzinfo=TZ), datetime(2027, 4, 1, tzinfo=TZ))
USER = "sam.rivera@example.net"
USER_OTHER = "sam@rivera.example"
REPORT_KINDS = ("declined", "cancelled", "no-uid", "truncated", "bad-tz", "duplicate-uid", "floating", "charset")

LEGAL_FORMS = {
    "gmbh", "ag", "se", "kg", "sas", "sa", "sarl", "spa", "srl", "sl", "bv", "nv", "ltd", "limited",
    "inc", "llc", "plc", "kft", "co", "corp", "ggmbh", "ug", "as", "asa", "ab", "oy", "oyj", "aps",
}


def norm_company(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("&", " and ")
    text = re.sub(r"\bs\.\s?p\.\s?a\.?|\bs\.\s?r\.\s?l\.?|\bs\.\s?a\.\s?s\.?|\bs\.\s?l\.?|\bb\.\s?v\.?|\be\.\s?v\.?", " ", text)
    words = re.findall(r"[^\W_]+", text)
    while words and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def norm_role(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.findall(r"[^\W_]+", text))


def asked_about(iv: Interview) -> bool:
    """Whether the product marked this detection as one to ask the user about."""
    for name in ("uncertain", "ask", "needs_confirmation"):
        if getattr(iv, name, False) is True:
            return True
    if str(getattr(iv, "certainty", "")).lower() == "uncertain":  # Interview.certainty (issue 15)
        return True
    return str(getattr(iv, "confidence", "")).lower() in ("low", "uncertain", "ask")


@dataclass
class Outcome:
    file: str
    uid: str
    summary: str
    label: object  # True, False or "uncertain"
    verdict: str  # found, missed, dropped-reported, false-draft, false-asked, correct-negative, ...
    errors: list[str] = field(default_factory=list)  # field errors (count against "fully right")
    role_note: str = ""
    report: str = ""  # expected report kind
    report_ok: bool | None = None
    detail: str = ""


def read_unit(files: list[Path], workdir: Path) -> tuple[CalendarRead, list[str]]:
    """Read ``files`` as one folder through the ics provider; the problems as strings."""
    folder = workdir / "calendar"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    moment = 1_800_000_000_000_000_000  # the same mtime for every file: no file is "newer"
    for f in files:
        target = folder / f.name
        shutil.copyfile(f, target)
        os.utime(target, ns=(moment, moment))
    context = ProviderContext(
        timezone=TZ,
        base_dir=workdir,
        data_dir=workdir / "data",
        user_emails=(USER, USER_OTHER),
        clock=FixedClock(datetime(2027, 1, 4, 9, 0, tzinfo=TZ)),
    )
    provider = IcsCalendar.open(IcsCalendar.Settings(path=folder), context)
    try:
        read = provider.read(*WINDOW)
    except (NeedsUser, Transient) as exc:
        read = CalendarRead(complete=False, problems=[f"(read failed) {exc}"])
    finally:
        provider.close()
    return read, list(read.problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", type=Path, default=REPO / "tests" / "blind" / "calendars")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss and error")
    args = parser.parse_args(argv)

    manifest = tomllib.loads((args.set / "manifest.toml").read_text(encoding="utf-8"))
    files = manifest["file"]
    profile = Profile(name="Sam Rivera", email=USER, other_emails=(USER_OTHER,), timezone="Europe/Berlin")
    detector = Detector(profile, Detection(), Companies(), TZ)

    # units: a file alone, or the files read together
    units: list[list[dict]] = []
    together: dict[str, list[dict]] = {}
    for f in files:
        key = f.get("read_together", "")
        if key:
            if key not in together:
                together[key] = []
                units.append(together[key])
            together[key].append(f)
        else:
            units.append([f])

    outcomes: list[Outcome] = []
    file_ok: dict[str, bool] = {}
    file_notes: dict[str, list[str]] = {}
    file_problems: dict[str, list[str]] = {}
    reports_expected = {k: 0 for k in REPORT_KINDS}
    reports_got = {k: 0 for k in REPORT_KINDS}
    unexpected_warnings: list[tuple[str, str]] = []
    unlabelled: list[tuple[str, Interview]] = []
    crashes: list[str] = []
    app_rounds: dict[str, list[tuple[dict, Interview | None]]] = {}

    with tempfile.TemporaryDirectory(prefix="blind-calendars-") as tmp:
        workdir = Path(tmp)
        for unit in units:
            names = [f["name"] for f in unit]
            label = " + ".join(names)
            try:
                read, problems = read_unit([args.set / n for n in names], workdir)
                interviews = detector.detect_read(read)
            except Exception as exc:  # a crash is a result too
                crashes.append(f"{label}: {type(exc).__name__}: {exc}")
                read, problems, interviews = CalendarRead(), [], []
            by_uid: dict[str, Interview] = {iv.uid: iv for iv in interviews}
            events_by_uid: dict[str, CalendarEvent] = {e.uid: e for e in read.events}
            expected_events = [(f, e) for f in unit for e in f.get("event", []) if not e.get("superseded")]
            known_uids = {e["uid"] for f in unit for e in f.get("event", []) if e["uid"]}

            def names_file(problem: str, f: dict) -> bool:
                uids = [e["uid"] for e in f.get("event", []) if e["uid"]]
                return f["name"] in problem or any(u in problem for u in uids)

            # expected problems: one report per kind per unit
            unit_ok = True
            notes: list[str] = []
            kinds = sorted({p for f in unit for p in f.get("problems", [])})
            for kind in kinds:
                reports_expected[kind] += 1
                holders = [f for f in unit if kind in f.get("problems", [])]
                hit = [p for p in problems if any(names_file(p, f) for f in holders)]
                if hit:
                    reports_got[kind] += 1
                else:
                    unit_ok = False
                    notes.append(f"problem not reported: {kind}")
            if not kinds:
                for p in problems:
                    unexpected_warnings.append((label, p))

            matched_uids: set[str] = set()
            for f, exp in expected_events:
                uid = exp["uid"]
                iv = by_uid.get(uid) if uid else None
                ev = events_by_uid.get(uid) if uid else None
                if not uid:  # no UID in the file: the product may have made one up; match the title
                    iv = next((i for i in interviews if i.title == exp["summary"] and i.uid not in known_uids), None)
                    ev = next((e for e in read.events if e.summary == exp["summary"]), None)
                if iv is not None:
                    matched_uids.add(iv.uid)
                out = Outcome(f["name"], uid, exp["summary"], exp["interview"], "")
                label_iv = exp["interview"]
                report = exp.get("report", "")
                file_reported = any(names_file(p, f) for p in problems)
                if report:
                    out.report = report
                    reports_expected[report] += 1
                    declined_iv = None
                    if iv is None and ev is not None and report == "declined":
                        try:
                            declined_iv = detector.interview(ev, declined_too=True)
                        except Exception as exc:
                            crashes.append(f"{f['name']} interview(declined_too): {type(exc).__name__}: {exc}")
                    shown = iv or declined_iv
                    if iv is not None and not iv.cancelled:
                        out.verdict = "active-not-" + report
                        out.report_ok = False
                    elif shown is not None and shown.cancelled and (
                        report == "cancelled" or "declin" in (shown.cancelled_reason or "")
                    ):
                        out.verdict = "reported"
                        out.report_ok = True
                    elif report == "cancelled" and file_reported:
                        out.verdict = "reported (as a problem)"
                        out.report_ok = True
                    else:
                        out.verdict = "not reported" if ev is not None else "dropped silently"
                        out.report_ok = False
                    if out.report_ok:
                        reports_got[report] += 1
                    fields_iv = shown
                elif label_iv is True:
                    if iv is not None and not iv.cancelled:
                        out.verdict = "found"
                    elif iv is not None:
                        out.verdict = "missed (came back cancelled)"
                    elif exp.get("may_drop") and file_reported:
                        out.verdict = "dropped, reported"
                    else:
                        out.verdict = "missed" if ev is not None else "missed (not read)"
                    fields_iv = iv
                elif label_iv is False:
                    if iv is not None and not iv.cancelled:
                        out.verdict = "false-asked" if asked_about(iv) else "false-draft"
                    elif iv is not None:
                        out.verdict = "false (cancelled only)"
                    elif ev is None and not exp.get("may_drop"):
                        out.verdict = "negative (not read)"
                    else:
                        out.verdict = "negative"
                    fields_iv = None
                else:  # uncertain
                    out.verdict = "uncertain: " + (
                        ("asked" if asked_about(iv) else "draft") if iv is not None and not iv.cancelled else "not detected"
                    )
                    fields_iv = None
                if fields_iv is not None and label_iv is True:
                    compare_fields(out, exp, fields_iv)
                if exp.get("application") and label_iv is True and not report:
                    app_rounds.setdefault(exp["application"], []).append((exp, iv if iv and not iv.cancelled else None))
                bad = (
                    out.verdict.startswith(("missed", "false-", "active-", "not reported", "dropped silently", "negative (not read)"))
                    or bool(out.errors)
                    or out.report_ok is False
                )
                if bad:
                    unit_ok = False
                outcomes.append(out)
            for iv in interviews:
                if iv.uid not in matched_uids and iv.uid not in known_uids:
                    unlabelled.append((label, iv))
                    if not iv.cancelled:
                        unit_ok = False
            for f in unit:
                file_ok[f["name"]] = unit_ok
                file_notes[f["name"]] = notes
                file_problems[f["name"]] = problems

    print_results(args, files, outcomes, file_ok, file_notes, reports_expected, reports_got,
                  unexpected_warnings, unlabelled, crashes, app_rounds, file_problems)
    return 0


def compare_fields(out: Outcome, exp: dict, iv: Interview) -> None:
    want_company = exp.get("company", "")
    if want_company and norm_company(iv.company) != norm_company(want_company):
        out.errors.append(f"company {iv.company!r}, expected {want_company!r}")
    want = {e.lower() for e in exp.get("interviewers", [])}
    got = {p.email.lower() for p in iv.interviewers}
    for e in sorted(want - got):
        out.errors.append(f"missing interviewer {e}")
    for e in sorted(got - want):
        out.errors.append(f"extra interviewer {e}")
    start = exp.get("start", "")
    if start:
        if len(start) == 10:  # all-day: the same day
            if iv.start.astimezone(TZ).date() != date.fromisoformat(start):
                out.errors.append(f"start {iv.start.isoformat()}, expected the day {start}")
        elif iv.start != datetime.fromisoformat(start):
            out.errors.append(f"start {iv.start.astimezone(TZ).isoformat()}, expected {start}")
    want_role = exp.get("role", "")
    if want_role and norm_role(iv.role) != norm_role(want_role):
        out.role_note = f"role {iv.role!r}, expected {want_role!r}"


def print_results(args, files, outcomes, file_ok, file_notes, reports_expected, reports_got,
                  unexpected_warnings, unlabelled, crashes, app_rounds, file_problems) -> None:
    by_file: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_file.setdefault(o.file, []).append(o)

    print(f"{'file':<52} {'ok':<3} events")
    for f in files:
        name = f["name"]
        os_ = by_file.get(name, [])
        marks = []
        for o in os_:
            m = {"found": "I", "negative": "-", "reported": "R", "dropped, reported": "d"}.get(o.verdict)
            if m is None:
                if o.verdict.startswith("uncertain"):
                    m = "?" + ("+" if "draft" in o.verdict or "asked" in o.verdict else "0")
                elif o.verdict.startswith("false-"):
                    m = "F"
                elif o.verdict.startswith("missed"):
                    m = "M"
                else:
                    m = "x"
            if o.errors:
                m += "e"
            marks.append(m)
        if f.get("problems") and file_notes.get(name):
            marks.append("P!")
        shown = name if len(name) <= 52 else name[:49] + "..."
        print(f"{shown:<52} {'yes' if file_ok.get(name) else 'NO':<3} {' '.join(marks)}")
    print("  (I found, - correctly not an interview, R reported, d dropped with a warning, M missed,")
    print("   F false detection, x report wrong or missing, ?+/?0 uncertain detected/not, e field error, P! problem not reported)")
    print()

    n_files = len(files)
    n_ok = sum(1 for f in files if file_ok.get(f["name"]))
    positives = [o for o in outcomes if o.label is True and not o.report]
    found = [o for o in positives if o.verdict == "found"]
    dropped = [o for o in positives if o.verdict == "dropped, reported"]
    missed = [o for o in positives if o.verdict.startswith("missed")]
    negatives = [o for o in outcomes if o.label is False]
    false_draft = [o for o in negatives if o.verdict == "false-draft"]
    false_asked = [o for o in negatives if o.verdict == "false-asked"]
    uncertain = [o for o in outcomes if o.label == "uncertain"]
    with_fields = [o for o in outcomes if o.label is True and (o.verdict == "found" or o.report)]
    company_err = sum(1 for o in outcomes for e in o.errors if e.startswith("company"))
    miss_int = sum(1 for o in outcomes for e in o.errors if e.startswith("missing interviewer"))
    extra_int = sum(1 for o in outcomes for e in o.errors if e.startswith("extra interviewer"))
    start_err = sum(1 for o in outcomes for e in o.errors if e.startswith("start"))
    role_err = sum(1 for o in outcomes if o.role_note)
    events_with_err = sum(1 for o in outcomes if o.errors)
    checked = [o for o in outcomes if o.label is True and (o.verdict == "found" or o.verdict == "reported")]
    exp_iv = sum(len(o.errors) == 0 for o in checked)

    print(f"files fully right:        {n_ok}/{n_files}")
    denominator = len(positives) - len(dropped)
    print(f"interviews found:         {len(found)}/{denominator} (recall {len(found) / max(1, denominator):.0%})"
          + (f"; {len(dropped)} more dropped with a warning (allowed)" if dropped else ""))
    print(f"false detections:         {len(false_draft) + len(false_asked)}/{len(negatives)} non-interviews "
          f"(would get a draft: {len(false_draft)}, asked about: {len(false_asked)})")
    print(f"uncertain events:         {len(uncertain)} ("
          + ", ".join(f"{o.summary[:40]!r}: {o.verdict.split(': ')[1]}" for o in uncertain) + ")")
    print(f"field errors:             {events_with_err} of {len(checked)} detected interviews have one "
          f"(right: {exp_iv}): company {company_err}, missing interviewer {miss_int}, "
          f"extra interviewer {extra_int}, start {start_err}")
    print(f"role differs or missing:  {role_err} of {sum(1 for o in checked)} (information only)")
    print("reports (got/expected):   " + ", ".join(
        f"{k} {reports_got[k]}/{reports_expected[k]}" for k in REPORT_KINDS if reports_expected[k]))
    print(f"                          total {sum(reports_got.values())}/{sum(reports_expected.values())}")
    consistent_company = consistent_role = 0
    for app, rounds in app_rounds.items():
        got = [iv for _, iv in rounds if iv is not None]
        if len(got) == len(rounds) and len({norm_company(iv.company) for iv in got}) == 1:
            consistent_company += 1
        if len(got) == len(rounds) and len({norm_role(iv.role) for iv in got}) == 1:
            consistent_role += 1
    print(f"applications (all rounds found, one company / one role text): "
          f"{consistent_company}/{len(app_rounds)} / {consistent_role}/{len(app_rounds)}")
    print(f"warnings on files expected clean: {len(unexpected_warnings)}; "
          f"detections not in the manifest: {len(unlabelled)}; crashes: {len(crashes)}")

    if not args.verbose:
        print("\n(--verbose lists every miss)")
        return
    print("\n--- misses and errors ---")
    for o in outcomes:
        wrong = (
            o.verdict not in ("found", "negative", "reported", "dropped, reported")
            and not o.verdict.startswith("uncertain")
        ) or o.errors or o.role_note
        if not wrong:
            continue
        print(f"{o.file}: {o.summary!r}")
        print(f"    verdict: {o.verdict}" + (f" (expected report: {o.report})" if o.report else ""))
        for e in o.errors:
            print(f"    {e}")
        if o.role_note:
            print(f"    ({o.role_note})")
    for name, notes in file_notes.items():
        for n in notes:
            print(f"{name}: {n}")
    for app, rounds in sorted(app_rounds.items()):
        got = [(exp, iv) for exp, iv in rounds]
        print(f"application {app}: " + "; ".join(
            f"r{exp.get('round')}: " + (f"{iv.company!r} / {iv.role!r}" if iv else "not found") for exp, iv in got))
    for label, p in unexpected_warnings:
        print(f"warning on {label}: {p}")
    for label, iv in unlabelled:
        print(f"not in manifest ({label}): {iv.title!r} uid={iv.uid} cancelled={iv.cancelled}")
    for c in crashes:
        print(f"CRASH {c}")
    print("\n--- problems reported on files that expect one ---")
    for f in files:
        if f.get("problems"):
            print(f"{f['name']}: expects {', '.join(f['problems'])}; {'reported' if not file_notes.get(f['name']) else 'NOT reported'}")
            for p in file_problems.get(f["name"], []):
                print(f"    warning: {p}")


if __name__ == "__main__":
    sys.exit(main())
