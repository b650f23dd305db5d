"""Detection by evidence: whether a calendar event is a job interview of the user's, and why.

Each event is weighed, never matched on one word, and the decision keeps its reasons in
words (``Decision.words``): ``status`` and ``history`` show them.

Evidence, each with its weight:
- *Hiring vocabulary* in English, German, French, Spanish, Italian and Dutch, shipped in
  ``daemon/data/hiring_words.toml`` (its header explains the format): words that name an
  interview (title +3, description +2), steps of hiring such as screens, rounds, on-sites,
  tests (+2, +1), words about a job or an application ("the position", +1, +1), and hints
  that are often hiring and often not (title +1). In the title
  and the categories the strongest word counts, in the description too; words of the
  user's ``detection.keywords`` beyond the shipped defaults name an interview.
- *The people*: an invitation from an applicant tracking system or a recruiting agency
  (configured, shipped, or a domain that says so: ``agencies.writes_for_others``, +2), a recruiting address or title ("talent@", "Rita (Recruiter)", +1), a ``contact:``
  or ``role:`` line (+2); these count as hiring evidence. Someone from outside the
  user's own domains (+1) supports it.
- *The shape*, support only: a video-meeting link (+1); a timed slot of 15 minutes to 4
  hours on a weekday between 07:00 and 20:00 in the event's own zone (+1).
- *Counter-evidence*, each kind once, in the title (or a category) -4: preparing for an
  interview, practice or a mock, a media interview, other talks (reviews, exit or user
  interviews, visas), the user interviewing someone (also: the user organized it and
  invited the others, or everyone else is at the user's own domain: -2), private events,
  public events (fairs, hackathons, open evenings, meetups), travel and stays (the train to
  an interview), things to do before or after one ("notes after the interview", "buy a suit").
  In the description other talks and interviewing someone count -1 for each phrase found,
  up to -4 (a real invitation's text may well say "prepare" or "press" once); practice
  ("mock", "dry run", "before the real interview") and a show or publication (an episode,
  listeners, quotes for approval) -4, as in the title, and such a description's own talk
  of interviews is no evidence; what only an interviewer is asked ("submit your feedback",
  an interview kit, the candidate's CV) settles it, -8 in either place. Under a title of
  hiring words alone ("Interview"), which says nothing of whose interview it is, the
  description's counter-evidence counts as the title's (``BARE_TITLE_DESCRIPTION_WEIGHT``),
  but words of the press and of candidates only -2 (an employer's invitation speaks of its
  blog and of "the candidate" too). Where phrases overlap, the longer one says what its
  words are: a hiring word inside counter-evidence ("exit interview",
  "Probe-Vorstellungsgespräch") is none, nor is a word of counter-evidence inside a hiring
  phrase ("our candidate experience team").
- *Whose interview*: the user named beside the interviewers, a "Candidate:" or
  "Interviewee:" line, a title naming an attendee at a private address beside a company's
  people, "Interviewing <name>", a description speaking of "<name>'s onsite", or a
  tracking system's invitation sent to the user's work address with no other company in it
  make the user the interviewer (-4, -8 when listed among them); a title naming someone
  on the event at a private address, the organizer or a guest when no company's people are
  there ("Interview Mia (Klinikum)" from Mia), -2; a title that ends in a question mark is
  never more than uncertain.

The decision (``hiring`` = vocabulary + people evidence - counter-evidence; ``support`` =
outside people + shape):
- the tag (``detection.tags``) makes a *clear* interview; so does a ``company:`` line
  together with any hiring evidence (alone it makes an *uncertain* one);
- with no hiring evidence at all, it is no interview, whatever its shape;
- *clear* when ``hiring >= 2`` and ``hiring + support >= 3``; *uncertain* when
  ``hiring >= 1``; otherwise none.
An uncertain interview gets no draft: the user is asked (``planning``). The user's
``track`` makes any event clear, ``ignore`` none (``engine.reconcile``).

Bounded work: the text is split into words once (a linear scan), and the vocabulary is
looked up by word and by phrase of up to ``max_words`` words in dictionaries; compound
words are checked against a short list of endings. No regular expression here can
backtrack: each is a single scan over at most ``limits.MAX_HINT_CHARS`` characters.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, lru_cache
from interview_followup.daemon.data import shipped_text
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from interview_followup.daemon.calendar import limits
from interview_followup.daemon.calendar.limits import shorten
from interview_followup.daemon.common.addresses import is_robot, same_name
from interview_followup.daemon.common.textmatch import fold_word
from interview_followup.daemon.employers.agencies import writes_for_others
from interview_followup.daemon.employers.companies import is_free_mail, organisation_label
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import CalendarEvent

CLEAR, UNCERTAIN = "clear", "uncertain"

POSITIVE = ("interview", "step", "hint", "job")
COUNTER = ("prep", "mock", "media", "other", "interviewer", "private", "event", "travel", "task", "assessor", "show",
           "theirs", "recorded")
# "plain": phrases that only say what their words are not ("mock data"), of no weight
# weight of a kind of word in the title (and categories), and in the description
TITLE_WEIGHT = {"interview": 3, "step": 2, "hint": 1, "job": 1, **{k: -4 for k in COUNTER}, "assessor": -8, "plain": 0}
DESCRIPTION_WEIGHT = {"interview": 2, "step": 1, "hint": 0, "job": 1, "prep": 0, "mock": -4, "media": 0, "other": -1,
                      "interviewer": -1, "private": 0, "event": 0, "travel": 0,
                      "task": 0, "assessor": -8, "show": -4, "theirs": -4, "recorded": -4, "plain": 0}
# (words of the press and of candidates are also in an employer's own invitation: "read our blog",
# "the candidate experience team", "il candidato dovrà presentarsi": half the title's weight)
BARE_TITLE_DESCRIPTION_WEIGHT = {**DESCRIPTION_WEIGHT, **{k: TITLE_WEIGHT[k] for k in COUNTER},
                                 "media": -2, "interviewer": -2}
# what a kind of word says, after the word itself
SAYS = {
    "interview": "",
    "step": " (a hiring step)",
    "hint": " (often hiring)",
    "job": " (about a job)",
    "prep": " (preparing for an interview)",
    "mock": " (practice)",
    "media": " (a media interview)",
    "other": " (another kind of talk)",
    "interviewer": " (you interviewing someone)",
    "private": " (a private event)",
    "event": " (a public event)",
    "travel": " (travel or a stay)",
    "task": " (something to do before or after it)",
    "assessor": " (what only an interviewer is asked)",
    "show": " (a show or a publication's interview)",
    "theirs": " (someone else's interview)",
    "recorded": " (answers recorded for later: nobody to thank)",
    "plain": "",
}
QUOTED_CHARS = 40  # of the words quoted in a reason
MAX_CATEGORIES = 50
# parts of an address or a name that say it is a recruiter's
RECRUITING = frozenset(
    """recruiting recruiter recruiters recruitment recruit talent talentacquisition hiring careers career jobs
    recrutement recruteur recruteuse karriere bewerbung recruiterin rrhh reclutamiento seleccion werving
    selezione""".split()
)
_VIDEO = re.compile(
    r"(zoom\.us|zoomgov\.com|meet\.google\.com|teams\.microsoft\.com|teams\.live\.com|webex\.com|whereby\.com"
    r"|gotomeeting\.com|meet\.goto\.com|meet\.jit\.si|bluejeans\.com|chime\.aws|join\.skype\.com"
    r"|microsoft teams|google meet|zoom meeting)",
    re.IGNORECASE,
)
_VIDEO_NAMES = {"zoom": "Zoom", "meet.google": "Google Meet", "google meet": "Google Meet", "teams": "Microsoft Teams",
                "webex": "Webex", "whereby": "Whereby", "goto": "GoToMeeting", "jit.si": "Jitsi",
                "bluejeans": "BlueJeans", "chime": "Amazon Chime", "skype": "Skype"}
# a link, bare or in angle brackets: scanned once, no backtracking
_LINK = re.compile(r"<?\b(?:https?|ftp|mailto|tel|sip):[^\s<>]*>?", re.IGNORECASE)
# a mail domain's label that says it is the press ("softwarepraxis-magazin.de", "dailynews.com")
_MEDIA_LABEL = re.compile(
    r"magazin|zeitung|zeitschrift|journal|gazette|gazzetta|presse\b|(?:^|-)(?:press|news|radio|tv)(?:-|$)|"
    r"podcast|krant|giornale|periodico|rivista|revista|broadcast",
    re.IGNORECASE,
)
# words beside which a name is one of the interviewers
_INTERVIEWER_WORDS = frozenset(
    """interviewer interviewers interviewerin interviewerinnen panel panelists panellists intervieweur intervieweurs
    entrevistador entrevistadora entrevistadores intervistatore intervistatori selezionatori jury commissione
    tribunal entrevistaran entrevistara intervisteranno intervistera gesprachspartner gesprachspartnerin
    gesprachspartnern gesprekspartner gesprekspartners""".split()
)
_CANDIDATE_WORDS = frozenset(
    "candidate kandidat kandidatin bewerber bewerberin candidat candidato candidata sollicitant you".split()
)
# a signature line that starts with a recruiter's job title ("Talent Partner Tech · Acme GmbH"),
# on folded text (no case or accents)
_RECRUITER_TITLE = re.compile(
    r"(?:senior |lead |junior |head of |global |technical |tech )*(?:recruiter|recruiterin|sourcer"
    r"|talent (?:partner|acquisition|scout|lead|manager|advisor|specialist)|recruiting (?:coordinator|lead|manager"
    r"|partner|specialist)|recruitment (?:consultant|partner|specialist|manager|coordinator)|personalreferent(?:in)?"
    r"|hr business partner|people partner|chargee? de recrutement|recruteu(?:r|se)|reclutador(?:a)?"
    r"|selezionat(?:ore|rice))\b"
)
# the local part of an editorial desk's address ("redaktion@", "newsroom@")
_MEDIA_LOCAL = frozenset(
    """redaktion redazione redaccion redaction redactie newsroom editor editors editorial press presse prensa
    stampa pers comms communications communication kommunikation comunicacion comunicazione communicatie
    marketing pr media""".split())
SIGNATURE_CHARS = 80  # a signature line is short
# a title that says whose interview it is, as the original case writes it
_INTERVIEW_WORDS = (r"(?:job |phone |video |final |second |first )?(?:interview|phone screen|onsite)|"
                    r"(?:vorstellungs|bewerbungs)gespr(?:ä|ae)ch|entretien|entrevista|colloquio|"
                    r"sollicitatiegesprek|gesprek")
_OWNED = (
    re.compile(rf"(?<![\w'’])(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+)['’]s\s+(?i:{_INTERVIEW_WORDS})\b"),
    re.compile(rf"(?<![\w'’])(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+)s\s+(?:Vorstellungsgespr(?:ä|ae)ch|Bewerbungsgespr(?:ä|ae)ch)\b"),
    re.compile(rf"\b(?:[Ee]ntretien|[Ee]ntrevista|[Cc]olloquio|[Ss]ollicitatiegesprek) (?:de|di|van|d['’])\s?(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+)\b"),
)
_NOT_NAMES = frozenset(  # words that follow "entretien de" and the like, and are nobody's name
    """the our my your their his her ihr sein unser mein trabajo travail lavoro werk embauche recrutement
    reclutamiento seleccion selezione sollicitatie empleo emploi assunzione stage practicas tirocinio groupe grupo
    gruppo equipe team motivation motivacion motivazione candidature candidatura admission""".split())
_AT_EMPLOYER = re.compile(r"\s*(?:at|with|for|bei|mit|fur|für|chez|avec|pour|con|para|presso|per|bij|met|voor)\s+\S")
# a line that names the candidate ("Candidate: Jordan Smith", "Bewerberin: Eva Roth")
_CANDIDATE_LINE = re.compile(
    r"\s*(?:candidate|candidat|kandidat|kandidatin|bewerber|bewerberin|candidato|candidata|kandidaat"
    r"|sollicitant|sollicitante|interviewee|entrevistado|entrevistada|intervistato|intervistata)\s*:\s*[^\W\d_]",
    re.IGNORECASE)
# words before a name that make its bearer someone to meet ("Interview with Mia", "Call Mia")
_MEETING_WORDS = frozenset(
    """with w mit avec con met bij and und et y e en meet meeting call chat treffen appel llamada chiamata
    bellen gesprach entretien interviewer interviewers by von par de da door""".split())
# "Interviewing Priya (backend)": you interview someone ("Interviewing with Acme" is yours)
_INTERVIEWING = re.compile(
    r"(?<!\w)[Ii]nterviewing\s+(?!(?i:with|at|for|the|a|an|in|on|by|round|day|process|loop|call|session)\b)"
    r"(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+)\b")
# what follows "Acme's interview" when it speaks of the company's way of hiring, not of someone's interview
_HIRING_WAY = re.compile(r"\s+(?:process|format|stages|steps|structure|guide|approach|style|loop|team|panel)\b",
                         re.IGNORECASE)
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th|e|er|re|eme|ere|de|ste|te|o|a|º|ª)?")


# --- words ------------------------------------------------------------------------------


_FILLER = frozenset("a an the my our your with for at in on of to and or de der die das le la el il het een".split())


def _only_hiring_words(title: str, found: list[Found]) -> bool:
    """Whether ``title`` holds words of hiring and nothing else that names whose or what it
    is (no company, person or place): "Interview", "Phone screen", "2nd interview"."""
    covered = [(f.start, f.end) for f in found if f.kind in POSITIVE]
    if not covered:
        return False
    for m in re.finditer(r"\w+", title):
        if not any(s <= m.start() and m.end() <= e for s, e in covered) and not (
                m.group(0).isdigit() or fold(m.group(0)) in _FILLER or fold(m.group(0)) == "#"):
            return False
    return True


def _recruiter_signed(description: str) -> str:
    """The first short line of ``description`` that starts with a recruiter's job title, or ""."""
    for line in description.splitlines()[:500]:
        line = line.strip()
        if 0 < len(line) <= SIGNATURE_CHARS and _RECRUITER_TITLE.match(fold_word(line)):
            return shorten(line, QUOTED_CHARS)
    return ""


