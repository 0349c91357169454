"""The export in Telegram, through the real polling loop and the emulator: the citizen presses "Send all as a file"
and gets one JSON document (sendDocument, an in-memory upload), in fi and sv; nothing of it is stored or logged."""
from __future__ import annotations

import html
import json
import logging
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import logs
from bot.db.models import AuditEvent, Consent, Coordinator, MessageLog, Outbox
from tests.channels.test_telegram_e2e import FI, SV, walk_to_consent

pytestmark = pytest.mark.e2e

EXPORT = {
    "fi": dict(button="Lähetä kaikki tiedostona", name="lahitori-omat-tiedot-{day}.json",
               caption="Tässä ovat kaikki sinusta tallennetut tiedot yhtenä tiedostona", typed="tiedostona kiitos",
               heading="Sinusta on tallennettu nämä tiedot:"),
    "sv": dict(button="Skicka allt som en fil", name="lahitori-mina-uppgifter-{day}.json",
               caption="Här är allt som sparats om dig i en fil", typed="skicka som fil",
               heading="Det här har sparats om dig:"),
}


@pytest.mark.parametrize("script", [FI, SV], ids=["fi", "sv"])
async def test_the_export_arrives_as_one_json_document(script, citizen_factory, channel_services, front, caplog):
    s, e = script, EXPORT[script["lang"]]
    citizen = citizen_factory(s["chat"], s["lang"])
    await walk_to_consent(citizen, s)
    await citizen.press(s["consent_yes"])

    shown = await citizen.send("/mydata")
    assert shown[0].text.startswith(e["heading"]) and s["need"] in "\n".join(m.text for m in shown)
    assert shown[-1].buttons[0][0] == e["button"]
    caplog.handler.addFilter(logs.WithoutContents())  # as `lahitori run` logs (bot/logs.py)
    with caplog.at_level(logging.DEBUG):
        after = await citizen.press(e["button"])
    assert after and after[-1].buttons, "the conversation goes on where it was, with its buttons"

    [sent] = [document for document in front.documents if document.chat_id == s["chat"]]
    day = channel_services.clock().astimezone(ZoneInfo("Europe/Helsinki")).date().isoformat()
    assert sent.filename == e["name"].format(day=day) and sent.content_type == "application/json"
    assert html.unescape(sent.caption).startswith(e["caption"]) and sent.parse_mode == "HTML"
    data = json.loads(sent.data)
    [need] = data["needs"]
    assert need["description"] == s["need"], "the citizen's words whole, unescaped: a file, not HTML"
    with channel_services.sessions() as session:
        consent = session.scalar(select(Consent))
        assert [c["text"] for c in data["consents"]] == [consent.text]
        assert data["you"] == {"channel": "telegram", "channel_id": str(s["chat"]), "language": s["lang"],
                               "first_contact_at": data["you"]["first_contact_at"]}
        assert [case["coordinator"] for case in data["cases"]] == [consent_holder(session, consent)]
        assert any(m["text"] == s["need"] for m in data["transcript"]["messages"])
        # Never stored: not in the transcript (only the caption's words), the outbox or the audit's details.
        assert all('"format"' not in row.text for row in session.scalars(select(MessageLog)))
        assert all(row.kind != "document" for row in session.scalars(select(Outbox)))
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "data_exported")).all()
        assert event.details == {"format": "lahitori-my-data/1"}
    # Never logged: the bot's own lines name no contents, and the libraries' DEBUG lines about the upload are
    # withheld (bot/logs.py).
    assert "Calling Bot API endpoint" in caplog.text, "the upload was logged at DEBUG, without its contents"
    assert s["need"] not in caplog.text and consent.text not in caplog.text and '"format"' not in caplog.text

    # The typed way, at the same dialog.
    await citizen.send("/mydata")
    await citizen.send(e["typed"])
    assert len([d for d in front.documents if d.chat_id == s["chat"]]) == 2


def consent_holder(session, consent: Consent) -> str:  # noqa: ANN001
    return session.get(Coordinator, consent.coordinator_id).full_name
