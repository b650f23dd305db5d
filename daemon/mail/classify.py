"""What a person's reply says: a rejection, an offer, another round, a request, or other.

``classify(msg, rules)`` reads the subject and the text the person wrote, and returns a
``Verdict`` with the exact words that decided (as the message has them) and where the
rule came from. The rules are phrases a user can read and extend:

- built in: ``daemon/data/reply_rules.toml``, per language (English, German, French,
  Spanish, Italian, Dutch), per outcome, each phrase *strong* (it says the outcome by
  itself: "we have decided to move forward with other candidates"), *mention* (it names a
  later stage or its paper: "second interview", "offer letter") or *weak* (it often comes
  with it: "we will keep your CV on file"), or *subject* (it says the outcome only as a
  subject line: "Update on your application – unfortunately", "Absage");
- the user's: config ``[replies]`` ``rejection``, ``offer``, ``next_round``, ``info``
  (phrases added to the outcome) and ``ignore`` (phrases taken out of the text before
  anything is matched — a recruiter's signature that links a booking page, say).

Phrase syntax (``daemon.common.textmatch``): words, matched on word boundaries, ignoring case,
accents and the kind of apostrophe; or ``re:`` and a regular expression on the folded
text (lower case, no accents).

What is read:

- the subject, unless it starts with a reply or forward prefix ("Re:", "AW:", "RV:", ...):
  then it is, nearly always, our own subject coming back;
- the body down to the first sign of quoted mail — a line "On ... wrote:", "Am ...
  schrieb ...:", "Le ... a écrit :", "El ... escribió:", "Il ... ha scritto:", "Op ...
  schreef ...:" (also split over up to three lines), a "-----Original Message-----" line
  (and its translations), or an Outlook header block ("From:"/"Von:"/"De :" followed
  within four lines by "Sent:"/"Gesendet:"/"Envoyé :"/"Enviado:"/"Date:") — and down to
  a signature separator "-- "; lines starting with ">" are dropped wherever they are.
  So our own thank-you or follow-up quoted below a reply never decides.
- at most ``SCAN_LIMIT`` (64 KiB) characters of the subject and of the body (the parser
  keeps 20,000 of the body), in time linear in their length.

Deciding, by evidence (``evidence``): each rule's first match is a ``Cue`` with its outcome,
its strength, its position (subject, first lines, later; an invitation) and its sense
(statement, question, request, past event, later stage, negation); the outcome is the one
of the strongest cue.

- Strength: a phrase from the config 30, a strong, *mention* or *subject* built-in phrase 20
  (a *subject* one counts in the subject line only), a weak one 10; 2 more in the subject
  line. An iCalendar invitation (METHOD:REQUEST) is a next
  round of strength 20; a message shaped as one (a video meeting to join, with its ID),
  10. Below ``DECIDES`` (5) nothing decides.
- Negation: a match is no evidence when one of the six words before it, in the same
  clause, is a negation (not, n't, no, never, nicht, kein..., ne, n', pas, jamais, nunca,
  niet, geen, ...): "we are not moving forward with other candidates" is no rejection.
  Phrases that carry their own negation ("we will not be moving forward with your
  application") are written whole.
- Past event: a next round, an offer or a request named after "thank you for", "after",
  "following", "during", "nach", "lors de", "suite à", "tras", ... in its clause, or
  followed by "last week", "yesterday", "gestern", ..., is no evidence: "thanks again for
  coming in for the second interview" asks for nothing.
- Later stage: a next round or an offer named as the purpose of a request ("before we
  move you to the final round, could you send ...", "to prepare the contract, ...", "damit
  wir das Vertragsangebot vorbereiten können, ...") or a
  *mention* phrase in a sentence with a strong request for information ("for the final
  round we need your salary expectations") counts ``NAMED`` (5): the request decides.
- Within a longer phrase: a cue whose words lie inside the words of a cue of another
  outcome is read as part of it: "unable to offer you the position" is a rejection, and the
  "offer you the position" inside it no offer.
- Undecided: a next round or an offer named in a decision still to be taken ("the panel
  will decide who moves on to the next round", "entscheiden, ob wir Ihnen ein Angebot
  machen"), or a
  stage only named (*mention*) in a sentence followed by one that says a decision comes
  ("the last interview has moved to tomorrow. We will then make a decision"), is no
  evidence: the stage is the process's, not the reader's.
- A tie goes to the more decisive outcome, offer > rejection > next-round > info: an offer
  mail may mention references or a start date; a rejection may offer a call for feedback;
  an invitation may ask for availability. "Unfortunately" alone is no rule:
  "unfortunately I'm travelling next week, could we schedule ..." is a scheduling reply.
- Nothing found: "other", with phrase "" — a reply that decides nothing (the planner keeps
  the loop open and shows it as maybe their answer).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from interview_followup.daemon.data import shipped_text
from typing import TYPE_CHECKING

from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import MailMessage, Verdict
from interview_followup.daemon.common.textmatch import SCAN_LIMIT, Folded, compile_phrase, fold

if TYPE_CHECKING:
    from interview_followup.daemon.config import Replies

OUTCOMES = ("offer", "rejection", "next-round", "info")  # the order that breaks a tie of strength
KEYS = {"offer": "offer", "rejection": "rejection", "next_round": "next-round", "info": "info"}
# "mention": a phrase that names a stage or a document of a later step ("second interview",
# "offer letter"): as strong as a strong phrase, but a request for information in its
# sentence is what that sentence says.
# "subject": a phrase that says the outcome when it is the subject line ("Absage",
# "Update on your application – unfortunately"), and nothing in the body.
TIERS = ("config", "strong", "weak", "mention", "subject")
STRENGTH = {0: 30, 1: 20, 2: 10, 3: 20, 4: 20}  # by tier
SUBJECT_BONUS = 2  # a cue in the subject line (not our own subject coming back)
NAMED = 5  # a later stage named in a request, or as the purpose of one ("before the final round")
DECIDES = 5  # the least strength that decides; below it the reply is "other"
RULES_FILE = "reply_rules.toml"


@frozen
class Rule:
    outcome: str  # one of OUTCOMES
    tier: int  # index in TIERS
    phrase: str  # as written in the rule file or config
    source: str  # "built-in (de)" or "config: replies.offer"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The phrase compiled, on first use (a pass with no reply to read compiles none)."""
        return _compiled(self.phrase)


