"""Detection: which calendar events are interviews, and with whom.

Rules:
- Whether an event is an interview is weighed by ``calendar.evidence`` (``decide``): hiring
  words in six languages, the people, the shape and the counter-evidence give a *clear*
  interview, an *uncertain* one (``Interview.certainty``: the user is asked, nothing is
  drafted) or none, with the reasons in words (``Interview.found_by``). A configured tag
  as a whole token ("#interview" in the text, or a category "#interview" or "interview")
  makes a clear one; so does ``track`` (``interview(tracked=True)``); the user's keywords
  beyond the shipped defaults name an interview, at the start of a word.
- Never interviews: events the user (``profile.emails``) declined, and this program's
  own reminders (their UID ends in ``keys.UID_SUFFIX``, or their description carries the
  reminder footer, ``keys.is_our_reminder_text``: a server may rewrite UIDs and drop
  private properties, never the text). Cancelled events are returned with
  ``cancelled=True`` so the core can cancel the loop; ``interview(event, declined_too=True)``
  returns a declined one the same way ("you declined it"), so ``status`` can list it.
- Interviewers: the attendees, then the organizer (on a real invitation usually the
  recruiter or an interviewer), then the ``contact:`` hint's person, each once, except
  the user, whoever declined, rooms and resources, calendar systems, no-reply robots and
  tracking or scheduling services (``Detector.is_someone``; ``common.addresses``). A
  contact with an interviewer's name replaces that interviewer (a corrected address).
  Addresses are cleaned of URI parts (``MAILTO:``, ``?role=...``, ``%40``, ``<...>``) and
  lower-cased, names kept as written. An organizer who writes that they will not join is
  left out. With nobody left, the first person's address written in the description is
  the one (``written_contact``; a warning says so).
- Hints, one per line in the description, win over everything: ``company:``, ``role:``
  (or ``position:``), ``contact: Name <email>``, ``size: large|small``.
- Company and role from the title: keywords, tags and round words ("2nd round", "phone
  screen", "hiring manager", ...) are removed; "with/bei/avec/con/bij X" and "Role at/@ X"
  name the company; a part in parentheses or after a dash is the role when it reads like
  a job title. A "company" that is an interviewer's name is ignored.
- The company, in order: the ``company:`` hint; the employer's mail domain (the first
  of the interviewers', the contact's, then the organizer's, that is not free mail, the
  user's own, an agency's or a tracking system's) as a readable name; the title, without
  the server's prefixes ("Canceled:", "Aktualisiert:"), places ("(Berlin office)",
  "– Munich", "Zoom") and names made of ordinary words ("Second", "Projet"); last, the
  name a signature writes before a legal form ("Holzapfel IT-Service GmbH"). Rules in
  ``daemon.calendar.naming``. ``domains`` are the employer's domains only. The size from
  the rules in ``daemon.employers.companies``.
- Times: timed events keep their start and end. An all-day interview starts at local
  midnight of its first day and ends at ``detection.all_day_end`` (local time) on its
  last day; ``all_day=True`` lets the core show the date only.

Never stop, bounded work (values in ``daemon.calendar.limits``):
- ``detect_read`` takes a whole ``CalendarRead``: an event whose checking fails
  unexpectedly is skipped, logged as a bug and named in ``problems`` (its UID counts as
  unreadable, so its loop is not cancelled); the others are checked. (``detect`` raises
  instead: the engine contains each event itself and lists it in ``status``.)
- ``limit_series``: a series (one UID) with more than ``MAX_INTERVIEWS_PER_SERIES``
  interview occurrences in the window is no interview series (a daily "interview" for
  months): it is named in a problem and none of its occurrences becomes a loop; its UID
  counts as unreadable. ``detect_read`` applies it; the engine applies it after
  ``detect``.
- At most ``MAX_ATTENDEES`` interviewers are kept (a warning says so). The title is kept
  to ``MAX_TITLE_CHARS`` (then "…"); company and role are looked for in that much of it,
  with its runs of white space made single. Every pattern is linear in the text's length
  (no nested or adjacent repeats that can backtrack on long runs of spaces).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from interview_followup.daemon.common.addresses import (
    clean_address,
    is_group_mailbox,
    is_robot,
    is_room,
    same_name,
)
from interview_followup.daemon.calendar.naming import choose_company, company_candidate, is_place, ordinary_name, plain_title
from interview_followup.daemon.employers.agencies import on_behalf, writes_for_others
from interview_followup.daemon.employers.companies import (
    domain_in,
    is_free_mail,
    name_key,
    organisation_label,
    size_of,
)
from interview_followup.daemon.employers.tenants import tenant_of
from interview_followup.daemon.calendar import limits
from interview_followup.daemon.calendar.evidence import CLEAR, NONE, UNCERTAIN, Decision, Evidence, without_hiring_words
from interview_followup.daemon.calendar.limits import shorten
from interview_followup.daemon.common import logs
from interview_followup.daemon.common.languages import from_text
from interview_followup.daemon.config import DEFAULT_KEYWORDS, Companies, Detection, Profile
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.keys import is_our_reminder_text, key_from_uid
from interview_followup.daemon.model import TRACKED, CalendarEvent, CalendarRead, Interview, Person, loop_id_for

NO_INTERVIEWERS = "no attendees: the draft will have an empty To"
# an address written in a text: a bounded local part and domain, no backtracking across them
_WRITTEN_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}")
NO_COMPANY = "no company found: add a line 'company: NAME' to the event description"

# Words that make a part of a title read like a job title.
_JOB_WORDS = frozenset(
    """engineer developer manager analyst designer scientist consultant architect intern
    internship lead head director specialist officer administrator associate assistant
    coordinator owner researcher programmer tester writer editor recruiter accountant
    advisor adviser representative executive technician sre devops
    ingénieur ingenieur développeur entwickler berater leiter referent sachbearbeiter
    werkstudent praktikum praktikant stagiaire stage chargé chef responsable analyste
    desarrollador ingeniero analista sviluppatore ingegnere medewerker ontwikkelaar
    adviseur junior senior staff principal vp""".split()
)
# A job word at the end of a compound names a job too ("Softwareentwickler", "Dateningenieur").
_COMPOUND_JOB_WORDS = tuple(w for w in _JOB_WORDS if len(w) >= 6)
# Words just before the interview keyword that say what kind of interview it is ("Final
# Interview", "Technical interview", "Onsite interview day"): removed with the keyword.
# Runs of white space are single by then, so the repeat cannot backtrack on spaces.
_QUALIFIERS = (r"(?<!\w)(?:(?:final|technical|tech|initial|informal|formal|first|second|third|fourth|last|next|"
               r"onsite|on-site|in-person|phone|video|virtual|panel|behaviou?ral|job) )*")
# Parts of a title that say which round it is, never who or what.
_ROUND_WORDS = [
    r"(?:1st|2nd|3rd|\d+th|\d+\.|first|second|third|fourth|final|last|next)"
    r"(?:\s+|-)(?:round|stage|interview|runde|tour|ronda)",
    r"(?:round|runde|tour|ronda)\s*\d+",
    r"phone(?:\s*|-)screen(?:ing)?",
    r"tech(?:nical)?\s+screen(?:ing)?",
    r"screening(?:\s+call)?",
    r"(?:phone|video|intro(?:ductory)?)\s+call",
    r"coffee\s+chat",
    r"hiring\s+manager",
    r"on[\s-]?site",
    r"culture\s+fit",
    r"follow[\s-]?up",
    r"google\s+meet",
    r"d['’]embauche|de\s+trabajo|di\s+lavoro",
    r"panel|job|call|phone|video|zoom|teams|chat|virtual|remote",
    r"erstgespräch|zweitgespräch|telefonisch|telefonico|telefónica|téléphonique",
]
_ROUND_RE = re.compile(r"(?<!\w)(?:" + "|".join(_ROUND_WORDS) + r")(?!\w)", re.IGNORECASE)
_WITH_RE = re.compile(
    r"^(?:for\s+)?(?:(?:with|mit|bei|avec|chez|con|bij|met|presso|at)\s+|(?:@|w/)\s*)"
    r"(?P<company>.+)$",
    re.IGNORECASE,
)
_ROLE_AT_RE = re.compile(
    r"^(?:for\s+|für\s+|pour\s+|para\s+|per\s+|voor\s+)?(?P<role>.+?)"
    r"(?:\s+(?:at|bei|chez|presso|bij|en)\s+|\s*@\s*)(?P<company>.+)$",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"(?:\s+(?:on|via|per|über|sur|en|in|at|by|par|por))+$", re.IGNORECASE)
_LEADING_FOR = re.compile(
    r"^(?:for|für|pour|para|per|voor|as|als|comme|como|come)\s+", re.IGNORECASE
)
_BETWEEN = re.compile(r"\s+(?:between|zwischen|entre|tra|tussen)\s+[^,;:|]{1,80}?\s+(?:and|und|et|y|e|en)\s+[^,;:|]{1,80}$",
                      re.IGNORECASE)
_CLOCK_TIME = re.compile(
    r"(?<![\w:.])(?:[01]?\d|2[0-3])(?:[:.h][0-5]\d)?\s*(?:uhr|h|am|pm|a\.m\.|p\.m\.)(?!\w)"
    r"|(?<![\w:.])(?:[01]?\d|2[0-3]):[0-5]\d(?![\w:.])",
    re.IGNORECASE,
)
_COMPOUND_HEAD = re.compile(r"(?<!\S)[^\W\d_][\w]*-(?=\s|$)")  # a word cut from its compound ("Tech-")
_GENDER_COLON = re.compile(r"(\w):(?=(?:in|innen)\b)")
_SEPARATORS = re.compile(r"\s+[-–—|/·x×]\s+|\s*[–—|·:]\s*|\s*<>\s*|\s*<->\s*")
# a recruiter writing for someone else: "our client", "unser Kunde", "notre client", "onze opdrachtgever"
_FOR_CLIENT = re.compile(
    r"\b(?:our|my)\s+client\b|\bon\s+behalf\s+of\b|\bunse(?:r|res|rem|ren)\s+(?:kunden?|mandanten?|auftraggebers?)\b"
    r"|\b(?:notre|mon)\s+client\b|\bnuestro\s+cliente\b|\bil\s+nostro\s+cliente\b|\bnostro\s+cliente\b"
    r"|\bonze\s+(?:opdrachtgever|klant)\b|\bim\s+auftrag\s+(?:unseres|von)\b|\bpour\s+le\s+compte\s+de\b",
    re.IGNORECASE,
)
# the client an agency names: "with our client, Marrick Aerospace, in Bristol", "für unseren Kunden Acme GmbH"
_CLIENT_NAME = re.compile(
    r"(?i:(?:our|my)\s+client|unse(?:r|res|rem|ren)\s+(?:kunden?|mandanten?|auftraggebers?)|(?:notre|mon)\s+client"
    r"|(?:nuestro|mi)\s+cliente|(?:il\s+)?nostro\s+cliente|onze\s+(?:opdrachtgever|klant)),?[ \t]+"
    r"(?P<name>[A-ZÀ-Þ][\w'’.-]*(?:[ \t]+(?:&[ \t]+)?[A-ZÀ-Þ][\w'’.-]*){0,4})")


def _client_named(description: str) -> str:
    """The name of the client an agency's text names after "our client" (capitalised words), or ""."""
    for m in _CLIENT_NAME.finditer(description[: limits.MAX_HINT_CHARS]):
        name = ordinary_name(m.group("name").rstrip(".,;:"))
        if name[:1].isupper():
            return name
    return ""