def fold(word: str) -> str:
    """A word as the vocabulary is looked up: without case and accents ("ß" is "ss"); a
    number or an ordinal ("2", "2nd", "2ème") is "#"."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)).casefold()
    return "#" if _ORDINAL.fullmatch(plain) else plain


def words_of(text: str) -> list[tuple[str, int, int]]:
    """The words of ``text``: (folded word, start, end) each."""
    return [(fold(m.group(0)), m.start(), m.end()) for m in re.finditer(r"\w+", text)]


@frozen
class Vocabulary:
    """The shipped words by kind: phrases by their words; words that start or end one."""

    phrases: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # words -> kinds
    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    endings: tuple[tuple[str, str], ...] = ()  # (ending, kind)
    max_words: int = 1

    @cached_property
    def prefix_lengths(self) -> tuple[int, ...]:
        return tuple(sorted({len(p) for p in self.prefixes}))


def vocabulary_from(data: dict[str, Any]) -> Vocabulary:
    phrases: dict[tuple[str, ...], set[str]] = {}
    prefixes: dict[str, set[str]] = {}
    endings: set[tuple[str, str]] = set()
    for language, table in data.items():
        for kind, entries in table.items():
            if kind not in TITLE_WEIGHT:
                raise ValueError(f"hiring_words.toml: [{language}] has an unknown kind {kind!r}")
            for entry in entries:
                if entry.startswith("*"):
                    endings.add((fold(entry[1:]), kind))
                elif entry.endswith("*"):
                    prefixes.setdefault(fold(entry[:-1]), set()).add(kind)
                else:
                    key = tuple("#" if w == "#" else fold(w) for w in re.findall(r"\w+|#", entry))
                    phrases.setdefault(key, set()).add(kind)
    return Vocabulary(
        {k: tuple(sorted(v)) for k, v in phrases.items()},
        {k: tuple(sorted(v)) for k, v in prefixes.items()},
        tuple(sorted(endings)),
        max((len(k) for k in phrases), default=1),
    )


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    text = shipped_text("hiring_words.toml")
    return vocabulary_from(tomllib.loads(text))


@frozen
class Found:
    kind: str
    quoted: str  # the words as written
    start: int = 0  # where in the (NFC) text
    end: int = 0


class _Memo:
    """Answers worked out for the events read lately (the occurrences of a series share
    their title, description and people; passes read the same events again), kept while
    their sizes add up to at most ``budget`` and all forgotten when the next would not fit."""

    def __init__(self, budget: int):
        self.budget, self.used = budget, 0
        self.kept: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.kept.get(key)

    def clear(self) -> None:
        self.kept.clear()
        self.used = 0

    def keep(self, key: Any, value: Any, size: int) -> Any:
        if size <= self.budget:
            if self.used + size > self.budget:
                self.clear()
            self.kept[key] = value
            self.used += size
        return value


# the shipped vocabulary's words found in the texts read lately (by their characters)
_FOUND = _Memo(1_000_000)


def find(text: str, vocab: Vocabulary | None = None) -> list[Found]:
    """The vocabulary's words in ``text``, in order, each phrase once per kind."""
    shipped = vocabulary()
    if vocab is not None and vocab is not shipped:
        return _find(text, vocab)
    known = _FOUND.get(text)
    if known is None:
        known = _FOUND.keep(text, tuple(_find(text, shipped)), len(text))
    return list(known)


