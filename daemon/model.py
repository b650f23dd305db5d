"""The nouns of the product, shared by the core and every provider.

Glossary:
- *event*: one occurrence read from a calendar (recurring events are already expanded).
- *interview*: an event that detection recognised, with company, role and interviewers.
- *loop*: the follow-up process run for one interview; its id is stable across runs.
- *step*: one thing the loop does (debrief reminder, thank-you draft, follow-up, ...).
- *artifact*: an object a step creates outside the program (a draft or a reminder),
  identified by a deterministic *key*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from interview_followup.daemon.errors import NeedsUser, Transient
from interview_followup.daemon.frozen import frozen


@frozen
class Person:
    """Someone with a mail address: an interviewer, a recruiter, the user."""

    email: str
    name: str = ""

    @property
    def domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


@frozen
class Attendee:
    """A calendar event's attendee, with their answer to the invitation."""

    email: str
    name: str = ""
    partstat: str = "needs-action"  # lower case: accepted, declined, tentative, needs-action, ...
    role: str = "req-participant"  # lower case: chair, req-participant, opt-participant, non-participant
    group: bool = False  # a group of people (CUTYPE=GROUP), not one person


@frozen
class CalendarEvent:
    """One occurrence, as a calendar provider hands it to the core.

    ``start`` and ``end`` are always time-zone aware. Floating times were read in the
    user's time zone; all-day events start at local midnight of their first day and end
    at local midnight after their last day (``all_day`` tells the core which it was).
    """

    uid: str
    start: datetime
    end: datetime
    summary: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()
    recurrence_id: str = ""  # "" unless this is one occurrence of a recurring event
    all_day: bool = False
    floating: bool = False
    status: str = "confirmed"  # confirmed, tentative or cancelled
    attendees: tuple[Attendee, ...] = ()
    organizer: Person | None = None
    timezone: str = ""  # the zone the event was written in, for display
    location: str = ""
    source: str = ""  # where it came from (file name, calendar id), for messages


@dataclass
class CalendarRead:
    """What one read of a calendar produced: the events, and the ones it could not read."""

    events: list[CalendarEvent] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each names the bad event and why
    bad_uids: set[str] = field(default_factory=set)  # events that exist but could not be read
    complete: bool = True  # False when a whole file or collection could not be read


def loop_id_for(uid: str, recurrence_id: str = "") -> str:
    """The stable id of the loop for one calendar occurrence."""
    import hashlib  # here: start-up (status) does not need it

    return hashlib.sha256(f"{uid}\x00{recurrence_id}".encode()).hexdigest()[:8]


@frozen
class Interview:
    """One interview found in the calendar (one occurrence of a series): what its loop is built on."""

    loop_id: str
    uid: str
    recurrence_id: str
    title: str
    company: str
    role: str
    start: datetime
    end: datetime
    interviewers: tuple[Person, ...] = ()
    contact: Person | None = None  # from a "contact:" hint
    size: str = "small"  # small or large
    size_reason: str = "default"
    domains: tuple[str, ...] = ()  # the company's mail domains (never free-mail ones)
    all_day: bool = False
    cancelled: bool = False
    # why a cancelled interview is: "the event was cancelled", "you declined it", "it is no
    # longer in the calendar" ("" for none recorded: the event was cancelled)
    cancelled_reason: str = ""
    timezone: str = ""
    warnings: tuple[str, ...] = ()
    # why the event is an interview, in words: "the title contains \"Interview\"", "tracked by
    # you" ("" in loops recorded before it was kept)
    found_by: str = ""
    # "clear", or "uncertain": the evidence does not settle it, so the user is asked (``track`` /
    # ``ignore``) and nothing is drafted until then (``calendar.evidence``)
    certainty: str = "clear"
    # the language the event's title and description are clearly written in, and why
    # (``loop.language.from_text``); "" when they do not say (the description itself is
    # never kept: it may hold meeting links and passcodes)
    text_language: str = ""
    text_language_why: str = ""


# the reason of a loop the user ignored (``Interview.cancelled_reason``)
IGNORED = "you ignored it"
TRACKED = "tracked by you"
# what ``close --outcome`` may say
CLOSE_OUTCOMES = ("rejected", "offer", "accepted", "withdrawn", "other")