@lru_cache(maxsize=4096)
def _compiled(phrase: str) -> re.Pattern[str]:
    return compile_phrase(phrase)


@frozen
class Rules:
    rules: tuple[Rule, ...]
    ignore: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def builtin(cls) -> Rules:
        return cls(_builtin_rules())

    @classmethod
    def from_config(cls, replies: Replies | None) -> Rules:
        """The built-in rules plus the config's ``[replies]`` phrases (already validated
        by ``daemon.config``)."""
        extra: list[Rule] = []
        ignore: tuple[re.Pattern[str], ...] = ()
        if replies is not None:
            for key, outcome in KEYS.items():
                for phrase in getattr(replies, key):
                    extra.append(Rule(outcome, 0, phrase, f"config: replies.{key}"))
            ignore = tuple(compile_phrase(p) for p in replies.ignore)
        return cls((*extra, *_builtin_rules()), ignore)


@lru_cache(maxsize=1)
def _builtin_rules() -> tuple[Rule, ...]:
    text = shipped_text(RULES_FILE)
    # the shipped file's phrases compile (tests/test_classify.py): compiled on first use
    return parse_rules(tomllib.loads(text), check=False)


def parse_rules(data: dict, check: bool = True) -> tuple[Rule, ...]:
    """Rules from the rule file's shape: ``[LANG.OUTCOME]`` tables of ``strong`` and ``weak``
    phrase lists. Raises ValueError naming the entry that cannot be used (with ``check``,
    each phrase compiled to see that it can be)."""
    out = []
    for lang, outcomes in data.items():
        for key, tiers in outcomes.items():
            if key not in KEYS:
                raise ValueError(f"{RULES_FILE}: [{lang}.{key}] is not one of {', '.join(KEYS)}")
            for tier_name, phrases in tiers.items():
                if tier_name not in TIERS[1:]:
                    raise ValueError(f"{RULES_FILE}: {lang}.{key}.{tier_name} is not strong, weak, mention or subject")
                for phrase in phrases:
                    try:
                        if check:
                            _compiled(phrase)
                    except (re.error, ValueError) as exc:
                        raise ValueError(f"{RULES_FILE}: {lang}.{key}: {phrase!r}: {exc}") from None
                    out.append(Rule(KEYS[key], TIERS.index(tier_name), phrase, f"built-in ({lang})"))
    return tuple(out)


