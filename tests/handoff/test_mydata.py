"""/mydata and its export after a whole case (need, consent, handoff, a coordinator's look at it, contact, close,
feedback, crisis help), through the real runner, in Finnish and Swedish, on both databases."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEvent, Citizen, Consent, Coordinator, Handoff, MessageLog, Need, Outbox
from bot.handoff import mydata, staff
from bot.handoff.retention import Periods
from bot.i18n import I18n
from tests.auxil.chat import Chat
from tests.conftest import make_settings

HKI = ZoneInfo("Europe/Helsinki")
# The first message is the need's description, kept whole however long (the old /mydata cut it at 200 characters).
STORY = {
    "fi": ("mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin. Hän on 84-vuotias ja asuu yksin "
           "Porvoon keskustassa kolmannessa kerroksessa ilman hissiä. Portaat ovat hänelle jo liian raskaat, ja "
           "talvella kadut ovat liukkaat, joten hän jää mieluummin kotiin kuin lähtee asioille. Minä käyn hänen "
           "luonaan viikonloppuisin, mutta arkena hän on yksin eikä pääse apteekkiin eikä lääkäriin omin avuin. "
           "Viimeiseksi vielä: hän kuulee huonosti, joten puhelimessa kannattaa puhua hitaasti ja selvästi."),
    "sv": ("pappa behöver färdtjänst, han kan inte åka buss längre till butiken. Han är 84 år och bor ensam i "
           "centrum av Borgå på tredje våningen utan hiss. Trapporna är redan för tunga för honom, och på vintern "
           "är gatorna hala, så han stannar hellre hemma än går ut och uträttar ärenden. Jag besöker honom på "
           "veckosluten, men på vardagarna är han ensam och tar sig inte till apoteket eller läkaren på egen hand. "
           "Till sist: han hör dåligt, så i telefon ska man tala långsamt och tydligt."),
}
WAY = {
    "fi": dict(want="Kyllä, haluan yhteydenoton", whom="Läheistäni", town="Porvoo", when="Lähiviikkoina",
               phone="Soittamalla", time="aamupäivisin", confirm="Kyllä, oikein", consent="Kyllä, saa välittää",
               comment="Sari soitti heti ja auttoi hakemuksessa", crisis="haluan kuolla", holder="Sari"),
    "sv": dict(want="Ja, jag vill bli kontaktad", whom="En närstående", town="Borgå", when="Inom de närmaste veckorna",
               phone="Per telefon", time="på förmiddagarna", confirm="Ja, det stämmer", consent="Ja, det får skickas",
               comment="Anna ringde genast och hjälpte med ansökan", crisis="jag vill dö", holder="Anna"),
}
# What the citizen reads, in their language (fi_FI / sv_FI formats: 24.11.2026 klo 10.00 / kl. 10.00).
SAYS = {
    "fi": dict(heading="Sinusta on tallennettu nämä tiedot:", need="• Tarve tallennettu 24.11.2026 klo 10.00: "
               "Kuljetuspalvelu", situation="   – Tilanteesi: ", whom="   – Ketä asia koskee: Läheistäni",
               town="   – Kunta: Porvoo", urgency="   – Kiireellisyys: Lähiviikkoina",
               contact="   – Yhteydenottotapa: Soittamalla", phone="   – Puhelin: 040 1234567",
               time="   – Paras aika tavoittaa sinut: aamupäivisin", status="   – Tilanne: välitetty luvallasi",
               consent="   – Lupa 24.11.2026 klo 10.00: annettu. Teksti, johon vastasit: ”{text}”",
               case="• Asia #{case}: Sari Laine, palveluohjaaja, Porvoon lähitori (demo), päättynyt",
               dates="   – Välitetty 24.11.2026 klo 10.00, otettu hoitoon 24.11.2026 klo 10.30, yhteydenotto "
                     "kirjattu 24.11.2026 klo 11.00, päättynyt 24.11.2026 klo 11.30",
               viewers="   – Asiaasi ovat katsoneet:",
               viewer="      · Sari Laine, palveluohjaaja, Porvoon lähitori (demo), 24.11.2026 klo 10.45",
               feedback="• Palaute 24.11.2026 klo 11.35: 5/5, kommenttisi: ”{comment}”",
               crisis="• Kriisiohjeita annettu kerran: 24.11.2026",
               messages="• Viestejä tässä keskustelussa: {count}",
               kept="• Tiedot säilytetään {date} asti: 180 päivää asiasi päättymisestä.",
               file="• Koko keskustelu ja kaikki nämä tiedot ovat tiedostossa, jonka saat napista "
                    "”Lähetä kaikki tiedostona”.",
               button="Lähetä kaikki tiedostona", sent="Tässä ovat kaikki sinusta tallennetut tiedot",
               name="lahitori-omat-tiedot-2026-11-24.json", typed="lähetä ne tiedostona"),
    "sv": dict(heading="Det här har sparats om dig:", need="• Behov sparat 24.11.2026 kl. 10.00: Färdtjänst",
               situation="   – Din situation: ", whom="   – Vem det gäller: En närstående",
               town="   – Kommun: Borgå", urgency="   – Hur brådskande: Inom de närmaste veckorna",
               contact="   – Hur du vill bli kontaktad: Per telefon", phone="   – Telefon: 040 1234567",
               time="   – Bästa tiden att nå dig: på förmiddagarna",
               status="   – Läge: skickat vidare med ditt samtycke",
               consent="   – Samtycke 24.11.2026 kl. 10.00: givet. Texten du svarade på: ”{text}”",
               case="• Ärende #{case}: Anna Lindholm, servicehandledare, Närtorget i Borgå (demo), avslutat",
               dates="   – Skickat 24.11.2026 kl. 10.00, mottaget 24.11.2026 kl. 10.30, kontakten antecknad "
                     "24.11.2026 kl. 11.00, avslutat 24.11.2026 kl. 11.30",
               viewers="   – De här personerna har tittat på ditt ärende:",
               viewer="      · Anna Lindholm, servicehandledare, Närtorget i Borgå (demo), 24.11.2026 kl. 10.45",
               feedback="• Respons 24.11.2026 kl. 11.35: 5/5, din kommentar: ”{comment}”",
               crisis="• Krisanvisningar givna en gång: 24.11.2026",
               messages="• Meddelanden i det här samtalet: {count}",
               kept="• Uppgifterna sparas fram till {date}: 180 dagar efter att ditt ärende avslutades.",
               file="• Hela samtalet och allt det här finns i filen du får med knappen ”Skicka allt som en fil”.",
               button="Skicka allt som en fil", sent="Här är allt som sparats om dig",
               name="lahitori-mina-uppgifter-2026-11-24.json", typed="skicka det som fil"),
}


@pytest.fixture
def embedded_classifier(keyword_classifier):
    """Keyword NLU: these tests are about what is stored and shown, not about understanding."""
    return keyword_classifier


@pytest.fixture
def bot(services, clock):
    services.clock = clock
    return services


def act(services, action, **kwargs):  # noqa: ANN001
    with services.sessions.begin() as session:
        return action(session, now=services.clock(), **kwargs)


def coordinator(services, first: str) -> int:
    with services.sessions() as session:
        return session.scalar(select(Coordinator.id).where(Coordinator.first_name == first))


def whole_case(bot, clock, lang: str) -> tuple[Chat, int]:  # noqa: ANN001
    """A citizen's need handed to the coordinator of their language, looked at, contacted, closed and rated; then
    a crisis message. The clock moves between the steps, so every date is its own."""
    way, chat = WAY[lang], Chat(bot, user=f"citizen-{lang}")
    chat.start(lang)
    chat.say(STORY[lang])
    chat.press(way["want"])
    for label in (way["whom"], way["town"], way["when"]):  # asked unless the story already told it
        if any(label in shown for shown in chat.labels):
            chat.press(label)
    chat.press(way["phone"])
    chat.say("040 123 4567")
    chat.say(way["time"])
    chat.press(way["confirm"])
    chat.press(way["consent"])
    assert "handoff_created" in chat.last.events
    with bot.sessions() as session:
        case = session.scalar(select(Handoff.id).order_by(Handoff.id.desc()).limit(1))
    holder = coordinator(bot, way["holder"])
    clock.advance(minutes=30)
    act(bot, staff.claim, handoff_id=case, coordinator_id=holder)
    clock.advance(minutes=15)
    act(bot, staff.view, handoff_id=case, coordinator_id=holder)
    clock.advance(minutes=15)
    act(bot, staff.mark_contacted, handoff_id=case, coordinator_id=holder)
    clock.advance(minutes=30)
    act(bot, staff.close, handoff_id=case, coordinator_id=holder)
    clock.advance(minutes=5)
    chat.press_payload(f"fb:{case}:5")
    chat.say(way["comment"])
    assert "feedback" in chat.last.events
    clock.advance(minutes=5)
    chat.say(way["crisis"])
    assert "crisis" in chat.last.events
    clock.advance(minutes=20)
    return chat, case


def transcript_rows(services) -> list[MessageLog]:  # noqa: ANN001
    with services.sessions() as session:
        return list(session.scalars(select(MessageLog).order_by(MessageLog.id)))


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_mydata_lists_every_kind_of_data_in_the_citizens_language(bot, clock, lang):
    chat, case = whole_case(bot, clock, lang)
    says = SAYS[lang]
    count = len(transcript_rows(bot))
    with bot.sessions() as session:
        consent_text = session.scalar(select(Consent.text))
        closed = session.get(Handoff, case).closed_at
    chat.say("/mydata")
    text = chat.text.splitlines()
    assert text[0] == says["heading"]
    kept = I18n.date_text((closed + timedelta(days=180)).astimezone(HKI).date(), lang)
    for line in (says["need"], says["situation"] + STORY[lang], says["whom"], says["town"], says["urgency"],
                 says["contact"], says["phone"], says["time"], says["status"],
                 says["consent"].format(text=consent_text), says["case"].format(case=case), says["dates"],
                 says["viewers"], says["viewer"], says["feedback"].format(comment=WAY[lang]["comment"]),
                 says["crisis"], says["messages"].format(count=count), says["kept"].format(date=kept), says["file"]):
        assert line in text, f"{line!r} not among\n" + "\n".join(text)
    assert [reply.document for reply in chat.last.replies] == [None]
    assert chat.labels[0] == says["button"]
    # The crisis was guidance given, counted and dated: its words are not repeated here.
    assert WAY[lang]["crisis"] not in chat.text


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_export_sends_everything_as_one_json_file_and_keeps_no_copy(bot, clock, lang, caplog):
    chat, case = whole_case(bot, clock, lang)
    says = SAYS[lang]
    chat.say("/mydata")
    with caplog.at_level(logging.DEBUG):
        chat.press(says["button"])
    [reply, *again] = chat.last.replies
    assert reply.text.startswith(says["sent"]) and again, "the step is shown again after the file"
    document = reply.document
    assert document is not None and document.filename == says["name"] and document.media_type == "application/json"
    assert "data=" not in repr(document), "the contents never show in a repr (and so in no log line)"
    data = json.loads(document.data)

    with bot.sessions() as session:
        need, consent = session.scalar(select(Need)), session.scalar(select(Consent))
        handoff, citizen = session.get(Handoff, case), session.scalar(select(Citizen))
        unit = handoff.unit.name(lang)
        holder = session.get(Coordinator, handoff.coordinator_id)
        pair = session.get(Coordinator, consent.pair_id)
        rows = list(session.scalars(select(MessageLog).order_by(MessageLog.created_at, MessageLog.id)))
    iso = lambda moment: moment.astimezone(HKI).isoformat(timespec="seconds")  # noqa: E731
    assert (data["format"], data["language"], data["made_at"]) == ("lahitori-my-data/1", lang, iso(clock()))
    assert data["you"] == {"channel": "test", "channel_id": f"citizen-{lang}", "language": lang,
                           "first_contact_at": iso(citizen.created_at)}
    [got] = data["needs"]
    assert got == {
        "id": need.id, "recorded_at": iso(need.created_at), "topic": "transport_service",
        "topic_title": "Kuljetuspalvelu" if lang == "fi" else "Färdtjänst", "topic_confidence": need.topic_confidence,
        "description": STORY[lang], "for_whom": "close_one", "for_whom_text": WAY[lang]["whom"],
        "municipality": "porvoo", "municipality_text": WAY[lang]["town"], "urgency": "soon",
        "urgency_text": WAY[lang]["when"], "contact_preference": "phone", "contact_preference_text": WAY[lang]["phone"],
        "phone": "+358401234567", "contact_time": WAY[lang]["time"], "language": lang, "status": "handed_off",
        "status_text": says["status"].split(": ", 1)[1]}
    assert len(got["description"]) > 400 and got["description"] == need.description
    assert data["consents"] == [{
        "id": consent.id, "need_id": need.id, "decision": "given", "decided_at": iso(consent.decided_at),
        "withdrawn_at": None, "text": consent.text, "text_sha256": consent.text_hash, "language": lang,
        "coordinator": holder.full_name, "pair": pair.full_name, "unit": unit}]
    [got_case] = data["cases"]
    assert got_case == {
        "number": case, "need_id": need.id, "unit": unit, "coordinator": holder.full_name,
        "coordinator_title": holder.title(lang), "status": "closed",
        "status_text": "päättynyt" if lang == "fi" else "avslutat",
        "passed_on_at": iso(handoff.created_at), "expected_contact_at": iso(handoff.expected_contact_at),
        "claimed_at": iso(handoff.claimed_at), "contacted_at": iso(handoff.contacted_at),
        "closed_at": iso(handoff.closed_at), "cancelled_at": None,
        "outcome": None, "outcome_text": None, "outcome_note": None, "notes": [],  # closed in Telegram: no outcome
        "viewed_by": [{"at": iso(handoff.claimed_at + timedelta(minutes=15)), "coordinator": holder.full_name,
                       "title": holder.title(lang), "unit": unit, "administrator": None, "view": "case"}]}
    [given] = data["feedback"]
    assert given == {"given_at": iso(handoff.closed_at + timedelta(minutes=5)), "score": 5,
                     "comment": WAY[lang]["comment"], "case_number": case, "topic": "transport_service"}
    assert data["crisis_help"] == {"count": 1, "given_at": [iso(handoff.closed_at + timedelta(minutes=10))]}
    assert data["retention"]["basis"] == "closed_case" and data["retention"]["days"] == 180
    assert data["retention"]["kept_until"] == (handoff.closed_at + timedelta(days=180)).astimezone(HKI).date().isoformat()
    assert data["conversation"] == {"answers": {}}  # the feedback ended the conversation: it remembers nothing
    assert {"handoff_created", "handoff_claimed", "case_viewed", "handoff_closed", "crisis_detected"} <= {
        event["action"] for event in data["history"]}
    assert {"you", holder.full_name} <= {event["by"] for event in data["history"]}
    # The whole transcript: every message before this turn, in order, with its words.
    messages = data["transcript"]["messages"]
    assert data["transcript"]["count"] == len(messages) == len(rows) - 1 - len(chat.last.replies)
    assert messages[1] == {"at": iso(rows[1].created_at), "direction": rows[1].direction, "sender": rows[1].sender,
                           "coordinator": None, "case_number": rows[1].handoff_id,
                           "text": rows[1].text}
    assert any(m["text"] == STORY[lang] and m["direction"] == "in" and m["sender"] == "citizen" for m in messages)
    assert any(m["text"] == WAY[lang]["crisis"] for m in messages)

    # Nothing of the file is kept: the transcript has the reply's words only, the audit that an export happened.
    words = STORY[lang][-40:]
    assert all("lahitori-my-data" not in row.text for row in rows)
    assert [row.text for row in rows if row.text == reply.text] == [reply.text]
    with bot.sessions() as session:
        assert all("lahitori-my-data" not in json.dumps(row.payload or {}) for row in session.scalars(select(Outbox)))
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "data_exported")).all()
    assert (event.actor, event.citizen_id, event.details) == (f"citizen:{citizen.id}", citizen.id,
                                                              {"format": "lahitori-my-data/1"})
    assert words not in caplog.text and "lahitori-my-data/1" not in caplog.text


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_export_by_typing_instead_of_the_button(bot, clock, lang):
    chat, _case = whole_case(bot, clock, lang)
    chat.say("/mydata")
    chat.say(SAYS[lang]["typed"])
    assert "data_exported" in chat.last.events
    assert chat.last.replies[0].document.filename == SAYS[lang]["name"]


def test_mydata_of_a_first_conversation_tells_what_it_remembers_and_how_long(bot, clock):
    chat = Chat(bot, user="newcomer")
    chat.start("fi")
    chat.say("tarvitsisin taksin lääkäriin ensi viikolla")
    chat.say("/mydata")
    kept = I18n.date_text((clock() + timedelta(days=30)).astimezone(HKI).date(), "fi")
    [remembers] = [line for line in chat.text.splitlines() if line.startswith("• Keskustelu muistaa nyt: ")]
    assert "Aihe: Kuljetuspalvelu" in remembers and "Tilanteesi: tarvitsisin taksin lääkäriin ensi viikolla" in remembers
    assert "topic_confidence" not in remembers
    assert f"• Tiedot säilytetään {kept} asti: 30 päivää viimeisimmästä viestistäsi." in chat.text
    assert "Tarve tallennettu" not in chat.text and "Asia #" not in chat.text
    assert "Peru lupani" not in chat.labels and "Lähetä kaikki tiedostona" in chat.labels


def test_an_open_case_is_kept_while_open_and_nobody_has_opened_it_yet(bot, clock):
    chat, case = Chat(bot, user="waiting"), None
    chat.start("sv")
    chat.say(STORY["sv"])
    chat.press(WAY["sv"]["want"])
    for label in (WAY["sv"]["whom"], WAY["sv"]["town"], WAY["sv"]["when"]):
        if any(label in shown for shown in chat.labels):
            chat.press(label)
    for label in ("Genom att skriva", "Hoppa över", WAY["sv"]["confirm"], WAY["sv"]["consent"]):
        chat.press(label)
    with bot.sessions() as session:
        case = session.scalar(select(Handoff.id))
    chat.say("/mydata")
    assert f"Ärende #{case}: Anna Lindholm, servicehandledare, Närtorget i Borgå (demo), väntar" in chat.text
    assert "Ingen har öppnat ditt ärende ännu." in chat.text
    assert ("• Uppgifterna sparas så länge ditt ärende är öppet och 180 dagar efter att det har avslutats."
            in chat.text)
    assert "   – Telefon: –" in chat.text  # a chat contact keeps no number
    assert "Ta tillbaka mitt samtycke" in chat.labels


def test_kept_until_follows_the_retention_periods():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=HKI)
    closed = mydata.CaseData(1, 1, None, "Porvoon lähitori", "closed", {"closed": now - timedelta(days=10),
                                                                         "cancelled": None}, ())
    open_ = mydata.CaseData(2, 2, None, "Porvoon lähitori", "claimed", {"closed": None, "cancelled": None}, ())
    periods = Periods.from_settings(make_settings("sqlite://", RETENTION_CONVERSATION_DAYS=7,
                                                  RETENTION_CLOSED_CASE_DAYS=90))
    kept = lambda *cases: mydata.kept_until(cases, now=now, tz="Europe/Helsinki", periods=periods)  # noqa: E731
    assert kept() == mydata.Retention("conversation", 7, (now + timedelta(days=7)).date())
    assert kept(closed) == mydata.Retention("closed_case", 90, (now + timedelta(days=80)).date())
    assert kept(closed, open_) == mydata.Retention("open_case", 90, None)
    # A case that ended long ago: the latest message keeps the conversation for its own period.
    old = mydata.CaseData(3, 3, None, "Porvoon lähitori", "cancelled", {"closed": None,
                                                                        "cancelled": now - timedelta(days=89)}, ())
    assert kept(old).basis == "conversation"


def test_mydata_tells_the_configured_period(bot, clock):
    bot.settings = bot.settings.model_copy(update={"retention_conversation_days": 7})
    chat = Chat(bot, user="newcomer")
    chat.start("sv")
    chat.say("/mydata")
    kept = I18n.date_text((clock() + timedelta(days=7)).astimezone(HKI).date(), "sv")
    assert f"• Uppgifterna sparas fram till {kept}: 7 dagar efter ditt senaste meddelande." in chat.text


def test_the_export_counts_every_row_of_the_transcript(bot, clock):
    chat, _case = whole_case(bot, clock, "fi")
    with bot.sessions() as session:
        before = session.scalar(select(func.count()).select_from(MessageLog))
    chat.say("/mydata")
    chat.press("Lähetä kaikki tiedostona")
    data = json.loads(chat.last.replies[0].document.data)
    assert data["transcript"]["count"] == before + 2  # and the /mydata turn: its words and its answer


def test_export_while_talking_with_the_coordinator(bot, clock):
    """In relay mode (a claimed chat case) the words go to the coordinator, and /mydata and its file still work."""
    chat = Chat(bot, user="relayed")
    chat.start("fi")
    chat.say(STORY["fi"])
    chat.press(WAY["fi"]["want"])
    for label in (WAY["fi"]["whom"], WAY["fi"]["town"], WAY["fi"]["when"]):
        if any(label in shown for shown in chat.labels):
            chat.press(label)
    for label in ("Kirjoittamalla", "Ohita", WAY["fi"]["confirm"], WAY["fi"]["consent"]):
        chat.press(label)
    with bot.sessions() as session:
        case = session.scalar(select(Handoff.id))
    act(bot, staff.claim, handoff_id=case, coordinator_id=coordinator(bot, "Sari"))
    chat.say("Isä kaatui eilen kotona")
    assert chat.last.events == ["relayed"]
    chat.say("/mydata")
    assert "• Asia #1: Sari Laine, palveluohjaaja, Porvoon lähitori (demo), palveluohjaaja hoitaa asiaa" in chat.text
    chat.press("Lähetä kaikki tiedostona")
    data = json.loads(chat.last.replies[0].document.data)
    [relayed] = [m for m in data["transcript"]["messages"] if m["text"] == "Isä kaatui eilen kotona"]
    assert (relayed["direction"], relayed["sender"], relayed["case_number"]) == ("in", "citizen", case)
    assert data["retention"] == {"basis": "open_case", "days": 180, "kept_until": None,
                                 "text": "Tiedot säilytetään niin kauan kuin asiasi on auki ja 180 päivää sen "
                                         "päättymisen jälkeen."}
