"""Closing with an outcome, reassigning within the unit, private notes (audited without their words, erased with
the citizen), the readable transcript and which actions a case allows; on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db.models import AuditEvent, CaseNote, Handoff, MessageLog, Outbox
from bot.handoff import notes, staff
from bot.handoff.erasure import erase_citizen
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)


def audit(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def refused(session, error: type[staff.StaffError], call, **kwargs) -> staff.StaffError:  # noqa: ANN001
    with pytest.raises(error) as caught:
        call(session, **kwargs)
    session.commit()
    return caught.value


def test_closing_needs_a_known_outcome_and_a_referral_names_the_service(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    sari = person("Sari").id
    staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=NOW)
    session.commit()
    refused(session, staff.InvalidOutcome, staff.close, handoff_id=case.id, coordinator_id=sari, now=NOW, outcome="")
    refused(session, staff.InvalidOutcome, staff.close, handoff_id=case.id, coordinator_id=sari, now=NOW,
            outcome="referred", outcome_note="   ")
    assert session.get(Handoff, case.id).status == "claimed"
    assert [e.details["reason"] for e in audit(session, "staff_action_refused")] == ["InvalidOutcome"] * 2

    staff.close(session, handoff_id=case.id, coordinator_id=sari, now=NOW + timedelta(hours=1), outcome="referred",
                outcome_note="  Kotihoidon  palveluohjaus ")
    session.commit()
    closed = session.get(Handoff, case.id)
    assert (closed.status, closed.outcome, closed.outcome_note) == ("closed", "referred", "Kotihoidon palveluohjaus")
    [event] = audit(session, "handoff_closed")
    assert event.details == {"coordinator_id": sari, "outcome": "referred"}  # the code, never the words
    assert [item["outcome"] for item in notes.history(session, handoff=closed) if item["action"] == "handoff_closed"
            ] == ["referred"]


def test_telegrams_close_without_an_outcome_is_stored_as_not_recorded(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    staff.close(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    session.commit()
    assert (case.status, case.outcome, case.outcome_note) == ("closed", None, None)


def test_reassign_within_the_unit_tells_the_citizen_and_the_new_holder(session, person, make_case):
    person("Mikko").telegram_chat_id = "3003"
    case = make_case(at=NOW, coordinator=None)  # to the Porvoo unit, no names in the consent
    staff.claim(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=NOW)
    assert [p.first_name for p in staff.reassign_candidates(session, handoff=case, now=NOW)] == [
        "Anna", "Johanna", "Mikko"]
    staff.reassign(session, handoff_id=case.id, coordinator_id=person("Sari").id,
                   to_coordinator_id=person("Mikko").id, now=NOW + timedelta(minutes=5))
    session.commit()
    assert (case.status, case.coordinator_id) == ("claimed", person("Mikko").id)
    [told] = session.scalars(select(Outbox).where(Outbox.kind == "case_reassigned")).all()
    assert (told.recipient, told.payload["coordinator"]) == ("citizen-1", "Mikko")
    [card] = session.scalars(select(Outbox).where(Outbox.kind == "handoff_given")).all()
    assert card.recipient == "3003"
    [event] = audit(session, "handoff_reassigned")
    assert event.details == {"coordinator_id": person("Sari").id, "from_coordinator_id": person("Sari").id,
                             "to_coordinator_id": person("Mikko").id}
    lines = notes.transcript(session, handoff_id=case.id)
    assert [(line.notice, line.person, line.text) for line in lines] == [
        ("case_claimed", "Sari Laine", None), ("case_reassigned", "Mikko Heinonen", None)]


def test_reassign_is_refused_outside_the_unit_to_someone_away_and_beyond_the_consent(session, person, make_case):
    unit_case = make_case(at=NOW, coordinator=None)
    sari = person("Sari").id
    refused(session, staff.ReassignRefused, staff.reassign, handoff_id=unit_case.id, coordinator_id=sari,
            to_coordinator_id=person("Pirjo").id, now=NOW)  # Loviisa's coordinator
    refused(session, staff.ReassignRefused, staff.reassign, handoff_id=unit_case.id, coordinator_id=sari,
            to_coordinator_id=0, now=NOW)
    staff.set_away(session, coordinator_id=person("Johanna").id, until=None, now=NOW)
    session.commit()
    refused(session, staff.ReassignRefused, staff.reassign, handoff_id=unit_case.id, coordinator_id=sari,
            to_coordinator_id=person("Johanna").id, now=NOW)
    named = make_case(at=NOW, coordinator="Sari")  # the consent names Sari and Anna
    refused(session, staff.ReassignRefused, staff.reassign, handoff_id=named.id, coordinator_id=sari,
            to_coordinator_id=person("Mikko").id, now=NOW)
    assert [p.first_name for p in staff.reassign_candidates(session, handoff=named, now=NOW)] == ["Anna"]
    staff.reassign(session, handoff_id=named.id, coordinator_id=sari, to_coordinator_id=person("Anna").id, now=NOW)
    session.commit()
    assert session.get(Handoff, named.id).coordinator_id == person("Anna").id
    assert session.get(Handoff, unit_case.id).coordinator_id is None
    assert len(audit(session, "staff_action_refused")) == 4


def test_a_note_is_kept_listed_with_its_author_and_audited_without_its_words(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    sari = person("Sari").id
    refused(session, staff.EmptyNote, notes.add_note, handoff_id=case.id, coordinator_id=sari, text="  ", now=NOW)
    notes.add_note(session, handoff_id=case.id, coordinator_id=sari, text="Tytär soittaa maanantaina.", now=NOW)
    refused(session, staff.PermissionDenied, notes.add_note, handoff_id=case.id, coordinator_id=person("Pirjo").id,
            text="Ei kuulu minulle", now=NOW)
    session.commit()
    assert [(n.author, n.text, n.at) for n in notes.notes(session, handoff_id=case.id)] == [
        ("Sari Laine", "Tytär soittaa maanantaina.", NOW)]
    [event] = audit(session, "case_note_added")
    assert event.actor == f"coordinator:{sari}" and "Tytär" not in str(event.details)
    assert [item["action"] for item in notes.history(session, handoff=case)][-1] == "case_note_added"


def test_notes_and_the_outcome_note_go_with_the_citizen_and_the_code_stays(session, person, make_case):
    sari = person("Sari").id
    contacted, fresh = make_case(at=NOW, coordinator="Sari"), make_case(at=NOW, coordinator="Sari")
    staff.claim(session, handoff_id=contacted.id, coordinator_id=sari, now=NOW)
    staff.mark_contacted(session, handoff_id=contacted.id, coordinator_id=sari, now=NOW)
    for case in (contacted, fresh):
        notes.add_note(session, handoff_id=case.id, coordinator_id=sari, text="Muistiinpano asiakkaasta", now=NOW)
    staff.close(session, handoff_id=contacted.id, coordinator_id=sari, now=NOW, outcome="referred",
                outcome_note="Omaishoidon tuki")
    session.commit()
    for case in (contacted, fresh):
        erase_citizen(session, case.citizen_id, now=NOW)
    session.commit()
    assert session.scalars(select(CaseNote)).all() == []
    bare = session.get(Handoff, contacted.id)
    assert (bare.erased_at, bare.outcome, bare.outcome_note) == (NOW, "referred", None)
    assert session.get(Handoff, fresh.id) is None
    with pytest.raises(staff.CaseNotFound):  # nothing left to write about
        notes.add_note(session, handoff_id=contacted.id, coordinator_id=sari, text="x", now=NOW)


def test_the_transcript_says_what_was_not_text_in_words(session, person, make_case):
    case = make_case(at=NOW, coordinator="Sari")
    for text in ("[sticker]", "[button 1]", "Kiitos [paljon]"):
        session.add(MessageLog(citizen_id=case.citizen_id, handoff_id=case.id, direction="in", sender="citizen",
                               text=text, created_at=NOW))
    session.commit()
    assert [(line.notice, line.text) for line in notes.transcript(session, handoff_id=case.id)] == [
        ("sticker", None), ("button", None), (None, "Kiitos [paljon]")]


def test_which_actions_a_case_allows():
    assert staff.allowed_actions(status="new", held=False) == ("claim", "reassign", "note")
    assert staff.allowed_actions(status="new", held=True, restricted=True) == ("claim",)
    assert staff.allowed_actions(status="claimed", held=True) == ("contacted", "close", "pair", "reassign", "note")
    assert staff.allowed_actions(status="closed", held=True) == ("note",)
    assert staff.allowed_actions(status="cancelled", held=True) == ()


def test_the_citizen_sees_the_outcome_and_the_notes_in_mydata_and_its_export(session, person, make_case):
    import json

    from bot.config import PROJECT_ROOT
    from bot.db.models import Citizen
    from bot.handoff import mydata, mydata_render
    from bot.i18n import I18n

    sari = person("Sari").id
    case = make_case(at=NOW, coordinator="Sari")
    staff.claim(session, handoff_id=case.id, coordinator_id=sari, now=NOW)
    notes.add_note(session, handoff_id=case.id, coordinator_id=sari, text="Tytär soittaa maanantaina.", now=NOW)
    staff.close(session, handoff_id=case.id, coordinator_id=sari, now=NOW, outcome="referred",
                outcome_note="Omaishoidon tuki")
    session.commit()
    citizen = session.get(Citizen, case.citizen_id)
    data = mydata.collect(session, citizen=citizen, now=NOW, tz="Europe/Helsinki", lang="fi")
    say = mydata_render.Say("fi", "Europe/Helsinki", I18n(PROJECT_ROOT / "locales"), lambda topic, lang: topic)
    text = "\n".join(mydata_render.lines(data, say))
    assert "Miten asia päättyi: ohjattu nimettyyn palveluun: Omaishoidon tuki" in text
    assert "Palveluohjaajien muistiinpanot asiastasi:" in text
    assert "Sari Laine, 24.11.2026 klo 10.00: Tytär soittaa maanantaina." in text
    exported = json.loads(mydata_render.export(data, say, now=NOW).data)
    [exported_case] = exported["cases"]
    assert exported_case["outcome"] == "referred" and exported_case["outcome_note"] == "Omaishoidon tuki"
    assert exported_case["notes"] == [{"at": "2026-11-24T10:00:00+02:00", "by": "Sari Laine",
                                       "text": "Tytär soittaa maanantaina."}]
