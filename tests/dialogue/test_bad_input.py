"""Bad input gets a short helpful answer; the state stays consistent and nothing recorded is lost."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import Conversation, MessageLog, Need


def state(services) -> tuple[str, str, int]:
    with services.sessions() as session:
        conversation = session.scalar(select(Conversation))
        return conversation.flow, conversation.step, conversation.menu_id


def test_empty_and_emoji_messages(chat, services):
    chat.start("fi")
    where = state(services)[:2]
    for text in ("", "   ", "👍👍", "\x00\x07\x1b", "\u200b\u200b"):
        chat.say(text)
        assert "Kirjoittaisitko sen sanoin?" in chat.text
        assert chat.labels  # the options are shown again
        assert state(services)[:2] == where


def test_very_long_message_is_kept_in_part_and_the_flow_goes_on(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Äiti tarvitsee kyydin. " * 500)  # 11,500 characters
    assert "Viestisi oli hyvin pitkä" in chat.text
    assert "Koskeeko asia sinua itseäsi" in chat.text
    chat.press("Läheistäni")
    chat.press("Porvoo")
    chat.press("Ei ole kiire")
    chat.press("Kirjoittamalla")
    chat.press("Ohita")
    chat.press("Kyllä, oikein")
    with services.sessions() as session:
        need = session.scalar(select(Need))
        assert need.description.startswith("Äiti tarvitsee kyydin.") and len(need.description) <= 4000


def test_control_characters_are_removed_but_words_kept(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Isä\x00 tarvitsee\u200b kyydin\x1b")
    chat.press("Minua itseäni")
    with services.sessions() as session:
        conversation = session.scalar(select(Conversation))
        assert conversation.slots["description"] == "Isä tarvitsee kyydin"


def test_old_button_is_answered_and_no_step_is_skipped(chat, services):
    chat.start("fi")
    menu = chat.buttons
    chat.press("Kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    where = state(services)
    chat.press_payload(menu[0].payload)  # a topic button of the very first message
    assert "Tuo painike oli aiemmasta viestistä" in chat.text
    assert "Kerro omin sanoin, millaista apua tarvitset" in chat.text  # the current question again
    assert state(services)[:2] == where[:2]


def test_forged_payload(chat, services):
    chat.start("fi")
    for payload in ("m999999999999999999999:0", "x", "m1:", "m1:t.no_such_flow", "m1:../../etc"):
        chat.press_payload(payload)
        assert chat.text
    assert state(services)[1] == "menu"


def test_unknown_command(chat, services):
    chat.start("fi")
    chat.say("/foo")
    assert "En tunne tuota komentoa" in chat.text and "/help" in chat.text
    chat.say("/help")
    assert "/mydata" in chat.text and "112" in chat.text


def test_invalid_phone_is_asked_again(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Tarvitsen kyydin.")
    chat.press("Minua itseäni")
    chat.press("Porvoo")
    chat.press("Ei ole kiire")
    chat.press("Soittamalla")
    chat.say("123")
    assert "Tuo ei näytä puhelinnumerolta" in chat.text
    chat.say("+358 50 555 1234")
    assert "Mihin aikaan sinut tavoittaa" in chat.text


def test_every_message_is_in_the_transcript(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.say("")
    with services.sessions() as session:
        inbound = session.scalar(select(func.count()).select_from(MessageLog).where(MessageLog.direction == "in"))
    assert inbound == 3


def test_typed_skip_word_skips_an_optional_question(chat, services):
    chat.start("sv")
    chat.say("färdtjänst")
    chat.press("Ja, jag vill bli kontaktad")
    chat.say("Jag behöver skjuts till butiken.")
    chat.press("Mig själv")
    chat.press("Borgå")
    chat.press("Det är ingen brådska")
    chat.press("chatten")
    chat.say("hoppa över")
    assert "Stämmer det?" in chat.text
    assert "Bästa tiden att nå dig" not in chat.text


def test_typed_first_words_of_one_option_choose_it(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Tarvitsen kyydin.")
    chat.say("läheistäni")  # a whole label, typed
    chat.say("Porvoo")
    chat.say("lähiviikkoina")
    chat.say("Kirjoittamalla")  # "Kirjoittamalla tähän keskusteluun", the first word only
    assert "Valitse jokin" not in chat.text
    with services.sessions() as session:
        slots = session.scalar(select(Conversation.slots))
    assert (slots["for_whom"], slots["urgency"], slots["contact_preference"]) == ("close_one", "soon", "chat")


def test_typed_first_word_before_a_comma_chooses_the_option(chat, services):
    """"kiitos" begins "Kiitos, tämä riitti" and "tack" begins "Tack, det räckte": words, not characters, count."""
    for lang, topic, thanks in (("fi", "kuljetuspalvelu", "kiitos"), ("sv", "färdtjänst", "Tack")):
        chat.start(lang)
        chat.say(topic)
        chat.say(thanks)
        assert "Valitse jokin" not in chat.text and "Välj ett av" not in chat.text
        with services.sessions() as session:
            assert session.scalar(select(Conversation.flow)) == "main", lang


def test_typed_words_that_begin_two_options_or_too_little_choose_nothing(chat, services):
    chat.start("sv")
    chat.say("färdtjänst")
    chat.press("Ja, jag vill bli kontaktad")
    chat.say("Jag behöver skjuts.")
    chat.say("en")  # begins "En närstående", but two letters are no answer
    assert "I vilken kommun" not in chat.text
    chat.press("Mig själv")
    chat.press("Borgå")
    chat.press("Det är ingen brådska")
    chat.say("genom att")  # begins both "Genom att skriva här i chatten" and "Genom att boka ett besök"
    with services.sessions() as session:
        assert "contact_preference" not in session.scalar(select(Conversation.slots))
