"""Mail that no person wrote: bounces, read receipts, invitation answers, auto-replies and
lists. ``examine`` says which, and why; ``None`` means a person (or their employer's
system speaking for them) wrote it.

The checks, in this order (the first that fires decides):

1. **bounce** — a delivery report (``multipart/report; report-type=delivery-status``) with
   a failed recipient, ``X-Failed-Recipients``, a failure subject ("Undeliverable:",
   "Mail delivery failed", ...) or a mail system sender (MAILER-DAEMON, postmaster) that
   says delivery failed. ``bounced`` lists the failed addresses: from the report, from
   ``X-Failed-Recipients``, or, for text-only bounces, the addresses in the text before
   the returned message (never the bounce's own sender or recipients). A report with no
   failed recipient (a delay or success notice) and delay subjects are **system**. Bounces
   come first because they often carry ``Auto-Submitted`` and an empty return path too.
2. **system** — read receipts (``report-type=disposition-notification``, "Read:").
3. **calendar** — answers to an invitation: iCalendar ``METHOD:REPLY``, or an RSVP subject
   ("Accepted:", "Abgelehnt:", "Refusé :", ...) when the message carries no other
   METHOD. Invitations themselves (``METHOD:REQUEST``), cancellations and counter
   proposals are a person's act and stay mail.
4. **auto-reply** — RFC 3834 ``Auto-Submitted`` other than "no", ``Precedence:
   auto_reply``, ``X-Autoreply``/``X-Autorespond`` (and the rarer ``X-Autoreply-From``,
   ``X-Mail-Autoreply``, ``X-Precedence``), ``X-Apple-Action: vacation``, an out-of-office
   subject in English, German, French, Spanish, Italian, Dutch or Portuguese, an
   acknowledgement subject ("Application received", "Eingangsbestätigung", "Accusé de
   réception", ...), or an empty return path. Mail with none of these (an Exchange inbox
   rule's "reply with a template", a sieve script) is an auto-reply when its first lines
   read as one (``_auto_reply_text``: two signs of an absence in any of the six languages —
   "I am currently out of the office", "limited access to email", "your message will not
   be forwarded", "in urgent cases" — or one and the template's "Thank you for your
   message", or one and a header that supports it: ``X-Auto-Response-Suppress``,
   ``X-MS-Exchange-Inbox-Rules-Loop`` or ``X-MS-Exchange-Generated-Message-Source``),
   unless its first line greets the
   reader by name, which no template does. With ``Auto-Submitted: auto-generated``/
   ``auto-notified`` or an empty return path alone, and no out-of-office sign, the kind is
   **system** (RFC 3834: such mail answers no message). ``returns_on`` is the first day the person is back, read
   from the subject and text (see ``return_date``).
5. **list** — ``List-Id`` (RFC 2919), ``Precedence: bulk|list|junk``, or
   ``List-Unsubscribe`` on mail that is neither part of a thread nor about the reader's
   application. ``List-Unsubscribe`` alone is weak evidence: SparkPost adds it to every
   message by default and SendGrid with subscription tracking does too, so an applicant
   tracking system's message about your application may carry it. But a survey or a
   newsletter (its wording in the subject or first lines: "survey", "how was your
   interview", "Ihre Meinung zählt", "view this email in your browser", ... — and nothing
   in it that decides, by ``classify``) with ``List-Unsubscribe`` is **list** even when it
   names your application; one from a no-reply address that links a survey service
   (Qualtrics, SurveyMonkey, Typeform, ...) is **system**.

Not used, on purpose:

- ``X-Auto-Response-Suppress`` alone: Outlook and Exchange put it on ordinary mail to ask
  for no auto-replies; helpdesks that filtered on it lost real messages (osTicket #5320,
  the Jitbit "do not use X-Auto-Response-Suppress" report). It only supports what the
  first lines say (rule 4).
- ``X-MS-Exchange-Inbox-Rules-Loop`` and ``X-MS-Exchange-Generated-Message-Source``
  alone: Exchange adds the first when an inbox rule redirected or forwarded a message, not
  only to automatic replies, and the second to anything an Exchange agent generated. Both
  only support what the first lines say (rule 4), like ``X-Auto-Response-Suppress``.
- ``Feedback-ID`` and other sending-service markers: transactional mail carries them too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from interview_followup.daemon.keys import KEY_HEADER, message_id
from interview_followup.daemon.model import Automatic, MailMessage
from interview_followup.daemon.common.textmatch import SCAN_LIMIT, fold, fold_word

# --- bounces and receipts -------------------------------------------------------------

_SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_TAG = r"^\s*(?:\[[^\]]{1,40}\]\s*)?"  # "[EXTERNAL] " and the like before a prefix

_BOUNCE_SUBJECT = re.compile(
    _TAG + r"(?:undeliverable|undelivered mail|undeliverable mail|delivery status notification \(failure\)|"
    r"mail delivery failed|delivery failure|failure notice|returned mail|mail delivery failure|"
    r"delivery has failed|message not delivered|delivery notification: delivery has failed|"
    r"unzustellbar|nicht zustellbar|non remis|non distribuable|echec de la remise|"
    r"no se puede entregar|no entregado|mancato recapito|onbestelbaar)",
)
_DELAY_SUBJECT = re.compile(
    _TAG + r"(?:delivery status notification \(delay\)|delayed mail|warning: message .{0,80} delayed|"
    r"message delayed|delivery delayed|mail delivery delayed|zustellung verzogert|"
    r"remise differee|entrega retrasada|delayed\s*:|warning: could not send message|"
    r"delivery status notification \(delayed?\)|verzogert\s*:|retarde\s*:)",
)
_FAILURE_WORDS = re.compile(
    r"(?:could not be delivered|couldn't be delivered|undeliverable|delivery (?:has )?failed|"
    r"permanent(?:ly)? (?:error|fatal)|user unknown|no such user|does not exist|"
    r"address rejected|mailbox unavailable|konnte nicht zugestellt|n'a pas pu etre remis|"
    r"no se pudo entregar|wasn't delivered|was not delivered|mailbox (?:is )?full|over quota|"
    r"message (?:is )?too large|address not found)"
)
_RECEIPT_SUBJECT = re.compile(
    _TAG + r"(?:read|not read|gelesen|nicht gelesen|lu|non lu|leido|no leido|letto|gelezen)\s*:"
)
# Where the text of a bounce stops describing the failure and starts returning the message.
_RETURNED_PART = re.compile(
    r"^(?:received:|return-path:|.*copy of (?:the|your) message|.*original message|"
    r".*message headers follow|.*below this line|.*urspr[u]ngliche nachricht)",
    re.MULTILINE,
)
# An address in a bounce's text: ``[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+``, found
# by ``_addresses_in`` in linear time (``findall`` with that expression starts again at
# every character of a long run without "@": 20,000 characters took a second).
_LOCAL_PART = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+")
_AT_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)+")

# --- invitation answers ---------------------------------------------------------------

_RSVP_SUBJECT = re.compile(
    _TAG + r"(?:accepted|declined|tentative|tentatively accepted|invitation accepted|"
    r"invitation declined|angenommen|abgelehnt|mit vorbehalt angenommen|mit vorbehalt|"
    r"zugesagt|vorlaufig angenommen|accepte|acceptee|refuse|refusee|provisoire|"
    r"invitation acceptee|invitation refusee|aceptado|aceptada|rechazado|rechazada|provisional|"
    r"invitacion aceptada|invitacion rechazada|accettato|rifiutato|provvisorio|geaccepteerd|"
    r"geweigerd|voorlopig|voorlopig geaccepteerd)\s*:"
)

# --- auto-replies ---------------------------------------------------------------------

_OOF_SUBJECT = re.compile(
    _TAG + r"(?:automatic reply|automatic response|auto[- ]?reply|auto[- ]?response|autoresponder|"
    r"auto:|out of (?:the )?office|ooo\b|away from (?:the )?office|vacation (?:reply|response|notice)|"
    r"automatische antwort|automatische ruckmeldung|abwesenheit|abwesend|nicht im buro|"
    r"ausser haus|reponse automatique|absence du bureau|absente? du bureau|absente?\b|"
    r"message d'absence|hors du bureau|respuesta automatica|fuera de (?:la )?oficina|ausente\b|"
    r"ausencia\b|risposta automatica|fuori (?:sede|ufficio)|assente\b|assenza\b|"
    r"automatisch antwoord|afwezig|niet aanwezig|buiten kantoor|resposta automatica|"
    r"fora do escritorio)"
    r"|\bis out of (?:the )?office\b"
)
_OOF_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")
# Acknowledgements a system sends by itself ("Application received", "Eingangsbestätigung").
_ACK_SUBJECT = re.compile(
    _TAG + r"(?:application received|we(?:'ve| have) received your (?:application|message|e-?mail)|"
    r"thank you for (?:your application|applying)|bewerbungseingang|eingangsbestatigung|"
    r"eingang ihrer bewerbung|accuse de reception|confirmation de reception|acuse de recibo|"
    r"confirmacion de recepcion|conferma di ricezione|ontvangstbevestiging)"
)
# The text of an auto-reply sent without any header that says so (an Exchange inbox rule
# "reply using a template", a Zimbra or sieve script): what its first lines say, in the six
# languages. *Strong*: five kinds of sign (the writer's absence, no access to mail, mail not
# forwarded, whom to ask in urgent cases, what happens on return), each counted once
# whatever the language; *opening*: the thanks a template starts with. Read on the first
# ``_FIRST_LINES`` lines only.
_OOF_TEXT_STRONG = tuple(re.compile("|".join(alternatives)) for alternatives in (
    (  # the writer is away
        r"\b(?:i am|i'm|i will be|i'll be) (?:currently |now |presently )?(?:out of (?:the )?office|"
        r"away from (?:the |my )?(?:office|desk)|on (?:annual |parental |maternity |paternity |sick |business )?"
        r"(?:leave|vacation|holidays?))",
        r"\b(?:ich bin|bin ich) (?:[\w.,]+ ){0,8}?(?:nicht im buro|nicht im hause|nicht erreichbar|abwesend|"
        r"im urlaub|ausser haus)",
        r"\bje suis (?:actuellement )?(?:absente?|en conges?|en vacances|hors du bureau|en deplacement)",
        r"\b(?:estoy|me encuentro|estare) (?:[\w.,]+ ){0,2}?(?:fuera de la oficina|ausente|de vacaciones)",
        r"\b(?:sono|saro) (?:[\w.,]+ ){0,8}?(?:fuori (?:sede|ufficio)|assente|in ferie)",
        r"\b(?:ik ben|ben ik) (?:[\w.,]+ ){0,8}?(?:afwezig|niet op kantoor|met vakantie|op vakantie|niet bereikbaar)",
    ),
    (  # no or little access to mail meanwhile
        r"\b(?:limited|no|restricted|intermittent) access to (?:my )?e-?mails?",
        r"\b(?:without|(?:do not|don't|won't|will not) have) (?:any )?access to (?:my )?e-?mails?",
        r"\b(?:eingeschrankten|keinen|begrenzten|ohne) (?:zugriff|zugang) (?:auf|zu) (?:meine |meinen )?e-?mails",
        r"\bacces (?:limite|restreint) (?:a (?:mes|ma) )?(?:e-?mails?|messagerie|courriels?)",
        r"\b(?:je n'ai pas|je n'aurai pas|sans) (?:d')?acces a (?:mes |ma )?(?:e-?mails?|messagerie|courriels?)",
        r"\bacceso limitado al correo|\b(?:no tengo|no tendre|sin) acceso al? (?:mi )?(?:correo|e-?mail)",
        r"\baccesso limitato (?:alla posta|alle e-?mail)",
        r"\b(?:non ho|non avro|senza) (?:alcun )?accesso "
        r"(?:alla (?:mia )?posta|alle (?:mie )?e-?mail|alla (?:mia )?casella)",
        r"\b(?:geen|beperkt) toegang tot (?:mijn )?e-?mail",
    ),
    (  # what happens to mail meanwhile
        r"\b(?:e-?mails?|messages?) (?:will|is|are) not (?:be )?(?:forwarded|read|monitored)",
        r"\b(?:nachricht|e-?mail) wird nicht weitergeleitet",
        r"\b(?:message|e-?mail|courriel) ne sera (?:ni )?pas (?:transfere|lu)",
        r"\b(?:bericht|e-?mail) wordt niet doorgestuurd",
    ),
    (  # whom to ask in urgent cases
        r"\b(?:for|in case of) (?:urgent|immediate) (?:matters|requests|enquiries|inquiries|assistance|questions)",
        r"\bin urgent cases\b|\bin dringenden fallen\b|\ben cas d'urgence\b|\ben caso de urgencia\b",
        r"\bper (?:questioni|comunicazioni) urgenti\b|\bin dringende gevallen\b|\bvoor dringende zaken\b",
    ),
    (  # what happens on return
        r"\b(?:upon|on|after) my return\b|\bnach meiner ruckkehr\b|\b(?:des|a) mon retour\b",
        r"\ba mi (?:regreso|vuelta)\b|\bal mio rientro\b|\bna mijn terugkeer\b",
    ),
))
_OOF_TEXT_OPENING = re.compile(
    r"\b(?:thank you|thanks|many thanks) for (?:your|the) (?:e-?mail|message|mail)|"
    r"\b(?:vielen )?danke? fur (?:ihre|deine|die) (?:e-?mail|nachricht|mail)|"
    r"\bmerci (?:pour|de) (?:votre|ton|le|ce) (?:message|e-?mail|courriel)|"
    r"\bgracias por (?:su|tu|el) (?:correo|mensaje|e-?mail)|"
    r"\bgrazie (?:per|del) (?:la sua |il suo |la vostra |il vostro |la tua |il tuo |il |la |l' ?)?"
    r"(?:e-?mail|messaggio|mail)|"
    r"\b(?:bedankt|dank) voor (?:uw|je|jouw|het) (?:bericht|e-?mail|mail)"
)
# Headers that support what the first lines say (never alone: see the module's "Not used").
_SUPPORTING_HEADERS = ("x-auto-response-suppress", "x-ms-exchange-inbox-rules-loop",
                       "x-ms-exchange-generated-message-source")
_FIRST_LINES = 12
_NULL_PATHS = ("<>", "<mailer-daemon>", "mailer-daemon")

# --- lists ----------------------------------------------------------------------------

_BULK_PRECEDENCE = ("bulk", "list", "junk")
# Words that show a message is about the reader's own application, which a newsletter
# never is; an applicant tracking system's mail with List-Unsubscribe always is.
_ABOUT_YOUR_APPLICATION = re.compile(
    r"\b(?:your (?:application|candidacy|interview|candidature)|"
    r"(?:ihre|deine|eure) (?:bewerbung|kandidatur)|(?:ihr|dein) (?:vorstellungsgesprach|interview)|"
    r"(?:votre|ta) (?:candidature|entretien)|(?:su|tu) (?:candidatura|postulacion|entrevista)|"
    r"(?:la tua|la sua) candidatura|(?:uw|je) sollicitatie)\b"
)


def examine(msg: MailMessage) -> Automatic | None:
    """Why ``msg`` was written by a machine, or None when a person wrote it."""
    return (_bounce(msg) or _receipt(msg) or _calendar(msg) or _auto_reply(msg)
            or _list(msg))


def _subject(msg: MailMessage) -> str:
    return fold_word((msg.subject or "")[:SCAN_LIMIT])


def _body(msg: MailMessage) -> str:
    return msg.body[:SCAN_LIMIT]


def _local_part(msg: MailMessage) -> str:
    return msg.sender.email.partition("@")[0].lower() if msg.sender else ""


def _bounce(msg: MailMessage) -> Automatic | None:
    ctype = msg.header("content-type").lower()
    report = "multipart/report" in ctype and "delivery-status" in ctype
    if msg.failed_recipients:
        reason = ("a delivery report with failed recipients" if report
                  else "X-Failed-Recipients: " + ", ".join(msg.failed_recipients))
        return _failed(msg, reason, msg.failed_recipients)
    subject = _subject(msg)
    if _DELAY_SUBJECT.search(subject):
        return Automatic("system", "a delivery delay notice: nothing failed yet")
    failed_subject = _BOUNCE_SUBJECT.search(subject)
    if report and not failed_subject:
        return Automatic("system", "a delivery report without a failed recipient (a delay or success notice)")
    if report and msg.delivery and all(_is_delay(action, status) for _, action, status, _ in msg.delivery):
        return Automatic("system", "a delivery report of a delay: nothing failed yet")
    sender = msg.sender.email if msg.sender else ""
    system_sender = _local_part(msg) in _SYSTEM_SENDERS
    notice = fold_word(_notice_text(msg))
    if failed_subject:
        why = f"a bounce subject ({msg.subject.strip()[:60]})"
    elif system_sender and _FAILURE_WORDS.search(notice):
        why = f"a failure notice from {sender}"
    elif system_sender:
        return Automatic("system", f"sent by the mail system ({sender})")
    else:
        return None
    if _DELAY_WORDS.search(notice) and not _FINAL_WORDS.search(notice):
        return Automatic("system", "a delivery delay notice: nothing failed yet")
    return _failed(msg, why, _addresses_in_bounce_text(msg))


# --- what kind of failure a bounce reports ----------------------------------------------
#
# From the DSN Status code (RFC 3463) of the recipient when it is specific: X.1.x (bad
# mailbox, bad domain: the address), X.2.2 (mailbox full), X.2.3 and X.3.4 (message too
# large); else from the words of the report (the recipient's Diagnostic-Code first, then
# the text about the recipient, then the whole notice), as Exchange, Postfix, Gmail, Exim,
# Zimbra, Amazon SES and SendGrid write them; else "other" (refused for a reason the
# sender cannot fix by themselves: policy, spam, a blocked server).

_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_FULL_WORDS = re.compile(
    r"mailbox (?:is )?full|mailbox (?:size limit|quota)|over (?:the |their |his |her )?(?:storage )?quota|overquota|"
    r"quota (?:exceeded|exceed|has been exceeded)|exceeded (?:the |their )?(?:storage|quota)|"
    r"exceeded storage allocation|insufficient (?:system )?storage|out of storage|inbox is full|"
    r"mailbox has exceeded|mailbox (?:would exceed|exceeds) |storage (?:quota|space) (?:exceeded|full)|"
    r"quotaexceeded|postfach (?:ist )?voll|speicherplatz|boite (?:aux lettres |de reception )?(?:est )?pleine|"
    r"buzon (?:esta )?lleno|casella (?:di posta )?(?:e )?piena|mailbox vol"
)
_LARGE_WORDS = re.compile(
    r"message (?:is )?too (?:large|big)|(?:mail|email|e-mail) (?:is )?too (?:large|big)|message size exceeds|"
    r"size exceeds|exceeds? (?:the )?(?:maximum|max|fixed|allowed|permitted) (?:message )?size|"
    r"message size limit|message (?:file )?too big|\bis too (?:large|big)\b|too (?:large|big) to (?:be )?deliver|message length exceeds|sizelimit|recipsizelimit|"
    r"too large for (?:this|the) recipient|size limits|message exceeded|"
    r"nachricht (?:ist )?zu gross|message trop (?:volumineux|gros|grand)|mensaje (?:es )?demasiado grande|"
    r"messaggio troppo grande"
)
_ADDRESS_WORDS = re.compile(
    r"user unknown|unknown user|no such (?:user|recipient|mailbox|address|account)|does ?n[o']t exist|"
    r"address (?:not found|rejected|unknown|couldn't be found|could not be found)|"
    r"recipient (?:not found|unknown|rejected|address rejected|invalid)|recipientnotfound|"
    r"(?:wasn't|was not|couldn't be|could not be) found|unknown (?:to |recipient )?address|"
    r"invalid (?:recipient|address|mailbox|user)|mailbox (?:unavailable|not found|disabled|inactive|does not)|"
    r"account (?:is |has been )?(?:disabled|inactive|suspended|deleted)|unrouteable address|"
    r"host or domain name not found|domain (?:not found|does not exist|name not found|couldn't be found)|"
    r"no mx|nxdomain|name service error|dns error|unknown (?:domain|host)|bad destination|"
    r"no mailbox here|address not found|not a valid (?:address|recipient)|"
    r"unbekannt|existiert nicht|nicht gefunden|inconnu|n'existe pas|introuvable|desconocido|no existe|"
    r"sconosciuto|non esiste|onbekend|bestaat niet"
)
_DELAY_WORDS = re.compile(
    r"\bdelayed\b|has not (?:yet )?been delivered|not yet been delivered|will (?:continue to )?(?:retry|try again)|"
    r"still (?:being retried|trying)|warning only|do not need to resend|delivery incomplete|"
    r"will be retried|will retry|temporary (?:problem|failure)|verzogert|retardee|retrasad"
)
_FINAL_WORDS = re.compile(
    r"permanent|gave up|giving up|could not be delivered|couldn't be delivered|wasn't delivered|"
    r"was not delivered|undeliverable|failed permanently|delivery has failed|retry timeout exceeded"
)
_FAILURE_ORDER = (("full", _FULL_WORDS), ("too-large", _LARGE_WORDS), ("address", _ADDRESS_WORDS))
_NEAR = 600  # characters of a text report read after a failed address, for its reason


def _is_delay(action: str, status: str) -> bool:
    return action.startswith("delayed") or (not action and status.startswith("4."))


def _failed(msg: MailMessage, why: str, bounced: tuple[str, ...]) -> Automatic:
    """The bounce of ``bounced``, each with its kind of failure and the words that say so."""
    notice = _notice_text(msg)
    folded = fold_word(notice)
    reports = {who: (status, diagnostic) for who, _, status, diagnostic in msg.delivery if who}
    kinds, words = [], []
    for address in bounced:
        status, diagnostic = reports.get(address.lower(), ("", ""))
        near = _near(folded, address.lower())
        kind, said = _failure_kind(status, diagnostic, near, folded)
        kinds.append(kind)
        words.append(said)
    return Automatic("bounce", why, bounced=bounced, failures=tuple(kinds), failure_words=tuple(words),
                     returned=_returned(msg))


def _failure_kind(status: str, diagnostic: str, near: str, notice: str) -> tuple[str, str]:
    """(kind, words) of one failed recipient: its Status code, its diagnostic, the text
    about it, the whole notice (see above)."""
    diagnostic = " ".join(diagnostic.split())[:160]
    code = None
    for text in (status, diagnostic, near, notice):
        code = _STATUS.search(text)
        if code is not None:
            kind = _kind_of_status(int(code.group(2)), int(code.group(3)))
            if kind:
                return kind, diagnostic or code.group(0)
            break  # a generic code (5.0.0, 5.7.1): the words decide
    for text in (fold_word(diagnostic), near, notice):
        for kind, pattern in _FAILURE_ORDER:
            found = pattern.search(text)
            if found:
                return kind, diagnostic or found.group(0)
    # refused by policy (X.7.x: spam, blocked, not authorised) with no word of the address;
    # anything else unexplained is most often the address
    policy = code is not None and code.group(2) == "7"
    return ("other" if policy else "address"), diagnostic or (code.group(0) if code else "")


def _kind_of_status(subject: int, detail: int) -> str:
    if subject == 1:
        return "address"
    if (subject, detail) == (2, 2):
        return "full"
    if (subject, detail) in ((2, 3), (3, 4)):
        return "too-large"
    if (subject, detail) == (2, 1):  # mailbox disabled, not accepting messages
        return "address"
    return ""


def _near(folded: str, address: str) -> str:
    """The text after the first mention of ``address`` in a report, where its reason is."""
    at = folded.find(address) if address else -1
    return folded[at:at + _NEAR] if at >= 0 else ""


def _notice_text(msg: MailMessage) -> str:
    """The part of a text report that describes the failure (before the returned message)."""
    text = _body(msg)
    cut = _RETURNED_PART.search(fold_word(text))
    return text[: _source_offset(text, cut.start())] if cut else text


# Header lines of the returned message quoted in a text report ("Message-ID: <...>", also
# folded over several lines), and Exchange's "Original message ID".
_QUOTED_ID = re.compile(
    r"^[ \t>]*(?:message-id|in-reply-to|references|original message id|x-original-message-id)[ \t]*:"
    r"((?:[ \t]*<[^<>\s]{1,998}>)*(?:[ \t]*\r?\n[ \t]+<[^<>\s]{1,998}>)*)",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_KEY = re.compile(rf"^[ \t>]*{re.escape(KEY_HEADER)}[ \t]*:[ \t]*([^\s<>]{{1,200}})[ \t]*$",
                         re.IGNORECASE | re.MULTILINE)
_ID_TOKEN = re.compile(r"<[^<>\s]{1,998}>")


def _returned(msg: MailMessage) -> tuple[str, ...]:
    """The Message-IDs of the message a bounce returns: from its parts (``MailMessage.returned_ids``)
    and from the headers a text report quotes."""
    found: dict[str, None] = dict.fromkeys(msg.returned_ids)
    text = _body(msg)
    for m in _QUOTED_ID.finditer(text):
        for token in _ID_TOKEN.findall(m.group(1)):
            found.setdefault(token, None)
    for m in _QUOTED_KEY.finditer(text):
        found.setdefault(message_id(m.group(1), ""), None)
    return tuple(found)


def _addresses_in_bounce_text(msg: MailMessage) -> tuple[str, ...]:
    text = _body(msg)
    cut = _RETURNED_PART.search(fold_word(text))
    if cut:  # folded text keeps line starts where the source has them, near enough
        text = text[: _source_offset(text, cut.start())]
    own = {p.email for p in (*msg.to, *msg.cc)}
    if msg.sender:
        own.add(msg.sender.email)
    found: dict[str, None] = {}
    for addr in _addresses_in(text):
        addr = addr.strip(".").lower()
        if addr not in own and addr.partition("@")[0] not in _SYSTEM_SENDERS:
            found.setdefault(addr, None)
    return tuple(found)


def _addresses_in(text: str) -> list[str]:
    """What ``re.findall`` of the address expression above gives, in linear time. A match
    can only start where a run of local-part characters starts (the run cannot hold the
    "@"), so each run is read once: its "@domain" follows it, or no address starts in it."""
    found = []
    pos = 0
    while True:
        local = _LOCAL_PART.search(text, pos)
        if local is None:
            return found
        domain = _AT_DOMAIN.match(text, local.end())
        if domain is None:
            pos = local.end()
        else:
            found.append(text[local.start():domain.end()])
            pos = domain.end()


def _source_offset(text: str, folded_offset: int) -> int:
    folded = fold(text)
    return folded.index[folded_offset] if folded_offset < len(folded.index) else len(text)


def _receipt(msg: MailMessage) -> Automatic | None:
    ctype = msg.header("content-type").lower()
    if "multipart/report" in ctype and "disposition-notification" in ctype:
        return Automatic("system", "a read receipt (disposition notification)")
    if _RECEIPT_SUBJECT.search(_subject(msg)):
        return Automatic("system", "a read-receipt subject")
    return None


def _calendar(msg: MailMessage) -> Automatic | None:
    if msg.calendar_method == "REPLY":
        return Automatic("calendar", "an answer to an invitation (iCalendar METHOD:REPLY)")
    if msg.calendar_method in ("", "REPLY"):
        found = _RSVP_SUBJECT.search(_subject(msg))
        if found:
            return Automatic("calendar", f"an invitation-answer subject ({msg.subject.strip()[:60]})")
    return None


def _auto_reply(msg: MailMessage) -> Automatic | None:
    signs: list[str] = []
    generated = ""
    submitted = msg.header("auto-submitted").strip().lower()
    if submitted and submitted != "no":
        if submitted.startswith("auto-replied"):
            signs.append(f"Auto-Submitted: {submitted}")
        else:
            generated = f"Auto-Submitted: {submitted}"
    for name in ("precedence", "x-precedence"):
        if msg.header(name).strip().lower() == "auto_reply":
            signs.append(f"{name.title()}: auto_reply")
    for name in _OOF_HEADERS:
        value = msg.header(name).strip().lower()
        if value and value != "no":
            signs.append(f"an {name} header")
    if msg.header("x-apple-action").strip().lower() == "vacation":
        signs.append("X-Apple-Action: vacation")
    if _OOF_SUBJECT.search(_subject(msg)):
        signs.append("an out-of-office subject")
    if _ACK_SUBJECT.search(_subject(msg)):
        signs.append("an acknowledgement subject")
    if not signs and not generated:
        text_sign = _auto_reply_text(msg)
        if text_sign:
            signs.append(text_sign)
    if not generated and msg.header("return-path").strip().lower() in _NULL_PATHS:
        generated = "an empty return path"
    if not signs and not generated:
        return None
    sender_domain = msg.sender.domain if msg.sender else ""
    back = return_date(f"{msg.subject[:SCAN_LIMIT]}\n{_body(msg)}", msg.date.date() if msg.date else None,
                       sender_domain)
    if signs or back:
        return Automatic("auto-reply", signs[0] if signs else generated, returns_on=back)
    if states_a_decision(msg):
        return None  # a tracking system's rejection or invitation, sent for the employer: their answer
    return Automatic("system", generated)


def _auto_reply_text(msg: MailMessage) -> str:
    """Why the first lines of ``msg`` are an auto-reply's template, or "": two signs of an
    absence (or one and the template's opening thanks, or one and a supporting Exchange
    header: ``_SUPPORTING_HEADERS``), and no greeting of the reader by name, which a template
    cannot write ("Hi Alex, I'm out of the office this week but ..." is a person)."""
    lines = [line for line in _first_lines(msg) if line.strip()][:_FIRST_LINES]
    if not lines or _greets_reader(lines[0], msg):
        return ""
    text = re.sub(r"\s+", " ", fold_word("\n".join(lines)))
    strong = sum(1 for pattern in _OOF_TEXT_STRONG if pattern.search(text))
    supported = any(msg.header(name) for name in _SUPPORTING_HEADERS)
    if strong >= 2 or (strong and (_OOF_TEXT_OPENING.search(text) or supported)):
        return "an out-of-office text in its first lines"
    return ""


def _first_lines(msg: MailMessage) -> list[str]:
    from interview_followup.daemon.mail.classify import own_words  # (classify needs nothing from here)

    return own_words(_body(msg)[:4000]).split("\n")


def _greets_reader(line: str, msg: MailMessage) -> bool:
    names = {fold_word(p.name.split()[0]) for p in msg.to if p.name and p.name.split()}
    words = re.findall(r"[\w'-]+", fold_word(line))[:4]
    return bool(names & set(words))


# Mail about the reader's experience, or a company's news: a survey or a newsletter, never
# an answer. Read on the subject and the first lines (a rejection may end with a survey link).
_SURVEY_WORDS = re.compile(
    r"\b(?:survey|umfrage|sondage|encuesta|sondaggio|enquete|questionnaire about|rate your|"
    r"how (?:was|did) (?:your|you find|we do)|how did we do|(?:tell|share with) us about your experience|"
    r"candidate experience|interview experience|(?:ihre|deine) meinung (?:zahlt|ist uns wichtig)|"
    r"wie zufrieden waren sie|votre avis (?:compte|nous interesse)|su opinion (?:cuenta|nos importa)|"
    r"la sua opinione|uw mening|newsletter|digest|view (?:this e-?mail|it|this message) in (?:your|a) browser|"
    r"manage (?:your )?(?:e-?mail )?preferences|job alert)\b"
)
_SURVEY_LINKS = re.compile(
    r"\b(?:qualtrics\.com|surveymonkey\.|typeform\.com|medallia\.|questionpro\.com|alchemer\.com|"
    r"forms\.gle|survey\.|/surveys?/)"
)
_NOREPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply|no_reply)\b")


def _survey(msg: MailMessage) -> bool:
    """A survey or a newsletter: its wording in the subject or first lines, and nothing in it
    that decides an application (``classify``)."""
    head = fold_word(f"{msg.subject[:500]}\n" + "\n".join(_first_lines(msg)[:_FIRST_LINES]))
    if not _SURVEY_WORDS.search(head):
        return False
    from interview_followup.daemon.mail.classify import Rules, classify

    return classify(msg, Rules.builtin()).outcome == "other"


def _list(msg: MailMessage) -> Automatic | None:
    if msg.header("list-id"):
        return Automatic("list", f"List-Id: {msg.header('list-id')[:80]}")
    precedence = msg.header("precedence").strip().lower()
    if precedence in _BULK_PRECEDENCE and (_survey(msg) or not states_a_decision(msg)):
        return Automatic("list", f"Precedence: {precedence}")
    if msg.header("list-unsubscribe") and _survey(msg):
        return Automatic("list", "List-Unsubscribe on a survey or newsletter")
    if (_NOREPLY.match(_local_part(msg)) and _SURVEY_LINKS.search(fold_word(_body(msg)))
            and _survey(msg)):
        return Automatic("system", "a survey from a no-reply address")
    if msg.header("list-unsubscribe"):
        in_thread = bool(msg.in_reply_to or msg.references)
        about_you = _ABOUT_YOUR_APPLICATION.search(fold_word(f"{msg.subject[:SCAN_LIMIT]}\n{_body(msg)}"))
        if not in_thread and not about_you:
            return Automatic("list", "List-Unsubscribe on mail that answers nothing and is not about your application")
    if _portal_task(msg):
        return Automatic("system", "a candidate portal's task notice from an unanswered address")
    return None


# A tracking system's notice of a task waiting in the candidate portal ("You have a new task:
# Voluntary Self-Identification ... Sign in to complete the task") or of a status to be read
# there ("There has been an update to your application ... sign in to your candidate home"),
# sent from an address that takes no answers: a machine's, unless it decides something
# (``classify``).
_TASK_WORDS = re.compile(
    r"\b(?:(?:a|one|\d+) new tasks?|tasks? (?:assigned|waiting|pending|awaiting)|complete (?:the|your|this) tasks?|"
    r"(?:neue|offene) aufgaben?|nouvelle tache|nouvelles taches|nueva tarea|nuove attivita|nieuwe taak|"
    # or of a status to be read there ("There has been an update ... sign in to your candidate home")
    r"(?:view|see|check) the status of your application|sign in to (?:your|the) (?:candidate|applicant|careers?) "
    r"(?:home|portal|account|profile|site)|status (?:ihrer|deiner) bewerbung|statut de (?:votre|ta) candidature|"
    r"estado de (?:tu|su) candidatura|stato della (?:tua|sua) candidatura|status van (?:je|jouw|uw) sollicitatie)\b"
)
_NO_ANSWERS = re.compile(
    r"\b(?:(?:do not|don't|please do not|please don't) reply|unmonitored (?:mailbox|address|inbox)|"
    r"not monitored|nicht (?:auf diese (?:e-?mail|nachricht) )?antworten|ne pas repondre|no responda|"
    r"non rispondere|niet (?:op deze (?:e-?mail|mail) )?(?:reageren|antwoorden))\b"
)


def states_a_decision(msg: MailMessage) -> bool:
    """Whether ``msg`` says a decision on the application in so many words (a rejection, an
    offer or another interview, by a strong phrase): mail that a tracking system sends for
    the employer with "Auto-Submitted: auto-generated" or "Precedence: bulk" is still their
    answer. Requests, promises and anything weaker are not."""
    from interview_followup.daemon.mail.classify import STRENGTH, Rules, evidence

    strong = STRENGTH[1]
    return any(c.outcome in ("rejection", "offer", "next-round") and c.strength >= strong
               for c in evidence(msg, Rules.builtin()))


def _portal_task(msg: MailMessage) -> bool:
    head = fold_word(f"{msg.subject[:500]}\n" + "\n".join(_first_lines(msg)[:_FIRST_LINES]))
    if not _TASK_WORDS.search(head):
        return False
    if not (_NOREPLY.match(_local_part(msg)) or _NO_ANSWERS.search(fold_word(_body(msg)))):
        return False
    from interview_followup.daemon.mail.classify import Rules, classify

    return classify(msg, Rules.builtin()).outcome == "other"


# --- the day an absent person is back -------------------------------------------------
#
# Dates are found in the folded text (lower case, no accents) in these forms, each with an
# optional weekday before it ("Monday, December 7th", "Montag, den 7. Dezember"):
# ISO 2026-12-07; numeric 07.12.2026 / 7.12. (always day first) and 12/07/2026,
# 12-07-26 (day or month first: see _order); "7 December 2026", "7. Dezember",
# "1er décembre", "7 de diciembre de 2026", "3rd of December"; "December 7th, 2026";
# and a weekday alone ("Friday"). The text is read with every run of white space as one
# space (a cue broken by a line wrap, "back in the\noffice on", "tot en\nmet", is found),
# after blanking the lines that give office hours or a weekly schedule (a signature's
# "Office hours: Monday to Friday, 9:00-17:00", "Sprechzeiten: Mo-Fr 9-17 Uhr", "part-time:
# Mon-Wed", any line with a range of clock times): their days are no absence.
# A cue before (or, for "wieder", "je serai de retour",
# ..., after) the date says what it means:
#   back    "back on X", "returning X", "ab X wieder im Büro", "de retour le X",
#           "estaré de vuelta el X"                       -> X
#   through "through X", "bis (einschließlich) X", "jusqu'au X", "hasta el X",
#           "fino al X", "tot en met X", "until X inclusive", a range "from A to X"
#                                                         -> the day after X
#   until   "until X", "till X", Dutch "tot X"            -> X
# German "bis", French "jusqu'au", Spanish "hasta" and Italian "fino al" name the last day
# of absence by convention; English "until" names the day of return ("out until Monday"),
# and Dutch says "t/m" when it means the last day. Italian and Dutch cues are read too
# (Italian "rientrerò il X", Dutch "vanaf X ben ik weer"). Among several
# cued dates, "back" wins over "through" over "until", then the first in the text.

_MONTH_NAMES = (
    "january jan januar janner jaenner janvier janv enero ene gennaio januari",
    "february feb februar feber fevrier fevr fev febrero febbraio februari",
    "march mar marz maerz mrz mars marzo maart",
    "april apr avril avr abril abr aprile",
    "may mai mayo maggio mei",
    "june jun juni juin junio giugno",
    "july jul juli juillet juil julio luglio",
    "august aug aout agosto ago augustus",
    "september sep sept septembre septiembre setiembre settembre",
    "october oct oktober okt octobre octubre ottobre",
    "november nov novembre noviembre",
    "december dec dezember dez decembre diciembre dic dicembre",
)
_WEEKDAY_NAMES = (
    "monday montag lundi lunes lunedi maandag",
    "tuesday dienstag mardi martes martedi dinsdag",
    "wednesday mittwoch mercredi miercoles mercoledi woensdag",
    "thursday donnerstag jeudi jueves giovedi donderdag",
    "friday freitag vendredi viernes venerdi vrijdag",
    "saturday samstag sonnabend samedi sabado sabato zaterdag",
    "sunday sonntag dimanche domingo domenica zondag",
)
_WEEKDAY_ABBREVIATIONS = (  # only before a date, followed by "." or ","
    "mon mo lun", "tue tues di mar", "wed mi mer mie", "thu thur thurs do jeu jue",
    "fri fr ven vie", "sat sa sam sab", "sun so dim dom",
)


def _table(rows: tuple[str, ...]) -> dict[str, int]:
    return {name: n for n, row in enumerate(rows) for name in row.split()}


_MONTHS = {k: v + 1 for k, v in _table(_MONTH_NAMES).items()}
_WEEKDAYS = _table(_WEEKDAY_NAMES)
_WEEKDAY_ABBR = _table(_WEEKDAY_ABBREVIATIONS)


def _alternation(names: dict[str, int]) -> str:
    return "|".join(sorted(map(re.escape, names), key=len, reverse=True))


_MONTH = rf"(?:{_alternation(_MONTHS)})(?![a-z])"
_WD = (rf"(?:(?:{_alternation(_WEEKDAYS)})(?![a-z])|(?:{_alternation(_WEEKDAY_ABBR)})(?=[.,])"
       r"|(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?=\s+\d))")  # "Mon 30/11"
# A day of the month alone ("back on the 25th", "ab dem 25. wieder", "de retour le 25",
# "hasta el 25", "fino al 25", "terug op de 25e"): an English ordinal, or a number after the
# article or preposition its language writes before it (looked at behind, not taken, so that
# the cues and range words before it read as before), or after a weekday. Never followed by
# a month (then it is a full date), another number, a time or a percentage.
_DAY_END = (rf"(?![\w°]|[./-]?\d|\.?\s*(?:of\s+|de\s+|di\s+|del\s+)?{_MONTH}"
            rf"|\s*(?:%|uhr\b|h\b|am\b|pm\b|a\.m\.|p\.m\.|:\d))")
_DAY_ONLY = rf"""(?P<dd_en>\d{{1,2}})(?:st|nd|rd|th){_DAY_END}
    |(?:(?<=\bam\ )|(?<=\bden\ )|(?<=\bdem\ )|(?<=\bzum\ )|(?<=\bvom\ ))(?P<dd_de>\d{{1,2}})\.{_DAY_END}
    |(?:(?<=\ble\ )|(?<=\bau\ )|(?<=\bdu\ )|(?<=\bel\ )|(?<=\bal\ )|(?<=\bdel\ )|(?<=\bdia\ )|(?<=\bil\ )
       |(?<=\bdal\ )|(?<=\bgiorno\ ))(?P<dd_ro>\d{{1,2}})(?:er|o|°)?{_DAY_END}
    |(?<=\bde\ )(?P<dd_nl>\d{{1,2}})(?:ste|de|e){_DAY_END}
    |(?(wd)(?P<dd_wd>\d{{1,2}})(?:st|nd|rd|th|ste|de|er|e|o|°|\.)?{_DAY_END}|(?!))"""
_DAY_GROUPS = ("dd_en", "dd_de", "dd_ro", "dd_nl", "dd_wd")
_DATE = re.compile(
    rf"(?<![\w.])(?:(?P<wd>{_WD})[.,]{{0,2}}\s+(?:(?:the|den|dem|le|el)\s+)?)?(?:"
    rf"(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})(?!\d)"
    rf"|(?P<d1>\d{{1,2}})(?:\.|st|nd|rd|th|er|eme|o|º|°)?\s*(?:of\s+|de\s+)?(?P<m1>{_MONTH})\.?"
    rf"(?:,?\s*(?:de\s+)?(?P<y1>\d{{4}})(?!\d))?"
    rf"|(?P<n1>\d{{1,2}})(?P<sep>[./-])(?P<n2>\d{{1,2}})(?:(?P=sep)(?P<ny>\d{{4}}|\d{{2}})(?!\d))?(?![\d/-])"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?![\d])(?:,?\s*(?P<y2>\d{{4}})(?!\d))?"
    rf"|(?x:{_DAY_ONLY})"
    rf")|(?<![\w.])(?P<wo>(?:{_alternation(_WEEKDAYS)}))(?![a-z])"
)
_TIME_AFTER = re.compile(r"\s*(?:uhr|h\b|am\b|pm\b|a\.m\.|p\.m\.|:\d)")

_FILL = (
    r"(?:[\s,:]|\b(?:on|the|from|by|as of|starting|again|in the office|to the office|to work|"
    r"at work|at my desk|in|am|ab|dem|den|zum|im buro|le|du|au|des|a partir du|a partir de|"
    r"au bureau|el|del|a partir del|desde el|desde|al|a la oficina|en la oficina|il|in ufficio|"
    r"op|vanaf|per|op kantoor|op de|dia|el dia|giorno|il giorno|next|nachsten|kommenden|this coming)\b)*"
)
# (language, meaning, cue that ends where the date starts)
_CUES_BEFORE = tuple(
    (lang, meaning, re.compile(rf"(?:{cue}){_FILL}$"))
    for lang, meaning, cue in (
        ("en", "through", r"\b(?:through|thru|up to and including|until and including|to and including)"),
        ("de", "through", r"\bbis(?: einschliesslich| einschl\.?| inklusive| inkl\.?| und mit)?"),
        ("fr", "through", r"\bjusqu' ?(?:au|a|a la)?"),
        ("es", "through", r"\bhasta"),
        ("it", "through", r"\bfino (?:a|al|alla)"),
        ("nl", "through", r"\b(?:tot en met|t/m)"),
        ("en", "until", r"\b(?:until|till|'til)"),
        ("nl", "until", r"\btot"),
        ("en", "back", r"\b(?:back|return|returns|returning|available again|reachable again|"
                       r"be in the office|be in)"),
        ("de", "back", r"\b(?:zuruck|wieder (?:im buro|im haus|da|erreichbar|verfugbar|zu erreichen|"
                       r"am arbeitsplatz|im dienst)|ruckkehr)"),
        ("fr", "back", r"\b(?:de retour|retour|je reviens|je rentre|je reprendrai(?: le travail)?|"
                       r"reprise|(?:a|de) nouveau (?:disponible|joignable|present|presente))"),
        ("es", "back", r"\b(?:de vuelta|de regreso|regresare|regreso|volvere|vuelvo|"
                       r"me reincorporo|me reincorporare|reincorporacion|de nuevo disponible|"
                       r"nuevamente disponible)"),
        ("it", "back", r"\b(?:di ritorno|rientrero|rientro(?: previsto| prevista)?|tornero|"
                       r"(?:saro )?di nuovo (?:in ufficio|disponibile|raggiungibile))"),
        ("nl", "back", r"\b(?:terug|weer (?:aanwezig|op kantoor|bereikbaar|beschikbaar|aan het werk))"),
    )
)
_CUES_AFTER = tuple(
    (lang, re.compile(cue))
    for lang, cue in (
        ("de", r"^[\s,.]*(?:(?:bin|ist|sind|werde|wird) (?:ich|er|sie|wir) )?(?:dann )?(?:wieder|zuruck)\b"),
        ("en", r"^[\s,.]*(?:i will|i'll|i am|i'm|we will|we'll) (?:be )?(?:back|return|available again|in the office)\b"),
        ("fr", r"^[\s,.]*(?:je serai|je suis|nous serons) (?:de retour|a nouveau|de nouveau)\b"),
        ("es", r"^[\s,.]*(?:estare|estoy|volvere a estar) (?:de vuelta|de regreso|de nuevo|disponible)\b"),
        ("it", r"^[\s,.]*(?:saro|sono) (?:di nuovo|nuovamente|di ritorno)\b"),
        ("nl", r"^[\s,.]*(?:(?:ben ik|is hij|is zij|zijn wij|zijn we) )?(?:weer|terug) (?:op kantoor|aanwezig|bereikbaar|"
               r"beschikbaar|op het werk|aan het werk|in het land)\b|^[\s,.]*(?:ben ik|is hij|is zij|zijn wij|zijn we) "
               r"(?:weer|terug)\b"),
    )
)
_SHARED_MONTH = re.compile(rf"(?<![\d.])(\d{{1,2}})\.?\s*(?:-|–|to|bis|au|al|a|t/m)\s*(\d{{1,2}})\.?\s+({_MONTH})\b")
_MONTH_FIRST_RANGE = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–)\s*(\d{{1,2}})(?:st|nd|rd|th)?\b(?![./-]?\d)")
_HYPHENATED = re.compile(rf"\b(\d{{1,2}})-({_MONTH})\.?-(\d{{2,4}})\b")
_MONTH_END_ABSENCE = re.compile(
    r"\b(?:until|till|through|to|bis|jusqu'a|hasta|fino a|tot)\s+(?:the\s+)?(?:end of (?:the|this) month|"
    r"ende (?:des|dieses) monats|monatsende|la fin du mois|fin de mes|finales de mes|fine mese|(?:het )?einde van de maand|"
    r"eind van de maand)\b"
)
_RANGE_GAP = re.compile(r"[\s.,]*(?:to|-|bis|bis zum|au|al|a)\s*")
_INCLUSIVE_AFTER = re.compile(
    r"^[\s,(]*(?:inclusive|inclusively|included|einschliesslich|inklusive|inkl|inclus|incluse|"
    r"inclusivement|incluido|incluida)\b"
)
_RANK = {"back": 0, "through": 1, "until": 2}

# Sender domains whose numeric dates are read month first, and day first; any other
# domain (.com, .org, .io, .ca, ...) decides nothing.
_MONTH_FIRST_TLDS = frozenset({"us", "gov", "mil", "edu"})
_DAY_FIRST_TLDS = frozenset(
    "uk ie au nz in za de at ch li fr be nl lu es it pt se no dk fi is pl cz sk hu ro bg gr "
    "hr si rs ee lv lt br ar mx cl pe uy sg hk my ng ke il tr ru ua".split()
)
_HORIZON = timedelta(days=400)  # no absence notice announces a return further away


def return_date(text: str, sent: date | None, sender_domain: str = "") -> date | None:
    """The first day an absent person is back, as ``text`` (an auto-reply) states it.

    ``sent`` is the day the notice was sent: a date without a year is the next such date
    on or after it, a weekday the next such day after it, and dates before it are not
    return dates. None when no cued date is found, or when a numeric date could be read
    day-first or month-first and neither the language, the sender's domain, a weekday nor
    the sending day decides.
    """
    folded = _WHITE.sub(" ", _SCHEDULE_LINE.sub(_blank_line, fold(text[:20_000]).text))
    # "23-30 November", "23. bis 30.11.": the month written once for both ends of a range
    folded = _SHARED_MONTH.sub(r"\1 \3 - \2 \3", folded)
    folded = _MONTH_FIRST_RANGE.sub(r"\1 \2 - \1 \3", folded)  # "November 23-30"
    folded = _HYPHENATED.sub(r"\1 \2 \3", folded)  # "30-Nov-2026"
    matches = list(_DATE.finditer(folded))
    found: list[tuple[int, int, date, int | None]] = []  # (rank, where, day, the weekday of a weekday alone)
    for i, m in enumerate(matches):
        if m.group("n1") and _TIME_AFTER.match(folded, m.end()):
            continue
        prev_end = matches[i - 1].end() if i else 0
        next_start = matches[i + 1].start() if i + 1 < len(matches) else len(folded)
        before = folded[max(prev_end, m.start() - 90):m.start()]
        after = folded[m.end():min(next_start, m.end() + 60)]
        cue = _cue(before, after, i > 0 and bool(_RANGE_GAP.fullmatch(folded[prev_end:m.start()])))
        if cue is None:
            continue
        lang, meaning = cue
        if meaning == "until" and _INCLUSIVE_AFTER.match(after):
            meaning = "through"
        day = _resolve(m, sent, lang, sender_domain)
        if day is None:
            continue
        if meaning == "through":
            day += timedelta(days=1)
        if sent and day < sent:
            continue
        found.append((_RANK[meaning], m.start(), day, _WEEKDAYS[m.group("wo")] if m.group("wo") else None))
    # a weekday alone ("Ab Mittwoch bin ich wieder erreichbar") is the first such day after
    # the absence a date in the notice ends ("bis einschließlich 24.11."), not after the notice
    dated = max((day for _, _, day, alone in found if alone is None), default=None)
    if dated is not None:
        found = [(rank, at, day if alone is None or day >= dated else _weekday_from(dated, alone), alone)
                 for rank, at, day, alone in found]
    if not found and sent is not None:
        m = _MONTH_END_ABSENCE.search(folded)
        if m:  # "until the end of the month": back on the first of the next one
            return date(sent.year + sent.month // 12, sent.month % 12 + 1, 1)
    return min(found)[2] if found else None


# A line that gives office hours or a weekly schedule (a signature's "Office hours: Mon-Fri
# 9-17", "Sprechzeiten: Mo-Fr 9-17 Uhr", "part-time: Mon-Wed"): its days are no absence.
# It is blanked before dates are read; so is every line with a range of clock times.
_SCHEDULE_LINE = re.compile(
    r"^.*(?:\b(?:office|opening|working|business|core|support) hours\b|\bpart[- ]time\b|"
    r"\b(?:sprechzeiten|burozeiten|offnungszeiten|arbeitszeiten|servicezeiten|geschaftszeiten|"
    r"kernzeiten|teilzeit)\b|\bhoraires?\b|\bheures (?:de bureau|d'ouverture)\b|\btemps partiel\b|"
    r"\bhorario\b|\borario\b|\b(?:werktijden|openingstijden|kantooruren|deeltijd)\b|"
    r"\b\d{1,2}(?:[:.]\d\d)?\s*(?:h|uhr|am|pm)?\s*(?:-|to|bis|a|al)\s*\d{1,2}(?:[:.]\d\d)?\s*(?:h|uhr|am|pm)\b|"
    r"\b\d{1,2}[:.]\d\d\s*(?:-|to|bis|a|al)\s*\d{1,2}[:.]\d\d\b|"
    r"\b(?:mon|mo|lun|ma)\s*(?:-|to|bis|a)\s*(?:fri|fr|ven|vie|vr|thu|do|jeu)\b).*$",
    re.MULTILINE,
)
_WHITE = re.compile(r"\s+")


def _weekday_from(day: date, weekday: int) -> date:
    """The first ``weekday`` on or after ``day``."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _blank_line(m: re.Match[str]) -> str:
    return " " * len(m.group(0))


