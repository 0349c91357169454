"""The console's security, route by route: the app's routes are listed from the app itself, so a page added later is
checked without anyone remembering to. No page without login, a CSRF token on every form post, the security
headers on every answer, a new session id at login, another unit's cases out of reach (and every attempt audited),
and no word a citizen or a coordinator wrote in the logs, even at DEBUG. Test_console.py holds the login throttle
and lock, the idle timeout and the logout."""
from __future__ import annotations

import re
from collections.abc import Iterator

from sqlalchemy import func, select
from starlette.routing import Mount, Route

from bot.db.models import AuditEvent, MessageLog
from bot.web.texts import ACTIONS
from tests.auxil.chat import Chat
from tests.auxil.logs import debug_log_fixture  # noqa: F401 - the debug_log fixture
from tests.handoff.test_relay import WAY, newest_case
from tests.web.conftest import csrf_of, login, make_case

PUBLIC = {"/", "/login", "/favicon.ico", "/static/htmx.min.js"}  # everything else needs a signed-in account
STREAMS = {"/cases/events"}  # an EventSource cannot follow a redirect to a page: 401
HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY",
           "cross-origin-opener-policy": "same-origin"}


PARAMETERS = {"number:int": "{case}", "code:str": "porvoo", "name:str": "intake.yaml"}  # "x" for any other


def concrete(path: str, case: int) -> list[str]:
    """The route's path with real-looking parameters: the case (or coordinator) number, a unit, a flow file, and
    every action of the case page."""
    if "{action:str}" in path:
        return [concrete(path.replace("{action:str}", action), case)[0] for action in (*ACTIONS, "reply")]
    filled = re.sub(r"\{(\w+:\w+)\}", lambda m: PARAMETERS.get(m.group(1), "x"), path)
    return [filled.replace("{case}", str(case))]


def routes(app) -> Iterator[tuple[str, str]]:
    """(method, path) of every route of the app, the static mount excepted."""
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route), f"a route of an unknown kind: {route!r}"
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                yield method, route.path


def test_the_route_list_is_what_this_test_knows(app):
    """A sanity check of the enumeration itself: it finds the pages and the forms."""
    found = set(routes(app))
    assert {("GET", "/cases"), ("GET", "/cases/{number:int}"), ("POST", "/cases/{number:int}/{action:str}"),
            ("POST", "/logout"), ("POST", "/login"), ("GET", "/cases/events")} <= found


def test_no_route_answers_without_login(app, client, services):
    case = make_case(services)
    checked = 0
    for method, pattern in routes(app):
        if pattern in PUBLIC:
            continue
        for path in concrete(pattern, case.id):
            answer = client.request(method, path, data={} if method == "POST" else None, follow_redirects=False)
            if pattern in STREAMS:
                assert answer.status_code == 401, path
            else:
                assert (answer.status_code, answer.headers.get("location")) == (303, "/login"), f"{method} {path}"
            checked += 1
    assert checked >= 8


def test_every_post_needs_this_sessions_csrf_token(app, client, services):
    case = make_case(services, to="Sari")
    for account in ("sari", "boss"):  # a staff member, and an admin, whom the admin pages let further
        assert login(client, account).status_code == 303
        token = csrf_of(client.get("/cases").text)
        for method, pattern in routes(app):
            if method != "POST" or pattern in PUBLIC:
                continue
            for path in concrete(pattern, case.id):
                for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
                    answer = client.post(path, data={**data, "text": "hei", "language": "sv", "body": "x: 1"},
                                         follow_redirects=False)
                    refused = {403} if account == "boss" or pattern.startswith("/cases") else {403, 404}
                    assert answer.status_code in refused, f"{account}: {path} with {data}: {answer.status_code}"
    other = login(client, "anna")  # another account's token is not this session's
    assert other.status_code == 303
    assert client.post(f"/cases/{case.id}/claim", data={"csrf_token": token}).status_code == 403
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 403
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "handoff_claimed")) == 0


