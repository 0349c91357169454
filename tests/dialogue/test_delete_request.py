"""Asking in plain words to have one's data deleted, fi and sv: recognised (typos and missing diacritics too), and
answered with the same one confirmation as /delete; everyday sentences about deleting something else are not."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db.models import Citizen, MessageLog
from bot.dialogue.understand import delete_request

REQUESTS_FI = [
    "poista kaikki tietoni", "poistakaa minun tiedot", "haluan että tietoni poistetaan",
    "haluan etta tietoni poistetaan",
    "Poista kaiki tietoni!", "posita tietoni", "poitsa mun tiedot", "poistakaa kaikki minusta", "tietoni pois",
    "Voisitteko poistaa kaikki minun tietoni?", "poista minut", "haluan poistaa kaiken", "poista kaikki",
    "Hei, haluaisin että poistatte kaikki minun tietoni, kiitos", "Poistakaa tietoni teidän järjestelmästä",
    "POISTA MUN TIEDOT", "unohtakaa minut", "poistakaa henkilötietoni",
]
REQUESTS_SV = [
    "radera allt om mig", "ta bort mina uppgifter", "radra allt om mig", "ta bort mina uppgfter",
    "jag vill att mina uppgifter raderas", "Radera mina personuppgifter", "kan ni ta bort mina uppgifter?",
    "tar ni bort allt om mig", "radera allt", "ta bort mig", "radera mitt konto", "glöm mig",
    "begär radering av mina uppgifter", "Ta bort allt ni har sparat om mig",
]
EVERYDAY = [  # deleting something else, not deleting, or data somewhere else
    "poista se viesti", "haluan poistaa ajanvarauksen", "haluan poistaa ajanvaraukseni", "poista ajanvarauksen tiedot",
    "miten poistan tietoni Omakannasta", "älä poista tietojani", "en halua että tietoni poistetaan",
    "poista kaikki ajanvaraukset", "tiedätkö miten poistan ajanvarauksen", "poista minut ryhmästä", "haluan poistua",
    "poista tiedosto", "posti ei tullut", "mun isä ei enää pääse bussilla kauppaan", "äiti kaatui eilen",
    "ta bort bokningen", "radera meddelandet", "kan du hjälpa mig att ta bort min bokning",
    "radera inte mina uppgifter", "jag glömde säga en sak", "ta bort mina uppgifter från Facebook",
    "hur tar jag bort appen", "glöm mig inte", "pappa behöver färdtjänst, han kan inte åka buss längre",
]


@pytest.mark.parametrize("text", REQUESTS_FI + REQUESTS_SV)
def test_a_request_in_plain_words_is_recognised(text):
    assert delete_request(text)


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_sentences_are_not_a_request(text):
    assert not delete_request(text)


def test_a_long_message_is_about_something_else():
    assert not delete_request("Äiti on 84 ja asuu yksin Loviisassa, polvi on kipeä eikä hän enää pääse kauppaan, "
                              "ja mietin voisiko hänelle saada apua kotiin; poista kaikki tietoni")


def citizens(services) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(Citizen))


@pytest.mark.parametrize(("lang", "words", "question", "yes", "done"), [
    ("fi", "poista kaikki tietoni", "Poistanko kaiken", "Kyllä, poista", "Kaikki sinusta tallennettu on nyt poistettu"),
    ("sv", "radera allt om mig", "Ska jag radera allt", "Ja, radera", "Allt som sparats om dig har nu raderats"),
])
def test_the_request_gets_the_one_confirmation_of_delete(chat, services, lang, words, question, yes, done):
    chat.start(lang)
    chat.say(words)
    assert question in chat.text and "delete_asked" in chat.last.events
    assert len(chat.last.replies) == 1, "only the confirmation: the words are not taken as a need"
    chat.say("/delete")  # the command asks the very same
    assert chat.text.startswith(question)
    chat.press(yes)
    assert done in chat.text and "deleted" in chat.last.events
    assert citizens(services) == 0


@pytest.mark.parametrize(("lang", "words", "no", "kept"), [
    ("fi", "haluan että tietoni poistetaan", "Ei, säilytä", "Mitään ei poistettu"),
    ("sv", "ta bort mina uppgifter", "Nej, behåll", "Ingenting raderades"),
])
def test_no_keeps_everything(chat, services, lang, words, no, kept):
    chat.start(lang)
    chat.say(words)
    chat.press(no)
    assert kept in chat.text and "deleted" not in chat.last.events
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MessageLog)) > 0


def test_in_the_middle_of_a_step_the_request_still_asks(chat):
    chat.start("fi")
    chat.say("mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Poistakaa kaikki minun tiedot")  # where the bot asked for the municipality
    assert "Poistanko kaiken" in chat.text


def test_in_the_my_data_dialog_the_request_asks(chat):
    chat.start("sv")
    chat.say("/mydata")
    chat.say("radera allt om mig")
    assert "Ska jag radera allt" in chat.text


@pytest.mark.parametrize(("lang", "text"), [("fi", "poista se viesti"), ("fi", "haluan poistaa ajanvarauksen"),
                                            ("sv", "ta bort bokningen")])
def test_everyday_sentences_go_on_as_usual(chat, lang, text):
    chat.start(lang)
    chat.say(text)
    assert "Poistanko" not in chat.text and "Ska jag radera" not in chat.text
    assert "delete_asked" not in chat.last.events


def test_asked_again_in_words_at_the_confirmation_it_is_a_yes(chat, services):
    chat.start("sv")
    chat.say("/delete")
    chat.say("ja, radera allt om mig")
    assert "Allt som sparats om dig har nu raderats" in chat.text
    assert citizens(services) == 0
