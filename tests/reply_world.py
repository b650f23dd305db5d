"""The world the reply tests live in: three interviews in November 2026 and what the
program knows about them (see tests/replies/expected.toml for the story)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from interview_followup.daemon.keys import artifact_key, message_id
from interview_followup.daemon.model import Debrief, Interview, MailMessage, Person
from interview_followup.daemon.mail.replies import Known

BERLIN = ZoneInfo("Europe/Berlin")
USER = "alex@example.org"
USER_DOMAIN = "example.org"
AGENCY = "talentbridge.example"

JANE = Person("jane.doe@acme.example", "Jane Doe")
KIM = Person("kim.lee@acme.example", "Kim Lee")
PRIYA = Person("priya.raman@globex.example", "Priya Raman")
TOM = Person("tom.becker@globex.example", "Tom Becker")
BILL = Person("bill.lumbergh@initech.example", "Bill Lumbergh")
MILTON = Person("milton.waddams@initech.example", "Milton Waddams")
SAM = Person("sam.carter@talentbridge.example", "Sam Carter")  # the agency's recruiter

# Message-IDs of mail the user wrote themselves (not the program's drafts), per loop.
SENT_IDS = {
    "acme": {"<20261117093012.4411@mail.example.org>"},
    "globex": {"<20261111T0930.alex-slides@example.org>"},
}
# Gmail thread ids of mail the user sent, per loop.
SENT_THREADS = {"globex": {"18f3c2a9b7d4e001"}}


def at(day: str, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=BERLIN)


def interview(loop_id: str, company: str, start: datetime, people: tuple[Person, ...],
              domains: tuple[str, ...], size: str = "small", role: str = "Engineer",
              contact: Person | None = None) -> Interview:
    return Interview(
        loop_id=loop_id,
        uid=f"{loop_id}@calendar.example",
        recurrence_id="",
        title=f"Interview with {company}",
        company=company,
        role=role,
        start=start,
        end=start + timedelta(hours=1),
        interviewers=people,
        contact=contact,
        size=size,
        domains=domains,
    )


ACME = interview("acme", "Acme GmbH", at("2026-11-16", 10), (JANE, KIM), ("acme.example",),
                 role="Backend Engineer")
GLOBEX = interview("globex", "Globex Corporation", at("2026-11-10", 14), (PRIYA, TOM), ("globex.example",),
                   size="large", role="Site Reliability Engineer")
INITECH = interview("initech", "Initech", at("2026-11-18", 15), (BILL, MILTON), ("initech.example",),
                    role="Data Engineer")


def known(*interviews: Interview, **changes) -> Known:
    """What the engine would know: the three loops, Sam as Initech's contact (recorded in
    the debrief), the user's own sent mail, and the agency."""
    fields = dict(
        interviews=list(interviews or (ACME, GLOBEX, INITECH)),
        debriefs={"initech": Debrief("initech", INITECH.end, contact=SAM)},
        user_emails=(USER,),
        user_domain=USER_DOMAIN,
        sent_ids={k: set(v) for k, v in SENT_IDS.items()},
        sent_threads={k: set(v) for k, v in SENT_THREADS.items()},
        agency_domains=(AGENCY,),
    )
    fields.update(changes)
    return Known(**fields)


def draft_id(loop_id: str, step: str) -> str:
    return message_id(artifact_key(loop_id, step), USER_DOMAIN)


def message(sender: Person | str, subject: str = "Re: Thank you", body: str = "Thanks!", *,
            date: datetime | None = None, in_reply_to: tuple[str, ...] = (),
            references: tuple[str, ...] = (), thread_id: str = "", folder: str = "inbox",
            headers: tuple[tuple[str, str], ...] = (), to: tuple[Person, ...] = (),
            key: str = "", ref: str = "m1") -> MailMessage:
    """A message as a mailbox provider hands it over (by default a day after all three
    interviews)."""
    if isinstance(sender, str):
        sender = Person(sender)
    return MailMessage(
        ref=ref,
        folder=folder,
        message_id=f"<{ref}@mail.example>",
        in_reply_to=in_reply_to,
        references=references,
        sender=sender,
        to=to or (Person(USER, "Alex Example"),),
        subject=subject,
        date=date or at("2026-11-19", 12),
        headers=headers,
        key=key,
        body=body,
        thread_id=thread_id,
    )
