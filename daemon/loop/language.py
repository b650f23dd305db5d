"""The languages drafts are written in: the words the program itself puts in a draft.

Each shipped language has a folder of templates (``templates/<code>/``) and an entry in
``WORDS``; a user adds a language with a folder of their own templates.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT = "en"


@dataclass(frozen=True)
class Words:
    """The program's own words in one language."""

    dear: str  # the greeting of named people: "{names}" is replaced by the joined names
    hello: str  # the greeting when no one is named
    and_: str  # joins the last two of a list: "Jane and Ravi"


WORDS: dict[str, Words] = {
    "en": Words(dear="Dear {names},", hello="Hello,", and_="and"),
    "de": Words(dear="Hallo {names},", hello="Guten Tag,", and_="und"),
    "fr": Words(dear="Bonjour {names},", hello="Bonjour,", and_="et"),
    "es": Words(dear="Hola, {names}:", hello="Buenos días:", and_="y"),
}
SHIPPED = tuple(WORDS)


def words(language: str) -> Words:
    """The words of ``language``; a language the program does not ship uses English ones
    (its templates are the user's, and may avoid these words altogether)."""
    return WORDS.get(language, WORDS[DEFAULT])