@frozen
class Cue:
    """One piece of evidence: a rule's words found in the message, and how they are meant."""

    outcome: str
    strength: int  # after position and sense (``STRENGTH``, ``SUBJECT_BONUS``, ``NAMED``; 0: does not count)
    position: str  # "subject", "first lines", "later" or "invitation" (an iCalendar METHOD:REQUEST)
    sense: str  # "statement", "question", "request", "past event", "later stage", "undecided",
    # "negation" or "within another" (its words inside a longer cue of another outcome)
    phrase: str  # as the message has it
    source: str  # where the rule came from
    at: int = 0  # offset in the text read
    end: int = 0  # where its words end in the text read


def classify(msg: MailMessage, rules: Rules) -> Verdict:
    """What ``msg`` says: the outcome of its strongest piece of evidence (``evidence``);
    a tie goes to the more decisive outcome (``OUTCOMES``), then to the earlier words. A
    rejection that the message then turns from ("... not for this role. That said, Marcus
    would like to talk to you about another opening") gives way to the offer or the
    invitation as strong that follows the turn."""
    found, text = _evidence(msg, rules)
    cues = [c for c in found if c.strength >= DECIDES]
    if not cues:
        return Verdict("other")
    best = min(cues, key=lambda c: (-c.strength, OUTCOMES.index(c.outcome), c.at))
    if best.outcome == "rejection":
        turned = [c for c in cues if c.outcome in ("offer", "next-round") and c.strength >= best.strength
                  and c.at > max(r.end for r in cues if r.outcome == "rejection")]
        turn = next((c for c in turned if _CONTRAST.search(text, best.end, c.at)), None)
        if turn is not None:
            best = turn
    return Verdict(best.outcome, best.phrase, best.source, position=best.position, sense=best.sense)


def evidence(msg: MailMessage, rules: Rules) -> list[Cue]:
    """Every cue in the words the person wrote (see ``_evidence``)."""
    return _evidence(msg, rules)[0]


def _evidence(msg: MailMessage, rules: Rules) -> tuple[list[Cue], str]:
    """Every cue in the words the person wrote, the first match of each rule, with its
    strength after position and sense:

    - in the subject (when it is not ours coming back): ``SUBJECT_BONUS`` more;
    - negated ("we are not moving forward with other candidates"): does not count;
    - a past event ("thank you for the second interview", "nach Ihrem zweiten Gespräch",
      "lors de votre entretien", "the onsite last week"): a next round, an offer or a request
      named that way does not count;
    - a later stage named as the purpose of a request ("before we move you to the final
      round, could you send ...") or a *mention* phrase in a sentence that asks for
      information ("for the final round we need your salary expectations"): ``NAMED``,
      so that the request decides;
    - an invitation (iCalendar METHOD:REQUEST) is a next round, as strong as a strong
      phrase; a message shaped as one (a meeting link and its ID) as a weak one.
    """
    subject, body = reply_parts(msg)
    folded = fold(f"{subject}\n\n{body}".strip() if subject else body)
    text = _blank(folded.text, rules.ignore)
    subject_end = len(fold(subject).text) if subject else -1
    first_end = _first_lines_end(text, max(subject_end, 0))
    raw: list[tuple[Rule, re.Match[str]]] = []
    # the text again without the adverbs that sit inside a phrase ("nous ne pouvons
    # malheureusement pas donner suite", "we have now decided"): blanked, so offsets hold
    plain = _FILLERS.sub(lambda f: " " * len(f.group(0)), text)
    sources = (text, plain) if plain != text else (text,)
    for rule in rules.rules:
        denied = None
        if rule.tier == 4 and subject_end <= 0:
            continue  # a subject phrase, and no subject of their own
        found = None
        for source in sources:
            for m in rule.pattern.finditer(source, 0, subject_end if rule.tier == 4 else len(source)):
                if not _negated(text, m):
                    found = m
                    break
                denied = denied or m
            if found is not None:
                break
        if found is not None:
            raw.append((rule, found))
        elif denied is not None:  # kept, to be shown as a negation
            raw.append((rule, denied))
    info_sentences = {_sentence_of(text, m.start()) for rule, m in raw
                      if rule.outcome == "info" and rule.tier in (0, 1) and not _negated(text, m)}
    cues = []
    for rule, m in raw:
        strength = STRENGTH[rule.tier]
        position = ("subject" if m.start() < subject_end else
                    "first lines" if m.start() < first_end else "later")
        if position == "subject":
            strength += SUBJECT_BONUS
        sense = _sense(text, m)
        if _negated(text, m):
            sense, strength = "negation", 0
        elif rule.outcome != "rejection" and _past(text, m):
            sense, strength = "past event", 0
        elif rule.outcome in ("next-round", "offer") and _undecided(text, m, rule.tier == 3):
            sense, strength = "undecided", 0
        elif rule.outcome in ("next-round", "offer") and rule.tier == 3 and _of_others(text, m):
            sense, strength = "others' stage", 0
        elif rule.outcome in ("next-round", "offer") and (
                _purpose(text, m) or (rule.tier == 3 and _sentence_of(text, m.start()) in info_sentences)):
            sense, strength = "later stage", min(strength, NAMED)
        cues.append(Cue(rule.outcome, strength, position, sense, _phrase(folded, m.start(), m.end()),
                        rule.source, m.start(), m.end()))
    cues = _within_longer(cues)
    cues.extend(_invitation(msg, text, folded))
    return cues, text