def _cue(before: str, after: str, range_end: bool) -> tuple[str, str] | None:
    for lang, pattern in _CUES_AFTER:
        if pattern.match(after):
            return lang, "back"
    for lang, meaning, pattern in _CUES_BEFORE:
        if pattern.search(before):
            return lang, meaning
    if range_end:
        return "", "through"
    return None


def _resolve(m: re.Match[str], sent: date | None, lang: str, domain: str) -> date | None:
    """The date a match names, or None when it is invalid, implausible or ambiguous."""
    weekday = _weekday(m.group("wd"))
    day_only = next((m.group(g) for g in _DAY_GROUPS if m.group(g)), None)
    if day_only is not None:
        return _day_of_month(int(day_only), sent, weekday)
    if m.group("wo"):
        if sent is None:
            return None
        ahead = (_WEEKDAYS[m.group("wo")] - sent.weekday() - 1) % 7 + 1
        return sent + timedelta(days=ahead)
    if m.group("iy"):
        readings = [(int(m.group("iy")), int(m.group("im")), int(m.group("id")))]
    elif m.group("m1") or m.group("m2"):
        month = _MONTHS[m.group("m1") or m.group("m2")]
        day = int(m.group("d1") or m.group("d2"))
        year = m.group("y1") or m.group("y2")
        readings = [(int(year) if year else 0, month, day)]
    else:
        first, second = int(m.group("n1")), int(m.group("n2"))
        year = int(m.group("ny")) if m.group("ny") else 0
        if year and year < 100:
            year += 2000
        if m.group("sep") == ".":
            readings = [(year, second, first)]
        else:
            readings = [(year, second, first), (year, first, second)]
    candidates: dict[date, None] = {}
    for year, month, day in readings:
        found = _on_or_after(year, month, day, sent, weekday)
        if found is not None:
            candidates.setdefault(found, None)
    if len(candidates) == 2:
        return _order(m, list(candidates), lang, domain, sent)
    return next(iter(candidates), None)


