"""What a person's reply says, and the words that show it."""

from __future__ import annotations

import tomllib
from interview_followup.daemon.data import shipped_text
from pathlib import Path

import pytest

from conftest import WHO
from interview_followup.daemon import config as cfg
from interview_followup.daemon.mail.classify import KEYS, Rules, classify, parse_rules, reply_text
from interview_followup.daemon.config import Replies
from interview_followup.daemon.errors import ConfigError
from interview_followup.daemon.model import MailMessage

BUILTIN = Rules.builtin()
OUR_SUBJECT = "Re: Thank you for our conversation about the Backend Engineer role"


def reply(body: str, subject: str = OUR_SUBJECT) -> MailMessage:
    return MailMessage(ref="inbox/1", folder="inbox", subject=subject, body=body)


def verdict(body: str, subject: str = OUR_SUBJECT, rules: Rules = BUILTIN) -> tuple[str, str, str]:
    v = classify(reply(body, subject), rules)
    return v.outcome, v.phrase, v.rule


# --- each outcome, in each language ----------------------------------------------------


@pytest.mark.parametrize("body, outcome, phrase, lang", [
    ("Unfortunately, we have decided to move forward with other candidates.", "rejection",
     "decided to move forward with other candidates", "en"),
    ("We won't be taking your application further.", "rejection", "won't be taking your application further", "en"),
    ("We are pleased to offer you the position of Backend Engineer.", "offer",
     "pleased to offer you the position", "en"),
    ("We'd like to invite you to a second interview with the team.", "next-round",
     "We'd like to invite you", "en"),
    ("Could you send us the contact details of two references?", "info", "contact details of two references", "en"),
    ("Leider haben wir uns für einen anderen Kandidaten entschieden.", "rejection", "für einen anderen Kandidaten", "de"),
    ("Wir freuen uns, Ihnen die Stelle als Backend Engineer anbieten zu können.", "offer",
     "Ihnen die Stelle als Backend Engineer anbieten", "de"),
    ("Wir würden Sie gerne zu einem Zweitgespräch vor Ort einladen.", "next-round",
     "würden Sie gerne zu einem Zweitgespräch vor Ort einladen", "de"),
    ("Könnten Sie uns Ihre Gehaltsvorstellung nennen?", "info", "Gehaltsvorstellung", "de"),
    ("Nous avons le regret de vous informer que votre candidature n'a pas été retenue.", "rejection",
     "avons le regret", "fr"),
    ("Nous avons le plaisir de vous proposer le poste.", "offer", "plaisir de vous proposer le poste", "fr"),
    ("Nous souhaitons vous inviter à un second entretien.", "next-round", "vous inviter à un second entretien", "fr"),
    ("Pourriez-vous nous indiquer vos prétentions salariales ?", "info", "prétentions salariales", "fr"),
    ("Lamentamos comunicarte que hemos decidido continuar con otros candidatos.", "rejection",
     "Lamentamos comunicarte", "es"),
    ("Nos complace ofrecerte el puesto de ingeniero backend.", "offer", "Nos complace ofrecerte el puesto", "es"),
    ("Queremos invitarte a una segunda entrevista.", "next-round", "invitarte a", "es"),
    ("¿Podrías enviarnos tus referencias?", "info", "enviarnos tus referencias", "es"),
])
def test_each_outcome_is_read_in_english_german_french_and_spanish(body, outcome, phrase, lang):
    assert verdict(f"Hello,\n\n{body}\n\nBest regards\n") == (outcome, phrase, f"built-in ({lang})")


@pytest.mark.parametrize("body", [
    "After careful consideration, we have decided not to proceed with your application.",
    "I'm afraid we won't be progressing your application to the next stage.",
    "The hiring team has decided to offer the position to another candidate.",
    "We're not going to move forward with your application.",
    "I'm sorry to say that we won't be offering you the role this time.",
    "Nach sorgfältiger Prüfung haben wir uns entschieden, Ihre Bewerbung nicht weiter zu berücksichtigen.",
    "Leider müssen wir Ihnen mitteilen, dass wir uns anderweitig entschieden haben.",
    "Malheureusement, nous ne pouvons pas donner une suite favorable à votre candidature.",
    "Nous avons décidé de poursuivre avec d'autres candidats.",
    "Tras valorar tu candidatura, hemos decidido no continuar con el proceso.",
    "Hemos seleccionado a otro candidato.",
])
def test_common_ways_of_saying_no_are_rejections(body):
    assert verdict(body)[0] == "rejection"


