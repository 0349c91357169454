"""Typed answers where buttons wait: a table of what citizens write at every button step, and whole conversations.

The table runs through the real Renderer.match_option (and validators.yes_no for the summary and consent steps)
with the shipped flows; the conversations run through the real runner, classifier and database.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db.models import Conversation, Need
from bot.dialogue.engine import _Run
from bot.dialogue.render import Renderer
from bot.dialogue.validators import format_phone, parse_phone, phone_letters, yes_no
from bot.flowspec.registry import load_flowset
from bot.flowspec.schema import ChoiceStep, Option
from nlu.types import Prediction

FLOWS = load_flowset(PROJECT_ROOT / "flows").flows
ACCEPT, OTHER, DECLINE = "Kyllä, haluan yhteydenoton", "Kysyn jotain muuta", "Kiitos, tämä riitti"
MORE, DONE = "Kyllä, toinen asia", "Ei muuta, kiitos"
NOTHING = "Ei mitään, kaikki on oikein"

# step -> language -> (typed, the option it must pick: its value, else its Finnish label; None: no answer)
TABLE: dict[str, dict[str, list[tuple[str, str | None]]]] = {
    "offer": {
        "fi": [("joo", ACCEPT), ("juu", ACCEPT), ("kyllä", ACCEPT), ("kyl", ACCEPT), ("jep", ACCEPT), ("ok", ACCEPT),
               ("sopii", ACCEPT), ("mielellään", ACCEPT), ("joo kiitos", ACCEPT), ("kyllä kiitos", ACCEPT),
               ("soittakaa", ACCEPT), ("haluan yhteydenoton", ACCEPT), ("1", ACCEPT),
               ("ei", DECLINE), ("en", DECLINE), ("ei kiitos", DECLINE), ("eipä", DECLINE), ("no ei", DECLINE),
               ("kiitos", DECLINE), ("riittää", DECLINE), ("tämä riitti", DECLINE), ("ei muuta", DECLINE),
               ("muuta", OTHER), ("jotain muuta", OTHER), ("toinen asia", OTHER), ("kysyn muuta", OTHER),
               ("en tiiä", None), ("ehkä", None), ("joo ei", None), ("kyllä mutta", None), ("hmm", None)],
        "sv": [("ja", ACCEPT), ("ja tack", ACCEPT), ("jo", ACCEPT), ("japp", ACCEPT), ("gärna", ACCEPT),
               ("visst", ACCEPT), ("okej", ACCEPT), ("jo visst", ACCEPT), ("ja gärna", ACCEPT),
               ("kontakta mig", ACCEPT), ("ring mej", ACCEPT),
               ("nej", DECLINE), ("nej tack", DECLINE), ("nä", DECLINE), ("int", DECLINE), ("tack", DECLINE),
               ("det räcker", DECLINE), ("inget mer", DECLINE),
               ("något annat", OTHER), ("en annan sak", OTHER), ("annat", OTHER),
               ("vet inte", None), ("kanske", None), ("ja men", None), ("jo men nej", None)],
    },
    "for_whom": {
        "fi": [("itse", "self"), ("itselle", "self"), ("minä", "self"), ("mä", "self"), ("mulle", "self"),
               ("mua", "self"), ("minä itse", "self"), ("itselleni", "self"), ("Minua itseäni", "self"),
               ("läheistä", "close_one"), ("äidin", "close_one"), ("äidille", "close_one"), ("äiti", "close_one"),
               ("mun äiti", "close_one"), ("isä", "close_one"), ("mummo", "close_one"), ("vaimo", "close_one"),
               ("mieheni", "close_one"), ("puoliso", "close_one"), ("naapuri", "close_one"),
               ("aidille", "close_one"), ("läheiselle", "close_one"), ("äiti ja isä", "close_one"),
               ("ei minua vaan äitiä", "close_one"),
               ("en tiiä", None), ("molemmat", None), ("mulle ja äidille", None), ("joo", None), ("ei", None)],
        "sv": [("jag", "self"), ("ja", "self"), ("mig", "self"), ("mej", "self"), ("själv", "self"),
               ("jag själv", "self"), ("för mig", "self"), ("Mig själv", "self"),
               ("mamma", "close_one"), ("pappa", "close_one"), ("min man", "close_one"), ("min fru", "close_one"),
               ("mormor", "close_one"), ("en anhörig", "close_one"), ("min mamma", "close_one"),
               ("anhorig", "close_one"), ("till pappa", "close_one"),
               ("vet inte", None), ("båda", None), ("mamma och jag", None), ("en", None), ("nej", None)],
    },
    "municipality": {
        "fi": [("Porvoossa", "porvoo"), ("Porvoosta", "porvoo"), ("asun porvoossa", "porvoo"), ("porvoo", "porvoo"),
               ("Loviisassa", "loviisa"), ("Sipoossa", "sipoo"), ("Askolassa", "askola"),
               ("Lapinjärvellä", "lapinjarvi"), ("lapinjarvella", "lapinjarvi"), ("Myrskylässä", "myrskyla"),
               ("Pornaisissa", "pornainen"), ("Pukkilassa", "pukkila"), ("Helsingissä", "other"),
               ("muualla", "other"), ("Borgå", "porvoo"),
               ("en tiedä", None), ("en asu porvoossa", None), ("Porvoo tai Sipoo", None), ("kunta", None)],
        "sv": [("Borgå", "porvoo"), ("i Borgå", "porvoo"), ("Lovisa", "loviisa"), ("Sibbo", "sipoo"),
               ("Lappträsk", "lapinjarvi"), ("Mörskom", "myrskyla"), ("Borgnäs", "pornainen"),
               ("i Pukkila", "pukkila"), ("bor i Lovisa", "loviisa"), ("Helsingfors", "other"),
               ("annanstans", "other"), ("i Borga", "porvoo"), ("Porvoossa", "porvoo"),
               ("vet inte", None), ("Borgå eller Sibbo", None), ("ja", None)],
    },
    "urgency": {
        "fi": [("ei kiire", "no_hurry"), ("ei kiirettä", "no_hurry"), ("ei ole kiire", "no_hurry"),
               ("ei mitään kiirettä", "no_hurry"), ("ei oo kiire", "no_hurry"), ("kiire", "urgent"),
               ("heti", "urgent"), ("pian", "soon"), ("nopeasti", "urgent"), ("mahdollisimman pian", "urgent"),
               ("on kiire", "urgent"), ("lähiaikoina", "soon"), ("parin viikon sisällä", "soon"),
               ("lähiviikkoina", "soon"), ("ensi viikolla", "soon"),
               ("en tiiä", None), ("ehkä", None), ("joo", None), ("ei", None)],
        "sv": [("snart", "soon"), ("inom några veckor", "soon"), ("nästa vecka", "soon"),
               ("brådskande", "urgent"), ("genast", "urgent"), ("snabbt", "urgent"), ("det är bråttom", "urgent"),
               ("ingen brådska", "no_hurry"), ("int bråttom", "no_hurry"), ("inte bråttom", "no_hurry"),
               ("det är inte bråttom", "no_hurry"), ("inte bradskande", "no_hurry"), ("inte akut", "no_hurry"),
               ("vet inte", None), ("kanske", None), ("ja", None)],
    },
    "contact": {
        "fi": [("soittakaa", "phone"), ("soita", "phone"), ("puhelimella", "phone"), ("soitto", "phone"),
               ("soittakaa minulle", "phone"), ("kirjoittamalla", "chat"), ("viestillä", "chat"), ("tässä", "chat"),
               ("chatissa", "chat"), ("kirjoittakaa", "chat"), ("tapaaminen", "visit"), ("käymään", "visit"),
               ("paikan päälle", "visit"), ("tulen käymään", "visit"), ("soittakaa, ei kiirettä", "phone"),
               ("en halua soittoa", None), ("en tiedä", None), ("soitto tai viesti", None), ("joo", None)],
        "sv": [("ring", "phone"), ("ring mej", "phone"), ("ring mig", "phone"), ("per telefon", "phone"),
               ("telefon", "phone"), ("skriv", "chat"), ("här", "chat"), ("i chatten", "chat"),
               ("skriv här", "chat"), ("besök", "visit"), ("komma dit", "visit"), ("på plats", "visit"),
               ("vet inte", None), ("ring inte", None), ("genom att", None), ("ja", None)],
    },
    "fix": {
        "fi": [("ei", NOTHING), ("ei mitään", NOTHING), ("kaikki oikein", NOTHING), ("kaikki on oikein", NOTHING),
               ("ei korjattavaa", NOTHING), ("kuvaus", "Kuvausta tilanteesta"), ("tilanne", "Kuvausta tilanteesta"),
               ("kunta", "Kuntaa"), ("kuntaa", "Kuntaa"), ("kiire", "Kiireellisyyttä"),
               ("kiireellisyys", "Kiireellisyyttä"), ("puhelinnumero", "Yhteydenottotapaa"),
               ("yhteydenottotapa", "Yhteydenottotapaa"), ("ketä koskee", "Ketä asia koskee"),
               ("kenelle", "Ketä asia koskee"),
               ("en tiiä", None), ("hmm", None), ("joo", None)],
        "sv": [("inget", NOTHING), ("nej", NOTHING), ("allt stämmer", NOTHING), ("ingenting", NOTHING),
               ("nej tack", NOTHING), ("beskrivningen", "Kuvausta tilanteesta"), ("läget", "Kuvausta tilanteesta"),
               ("kommunen", "Kuntaa"), ("kommun", "Kuntaa"), ("brådska", "Kiireellisyyttä"),
               ("telefonnummer", "Yhteydenottotapaa"), ("vem", "Ketä asia koskee"),
               ("vet inte", None), ("ja", None)],
    },
    "anything_else": {
        "fi": [("joo", MORE), ("kyllä", MORE), ("toinen asia", MORE), ("jotain muuta", MORE),
               ("vielä yksi asia", MORE), ("kyllä kiitos", MORE), ("ei", DONE), ("ei kiitos", DONE),
               ("ei muuta", DONE), ("ei muuta kiitos", DONE), ("ei mitään", DONE), ("riittää", DONE),
               ("näkemiin", DONE), ("en tiiä", None), ("ehkä", None), ("kiitos", None)],
        "sv": [("ja", MORE), ("ja tack", MORE), ("en annan sak", MORE), ("något annat", MORE), ("jo", MORE),
               ("nej tack", DONE), ("nej", DONE), ("det var allt", DONE), ("inget mer", DONE), ("hej då", DONE),
               ("räcker", DONE), ("vet inte", None), ("kanske", None)],
    },
}
# The summary and consent steps take a typed yes or no (validators.yes_no, through the engine's yes_or_no).
YES_NO: dict[str, list[tuple[str, bool | None]]] = {
    "fi": [("joo", True), ("juu", True), ("kyllä", True), ("kyl", True), ("jep", True), ("ok", True),
           ("sopii", True), ("mielellään", True), ("joo kiitos", True), ("kyllä kiitos", True),
           ("Kyllä, oikein", True), ("kyllä se on oikein", True), ("no joo", True), ("kylla", True),
           ("Kyllä, saa välittää", True),
           ("ei", False), ("en", False), ("ei kiitos", False), ("eipä", False), ("no ei", False),
           ("en halua", False), ("Ei, en halua", False), ("ei, kunta on väärä", False),
           ("en tiiä", None), ("ehkä", None), ("joo ei", None), ("kyllä mutta", None), ("ei kyllä", None),
           ("ei tiedä", None)],
    "sv": [("ja", True), ("ja tack", True), ("jo", True), ("japp", True), ("gärna", True), ("visst", True),
           ("okej", True), ("jo visst", True), ("Ja, det stämmer", True), ("det stämmer", True), ("ja gärna", True),
           ("Ja, det får skickas", True), ("garna", True),
           ("nej", False), ("nej tack", False), ("nä", False), ("int", False), ("inte", False),
           ("Nej, jag vill inte", False), ("vill inte", False),
           ("vet inte", None), ("kanske", None), ("ja men", None), ("jo men nej", None)],
}
REPRODUCED = {  # the typed answers that were refused (one conversation looped ten times)
    ("urgency", "fi"): ["ei kiire", "pian"], ("urgency", "sv"): ["snart"],
    ("contact", "fi"): ["soittakaa"], ("contact", "sv"): ["ring mej"],
    ("for_whom", "fi"): ["läheistä", "äidin"], ("offer", "fi"): ["joo", "ei"],
    ("offer", "sv"): ["ja", "ja tack", "nej"],
}


def steps_named(name: str) -> list[tuple[str, ChoiceStep]]:
    """Every topic flow's offer step, or the intake step of that name."""
    if name == "offer":
        return [(flow.id, flow.steps["offer"]) for flow in FLOWS.values() if flow.topic]
    return [("intake", FLOWS["intake"].steps[name])]