def _within_longer(cues: list[Cue]) -> list[Cue]:
    """A cue whose words lie inside a longer cue of another outcome counts nothing: "unable
    to offer you the position" holds "offer you the position"."""
    out = []
    for c in cues:
        if c.strength and any(o.strength and o.outcome != c.outcome and o.at <= c.at and c.end <= o.end
                              and o.end - o.at > c.end - c.at for o in cues):
            c = Cue(c.outcome, 0, c.position, "within another", c.phrase, c.source, c.at, c.end)
        out.append(c)
    return out


def _invitation(msg: MailMessage, text: str, folded: Folded) -> list[Cue]:
    if msg.calendar_method == "REQUEST":
        what = re.sub(r"\s+", " ", msg.subject or "").strip()[:120]
        return [Cue("next-round", STRENGTH[1], "invitation", "statement",
                    f"an invitation: {what}" if what else "an invitation", "an iCalendar invitation (METHOD:REQUEST)",
                    -1)]
    m = _MEETING.search(text)
    if m:
        return [Cue("next-round", STRENGTH[2], "later", "statement", _phrase(folded, m.start(), m.end()),
                    "a meeting invitation's text", m.start())]
    return []


# what an invitation sent by mail carries: a video meeting to join, with its ID
_MEETING = re.compile(
    r"(?<!\w)(?:join (?:the |a )?(?:zoom|microsoft teams|teams|google meet|webex)(?: video)? meeting|"
    r"click here to join the meeting|join with google meet|meet\.google\.com/[a-z]{3}-|zoom\.us/j/\d|"
    r"teams\.microsoft\.com/l/meetup-join|webex\.com/(?:meet|join)|an microsoft teams-besprechung teilnehmen|"
    r"participer a une reunion microsoft teams|unirse a la reunion de (?:zoom|microsoft teams))"
)

_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n\s*\n")
_CLAUSE = re.compile(r"[.;:!?,()\n]|\s-+\s")  # (a dash: "thanks for getting back - could you ...")


def _sentence_of(text: str, at: int) -> int:
    """Where the sentence holding ``at`` starts (an id for "the same sentence")."""
    start = 0
    for m in _SENTENCE_END.finditer(text, max(0, at - 400), at):
        start = m.end()
    return start


def _sentence(text: str, m: re.Match[str]) -> str:
    start = _sentence_of(text, m.start())
    limit = min(len(text), m.end() + 400)
    end = _SENTENCE_END.search(text, m.end(), limit)
    return text[start:end.end() if end else limit]


_REQUEST = re.compile(
    r"\b(?:please|could you|can you|would you|kindly|bitte|konnten sie|konnen sie|wurden sie|"
    r"merci de|pourriez|pouvez-vous|veuillez|por favor|podria|podrias|puede|puedes|"
    r"potrebbe|potresti|per favore|zou je|zou u|kunt u|kun je|graag)\b"
)


def _sense(text: str, m: re.Match[str]) -> str:
    sentence = _sentence(text, m)
    if sentence.rstrip().endswith("?") or "?" in sentence[-3:]:
        return "question"
    if _REQUEST.search(sentence):
        return "request"
    return "statement"


def _clause_before(text: str, m: re.Match[str], reach: int = 70) -> str:
    window = text[max(0, m.start() - reach):m.start()]
    ends = list(_CLAUSE.finditer(window))
    return window[ends[-1].end():] if ends else window