@pytest.mark.parametrize("body, outcome", [
    ("I'm thrilled to let you know that we'd like to make you an offer!", "offer"),
    ("Initech have come back with an offer: 65k base plus bonus.", "offer"),
    ("Nous sommes heureux de vous faire une offre pour le poste.", "offer"),
    ("ich freue mich, dass wir Ihnen die Stelle als Backend Engineer gerne anbieten möchten.", "offer"),
    ("Seriez-vous disponible pour un échange avec notre CTO ?", "next-round"),
    ("Hätten Sie nächste Woche Zeit für ein zweites Gespräch?", "next-round"),
    ("Bitte senden Sie uns Ihre Zeugnisse.", "info"),
    ("¿Nos podrías enviar tu CV actualizado?", "info"),
    ("Before we decide, could you send us your salary expectations and the earliest date you could start?", "info"),
])
def test_other_everyday_wordings_are_understood(body, outcome):
    assert verdict(body)[0] == outcome


def test_nothing_decisive_is_other_with_no_phrase():
    assert verdict("Thanks Alex, we'll be in touch soon.") == ("other", "", "")


# --- traps -----------------------------------------------------------------------------


def test_a_scheduling_reply_that_says_unfortunately_is_not_a_rejection():
    body = "Hi Alex,\n\nunfortunately I'm travelling next week, could we schedule the call for the week after?\n"
    assert verdict(body)[:2] == ("next-round", "schedule the call")


def test_not_moving_forward_with_other_candidates_then_an_invitation_is_the_next_round():
    body = ("We are not moving forward with other candidates at this point - "
            "we'd like to invite you to meet the CTO next week.")
    assert verdict(body)[:2] == ("next-round", "we'd like to invite you")


def test_not_able_to_move_forward_with_other_candidates_is_no_rejection():
    body = "We can't move forward with other candidates before we speak to you again: can we schedule a call?"
    assert verdict(body)[:2] == ("next-round", "schedule a call")


def test_an_offer_we_cannot_make_is_a_rejection():
    assert verdict("I'm sorry, but we cannot offer you the position.")[:2] == (
        "rejection", "cannot offer you the position")


def test_a_phrase_that_carries_its_own_negation_is_not_undone_by_the_words_before_it():
    # French frames "pas" with "ne"/"n'": the rule's negation is not a denial of it.
    assert verdict("Votre candidature n'a pas été retenue.")[:2] == ("rejection", "pas été retenue")


def test_our_quoted_thank_you_below_the_reply_never_decides():
    thank_you = ("Thank you for taking the time to meet me. I would be glad to put you in touch with "
                 "references from my previous employers. Congratulations on the launch!")
    gmail = ("Thanks Alex, good to hear from you!\n\n"
             "On Tue, Nov 17, 2026 at 4:30 PM Alex Example <\nalex@example.org> wrote:\n\n"
             + "".join(f"> {line}\n" for line in thank_you.split(". ")))
    outlook = ("Thanks Alex, good to hear from you!\n\n________________________________\n"
               "From: Alex Example <alex@example.org>\nSent: Tuesday, November 17, 2026 4:30 PM\n"
               "To: Jane Doe\nSubject: Thank you\n\n" + thank_you + "\n")
    german = ("Danke, Alex!\n\nAm Di., 17. Nov. 2026 um 16:30 Uhr schrieb Alex Example "
              "<alex@example.org>:\n" + thank_you + "\n")
    french = "Merci Alex !\n\nLe mar. 17 nov. 2026 à 16:30, Alex Example <alex@example.org> a écrit :\n" + thank_you
    spanish = "¡Gracias, Alex!\n\nEl mar, 17 nov 2026 a las 16:30, Alex Example (<alex@example.org>) escribió:\n" + thank_you
    original = "Thanks!\n\n-----Original Message-----\n" + thank_you
    for body in (gmail, outlook, german, french, spanish, original):
        assert verdict(body) == ("other", "", ""), body


def test_the_subject_of_an_answer_is_ours_and_does_not_count_but_a_fresh_one_does():
    assert verdict("Hi Alex, see below.", subject="Re: Your offer letter")[0] == "other"
    assert verdict("Hi Alex, see below.", subject="Your offer letter")[:2] == ("offer", "offer letter")


def test_the_signature_is_not_read():
    assert verdict("Thanks, we'll be in touch.\n-- \nJane Doe\nWelcome aboard, new starters!") == ("other", "", "")


def test_a_phrase_broken_across_lines_still_matches():
    body = "we would like to offer you the Backend\nEngineer position!"
    assert verdict(body)[:2] == ("offer", "would like to offer you the Backend Engineer position")


def test_accents_case_and_apostrophes_do_not_matter_and_the_phrase_is_the_message_s_own():
    assert verdict("NOUS N’AVONS PAS RETENU VOTRE CANDIDATURE.")[:2] == ("rejection", "PAS RETENU")
    assert verdict("Votre candidature n'a pas ete retenue.")[:2] == ("rejection", "pas ete retenue")