def key(option: Option | None) -> str | None:
    return None if option is None else option.value or option.label.fi


def match(step: ChoiceStep, text: str, lang: str) -> Option | None:
    run = SimpleNamespace(s=SimpleNamespace(lang=lang))  # match_option reads only the language of the run
    return Renderer(run).match_option(step, text)  # type: ignore[arg-type]


CASES = [(name, lang, typed, expected) for name, langs in TABLE.items() for lang, rows in langs.items()
         for typed, expected in rows]


def test_every_button_step_is_in_the_table():
    choice_steps = {(flow.id, step_id) for flow in FLOWS.values() for step_id, step in flow.steps.items()
                    if isinstance(step, ChoiceStep)}
    covered = {(flow_id, name) for name in TABLE for flow_id, _ in steps_named(name)}
    assert choice_steps == covered
    for name, langs in TABLE.items():
        assert all(len(rows) >= 10 for rows in langs.values()), name
    assert all(len(rows) >= 10 for rows in YES_NO.values())


def test_the_reproduced_answers_are_in_the_table():
    for (name, lang), typed in REPRODUCED.items():
        listed = {text: expected for text, expected in TABLE[name][lang]}
        assert all(listed.get(text) is not None for text in typed), (name, lang)


@pytest.mark.parametrize(("name", "lang", "typed", "expected"), CASES,
                         ids=[f"{name}-{lang}-{typed}" for name, lang, typed, _ in CASES])
