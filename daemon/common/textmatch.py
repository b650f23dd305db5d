"""Matching words in mail text without caring about case, accents or typography.

``fold`` turns text into a comparable form — case folded, accents removed, typographic
apostrophes and non-breaking spaces made plain — and keeps, for every character of the
folded text, the index of the character it came from, so that a match can be reported in
the message's own words (``Folded.original``).

Phrases (``compile_phrase``) are written the way people read them: words separated by
spaces, matched on word boundaries, any run of white space between words. A phrase that
starts with ``re:`` is a Python regular expression instead, matched on the folded text
(lower case, no accents) and also on word boundaries.

Used by ``daemon.mail.classify`` (reply rules) and ``daemon.mail.automatic`` (return dates).

Bounds: the matchers read at most ``SCAN_LIMIT`` characters of one message's subject and
body each (the parser already keeps only 20,000 of the body); ``fold`` is linear, and the
built-in expressions are free of nested unbounded repetition, so that no text makes a
match take more than linear time (tests/test_mail_hostile.py runs them on adversarial
text under a time limit). Expressions from the configuration (``re:``) are the user's own.
"""

from __future__ import annotations

import re
import unicodedata

from interview_followup.daemon.frozen import frozen

REGEX_PREFIX = "re:"
SCAN_LIMIT = 64 * 1024  # characters of one message's subject, and of its body, that matchers read

_PLAIN = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    # invisible: zero-width spaces and joiners, the word joiner, a byte order mark, soft hyphens
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "", "\u00ad": "",
})


@frozen
class Folded:
    """Folded text and, per folded character, the index of its source character."""

    text: str
    source: str
    index: tuple[int, ...]

    def original(self, start: int, end: int) -> str:
        """The source text that folded into ``text[start:end]``."""
        if start >= end or not self.index:
            return ""
        return self.source[self.index[start]:self.index[end - 1] + 1]


def fold_word(text: str) -> str:
    """``text`` folded, without the index (for patterns and table entries)."""
    return fold(text).text


def fold(text: str) -> Folded:
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            piece = ch.lower()
        else:
            decomposed = unicodedata.normalize("NFKD", ch.translate(_PLAIN))
            piece = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        out.append(piece)
        index.extend([i] * len(piece))
    return Folded("".join(out), text, tuple(index))


def phrase_pattern(phrase: str) -> str:
    """The regular expression (on folded text) of a phrase as the rule files write it."""
    phrase = phrase.strip()
    if phrase.lower().startswith(REGEX_PREFIX):
        body = phrase[len(REGEX_PREFIX):].strip()
        # Accents in a hand-written regex are folded like the text; escapes are ASCII.
        body = "".join(c for c in unicodedata.normalize("NFKD", body.translate(_PLAIN))
                       if not unicodedata.combining(c)).replace("ß", "ss")
        body = _spaces_match_white_space(body)
    else:
        words = fold_word(phrase).split()
        body = r"\s+".join(re.escape(w) for w in words)
    return rf"(?<!\w)(?:{body})(?!\w)"


def _spaces_match_white_space(regex: str) -> str:
    """A space in a hand-written regex matches any run of white space, as in a phrase
    (text wraps: "offer you the\\nposition"), and " ?" any white space or none; spaces in
    a character class stay spaces."""
    out: list[str] = []
    in_class = escaped = False
    optional = False
    for i, c in enumerate(regex):
        if optional:  # the "?" of an optional space, already written as \s*
            optional = False
            continue
        if escaped:
            out.append(c)
            escaped = False
        elif c == "\\":
            out.append(c)
            escaped = True
        elif in_class:
            out.append(c)
            in_class = c != "]"
        elif c == "[":
            out.append(c)
            in_class = True
        elif c == " " and regex[i + 1:i + 2] == "?":
            out.append(r"\s*")
            optional = True
        elif c == " ":
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        else:
            out.append(c)
    return "".join(out)


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """The compiled pattern of a phrase; raises ``re.error`` or ``ValueError`` if unusable."""
    if not isinstance(phrase, str) or not phrase.strip() or phrase.strip().lower() == REGEX_PREFIX:
        raise ValueError("an empty phrase matches everything")
    pattern = re.compile(phrase_pattern(phrase), re.IGNORECASE)
    if pattern.search(""):
        raise ValueError("it matches empty text")
    return pattern


def phrase_problem(phrase: object) -> str:
    """Why ``phrase`` cannot be used as a rule ("" when it can), for config validation."""
    if not isinstance(phrase, str):
        return f"expected a string, got {type(phrase).__name__}"
    try:
        compile_phrase(phrase)
    except re.error as exc:
        return f"not a valid regular expression after 're:': {exc}"
    except ValueError as exc:
        return str(exc)
    return ""