# --- priority --------------------------------------------------------------------------


def test_an_offer_that_asks_for_references_is_an_offer():
    body = "Please send us two references. We are delighted to offer you the role of Backend Engineer."
    assert verdict(body)[:2] == ("offer", "delighted to offer you the role")


def test_a_rejection_that_offers_a_feedback_call_is_a_rejection():
    body = ("Unfortunately you were not selected for the next stage. "
            "If you like, we can schedule a call to give you feedback.")
    assert verdict(body)[:2] == ("rejection", "you were not selected")


def test_strong_phrases_win_over_weak_ones():
    body = "Congratulations! We'd like to invite you to a final interview with the founders."
    assert verdict(body)[:2] == ("next-round", "We'd like to invite you")
    assert verdict("Congratulations, and thanks again.")[:2] == ("offer", "Congratulations")


# --- the user's rules ------------------------------------------------------------------


def test_a_phrase_from_the_config_is_recorded_as_the_reason():
    rules = Rules.from_config(Replies(rejection=("offered the role to an internal candidate",)))
    body = "Thanks for your patience. We have offered the role to an internal candidate."
    assert verdict(body, rules=rules) == (
        "rejection", "offered the role to an internal candidate", "config: replies.rejection")


def test_config_phrases_win_over_built_in_ones():
    rules = Rules.from_config(Replies(next_round=("re:meet (?:our|the) cto",)))
    body = "We'd like to offer you the chance to meet our CTO; please send us your salary expectations."
    assert verdict(body, rules=rules) == ("next-round", "meet our CTO", "config: replies.next_round")


def test_ignored_phrases_are_taken_out_before_anything_is_matched():
    body = "Thanks Alex, we'll be in touch.\nJane | Book a time with me: calendly.com/jane-doe"
    assert verdict(body)[0] == "next-round"
    rules = Rules.from_config(Replies(ignore=("re:book a time with me: \\S+",)))
    assert verdict(body, rules=rules) == ("other", "", "")


