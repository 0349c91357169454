"""The flows in the console (admins), on SQLite and PostgreSQL: a draft checked at its lines, publishing refused
while anything is wrong, the texts side by side with what changed in one language only, versions, rollback; every
change audited; staff see none of it."""
from __future__ import annotations

from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.db.models import AuditEvent, FlowDraft, FlowVersion
from bot.flowspec import versions
from tests.web.conftest import csrf_of, login

INTAKE = (PROJECT_ROOT / "flows" / "intake.yaml").read_text(encoding="utf-8")
OLD_FI, NEW_FI = "Kuinka kiireellinen asia on?", "Kuinka pian tarvitset apua?"


def admin(client) -> str:  # noqa: ANN001
    assert login(client, "boss").status_code == 303
    page = client.get("/flows")
    assert page.status_code == 200
    return csrf_of(page.text)


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if needle in line)


def test_staff_cannot_open_the_flows(client, services):
    assert login(client, "sari").status_code == 303
    for path in ("/flows", "/flows/texts", "/flows/edit/intake.yaml", "/flows/versions/1"):
        assert client.get(path).status_code == 404, path
    with services.sessions() as session:  # each attempt audited, as a case outside one's reach is
        denied = list(session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_permission_denied")))
    assert len(denied) == 4 and {event.details["attempted"] for event in denied} == {"flows"}
    token = csrf_of(client.get("/cases").text)
    assert client.post("/flows/publish", data={"csrf_token": token, "note": "x"}).status_code == 404
    assert client.post("/flows/check/intake.yaml", data={"csrf_token": token, "body": ""}).status_code == 404


def test_an_error_is_shown_at_its_line_and_blocks_publishing_until_fixed(client, services):
    token = admin(client)
    broken = INTAKE.replace("next: contact", "next: kontakti", 1)
    line = line_of(broken, "next: kontakti")
    checked = client.post("/flows/check/intake.yaml", data={"csrf_token": token, "body": broken}).json()
    mine = [p for p in checked["problems"] if p["file"] == "intake.yaml"]
    assert [p["line"] for p in mine] == [line] and "kontakti" in mine[0]["message"]
    assert client.post("/flows/check/intake.yaml", data={"body": broken}).status_code == 403  # CSRF

    saved = client.post("/flows/edit/intake.yaml", data={"csrf_token": token, "body": broken}, follow_redirects=True)
    assert "intake.yaml" in saved.text and f"intake.yaml:{line}" in saved.text
    refused = client.post("/flows/publish", data={"csrf_token": token, "note": "rikki"}, follow_redirects=True)
    assert refused.status_code == 409 and "Korjaa ne ensin" in refused.text
    with services.sessions() as session:
        assert session.scalar(select(FlowVersion.id)) is None

    editor = client.get("/flows/edit/intake.yaml")
    assert f'id="line-{line}"' in editor.text and "next: kontakti" in editor.text

    fixed = INTAKE.replace(OLD_FI, NEW_FI)
    client.post("/flows/edit/intake.yaml", data={"csrf_token": token, "body": fixed})
    assert client.post("/flows/check/intake.yaml", data={"csrf_token": token, "body": fixed}).json() == {
        "problems": []}
    texts = client.get("/flows/texts?only=flagged").text
    assert NEW_FI in texts and "vain suomeksi" in texts  # changed in Finnish only: the Swedish waits
    assert "Hur brådskande är ärendet?" in texts

    assert client.post("/flows/publish", data={"csrf_token": token, "note": ""},
                       follow_redirects=True).status_code == 409  # a note is required
    published = client.post("/flows/publish", data={"csrf_token": token, "note": "ystävällisempi kysymys"},
                            follow_redirects=True)
    assert published.status_code == 200 and "versioksi 1" in published.text
    with services.sessions() as session:
        version = session.scalars(select(FlowVersion)).one()
        assert version.files["intake.yaml"] == fixed and version.created_by == "admin:boss"
        draft = session.scalars(select(FlowDraft)).one()  # the next draft begins from the new version
        assert draft.base_version == version.id and draft.files == version.files
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("flows_%"))
                                       .order_by(AuditEvent.id)))
        assert actions == ["flows_draft_saved", "flows_draft_saved", "flows_published"]


