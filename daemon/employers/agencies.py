"""Mail written on an employer's behalf: applicant tracking systems and agencies.

Rules:
- A sender writes *on an employer's behalf* when its domain is (a subdomain of) an
  applicant tracking system's in the shipped list ``data/ats_senders.txt``, or of an
  agency domain the caller knows (configured agencies).
- Such mail *names* a company when the company's name appears as whole words in the
  sender's display name or address, in the subject, or in the first ``BODY_CHARS``
  characters of the body. Case, accents and punctuation do not matter; legal suffixes
  ("GmbH", "Inc.") and a leading "The" are not needed; a name of several words also
  counts written as one ("Initech Systems", "InitechSystems").
- ``writes_for_others``: for detection, a domain that never names the employer: the
  above, the shipped list of recruiting agencies ``data/recruiting_agencies.txt``, or a
  registered label that says it recruits ("acme-recruiting.com").
- Where the name appears ranks the evidence: the sender ("Globex Recruiting via
  Greenhouse", ``globex@myworkday.com``, ``jobs@globex.teamtailor-mail.com``) above the
  subject above the body. The service's own domain never counts as a name.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from interview_followup.daemon.data import shipped_text

from interview_followup.daemon.employers.companies import (  # one rule for what a legal suffix is
    _LEGAL_SUFFIXES,
    domain_in,
    organisation_label,
)
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.model import MailMessage

BODY_CHARS = 2000

# Where a company's name was found, weakest first (the index is the rank).
PLACES = ("body", "subject", "sender")


@frozen
class Behalf:
    """Who wrote a message on an employer's behalf."""

    kind: str  # "ats" or "agency"
    name: str  # the service's name ("Greenhouse") or the agency's domain
    domain: str  # the entry that matched

    def describe(self) -> str:
        if self.kind == "ats":
            return f"{self.name}, an applicant tracking system"
        return f"the agency at {self.domain}"


@lru_cache(maxsize=1)
def ats_senders() -> tuple[tuple[str, str], ...]:
    """(domain pattern, service name) pairs of the shipped list."""
    text = shipped_text("ats_senders.txt")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        domain, _, name = line.partition(" ")
        pairs.append((domain.lower(), name.strip() or domain))
    return tuple(pairs)


def _domain_matches(domain: str, pattern: str) -> bool:
    if pattern.endswith(".*"):
        stem = re.escape(pattern[:-2])
        return re.fullmatch(r"(?:[^.]+\.)*" + stem + r"\.[a-z]{2,}(?:\.[a-z]{2})?", domain) is not None
    return domain_in(domain, pattern)


def on_behalf(domain: str, agency_domains: Iterable[str] = ()) -> Behalf | None:
    """The tracking system or agency that ``domain`` belongs to, or None."""
    domain = domain.strip().lower().rstrip(".")
    if not domain:
        return None
    for entry in agency_domains:
        entry = entry.strip().lower().lstrip("@").rstrip(".")
        if entry and domain_in(domain, entry):
            return Behalf("agency", entry, entry)
    for pattern, name in ats_senders():
        if _domain_matches(domain, pattern):
            return Behalf("ats", name, pattern)
    return None


@lru_cache(maxsize=1)
def recruiting_agencies() -> tuple[tuple[str, str], ...]:
    """(domain pattern, agency name) pairs of the shipped ``data/recruiting_agencies.txt``."""
    text = shipped_text("recruiting_agencies.txt")
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            domain, _, name = line.partition(" ")
            pairs.append((domain.lower(), name.strip() or domain))
    return tuple(pairs)


# Words in a domain's registered label that say it recruits for others
# ("acme-recruiting.com", "talentsearch-partners.de", "uitzendbureau-x.nl", "brackwater-search.co.uk").
@functools.cache
def _agency_label() -> re.Pattern:  # compiled on first use
    return re.compile(
        r"recruit|staffing|headhunt|personalberat|personaldienst|zeitarbeit|personalvermittl|"
        r"recrut|reclut|werving|uitzend|executive-?search|talent-?(?:search|partners|scout)"
        r"|(?:^|-)(?:talent|personal|personnel|staff)(?:-|$)|-search(?:-|$)",
        re.IGNORECASE,
    )


def writes_for_others(domain: str, agency_domains: Iterable[str] = ()) -> str:
    """Why mail (or an invitation) from ``domain`` is written for an employer that is not
    the domain's owner, in words, or "": an applicant tracking system or a configured
    agency (``on_behalf``), a well-known recruiting agency (the shipped list), or a
    registered label that says it recruits ("acme-recruiting.com"). Such a domain never
    names the employer. The answer is kept per domain: every pass asks it again of the same
    few domains, and the lists are long."""
    return _writes_for_others(domain.strip().lower().rstrip("."), tuple(agency_domains))


@lru_cache(maxsize=4096)
def _writes_for_others(domain: str, agency_domains: tuple[str, ...]) -> str:
    behalf = on_behalf(domain, agency_domains)
    if behalf is not None:
        return behalf.describe()
    for pattern, name in recruiting_agencies():
        if _domain_matches(domain, pattern):
            return f"{name}, a recruiting agency"
    if _agency_label().search(organisation_label(domain)):
        return f"the agency at {domain}"
    return ""


def plain_words(text: str) -> list[str]:
    """The words of ``text`` without case, accents or punctuation."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("’", "")
    return re.findall(r"[^\W_]+", plain)


def company_words(company: str) -> list[str]:
    """The words that name a company: legal suffixes and a leading "The" dropped."""
    words = plain_words(company)
    letters = 0  # "S.A.", "N.V.", "L.L.C." come as single letters
    while letters < len(words) and len(words[-1 - letters]) == 1:
        letters += 1
    if 1 < letters < len(words) and "".join(words[-letters:]) in _LEGAL_SUFFIXES:
        del words[-letters:]
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] == "the":
        words.pop(0)
    return words


def _names(words: list[str], haystack: list[str]) -> bool:
    if not words:
        return False
    text = f" {' '.join(haystack)} "
    if f" {' '.join(words)} " in text:
        return True
    return len(words) > 1 and f" {''.join(words)} " in text


def where_named(company: str, msg: MailMessage) -> str:
    """Where ``msg`` names ``company``: "sender", "subject", "body", or "" (see the rules)."""
    words = company_words(company)
    if not words:
        return ""
    sender = ""
    if msg.sender:
        local, _, domain = msg.sender.email.partition("@")
        # Subdomain labels only: the service's own domain never names the employer.
        labels = domain.split(".")[:-2]
        sender = " ".join((msg.sender.name, local, *labels))
    for place, text in (("sender", sender), ("subject", msg.subject), ("body", msg.body[:BODY_CHARS])):
        if _names(words, plain_words(text or "")):
            return place
    return ""
