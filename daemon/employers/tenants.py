"""The employer an applicant tracking system writes for, from the addresses and links it uses.

Rules:
- A tracking system names its client in the host or path of its links and, for some, in
  its mail addresses: ``orvane.recruitee.com``, ``jobs.lever.co/orvane``,
  ``boards.greenhouse.io/orvane``, ``jobs.ashbyhq.com/orvane``, ``apply.workable.com/orvane``,
  ``orvane.wd3.myworkdayjobs.com``, ``careers.smartrecruiters.com/Orvane``,
  ``orvane.jobs.personio.de``, ``jobs@orvane.teamtailor-mail.com``, ``orvane@myworkday.com``.
  That part is the *tenant*: a short name the employer chose, lower case, words joined by
  dashes or not at all.
- Parts every client shares are no tenant: service hosts (``www``, ``app``, ``jobs``,
  ``careers``, ``boards``, ``mail``, ``us``, ``eu``, ``wd1``..), and the generic senders
  (``no-reply``, ``notifications``, ``jobs``, ``recruiting``...). Only the domains of the
  shipped list of tracking systems (``agencies.ats_senders``) are read.
- ``tenant_of`` gives the first tenant found in the addresses, then in the links of the
  texts, in order: the tenant as written (``orvane-robotics``), never the service's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from interview_followup.daemon.employers.agencies import on_behalf

_SERVICE_LABELS = frozenset(
    """www app apps api jobs job careers career boards board job-boards hire apply mail email
    mailer us eu uk de ca au emea apac na in calendar calendars notifications notification
    em e mg sg bounce bounces click links link track tracking go my portal login secure cdn
    static assets recruiting recruit talent ats schedule scheduling interviews interview
    sandbox demo staging""".split()
)
_GENERIC_SENDERS = frozenset(
    """noreply no-reply no_reply donotreply do-not-reply do_not_reply notifications notification
    notify jobs job careers career recruiting recruitment recruiter recruiters talent hr hiring
    scheduling schedule calendar calendars interviews interview info mail mailer system
    support team bounce bounces postmaster admin automated auto workday reply""".split()
)
_WORKDAY_DC = re.compile(r"^(?:wd\d{1,2}|impl|sandbox)$")
_URL = re.compile(r"https?://([a-z0-9.-]+)(/[^\s<>\"')\]]*)?", re.IGNORECASE)
_TENANT = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,60}[a-z0-9])?$")
# tracking systems whose path, not host, carries the tenant: host -> (first segment that precedes it, or "")
_PATH_HOSTS = (
    "jobs.lever.co", "boards.greenhouse.io", "job-boards.greenhouse.io", "job-boards.eu.greenhouse.io",
    "boards.eu.greenhouse.io", "jobs.ashbyhq.com", "apply.workable.com", "careers.smartrecruiters.com",
    "jobs.smartrecruiters.com", "jobs.jobvite.com", "app.dover.com", "jobs.gem.com", "join.com",
)


def _usable(label: str) -> str:
    label = label.lower()
    if (not _TENANT.match(label) or label in _SERVICE_LABELS or _WORKDAY_DC.match(label)
            or label.isdigit() or len(label) < 2):
        return ""
    return label


def from_host(host: str) -> str:
    """The tenant a tracking system's host names (``orvane.recruitee.com`` -> "orvane"), or ""."""
    host = host.lower().strip(".")
    behalf = on_behalf(host)
    if behalf is None or behalf.kind != "ats":
        return ""
    stem = behalf.domain[:-2] if behalf.domain.endswith(".*") else behalf.domain
    left = host[: host.find(stem)].rstrip(".") if stem in host else ""
    for label in reversed(left.split(".") if left else []):
        found = _usable(label)
        if found:
            return found
    return ""


def from_address(email: str) -> str:
    """The tenant a tracking system's mail address names (``orvane@myworkday.com``,
    ``jobs@orvane.teamtailor-mail.com``), or ""."""
    local, _, host = email.lower().rpartition("@")
    if not host or on_behalf(host) is None or on_behalf(host).kind != "ats":
        return ""
    found = from_host(host)
    if found:
        return found
    local = local.split("+")[0]
    if local in _GENERIC_SENDERS or any(local.startswith(g + sep) for g in ("noreply", "no-reply", "notifications")
                                         for sep in ".-_"):
        return ""
    return _usable(local)


def from_link(host: str, path: str) -> str:
    """The tenant in one link of a tracking system, by its host, then its path."""
    host = host.lower().strip(".")
    if host in _PATH_HOSTS:
        segments = [s for s in (path or "").split("/") if s]
        if segments and segments[0].lower() in ("o", "company", "companies", "en", "de", "fr", "jobs", "embed"):
            segments = segments[1:]
        return _usable(segments[0]) if segments else ""
    return from_host(host)


def tenant_of(addresses: Iterable[str], texts: Iterable[str]) -> str:
    """The first tenant named by ``addresses``, then by the links in ``texts`` (module rules)."""
    for email in addresses:
        found = from_address(email)
        if found:
            return found
    for text in texts:
        for m in _URL.finditer(text[:20_000]):
            found = from_link(m.group(1), m.group(2) or "")
            if found:
                return found
    return ""
