"""Score the current reply understanding on the blind reply set (prints figures; not a test).

The set (tests/blind/replies: *.eml, loops.toml, manifest.toml) was written without reading
the reply rules; see tests/blind/README.md. Nobody may tune rules on it.

Each message is parsed (``mail.parse.parse_message``) and understood
(``mail.replies.understand``) against the six loops of loops.toml, with the built-in rules
and an empty ``[replies]`` config. Printed:

- false closures: mail a careful human would not take as the employer's answer (automatic
  mail, out-of-office notices, bounces, calendar replies, unrelated mail, courtesy replies,
  promises) that the program takes as a closing reply; and closing replies put on the wrong
  loop;
- reply precision and recall (a person's reply on the right loop), and the same for
  closing replies;
- outcome accuracy per class (rejection, offer, next-round, info, other);
- promised answer days right;
- out-of-office notices: return days right, and notices without a day left open;
- bounces flagged on the right loop, and with the right address; delays flagged as failures.

Usage:
  python bench/blind_replies.py [--without-promise] [--verbose]

``--without-promise`` disables the promise rule (``mail.promise.promised_answer`` returns
None everywhere it was imported), so the score can be recorded with and without it.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SET = REPO / "tests" / "blind" / "replies"

from interview_followup.daemon.config import Replies  # noqa: E402
from interview_followup.daemon.mail.classify import Rules  # noqa: E402
from interview_followup.daemon.mail.parse import parse_message  # noqa: E402
from interview_followup.daemon.mail.replies import Known, understand  # noqa: E402
from interview_followup.daemon.model import Interview, Person, loop_id_for  # noqa: E402

OUTCOMES = ("rejection", "offer", "next-round", "info", "other")


def disable_promise() -> int:
    """Make ``promised_answer`` return None in its module and wherever it was imported by
    name; returns how many places were patched."""
    import interview_followup.daemon.mail.promise as promise

    original = promise.promised_answer

    def none(*_args, **_kwargs):
        return None

    patched = 0
    for mod in list(sys.modules.values()):
        if mod is not None and getattr(mod, "promised_answer", None) is original:
            setattr(mod, "promised_answer", none)
            patched += 1
    return patched


def load_loops() -> tuple[Known, dict[str, str]]:
    data = tomllib.loads((SET / "loops.toml").read_text(encoding="utf-8"))
    user = data["user"]
    interviews, sent, agencies, names = [], {}, [], {}
    for key, lp in data["loops"].items():
        lid = loop_id_for(lp["uid"])
        names[lid] = key
        contact = Person(lp["contact"]["email"], lp["contact"]["name"]) if "contact" in lp else None
        interviews.append(Interview(
            loop_id=lid, uid=lp["uid"], recurrence_id="", title=f"Interview: {lp['role']} @ {lp['company']}",
            company=lp["company"], role=lp["role"], start=lp["start"], end=lp["end"],
            interviewers=tuple(Person(p["email"], p["name"]) for p in lp["interviewers"]),
            contact=contact, domains=tuple(lp["domains"]), timezone=lp["timezone"], found_by="blind set",
        ))
        sent[lid] = set(lp["sent_ids"])
        if "agency" in lp:
            agencies.append(lp["agency"]["domain"])
    known = Known(interviews=interviews, debriefs={}, user_emails=(user["email"],), user_domain=user["domain"],
                  sent_ids=sent, agency_domains=tuple(agencies))
    return known, names


def as_date(v) -> date | None:
    return v if isinstance(v, date) else None


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/0 (-)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--without-promise", action="store_true", help="disable the promise rule")
    ap.add_argument("--verbose", action="store_true", help="one line per message")
    args = ap.parse_args()

    patched = disable_promise() if args.without_promise else 0
    known, names = load_loops()
    rules = Rules.from_config(Replies())
    manifest = tomllib.loads((SET / "manifest.toml").read_text(encoding="utf-8"))
    files = sorted(p.name for p in SET.glob("*.eml"))
    missing = set(files) ^ set(manifest)
    if missing:
        print(f"manifest and files differ: {sorted(missing)}")
        return 2

    fallback_now = datetime(2027, 2, 15, 12, 0, tzinfo=timezone.utc)
    rows = []
    for name in files:
        lab = manifest[name]
        msg = parse_message((SET / name).read_bytes(), ref=name, folder="inbox")
        try:
            obs = understand(msg, known, msg.date or fallback_now, rules)
        except Exception as exc:  # a crash is a result too
            obs = None
            lab = dict(lab, crashed=f"{type(exc).__name__}: {exc}")
        rows.append((name, lab, obs))

    def loop_of(obs) -> str:
        return names.get(obs.loop_id, obs.loop_id) if obs else "none"

    def closing(obs) -> bool:
        # a reply the program marks as deciding nothing (Observation.undecided, issue 16) closes nothing
        return (obs is not None and obs.kind == "reply" and not obs.promises_answer
                and not getattr(obs, "undecided", False))

    mode = "WITHOUT the promise rule" if args.without_promise else "with the promise rule"
    print(f"Blind reply set: {len(rows)} messages, {mode}" + (f" (patched in {patched} places)" if args.without_promise else ""))
    crashes = [n for n, lab, _ in rows if "crashed" in lab]
    if crashes:
        print(f"  crashes: {len(crashes)}: {', '.join(crashes)}")

    # --- false closures ------------------------------------------------------------------
    false_close = [(n, lab, o) for n, lab, o in rows if not lab["closes_loop"] and closing(o)]
    wrong_loop = [(n, lab, o) for n, lab, o in rows if lab["closes_loop"] and closing(o) and loop_of(o) != lab["loop"]]
    not_closing = [r for r in rows if not r[1]["closes_loop"]]
    by_kind = Counter(lab["kind"] if lab["kind"] != "reply" else "reply (no answer yet)" for _, lab, _ in false_close)
    print()
    print(f"False closures: {pct(len(false_close), len(not_closing))} of the messages that must not close a loop")
    for kind in sorted({(lab['kind'] if lab['kind'] != 'reply' else 'reply (no answer yet)') for _, lab, _ in not_closing}):
        total = sum(1 for _, lab, _ in not_closing if (lab['kind'] if lab['kind'] != 'reply' else 'reply (no answer yet)') == kind)
        print(f"  {kind:24} {by_kind.get(kind, 0)}/{total}")
    for n, lab, o in false_close:
        print(f"    - {n}: taken as {o.outcome or '?'} on {loop_of(o)} ({o.phrase!r})")
    print(f"  closing replies put on the wrong loop: {len(wrong_loop)}")
    for n, lab, o in wrong_loop:
        print(f"    - {n}: on {loop_of(o)}, expected {lab['loop']}")

    # --- reply precision and recall ------------------------------------------------------
    is_reply = lambda lab: "outcome" in lab  # noqa: E731  (person's replies and invitations to a further round)
    pred = [(n, lab, o) for n, lab, o in rows if o is not None and o.kind == "reply"]
    tp = [(n, lab, o) for n, lab, o in pred if is_reply(lab) and loop_of(o) == lab["loop"]]
    pos = [r for r in rows if is_reply(r[1])]
    print()
    print("Replies (a person's answer on the right loop, closing or not):")
    print(f"  precision {pct(len(tp), len(pred))}   recall {pct(len(tp), len(pos))}")
    cpred = [r for r in rows if closing(r[2])]
    ctp = [(n, lab, o) for n, lab, o in cpred if lab["closes_loop"] and loop_of(o) == lab["loop"]]
    cpos = [r for r in rows if r[1]["closes_loop"]]
    print("Closing replies (the employer's answer, taken as closing the right loop):")
    print(f"  precision {pct(len(ctp), len(cpred))}   recall {pct(len(ctp), len(cpos))}")
    missed = [(n, lab, o) for n, lab, o in cpos if not (closing(o) and loop_of(o) == lab["loop"])]
    for n, lab, o in missed:
        got = "nothing" if o is None else f"{o.kind} {o.outcome or ''} on {loop_of(o)}".strip()
        print(f"    - missed {n} ({lab['outcome']}): {got}")

    # --- outcome accuracy per class ------------------------------------------------------
    print()
    print("Outcome accuracy per class (labelled replies; right outcome on the right loop):")
    confusion: dict[str, Counter] = defaultdict(Counter)
    for n, lab, o in pos:
        got = o.outcome if (o is not None and o.kind == "reply" and loop_of(o) == lab["loop"]) else \
            ("(none)" if o is None else f"({o.kind} on {loop_of(o)})" if o.kind != "reply" else "(wrong loop)")
        confusion[lab["outcome"]][got] += 1
    right_all = 0
    for cls in OUTCOMES:
        c = confusion.get(cls, Counter())
        total = sum(c.values())
        right_all += c[cls]
        others = ", ".join(f"{k}: {v}" for k, v in c.most_common() if k != cls)
        print(f"  {cls:11} {pct(c[cls], total):14} {('| ' + others) if others else ''}")
    print(f"  {'all':11} {pct(right_all, len(pos))}")

    # --- promises --------------------------------------------------------------------------
    promised = [(n, lab, o) for n, lab, o in rows if as_date(lab.get("promise_by"))]
    right = [r for r in promised if r[2] is not None and r[2].kind == "reply" and r[2].returns_on == as_date(r[1]["promise_by"])]
    spurious = [(n, lab, o) for n, lab, o in rows if not as_date(lab.get("promise_by")) and o is not None
                and o.kind == "reply" and o.returns_on is not None]
    print()
    print(f"Promised answer days right: {pct(len(right), len(promised))}; promise days where none was promised: {len(spurious)}")
    for n, lab, o in promised:
        if (n, lab, o) not in right:
            got = "nothing" if o is None else f"{o.kind} {o.outcome} by {o.returns_on}"
            print(f"    - {n}: expected by {lab['promise_by']}, got {got}")
    for n, lab, o in spurious:
        print(f"    - {n}: promise by {o.returns_on} ({o.phrase!r}) not in the label")

    # --- out-of-office -------------------------------------------------------------------
    ooo = [r for r in rows if r[1]["kind"] == "out-of-office"]
    dated = [r for r in ooo if as_date(r[1].get("returns_on"))]
    ok_dated = [r for r in dated if r[2] is not None and r[2].kind == "out-of-office"
                and r[2].returns_on == as_date(r[1]["returns_on"]) and loop_of(r[2]) == r[1]["loop"]]
    undated = [r for r in ooo if not as_date(r[1].get("returns_on"))]
    ok_undated = [r for r in undated if not closing(r[2])]
    print()
    print(f"Out-of-office return days right: {pct(len(ok_dated), len(dated))}; "
          f"notices without a day left open: {pct(len(ok_undated), len(undated))}")
    for n, lab, o in dated:
        if (n, lab, o) not in ok_dated:
            got = "nothing" if o is None else f"{o.kind} on {loop_of(o)} back {o.returns_on}"
            print(f"    - {n}: expected back {lab['returns_on']}, got {got}")

    # --- bounces -----------------------------------------------------------------------------
    bounces = [r for r in rows if r[1]["kind"] == "bounce" and r[1].get("advice") != "wait"]
    loop_bounces = [r for r in bounces if r[1]["loop"] != "none"]
    flagged = [r for r in loop_bounces if r[2] is not None and r[2].kind == "bounce" and loop_of(r[2]) == r[1]["loop"]]
    addr_ok = [r for r in flagged if r[2].address.lower() == r[1]["failed"].lower()]
    # the advice a kind of failure gets (``Observation.outcome`` of a bounce)
    advice = {"address": "check-address", "": "check-address", "full": "try-later-or-other-contact",
              "too-large": "drop-attachment", "other": "other"}
    advice_ok = [r for r in addr_ok if advice.get(r[2].outcome or "", "?") == r[1].get("advice")]
    stray = [r for r in bounces if r[1]["loop"] == "none" and r[2] is not None]
    delays = [r for r in rows if r[1]["kind"] == "bounce" and r[1].get("advice") == "wait"]
    delay_flagged = [r for r in delays if r[2] is not None and r[2].kind == "bounce"]
    print()
    print(f"Bounces flagged on the right loop: {pct(len(flagged), len(loop_bounces))}; "
          f"with the right address: {pct(len(addr_ok), len(loop_bounces))}; "
          f"and the right advice: {pct(len(advice_ok), len(loop_bounces))}")
    print(f"  bounces of mail about no loop put on a loop: {len(stray)}/{len(bounces) - len(loop_bounces)}; "
          f"delay warnings flagged as failed: {len(delay_flagged)}/{len(delays)}")
    for n, lab, o in loop_bounces:
        if (n, lab, o) not in advice_ok:
            got = "nothing" if o is None else f"{o.kind} on {loop_of(o)} address {o.address!r} ({o.outcome})"
            print(f"    - {n}: expected {lab['failed']} ({lab['advice']}), got {got}")

    if args.verbose:
        print()
        print("(! closure wrong, ~ outcome wrong)")
        for n, lab, o in rows:
            want = f"{lab['kind']}/{lab.get('outcome', '-')}/{lab['loop']}"
            got = "-" if o is None else f"{o.kind}/{o.outcome or '-'}/{loop_of(o)}" + (f" by {o.returns_on}" if o.returns_on else "")
            mark = " " if ((closing(o) == lab["closes_loop"]) and (not closing(o) or loop_of(o) == lab["loop"])) else "!"
            mark += "~" if "outcome" in lab and (o is None or o.outcome != lab["outcome"]) else " "
            print(f"{mark} {n:55} want {want:32} got {got}" + (f"  [{lab['crashed']}]" if "crashed" in lab else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
