"""The view log's domain (bot/handoff/viewlog.py) and the citizen's words for it (bot/handoff/mydata_render.py): who an
audit actor is, per case and per person with refusals, paging and date bounds, and the /mycase and /mydata lines in
Finnish and Swedish, on both databases."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from bot.config import PROJECT_ROOT
from bot.db.models import Citizen, Coordinator, StaffAccount
from bot.handoff import mydata, mydata_render, staff, viewlog
from bot.handoff.audit import record
from bot.handoff.mydata import Person, ViewData
from bot.handoff.staff_errors import PermissionDenied
from bot.i18n import I18n

AT = datetime(2026, 12, 3, 12, 5, tzinfo=UTC)  # 14.05 in Helsinki


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return I18n(PROJECT_ROOT / "locales")


def say(i18n: I18n, lang: str) -> mydata_render.Say:
    return mydata_render.Say(lang=lang, tz="Europe/Helsinki", i18n=i18n, topic_title=lambda topic, _lang: topic)


def admin(session: Session, name: str = "Maija Virtanen", coordinator: Coordinator | None = None) -> StaffAccount:
    account = StaffAccount(username=name.split()[0].lower(), display_name=name, role="admin", language="fi",
                           coordinator_id=coordinator.id if coordinator else None, failed_logins=0, created_at=AT)
    session.add(account)
    session.flush()
    return account


def admin_opens(session: Session, account: StaffAccount, handoff_id: int, at: datetime, view: str = "case") -> None:
    """As the console records an administrator's opening (bot/web/cases.py)."""
    record(session, actor=f"account:{account.id}", action=viewlog.VIEWED, at=at, handoff_id=handoff_id,
           details={"coordinator_id": None, "via": "console", **({"view": view} if view != "case" else {})})


def test_a_case_lists_openings_and_refusals_in_order_with_names_and_paging(session, make_case, person):
    case = make_case(at=AT, coordinator="Sari")
    boss = admin(session)
    staff.view(session, handoff_id=case.id, coordinator_id=person("Sari").id, now=AT)
    admin_opens(session, boss, case.id, AT + timedelta(minutes=5), view="transcript")
    with pytest.raises(PermissionDenied):
        staff.view(session, handoff_id=case.id, coordinator_id=person("Pirjo").id, now=AT + timedelta(minutes=6))
    staff.view(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=AT + timedelta(minutes=7))
    admin_opens(session, boss, case.id, AT + timedelta(minutes=8), view="export")
    record(session, actor="system", action="handoff_claimed", at=AT, handoff_id=case.id)  # not an opening
    session.commit()

    page = viewlog.views_of_case(session, handoff_id=case.id, lang="sv")
    assert [(r.viewer.name, r.viewer.unit, r.view, r.via, r.refused) for r in page.rows] == [
        ("Sari Laine", "Närtorget i Borgå (demo)", "case", None, False),
        ("Maija Virtanen", None, "transcript", "console", False),
        ("Pirjo Karppinen", "Närtorget i Lovisa (demo)", "case", None, True),
        ("Anna Lindholm", "Närtorget i Borgå (demo)", "case", None, False),
        ("Maija Virtanen", None, "export", "console", False),
    ]
    assert [r.viewer.kind for r in page.rows] == ["coordinator", "admin", "coordinator", "coordinator", "admin"]
    assert (page.total, page.pages, page.has_next) == (5, 1, False)
    second = viewlog.views_of_case(session, handoff_id=case.id, page=2, size=2)
    assert [r.at for r in second.rows] == [AT + timedelta(minutes=6), AT + timedelta(minutes=7)]
    assert (second.pages, second.has_previous, second.has_next) == (3, True, True)
    only = viewlog.views_of_case(session, handoff_id=case.id, actor=f"account:{boss.id}", page=None)
    assert [r.view for r in only.rows] == ["transcript", "export"]


def test_one_person_across_cases_within_dates_and_an_account_under_both_its_actors(session, make_case, person):
    sari = person("Sari")
    first, second = make_case(at=AT, coordinator="Sari"), make_case(at=AT, coordinator="Sari")
    boss = admin(session, "Sari Laine", coordinator=sari)  # an administrator who is also a coordinator
    staff.view(session, handoff_id=first.id, coordinator_id=sari.id, now=AT)
    staff.view(session, handoff_id=second.id, coordinator_id=sari.id, now=AT + timedelta(days=1))
    record(session, actor=f"account:{boss.id}", action=viewlog.REFUSED, at=AT + timedelta(days=2),
           details={"attempted": "view_log", "via": "console"})  # before the coordinator was linked, say
    staff.view(session, handoff_id=first.id, coordinator_id=person("Anna").id, now=AT)  # someone else
    session.commit()

    every = viewlog.views_by(session, who=boss)
    assert [(r.case, r.view, r.refused) for r in every.rows] == [(first.id, "case", False),
                                                                (second.id, "case", False), (None, "view_log", True)]
    day = viewlog.views_by(session, who=f"coordinator:{sari.id}", since=AT + timedelta(hours=1),
                           until=AT + timedelta(days=1, seconds=1))
    assert [r.case for r in day.rows] == [second.id]
    assert viewlog.views_by(session, who=f"coordinator:{sari.id}", since=AT, until=AT).rows == ()  # until: exclusive
    between = viewlog.views_between(session, since=AT, until=AT + timedelta(seconds=1))
    assert sorted(r.viewer.name for r in between.rows) == ["Anna Lindholm", "Sari Laine"]