def test_typed_answer_picks_the_option(name: str, lang: str, typed: str, expected: str | None):
    for flow_id, step in steps_named(name):
        assert key(match(step, typed, lang)) == expected, (flow_id, name, typed)


@pytest.mark.parametrize(("lang", "typed", "expected"),
                         [(lang, typed, expected) for lang, rows in YES_NO.items() for typed, expected in rows])
def test_typed_yes_or_no_at_summary_and_consent(lang: str, typed: str, expected: bool | None):
    assert yes_no(typed) is expected
    assert _Run.yes_or_no(typed, Prediction.nothing()) is expected


@pytest.mark.parametrize(("typed", "e164"), [
    ("040 123 4567", "+358401234567"), ("0401234567", "+358401234567"), ("+358 40 123 4567", "+358401234567"),
    ("358401234567", "+358401234567"), ("(09) 123 4567", "+35891234567"), ("040-123 45 67", "+358401234567"),
    ("puh. 040 123 4567", "+358401234567"), ("+46 70 123 45 67", "+46701234567"),
    ("0046 70 123 45 67", "+46701234567"), ("+1 202 555 0143", "+12025550143"),
    ("o4o 123 45 67", None), ("040 123 456l", None), ("123", None), ("46701234567", None), ("+46 12", None),
])
def test_phone_numbers(typed: str, e164: str | None):
    assert parse_phone(typed) == e164