def test_the_login_form_needs_its_own_cookies_token(client):
    page = client.get("/login")
    token = csrf_of(page.text)
    client.cookies.delete("lahitori_login_csrf", path="/login")
    answer = client.post("/login", data={"username": "sari", "password": "correct horse battery staple",
                                         "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 403 and "lahitori_session" not in client.cookies


def test_security_headers_on_every_answer(app, client, services):
    case = make_case(services, to="Sari")
    answers = {f"{method} {path}": client.request(method, path, follow_redirects=False)
               for method, pattern in routes(app) for path in concrete(pattern, case.id) if method == "GET"
               and pattern not in STREAMS}
    login(client, "sari")
    answers |= {f"signed GET {path}": client.get(path, follow_redirects=False)
                for method, pattern in routes(app) for path in concrete(pattern, case.id) if method == "GET"
                and pattern not in STREAMS}
    answers["403"] = client.post(f"/cases/{case.id}/claim", data={})
    answers["404"] = client.get("/no/such/page")
    answers["static"] = client.get("/static/console.css")
    for what, answer in answers.items():
        static = what == "static" or what.endswith(".js")
        assert {key: answer.headers.get(key) for key in HEADERS} == HEADERS, what
        csp = answer.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp, what
        if not static:
            assert answer.headers["cache-control"] == "no-store", what


def test_a_planted_session_id_is_never_adopted(client, services):
    client.cookies.set("lahitori_session", "planted-by-someone-else", domain="127.0.0.1")
    assert login(client, "sari").status_code == 303
    issued = client.cookies["lahitori_session"]
    assert issued != "planted-by-someone-else" and len(issued) >= 32
    client.cookies.set("lahitori_session", "planted-by-someone-else", domain="127.0.0.1")
    assert client.get("/cases", follow_redirects=False).status_code == 303


def same(page: str, number: int) -> str:
    return page.replace(f"#{number}", "#N").replace(f"/cases/{number}", "/cases/N")


def test_another_units_case_is_404_for_every_action_like_a_missing_one_and_each_try_is_audited(client, services):
    case = make_case(services, to="Pirjo", description="Loviisan asia")  # the Loviisa unit's
    login(client, "sari")
    token = csrf_of(client.get("/cases").text)
    missing = client.get("/cases/999999")
    hidden = client.get(f"/cases/{case.id}")
    assert (missing.status_code, hidden.status_code) == (404, 404)
    assert same(hidden.text, case.id) == same(missing.text, 999999)  # nothing tells them apart
    assert "Loviisan asia" not in hidden.text
    for action in (*ACTIONS, "reply"):
        answer = client.post(f"/cases/{case.id}/{action}", data={"csrf_token": token, "text": "hei"})
        assert answer.status_code == 404, action
        assert "Loviisan asia" not in answer.text
    assert f'href="/cases/{case.id}"' not in client.get("/cases").text + client.get("/cases/table").text
    with services.sessions() as session:
        denied = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_permission_denied",
                                                               AuditEvent.handoff_id == case.id)))
        assert len(denied) == 1 + len(ACTIONS) + 1  # the opening and every action
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(["case_viewed", "handoff_claimed"]), AuditEvent.handoff_id == case.id)) == 0


def test_no_client_text_in_the_logs_even_at_debug(client, services, debug_log):
    said, wrote, answered = "Kumquatvoimistelu", "Pomelotanssi", "Rambutankuoro"  # words nobody else logs
    way = dict(WAY["fi"], need=f"{WAY['fi']['need']}, hän harrastaa {said}a",
               describe=f"Isä on 84-vuotias, harrastaa {said}a eikä pysty kävelemään pysäkille.")
    chat = Chat(services, user="citizen-with-words", channel="telegram")
    chat.start("fi")
    chat.say(way["need"])
    chat.press(way["want"])
    chat.say(way["describe"])
    for step in ("whom", "town", "when", "chat", "skip", "confirm", "consent"):
        if step != "whom" or any(way["whom"] in button.label for button in chat.buttons):
            chat.press(way[step])
    number = newest_case(chat)
    login(client, "sari")
    page = client.get(f"/cases/{number}")
    assert said in page.text
    token = csrf_of(page.text)
    assert client.post(f"/cases/{number}/claim", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    chat.say(f"Kiitos! {wrote} on tärkeää isälle.")
    assert client.post(f"/cases/{number}/reply", data={"csrf_token": token, "text": f"Hei! {answered} sopii."},
                       follow_redirects=False).status_code == 303
    with services.sessions() as session:  # they were written and kept
        texts = " ".join(session.scalars(select(MessageLog.text).where(MessageLog.handoff_id == number)))
        assert wrote in texts and answered in texts
    assert wrote in client.get(f"/cases/{number}/transcript").text
    assert login(client, "sari", f"{said} as a password").status_code == 401  # a password is never logged either
    logged = debug_log.getvalue()
    assert f"case {number}: handoff_claimed" in logged, "the capture is broken: the claim was not logged"
    for marker in (said, wrote, answered):
        assert marker not in logged, f"{marker} was logged"