def test_who_an_actor_is(session, person):
    boss, sari = admin(session), person("Sari")
    assert viewlog.viewer(session, f"coordinator:{sari.id}", "fi") == viewlog.Viewer(
        "coordinator", sari.id, "Sari Laine", "palveluohjaaja", "Porvoon lähitori (demo)")
    assert viewlog.viewer(session, f"account:{boss.id}") == viewlog.Viewer("admin", boss.id, "Maija Virtanen")
    assert viewlog.viewer(session, "coordinator:99999").kind == "gone"
    assert viewlog.viewer(session, "account:99999").kind == "gone"
    assert viewlog.viewer(session, "system") == viewlog.Viewer("other", name="system")
    assert viewlog.viewer(session, "coordinator:x").kind == "other"


def test_the_citizen_reads_who_looked_in_both_languages(session, make_case, person, i18n):
    case = make_case(at=AT, coordinator="Anna", lang="sv")
    boss = admin(session)
    staff.view(session, handoff_id=case.id, coordinator_id=person("Anna").id, now=AT)
    admin_opens(session, boss, case.id, AT + timedelta(minutes=1), view="transcript")
    admin_opens(session, boss, case.id, AT + timedelta(minutes=2), view="export")
    record(session, actor="coordinator:99999", action=viewlog.VIEWED, at=AT + timedelta(minutes=3),
           handoff_id=case.id)  # a coordinator since removed from the register
    session.commit()
    now = AT + timedelta(hours=2)
    views = {lang: mydata.views_of(session, [case.id], lang=lang)[case.id] for lang in ("fi", "sv")}
    assert mydata_render.seen_lines(views["fi"], say(i18n, "fi"), now=now) == [
        "Anna Lindholm, Porvoon lähitori (demo), katsoi asiaasi 3.12. klo 14.05",
        "Lähitorin ylläpitäjä Maija Virtanen avasi keskusteluhistoriasi 3.12. klo 14.06",
        "Lähitorin ylläpitäjä Maija Virtanen otti kopion asiastasi 3.12. klo 14.07",
        "Palveluohjaaja, joka ei enää työskentele täällä, katsoi asiaasi 3.12. klo 14.08",
    ]
    assert mydata_render.seen_lines(views["sv"], say(i18n, "sv"), now=now) == [
        "Anna Lindholm, Närtorget i Borgå (demo), såg ditt ärende 3.12 kl. 14.05",
        "Närtorgets administratör Maija Virtanen öppnade din samtalshistorik 3.12 kl. 14.06",
        "Närtorgets administratör Maija Virtanen tog ut en kopia av ditt ärende 3.12 kl. 14.07",
        "En servicehandledare som inte längre arbetar här såg ditt ärende 3.12 kl. 14.08",
    ]
    data = mydata.collect(session, citizen=case_citizen(session, case.citizen_id), now=now, tz="Europe/Helsinki",
                          lang="fi")
    lines = mydata_render.case_lines(data.cases[0], say(i18n, "fi"))
    assert [text for depth, text in lines if depth == 2] == [
        "Anna Lindholm, palveluohjaaja, Porvoon lähitori (demo), 3.12.2026 klo 14.05",
        "Lähitorin ylläpitäjä Maija Virtanen, 3.12.2026 klo 14.06: avasi keskusteluhistoriasi",
        "Lähitorin ylläpitäjä Maija Virtanen, 3.12.2026 klo 14.07: otti kopion asiastasi",
        "Palveluohjaaja, joka ei enää työskentele täällä, 3.12.2026 klo 14.08",
    ]
    exported = json.loads(mydata_render.export(data, say(i18n, "fi"), now=now).data)["cases"][0]["viewed_by"]
    assert [(v["coordinator"], v["administrator"], v["view"]) for v in exported] == [
        ("Anna Lindholm", None, "case"), (None, "Maija Virtanen", "transcript"), (None, "Maija Virtanen", "export"),
        (None, None, "case")]


def case_citizen(session: Session, citizen_id: int | None) -> Citizen:
    return session.get_one(Citizen, citizen_id)


def test_mycase_says_a_repeat_once_names_the_latest_and_gives_the_year_of_an_older_view(i18n):
    sari = Person(1, "Sari Laine", "palveluohjaaja", "Porvoon lähitori")
    reloads = [ViewData(AT + timedelta(seconds=s), sari) for s in (0, 10, 20)]  # one minute, three page loads
    fi = say(i18n, "fi")
    assert mydata_render.seen_lines(reloads, fi, now=AT) == ["Sari Laine, Porvoon lähitori, katsoi asiaasi 3.12. klo "
                                                             "14.05"]
    many = [ViewData(AT + timedelta(minutes=m), sari) for m in range(12)]
    lines = mydata_render.seen_lines(many, fi, now=AT)
    assert lines[0] == "Aiemmat katselut (2) näet komennolla /mydata." and len(lines) == 11
    assert lines[-1].endswith("3.12. klo 14.16")
    old = mydata_render.seen_lines([ViewData(AT, sari)], say(i18n, "sv"), now=AT + timedelta(days=60))
    assert old == ["Sari Laine, Porvoon lähitori, såg ditt ärende 3.12.2026 kl. 14.05"]
    assert mydata_render.seen_lines([], fi, now=AT) == ["Kukaan ei ole vielä avannut asiaasi."]