def test_letters_in_a_number_are_named_and_a_foreign_number_is_shown_with_its_country_code():
    assert phone_letters("o4o 123 45 67") == ["o"]
    assert phone_letters("040 123 456l") == ["l"]
    assert phone_letters("O40 l23 4567") == ["O", "l"]
    assert phone_letters("puh. 040 123 4567") == phone_letters("tel:+358401234567") == []
    assert format_phone("+46701234567") == "+46 70 123 45 67"
    assert format_phone("+358401234567") == "040 1234567"


# Whole conversations --------------------------------------------------------------------------------------

def slots(services) -> dict:
    with services.sessions() as session:
        return dict(session.scalar(select(Conversation.slots)))


def where(services) -> str:
    with services.sessions() as session:
        conversation = session.scalar(select(Conversation))
        return f"{conversation.flow}.{conversation.step}"


REFUSED = ("Valitse jokin", "Välj ett av")


def say(chat, text: str) -> str:
    chat.say(text)
    assert not any(words in chat.text for words in REFUSED), (text, chat.text)
    return chat.text


def test_finnish_citizen_types_every_answer(chat, services):
    chat.start("fi")
    assert "Kuljetuspalvelu\n" in say(chat, "kuljetuspalvelu")
    assert "Kerro omin sanoin" in say(chat, "joo")
    assert "Koskeeko asia sinua" in say(chat, "Äiti ei pääse enää bussilla kauppaan.")
    assert "Missä kunnassa" in say(chat, "äidin")
    assert "Kuinka kiireellinen" in say(chat, "Porvoossa")
    assert "Miten haluaisit" in say(chat, "ei kiire")
    assert "Mihin numeroon" in say(chat, "soittakaa")
    assert "Numerossa on kirjain (o)" in say(chat, "o4o 123 45 67")
    assert where(services) == "intake.phone" and "phone" not in slots(services)
    assert "Mihin aikaan" in say(chat, "040 123 4567")
    assert "Onko tämä oikein?" in say(chat, "ohita")
    assert "Saanko välittää tiedot?" in say(chat, "joo")
    assert "Asiasi on nyt välitetty" in say(chat, "kyllä kiitos")
    with services.sessions() as session:
        need = session.scalar(select(Need))
        assert (need.for_whom, need.municipality, need.urgency, need.contact_preference, need.phone) == \
               ("close_one", "porvoo", "no_hurry", "phone", "+358401234567")


