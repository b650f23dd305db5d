"""What a person's reply says: a rejection, an offer, another round, a request, or other.

``classify(msg, rules)`` reads the subject and the text the person wrote, and returns a
``Verdict`` with the exact words that decided (as the message has them) and where the
rule came from. The rules are phrases a user can read and extend:

- built in: ``daemon/data/reply_rules.toml``, per language (English, German, French,
  Spanish), per outcome, each phrase *strong* (it says the outcome by itself: "we have
  decided to move forward with other candidates") or *weak* (it often comes with it:
  "we will keep your CV on file");
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

Deciding:

- A match is skipped when one of the four words before it, in the same clause, is a
  negation (not, n't, no, never, nicht, kein..., ne, n', pas, jamais, nunca, ...): "we are
  not moving forward with other candidates" is no rejection. Phrases that carry their own
  negation ("we will not be moving forward with your application") are written whole.
- Priority: first by tier — a phrase from the config, then a strong built-in phrase, then
  a weak one; within a tier, offer > rejection > next-round > info. An offer mail may
  mention references or a start date; a rejection may offer a call for feedback; an
  invitation may ask for availability — the more decisive outcome wins. "Unfortunately"
  alone is no rule: "unfortunately I'm travelling next week, could we schedule ..." is
  a scheduling reply.
- Nothing found: "other", with phrase "".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from interview_followup.daemon.model import MailMessage, Verdict
from interview_followup.daemon.common.textmatch import SCAN_LIMIT, Folded, compile_phrase, fold

if TYPE_CHECKING:
    from interview_followup.daemon.config import Replies

OUTCOMES = ("offer", "rejection", "next-round", "info")  # in order of priority
KEYS = {"offer": "offer", "rejection": "rejection", "next_round": "next-round", "info": "info"}
TIERS = ("config", "strong", "weak")
RULES_FILE = "reply_rules.toml"


@dataclass(frozen=True)
class Rule:
    outcome: str  # one of OUTCOMES
    tier: int  # index in TIERS
    phrase: str  # as written in the rule file or config
    source: str  # "built-in (de)" or "config: replies.offer"
    pattern: re.Pattern[str]


@dataclass(frozen=True)
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
                    extra.append(Rule(outcome, 0, phrase, f"config: replies.{key}", compile_phrase(phrase)))
            ignore = tuple(compile_phrase(p) for p in replies.ignore)
        return cls((*extra, *_builtin_rules()), ignore)


@lru_cache(maxsize=1)
def _builtin_rules() -> tuple[Rule, ...]:
    text = resources.files("interview_followup.daemon.data").joinpath(RULES_FILE).read_text(encoding="utf-8")
    return parse_rules(tomllib.loads(text))


def parse_rules(data: dict) -> tuple[Rule, ...]:
    """Rules from the rule file's shape: ``[LANG.OUTCOME]`` tables of ``strong`` and ``weak``
    phrase lists. Raises ValueError naming the entry that cannot be used."""
    out = []
    for lang, outcomes in data.items():
        for key, tiers in outcomes.items():
            if key not in KEYS:
                raise ValueError(f"{RULES_FILE}: [{lang}.{key}] is not one of {', '.join(KEYS)}")
            for tier_name, phrases in tiers.items():
                if tier_name not in ("strong", "weak"):
                    raise ValueError(f"{RULES_FILE}: {lang}.{key}.{tier_name} is not strong or weak")
                for phrase in phrases:
                    try:
                        pattern = compile_phrase(phrase)
                    except (re.error, ValueError) as exc:
                        raise ValueError(f"{RULES_FILE}: {lang}.{key}: {phrase!r}: {exc}") from None
                    out.append(Rule(KEYS[key], TIERS.index(tier_name), phrase, f"built-in ({lang})", pattern))
    return tuple(out)


def classify(msg: MailMessage, rules: Rules) -> Verdict:
    """What ``msg`` says, by the first rule in priority order that matches its own words."""
    folded = fold(reply_text(msg))
    text = _blank(folded.text, rules.ignore)
    best: tuple[int, int, int, Rule, int, int] | None = None
    for rule in rules.rules:
        for m in rule.pattern.finditer(text):
            if _negated(text, m):
                continue
            rank = (rule.tier, OUTCOMES.index(rule.outcome), m.start())
            if best is None or rank < best[:3]:
                best = (*rank, rule, m.start(), m.end())
            break
    if best is None:
        return Verdict("other")
    rule, start, end = best[3], best[4], best[5]
    return Verdict(rule.outcome, _phrase(folded, start, end), rule.source)


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
    r"message transfere|mensaje reenviado)\s*-{2,}\s*$"
)
# Possessive quantifiers (``*+``): "from" and 20,000 spaces took seconds otherwise.
_OUTLOOK_FROM = re.compile(r"^\s*+\**+(?:from|von|de|da|van)\s*+\**+\s*+:")
_OUTLOOK_SENT = re.compile(
    r"^\s*+\**+(?:sent|date|gesendet|datum|envoye|enviado|fecha|inviato|data|verzonden)\s*+\**+\s*+:"
)
_SIGNATURE = re.compile(r"^--\s?$")


def reply_text(msg: MailMessage) -> str:
    """The subject (unless it answers or forwards ours) and the body without quoted mail
    and signature: the words this message's author wrote."""
    subject = (msg.subject or "")[:SCAN_LIMIT]
    if _REPLY_PREFIX.match(subject):
        subject = ""
    return f"{subject}\n\n{own_words(msg.body[:SCAN_LIMIT])}".strip()


def own_words(body: str) -> str:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    folded = [fold(line).text for line in lines]
    kept = []
    for i, line in enumerate(lines):
        if _quote_starts(folded, i) or _SIGNATURE.match(line):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()


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
    "nunca tampoco non".split()
)
_CLAUSE_END = re.compile(r"[.;:!?,\n]")
_WORD = re.compile(r"[\w']+")


def _negated(text: str, m: re.Match[str]) -> bool:
    """True when one of the four words before the match, in its clause, negates it —
    unless the phrase starts with a negation itself ("pas retenue", "not selected"): then
    the words before are its frame ("n'a pas", "were not"), not a denial."""
    first = _WORD.match(m.group(0))
    if first and _is_negation(first.group(0)):
        return False
    window = text[max(0, m.start() - 60):m.start()]
    ends = list(_CLAUSE_END.finditer(window))
    if ends:
        window = window[ends[-1].end():]
    return any(_is_negation(word) for word in _WORD.findall(window)[-4:])


def _is_negation(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't") or word.startswith("n'")