def _find(text: str, vocab: Vocabulary) -> list[Found]:
    text = unicodedata.normalize("NFC", text)  # "ä" as one letter: a combining mark is no \w
    words = words_of(text)
    lengths = vocab.prefix_lengths
    out: list[Found] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, start: int, end: int) -> None:
        quoted = shorten(" ".join(text[start:end].split()), QUOTED_CHARS)
        if (kind, quoted.casefold()) not in seen:
            seen.add((kind, quoted.casefold()))
            out.append(Found(kind, quoted, start, end))

    for i, (word, start, end) in enumerate(words):
        for n in range(1, vocab.max_words + 1):
            if i + n > len(words):
                break
            key = tuple(w for w, _, _ in words[i:i + n])
            for kind in vocab.phrases.get(key, ()):
                add(kind, start, words[i + n - 1][2])
        for length in lengths:
            if length > len(word):
                break
            for kind in vocab.prefixes.get(word[:length], ()):
                add(kind, start, end)
        for ending, kind in vocab.endings:
            if len(word) > len(ending) and word.endswith(ending):
                add(kind, start, end)
    return out


# "and" between two things a title lists ("Prep + interview", "Vorbereitung und Interview")
_AND = re.compile(r"\s*(?:\+|&|and|und|et|y|e|en|plus|then|dann|puis|luego|poi|daarna)\s*", re.IGNORECASE)


