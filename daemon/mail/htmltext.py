"""The text of an HTML mail part, in time linear in its length.

``html_text`` gives what ``html.parser.HTMLParser`` (Python 3.11, ``convert_charrefs``)
reports as data, with a line break for each block element's start and end tag and
nothing of ``script``, ``style``, ``head`` and ``title``: the same tokens, found by the
same regular expressions (written so that their memory does not grow with the text, see
below), in the same order. What differs is only how an *unterminated*
construct (a ``<`` that opens a tag, comment or declaration that never ends) is handled.
``HTMLParser`` then treats the ``<`` as text and scans again from the next ``<``, each
scan running to the end of the text: 4 KB of ``<a `` took 0.75 s, 25 KB over two minutes
(the time grows with the cube of the length). Here:

- a search that found no end (no ``>``, no ``-->``) is remembered, so that the same
  search from a later ``<`` is not run again (it cannot succeed either);
- once a start tag ran unterminated to the end of the text, every later ``<`` followed by
  a letter is read as text at once (what ``HTMLParser`` ends up doing, after its scans);
- the characters all scans together may read are bounded (``WORK_PER_CHAR`` per
  character of the text). Past that bound the text is read the simple way instead
  (``strip_tags``: every ``<...>`` becomes a space), as ``HTMLParser``'s own failures
  (an unknown ``<![keyword``) always were.

Well-formed HTML, and HTML whose only fault is a stray ``<`` or a tag cut off at the end
(a message truncated by the mailbox's size limit), reads exactly as before; the tests
compare the two on the reply corpus and on random markup.
"""

from __future__ import annotations

import re
from html import unescape

WORK_PER_CHAR = 8  # what all scans together may read, per character of the text
WORK_FLOOR = 64 * 1024  # ... and at least this many characters for short texts

BLOCK = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
SKIP = frozenset({"script", "style", "head", "title"})
_CDATA_ELEMENTS = ("script", "style")

# The expressions of ``html.parser`` and ``_markupbase`` (Python 3.11), copied so that the
# reading does not change with the Python version, and rewritten so that their memory does
# not grow with the text: the regular expression engine keeps some 120 bytes per turn of a
# repeated group (``(?:\s|/(?!>))*``, and the attribute loop of ``locatestarttagend``),
# 60 MB for 500,000 spaces, where a repeated character class costs nothing. So
# ``(?:\s|/(?!>))*`` — white space and slashes, but no slash just before ">" — is written
# ``(?:[\s/]*(?:\s|/(?!>)))?`` (the same match), and ``locatestarttagend_tolerant`` is
# ``_TAG_OPEN`` then ``_ATTRIBUTE`` as often as it matches, then white space
# (``start_tag``): its attributes' trailing ``\s*`` adds nothing to the run that follows.
_STARTTAG_OPEN = re.compile("<[a-zA-Z]")
_SPACE_SLASH = r"(?:[\s/]*(?:\s|/(?!>)))?"
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)" + _SPACE_SLASH)  # tagfind_tolerant
_ATTRIBUTE = re.compile(  # attrfind_tolerant
    r'((?<=[\'"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*'
    r'(\'[^\']*\'|"[^"]*"|(?![\'"])[^>\s]*))?' + _SPACE_SLASH)
_TAG_OPEN = re.compile(r"<[a-zA-Z][^\t\n\r\f />\x00]*[\s/]*")
_SPACES = re.compile(r"\s*")
_END_TAG = re.compile(r"</\s*([a-zA-Z][-.a-zA-Z0-9:_]*)\s*>")
_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"]\s*]\s*>")
_MS_SECTION_CLOSE = re.compile(r"]\s*>")
_DECLARATION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_CDATA_END = {name: re.compile(r"</\s*%s\s*>" % name, re.I) for name in _CDATA_ELEMENTS}
_GT = re.compile(">")
_LT = re.compile("<")


class _Unreadable(Exception):
    """The markup cannot be read token by token (as ``HTMLParser`` raising)."""


class _Enough(Exception):
    """The text read so far is all the caller wants."""