def _day_of_month(day: int, sent: date | None, weekday: int | None) -> date | None:
    """A day of the month alone: that day in the month of ``sent`` when it is not before
    it, else in the next month that has it (and falls on ``weekday`` when one is written)."""
    if sent is None or not 1 <= day <= 31:
        return None
    year, month = sent.year, sent.month
    for _ in range(13):
        try:
            found = date(year, month, day)
        except ValueError:
            found = None
        if found is not None and found >= sent and (weekday is None or found.weekday() == weekday):
            return found if found <= sent + _HORIZON else None
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _weekday(name: str | None) -> int | None:
    if not name:
        return None
    name = name.rstrip(".,")
    return _WEEKDAYS.get(name, _WEEKDAY_ABBR.get(name))


def _on_or_after(year: int, month: int, day: int, sent: date | None, weekday: int | None) -> date | None:
    """The date, a year-less one placed on or after ``sent``; None when invalid, before
    ``sent``, beyond the horizon, or on another weekday than the one written."""
    years = [year] if year else ([sent.year, sent.year + 1] if sent else [])
    for y in years:
        try:
            found = date(y, month, day)
        except ValueError:
            continue
        if sent and not (sent <= found <= sent + _HORIZON):
            continue
        if weekday is not None and found.weekday() != weekday:
            continue
        return found
    return None


def _order(m: re.Match[str], candidates: list[date], lang: str, domain: str, sent: date | None) -> date | None:
    """Day-first (candidates[0]) or month-first (candidates[1]) for an ambiguous numeric
    date: German, French, Spanish, Italian and Dutch text is day-first; English text follows the sender's
    country domain when it has one; else, when one reading is within two weeks of the notice
    and the other four weeks or more away, the near one (an absence is short: "through
    Tuesday, 12/1" sent on 25 November is 1 December, not 12 January); otherwise nothing is
    guessed."""
    if lang in ("de", "fr", "es", "it", "nl"):
        return candidates[0]
    tld = domain.rpartition(".")[2].lower()
    if tld in _DAY_FIRST_TLDS:
        return candidates[0]
    if tld in _MONTH_FIRST_TLDS:
        return candidates[1]
    if sent is not None:
        near, far = sorted(candidates)
        if (near - sent).days <= 14 and (far - sent).days >= 28:
            return near
    return None
