"""A reply that decides nothing yet but promises an answer, and the day it names.

``promised_answer(text, sent, sender_domain)`` reads the words a person wrote (quoted mail
already taken out: ``classify.reply_text``) and returns a ``Promise`` when they say they
will answer ("we will get back to you", "you will hear from us", "wir melden uns", "nous
reviendrons vers vous", "nos pondremos en contacto", "ti faremo sapere", "we laten het je
weten", ...; a line wrap inside the words is no break), with the day by which when the
same passage names one:

- a date after a cue, read as ``automatic`` reads return dates ("by Friday 4 December",
  "before 2026-12-04", "bis Freitag, 4. Dezember", "d'ici le 4 décembre", "antes del 4 de
  diciembre"); a weekday alone is the next such day after the message ("by Friday"), or
  that day of the next week when "next week" follows it;
- a day of the month alone ("by the 25th", "bis zum 25.", "avant le 25"): the next such day;
- the end of a month ("by the end of January", "bis Ende Januar", "d'ici fin janvier", "a
  finales de enero", "entro fine gennaio", "voor eind januari"; "the end of the month"): its
  last day, the next such month from the message's;
- "this week", "by the end of the week" (Friday of the message's week), "next week" (Friday of
  the next week) and "within two weeks", "in the next 10 days" (the message's day plus that).

A date in front of the promise counts after a strong cue only ("by", "before", "bis",
"vor dem", "avant le", "antes del", "entro", "prima del", "voor", "uiterlijk": "We nemen
voor 3 februari een besluit en laten het je weten").

A day before the message, or more than ``HORIZON`` after it, is no promise date (the
promise still counts, without a day). The caller only asks when the reply decides
nothing else (``classify`` says "other"): a rejection or an offer that also says "we will
be in touch" is what it is.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from interview_followup.daemon.common.textmatch import Folded, fold
from interview_followup.daemon.frozen import frozen
from interview_followup.daemon.mail.automatic import _DATE, _MONTH, _MONTHS, _TIME_AFTER, _resolve

HORIZON = timedelta(days=120)  # nobody promises an answer further away
_WINDOW = 140  # characters around the promising words where its day is looked for

_PROMISES = re.compile(
    r"\b(?:"
    # English
    r"(?:will|'ll|shall|going to|hope to|aim to|plan to|expect to)\s+(?:(?!not\b|never\b)\w+\s+){0,2}?"
    r"(?:get back to you|come back to you|revert to you|be in touch|be back in touch|"
    r"let you know|update you|reach out(?: to you)?|contact you|follow up with you|"
    r"give you (?:an? )?(?:answer|update|decision|feedback))"
    r"|you(?:'ll| will| should| can expect to) hear (?:back )?from (?:us|me)"
    r"|(?:expect|hope) to have (?:an? )?(?:answer|decision|news|update) for you"
    r"|(?:expect|expecting|should have|will have|'ll have) (?:some |any |more |further )?"
    r"(?:news|an answer|a decision|an update|feedback|word)\b(?! (?:from you|of yours))"
    r"|(?:will|'ll|shall|going to|hope to|aim to|plan to|expect to)\s+(?:(?!not\b|never\b)\w+\s+){0,2}?"
    r"(?:decide|make (?:a|our|the|their|its|a final) decision|reach a decision|come to a decision|pass (?:it|this|the news) on)"
    r"|(?:promised|promise|promises) (?:me|us|you) (?:an? )?(?:final )?(?:decision|answer|update|feedback)"
    r"|(?:will|'ll) (?:\w+ ){0,2}?(?:call|ring|phone) you\b(?= (?:\w+ ){0,8}?(?:as soon as|once|when) (?:i|we) (?:hear|know))"
    r"|(?:a|an|the|their|our|his|her) (?:final )?(?:decision|answer|feedback)(?= (?:within|by|before|no later than|in the next|"
    r"early next|next week|this week|by the end of|at the end of))"
    r"|you(?:'ll| will| should)? (?:receive|get|have) (?:\w+ ){0,3}?(?:answer|decision|feedback|update|response|news)"
    r"|(?:decision|answer|process|it|this) (?:will|'ll|is going to|may|might) take (?:us )?(?=another|a further|an extra|about|around)"
    # German
    r"|(?:melden|zuruckmelden|zurueckmelden) (?:uns|mich)|(?:melden|melde) (?:wir|ich) (?:uns|mich)"
    r"|(?:wir|ich) (?:\w+ ){0,4}?(?:uns|mich) (?:\w+ ){0,6}?(?:melden|zuruckmelden)"
    r"|(?:geben|gebe|werden) (?:wir |ich )?(?:ihnen|dir|euch) (?:\w+ ){0,6}?(?:bescheid|ruckmeldung|eine antwort)"
    r"|(?:sie|du) (?:horen|horst) (?:[\w.]+,? ){0,5}?von (?:uns|mir)"
    r"|(?:wir|ich) (?:\w+ ){0,4}?(?:kommen|komme) (?:\w+ ){0,4}?auf (?:sie|dich) zuruck"
    r"|melde (?:mich|ich mich)|(?:sie|du) (?:erhalten|erhaltst|bekommen|bekommst) (?:[\w.,]+ ){0,8}?"
    r"(?:ruckmeldung|antwort|bescheid|nachricht|entscheidung)"
    r"|(?:werden|wird|wollen) (?:\w+ ){0,4}?(?:entscheiden|(?:eine|die|unsere) entscheidung treffen)"
    r"|(?<!keine )entscheidung (?:\w+ ){0,3}?(?:fallen|treffen|getroffen)"
    # French
    r"|(?:reviendrons|reviendrai|revenons|reviens|revenir) vers (?:vous|toi)"
    r"|(?:vous|te) (?:tiendrons|tiendrai|tenir) (?:au courant|informee?s?)"
    r"|(?:vous|te) (?:recontacterons|recontacterai|contacterons|contacterai|recontacter)"
    r"|vous aurez (?:de nos|des) nouvelles"
    r"|(?:vous|te) (?:donnerons|donnerai|communiquerons|communiquerai) (?:une|notre|ma) (?:reponse|decision)"
    r"|(?:prendrons|prendront|prendra|prendrai) (?:\w+ )?(?:une|la|notre|leur|sa|ma) decision|deciderons|decideront"
    r"|(?:vous|tu) (?:recevrez|recevras|aurez|auras) (?:\w+ ){0,3}?(?:reponse|retour|decision|nouvelles)"
    r"|(?:te|vous) (?:tiens|tenons) au courant"
    r"|(?:m'ont|nous ont|m'a|nous a|t'ont|vous ont) promis (?:une|leur|sa|un) (?:reponse|decision|retour)"
    # Spanish
    r"|(?:nos pondremos|me pondre|ponernos|volveremos a ponernos) en contacto"
    r"|(?:le|te|les) (?:informaremos|informare|contactaremos|contactare|escribiremos|escribire|"
    r"daremos una respuesta|dare una respuesta|comunicaremos|comunicare)"
    r"|tendra(?:s)? noticias (?:nuestras|mias)"
    r"|(?:tomaremos|tomaran|tomara|tomare) (?:\w+ )?(?:una|la|nuestra|su|mi) decision|decidiremos|decidiran"
    r"|(?:recibira|recibiras|tendra|tendras) (?:\w+ ){0,3}?(?:respuesta|noticias|decision|novedades)"
    # Italian
    r"|(?:ti|le|vi) (?:faremo|faro) sapere|(?:ti|la|vi) (?:ricontatteremo|ricontattero|contatteremo|contattero|"
    r"aggiorneremo|aggiornero)|(?:ti|le|vi) (?:daremo|daro) (?:una |un )?(?:risposta|riscontro|aggiornamento)"
    r"|(?:avrai|avra|riceverai|ricevera) (?:\w+ ){0,3}?(?:notizie|risposta|riscontro|aggiornamento)"
    r"|(?:ti|le|vi) faccio sapere"
    r"|(?:prenderemo|prenderanno|prendera|prendero) (?:\w+ )?(?:una|la) decisione|decideremo|decideranno"
    # Dutch
    r"|(?:laten|laat) (?:(?:we|wij|ik) )?(?:het )?(?:je|u|jou) (?:\w+ ){0,3}?weten"
    r"|(?:we|wij|ik) (?:nemen|neem) (?:\w+ ){0,3}?contact (?:met (?:je|u|jou) )?op"
    r"|(?:je|u) (?:hoort|hoor|krijgt|krijg) (?:\w+ ){0,3}?(?:van ons|van mij|bericht|een reactie|antwoord)"
    r"|(?:we|wij|ik) (?:komen|kom) (?:\w+ ){0,3}?(?:bij (?:je|u) )?(?:op )?terug"
    r"|(?:nemen|neemt|neem) (?:\w+ ){0,3}?(?:een|het|de) (?:besluit|beslissing)"
    r"|(?:je|u) (?:ontvangt|ontvang) (?:\w+ ){0,3}?(?:antwoord|bericht|reactie|besluit|uitsluitsel|terugkoppeling)"
    r")\b"
)

# a cue right before a date that says it is the day by which (or on which) they answer
_CUE = re.compile(
    r"(?:\b(?:by|before|until|till|on|no later than|not later than|at the latest (?:by|on)|latest by|"
    r"bis(?: zum| spatestens| spaetestens)?|spatestens(?: am| bis)?|spaetestens(?: am| bis)?|am|vor dem|"
    r"d'ici(?: le| au| a)?|avant le|le|au plus tard le|au plus tard|"
    r"antes del?|el|para el|a mas tardar el|hasta el|"
    r"entro(?: il)?|prima del?|per il|voor|uiterlijk(?: op)?|op)"
    r"(?:\s+(?:the|de|end of|the end of|ende|fin|finales de|the (?:morning|afternoon|evening) of(?: the)?))?)"
    r"\s*[,:]?\s*$"
)
# what the words may be in front of a date that comes before the promise ("By Friday, we
# will ..."): a strong cue only
_CUE_BEFORE = re.compile(
    r"\b(?:by|before|no later than|bis(?: zum| spatestens)?|spatestens(?: am| bis)?|vor dem|d'ici(?: le| au)?|"
    r"avant le|au plus tard le|antes del?|a mas tardar el|entro(?: il)?|prima del?|voor|uiterlijk(?: op)?)"
    r"(?:\s+(?:the|de))?\s*[,:]?\s*$"
)
# The end of a month: "(by) the end of January", "Ende Januar", "(d'ici) fin janvier", "fin de
# enero", "(a) finales de enero", "(entro la) fine di gennaio", "eind januari", "einde van
# januari"; or of this month: "the end of the month", "Ende des Monats", "Monatsende", "fin
# du mois", "finales de mes", "fine mese", "eind van de maand".
_MONTH_END = re.compile(
    r"\b(?:(?:the )?end of|ende|fin(?: de| d')?|finales de|fine(?: di| del mese di)?|eind(?:e)?(?: van)?)\s+"
    rf"(?:(?P<month>{_MONTH})\.?(?:\s+(?P<year>\d{{4}})(?!\d))?"
    r"|(?P<this>(?:the|this) month|des (?:monats|laufenden monats)|(?:du|ce) mois|(?:de )?(?:este |el )?mes|"
    r"(?:del |questo )?mese|(?:de|deze) maand))\b"
    r"|\b(?P<this2>monatsende|fine mese|fin de mes|eind van de maand)\b"
)
# a cue in front of a month's end that comes before the promise ("Bis Ende Januar melden wir uns")
_MONTH_END_CUE = re.compile(
    r"\b(?:by|before|bis|vor|d'ici|avant|au plus tard|antes de|a mas tardar|a|entro|prima d[ei]|voor|uiterlijk)"
    r"(?:\s+(?:the|la|el|de|het))?\s*$"
)
_NEXT_WEEK = re.compile(
    r"\b(?:(?:in the course of |early |late |by the end of |end of |the end of )?next week|"
    r"(?:nachste|naechste|kommende|nachsten|naechsten|kommenden) woche|"
    r"la semaine prochaine|(?:la )?(?:proxima semana|semana que viene)|"
    r"(?:la )?(?:prossima settimana|settimana prossima)|(?:in de loop van )?volgende week|komende week)\b"
)
_THIS_WEEK = re.compile(
    r"\b(?:this week|(?:by )?(?:the )?end of (?:the|this) week|diese woche|(?:bis )?ende der woche|"
    r"cette semaine|(?:d'ici )?la fin de la semaine|esta semana|(?:a )?finales de (?:la|esta) semana|"
    r"questa settimana|(?:entro )?(?:la )?fine (?:della|di questa) settimana|deze week|(?:voor )?het einde van de week)\b"
)
_NUMBER = (r"(\d{1,2}|an?|one|two|three|four|a couple of|ein|einer|einem|zwei|drei|vier|"
           r"un|une|deux|trois|quatre|una|dos|tres|cuatro|uno|due|tre|quattro|een|twee|drie|vier)")
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "a couple of": 2,
          "ein": 1, "einer": 1, "einem": 1, "zwei": 2, "drei": 3, "vier": 4,
          "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
          "uno": 1, "due": 2, "tre": 3, "quattro": 4, "een": 1, "twee": 2, "drie": 3}
_WITHIN = re.compile(
    r"\b(?:within(?: the next)?|in the (?:next|coming)|in|over the next|another|a further|an extra|"
    r"innerhalb(?: von)?(?: der nachsten| der naechsten)?|in den (?:nachsten|naechsten|kommenden)|in|binnen|"
    r"sous|dans les|dans|d'ici|"
    r"en (?:los|las) (?:proximos|proximas)|dentro de|en|entro|nei prossimi|nelle prossime|binnen|"
    r"in de (?:komende|volgende))\s+"
    + _NUMBER +
    r"\s+(?:prochain(?:e)?s?\s+)?(day|days|week|weeks|tag|tage|tagen|woche|wochen|jour|jours|semaine|semaines|"
    r"dia|dias|semana|semanas|giorno|giorni|settimana|settimane|dag|dagen|week|weken)\b"
)

_WRAP = re.compile(r"(?<!\n)[ \t]*\n(?![ \t]*\n)")
_WHO = re.compile(r"\b(?:we|i|they|she|he|the team|wir|ich|nous|je|wij|ik)\s*$")  # who promises, for the phrase


@frozen
class Promise:
    phrase: str  # the promising words, as the message has them
    by: date | None = None  # the day by which they said they would answer, when they said


def promised_answer(text: str, sent: date, sender_domain: str = "") -> Promise | None:
    """The answer ``text`` promises (see the module), or None when it promises none."""
    folded = fold(text[:20_000])
    # a line wrapped inside the words ("we will get back\nto you") reads as one line; a
    # paragraph break stays one (same length: the offsets still point into ``folded``)
    folded = replace(folded, text=_WRAP.sub(lambda w: " " * len(w.group(0)), folded.text))
    found = None
    for m in _PROMISES.finditer(folded.text):  # the first promise that names a day, else the first
        promise = _promise(folded, m, sent, sender_domain)
        if promise.by is not None:
            return promise
        found = found or promise
    return found


def _promise(folded: Folded, m: re.Match[str], sent: date, sender_domain: str) -> Promise:
    who = _WHO.search(folded.text[max(0, m.start() - 12):m.start()])
    first = m.start() - len(who.group(0)) if who and not m.group(0).startswith(("you", "vous", "te ")) else m.start()
    phrase = re.sub(r"\s+", " ", folded.original(first, m.end())).strip()
    # the passage: the promise's paragraph, near the words
    start = max(0, m.start() - _WINDOW)
    end = min(len(folded.text), m.end() + _WINDOW)
    para_start = folded.text.rfind("\n\n", start, m.start())
    para_end = folded.text.find("\n\n", m.end(), end)
    before = _sentence_end(folded.text[(para_start + 2 if para_start >= 0 else start):m.start()])
    after = _sentence_start(folded.text[m.end():(para_end if para_end >= 0 else end)])
    return Promise(phrase, _day(after, before, sent, sender_domain, inside=folded.text[m.start():m.end()]))


def _day(after: str, before: str, sent: date, domain: str, inside: str = "") -> date | None:
    """The day in the words after the promise, else before it, else inside it ("we laten
    het je volgende week weten")."""
    # a span right after the words ("will take another two weeks") is what they promise
    lead = _within(after, sent) if _WITHIN.match(after.lstrip(" ,:")) else None
    for found in (lead, _dated(after, sent, domain, _CUE, first=True), _relative(after, sent),
                  _dated(before, sent, domain, _CUE_BEFORE, first=False), _within(before, sent),
                  _month_end(before, sent, cued=True), _dated(inside, sent, domain, _CUE, first=True),
                  _relative(inside, sent)):
        if found is not None and sent <= found <= sent + HORIZON:
            return found
    return None


# the end of a sentence: not the dot of an ordinal ("4. Dezember") or of an abbreviated
# month or weekday ("Dec. 4", "Fri., 4 Dec")
_STOP = re.compile(r"[.!?](?:\s|$)")
_ABBREVIATED = frozenset("jan feb mar apr jun jul aug sep sept oct okt nov dec dez mon tue tues wed thu thur "
                         "thurs fri sat sun mo di mi do fr sa so lun mar mer jeu ven sam dim janv fevr".split())


def _stops(text: str) -> list[re.Match[str]]:
    out = []
    for m in _STOP.finditer(text):
        word = re.search(r"(\w+)$", text[: m.start()])
        if word and (word.group(1).isdigit() or word.group(1) in _ABBREVIATED):
            continue
        out.append(m)
    return out


def _sentence_start(text: str) -> str:
    stops = _stops(text)
    return text[: stops[0].start()] if stops else text


def _sentence_end(text: str) -> str:
    stops = _stops(text)
    return text[stops[-1].end():] if stops else text


def _dated(text: str, sent: date, domain: str, cue: re.Pattern[str], first: bool) -> date | None:
    """The first (or last) cued date in ``text``."""
    found = None
    for m in _DATE.finditer(text):
        if m.group("n1") and _TIME_AFTER.match(text, m.end()):
            continue  # a time of day, not a date
        if not cue.search(text[max(0, m.start() - 40):m.start()]):
            continue
        day = _resolve(m, sent, _lang(text), domain)
        if day is None:
            continue
        if m.group("wo") and _NEXT_WEEK.match(text[m.end():].lstrip(" ,")):
            day = _in_next_week(day.weekday(), sent)
        found = day
        if first:
            return found
    return found


def _within(text: str, sent: date) -> date | None:
    """"within two weeks", "in the next 10 days": the message's day plus that."""
    m = _WITHIN.search(text)
    if m is None:
        return None
    n = m.group(1)
    count = int(n) if n.isdigit() else _WORDS[n]
    weeks = m.group(2).startswith(("week", "woche", "semaine", "semana", "settiman"))
    return sent + timedelta(days=count * (7 if weeks else 1))


def _month_end(text: str, sent: date, cued: bool = False) -> date | None:
    """The last day of the month a "by the end of January" names (the first such month from
    the message's, unless a year is written), or of the message's month for "the end of the
    month". ``cued``: only after a cue ("by", "bis", "d'ici", "voor", ...) right before it."""
    for m in _MONTH_END.finditer(text):
        if cued and not _MONTH_END_CUE.search(text[max(0, m.start() - 30):m.start()]):
            continue
        if m.group("month"):
            month = _MONTHS[m.group("month")]
            year = int(m.group("year")) if m.group("year") else sent.year + (month < sent.month)
        else:
            year, month = sent.year, sent.month
        following = date(year + month // 12, month % 12 + 1, 1)
        return following - timedelta(days=1)
    return None


def _relative(text: str, sent: date) -> date | None:
    """A span after the promise: "within two weeks", "next week", "by the end of the week",
    "by the end of January"."""
    within = _within(text, sent)
    if within is not None:
        return within
    month_end = _month_end(text, sent)
    if month_end is not None:
        return month_end
    if _NEXT_WEEK.search(text):
        return _in_next_week(4, sent)
    if _THIS_WEEK.search(text):
        return sent + timedelta(days=(4 - sent.weekday()) % 7)
    return None


def _in_next_week(weekday: int, sent: date) -> date:
    monday = sent - timedelta(days=sent.weekday()) + timedelta(days=7)
    return monday + timedelta(days=weekday)


def _lang(text: str) -> str:
    """The language that decides a numeric date's order (day first unless English)."""
    if re.search(r"\b(?:bis|wir|uns|ihnen|vous|nous|le|nos|usted|el|del|entro|il|ti|voor|uiterlijk|wij|ons)\b", text):
        return "de"  # any day-first language reads the same
    return ""