def _joined_to_interview(text: str, prep: Found, found: list[Found]) -> bool:
    """Whether the prep word ``prep`` is followed, across an "and" alone, by a word that
    names an interview or a hiring step: the title names both."""
    return any(f.kind in ("interview", "step") and f.start > prep.end
               and _AND.fullmatch(text[prep.end:f.start]) for f in found)


def without_hiring_words(text: str) -> str:
    """``text`` (NFC) with the words that name an interview or a hiring step blanked out:
    what is left may name the company and the role ("Échange avec le manager – Maréchal"
    -> "  – Maréchal")."""
    spans = sorted((f.start, f.end) for f in find(text) if f.kind in POSITIVE)
    out, at = [], 0
    for start, end in spans:
        if start >= at:
            out.append(text[at:start])
            out.append(" ")
            at = end
        elif end > at:
            at = end
    out.append(text[at:])
    return "".join(out)


# --- the decision -----------------------------------------------------------------------


@frozen
class Decision:
    """Whether an event is an interview: ``certainty`` "clear", "uncertain" or "" (none),
    with the reasons for and against it, in words."""

    certainty: str
    reasons: tuple[str, ...] = ()
    against: tuple[str, ...] = ()
    hiring: int = 0
    support: int = 0
    people: int = 0  # of ``hiring``: what the people say (a tracking system, an agency, a recruiter)

    @property
    def words(self) -> str:
        """The reasons, for ``found_by``: "the title contains 'Phone screen' (a hiring
        step); Jane Doe (acme.com) is from outside your domain; but: ..."."""
        text = "; ".join(self.reasons)
        if self.against:
            text += ("; but: " if text else "but: ") + "; ".join(self.against)
        return text


def _people_of(event: CalendarEvent) -> list:
    """The organizer, then the attendees (as many as are read), of ``event``."""
    return [p for p in (event.organizer, *event.attendees[: limits.MAX_ATTENDEES]) if p is not None]