# [ \t] rather than \s: a \s* at a line start may run over every following blank line and
# back again, at each of them (quadratic in a description of newlines); the value is
# stripped in code, not by a lazy .*? before \s*$ (quadratic in a value of spaces)
_HINT_RE = re.compile(
    r"^[ \t]*(company|role|position|contact|size)[ \t]*:(.*)$", re.IGNORECASE | re.MULTILINE
)
_NOT_PEOPLE_DOMAINS = ("resource.calendar.google.com", "group.calendar.google.com")
# Scheduling services: an address there books a slot, it holds no interview.
_SCHEDULING_DOMAINS = ("calendly.com", "doodle.com", "youcanbook.me", "zoom.us", "cal.com")
# Formatting tags Google Calendar and Outlook put into descriptions ("<b@x.com>" is no tag).
_HTML_BREAK = re.compile(r"<(?:br|/p|/div|/li|/tr)(?:\s[^<>]*)?/?>", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:p|div|span|b|i|u|strong|em|a|li|ul|ol|font|table|tr|td|html|body)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


@frozen
class Hints:
    """What the user wrote into the event description."""

    company: str = ""
    role: str = ""
    contact: Person | None = None
    size: str = ""
    warnings: tuple[str, ...] = ()


class _LAST:
    """The answers of the last ``Detector`` made, and the settings it had."""

    settings: str = ""
    answers: dict[tuple, Interview | None] = {}