@frozen
class Command:
    """What the user told the program about a loop or an event, at ``at`` (the clock's
    moment). Commands are kept in the order given; a later one may take back an earlier
    one (``loop.steering``).

    - ``close`` (``outcome``, ``note``): the loop is over, as the user says;
    - ``reopen``: takes back a close and an ignore; with ``step``: a skip of that step;
    - ``snooze`` (``until``; ``step``, or "" for every step not yet done);
    - ``skip`` (``step``): its draft or reminder is not wanted;
    - ``track`` / ``ignore`` (``event``): the event is an interview / never one.

    ``event``: the calendar UID (or, for an event not read yet, the UID or title the user
    gave); ``loop_id``: the loop, or "" for a command about an event as a whole."""

    command: str
    at: datetime
    loop_id: str = ""
    event: str = ""
    step: str = ""
    until: date | None = None
    outcome: str = ""
    note: str = ""

    def concerns(self, interview: Interview) -> bool:
        if self.loop_id:
            return self.loop_id == interview.loop_id
        return bool(self.event) and self.event_is(interview.uid, interview.title)

    def event_is(self, uid: str, title: str) -> bool:
        """Whether this command's ``event`` names the event with ``uid`` and ``title``."""
        return self.event == uid or (bool(title) and self.event.casefold() == title.casefold())


@frozen
class Debrief:
    """What the user told the program about an interview: every field may correct the calendar."""

    loop_id: str
    recorded_at: datetime
    answer_by: date | None = None
    contact: Person | None = None
    notes: tuple[str, ...] = ()
    asked_about: tuple[str, ...] = ()  # what interested the interviewer
    open_questions: tuple[str, ...] = ()  # questions you could not fully answer
    forgot_to_ask: tuple[str, ...] = ()  # questions you forgot to ask
    # corrections the user made to what was read from the calendar ("" for none): they win
    role: str = ""
    company: str = ""
    language: str = ""  # the language of this loop's drafts (a code, e.g. "de")


@frozen
class MailMessage:
    """A message read from a mailbox, reduced to what reply matching needs.

    ``body`` is message text: it is never logged.
    """

    ref: str  # provider-unique reference (Maildir key, IMAP folder/UIDVALIDITY/UID, Gmail id)
    folder: str  # "inbox" or "sent"
    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    sender: Person | None = None
    to: tuple[Person, ...] = ()
    cc: tuple[Person, ...] = ()
    subject: str = ""
    date: datetime | None = None
    headers: tuple[tuple[str, str], ...] = ()  # lower-cased names of the automatic-mail headers
    key: str = ""  # this program's key header, if the message carries one
    body: str = ""
    thread_id: str = ""  # the provider's thread id, where it has one
    failed_recipients: tuple[str, ...] = ()  # of a bounce: the addresses reported as failed
    calendar_method: str = ""  # METHOD of an attached iCalendar object (REQUEST, REPLY, ...), upper case
    reply_to: tuple[Person, ...] = ()  # the Reply-To addresses
    # of a bounce: the Message-IDs of the message it returns (its own, In-Reply-To, References;
    # the program's draft id when it carries the key header); see ``mail.parse``
    returned_ids: tuple[str, ...] = ()
    # of a delivery report: (address, action, status, diagnostic) per recipient, failed or delayed
    delivery: tuple[tuple[str, str, str, str], ...] = ()

    def header(self, name: str) -> str:
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return ""


@frozen
class Draft:
    """A draft to be written to a mailbox. ``message`` is the whole RFC 5322 message."""

    key: str
    message: bytes
    thread_id: str = ""  # provider thread to join (Gmail), when answering a known thread


@frozen
class Automatic:
    """Why a message was written by a machine, not by a person (``daemon.mail.automatic``)."""

    kind: str  # "auto-reply", "bounce", "list", "calendar" or "system"
    reason: str  # the header or words that show it, for the log and ``status``
    returns_on: date | None = None  # an out-of-office notice's stated return day
    bounced: tuple[str, ...] = ()  # the addresses a bounce reports as undeliverable
    # of a bounce, per address in ``bounced``: the kind of failure ("address": unknown
    # address or domain; "full": mailbox full or over quota; "too-large": message too
    # large; "other": refused for another reason) and the words that say so
    failures: tuple[str, ...] = ()
    failure_words: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()  # of a bounce: the Message-IDs of the message it returns


