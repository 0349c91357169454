"""The directory in the console (admins), on SQLite and PostgreSQL: units and coordinators edited by form with the
domain's rules, every change audited, and routing following the edits at once."""
from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Absence, AuditEvent, Coordinator, Unit
from bot.handoff.hours import is_open
from bot.handoff.routing import choose
from tests.web.conftest import NOW, csrf_of, login


def admin(client) -> str:  # noqa: ANN001
    assert login(client, "boss").status_code == 303
    page = client.get("/directory")
    assert page.status_code == 200 and "Porvoon lähitori (demo)" in page.text
    return csrf_of(page.text)


def unit_form(unit: Unit, **changes: object) -> dict[str, object]:
    hours = unit.opening_hours or {}
    data: dict[str, object] = {
        "name_fi": unit.name_fi, "name_sv": unit.name_sv, "municipalities": ", ".join(unit.municipalities),
        "languages": unit.languages, "phone": unit.phone, "address": unit.address, "exceptions": "",
        **{f"hours_{day}": ", ".join("-".join(slot) for slot in hours.get(day, []))
           for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        **{f"reply_{u}": unit.reply_hours[u] for u in ("urgent", "soon", "no_hurry")},
        "staff_telegram": "on" if unit.staff_telegram else "", "follow_up_days": "",
    }
    data.update(changes)
    return data


def person_of(services, first: str) -> Coordinator:  # noqa: ANN001
    with services.sessions() as session:
        return session.scalars(select(Coordinator).where(Coordinator.first_name == first)).one()


def person_form(person: Coordinator, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": person.first_name, "last_name": person.last_name, "title_fi": person.title_fi,
        "title_sv": person.title_sv, "unit_id": person.unit_id, "pair_id": person.pair_id or "",
        "languages": person.languages, "topics": person.topics, "email": person.email or "",
        "active": "on" if person.active else ""}
    data.update(changes)
    return data


def test_staff_cannot_open_the_directory(client):
    assert login(client, "sari").status_code == 303
    for path in ("/directory", "/directory/units/porvoo", "/directory/coordinators/1", "/directory/units/new"):
        assert client.get(path).status_code == 404, path


def test_a_unit_edit_is_checked_audited_and_used(client, services):
    token = admin(client)
    with services.sessions() as session:
        unit = session.scalars(select(Unit).where(Unit.code == "porvoo")).one()
        form = unit_form(unit)
    bad = client.post("/directory/units/porvoo", data={**form, "csrf_token": token, "phone": "soita meille"})
    assert bad.status_code == 422 and "ei näytä suomalaiselta numerolta" in bad.text
    assert 'value="soita meille"' in bad.text  # what was typed stays in the form
    wrong = client.post("/directory/units/porvoo", data={**form, "csrf_token": token, "reply_urgent": "90"})
    assert wrong.status_code == 422 and "kiireellinen" in wrong.text
    saved = client.post("/directory/units/porvoo", data={
        **form, "csrf_token": token, "exceptions": "2026-11-24 closed\n2026-11-25 9.00-12.00",
        "hours_sat": "10.00-14.00", "staff_telegram": ""}, follow_redirects=True)
    assert saved.status_code == 200 and "Yksikkö on tallennettu." in saved.text
    with services.sessions() as session:
        unit = session.scalars(select(Unit).where(Unit.code == "porvoo")).one()
        assert unit.staff_telegram is False and unit.opening_hours["sat"] == [["10:00", "14:00"]]
        assert not is_open(unit.opening_hours, NOW)  # the Tuesday of the tests is now closed by an exception
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "directory_unit_changed")).one()
        assert event.actor == "account:4" and set(event.details) == {"unit", "opening_hours", "staff_telegram"}


def test_coordinator_edits_pair_both_ways_and_routing_follows(client, services):
    token = admin(client)
    anna, sari, johanna = (person_of(services, name) for name in ("Anna", "Sari", "Johanna"))
    with services.sessions() as session:
        before = choose(session, topic="transport_service", municipality="porvoo", lang="sv", now=NOW)
        assert before.coordinator.first_name == "Anna"
    # Anna and Johanna become a pair: Sari and Mikko are let go of theirs.
    assert client.post(f"/directory/coordinators/{anna.id}", data={
        **person_form(anna, pair_id=johanna.id), "csrf_token": token}, follow_redirects=False).status_code == 303
    assert person_of(services, "Anna").pair_id == johanna.id and person_of(services, "Johanna").pair_id == anna.id
    assert person_of(services, "Sari").pair_id is None and person_of(services, "Mikko").pair_id is None
    other_unit = person_of(services, "Pirjo")
    refused = client.post(f"/directory/coordinators/{sari.id}", data={
        **person_form(sari, pair_id=other_unit.id), "csrf_token": token})
    assert refused.status_code == 422 and "saman yksikön" in refused.text

    # Anna is away for a week: Swedish transport cases go to her new pair Johanna, who now takes the topic too.
    client.post(f"/directory/coordinators/{johanna.id}", data={
        **person_form(person_of(services, "Johanna"), topics=[*johanna.topics, "transport_service"]),
        "csrf_token": token})
    assert client.post(f"/directory/coordinators/{anna.id}/absence", data={
        "csrf_token": token, "starts": "2026-11-23", "ends": "2026-11-30"}, follow_redirects=False).status_code == 303
    with services.sessions() as session:
        after = choose(session, topic="transport_service", municipality="porvoo", lang="sv", now=NOW)
        assert after.coordinator.first_name == "Johanna"
        absence = session.scalars(select(Absence).where(Absence.coordinator_id == anna.id)).one()
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("directory_%"))
                                       .order_by(AuditEvent.id)))
    assert actions == ["directory_coordinator_changed", "directory_coordinator_changed", "directory_absence_added"]
    client.post(f"/directory/coordinators/{anna.id}/absence", data={"csrf_token": token,
                                                                     "end_absence": absence.id})
    with services.sessions() as session:
        assert choose(session, topic="transport_service", municipality="porvoo", lang="sv",
                      now=NOW).coordinator.first_name == "Anna"


def test_a_new_coordinator_and_a_link_code(client, services):
    token = admin(client)
    sipoo = person_of(services, "Leena").unit_id
    made = client.post("/directory/coordinators/new", data={
        "csrf_token": token, "first_name": "Ville", "last_name": "Vallin", "title_fi": "palveluohjaaja",
        "title_sv": "servicehandledare", "unit_id": sipoo, "languages": ["sv"], "topics": ["digital_support"],
        "email": "ville.vallin@example.fi", "active": "on"}, follow_redirects=True)
    assert made.status_code == 200 and "Ville Vallin" in made.text
    ville = person_of(services, "Ville")
    assert (ville.languages, ville.topics, ville.email) == (["sv"], ["digital_support"], "ville.vallin@example.fi")
    page = client.post(f"/directory/coordinators/{ville.id}/link-code", data={"csrf_token": token})
    assert page.status_code == 200 and "Linkityskoodi" in page.text
    bad = client.post("/directory/coordinators/new", data={
        "csrf_token": token, "first_name": "X", "last_name": "Y", "title_fi": "a", "title_sv": "b",
        "unit_id": sipoo, "languages": ["en"]})
    assert bad.status_code == 422 and "suomi tai ruotsi" in bad.text
    bad = client.post("/directory/coordinators/new", data={
        "csrf_token": token, "first_name": "X", "last_name": "Y", "title_fi": "a", "title_sv": "b",
        "unit_id": sipoo, "languages": ["fi"], "email": "ville at example"})
    assert bad.status_code == 422 and "Sähköpostiosoite ville at example ei näytä oikealta." in bad.text