class Detector:
    def __init__(self, profile: Profile, detection: Detection, companies: Companies, tz: ZoneInfo):
        self.user_emails = set(profile.emails)
        self.user_name = profile.name
        self.detection = detection
        self.companies = companies
        self.tz = tz
        self.keyword_re = keyword_pattern(detection.keywords)
        self.tags = tuple(t.strip() for t in detection.tags if t.strip())
        self.tag_re = tag_pattern(self.tags)
        self.extra_free_mail = tuple(d.lower() for d in companies.free_mail_domains)
        # the shipped vocabulary knows the default keywords (and which are ambiguous):
        # the user's own keywords beyond them name an interview (``calendar.evidence``)
        own = [k for k in detection.keywords if k.strip().casefold() not in DEFAULT_KEYWORDS]
        self.evidence = Evidence(self.user_emails, profile.name, tz, keyword_pattern(own),
                                 companies.agencies, self.extra_free_mail)
        # the answers of the detector made before this one, when its settings were the same:
        # the daemon's passes read the same events again and again. Only the last one's are
        # kept, so memory holds two passes' events at most.
        settings = repr((profile, detection, companies, tz.key))
        self._before = _LAST.answers if _LAST.settings == settings else {}
        self._answers: dict[tuple, Interview | None] = {}
        _LAST.settings, _LAST.answers = settings, self._answers

    def detect(self, events: Iterable[CalendarEvent]) -> list[Interview]:
        """The interviews among ``events``, in start order, one per loop id.

        An unexpected exception is raised: the engine contains it per event (see
        ``engine.reconcile``); ``detect_read`` contains it here. Series are not limited:
        see ``limit_series``."""
        found: dict[str, Interview] = {}
        for event in events:
            interview = self.interview(event)
            if interview is not None and interview.loop_id not in found:
                found[interview.loop_id] = interview
        return sorted(found.values(), key=lambda iv: (iv.start, iv.loop_id))

    def detect_read(self, read: CalendarRead) -> list[Interview]:
        """The interviews among ``read.events``, in start order, one per loop id, each
        event checked on its own and series limited (``limit_series``).

        An event whose checking fails unexpectedly is logged as a bug, named in
        ``read.problems`` and its UID added to ``read.bad_uids``; so is a series with too
        many interview occurrences."""
        found: dict[str, Interview] = {}
        for event in read.events:
            try:
                interview = self.interview(event)
            except Exception as exc:  # noqa: BLE001 - one event: the others are checked
                if logs.never_contained(exc):
                    raise
                what = _event_name(event)
                logs.log_bug(f"checking the calendar event {what}", exc)
                read.problems.append(f"{what} could not be checked: {logs.unexpected(exc)}")
                read.bad_uids.add(event.uid)
                continue
            if interview is not None and interview.loop_id not in found:
                found[interview.loop_id] = interview
        kept, problems, too_many = self.limit_series(found)
        read.problems.extend(problems)
        read.bad_uids |= too_many
        return sorted(kept.values(), key=lambda iv: (iv.start, iv.loop_id))

    @staticmethod
    def limit_series(
        found: dict[str, Interview],
    ) -> tuple[dict[str, Interview], list[str], set[str]]:
        """``found`` (interviews by loop id) without the series that have more than
        ``MAX_INTERVIEWS_PER_SERIES`` interview occurrences: (the rest, one problem per
        series left out, their UIDs). Their UIDs are to count as unreadable, so that the
        loops made before a series grew are not cancelled."""
        per_series: dict[str, list[Interview]] = {}
        for iv in found.values():
            per_series.setdefault(iv.uid, []).append(iv)
        too_many = {
            uid for uid, ivs in per_series.items() if len(ivs) > limits.MAX_INTERVIEWS_PER_SERIES
        }
        if not too_many:
            return found, [], set()
        problems = []
        for uid in sorted(too_many):
            ivs = per_series[uid]
            first = min(ivs, key=lambda iv: iv.start)
            problems.append(
                f"event {shorten(first.title, limits.SHOWN_CHARS)!r} (UID "
                f"{shorten(uid, limits.SHOWN_CHARS)!r}) repeats as an interview {len(ivs)} times "
                f"in the window (more than {limits.MAX_INTERVIEWS_PER_SERIES}): a series like "
                "that is no interview series, so none of it is followed up"
            )
        kept = {loop_id: iv for loop_id, iv in found.items() if iv.uid not in too_many}
        return kept, problems, too_many

    def is_interview(self, event: CalendarEvent) -> bool:
        """Clear or uncertain: an interview loop (an uncertain one only asks the user)."""
        return bool(self.decide(event).certainty)

    def is_ours(self, event: CalendarEvent) -> bool:
        """One of this program's own reminders (by its UID, or by its text when a server
        changed the UID)."""
        return key_from_uid(event.uid) is not None or is_our_reminder_text(event.summary, event.description)

    def found_by(self, event: CalendarEvent) -> str:
        """Why ``event`` is an interview, in words ("the title contains 'Interview'; ..."),
        or "" when it is none."""
        decision = self.decide(event)
        return decision.words if decision.certainty else ""

    def decide(self, event: CalendarEvent, hints: Hints | None = None) -> Decision:
        """Whether ``event`` is an interview (clear, uncertain or none) and why, weighed by
        ``calendar.evidence``; the user's tag makes a clear one."""
        if self.is_ours(event):
            return NONE
        hints = hints if hints is not None else parse_hints(event.description)
        return self.evidence.weigh(event, hints, self.tagged(event))

    def tagged(self, event: CalendarEvent) -> str:
        """Why ``event`` carries one of the user's tags, in words, or ""."""
        where = ["the title", "the description", *(["a category"] * len(event.categories))]
        texts = [event.summary, event.description, *event.categories]
        for place, text in zip(where, texts):
            m = self.tag_re.search(_nfc(text)) if self.tag_re else None
            if m:
                return f"{place} has the tag {m.group(0)!r}"
        wanted = {t.casefold().lstrip("#") for t in self.tags}
        tagged = next((c for c in event.categories if _nfc(c).strip().casefold().lstrip("#") in wanted), None)
        return f"the category {tagged.strip()!r}" if tagged is not None else ""

    def declined(self, event: CalendarEvent) -> bool:
        me = self.evidence.addresses_of_user(event)
        return any(a.email.lower() in me and a.partstat == "declined" for a in event.attendees)

    def interview(self, event: CalendarEvent, declined_too: bool = False, tracked: bool = False) -> Interview | None:
        """The interview this event is, or None. ``declined_too``: an interview the user
        declined is returned too, cancelled ("you declined it"), for ``status`` to list.
        ``tracked``: the user said it is an interview (``track``): so it is, whatever its
        text, unless it is one of this program's reminders. The answer for an event read
        before with the same settings is kept (each pass of the daemon reads the same events)."""
        key = (event, declined_too, tracked)
        try:
            if key in self._answers:
                return self._answers[key]
            found = self._before[key] if key in self._before else self._interview(event, declined_too, tracked)
        except TypeError:  # an event with something unhashable in it: worked out each time
            return self._interview(event, declined_too, tracked)
        self._answers[key] = found
        return found

    def _interview(self, event: CalendarEvent, declined_too: bool, tracked: bool) -> Interview | None:
        hints = parse_hints(event.description)  # read once: for the decision and the interview
        decision = self.decide(event, hints)
        certainty, found_by = decision.certainty, decision.words if decision.certainty else ""
        if tracked and not self.is_ours(event) and certainty != CLEAR:
            # the user's word settles it; what the event said by itself stays readable
            certainty, found_by = CLEAR, TRACKED + (f" (by itself uncertain: {found_by})" if found_by else "")
        declined = self.declined(event)
        if not certainty or (not declined_too and declined):
            return None
        warnings: list[str] = list(hints.warnings)
        interviewers = self.interviewers(event, hints.contact)
        if len(interviewers) > limits.MAX_ATTENDEES:
            warnings.append(
                f"{len(interviewers)} interviewers: only the first {limits.MAX_ATTENDEES} are used"
            )
            interviewers = interviewers[: limits.MAX_ATTENDEES]
        if not interviewers and (written := self.written_contact(event.description)):
            # nobody on the event to thank (a tracking system's robot, a Zoom file, a note): the
            # person whose address the invitation's text gives ("Fragen an s.tiedemann@...")
            interviewers = (written,)
            warnings.append(f"no attendees: the draft goes to {written.email}, the address in its text")
        if not interviewers:
            warnings.append(NO_INTERVIEWERS)
        organizer = event.organizer
        organizer = Person(clean_address(organizer.email).lower(), organizer.name) if organizer else None
        # the organizer's domain names the employer even when it is a robot (noreply@acme.com)
        people = [p for p in (*interviewers, hints.contact, organizer) if p is not None]
        description = _plain_text(event.description[: limits.MAX_HINT_CHARS])  # read once, used thrice
        # a description that speaks of "our client": its writer's domain is an agency's
        for_client = (organizer.domain,) if organizer and _FOR_CLIENT.search(description) else ()
        domains = self.employer_domains(people, for_client)
        names = [p.name for p in interviewers if p.name] + ([self.user_name] if self.user_name else [])
        title_company, title_role = company_from_title(
            event.summary, self.detection.keywords, self.tags, names
        )
        texts = (plain_title(clean_text(event.summary[: limits.MAX_TITLE_CHARS])),
                 description, event.location[: limits.MAX_TITLE_CHARS],
                 # "Marlowe Kestrel Bank Recruiting" as the sender's name
                 "\n".join(p.name for p in (event.organizer, *event.attendees[: limits.MAX_ATTENDEES]) if p and p.name))
        tenant = "" if domains or hints.company else tenant_of(
            [clean_address(a.email) for a in (event.organizer, *event.attendees) if a is not None], texts[1:])
        client = "" if domains or hints.company or not for_client else _client_named(description)
        company, _ = (client, "") if client else choose_company(hints.company, title_company, domains, tenant, texts)
        if not company:
            warnings.append(NO_COMPANY)
        agency = "" if domains or hints.company or not company else _agency_named(company, people, self.companies)
        if agency and certainty == CLEAR and not tracked:
            # "Intro call – Hartwell Talent" from the agency itself: a talk with a recruiter
            # for no employer named yet; asked about, not drafted
            certainty = UNCERTAIN
            found_by += f"; but: only the agency is named ({agency}), not an employer"
        size, reason = size_of(company, domains, self.companies, hints.size)
        start, end = self.times(event)
        language = from_text(event.summary[: limits.MAX_TITLE_CHARS], description)
        return Interview(
            loop_id=loop_id_for(event.uid, event.recurrence_id),
            uid=event.uid,
            recurrence_id=event.recurrence_id,
            title=event_title(event),
            company=company,
            role=hints.role or title_role,
            start=start,
            end=end,
            interviewers=interviewers,
            contact=hints.contact,
            size=size,
            size_reason=reason,
            domains=domains,
            all_day=event.all_day,
            cancelled=event.status == "cancelled" or declined,
            cancelled_reason="you declined it" if declined else (
                "the event was cancelled" if event.status == "cancelled" else ""),
            timezone=event.timezone or self.tz.key,
            warnings=tuple(warnings),
            found_by=found_by,
            certainty=certainty,
            # its language, read once here: the description itself is not kept
            text_language=language[0],
            text_language_why=language[1],
        )

    def interviewers(self, event: CalendarEvent, contact: Person | None = None) -> tuple[Person, ...]:
        """The people to thank: the attendees, then the organizer, each once, unless the
        user, declined, only copied in (ROLE=NON-PARTICIPANT), a room or resource, a
        calendar system or robot, or a tracking system's address (``is_someone``), and
        without shared mailboxes or groups (CUTYPE=GROUP) when a person is there
        (``is_group_mailbox``); then ``contact`` (the hint's person), who takes the place
        of an interviewer of the same name (a corrected address)."""
        people: dict[str, Person] = {}
        declined: set[str] = set()
        groups = {clean_address(a.email).lower() for a in event.attendees if a.group}
        org = event.organizer
        for who, name, partstat, role, organizing in (
            *((a.email, a.name, a.partstat, a.role, False) for a in event.attendees),
            *([(org.email, org.name, "", "chair", True)] if org is not None else []),
        ):
            email = clean_address(who).lower()
            if partstat == "declined" or role == "non-participant":
                declined.add(email)
            elif email not in declined and self.is_someone(email, name) and not (
                    self.user_name and name and same_name(name, self.user_name)):  # you, at another address
                # an attendee as first written; the organizer names one written without a name
                if email not in people or (organizing and name and not people[email].name):
                    people[email] = Person(email=email, name=name)
        if any(not (is_group_mailbox(e) or e in groups) for e in people):  # thank the people, not the team's mailbox
            people = {e: p for e, p in people.items() if not (is_group_mailbox(e) or e in groups)}
        if org is not None and len(people) > 1 and _ABSENT.search(_plain_text(event.description[: limits.MAX_HINT_CHARS])):
            # the organizer writes that they will not join ("I won't join the call myself"),
            # though their calendar may list them as a guest: the others are the interviewers
            people.pop(clean_address(org.email).lower(), None)
        if contact is not None and contact.email.lower() not in (*self.user_emails, *people):
            same = " ".join(contact.name.casefold().split())
            people = {e: p for e, p in people.items()
                      if not (same and " ".join(p.name.casefold().split()) == same)}
            people.setdefault(contact.email.lower(), contact)
        return tuple(people.values())

    def written_contact(self, description: str) -> Person | None:
        """The first person's address written in ``description`` (not the user's, a robot's, a
        tracking system's or a shared mailbox), or None."""
        for m in _WRITTEN_ADDRESS.finditer(description[: limits.MAX_HINT_CHARS]):
            email = clean_address(m.group(0)).lower().rstrip(".")
            if self.is_someone(email) and not is_group_mailbox(email) and not (
                    self.user_name and same_name(email.partition("@")[0].replace(".", " "), self.user_name)):
                return Person(email=email)
        return None

    def is_someone(self, email: str, name: str = "") -> bool:
        """A person to thank: not the user, a room or resource, a calendar system or
        no-reply robot (``common.addresses``), nor at a tracking or scheduling service."""
        domain = email.rpartition("@")[2]
        return (
            "@" in email
            and email not in self.user_emails
            and _is_person(email)
            and not is_robot(email)
            and not is_room(email, name)
            and not any(domain_in(domain, d) for d in _SCHEDULING_DOMAINS)
            and (on_behalf(domain) is None or on_behalf(domain).kind != "ats")
        )

    def employer_domains(self, people: Iterable[Person], agencies: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The mail domains of ``people`` that may name the employer, in order: not free
        mail, not the user's own, not an agency's or tracking system's (``agencies``: more
        agency domains, known from this event)."""
        own = {e.rpartition("@")[2] for e in self.user_emails}
        return tuple(dict.fromkeys(
            p.domain for p in people
            if p.domain and not self.is_free_mail(p.domain) and p.domain not in own
            and not writes_for_others(p.domain, (*self.companies.agencies, *agencies))
        ))

    def is_free_mail(self, domain: str) -> bool:
        return is_free_mail(domain, self.extra_free_mail)

    def times(self, event: CalendarEvent) -> tuple[datetime, datetime]:
        if not event.all_day:
            return event.start, event.end
        first = event.start.date()
        last = max(first, event.end.date() - timedelta(days=1))  # DTEND is exclusive
        start = datetime.combine(first, datetime.min.time(), tzinfo=self.tz)
        return start, datetime.combine(last, self.detection.all_day_end, tzinfo=self.tz)


# the writer of an invitation (its organizer) saying they will not be there
_ABSENT = re.compile(
    r"\b(?:i (?:won't|will not|shan't|am not going to|'m not going to) (?:be )?(?:join(?:ing)?|attend(?:ing)?|on (?:this|the) "
    r"(?:one|call|meeting)|there|part of (?:it|the call))|i'?m not joining|"
    r"ich (?:bin|werde) (?:selbst |beim (?:gesprach|gespräch|termin) )?nicht dabei|ich nehme (?:selbst )?nicht teil|"
    r"je ne serai pas (?:presente?|présente?|là|la|de la partie)|je ne participerai pas|"
    r"(?:yo )?no (?:estaré|estare|participaré|participare|me uniré|me unire)|"
    r"non (?:sarò|saro) presente|non (?:parteciperò|partecipero)|non ci (?:sarò|saro)|"
    r"ik (?:ben|zal) er (?:zelf )?niet bij|ik sluit (?:zelf )?niet aan)\b",
    re.IGNORECASE,
)


def _agency_named(company: str, people: Iterable[Person], companies: Companies) -> str:
    """The domain of an agency among ``people`` that ``company`` names (the event names the
    agency, not the employer it recruits for), or ""."""
    name = name_key(company)
    for p in people:
        if p.domain and writes_for_others(p.domain, companies.agencies):
            label = name_key(organisation_label(p.domain))
            if label and name.startswith(label):  # "Hartwell Talent (Ltd)" for hartwell-talent.com
                return p.domain
    return ""


def event_title(event: CalendarEvent) -> str:
    """The event's title as the program keeps it: on one line, shortened."""
    return shorten(clean_text(event.summary[: 4 * limits.MAX_TITLE_CHARS]), limits.MAX_TITLE_CHARS)