# Words that put what follows in the past: "thank you for (coming to) the second interview",
# "after / following / since / during your onsite", and their translations. A conjunction
# after them starts a new thought ("thanks for your time and we'd like to invite you").
_PAST_BEFORE = re.compile(
    r"\b(?:thank you|thanks|thanks again|many thanks|grateful|enjoyed|after|following|since|during|"
    r"feedback (?:from|on)|danke|dank|nach|seit|wahrend|merci|apres|suite a|lors d[eu]|depuis|pendant|"
    r"gracias|despues de|tras|durante|desde|grazie|dopo|bedankt|tijdens)\b"
)
_CONJUNCTION = re.compile(
    r"\b(?:and|but|so|und|aber|sondern|et|mais|donc|y|pero|ma|maar|en|could|would|can|please|bitte|"
    r"pourriez|podria|podrias|potrebbe|kunt|zou)\b"
)
_PAST_AFTER = re.compile(
    r"^[^.;!?\n]{0,25}?\b(?:last (?:week|monday|tuesday|wednesday|thursday|friday)|yesterday|earlier today|"
    r"this morning|ago|(?:was|went|were) (?:great|good|very|really|a|positive|productive)|took place|"
    r"letzte woche|letzten (?:montag|dienstag|mittwoch|donnerstag|freitag)|gestern|vergangene woche|"
    r"heute morgen|stattgefunden|la semaine derniere|hier\b|ce matin|la semana pasada|ayer|esta manana|"
    r"la settimana scorsa|ieri|vorige week|gisteren|vanochtend|"
    # an opinion of it: "het tweede gesprek als heel prettig ervaren", "hat uns sehr gefallen"
    r"als (?:\w+ ){0,2}?(?:prettig|fijn|leuk|positief|plezierig|goed) ervaren|"
    r"(?:hat|haben) (?:uns |mir )?(?:\w+ )?gefallen|(?:s'est|a ete) (?:tres |vraiment )?(?:bien passe|agreable)|"
    r"(?:fue|ha sido) (?:muy )?(?:agradable|positiv[oa]|interesante)|(?:e stato|e andato) (?:molto )?(?:piacevole|bene|positivo))"
)
# Words that make what follows the purpose of a request, not an invitation: "before we move
# you to the final round, could you ...", "to prepare the contract, please send ...".
_PURPOSE_BEFORE = re.compile(
    r"\b(?:before|ahead of|prior to|to prepare|in preparation for|in order to|so (?:that )?(?:we|i) can|"
    r"vor dem|vor der|vor ihrem|bevor|zur vorbereitung|um (?:den|die|das|ihren|ihre) |damit (?:wir|ich) |"
    r"avant|en vue d|pour preparer|afin de|pour que (?:nous|je) |antes de|para preparar|de cara a|"
    r"para que (?:podamos|pueda) |para poder|prima d|per preparare|per poter|affinche|in modo da|voordat|"
    r"ter voorbereiding|zodat (?:we|wij|ik) )"
)