def test_the_config_rejects_bad_reply_phrases_with_their_key(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('[replies]\noffer = ["re:(unclosed", ""]\ninfo = [3]\n[calendar]\npath = "c.ics"\n')
    with pytest.raises(ConfigError) as info:
        cfg.load(path)
    msg = str(info.value)
    assert "'replies.offer[0]'" in msg and "regular expression" in msg
    assert "'replies.offer[1]'" in msg
    assert "'replies.info[0]'" in msg


def test_the_config_carries_the_reply_phrases(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text(WHO + '[replies]\noffer = ["welcome to the family"]\n[calendar]\npath = "c.ics"\n')
    replies = cfg.load(path).replies
    assert replies.offer == ("welcome to the family",) and replies.rejection == ()


# --- the rule file ---------------------------------------------------------------------


def test_the_built_in_rules_cover_every_outcome_in_every_language():
    data = tomllib.loads(shipped_text("reply_rules.toml"))
    for lang in ("en", "de", "fr", "es"):
        assert set(data[lang]) == set(KEYS), lang
        for key in KEYS:
            assert data[lang][key]["strong"], f"{lang}.{key}"
    assert len(parse_rules(data)) == len(BUILTIN.rules)


def test_a_broken_rule_file_entry_is_named():
    with pytest.raises(ValueError, match="en.offer"):
        parse_rules({"en": {"offer": {"strong": ["re:(oops"]}}})


def test_reply_text_keeps_the_author_s_words_only():
    m = reply("Sounds good.\n> quoted line\nSee you then.\n-- \nJane", subject="Re: Thanks")
    assert reply_text(m) == "Sounds good.\nSee you then."


# --- bounds: the rewritten expressions match as the old ones did ---------------------------------


def test_the_quote_and_prefix_expressions_match_as_before():
    """``_is_quote_header``, ``_OUTLOOK_FROM``, ``_OUTLOOK_SENT`` and ``_REPLY_PREFIX``
    were rewritten to take linear time on long runs of spaces; on random lines they match
    exactly what the old expressions matched."""
    import random
    import re

    from interview_followup.daemon.mail import classify as c

    quote = re.compile(
        r"^\s*(?:on\b.{0,300}\bwrote|am\b.{0,300}\bschrieb\b.{0,200}|le\b.{0,300}\ba ecrit|"
        r"el\b.{0,300}\bescribio|il\b.{0,300}\bha scritto|op\b.{0,300}\bschreef\b.{0,200})\s*:\s*$")
    prefix = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:re|aw|antw|antwort|sv|vs|rv|ref|res|r|wg|fw|fwd|tr|enc|rif|"
                        r"i|doorst)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
    outlook_from = re.compile(r"^\s*\**(?:from|von|de|da|van)\s*\**\s*:")
    outlook_sent = re.compile(r"^\s*\**(?:sent|date|gesendet|datum|envoye|enviado|fecha|inviato|data|verzonden)\s*\**\s*:")
    rng = random.Random(8)
    words = ["on", "am", "le", "el", "il", "op", "wrote", "schrieb", "schreef", "a ecrit", "escribio", "ha scritto",
             " ", "  ", ":", " :", "x", "\t", "\x0c", "\u2028", "é", "-", "re", "aw", "from", "von", "sent", "date",
             "*", "**", "[", "]", "[12]", "[ext]", "i", "r", "de"]
    for _ in range(100_000):
        line = "".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        if rng.random() < 0.1:
            line = line.replace(" ", " " * rng.randint(1, 250))
        assert bool(quote.match(line)) == c._is_quote_header(line), repr(line)
        for old, new in ((prefix, c._REPLY_PREFIX), (outlook_from, c._OUTLOOK_FROM), (outlook_sent, c._OUTLOOK_SENT)):
            a, b = old.match(line), new.match(line)
            assert (a and a.group()) == (b and b.group()), (repr(line), old.pattern)
    for a in (250, 300, 301):  # the windows' edges
        for b in (199, 200, 201):
            line = "am " + "x" * a + " schrieb " + "y" * b + " " * 300 + ":"
            assert bool(quote.match(line)) == c._is_quote_header(line), (a, b)


# --- the outcome by evidence (issue 16) --------------------------------------------------


def test_a_request_for_information_about_a_later_stage_is_an_info_request():
    assert verdict("Before we move you to the final round, could you please send us your salary "
                   "expectations?")[0] == "info"
    assert verdict("Für die nächste Runde benötigen wir noch Ihre Gehaltsvorstellung.")[0] == "info"


def test_a_later_stage_named_alone_is_still_a_next_round():
    assert verdict("Before the final interview, please complete the online assessment.")[0] == "next-round"


def test_an_invitation_to_the_final_round_with_a_request_in_another_sentence_is_a_next_round():
    assert verdict("We'd like to invite you to a final round. Could you also send your salary expectations?")[0] \
        == "next-round"


@pytest.mark.parametrize("body", [
    "Thanks again for coming in for the second interview yesterday, the team enjoyed it.",
    "Thanks for taking the time for the onsite interview last Tuesday.",
    "Nach Ihrem zweiten Gespräch sprechen wir intern noch über die Besetzung.",
    "Je transmets à l'équipe qui vous a rencontré lors de votre deuxième entretien.",
    "Gracias por la segunda entrevista de ayer.",
])
def test_a_past_interview_named_is_no_next_round(body):
    assert verdict(body)[0] == "other"


def test_thanks_and_an_invitation_in_one_sentence_is_still_an_invitation():
    assert verdict("Thanks for your time and we would like to invite you to a second interview.")[0] == "next-round"


def test_a_request_for_documents_that_mentions_the_contract_is_an_info_request():
    assert verdict("For the offer stage our HR team needs a copy of your ID and your latest payslip. "
                   "Once we have them, we'll prepare the employment contract.")[0] == "info"


def test_an_offer_that_asks_for_references_is_still_an_offer():
    assert verdict("We are delighted to offer you the position! Could you send us two references?")[0] == "offer"


@pytest.mark.parametrize("body, outcome", [
    ("nous souhaiterions vous convier à l'entretien final avec notre directeur technique.", "next-round"),
    ("Nous sommes désolés de vous annoncer qu'après mûre réflexion, nous avons décidé de ne pas poursuivre "
     "votre candidature.", "rejection"),
    ("We have decided, after careful consideration, not to take your application further.", "rejection"),
    ("Bill would like to speak with two people we could contact about your work.", "info"),
    ("Können Sie uns zwei Personen nennen, mit denen wir über Ihre bisherige Arbeit sprechen dürfen?", "info"),
    ("Siamo lieti di offrirti la posizione di Site Reliability Engineer.", "offer"),
    ("Helaas heeft Initech besloten om verder te gaan met een andere kandidaat.", "rejection"),
    ("Queremos organizar contigo una última conversación con el equipo.", "next-round"),
])
def test_phrases_allow_words_between_elision_and_referees_without_the_word(body, outcome):
    assert verdict(body)[0] == outcome


def test_a_calendar_invitation_is_a_next_round_with_its_subject_as_the_deciding_words():
    msg = MailMessage(ref="inbox/1", folder="inbox", subject="Initech: Alex Example / Peter Gibbons (CTO)",
                      body="Peter would like to meet you.", calendar_method="REQUEST")
    v = classify(msg, BUILTIN)
    assert (v.outcome, v.phrase, v.position) == ("next-round", "an invitation: Initech: Alex Example / Peter "
                                                              "Gibbons (CTO)", "invitation")


def test_a_meeting_link_with_its_id_reads_as_an_invitation():
    body = "Here are the details for your conversation with Samir.\n\nJoin Zoom Meeting\nhttps://x.zoom.us/j/812\n"
    assert verdict(body)[0] == "next-round"


def test_a_rejection_with_a_zoom_link_for_feedback_is_a_rejection():
    body = ("We have decided to move forward with other candidates. If you'd like feedback, join me here:\n"
            "Join Zoom Meeting https://x.zoom.us/j/812")
    assert verdict(body)[0] == "rejection"


def test_the_deciding_words_carry_their_position_and_sense():
    v = classify(reply("Could you send us your salary expectations?", subject="Salary"), BUILTIN)
    assert (v.outcome, v.phrase, v.position, v.sense) == ("info", "salary expectations", "first lines", "question")
    v = classify(reply("Hello", subject="Second interview"), BUILTIN)
    assert (v.outcome, v.position) == ("next-round", "subject")


def test_thanks_before_a_request_do_not_make_the_request_past():
    assert verdict("Thanks for getting back to us – could you send us your references?")[0] == "info"
    assert verdict("Thank you for the update, could you please send your updated CV?")[0] == "info"


@pytest.mark.parametrize("body, outcome", [
    # a question about when you could start is a request for information, in every language;
    # availability for a meeting stays a next round
    ("Could you let us know your availability to start and your notice period?", "info"),
    ("Are you available to start on 1 March?", "info"),
    ("Could you share your availability for a second interview next week?", "next-round"),
    ("Können Sie uns Ihre Verfügbarkeit für einen Eintritt mitteilen?", "info"),
    ("Quand seriez-vous disponible pour commencer ?", "info"),
    ("Pourriez-vous nous indiquer vos disponibilités pour un second entretien ?", "next-round"),
    ("¿Podrías indicarnos tu disponibilidad para incorporarte y tu periodo de preaviso?", "info"),
    ("¿Podrías indicarnos tu disponibilidad para una segunda entrevista?", "next-round"),
    ("Potresti indicarci la tua disponibilità a iniziare?", "info"),
    ("Potresti indicarci la tua disponibilità per un colloquio?", "next-round"),
    ("Kun je je beschikbaarheid om te starten doorgeven?", "info"),
    ("Kun je je beschikbaarheid voor een tweede gesprek doorgeven?", "next-round"),
])
def test_availability_to_start_is_a_request_for_information_not_a_next_round(body, outcome):
    assert verdict(body)[0] == outcome


@pytest.mark.parametrize("body, outcome", [
    ("Damit wir das Vertragsangebot vorbereiten können, bräuchten wir noch folgende Unterlagen: Ihre Zeugnisse.",
     "info"),
    ("Für das Vertragsangebot benötigen wir noch eine Kopie Ihres Ausweises.", "info"),
    ("So that we can prepare your contract offer, could you send us a copy of your ID?", "info"),
    ("Pour préparer la proposition de contrat, pourriez-vous nous envoyer une copie de vos diplômes ?", "info"),
    ("Para preparar la carta de oferta, ¿podrías enviarnos una copia de tu DNI?", "info"),
    ("Per preparare la lettera di offerta, potresti inviarci una copia dei tuoi documenti?", "info"),
    ("Anbei erhalten Sie unser Vertragsangebot.", "offer"),  # the document itself
    ("Please find attached your contract offer.", "offer"),
    ("Nos complace hacerte una oferta para incorporarte al equipo.", "offer"),
])
def test_documents_asked_for_the_contract_offer_are_a_request_and_the_offer_itself_an_offer(body, outcome):
    assert verdict(body)[0] == outcome


@pytest.mark.parametrize("body", [
    "Leider haben wir uns entschieden, den Prozess mit anderen Kandidat:innen fortzusetzen.",
    "Wir haben uns entschieden, mit anderen Kandidat*innen weiterzugehen.",
    "Wir haben uns entschieden, mit anderen KandidatInnen fortzufahren.",
    "Wir haben uns zugunsten anderer Bewerber_innen entschieden.",
    "Wir haben anderen Bewerber:innen den Vorzug gegeben.",
    "We have decided to continue the process with other candidates.",
    "Nous avons décidé de poursuivre le processus avec d'autres candidat·e·s.",
    "Hemos decidido continuar el proceso con otros/as candidatos/as.",
    "Abbiamo deciso di proseguire il processo di selezione con altri candidati.",
    "We hebben besloten het proces met andere kandidaten voort te zetten.",
    "Purtroppo non procederemo con la tua candidatura.",
    "Abbiamo deciso di non proseguire con la sua candidatura.",
    "Nous ne poursuivrons pas votre candidature.",
])
def test_going_on_with_other_candidates_or_not_on_with_yours_is_a_rejection_in_any_gender_form(body):
    assert verdict(body)[0] == "rejection"


@pytest.mark.parametrize("body", [
    "Wir führen noch Gespräche mit anderen Kandidaten und melden uns bei Ihnen.",
    "We are still continuing the process with other candidates and will get back to you.",
])
def test_other_candidates_still_in_the_process_are_no_rejection(body):
    assert verdict(body)[0] == "other"


# --- issue 16, development messages d_*: softened rejections, rounds worded many ways -----


@pytest.mark.parametrize("body", [
    "The other two candidates will move on to the final round.",
    "Die anderen Bewerber:innen kommen in die nächste Runde, leider ohne Sie.",
    "Wir haben uns für eine*n andere*n Kandidat*in entschieden.",
    "Les autres candidats passent à l'étape suivante.",
    "Otros candidatos pasarán a la siguiente fase.",
    "Altri candidati passeranno alla fase finale.",
    "Andere kandidaten gaan door naar de volgende ronde.",
    "We are not in a position to offer you the role.",
    "Unfortunately we are unable to offer you the position.",
    "Leider können wir Ihnen die Stelle nicht anbieten.",
    "No estamos en condiciones de ofrecerle el puesto.",
    "Non siamo in grado di offrirle la posizione.",
    "Helaas kunnen we je geen aanbod doen.",
    "The position was filled internally.",
    "Die Stelle wurde intern besetzt.",
    "Le poste a finalement été pourvu en interne.",
    "El puesto se ha cubierto internamente.",
    "La posizione è stata coperta internamente.",
    "De vacature is intern ingevuld.",
    "Your profile does not quite match what we need.",
    "Ihr Profil passt leider nicht zu unseren Anforderungen.",
    "Votre profil ne correspond pas tout à fait à ce que nous recherchons.",
    "Su perfil no se ajusta a lo que buscamos.",
    "Il tuo profilo non corrisponde a quanto cerchiamo.",
    "Jouw profiel sluit helaas niet aan bij de functie.",
    "I'm sorry to disappoint you.",
    "Leider müssen wir Sie enttäuschen.",
    "Nous sommes désolés de vous décevoir.",
    "Lamentamos decepcionarle.",
    "Ci dispiace deluderti.",
    "Helaas moeten we je teleurstellen.",
])
def test_softened_rejections_in_six_languages(body):
    assert verdict(body)[0] == "rejection"


@pytest.mark.parametrize("subject", [
    "Update on your application – unfortunately not successful this time",
    "Ihre Bewerbung – Absage",
    "Votre candidature – malheureusement",
    "Su candidatura – lamentablemente",
    "La tua candidatura – esito negativo",
    "Je sollicitatie – helaas",
])
def test_a_subject_that_says_rejection_decides_and_the_same_words_in_the_body_do_not(subject):
    assert verdict("Dear Alex,\n\nthank you for your time.", subject=subject)[0] == "rejection"
    assert verdict(f"Dear Alex,\n\n{subject}: we need your notice period.")[0] == "info"


@pytest.mark.parametrize("body", [
    "Could you share a few times when you'd be available next week?",
    "Quels seraient les créneaux où vous seriez disponible ?",
    "Potresti indicarmi due o tre momenti in cui saresti disponibile?",
    "Il prossimo passo sarebbe un colloquio tecnico con il team.",
    "The next step would be a technical interview with Kim.",
    "We willen graag de volgende stap met je zetten; ik plan het gesprek zelf in.",
    "We'd like to invite you to the final round. After that we will make a decision.",
])
def test_next_rounds_worded_many_ways(body):
    assert verdict(body)[0] == "next-round"


@pytest.mark.parametrize("body", [
    "We will decide next week who moves on to the next round.",
    "Wir entscheiden nächste Woche, wer in die nächste Runde kommt.",
    "Nous déciderons la semaine prochaine qui passera à l'étape suivante.",
    "Het laatste gesprek is verschoven naar morgen. Daarna nemen we een besluit.",
    "The final interviews are on Tuesday. We will then make a decision.",
    "We are still deciding whether to make you an offer.",
])
def test_a_stage_or_an_offer_in_a_decision_still_to_come_decides_nothing(body):
    assert verdict(body)[0] == "other"


@pytest.mark.parametrize("text, by", [
    ("He promised us a decision within the next 10 days.", "2026-11-28"),
    ("Wir werden in 10 Tagen entscheiden.", "2026-11-28"),
    ("Prenderemo una decisione entro 10 giorni.", "2026-11-28"),
    ("Tomaremos una decisión en 10 días.", "2026-11-28"),
    ("We nemen binnen 10 dagen een besluit.", "2026-11-28"),
    ("Sie erhalten bis spätestens 04.12. eine Antwort.", "2026-12-04"),
    ("Vous recevrez une réponse d'ici la fin de la semaine prochaine.", "2026-11-27"),
    ("Ti faccio sapere entro la fine della settimana prossima.", "2026-11-27"),
    ("The panel will decide early next week, and you'll hear from me.", "2026-11-27"),
    ("We nemen daarna een besluit. Je hoort uiterlijk vrijdag van ons.", "2026-11-20"),
])
def test_promised_decisions_and_their_days(text, by):
    from datetime import date

    from interview_followup.daemon.mail.promise import promised_answer
    promise = promised_answer(text, date(2026, 11, 18))
    assert promise is not None and promise.by == date.fromisoformat(by)


# --- how the words reach the classifier: real mail's shapes -------------------------------

def _raw(body_part: str, subject: str = "RE: Thank you", to: str = "Alex Example <alex@example.org>") -> MailMessage:
    from interview_followup.daemon.mail.parse import parse_message

    raw = (f"From: Jane Doe <jane@acme.example>\r\nTo: {to}\r\nSubject: {subject}\r\n"
           "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <c1@acme.example>\r\nMIME-Version: 1.0\r\n" + body_part)
    return parse_message(raw.encode(), ref="c1", folder="inbox")


def test_a_plain_part_that_only_points_to_the_html_part_is_read_from_the_html() -> None:
    msg = _raw('Content-Type: multipart/alternative; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
               "This message is in HTML format. Please use an HTML viewer.\r\n--b\r\nContent-Type: text/html\r\n\r\n"
               "<p>Hi Alex,</p><p>Unfortunately we have decided to move forward with other candidates.</p>\r\n--b--\r\n")
    assert classify(msg, BUILTIN).outcome == "rejection"


@pytest.mark.parametrize("sender,text,want", [
    ("Bill <bill@initech.example>", "We have decided not to move forward with Alex.", "rejection"),
    # the recipient's own mail, forwarded to a colleague with the recipient copied
    ("Alex Example <alex@example.org>", "I look forward to the next round and would be happy to schedule a call.", "other"),
])
def test_a_forward_under_an_original_message_line_reads_what_it_forwards_unless_it_is_yours(
        sender: str, text: str, want: str) -> None:
    msg = _raw("Content-Type: text/plain\r\n\r\nSee the note below, sorry.\r\nSam\r\n\r\n-----Original Message-----\r\n"
               f"From: {sender}\r\nSent: Monday, 23 November 2026\r\nTo: Sam <sam@talentbridge.example>\r\n"
               f"Subject: Alex\r\n\r\n{text}\r\n", subject="FW: Alex Example")
    assert classify(msg, BUILTIN).outcome == want


def test_an_answer_written_below_the_quote_is_read() -> None:
    msg = _raw("Content-Type: text/plain\r\n\r\nOn Mon, Nov 16, 2026 at 6:00 PM Alex Example <alex@example.org> wrote:\r\n"
               "> Thank you! Looking forward to the next round.\r\n\r\n"
               "Hi Alex, thanks - unfortunately we decided to go with another candidate.\r\nJane\r\n")
    assert classify(msg, BUILTIN).outcome == "rejection"


# short answers as people write them (probes written for this file, six languages)
SHORT = [
    ("rejection", "Thanks for your time. We've decided to move ahead with someone whose background is a closer match."),
    ("rejection", "Unfortunately this one didn't work out. Happy to stay in touch!"),
    ("rejection", "I'm afraid it's a no from us this time."),
    ("rejection", "We've decided to close the role."),
    ("rejection", "the position is no longer available."),
    ("rejection", "We don't think it's the right fit right now."),
    ("rejection", "It was a close call, but we chose another candidate."),
    ("rejection", "You're not quite what we're looking for at the moment."),
    ("rejection", "leider hat es diesmal nicht geklappt."),
    ("rejection", "nach reiflicher Überlegung haben wir uns gegen eine Zusammenarbeit entschieden."),
    ("rejection", "nous avons décidé de ne pas aller plus loin."),
    ("rejection", "el puesto ya se ha cubierto."),
    ("rejection", "abbiamo assunto un'altra persona."),
    ("rejection", "we hebben iemand anders aangenomen."),
    ("offer", "You got the job!"),
    ("offer", "We'd love to have you join us as our next backend engineer."),
    ("offer", "Sie haben die Stelle! Der Vertrag kommt morgen."),
    ("offer", "we zouden je graag aannemen."),
    ("next-round", "Could you do a second call with our CTO next week?"),
    ("next-round", "Kim wants to meet you once more before we decide."),
    ("next-round", "hätten Sie nächste Woche Zeit für ein Gespräch mit unserem CTO?"),
    ("info", "Do you need visa sponsorship?"),
    ("info", "¿cuál es tu expectativa salarial?"),
    ("other", "We're still interviewing and will keep looking at candidates until Friday, then decide."),
    ("other", "That is a no-brainer, I'll pass your note on to Kim!"),
    ("other", "leider hat es mit dem Link nicht geklappt, hier ein neuer."),
    ("other", "Thanks for the second call with our CTO last week, notes attached."),
    ("rejection", "we kunnen je helaas niet aannemen."),
    ("rejection", "The panel did not recommend moving forward."),
    ("rejection", "We won't be inviting you to the next round."),
    ("rejection", "I'm sorry to tell you we are not proceeding."),
    ("rejection", "not this time, unfortunately."),
    ("rejection", "we are moving on with other applicants."),
    ("rejection", "we don't have a position for you right now."),
    ("rejection", "wir werden nicht mit Ihnen weitermachen."),
    ("rejection", "no seguimos adelante con tu proceso."),
    ("other", "not this time of year, Kim is away. We'll get back to you in January."),
    ("other", "We'd love to have you join us at our open day on Friday!"),
    ("next-round", "We'd like you to join us for a final chat with the CEO next week. When are you free?"),
    ("next-round", "we're not proceeding with the interview on Thursday; could we move it to Friday?"),
]


@pytest.mark.parametrize("want,body", SHORT)
def test_a_short_answer_says_what_it_says(want: str, body: str) -> None:
    assert verdict(f"Hi Alex,\n{body}\nJane")[0] == want


@pytest.mark.parametrize("body", [
    "nous ne pouvons malheureusement pas donner suite à votre candidature.",
    "abbiamo purtroppo scelto un altro candidato.",
    "we hebben helaas gekozen voor een andere kandidaat.",
])
def test_an_adverb_inside_a_phrase_does_not_hide_it(body: str) -> None:
    assert verdict(f"Hi Alex,\n{body}\nJane")[0] == "rejection"


def test_invisible_characters_inside_words_do_not_hide_them() -> None:
    assert verdict("Unfortunately we have decided not to mo\u200bve for\u00adward with your application.")[0] == "rejection"


# --- a tracking system's decision, sent with the headers of machine mail ------------------

def _ats(extra: str, text: str) -> MailMessage:
    from interview_followup.daemon.mail.parse import parse_message

    raw = ("From: Acme Recruiting <no-reply@acme.example>\r\nTo: alex@example.org\r\n"
           "Subject: Your application for Backend Engineer\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n"
           f"Message-ID: <a1@acme.example>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n")
    return parse_message(raw.encode(), ref="a1", folder="inbox")


DECISION = "Dear Alex,\r\n\r\nafter careful consideration we have decided not to move forward with your application.\r\n"


@pytest.mark.parametrize("extra", ["Auto-Submitted: auto-generated\r\n", "Precedence: bulk\r\n", "Return-Path: <>\r\n"])
def test_a_tracking_systems_rejection_is_their_answer_whatever_its_headers(extra: str) -> None:
    from interview_followup.daemon.mail.automatic import examine

    msg = _ats(extra, DECISION)
    assert examine(msg) is None and classify(msg, BUILTIN).outcome == "rejection"


@pytest.mark.parametrize("text", [
    "Thank you for your application. We have received it and will review it shortly.",
    "How did we do? Tell us about your candidate experience in a two-minute survey.",
])
def test_machine_mail_that_decides_nothing_stays_machine_mail(text: str) -> None:
    from interview_followup.daemon.mail.automatic import examine

    assert examine(_ats("Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\n", text)) is not None


def test_a_rejection_for_one_role_then_an_invitation_for_another_is_the_invitation() -> None:
    body = ("the panel has decided not to move forward with your application for the SRE role. That said, Marcus "
            "would very much like to talk to you about a Senior Platform Engineer opening on his team.")
    assert verdict(body)[0] == "next-round"


def test_a_rejection_with_a_later_invitation_but_no_turn_stays_a_rejection() -> None:
    body = ("we have decided not to move forward with your application. Other candidates move to the final round; "
            "we would like to talk to you about a future opening next year.")
    assert verdict(body)[0] == "rejection"


def test_thousands_of_nested_quotes_and_forwards_are_read_without_recursing_into_each() -> None:
    from interview_followup.daemon.mail.classify import own_words

    assert own_words("On Mon, Nov 16 2026 Alex wrote:\n> a\n" * 5000) == ""
    assert own_words("---------- Forwarded message ---------\nFrom: x\n\n" * 5000) == ""
