"""The staff console through its HTTP interface: login, sessions, CSRF, what a staff member may open, the view log
the citizen sees, and the case actions calling the same domain functions as Telegram."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEvent, Citizen, Handoff, MessageLog, Outbox, WebSession
from bot.handoff import mydata
from tests.web.conftest import NOW, coordinator, csrf_of, login, make_case


def events(services, action: str) -> list[AuditEvent]:
    with services.sessions() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_no_page_without_login_and_headers_on_every_answer(client):
    for path in ("/cases", "/cases/1", "/cases/table"):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert '<html lang="fi">' in page.text and 'class="skip" href="#main"' in page.text
    assert '<label for="username">Käyttäjätunnus</label>' in page.text
    assert client.get("/static/htmx.min.js").status_code == 200


def test_login_sets_a_strict_httponly_cookie_and_a_new_session_each_time(client, services):
    first = login(client, "sari")
    assert (first.status_code, first.headers["location"]) == (303, "/cases")
    cookie = first.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    old = client.cookies["lahitori_session"]
    again = login(client, "sari")
    assert again.status_code == 303
    assert client.cookies["lahitori_session"] != old  # rotated at login: a planted id is worth nothing
    with services.sessions() as session:
        assert len(list(session.scalars(select(WebSession)))) == 1  # the browser's earlier session ended
    client.cookies.set("lahitori_session", old)
    assert client.get("/cases", follow_redirects=False).status_code == 303


def test_wrong_password_then_the_account_locks(client, services):
    answer = login(client, "sari", "wrong password!!")
    assert answer.status_code == 401 and "Väärä käyttäjätunnus tai salasana." in answer.text
    assert login(client, "nobody", "wrong password!!").status_code == 401  # the same answer for an unknown name
    for _ in range(4):
        login(client, "sari", "wrong password!!")
    locked = login(client, "sari")  # the right password, but locked
    assert locked.status_code == 429 and "lukittu" in locked.text
    assert len(events(services, "web_login_failed")) == 5


def test_one_address_is_throttled_across_accounts(client):
    for number in range(20):
        login(client, f"guess{number}", "wrong password!!")
    throttled = login(client, "anna")
    assert throttled.status_code == 429


def test_a_form_without_the_csrf_token_is_refused(client, services):
    case = make_case(services)
    assert login(client, "sari").status_code == 303
    assert client.post(f"/cases/{case.id}/claim", data={}).status_code == 403
    assert client.post(f"/cases/{case.id}/claim", data={"csrf_token": "forged"}).status_code == 403
    page = client.get("/login")
    assert client.post("/login", data={"username": "sari", "password": "x" * 20}).status_code == 403
    assert page.status_code == 200
    with services.sessions() as session:
        assert session.get(Handoff, case.id).status == "new"


def test_the_idle_session_ends(client, services, clock):
    login(client, "sari")
    assert client.get("/cases").status_code == 200
    clock.advance(minutes=29)
    assert client.get("/cases").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/cases", follow_redirects=False).status_code == 303


def test_the_inbox_shows_what_the_staff_member_may_see(client, services):
    mine = make_case(services, to="Sari")
    other_unit = make_case(services, to="Pirjo")
    login(client, "sari")
    page = client.get("/cases")
    assert f'href="/cases/{mine.id}"' in page.text and f'href="/cases/{other_unit.id}"' not in page.text
    assert "<title>(1) Asiat" in page.text and "Kotona pärjääminen" in page.text
    assert 'th scope="col"' in page.text


def test_a_staff_member_cannot_open_another_units_case_and_the_attempt_is_logged(client, services):
    case = make_case(services, to="Pirjo")
    login(client, "sari")
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert client.get("/cases/9999").status_code == 404
    denied = events(services, "staff_permission_denied")
    assert [e.handoff_id for e in denied] == [case.id, None]
    assert denied[0].actor == f"coordinator:{coordinator(services, 'Sari').id}"
    assert events(services, "case_viewed") == []
    assert client.post(f"/cases/{case.id}/claim", data={"csrf_token": csrf_of(client.get('/cases').text)}
                       ).status_code == 404


def test_every_view_is_logged_and_the_citizen_sees_who_looked(client, services):
    case = make_case(services, to="Sari", description="Isä ei enää pääse bussilla kauppaan")
    login(client, "sari")
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200 and "Isä ei enää pääse bussilla kauppaan" in page.text
    assert "Annan luvan välittää tarpeeni" in page.text
    [viewed] = events(services, "case_viewed")
    assert (viewed.actor, viewed.handoff_id) == (f"coordinator:{coordinator(services, 'Sari').id}", case.id)
    with services.sessions() as session:
        citizen = session.get(Citizen, case.citizen_id)
        data = mydata.collect(session, citizen=citizen, now=NOW, tz="Europe/Helsinki", lang="fi")
    [view] = data.cases[0].views
    assert (view.by.name, view.by.unit) == ("Sari Laine", "Porvoon lähitori (demo)")


def test_claim_reply_contacted_close_through_the_console(client, services, clock):
    case = make_case(services, to="Sari", contact="chat")
    login(client, "sari")
    token = csrf_of(client.get(f"/cases/{case.id}").text)
    claimed = client.post(f"/cases/{case.id}/claim", data={"csrf_token": token}, follow_redirects=False)
    assert (claimed.status_code, claimed.headers["location"]) == (303, f"/cases/{case.id}?done=claim")
    page = client.get(claimed.headers["location"])
    assert 'role="status"' in page.text and f"Otit asian #{case.id}" in page.text
    sent = client.post(f"/cases/{case.id}/reply", data={"csrf_token": token, "text": "Hei, soitan huomenna."},
                       follow_redirects=False)
    assert sent.status_code == 303
    clock.advance(minutes=5)
    assert client.post(f"/cases/{case.id}/contacted", data={"csrf_token": token}).status_code == 200
    assert client.post(f"/cases/{case.id}/close", data={"csrf_token": token, "outcome": "guidance"}).status_code == 200
    with services.sessions() as session:
        handoff = session.get(Handoff, case.id)
        assert handoff.status == "closed"
        kinds = [row.kind for row in session.scalars(select(Outbox).order_by(Outbox.id))]
        assert {"case_claimed", "relay_out", "case_closed_feedback"} <= set(kinds)
        [words] = session.scalars(select(MessageLog).where(MessageLog.sender == "coordinator")).all()
        assert words.text == "Hei, soitan huomenna."
    assert [e.actor for e in events(services, "relay_to_citizen")] == [
        f"coordinator:{coordinator(services, 'Sari').id}"]


def test_a_refused_action_says_why_and_stays_audited(client, services):
    case = make_case(services, to="Sari", contact="phone")
    login(client, "anna")  # Sari's pair, Swedish console
    token = csrf_of(client.get(f"/cases/{case.id}").text)
    answer = client.post(f"/cases/{case.id}/reply", data={"csrf_token": token, "text": "Hej"})
    assert answer.status_code == 409 and 'role="alert"' in answer.text
    assert len(events(services, "relay_refused")) == 1
    assert '<html lang="sv">' in answer.text


def test_an_admin_sees_every_case_and_the_view_is_logged(client, services):
    first, second = make_case(services, to="Sari"), make_case(services, to="Pirjo")
    login(client, "boss")
    page = client.get("/cases")
    assert f'href="/cases/{first.id}"' in page.text and f'href="/cases/{second.id}"' in page.text
    assert client.get(f"/cases/{second.id}").status_code == 200
    [viewed] = events(services, "case_viewed")
    assert viewed.actor.startswith("account:")


def test_logout_ends_the_session(client, services):
    login(client, "sari")
    token = csrf_of(client.get("/cases").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/cases", follow_redirects=False).status_code == 303
    with services.sessions() as session:
        assert list(session.scalars(select(WebSession))) == []


def test_the_language_switch(client):
    login(client, "sari")
    token = csrf_of(client.get("/cases").text)
    client.post("/language", data={"csrf_token": token, "language": "sv", "back": "/cases"})
    page = client.get("/cases")
    assert '<html lang="sv">' in page.text and "Öppna ärenden" in page.text


def test_times_are_finnish(client, services):
    case = make_case(services, to="Sari", at=NOW - timedelta(hours=3))
    login(client, "sari")
    page = client.get(f"/cases/{case.id}")
    assert "24.11.2026 klo 7.00" in page.text


def test_the_promise_turns_late_and_swedish_times_say_kl(client, services, clock):
    case = make_case(services, to="Anna", lang="sv")
    login(client, "anna")
    assert "i tid" in client.get("/cases").text
    clock.advance(days=2)
    login(client, "anna")  # two days idle: signed out
    page = client.get("/cases")
    assert 'class="promise late"' in page.text and "försenat" in page.text
    assert "25.11.2026 kl. 10.00" in page.text and f'href="/cases/{case.id}"' in page.text