# A decision still to be taken about who goes on: "decide who moves on to the next round",
# "entscheiden, wer in die nächste Runde kommt", "décider qui passera à l'étape suivante",
# "decidir quién pasa a la siguiente fase", "decidere chi passerà", "beslissen wie doorgaat",
# "decide whether to make you an offer", "entscheiden, ob wir Ihnen ein Angebot machen".
_UNDECIDED_BEFORE = re.compile(
    r"\b(?:decide|decides|deciding|decision (?:on|about|as to)|"
    r"entscheiden|entscheidet|entscheidung (?:daruber|uber|dazu)|"
    r"decider|deciderons|decideront|decision (?:sur|quant a)|"
    r"decidir|decidiremos|decidiran|decision sobre|"
    r"decidere|decideremo|decideranno|decisione su|"
    r"beslissen|besluiten)\b[^.;!?\n]{0,40}?"
    r"\b(?:who|whom|whether|if|wer|wen|ob|qui|si|quien|quienes|chi|se|wie|of)\b"
)
# A decision that comes after the stage: "we will then decide", "wir entscheiden danach",
# "nous prendrons ensuite une décision", "tomaremos una decisión", "prenderemo una decisione",
# "we nemen daarna een besluit".
_DECISION_TO_COME = re.compile(
    r"\b(?:(?:will|'ll|shall|going to|then) (?:\w+ ){0,2}?(?:decide|make (?:a|our|the|their|its|a final) decision|"
    r"reach (?:a|our|the|their) decision|come to a decision|take (?:a|the|our) decision)|"
    r"decision (?:will|is going to) be (?:made|taken)|"
    r"(?:werden|wird|wollen|mochten) (?:\w+ ){0,4}?(?:entscheiden|(?:eine|die|unsere|ihre) entscheidung treffen)|"
    r"entscheidung (?:\w+ ){0,3}?(?:fallen|treffen|getroffen werden)|(?:danach|anschliessend|dann) entscheiden|"
    r"(?:prendrons|prendront|prendra|allons prendre|vont prendre|va prendre) (?:\w+ )?(?:une|la|notre|leur|sa) decision|"
    r"deciderons|decideront|"
    r"(?:tomaremos|tomaran|tomara|vamos a tomar|van a tomar|va a tomar) (?:\w+ )?(?:una|la|nuestra|su) decision|"
    r"decidiremos|decidiran|"
    r"(?:prenderemo|prenderanno|prendera) (?:\w+ )?(?:una|la) decisione|decideremo|decideranno|"
    r"(?:nemen|neemt|zullen|gaan) (?:\w+ ){0,3}?(?:een|het|de|ons) (?:besluit|beslissing)|"
    r"(?:beslissen|besluiten) (?:we|wij|ze|zij)\b)"
)


def _undecided(text: str, m: re.Match[str], mention: bool) -> bool:
    """A stage or an offer in a decision still to be taken (``_UNDECIDED_BEFORE`` in its
    clause); or a stage only named, with a decision to come after it (``_DECISION_TO_COME``
    in the rest of its sentence or in the next one)."""
    if _UNDECIDED_BEFORE.search(text, max(_sentence_of(text, m.start()), m.start() - 120), m.start()):
        return True
    if not mention:
        return False
    end = _SENTENCE_END.search(text, m.end(), min(len(text), m.end() + 400))
    limit = end.end() if end else min(len(text), m.end() + 400)
    nxt = _SENTENCE_END.search(text, limit, min(len(text), limit + 400))
    return bool(_DECISION_TO_COME.search(text, m.end(), nxt.end() if nxt else min(len(text), limit + 400)))


# Who a stage is for, when it is someone else's: "the other candidates finish their final
# round next week", "zwei andere Kandidaten haben noch ihr zweites Gespräch".
_OTHERS = re.compile(
    r"\b(?:other (?:candidates|applicants|finalists|people)|the others|(?:two|three|some|most|all) of them|"
    r"andere[n]? (?:kandidat|bewerber|finalist|sollicitant)\w*|autres? (?:candidat|finaliste)\w*|"
    r"otr[oa]s (?:candidat|finalist)\w*|altri (?:candidati|finalisti)|altre candidate)\b"
)


def _of_others(text: str, m: re.Match[str]) -> bool:
    """A stage named in a sentence about other candidates, before it: theirs, not yours."""
    start = _sentence_of(text, m.start())
    return bool(_OTHERS.search(text, start, m.start()))


def _past(text: str, m: re.Match[str]) -> bool:
    before = _clause_before(text, m)
    # a conjunction right before the cue joins two things thanked for ("danke für Ihre
    # Rückmeldung zu Gehalt und Kündigungsfrist"), not a new thought
    joins = [j for j in _CONJUNCTION.finditer(before) if before[j.end():].strip()]
    if joins:
        before = before[joins[-1].end():]
    before = " ".join(before.split()[-8:])  # the marker a few words before the cue at most
    return bool(_PAST_BEFORE.search(before) or _PAST_AFTER.match(text, m.end()))


def _purpose(text: str, m: re.Match[str]) -> bool:
    return bool(_PURPOSE_BEFORE.search(_clause_before(text, m)))


def _first_lines_end(text: str, start: int) -> int:
    """Where the first lines of the body end: its first two paragraphs after a greeting,
    and at most 400 characters."""
    end = start
    for _ in range(3):
        nxt = text.find("\n\n", end + 1)
        if nxt < 0:
            return len(text)
        end = nxt
    return min(end, start + 400)


