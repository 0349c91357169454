"""The case page through HTTP on SQLite and PostgreSQL: closing with an outcome, reassigning, private notes, the
transcript and export as logged views, the bot's notices in words, and two people claiming at once."""
from __future__ import annotations

import json
import threading

from sqlalchemy import select

from bot.db.models import AuditEvent, CaseNote, Handoff, Outbox
from tests.web.conftest import TestClient, coordinator, csrf_of, login, make_case


def events(services, action: str) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def signed_in(client, services, username: str, number: int) -> str:
    assert login(client, username).status_code == 303
    return csrf_of(client.get(f"/cases/{number}").text)


def test_closing_asks_how_the_case_ended_and_a_referral_names_the_service(client, services):
    case = make_case(services, to="Sari")
    token = signed_in(client, services, "sari", case.id)
    client.post(f"/cases/{case.id}/claim", data={"csrf_token": token})
    page = client.get(f"/cases/{case.id}").text
    assert '<legend>Miten asia päättyi?</legend>' in page and '<label for="outcome-referred">' in page
    missing = client.post(f"/cases/{case.id}/close", data={"csrf_token": token})
    assert missing.status_code == 409 and f"Valitse, miten asia #{case.id} päättyi." in missing.text
    unnamed = client.post(f"/cases/{case.id}/close", data={"csrf_token": token, "outcome": "referred"})
    assert unnamed.status_code == 409 and 'role="alert"' in unnamed.text
    done = client.post(f"/cases/{case.id}/close", data={"csrf_token": token, "outcome": "referred",
                                                         "outcome_note": "Kelan asumistuki"}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/cases/{case.id}?done=close")
    page = client.get(done.headers["location"]).text
    assert "ohjattu nimettyyn palveluun: Kelan asumistuki" in page
    with services.sessions() as session:
        handoff = session.get(Handoff, case.id)
        assert (handoff.status, handoff.outcome, handoff.outcome_note) == ("closed", "referred", "Kelan asumistuki")
    assert [e.details["reason"] for e in events(services, "staff_action_refused")] == ["InvalidOutcome"] * 2


def test_reassigning_within_the_unit_and_not_beyond_it(client, services):
    case = make_case(services, to=None)  # to the Porvoo unit
    token = signed_in(client, services, "sari", case.id)
    client.post(f"/cases/{case.id}/claim", data={"csrf_token": token})
    page = client.get(f"/cases/{case.id}").text
    mikko, pirjo = coordinator(services, "Mikko").id, coordinator(services, "Pirjo").id
    assert '<label for="to">Anna asia palveluohjaajalle</label>' in page and f'value="{mikko}"' in page
    assert f'value="{pirjo}"' not in page
    other_unit = client.post(f"/cases/{case.id}/reassign", data={"csrf_token": token, "to": str(pirjo)})
    assert other_unit.status_code == 409 and "vain oman yksikön palveluohjaajalle" in other_unit.text
    garbage = client.post(f"/cases/{case.id}/reassign", data={"csrf_token": token, "to": "Mikko"})
    assert garbage.status_code == 409
    moved = client.post(f"/cases/{case.id}/reassign", data={"csrf_token": token, "to": str(mikko)},
                        follow_redirects=False)
    assert moved.status_code == 303
    with services.sessions() as session:
        assert session.get(Handoff, case.id).coordinator_id == mikko
        [told] = session.scalars(select(Outbox).where(Outbox.kind == "case_reassigned")).all()
        assert told.payload["coordinator"] == "Mikko"
    assert client.get(f"/cases/{case.id}").status_code == 404  # now Mikko's and his pair's, no longer Sari's
    login(client, "boss")
    assert "siirretty: Sari → Mikko" in client.get(f"/cases/{case.id}").text


def test_a_note_is_shown_with_its_author_and_audited_without_its_words(client, services):
    case = make_case(services, to="Sari")
    token = signed_in(client, services, "sari", case.id)
    empty = client.post(f"/cases/{case.id}/note", data={"csrf_token": token, "text": " "})
    assert empty.status_code == 409 and "Kirjoita ensin muistiinpano." in empty.text
    saved = client.post(f"/cases/{case.id}/note", data={"csrf_token": token, "text": "Tytär <b>soittaa</b> ma"},
                        follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Sari Laine" in page and "Tytär &lt;b&gt;soittaa&lt;/b&gt; ma" in page
    assert f"Muistiinpanosi asiaan #{case.id} on tallennettu." in page
    [added] = events(services, "case_note_added")
    assert "Tytär" not in json.dumps(added.details)
    with services.sessions() as session:
        assert [n.text for n in session.scalars(select(CaseNote))] == ["Tytär <b>soittaa</b> ma"]
    login(client, "anna")  # the pair reads it too, in Swedish
    assert "Tytär &lt;b&gt;soittaa" in client.get(f"/cases/{case.id}").text


def test_the_transcript_and_the_export_are_views_of_their_own(client, services):
    case = make_case(services, to="Sari", contact="chat")
    token = signed_in(client, services, "sari", case.id)
    client.post(f"/cases/{case.id}/claim", data={"csrf_token": token})
    client.post(f"/cases/{case.id}/reply", data={"csrf_token": token, "text": "Hei, soitan huomenna."})
    client.post(f"/cases/{case.id}/note", data={"csrf_token": token, "text": "Soitto sovittu"})
    transcript = client.get(f"/cases/{case.id}/transcript")
    assert transcript.status_code == 200 and "Hei, soitan huomenna." in transcript.text
    assert "[case_claimed]" not in transcript.text
    assert "Asiakkaalle kerrottiin, että asiaa hoitaa Sari Laine." in transcript.text
    export = client.get(f"/cases/{case.id}/export")
    assert export.status_code == 200 and export.headers["content-disposition"].startswith("attachment")
    data = export.json()
    assert data["case"] == case.id and data["notes"][0]["text"] == "Soitto sovittu"
    assert data["need"]["description"] == "Äiti kaatui eilen eikä pärjää yksin"
    assert "[case_claimed]" not in export.text and "24.11.2026 klo 10.00" in export.text
    views = [e.details.get("view") for e in events(services, "case_viewed")]
    assert views.count("transcript") == 1 and views.count("export") == 1 and "case" in views
    assert all(e.actor == f"coordinator:{coordinator(services, 'Sari').id}" for e in events(services, "case_viewed"))
    login(client, "pirjo")  # another unit: nothing, and the attempt logged
    assert client.get(f"/cases/{case.id}/transcript").status_code == 404
    assert client.get(f"/cases/{case.id}/export").status_code == 404
    assert len(events(services, "staff_permission_denied")) == 2


def test_two_claiming_at_once_one_wins_and_the_other_is_told_who(app, services):
    case = make_case(services, to="Sari")  # Sari and her pair Anna may both claim it
    clients = {name: TestClient(app, base_url="http://127.0.0.1") for name in ("sari", "anna")}
    tokens = {name: signed_in(c, services, name, case.id) for name, c in clients.items()}
    start, answers = threading.Barrier(2), {}

    def claim(name: str) -> None:
        start.wait()
        answers[name] = clients[name].post(f"/cases/{case.id}/claim", data={"csrf_token": tokens[name]},
                                           follow_redirects=False)

    threads = [threading.Thread(target=claim, args=(name,)) for name in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for c in clients.values():
        c.close()
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [303, 409], codes
    [winner] = [name for name, answer in answers.items() if answer.status_code == 303]
    loser = "anna" if winner == "sari" else "sari"
    first = {"sari": "Sari", "anna": "Anna"}[winner]
    said = {"sari": f"Asian #{case.id} on jo ottanut hoitaakseen {first}.",
            "anna": f"Ärende #{case.id} har redan tagits av {first}."}[loser]
    assert said in answers[loser].text
    with services.sessions() as session:
        assert session.get(Handoff, case.id).coordinator_id == coordinator(services, first).id
        assert len(session.scalars(select(Outbox).where(Outbox.kind == "case_claimed")).all()) == 1
    assert len(events(services, "handoff_claimed")) == 1
    [refusal] = events(services, "staff_action_refused")
    assert refusal.details == {"attempted": "claim", "reason": "AlreadyClaimed"}