def test_swedish_citizen_types_every_answer_and_gives_a_swedish_number(chat, services):
    chat.start("sv")
    assert "Färdtjänst\n" in say(chat, "färdtjänst")
    assert "Berätta med egna ord" in say(chat, "ja tack")
    assert "Gäller det dig själv" in say(chat, "Mamma klarar inte att åka buss längre.")
    assert "I vilken kommun" in say(chat, "min mamma")
    assert "Hur brådskande" in say(chat, "i Borgå")
    assert "Hur vill du" in say(chat, "snart")
    assert "Till vilket nummer" in say(chat, "ring mej")
    assert "När når man dig" in say(chat, "+46 70 123 45 67")
    summary = say(chat, "hoppa över")
    assert "Stämmer det?" in summary and "+46 70 123 45 67" in summary
    assert "Får jag skicka uppgifterna?" in say(chat, "ja")
    assert "Ditt ärende har nu skickats" in say(chat, "ja tack")
    with services.sessions() as session:
        need = session.scalar(select(Need))
        assert (need.for_whom, need.municipality, need.urgency, need.contact_preference, need.phone) == \
               ("close_one", "porvoo", "soon", "phone", "+46701234567")


@pytest.mark.parametrize(("lang", "topic", "no"), [("fi", "kuljetuspalvelu", "ei"), ("sv", "färdtjänst", "nej")])
def test_a_typed_no_at_the_offer_goes_to_feedback(chat, services, lang: str, topic: str, no: str):
    chat.start(lang)
    chat.say(topic)
    say(chat, no)
    assert where(services) == "main.feedback"