@frozen
class Verdict:
    """What a person's reply says (``daemon.mail.classify``)."""

    outcome: str  # "rejection", "offer", "next-round", "info" or "other"
    phrase: str = ""  # the words in the message that decided it ("" for "other")
    rule: str = ""  # where the rule came from, e.g. "built-in (de)" or "config: replies.offer"
    position: str = ""  # where the words are: "subject", "first lines", "later" or "invitation"
    sense: str = ""  # how they are meant: "statement", "question", "request" or "later stage"


@frozen
class StoredDraft:
    """A draft found in a mailbox: its provider reference and its current bytes."""

    key: str
    ref: str
    message: bytes


@frozen
class Reminder:
    """A calendar reminder the program keeps in the user's calendar."""

    key: str
    title: str
    start: datetime
    description: str = ""
    duration: timedelta = timedelta(minutes=15)
    alarm_before: timedelta = timedelta(0)
    task: bool = False  # something the user must do by ``start`` (sinks with task lists keep a task too)
    link: str = ""  # where the draft it is about can be opened, when the mailbox has such an address


@frozen
class Check:
    """One line of ``doctor``: what was checked, whether it passed, and the detail."""

    name: str
    ok: bool
    detail: str = ""

    @classmethod
    def failed(cls, name: str, exc: Exception) -> Check:
        """A check that raised (doctor reports, never crashes): our own errors say what is
        wrong in their message; anything else is shown with its type too."""
        known = isinstance(exc, (NeedsUser, Transient))
        return cls(name, False, str(exc) if known else f"{type(exc).__name__}: {exc}")


@frozen
class Observation:
    """A message that concerns a loop: the employer's reply, or mail the user sent."""

    ref: str
    loop_id: str
    kind: str  # "reply", "sent", "out-of-office" or "bounce"
    at: datetime
    reason: str  # how the message was matched to the loop, in words
    step: str = ""  # for sent mail that carried a draft's key: the step it belonged to
    message_id: str = ""  # of the message, for answering in its thread
    # of a reply: "rejection", "offer", "next-round", "info" or "other"; of a bounce, the kind
    # of failure: "address", "full", "too-large" or "other" (see ``Automatic.failures``; ""
    # in bounces recorded before it was kept: "address"); of sent mail, how it is tied to the
    # loop when it carries no draft's key: "thread" (in the thread of the loop's mail),
    # "person" (to one of the loop's people), "domain" (to someone else at the company's or
    # agency's domain); "" in sent mail recorded before it was kept: "person"
    outcome: str = ""
    # the words that decided the outcome (of an "other" reply: the words promising an answer;
    # of a bounce: the mail server's words about the failure)
    phrase: str = ""
    # of an out-of-office notice: the day the person is back; of a reply promising an answer:
    # the day by which they said they would answer (None when they named none)
    returns_on: date | None = None
    address: str = ""  # of a bounce: the address the mail could not be delivered to; of a reply: its sender
    thread_id: str = ""  # of sent mail: the provider's thread id, where it has one

    @property
    def promises_answer(self) -> bool:
        """A reply that decides nothing yet but says they will answer ("we will get back to
        you by Friday": ``mail.promise``): it keeps the loop waiting, it does not close it."""
        return self.kind == "reply" and self.outcome in ("", "other") and bool(self.phrase)

    @property
    def undecided(self) -> bool:
        """A reply that decides nothing: a courtesy ("thanks, we'll be in touch"), an
        acknowledgement, a promise, or words with no decisive cue (outcome "other"). It
        closes nothing; it is shown as what may be their answer."""
        return self.kind == "reply" and self.outcome in ("", "other")

    @property
    def sender_words(self) -> str:
        """Who wrote a reply, as its reason names them ("Jane Doe"), else its address."""
        found = re.match(r"a reply from ([^,]+)", self.reason)
        return found.group(1).strip() if found else (self.address or "them")


def recipients(interview: Interview, debrief: Debrief | None) -> list[Person]:
    """Who a draft goes to: the interviewers, plus the contact named in the hint or debrief,
    each person once. A contact with the name of an interviewer is that person at the address
    the user gave (a correction of the calendar's), not a second person."""
    out: list[Person] = list(interview.interviewers)
    for extra in (interview.contact, debrief.contact if debrief else None):
        if not extra or extra.email.lower() in {p.email.lower() for p in out}:
            continue
        same = _name_key(extra.name)
        out = [p for p in out if not (same and _name_key(p.name) == same)]
        out.append(extra)
    return out


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())
