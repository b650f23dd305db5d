"""A loop's timeline: everything that happened and why, in time order, as ``history LOOP``
prints it and the board shows it (one source for both).

Why the event is an interview (when it was found), its moves and cancellation, each mail
matched to the loop and why, each draft and reminder written, updated, removed or left,
and each command of the user's.
"""

from __future__ import annotations

from interview_followup.daemon.model import Interview, Observation
from interview_followup.daemon.store.state import Entry, State


def loop_history(state: State, iv: Interview, observations: list[Observation] | None = None,
                 first_seen=None) -> list[Entry]:
    """The entries of ``iv``'s loop, oldest first (stable: entries of one moment keep their
    order). ``observations`` (every one the state holds) and ``first_seen`` may be given
    when the caller has read them already (the board, for every loop at once)."""
    entries = state.history(iv.loop_id)
    if not any(e.kind == "found" for e in entries):  # a loop found before history was kept
        if first_seen is None:
            first_seen = next(seen for x, seen in state.loops() if x.loop_id == iv.loop_id)
        why = f": an interview because {iv.found_by}" if iv.found_by else ""
        entries.insert(0, Entry(iv.loop_id, first_seen, "found", f"found {iv.title!r}{why}"))
    seen = state.observations() if observations is None else observations
    entries += [Entry(iv.loop_id, o.at, "mail", mail_words(o)) for o in seen if o.loop_id == iv.loop_id]
    entries.sort(key=lambda e: e.at)
    return entries


def mail_words(o: Observation) -> str:
    """A message matched to the loop: what it is, what it says, and why it was matched."""
    said = f' ("{o.phrase}")' if o.phrase else ""
    if o.kind == "sent":
        what = f"you sent the {o.step}" if o.step else "you sent mail"
    elif o.kind == "out-of-office":
        what = "an out-of-office notice" + (f", back on {o.returns_on:%a %Y-%m-%d}" if o.returns_on else "")
    elif o.kind == "bounce":
        what = f"a bounce: your mail to {o.address or 'them'} was not delivered"
    elif o.promises_answer:
        what = "a reply promising an answer" + (f" by {o.returns_on:%a %Y-%m-%d}" if o.returns_on else "") + said
    elif o.undecided:
        what = f"a message from {o.sender_words} may be their answer (it decides nothing the program can read)"
    else:
        what = f"a reply: {o.outcome}{said}"
    return f"{what}; matched: {o.reason}"