def test_an_answer_that_is_no_answer_asks_again_and_keeps_the_step(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Tarvitsen kyydin.")
    chat.press("Minua itseäni")
    chat.press("Porvoo")
    chat.say("en tiiä")
    assert "Valitse jokin" in chat.text and where(services) == "intake.urgency"
    assert "urgency" not in slots(services)


def reach_phone(chat, lang: str) -> None:
    chat.start(lang)
    if lang == "fi":
        chat.say("kuljetuspalvelu")
        chat.press("Kyllä, haluan yhteydenoton")
        chat.say("Tarvitsen kyydin kauppaan.")
        chat.press("Minua itseäni")
        chat.press("Porvoo")
        chat.press("Ei ole kiire")
        chat.press("Soittamalla")
        assert "Mihin numeroon" in chat.text
    else:
        chat.say("färdtjänst")
        chat.press("Ja, jag vill bli kontaktad")
        chat.say("Jag behöver skjuts till butiken.")
        chat.press("Mig själv")
        chat.press("Borgå")
        chat.press("Det är ingen brådska")
        chat.press("Per telefon")
        assert "Till vilket nummer" in chat.text
    assert chat.labels == (["Ohita"] if lang == "fi" else ["Hoppa över"])  # the phone question can be skipped


def test_phone_with_a_letter_then_invalid_then_valid_fi(chat, services):
    reach_phone(chat, "fi")
    chat.say("040 123 456l")
    assert "Numerossa on kirjain (l)" in chat.text and "pelkillä numeroilla" in chat.text
    assert "invalid_answer" in chat.last.events and chat.labels == ["Ohita"]
    chat.say("123")
    assert "Tuo ei näytä puhelinnumerolta" in chat.text and "040 123 4567" in chat.text
    assert "+46 70 123 45 67" in chat.text and "paina Ohita" in chat.text
    chat.say("040 123 4567")
    assert "Mihin aikaan" in chat.text and slots(services)["phone"] == "+358401234567"


def test_phone_with_a_letter_then_invalid_then_valid_sv(chat, services):
    reach_phone(chat, "sv")
    chat.say("o4o 123 45 67")
    assert "Det finns en bokstav i numret (o)" in chat.text and "bara siffror" in chat.text
    chat.say("46 70")
    assert "040 123 4567" in chat.text and "Hoppa över" in chat.text
    chat.say("0046 70 123 45 67")
    assert "När når man dig" in chat.text and slots(services)["phone"] == "+46701234567"


@pytest.mark.parametrize(("lang", "typed", "said"), [
    ("fi", "ohita", "Palveluohjaaja kirjoittaa sinulle tähän keskusteluun"),
    ("fi", "en halua antaa", "Palveluohjaaja kirjoittaa sinulle tähän keskusteluun"),
    ("fi", "ei puhelinta", "Palveluohjaaja kirjoittaa sinulle tähän keskusteluun"),
    ("sv", "hoppa över", "Servicehandledaren skriver till dig här i chatten"),
    ("sv", "vill inte ge", "Servicehandledaren skriver till dig här i chatten"),
])
def test_a_typed_skip_at_the_phone_question_turns_the_call_into_a_chat(chat, services, lang, typed, said):
    reach_phone(chat, lang)
    chat.say(typed)
    assert said in chat.text and where(services) == "intake.contact_time"
    assert slots(services)["contact_preference"] == "chat" and "phone" not in slots(services)


def test_the_skip_button_at_the_phone_question_turns_the_call_into_a_chat(chat, services):
    reach_phone(chat, "fi")
    chat.press("Ohita")
    assert "Palveluohjaaja kirjoittaa sinulle tähän keskusteluun" in chat.text
    assert slots(services)["contact_preference"] == "chat"


def test_correcting_the_contact_to_a_call_asks_for_the_number(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Tarvitsen kyydin.")
    chat.press("Minua itseäni")
    chat.press("Porvoo")
    chat.press("Ei ole kiire")
    chat.press("Kirjoittamalla")
    chat.press("Ohita")
    chat.press("Haluan korjata")
    chat.press("Yhteydenottotapaa")
    chat.press("Soittamalla")
    assert "Mihin numeroon" in chat.text


@pytest.mark.parametrize(("lang", "answer"), [("fi", "ei"), ("fi", "Ei mitään"), ("sv", "inget"), ("sv", "Inget")])
def test_nothing_to_correct_goes_back_to_the_summary(chat, services, lang: str, answer: str):
    if lang == "fi":
        chat.start("fi")
        chat.say("kuljetuspalvelu")
        chat.press("Kyllä, haluan yhteydenoton")
        chat.say("Tarvitsen kyydin.")
        chat.press("Minua itseäni")
        chat.press("Porvoo")
        chat.press("Ei ole kiire")
        chat.press("Kirjoittamalla")
        chat.press("Ohita")
        chat.press("Haluan korjata")
        assert "Ei mitään, kaikki on oikein" in chat.labels
    else:
        chat.start("sv")
        chat.say("färdtjänst")
        chat.press("Ja, jag vill bli kontaktad")
        chat.say("Jag behöver skjuts.")
        chat.press("Mig själv")
        chat.press("Borgå")
        chat.press("Det är ingen brådska")
        chat.press("chatten")
        chat.press("Hoppa över")
        chat.press("Jag vill rätta")
        assert "Inget, allt stämmer" in chat.labels
    if answer[0].isupper():
        chat.press(answer)
    else:
        chat.say(answer)
    assert where(services) == "intake.summary"
    assert ("Onko tämä oikein?" if lang == "fi" else "Stämmer det?") in chat.text
