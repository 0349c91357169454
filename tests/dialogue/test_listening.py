"""Transcripts, fi and sv: the citizen's own words are kept, what they told is not asked again, a question on a
card keeps the topic, words after a handoff reach the coordinator, and the bot says who it is and what it cannot do."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import AuditEvent, Handoff, Need, Outbox


def need(services) -> Need:
    with services.sessions() as session:
        found = session.scalars(select(Need).order_by(Need.id.desc())).first()
        session.expunge_all()
        return found


def test_the_first_message_becomes_the_description_and_what_it_told_is_not_asked_again_fi(chat, services):
    chat.start("fi")
    chat.say("Äiti on 84, leski ja asuu yksin Loviisassa. Polvi on kipeä, eikä se enää pääse kauppaan. "
             "Tarvisi apua kotiin.")
    assert "Kiitos, että kerroit läheisesi tilanteesta" in chat.text
    chat.press("Kyllä, haluan yhteydenoton")
    assert "Kerro omin sanoin" not in chat.text  # the words are there already
    assert "Koskeeko asia sinua itseäsi" not in chat.text and "Missä kunnassa" not in chat.text
    assert "Kuinka kiireellinen" in chat.text
    chat.say("ei kiire")
    chat.say("kirjoittamalla")
    chat.press("Ohita")
    assert "Onko tämä oikein?" in chat.text
    assert "Polvi on kipeä" in chat.text and "Loviisa" in chat.text and "Läheistäni" in chat.text
    chat.press("Kyllä, oikein")
    recorded = need(services)
    assert "84, leski ja asuu yksin Loviisassa" in recorded.description
    assert (recorded.for_whom, recorded.municipality, recorded.urgency) == ("close_one", "loviisa", "no_hurry")


def test_the_first_message_becomes_the_description_sv(chat, services):
    chat.start("sv")
    chat.say("Mamma bor ensam i Lovisa och har ramlat två gånger. Hon klarar int av att handla själv mera "
             "o behöver nån som hjälper henne hemma.")
    assert "Tack för att du berättade om din närståendes situation" in chat.text
    assert "112" not in chat.text  # an everyday fall in the past is no emergency
    chat.press("Ja, jag vill bli kontaktad")
    assert "Berätta med egna ord" not in chat.text and "I vilken kommun" not in chat.text
    chat.say("snart")
    chat.say("skriv här i chatten")
    chat.press("Hoppa över")
    assert "ramlat två gånger" in chat.text and "Lovisa" in chat.text
    chat.press("Ja, det stämmer")
    assert need(services).municipality == "loviisa"


def test_a_correction_still_asks_a_step_the_first_message_answered(chat):
    chat.start("fi")
    chat.say("Isä asuu Porvoossa eikä pääse enää bussilla kauppaan, taksi on kallis. Mitä apua on?")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("lähiviikkoina")
    chat.say("kirjoittamalla")
    chat.press("Ohita")
    chat.press("Haluan korjata")
    chat.press("Kuntaa")
    assert "Missä kunnassa" in chat.text
    chat.press("Askola")
    assert "Onko tämä oikein?" in chat.text and "Askola" in chat.text


def test_a_question_on_a_card_keeps_the_topic_and_goes_with_the_need_fi(chat, services):
    chat.start("fi")
    chat.say("tarvitsisin fysioterapiaa polvileikkauksen jälkeen")
    topic_before = chat.text
    chat.say("voiko sinne mennä ilman lähetettä?")
    assert "hyvä kysymys" in chat.text.lower()
    assert "Haluatko, että palveluohjaaja ottaa sinuun yhteyttä" in chat.text
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("itse")
    chat.say("Porvoo")
    chat.say("pian")
    chat.say("soittakaa")
    chat.say("040 123 4567")
    chat.press("Ohita")
    assert "ilman lähetettä" in chat.text and "Kuntoutus" in chat.text
    assert "KUNTOUTUS" in topic_before.upper()


def test_a_question_on_a_card_sv(chat):
    chat.start("sv")
    chat.say("pappa behöver färdtjänst, han kan int åka buss mera")
    chat.say("kostar det nånting?")
    assert "bra fråga" in chat.text.lower()
    assert "Vill du att en servicehandledare kontaktar dig" in chat.text


def test_asking_to_switch_language_switches_it_and_is_not_stored(chat, services):
    chat.start("sv")
    chat.say("pappa behöver färdtjänst, han kan int åka buss mera")
    chat.press("Ja, jag vill bli kontaktad")
    chat.say("anteeksi, voinko jatkaa suomeksi?")
    assert "Selvä, jatketaan suomeksi" in chat.text and "Missä kunnassa" in chat.text  # "pappa" told for whom
    assert chat.last.lang == "fi"
    chat.say("Porvoo")
    chat.say("ei kiire")
    chat.say("kirjoittamalla")
    chat.press("Ohita")
    assert "Onko tämä oikein?" in chat.text and "anteeksi" not in chat.text


def test_who_are_you_is_answered_honestly_in_both_languages(chat, services):
    chat.start("fi")
    chat.say("kuka sä oot?")
    assert "en ihminen" in chat.text and "040 000 100" in chat.text
    chat.say("ootko oikee ihminen vai kone?")
    assert "en ihminen" in chat.text
    other = type(chat)(services, user="citizen-2")
    other.start("sv")
    other.say("Vem är du?")
    assert "inte en människa" in other.text and "040 000 100" in other.text


def test_out_of_scope_gets_an_honest_answer_and_the_phone_not_an_intake(chat, services):
    chat.start("fi")
    chat.say("voitko suositella hyvää pizzapaikkaa porvoossa")
    assert "ei taida kuulua lähitorin" in chat.text and "040 000 100" in chat.text
    assert "Kerro omin sanoin, millaista apua" not in chat.text
    other = type(chat)(services, user="citizen-2")
    other.start("sv")
    other.say("hur blir vädret i morgon")
    assert "inte vara något som närtorget" in other.text and "040 000 100" in other.text


def test_an_unclear_message_is_not_taken_into_intake(chat):
    chat.start("fi")
    chat.say("sain parkkisakon kaupan pihalla, miten siitä valitetaan")
    assert "Kerro omin sanoin, millaista apua" not in chat.text and "Haluatko, että palveluohjaaja" not in chat.text


def test_two_misunderstandings_offer_a_person_and_the_phone_and_never_repeat_a_line(chat):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Isä on 84 eikä pysty kävelemään pysäkille.")
    lines = []
    for answer in ("qwerty", "zxcv", "asdf", "hjkl"):
        chat.say(answer)
        lines.append(chat.last.replies[0].text)
        assert "Koskeeko asia" in chat.text
    assert any("040 000 100" in line and "/human" in line for line in lines[1:2])
    assert all(a != b for a, b in zip(lines, lines[1:]))


def test_words_after_the_handoff_reach_the_coordinator(chat, services):
    chat.start("fi")
    chat.say("Isä asuu Porvoossa eikä pääse enää bussilla kauppaan, taksi on niin kallis.")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("lähiviikkoina")
    chat.say("kirjoittamalla")
    chat.press("Ohita")
    chat.press("Kyllä, oikein")
    chat.press("Kyllä, saa välittää")
    assert "välitetty" in chat.text
    chat.say("unohdin sanoa että isä käyttää rollaattoria")
    assert "Välitin sen" in chat.text
    with services.sessions() as session:
        kinds = session.scalars(select(Outbox.kind)).all()
        assert "case_addition" in kinds or session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_addition")) is not None
        assert len(session.scalars(select(Handoff)).all()) == 1


def test_two_needs_in_one_message_are_named_and_the_second_is_offered(chat):
    chat.start("fi")
    chat.say("Isä tarvitsisi kuljetuspalvelua, kun ei pääse enää bussilla. Ja itse tarvitsisin apua "
             "verkkopankkitunnusten ja Omakannan kanssa puhelimella.")
    assert "kahdesta asiasta" in chat.text
    chat.press("Kysyn jotain muuta")
    assert "Mainitsit myös" in chat.text


def test_feedback_can_be_skipped(chat, services):
    chat.start("fi")
    chat.say("kuljetuspalvelu")
    chat.press("Kiitos, tämä riitti")
    assert "yhdestä viiteen" in chat.text and "Ohita" in chat.labels
    chat.say("ei kiitos")
    assert "Hyvää jatkoa" in chat.text


def test_a_close_one_outside_the_county_gets_where_to_turn_never_a_coordinator_fi(chat, services):
    chat.start("fi")
    chat.say("Äiti asuu Helsingissä ja tarvitsisi kotihoitoa, hän ei enää pärjää yksin.")
    chat.press("Kyllä, haluan yhteydenoton")
    assert "Helsingin" in chat.text and "116 117" in chat.text
    assert "Voinko auttaa vielä" in chat.text
    with services.sessions() as session:
        assert session.scalar(select(Handoff)) is None


def test_another_municipality_typed_at_its_step_gets_where_to_turn_sv(chat, services):
    chat.start("sv")
    chat.say("färdtjänst")
    chat.press("Ja, jag vill bli kontaktad")
    chat.say("Pappa kan int åka buss mera.")
    chat.say("en närstående")
    chat.say("i Helsingfors")
    assert "Helsingfors" in chat.text and "116 117" in chat.text
    assert "servicehandledare" in chat.text and "Sari" not in chat.text and "Anna" not in chat.text
    with services.sessions() as session:
        assert session.scalar(select(Handoff)) is None


def test_a_phone_number_typed_for_the_way_of_contact_means_a_call_to_it_fi(chat, services):
    chat.start("fi")
    chat.say("Isä asuu yksin Porvoossa eikä enää pärjää kotona, tarvitsee kotiapua")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("ei kiire")
    assert "Miten haluaisit" in chat.text
    chat.say("040 123 4567")
    assert "Mihin numeroon" not in chat.text and "Mihin aikaan sinut tavoittaa" in chat.text
    chat.press("Ohita")
    assert "040 1234567" in chat.text and "Soittamalla" in chat.text
    chat.press("Kyllä, oikein")
    recorded = need(services)
    assert (recorded.contact_preference, recorded.phone) == ("phone", "+358401234567")


def test_a_phone_number_typed_for_the_way_of_contact_means_a_call_to_it_sv(chat, services):
    chat.start("sv")
    chat.say("Pappa bor i Borgå och klarar sig int hemma längre, han behöver hemhjälp")
    chat.press("Ja, jag vill bli kontaktad")
    chat.say("ingen brådska")
    assert "Hur vill du att" in chat.text
    chat.say("+46 70 123 45 67")
    assert "Vilket nummer" not in chat.text and "När når man dig bäst" in chat.text
    chat.say("efter kl 12")
    assert "+46 70 123 45 67" in chat.text and "Per telefon" in chat.text
    chat.press("Ja, det stämmer")
    recorded = need(services)
    assert (recorded.contact_preference, recorded.phone, recorded.contact_time) == (
        "phone", "+46701234567", "efter kl 12")