class _Search:
    """``pattern.search(text, pos)``, remembering the last answer: a search that found
    nothing from ``pos`` finds nothing from any later position, and one that found a
    match at ``m`` finds the same from any position up to ``m``. Charges what it reads."""

    def __init__(self, reader: _Reader, pattern: re.Pattern[str]) -> None:
        self.reader, self.pattern = reader, pattern
        self.asked_from = -1
        self.found: re.Match[str] | None = None

    def __call__(self, pos: int) -> re.Match[str] | None:
        if self.asked_from >= 0 and pos >= self.asked_from:
            if self.found is None:
                return None
            if pos <= self.found.start():
                return self.found
        found = self.pattern.search(self.reader.text, pos)
        self.reader.charge((found.end() if found else len(self.reader.text)) - pos)
        self.asked_from, self.found = pos, found
        return found


class _Reader:
    def __init__(self, text: str, enough: int | None = None) -> None:
        self.text = text
        self.enough = enough
        self.kept = 0  # characters other than white space in ``parts``
        self.parts: list[str] = []
        self.skipping = 0
        self.cdata: str | None = None
        self.work_left = max(WORK_FLOOR, WORK_PER_CHAR * len(text))
        self.start_tags_unterminated = False
        self.next_gt = _Search(self, _GT)
        self.next_lt = _Search(self, _LT)
        self.searches: dict[re.Pattern[str], _Search] = {}

    def charge(self, chars: int) -> None:
        self.work_left -= chars + 1
        if self.work_left < 0:
            raise _Unreadable("too much work")

    def search(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        if pattern not in self.searches:
            self.searches[pattern] = _Search(self, pattern)
        return self.searches[pattern](pos)

    def match(self, pattern: re.Pattern[str], pos: int) -> re.Match[str] | None:
        found = pattern.match(self.text, pos)
        self.charge((found.end() if found else 1) - pos)
        return found

    def find(self, char: str, pos: int) -> int:
        found = (self.next_gt if char == ">" else self.next_lt)(pos)
        return found.start() if found else -1

    # --- what the text handler does (``_strip_html``'s rules) ---------------------------

    def data(self, text: str) -> None:
        if not self.skipping:
            self.parts.append(text)
            if self.enough is not None:
                self.kept += len("".join(text.split()))
                if self.kept > self.enough:
                    raise _Enough()

    def start(self, tag: str) -> None:
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCK:
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK:
            self.parts.append("\n")

    # --- the tokens (``HTMLParser.goahead(end=True)`` and the parse_* methods) ---------------

    def read(self) -> list[str]:
        try:
            return self.tokens()
        except _Enough:
            return self.parts

    def tokens(self) -> list[str]:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            if self.cdata is None:
                j = text.find("<", i)  # reads no character twice: i moves on to j
                if j < 0:
                    j = n
            else:
                found = self.search(_CDATA_END[self.cdata], i)
                if found is None:
                    break  # an unclosed script or style: the rest is never text
                j = found.start()
            if i < j:
                self.data(unescape(text[i:j]) if self.cdata is None else text[i:j])
            i = j
            if i == n:
                break
            if _STARTTAG_OPEN.match(text, i):
                k = -1 if self.start_tags_unterminated else self.start_tag(i)
            elif text.startswith("</", i):
                k = self.end_tag(i)
            elif text.startswith("<!--", i):
                k = self.closed_by(_COMMENT_CLOSE, i, i + 4)
            elif text.startswith("<?", i):
                k = self.closed_by(_GT, i, i + 2)
            elif text.startswith("<!", i):
                k = self.declaration(i)
            elif i + 1 < n:
                self.data("<")
                k = i + 1
            else:
                break
            if k < 0:  # unterminated: the "<" is text, up to the next ">" or "<"
                k = self.find(">", i + 1)
                if k < 0:
                    k = self.find("<", i + 1)
                    if k < 0:
                        k = i + 1
                else:
                    k += 1
                self.data(unescape(text[i:k]) if self.cdata is None else text[i:k])
            i = k
        if i < n and self.cdata is None:
            self.data(unescape(text[i:n]))
        return self.parts

    def closed_by(self, pattern: re.Pattern[str], i: int, after: int) -> int:
        found = self.search(pattern, after)
        return found.end() if found else -1

    def declaration(self, i: int) -> int:
        text = self.text
        if text.startswith("<![", i):
            name_at = i + 3
            if name_at == len(text):
                return -1
            name = self.match(_DECLARATION_NAME, name_at)
            if name is None:
                raise _Unreadable("a marked section without a name")
            if name.end() == len(text):
                return -1
            keyword = name.group().strip().lower()
            if keyword in ("temp", "cdata", "ignore", "include", "rcdata"):
                return self.closed_by(_SECTION_CLOSE, i, i + 3)
            if keyword in ("if", "else", "endif"):
                return self.closed_by(_MS_SECTION_CLOSE, i, i + 3)
            raise _Unreadable("an unknown marked section")
        if text[i:i + 9].lower() == "<!doctype":
            gt = self.find(">", i + 9)
            return gt + 1 if gt >= 0 else -1
        gt = self.find(">", i + 2)  # a bogus comment
        return gt + 1 if gt >= 0 else -1

    def start_tag(self, i: int) -> int:
        text = self.text
        j = _TAG_OPEN.match(text, i).end()  # where locatestarttagend_tolerant stops:
        while True:
            attribute = _ATTRIBUTE.match(text, j)
            if attribute is None:
                break
            j = attribute.end()
        j = _SPACES.match(text, j).end()
        self.charge(j - i)
        following = text[j:j + 1]
        if following == ">":
            end = j + 1
        elif following == "/":
            if text.startswith("/>", j):
                end = j + 2
            else:
                return -1  # "/" at the end of the text
        elif following == "":
            self.start_tags_unterminated = True  # every later scan would run to the end too
            return -1
        elif following.isascii() and (following.isalpha() or following == "="):
            return -1
        else:
            end = j
        name = _TAG_NAME.match(text, i + 1)
        tag = name.group(1).lower()
        k = name.end()
        while k < end:
            attribute = _ATTRIBUTE.match(text, k)
            if attribute is None:
                break
            k = attribute.end()
        self.charge(k - i)
        if text[k:end].strip() not in (">", "/>"):
            self.data(text[i:end])
            return end
        if text[k:end].strip().endswith("/>"):
            self.start(tag)
            self.end(tag)
        else:
            self.start(tag)
            if tag in _CDATA_ELEMENTS:
                self.cdata = tag
        return end

    def end_tag(self, i: int) -> int:
        text = self.text
        gt = self.find(">", i + 1)
        if gt < 0:
            return -1
        after = gt + 1
        whole = self.match(_END_TAG, i)
        if whole is None:
            if self.cdata is not None:
                self.data(text[i:after])
                return after
            name = self.match(_TAG_NAME, i + 2)
            if name is None:
                if text.startswith("</>", i):
                    return i + 3
                return after  # a bogus comment, up to the same ">"
            self.end(name.group(1).lower())
            return self.find(">", name.end()) + 1
        tag = whole.group(1).lower()
        if self.cdata is not None:
            if tag != self.cdata:
                self.data(text[i:after])
                return after
        self.end(tag)
        self.cdata = None
        return after


def html_text(html: str, enough: int | None = None) -> str | None:
    """The text of ``html``: data, and "\\n" for block tags (see the module rules); None
    when the markup cannot be read token by token (the caller then uses ``strip_tags``).

    ``enough``: stop once the text holds more than this many characters other than white
    space. The text then starts as the whole text would, for at least that many
    characters, white space collapsed or not (``_strip_html`` collapses it)."""
    try:
        return "".join(_Reader(html, enough).read())
    except _Unreadable:
        return None


def strip_tags(html: str) -> str:
    """``re.sub(r"<[^>]*>", " ", html)``, in linear time (the expression itself scans to
    the end of the text from every ``<`` when no ``>`` follows)."""
    out: list[str] = []
    pos = 0
    while True:
        lt = html.find("<", pos)
        if lt < 0:
            break
        gt = html.find(">", lt)
        if gt < 0:
            break  # no ">" after this "<": none after any later one either
        out.append(html[pos:lt])
        out.append(" ")
        pos = gt + 1
    out.append(html[pos:])
    return "".join(out)