def _event_name(event: CalendarEvent) -> str:
    """How a problem names an event: its source, SUMMARY and UID (escaped, shortened)."""
    where = f"{event.source}: " if event.source else ""
    summary = shorten(event.summary, limits.SHOWN_CHARS)
    return f"{where}event {summary!r} (UID {shorten(event.uid, limits.SHOWN_CHARS)!r})"


# --- text ------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """``text`` on one line: CR, LF and NUL become spaces."""
    return re.sub(r"[\r\n\x00]", " ", text)


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """Matches any keyword at the start of a word, without case."""
    words = sorted({_nfc(k.strip()) for k in keywords if k.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + ")", re.IGNORECASE)


def tag_pattern(tags: Iterable[str]) -> re.Pattern[str] | None:
    """Matches any tag as a whole token, without case."""
    words = sorted({_nfc(t.strip()) for t in tags if t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(
        r"(?<![\w#])(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.IGNORECASE
    )


def parse_hints(description: str) -> Hints:
    """The ``key: value`` hints in a description; the first of each key counts."""
    found: dict[str, str] = {}
    for m in _HINT_RE.finditer(_plain_text(description[: limits.MAX_HINT_CHARS])):
        key = "role" if m.group(1).lower() == "position" else m.group(1).lower()
        found.setdefault(key, shorten(clean_text(m.group(2)).strip(), limits.MAX_TITLE_CHARS))
    warnings: list[str] = []
    contact = None
    if found.get("contact"):
        name, email = parseaddr(found["contact"])
        if "@" in email and not re.search(r"[\s<>]", email):
            contact = Person(email=email.lower(), name=name)
        else:
            warnings.append(f"contact hint {found['contact']!r} is not an email address")
    size = found.get("size", "").lower()
    if size and size not in ("small", "large"):
        warnings.append(f"size hint {found['size']!r} is not 'small' or 'large'")
        size = ""
    return Hints(found.get("company", ""), found.get("role", ""), contact, size, tuple(warnings))


def company_from_title(
    title: str,
    keywords: Iterable[str] = (),
    tags: Iterable[str] = (),
    people: Iterable[str] = (),
) -> tuple[str, str]:
    """(company, role) as far as the title tells; "" for what it does not.

    ``people`` are the interviewers' names: a "company" that is one of them is dropped.
    """
    # a bounded prefix, runs of white space made single: no pattern below sees more
    text = _nfc(re.sub(r"\s+", " ", clean_text(title[: 8 * limits.MAX_TITLE_CHARS])))
    text = plain_title(text[: limits.MAX_TITLE_CHARS])  # no "Canceled:", "Aktualisiert:"
    text = _CLOCK_TIME.sub(" ", text)  # "Interview Orlin Labs 14:00": a time is no part of a name
    text = _BETWEEN.sub("", text)  # a scheduling page's "Intro call with Acme between Maya Oduya and Sam Rivera"
    for pattern, before, after in ((tag_pattern(tags), "", ""), (keyword_pattern(keywords), _QUALIFIERS, r"(?: day)?")):
        if pattern is not None:  # "Final technical interview day": the words that say which kind go with it
            text = re.sub(before + pattern.pattern + r"[\w'’-]*" + after, " ", text, flags=re.IGNORECASE)
    text = re.sub(r"(?<!\w)#\w[\w-]*", " ", text)  # any other hashtag
    text = without_hiring_words(text)  # "Recruiter screen", "Fachgespräch": never the role or the company
    text = _COMPOUND_HEAD.sub(" ", text)  # "Tech-" left of "Tech-Interview"
    text = _GENDER_COLON.sub("\\1\ue000", text)  # "Entwickler:in" is one word, not two parts
    parts = [a or b for a, b in re.findall(r"\(([^()]*)\)|\[([^\[\]]*)\]", text)]
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " / ", text)
    segments = [_tidy(s).replace("\ue000", ":") for s in _SEPARATORS.split(text)]
    segments = [s for s in segments if s] + [s for s in (_tidy(p).replace("\ue000", ":") for p in parts) if s]
    names = _person_keys(people)
    company = role = ""
    plain: list[str] = []
    for seg in segments:
        if is_place(seg) and not _looks_like_role(seg):  # "(Berlin office)", "– Munich", "Zoom"
            continue
        m_with, m_at = _WITH_RE.match(seg), _ROLE_AT_RE.match(seg)
        if m_with and not company:
            company, _, rest = m_with.group("company").partition(" for ")
            company, role = company_candidate(_tidy(company)), role or _tidy(rest)
        elif m_at and not company:
            company, role = company_candidate(_tidy(m_at.group("company"))), role or _tidy(m_at.group("role"))
        else:  # "Technical for Data Scientist": "for" leads once the round words are gone
            plain.append(_tidy(_LEADING_FOR.sub("", _tidy(seg))))
    if _is_person_name(company, names):
        company = ""
    for seg in plain:
        if not seg or _is_person_name(seg, names):
            continue
        if not role and _looks_like_role(seg):
            role = seg
        elif not company:
            company = company_candidate(seg)  # "" for "Second", "Projet", "Berlin"
        # a part that does not read like a job title is never taken for the role: a draft
        # about "the Dayco role" is worse than one about "the role"
    return company, role


def _plain_text(description: str) -> str:
    """The description without HTML formatting, one hint per line."""
    text = _nfc(description)
    if "<" in text or "&" in text:
        text = html.unescape(_HTML_TAG.sub("", _HTML_BREAK.sub("\n", text)))
    return text


def _person_keys(names: Iterable[str]) -> set[str]:
    """Ways a title may name these people: full name in either order, first name."""
    keys: set[str] = set()
    for name in names:
        words = [name_key(w) for w in name.replace(",", " ").split()]
        words = [w for w in words if w]
        if words:
            keys |= {"".join(words), "".join(sorted(words)), words[0]}
            if "," in name:  # "Doe, Jane"
                keys.add(words[-1])
    return keys


def _is_person_name(text: str, keys: set[str]) -> bool:
    words = [name_key(w) for w in text.split()]
    words = [w for w in words if w]
    return bool(words) and ("".join(words) in keys or "".join(sorted(words)) in keys)


def _tidy(text: str) -> str:
    text = _ROUND_RE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" \t-–—|/·:,;.!?&+\"'’")
    return _DANGLING.sub("", text)


def _looks_like_role(text: str) -> bool:
    words = re.findall(r"\w+", text.casefold())
    return any(w in _JOB_WORDS or w.rstrip("s") in _JOB_WORDS or w.endswith(_COMPOUND_JOB_WORDS) for w in words)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _is_person(email: str) -> bool:
    domain = email.rpartition("@")[2]
    return "@" in email and not any(domain_in(domain, d) for d in _NOT_PEOPLE_DOMAINS)