def _on_event(event: CalendarEvent, name: str, by_name: bool = False) -> bool:
    """Whether the folded ``name`` is in the mail domain of someone on ``event`` ("acme" for
    acme.com), or with ``by_name`` one of their names' words."""
    return any(name in fold(organisation_label(p.email.strip().rpartition("@")[2]))
               or (by_name and name in {fold(w) for w in p.name.split()}) for p in _people_of(event))


NONE = Decision("")


@dataclass
class _Tally:
    reasons: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)
    vocab: dict[str, int] = field(default_factory=dict)  # place -> strongest positive weight
    counter: dict[str, int] = field(default_factory=dict)  # kind -> weight (negative)
    people: int = 0
    support: int = 0
    title_counter: bool = False  # counter-evidence in the title or a category
    strong_counter: bool = False  # counter-evidence of full weight in the description (a mock, a show)
    light: dict[str, int] = field(default_factory=dict)  # kind -> light words of it in the description
    press: bool = False  # someone's address says they write for the press

    def word(self, place: str, kind: str, quoted: str, weight: int, says: str) -> None:
        if weight > 0:
            self.vocab[place] = max(self.vocab.get(place, 0), weight)
            self.reasons.append(f"the {place} contains {quoted!r}{says}")
        elif weight < 0:
            self.title_counter = self.title_counter or place != "description"
            self.strong_counter = self.strong_counter or (place == "description" and DESCRIPTION_WEIGHT[kind] <= -4)
            if place == "description" and weight == -1:
                # light words add up: four signs of another kind of talk weigh as one in the title
                self.light[kind] = self.light.get(kind, 0) + 1
                weight = max(-4, -self.light[kind])
            self.counter[kind] = min(self.counter.get(kind, 0), weight)
            self.against.append(f"the {place} contains {quoted!r}{says}")