def _phrase(folded: Folded, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", folded.original(start, end)).strip()


def _blank(text: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for pattern in patterns:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


# --- the words the person wrote -------------------------------------------------------

_REPLY_PREFIX = re.compile(
    r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:re|aw|antw|antwort|sv|vs|rv|ref|res|r|wg|fw|fwd|tr|enc|rif|i|doorst)"
    r"\s*+(?:\[\d+\])?\s*+:",  # possessive: a long run of spaces is not split every way
    re.IGNORECASE,
)
# words that turn from what was said before ("That said, ...", "stattdessen", "en revanche")
_CONTRAST = re.compile(
    r"\b(?:but|however|that said|having said that|instead|on the other hand|aber|jedoch|stattdessen|allerdings|"
    r"mais|cependant|en revanche|toutefois|par contre|pero|sin embargo|en cambio|no obstante|tuttavia|invece|"
    r"maar|echter|daarentegen)\b"
)
# adverbs that may stand inside any phrase, with a comma after them ("malheureusement,")
_FILLERS = re.compile(
    r"(?<!\w)(?:unfortunately|sadly|regrettably|ultimately|finally|eventually|currently|now|really|truly|"
    r"leider|bedauerlicherweise|letztlich|letztendlich|schliesslich|nun|jetzt|derzeit|aktuell|"
    r"malheureusement|helas|finalement|actuellement|vraiment|lamentablemente|desafortunadamente|finalmente|"
    r"actualmente|purtroppo|attualmente|helaas|uiteindelijk|momenteel)(?!\w),?"
)
# a subject that says the message forwards another
_FORWARD_PREFIX = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:fw|fwd|wg|tr|enc|rv|i|doorst)\s*+:", re.IGNORECASE)
_QUOTE_LEADS = re.compile(r"^\s*(?:on|am|le|el|il|op)\b", re.IGNORECASE)
# "On ... wrote:" and its translations: the line, without the final ":" and the white space
# around it, matches this. (Written as one expression, ``...schrieb\b.{0,200}\s*:\s*$``,
# it tried every split of a long run of spaces between ``.{0,200}`` and ``\s*``: 10 ms a
# line for "am schrieb schrieb ...", 0.6 s for a body of such lines.)
_QUOTE_HEADER = re.compile(
    r"^\s*(?:on\b.{0,300}\bwrote|am\b.{0,300}\bschrieb\b.{0,200}|le\b.{0,300}\ba ecrit|"
    r"el\b.{0,300}\bescribio|il\b.{0,300}\bha scritto|op\b.{0,300}\bschreef\b.{0,200})$"
)
_ORIGINAL_MARK = re.compile(
    r"^\s*-{2,}\s*(?:original message|ursprungliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|forwarded message|weitergeleitete nachricht|"
    r"message transfere|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht)\s*-{2,}\s*$"
)
_FORWARD_MARK = re.compile(
    r"^\s*-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transfere|mensaje reenviado|"
    r"messaggio inoltrato|doorgestuurd bericht)\s*-{2,}\s*$"
)
_MAX_NESTING = 4  # forwards inside forwards, answers below quotes below quotes
# A forward with at most this many words of its own is a note on what it forwards.
_FORWARD_NOTE_WORDS = 25
_HEADER_LINE = re.compile(r"^\s*+\**+[\w-]{1,20}\s*+\**+\s*+:")
# Possessive quantifiers (``*+``): "from" and 20,000 spaces took seconds otherwise.
_OUTLOOK_FROM = re.compile(r"^\s*+\**+(?:from|von|de|da|van)\s*+\**+\s*+:")
_OUTLOOK_SENT = re.compile(
    r"^\s*+\**+(?:sent|date|gesendet|datum|envoye|enviado|fecha|inviato|data|verzonden)\s*+\**+\s*+:"
)
_SIGNATURE = re.compile(r"^--\s?$")


def reply_text(msg: MailMessage) -> str:
    """The subject (unless it answers or forwards ours) and the body without quoted mail
    and signature: the words this message's author wrote."""
    subject, body = reply_parts(msg)
    return f"{subject}\n\n{body}".strip()


def reply_parts(msg: MailMessage) -> tuple[str, str]:
    """(subject, body) of ``reply_text``: the subject "" when it answers or forwards ours."""
    subject = (msg.subject or "")[:SCAN_LIMIT]
    forwarded = _FORWARD_PREFIX.match(subject) is not None
    if _REPLY_PREFIX.match(subject):
        subject = ""
    recipients = tuple(p.email.lower() for p in msg.to if p.email)
    return subject.strip(), own_words(msg.body[:SCAN_LIMIT], forwarded, recipients)


