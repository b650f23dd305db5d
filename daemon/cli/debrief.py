"""``debrief``'s corrections and ``--show``: what the user fixes of what the calendar said
(role, company, the drafts' language), what a wrong entry is cleared with, and the
debrief as recorded.

Corrections win over the calendar wherever the loop is planned or drafted
(``planning.interview_of``); ``--clear FIELD`` removes a field before the options given
with it are added, so ``--clear notes --note TEXT`` replaces the notes.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from interview_followup.daemon.common import logs
from interview_followup.daemon.common.languages import SHIPPED, code_problem
from interview_followup.daemon.errors import NeedsUser

if TYPE_CHECKING:  # the parser reads CLEARABLE: importing this module stays cheap
    from interview_followup.daemon.config import Config
    from interview_followup.daemon.model import Debrief, Interview

# --clear FIELD -> the Debrief field it empties
CLEARABLE = {
    "answer-by": "answer_by",
    "contact": "contact",
    "notes": "notes",
    "asked-about": "asked_about",
    "open-questions": "open_questions",
    "forgot-to-ask": "forgot_to_ask",
    "role": "role",
    "company": "company",
    "language": "language",
}


def cleared(debrief: Debrief, fields: list[str]) -> Debrief:
    """``debrief`` without the ``fields`` (names of ``CLEARABLE``)."""
    from dataclasses import replace

    empty = {"answer_by": None, "contact": None, "role": "", "company": "", "language": ""}
    return replace(debrief, **{CLEARABLE[f]: empty.get(CLEARABLE[f], ()) for f in fields})


def corrected(debrief: Debrief, args: argparse.Namespace) -> Debrief:
    """``debrief`` with the corrections given (``--role``, ``--company``, ``--language``)."""
    from dataclasses import replace

    changes = {}
    for name in ("role", "company"):
        value = getattr(args, name, None)
        if value is not None:
            value = " ".join(value.split())
            if not value or any(not c.isprintable() for c in value):
                raise NeedsUser(f"--{name} {value!r} is empty or holds control characters",
                                hint=f"`--clear {name}` takes a correction back")
            changes[name] = value
    language = getattr(args, "language", None)
    if language is not None:
        language = language.strip().lower()
        if code_problem(language):
            raise NeedsUser(f"--language {code_problem(language)}", hint=f"shipped: {', '.join(SHIPPED)}; "
                            "another needs a folder of your own templates (see the README)")
        changes["language"] = language
    return replace(debrief, **changes)


def has_changes(args: argparse.Namespace) -> bool:
    return any((args.answer_by, args.contact, args.note, args.asked_about, args.open_question, args.forgot_to_ask,
                args.role is not None, args.company is not None, args.language is not None, args.clear))


def show(debrief: Debrief | None, iv: Interview, config: Config) -> str:
    """The debrief as recorded, one field a line ("-" for none); corrections beside what
    the calendar says."""
    head = f"{iv.company or iv.title}" + (f" ({iv.role})" if iv.role else "") + f" [{iv.loop_id}]"
    if debrief is None:
        return logs.neutral(f"No debrief recorded for {head} yet.") + "\n"
    tz = config.tz
    lines = [f"Debrief for {head}, recorded {debrief.recorded_at.astimezone(tz):%a %Y-%m-%d %H:%M}:",
             f"  {'answer by:':<16}{debrief.answer_by.strftime('%a %Y-%m-%d') if debrief.answer_by else '-'}",
             f"  {'contact:':<16}{debrief.contact.display() if debrief.contact else '-'}"]
    for label, items in (("notes:", debrief.notes), ("asked about:", debrief.asked_about),
                         ("open questions:", debrief.open_questions), ("forgot to ask:", debrief.forgot_to_ask)):
        lines.append(f"  {label:<16}{items[0] if items else '-'}")
        lines += [f"  {'':<16}{item}" for item in items[1:]]
    for label, value, calendar in (("role:", debrief.role, iv.role), ("company:", debrief.company, iv.company)):
        said = f" (corrected; the calendar says {calendar!r})" if value and calendar and value != calendar else ""
        lines.append(f"  {label:<16}{value or '-'}{said}")
    lines.append(f"  {'language:':<16}{debrief.language or '-'}")
    return logs.scrub("\n".join(logs.neutral(line) for line in lines)) + "\n"