class Evidence:
    """Weighs events for one user (``Detector`` makes one)."""

    def __init__(self, user_emails: Iterable[str], user_name: str = "", tz: ZoneInfo | None = None,
                 keyword_re: re.Pattern[str] | None = None, agencies: Iterable[str] = (),
                 extra_free_mail: Iterable[str] = ()):
        self.user_emails = {e.lower() for e in user_emails}
        self.extra_free_mail = tuple(extra_free_mail)
        self.own_domains = {e.rpartition("@")[2] for e in self.user_emails
                            if not is_free_mail(e.rpartition("@")[2], self.extra_free_mail)}
        name = [fold(w) for w in re.findall(r"\w+", user_name)]
        self.user_name = tuple(name) if len(name) >= 2 else ()
        self.tz = tz
        self.keyword_re = keyword_re
        self.agencies = tuple(agencies)
        # what depends on an event's text (by its characters) or people (by their number) alone
        self._named = _Memo(1_000_000)
        self._mine = _Memo(20_000)

    def weigh(self, event: CalendarEvent, hints: Any = None, tagged: str = "") -> Decision:
        """The decision about ``event``. ``hints``: its description's hints (``company``,
        ``role``, ``contact``); ``tagged``: why it carries the user's tag, or ""."""
        t = _Tally()
        press_word = ""  # a word of the press in the description ("Periodista", "Redakteurin")
        media_before = False
        title = event.summary[: 4 * limits.MAX_TITLE_CHARS]
        description = event.description[: limits.MAX_HINT_CHARS]
        places = [("title", title), *(("category", c[: limits.MAX_TITLE_CHARS])
                                      for c in event.categories[:MAX_CATEGORIES]), ("description", description)]
        bare = False  # a title of hiring words alone ("Interview"): whose it is, only the description says
        for place, text in places:
            if place != "description":
                weights = TITLE_WEIGHT
            else:
                weights = BARE_TITLE_DESCRIPTION_WEIGHT if bare else DESCRIPTION_WEIGHT
            plain = unicodedata.normalize("NFC", _LINK.sub(" ", text))  # a link's words are no one's ("meetup-join")
            found = find(plain)
            if place == "title":
                bare = _only_hiring_words(plain, found)
            # the longer phrase says what the words are: a hiring word inside one of counter-evidence
            # ("Probe-Vorstellungsgespräch", "exit interview") is no evidence, nor is a word of
            # counter-evidence inside a hiring phrase ("our candidate experience team")
            found = [f for f in found if not any(
                (g.kind in COUNTER) != (f.kind in COUNTER) and g.start <= f.start and f.end <= g.end
                and (g.end - g.start > f.end - f.start or g.kind in COUNTER) for g in found)]
            if place == "description":
                media_before = "media" in t.counter  # the title's or a category's
            for f in found:
                if f.kind == "prep" and place != "description" and _joined_to_interview(plain, f, found):
                    continue  # "Prep + interview Acme": the interview itself, with a prep before it
                t.word(place, f.kind, f.quoted, weights[f.kind], SAYS[f.kind])
                if f.kind == "media" and place == "description" and not press_word:
                    press_word = f.quoted
            m = self.keyword_re.search(unicodedata.normalize("NFC", text)) if self.keyword_re else None
            if m:
                t.word(place, "interview", m.group(0), weights["interview"], " (your keyword)")
        # one strongest word for the title and categories, one for the description; a title that
        # says what else it is ("webinar", "user interview") is not outweighed by its description
        title_vocab = max(t.vocab.get("title", 0), t.vocab.get("category", 0))
        # (nor by a description that says so itself: its talk of interviews is the practice's)
        vocab = title_vocab + (0 if t.title_counter or t.strong_counter else t.vocab.get("description", 0))
        me = self.addresses_of_user(event)
        organized = event.organizer is not None and event.organizer.email.strip().lower() in me
        named = self._named_as(title, description) if self.user_name else ""
        you = " ".join(w.title() for w in self.user_name)
        if named == "interviewer":  # settles it: the candidate is someone else
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -8)
            t.against.append(f"it lists you, {you}, among the interviewers")
        elif named == "" and (candidate := self._interviewing(event, title)):
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -4)
            t.against.append(f"the title says you are interviewing {candidate}")
        elif named == "" and (candidate := self._candidate_in_title(event, title, me)):
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -4)
            t.against.append(f"the title names {candidate}, at a private address beside a company's people: "
                             "the candidate")
        elif named and "interviewer" in t.counter and not organized:
            t.counter.pop("interviewer")
            t.against = [a for a in t.against if not a.endswith(SAYS["interviewer"])]
            t.reasons.append(f"it names you, {you}: you are the candidate")
        self._people(event, t, me)
        if not named and (whose := self._someone_elses_in(event, description)):
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -4)
            t.against.append(f"the description speaks of {whose}'s interview: someone else is the candidate")
        owner = self._someone_elses(title)
        if not owner and title_vocab and not named and (owner := self._private_person_in_title(event, title, me)):
            # "Interview Mia (Klinikum)" from Mia's own private address: hers, most likely (ask)
            t.counter["other"] = min(t.counter.get("other", 0), -2)
            t.against.append(f"the title names {owner}, who is on it with a private address: "
                             "perhaps their own interview")
        elif owner:
            t.counter["other"] = min(t.counter.get("other", 0), -4)
            t.title_counter = True
            t.against.append(f"the title says whose interview it is: {owner}'s")
        if press_word and (media_before or t.press):
            # someone of the press, who says so: their interview of you, not an employer's
            t.counter["media"] = min(t.counter["media"], -4)
            t.against.append(f"the description contains {press_word!r} (the press)")
        if hints is not None:
            for key in ("contact", "role"):
                if getattr(hints, key, None):
                    t.people = max(t.people, 2)
                    t.reasons.append(f"a '{key}:' line in the description")
        self._shape(event, t)
        positive = vocab + t.people
        hiring = positive + sum(t.counter.values())
        company_hint = getattr(hints, "company", "") if hints is not None else ""
        if tagged:
            return Decision(CLEAR, (tagged, *t.reasons), tuple(t.against), hiring, t.support, t.people)
        if company_hint:
            t.reasons.insert(0, "a 'company:' line in the description")
            certainty = CLEAR if positive > 0 else UNCERTAIN
            return Decision(certainty, tuple(t.reasons), tuple(t.against), hiring, t.support, t.people)
        if positive <= 0 or hiring < 1:
            return Decision("", tuple(t.reasons), tuple(t.against), hiring, t.support, t.people)
        certainty = CLEAR if hiring >= 2 and hiring + t.support >= 3 else UNCERTAIN
        if certainty == CLEAR and not title_vocab and not t.people:
            # a thank-you needs more than a description that speaks of interviews (a mentor's
            # call "to prepare your interviews"): the title or the people must say it too
            certainty = UNCERTAIN
            t.against.append("only its description speaks of hiring")
        elif certainty == CLEAR and title.rstrip().endswith("?"):
            # "Acme interview?", "HOLD for Veltrane onsite?": a question, not an appointment
            certainty = UNCERTAIN
            t.against.append("its title asks a question")
        return Decision(certainty, tuple(t.reasons), tuple(t.against), hiring, t.support, t.people)

    def _someone_elses(self, title: str) -> str:
        """The name a title gives as the interview's owner, with the employer named after it
        ("Anna's interview at Acme", "Toms Vorstellungsgespräch bei Siemens", "Entretien de
        Marie chez Acme"), unless it is the user's; or "". (Without an employer after it,
        "Acme's interview" may name the company.)"""
        head = title[: limits.MAX_TITLE_CHARS]
        for pattern in _OWNED:
            for m in pattern.finditer(head):
                name = m.group("name")
                if (_AT_EMPLOYER.match(head, m.end()) and not find(name) and fold(name) not in self.user_name
                        and fold(name) not in _NOT_NAMES):
                    return name
        return ""

    def _someone_elses_in(self, event: CalendarEvent, description: str) -> str:
        """A name the description gives an interview to ("Agenda for Laura's onsite"), when it is
        neither the user's nor one of the event's people or companies; or ""."""
        for m in _OWNED[0].finditer(description[: limits.MAX_HINT_CHARS]):
            name = fold(m.group("name"))
            if (_HIRING_WAY.match(description, m.end()) or find(m.group("name")) or name in _NOT_NAMES
                    or (self.user_name and name == self.user_name[0]) or _on_event(event, name, by_name=True)):
                continue
            return m.group("name")
        return ""

    def _interviewing(self, event: CalendarEvent, title: str) -> str:
        """The name after "Interviewing" in ``title`` unless it names a company of the event's
        people ("Interviewing Acme" from acme.com); or ""."""
        m = _INTERVIEWING.search(title[: limits.MAX_TITLE_CHARS])
        if not m or find(m.group("name")) or _on_event(event, fold(m.group("name"))):
            return ""
        return m.group("name")

    def _private_person_in_title(self, event: CalendarEvent, title: str, me: set[str]) -> str:
        """The first name of someone at a private mail address, the organizer or (when nobody
        is at a company's domain) a guest, when the title names them other than as someone to
        meet ("Mia – Vorstellungsgespräch", not "Interview with Mia") and does not name the
        user; or ""."""
        people = _people_of(event)
        private = []
        for i, p in enumerate(people):
            email = p.email.strip().lower()
            domain = email.rpartition("@")[2]
            if (email in me or is_robot(email) or domain.endswith("calendar.google.com")
                    or writes_for_others(domain, self.agencies)):
                continue
            if not is_free_mail(domain, self.extra_free_mail):
                if i or event.organizer is None:
                    return ""  # a company's guest: whose interview it is, the company's people say
                continue
            if p.name:
                private.append(p.name)
        words = [w for w, _, _ in words_of(title[: limits.MAX_TITLE_CHARS])]
        if self.user_name and self.user_name[0] in words:
            return ""
        for name in private:
            first = fold(name.split()[0]) if name.split() else ""
            if len(first) < 2 or not first.isalpha():
                continue
            for i, w in enumerate(words):
                if w == first and (i == 0 or words[i - 1] not in _MEETING_WORDS):
                    return name.split()[0]
        return ""

    def _candidate_in_title(self, event: CalendarEvent, title: str, me: set[str]) -> str:
        """An attendee at a private mail address whom the title names ("Technical interview –
        Jordan Smith", jordan.smith@gmail.com), while someone else is at a company's domain:
        that attendee is the candidate, and you are on the company's side. "" otherwise."""
        people = [p for p in (*event.attendees[: limits.MAX_ATTENDEES], event.organizer) if p is not None]
        if not any(not is_free_mail(p.email.rpartition("@")[2], self.extra_free_mail)
                   and p.email.strip().lower() not in me for p in people):
            return ""
        title_words = " ".join(w for w, _, _ in words_of(title[: limits.MAX_TITLE_CHARS]))
        for p in event.attendees[: limits.MAX_ATTENDEES]:
            email = p.email.strip().lower()
            name = " ".join(w for w, _, _ in words_of(p.name[:200]))
            if (email not in me and len(name.split()) >= 2 and f" {name} " in f" {title_words} "
                    and is_free_mail(email.rpartition("@")[2], self.extra_free_mail)):
                return f"{p.name} <{email}>"
        return ""

    def _names_user(self, text: str) -> bool:
        words = [w for w, _, _ in words_of(text[: limits.MAX_HINT_CHARS])]
        n = len(self.user_name)
        first = self.user_name[0]
        return any(w == first and tuple(words[i:i + n]) == self.user_name for i, w in enumerate(words))

    def _named_as(self, title: str, description: str) -> str:
        """How the event names the user: "interviewer" when a line names them beside the
        word for interviewers ("Interviewers: Sam Rivera, Greta Lindholm"), "candidate"
        when it names them anywhere else, "" when it does not."""
        key = (title, description)
        found = self._named.get(key)
        if found is None:
            found = self._named.keep(key, self._naming(title, description), len(title) + len(description))
        return found

    def _naming(self, title: str, description: str) -> str:
        named = "candidate" if self._names_user(title) else ""
        for line in description[: limits.MAX_HINT_CHARS].splitlines()[:500]:
            if self._names_user(line):
                words = {w for w, _, _ in words_of(line)}
                if words & _INTERVIEWER_WORDS and not words & _CANDIDATE_WORDS:
                    return "interviewer"
                named = "candidate"
            elif _CANDIDATE_LINE.match(line):
                return "interviewer"  # "Candidate: Jordan Smith": someone else is
        return named

    def addresses_of_user(self, event: CalendarEvent) -> set[str]:
        """The user's addresses on this event: the configured ones, and any the event gives
        the user's name ("Rivera, Sam <sam.rivera@work.example>")."""
        if not self.user_name:
            return set(self.user_emails)
        people = (event.organizer, *event.attendees[: limits.MAX_ATTENDEES])
        found = self._mine.get(people)
        if found is None:
            me = set(self.user_emails)
            full = " ".join(self.user_name)
            for who in people:
                if who is not None and who.name and same_name(who.name, full):
                    me.add(who.email.strip().lower())
            found = self._mine.keep(people, frozenset(me), len(people))
        return set(found)

    def _people(self, event: CalendarEvent, t: _Tally, me: set[str]) -> None:
        org = event.organizer
        own_domains = self.own_domains | {e.rpartition("@")[2] for e in me - self.user_emails
                                          if not is_free_mail(e.rpartition("@")[2], self.extra_free_mail)}
        others = [(a.email.strip().lower(), a.name) for a in event.attendees[: limits.MAX_ATTENDEES]
                  if a.email.strip().lower() not in me and a.partstat != "declined"]
        people = list(others)
        if org is not None and org.email.strip().lower() not in me:
            people.insert(0, (org.email.strip().lower(), org.name))
        behalf = recruiting = outside = media = ""
        employer_guest = False  # someone at an outside company's domain
        company = False  # someone, organizer or guest, at an outside company's domain
        for email, name in people:
            local, _, domain = email.rpartition("@")
            who = f"{name} <{email}>" if name else email
            if not local or domain.endswith("calendar.google.com"):
                # a shared calendar ("Acme Hiring"): its name may say it recruits, nothing more
                if name and not recruiting and {fold(w) for w in re.findall(r"[^\W_]+", name[:200])} & RECRUITING:
                    recruiting = f"{name} is a recruiting calendar"
                continue
            if not media and (_MEDIA_LABEL.search(organisation_label(domain)) or fold(local) in _MEDIA_LOCAL):
                media = f"{who} writes for the press"
            b = writes_for_others(domain, self.agencies)
            if b and not behalf:
                behalf = f"{who} writes for an employer: {b}"
            parts = {fold(w) for w in re.findall(r"[^\W_]+", f"{local} {name}"[:200])}
            if parts & RECRUITING and not recruiting:
                recruiting = f"{who} is a recruiting address"
            if (not b and not outside and domain not in own_domains
                    and not is_free_mail(domain, self.extra_free_mail)):
                outside = f"{who} is from outside your own domain"
            if not b and domain not in own_domains and not is_free_mail(domain, self.extra_free_mail):
                company = True
                employer_guest = employer_guest or (email, name) in others
        if not recruiting:  # "Talent Partner Tech · Acme GmbH" under the invitation's text
            title = _recruiter_signed(event.description[: limits.MAX_HINT_CHARS])
            if title:
                recruiting = f"the description is signed by a recruiter ({title!r})"
        if media:  # maybe a journalist's interview (media companies hire too: only a doubt)
            t.counter["media"] = min(t.counter.get("media", 0), -2)
            t.press = True
            t.against.append(media)
        if behalf:
            t.people += 2
            t.reasons.append(behalf)
        if recruiting:
            t.people += 1
            t.reasons.append(recruiting)
        if outside:
            t.support += 1
            t.reasons.append(outside)
        # you as the interviewer: you invited the others, or only your colleagues are there
        # (not when you invited people of an outside company: you may well have sent the invitation they asked for)
        # you at an address of your own employer (not one you configured), with colleagues of that
        # domain: a meeting of your workplace, where you are not the candidate
        work = {e.rpartition("@")[2] for e in me - self.user_emails} - {""}
        work = {d for d in work if not is_free_mail(d, self.extra_free_mail)}
        colleagues = [e for e, _ in people if e.rpartition("@")[2] in work]
        if colleagues:
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -4)
            t.against.append(f"you and {colleagues[0]} are both at {colleagues[0].rpartition('@')[2]} (your workplace)")
        elif (work := {d for d in work if not self._personal_domain(d)}) and not company \
                and not (org is not None and org.email.strip().lower() in me) and not any(
                    a.email.strip().lower() in self.user_emails for a in event.attendees[: limits.MAX_ATTENDEES]):
            # a tracking system's invitation to your work address, no other company in it: your
            # employer's interview, where you are on the hiring side (candidates are asked at home)
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -4)
            t.against.append(f"it was sent to your address at {sorted(work)[0]}, with no one of another company: "
                             "your workplace's")
        elif org is not None and org.email.strip().lower() in me and others and not employer_guest:
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -2)
            t.against.append("you organized it and invited the others (as an interviewer would)")
        elif others and own_domains and all(e.rpartition("@")[2] in own_domains for e, _ in others):
            t.counter["interviewer"] = min(t.counter.get("interviewer", 0), -2)
            t.against.append("everyone else is from your own domain (colleagues)")

    def _personal_domain(self, domain: str) -> bool:
        """Whether ``domain`` carries the user's name ("rivera.example"): their own, not an employer's."""
        label = fold(organisation_label(domain))
        return any(len(part) >= 3 and part in label for part in self.user_name)

    def _shape(self, event: CalendarEvent, t: _Tally) -> None:
        text = f"{event.location[: limits.MAX_TITLE_CHARS * 4]}\n{event.description[: limits.MAX_HINT_CHARS]}"
        m = _VIDEO.search(text)
        if m:
            found = m.group(0).lower()
            name = next((v for k, v in _VIDEO_NAMES.items() if k in found), "video")
            t.support += 1
            t.reasons.append(f"a {name} link")
        if event.all_day:
            return
        length = event.end - event.start
        if not timedelta(minutes=15) <= length <= timedelta(hours=4):
            return
        zone = self.tz
        if event.timezone:
            try:
                zone = ZoneInfo(event.timezone)
            except (ZoneInfoNotFoundError, ValueError):
                pass
        local = event.start.astimezone(zone) if zone else event.start
        if local.weekday() < 5 and 7 <= local.hour < 20:
            minutes = int(length.total_seconds() // 60)
            long = f"{minutes} minutes" if minutes % 60 else f"{minutes // 60} hour" + ("s" if minutes > 60 else "")
            where = f" ({zone.key})" if zone is not None else ""
            t.support += 1
            t.reasons.append(f"{long} on a weekday at {local:%H:%M}{where}")