def test_a_version_shows_its_diff_and_rolls_back_as_a_new_version(client, services):
    with services.sessions.begin() as session:
        files = versions.read_files(PROJECT_ROOT / "flows")
        versions.publish(session, files, by="system", note="start")
        versions.publish(session, {**files, "intake.yaml": INTAKE.replace(OLD_FI, NEW_FI)}, by="admin:x", note="2")
    token = admin(client)
    page = client.get("/flows/versions/1")
    assert page.status_code == 200 and f"-      fi: {NEW_FI}" in page.text and f"+      fi: {OLD_FI}" in page.text
    assert client.get("/flows/versions/99").status_code == 404
    done = client.post("/flows/versions/1/rollback", data={"csrf_token": token, "note": "takaisin"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Versio 1 on julkaistu uudelleen versiona 3" in done.text
    with services.sessions() as session:
        newest = versions.latest(session)
        assert newest.id == 3 and newest.files == files and newest.note == "takaisin"
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "flows_rolled_back"))


def test_the_graph_marks_an_unreachable_step_and_a_missing_one_and_links_to_lines(client):
    token = admin(client)
    orphan = "  lonely:\n    kind: message\n    text: {fi: Yksin, sv: Ensam}\n    next: nowhere\n"
    body = INTAKE.rstrip("\n") + "\n" + orphan
    client.post("/flows/edit/intake.yaml", data={"csrf_token": token, "body": body})
    page = client.get("/flows/graph/intake.yaml")
    assert page.status_code == 200 and "<svg" in page.text
    line = line_of(body, "  lonely:")
    assert f'href="/flows/edit/intake.yaml#line-{line}">lonely</a> (message)' in page.text
    item = page.text.split('>lonely</a> (message)')[1].split("</li>\n</ul>")[0]
    assert "[ei tavoitettavissa]" in item and "intake.nowhere <strong>[puuttuva vaihe]</strong>" in item
    contact = page.text.split('>contact</a> (choice)')[1].split("</li>\n</ul>")[0]
    assert "ei tavoitettavissa" not in contact
    assert "xlink:href=\"/flows/edit/intake.yaml#line-" in page.text  # the picture's boxes are links too
    assert client.get("/flows/graph/nosuch.yaml").status_code == 404


def _fields(html: str, button: str | None = None) -> dict[str, str]:
    """The hidden fields of the try-it form that sends `button` (a label), or of the text form."""
    import html as htmlib
    import re

    forms = re.findall(r'<form method="post" action="/flows/try" class="(?:inline|reply)">(.*?)</form>', html, re.S)
    wanted = re.escape(htmlib.escape(button or ""))
    chosen = next(f for f in forms if (button is None and "trial-text" in f)
                  or (button is not None and re.search(rf'<button type="submit">[^<]*{wanted}', f)))
    return {name: htmlib.unescape(value) for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', chosen)}


def test_try_it_runs_the_draft_in_finnish_and_swedish_and_stores_nothing(client, services):
    from bot.db.models import Citizen, Handoff, Need, Outbox

    token = admin(client)
    client.post("/flows/edit/intake.yaml", data={"csrf_token": token, "body": INTAKE.replace(OLD_FI, NEW_FI)})
    page = client.get("/flows/try")
    assert page.status_code == 200 and "Kerro omin sanoin" in page.text

    def say(html: str, text: str) -> str:
        return client.post("/flows/try", data={**_fields(html), "text": text}).text

    def press(html: str, label: str) -> str:
        return client.post("/flows/try", data=_fields(html, label)).text

    html = say(page.text, "mun isä ei enää pääse bussilla kauppaan, tarviis taksikortin")
    html = press(html, "Kyllä, haluan yhteydenoton")
    html = press(html, "Porvoo")
    assert NEW_FI in html  # the draft's words, not the published ones
    html = press(html, "Lähiviikkoina")
    html = press(html, "Kirjoittamalla")
    html = press(html, "Ohita")
    html = press(html, "Kyllä, oikein")
    assert "Sari Laine" in html  # real routing, read from the directory
    html = press(html, "Kyllä, saa välittää")
    assert "Simuloitu: asiaa ei luotu eikä kenellekään ilmoitettu." in html
    assert "haluan kuolla" not in html
    crisis = say(html, "haluan kuolla")
    assert "Kriisivahti" in crisis and "09 2525 0111" in crisis

    tampered = _fields(html)
    tampered["state"] = tampered["state"].replace("intake", "main")
    restarted = client.post("/flows/try", data={**tampered, "text": "hei"}).text
    assert "Kerro omin sanoin" in restarted  # a state not signed for this session starts over

    sv = client.post("/flows/try", data={"csrf_token": token, "action": "restart", "lang": "sv"}).text
    sv = say(sv, "pappa behöver färdtjänst, han kan inte åka buss längre")
    assert "Färdtjänst" in sv
    with services.sessions() as session:
        for model in (Citizen, Need, Handoff, Outbox):
            assert session.scalar(select(model.id)) is None, model.__name__