def own_words(body: str, forwarded: bool = False, recipients: tuple[str, ...] = (), depth: int = 0) -> str:
    """The lines the author wrote, up to the quoted mail or the signature. A forward whose own
    words are only a pointer ("see below, sorry") says what it forwards: the forwarded message
    is read as the author's words too (``_FORWARD_NOTE_WORDS``), unless it is the recipients'
    own (``forwarded``: the subject says it is a forward, so a quoted header block is what it
    forwards). An answer written below the quote ("On ... wrote:", "> ...") is the author's.
    Forwards and quotes are followed ``_MAX_NESTING`` deep at most."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    folded = [fold(line).text for line in lines]
    kept: list[str] = []
    for i, line in enumerate(lines):
        quote = _quote_starts(folded, i)
        if quote or _SIGNATURE.match(line):
            words = len(_WORD.findall(" ".join(kept)))
            if depth < _MAX_NESTING:
                if (words <= _FORWARD_NOTE_WORDS and (_FORWARD_MARK.match(folded[i]) or (forwarded and quote))
                        and not _from_recipient(folded, i + 1, recipients)):
                    kept.append(own_words("\n".join(_after_header_block(lines, i + 1)), depth=depth + 1))
                elif not words and _QUOTE_LEADS.match(folded[i]):
                    kept.append(own_words("\n".join(_below_quote(lines, i + 1)), forwarded, recipients, depth + 1))
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


def _from_recipient(folded: list[str], start: int, recipients: tuple[str, ...]) -> bool:
    """Whether the header block from ``start`` says the quoted message is from a recipient of
    this one (the user's own mail, forwarded to a colleague with the user copied)."""
    for line in folded[start : start + 12]:
        if _OUTLOOK_FROM.match(line):
            return any(r in line for r in recipients)
    return False


def _below_quote(lines: list[str], start: int) -> list[str]:
    """What follows a "> "-quoted block (an answer written below the quote), or []."""
    i = start
    while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith(">")):
        i += 1
    return lines[i:] if any(line.lstrip().startswith(">") for line in lines[start:i]) else []


def _after_header_block(lines: list[str], start: int) -> list[str]:
    """The forwarded message's lines after its header block (From:, Date:, Subject:, To:)."""
    i = start
    while i < len(lines) and (not lines[i].strip() or _HEADER_LINE.match(lines[i])) and i < start + 12:
        i += 1
    return lines[i:]


def _quote_starts(folded: list[str], i: int) -> bool:
    line = folded[i]
    if _ORIGINAL_MARK.match(line):
        return True
    if _OUTLOOK_FROM.match(line):
        return any(_OUTLOOK_SENT.match(folded[j]) for j in range(i + 1, min(i + 5, len(folded))))
    if line.strip().startswith("_" * 10):  # Outlook's rule above a header block
        return any(_OUTLOOK_FROM.match(folded[j]) for j in range(i + 1, min(i + 3, len(folded))))
    if _QUOTE_LEADS.match(line):
        return any(_is_quote_header(" ".join(folded[i:i + n])) for n in (1, 2, 3))
    return False


def _is_quote_header(line: str) -> bool:
    line = line.rstrip()
    return line.endswith(":") and _QUOTE_HEADER.match(line[:-1].rstrip()) is not None


# --- negation ---------------------------------------------------------------------------

_NEGATIONS = frozenset(
    "not no never cannot nicht kein keine keinen keinem keiner nie niemals ne pas jamais "
    "nunca tampoco non niet geen nooit".split()
)
_CLAUSE_END = re.compile(r"[.;:!?,\n]")
_WORD = re.compile(r"[\w']+")


def _negated(text: str, m: re.Match[str]) -> bool:
    """True when one of the six words before the match, in its clause, negates it —
    unless the phrase starts with a negation itself ("pas retenue", "not selected"): then
    the words before are its frame ("n'a pas", "were not"), not a denial."""
    first = _WORD.match(m.group(0))
    if first and _is_negation(first.group(0)):
        return False
    window = text[max(0, m.start() - 80):m.start()]
    ends = list(_CLAUSE_END.finditer(window))
    if ends:
        window = window[ends[-1].end():]
    return any(_is_negation(word) for word in _WORD.findall(window)[-6:])


def _is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't") or word.startswith("n'")
