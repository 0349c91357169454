"""Whole conversations through the real runner, engine, classifier and database, in Finnish and Swedish."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.db.models import AuditEvent, Citizen, Consent, Feedback, Handoff, MessageLog, Need


def count(services, model, *where) -> int:
    with services.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def reach_consent_fi(chat, *, municipality: str = "Porvoo", contact: str = "Soittamalla") -> None:
    chat.start("fi")
    assert "Kerro omin sanoin" in chat.text
    chat.say("mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin")
    assert "Kuljetuspalvelu\n" in chat.text
    chat.press("Kyllä, haluan yhteydenoton")
    # The first message told the need and for whom: the bot asks neither again.
    assert "Kerro omin sanoin" not in chat.text and "Missä kunnassa" in chat.text
    chat.press(municipality)
    chat.press("Lähiviikkoina")
    chat.press(contact)
    if contact == "Soittamalla":
        chat.say("040 123 4567")
    chat.press("Ohita")
    assert "Onko tämä oikein?" in chat.text
    assert "mun isä ei enää pääse bussilla kauppaan" in chat.text and "Kuljetuspalvelu" in chat.text
    assert "Ketä asia koskee: Läheistäni" in chat.text
    chat.press("Kyllä, oikein")


def test_finnish_citizen_reaches_a_named_coordinator(chat, services):
    reach_consent_fi(chat)
    assert "Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    assert "työparinsa Anna Lindholm" in chat.text and "palvelee" not in chat.text  # Anna serves in Finnish too
    chat.press("Kyllä, saa välittää")
    assert "Asiasi on nyt välitetty. Palveluohjaajasi on Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in chat.text
    assert "Hän ottaa sinuun yhteyttä" in chat.text
    with services.sessions() as session:
        handoff = session.scalar(select(Handoff))
        assert handoff.status == "new" and handoff.coordinator.first_name == "Sari"
        need = handoff.need
        assert (need.topic, need.for_whom, need.municipality, need.contact_preference) == \
               ("transport_service", "close_one", "porvoo", "phone")
        assert need.phone == "+358401234567" and need.topic_confidence > 0
        consent = handoff.consent
        assert consent.decision == "given" and "Sari" in consent.text and len(consent.text_hash) == 64
    chat.press("Ei muuta, kiitos")
    chat.press("5")
    chat.say("Tosi selkeä, kiitos!")
    assert "Kiitos palautteestasi" in chat.text
    assert count(services, Feedback, Feedback.score == 5) == 1


def test_swedish_citizen_goes_to_a_swedish_speaking_coordinator(chat, services):
    chat.start("sv")
    chat.say("pappa behöver färdtjänst, han kan inte åka buss längre")
    assert "Färdtjänst\n" in chat.text
    chat.press("Ja, jag vill bli kontaktad")
    assert "Berätta med egna ord" not in chat.text  # the first message told it, and for whom
    chat.press("Borgå")
    chat.press("Inom de närmaste veckorna")
    chat.press("Genom att skriva här i chatten")
    chat.press("Hoppa över")
    assert "Stämmer det?" in chat.text and "Borgå" in chat.text
    chat.press("Ja, det stämmer")
    assert "Anna Lindholm, servicehandledare, Närtorget i Borgå (demo)" in chat.text
    # Anna's work pair Sari serves in Finnish only: the consent says so, and where to call meanwhile.
    assert "arbetsparet Sari Laine ditt ärende" in chat.text
    assert ("Sari Laine talar finska: om du behöver hjälp på svenska medan Anna Lindholm är borta, ring Närtorget i "
            "Borgå (demo), ") in chat.text and chat.text.rstrip().endswith("Får jag skicka uppgifterna?")
    chat.press("Ja, det får skickas")
    assert "Din servicehandledare är Anna Lindholm, servicehandledare, Närtorget i Borgå (demo)" in chat.text
    with services.sessions() as session:
        assert session.scalar(select(Handoff)).coordinator.first_name == "Anna"
        assert session.scalar(select(Need)).phone is None  # no number is kept when the chat was chosen


def test_declined_consent_keeps_everything_and_gives_the_phone(chat, services):
    reach_consent_fi(chat, municipality="Loviisa")
    chat.press("Ei, en halua")
    assert "en välitä tietojasi kenellekään" in chat.text
    assert "040 000 1002" in chat.text and "ma–to 9.00–16.00" in chat.text
    assert count(services, Handoff) == 0
    assert count(services, Consent, Consent.decision == "declined") == 1


def test_consent_typed_in_words(chat, services):
    reach_consent_fi(chat)
    chat.say("mitä tarkoitat")
    assert "En välitä mitään eteenpäin ilman vastaustasi" in chat.text
    assert count(services, Handoff) == 0
    chat.say("joo")
    assert "Asiasi on nyt välitetty" in chat.text
    assert count(services, Handoff) == 1


def test_withdrawing_consent_cancels_the_open_case(chat, services):
    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    chat.say("/mydata")
    assert "Sari Laine, palveluohjaaja" in chat.text and "mun isä ei enää pääse bussilla" in chat.text
    chat.press("Peru lupani")
    assert "Lupasi on peruttu" in chat.text
    with services.sessions() as session:
        assert session.scalar(select(Handoff)).status == "cancelled"
        assert session.scalar(select(Consent)).withdrawn_at is not None
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.index("consent_withdrawn") > actions.index("handoff_created")


def test_switching_language_mid_way_keeps_the_answers(chat, services):
    reach_consent_fi(chat)
    chat.say("/language")
    chat.press("Svenska")
    assert "Okej, vi fortsätter på svenska." in chat.text
    assert "Får jag skicka uppgifterna?" in chat.text  # the same step, now in Swedish
    chat.press("Ja, det får skickas")
    assert "Ditt ärende har nu skickats" in chat.text
    with services.sessions() as session:
        assert session.scalar(select(Citizen)).language == "sv"


def test_writing_in_swedish_switches_the_reply_language(chat):
    chat.start("fi")
    chat.say("min mamma klarar sig inte hemma längre, hon behöver hemvård")
    assert "Hjälp i hemmet\n" in chat.text


def test_delete_my_data(chat, services):
    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    chat.say("/delete")
    chat.press("Kyllä, poista")
    assert "Kaikki sinusta tallennettu on nyt poistettu" in chat.text
    for model in (Need, Consent, Handoff, MessageLog):
        assert count(services, model) == 0
    assert count(services, AuditEvent, AuditEvent.action == "data_deleted") == 1
    chat.start("fi")
    assert "Kerro omin sanoin" in chat.text  # a new conversation can begin


def test_talk_to_a_person_from_any_step(chat, services):
    chat.start("fi")
    chat.say("/human")
    assert "Yhdistän sinut mielelläni palveluohjaajaan" in chat.text
    chat.press("Digituki")
    assert "Kerro omin sanoin, millaista apua tarvitset" in chat.text  # straight to recording the need


def test_crisis_answers_at_once_from_any_step(chat, services):
    reach_consent_fi(chat)
    before = chat.labels
    alarms = count(services, AuditEvent, AuditEvent.action == "crisis_detected")
    chat.say("en jaksa enää elää, haluan kuolla")
    assert "112" in chat.text and "09 2525 0111" in chat.text
    assert "Saanko välittää tiedot?" not in chat.text  # help only; the bot stays with the citizen
    assert count(services, AuditEvent, AuditEvent.action == "crisis_detected") == alarms + 1
    assert count(services, Handoff) == 0
    chat.press("Kyllä, saa välittää")  # the consent buttons still work afterwards
    assert "Asiasi on nyt välitetty" in chat.text
    assert before


def test_crisis_in_swedish(chat):
    chat.start("sv")
    chat.say("mamma har ramlat och kommer inte upp")
    assert "112" in chat.text and "09 2525 0112" not in chat.text  # a fall is medical: no crisis line


def test_summary_can_be_corrected(chat, services):
    reach_consent_fi(chat.__class__(chat.services, user="x"))  # another citizen, untouched here
    chat.start("fi")
    chat.say("tarviin taksikortin")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("En pääse bussiin rollaattorin kanssa.")
    chat.press("Sipoo")  # "tarviin" told it is for the writer
    chat.press("Ei ole kiire")
    chat.press("Kirjoittamalla")
    chat.press("Ohita")
    chat.press("Haluan korjata")
    chat.press("Kuntaa")
    chat.press("Loviisa")
    assert "Onko tämä oikein?" in chat.text and "Kunta: Loviisa" in chat.text  # straight back to the summary
    chat.press("Kyllä, oikein")
    assert "Loviisan lähitori" in chat.text


def test_my_case_shows_who_has_it_and_what_comes_next(chat, services):
    chat.start("fi")
    chat.say("/mycase")
    assert "Sinulla ei ole palveluohjaajalle välitettyä asiaa" in chat.text
    reach_consent_fi(chat)
    chat.press("Kyllä, saa välittää")
    chat.say("/mycase")
    text = chat.text
    assert "Asiaasi hoitaa: Sari Laine, palveluohjaaja, Porvoon lähitori (demo)" in text
    assert "työpari Anna Lindholm" in text and "Tilanne: odottaa palveluohjaajaa" in text
    assert "mun isä ei enää pääse bussilla" in text and "Seuraavaksi: sinuun otetaan yhteyttä viimeistään" in text
    chat.press("Peru lupani")
    assert "Lupasi on peruttu" in chat.text
    chat.say("/mycase")
    assert "Tilanne: peruttu" in chat.text
