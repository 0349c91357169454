"""A staff action notes its update id in its own transaction: run again after a crash (the stored update was not yet
deleted) or redelivered, it acts once; a citizen's update is never noted by the desk."""
from __future__ import annotations

from sqlalchemy import select

from bot.channels.telegram_staff import StaffDesk
from bot.db.models import ProcessedUpdate
from tests.channels.test_staff_handlers import SARI, STRANGER, claim, clock, link, make_case, outbox, staff_services  # noqa: F401

SOURCE = "telegram:700001"


def test_a_staff_reply_run_again_after_a_crash_reaches_the_citizen_once(staff_services):  # noqa: F811
    link(staff_services, "Sari", SARI)
    case = make_case(staff_services)
    claim(staff_services, case, "Sari")
    desk = StaffDesk(staff_services)
    first = desk.handle(user_id=SARI, text=f"/reply {case} Soitan huomenna aamulla.", update=(SOURCE, 77))
    again = desk.handle(user_id=SARI, text=f"/reply {case} Soitan huomenna aamulla.", update=(SOURCE, 77))
    assert first is not None and first.messages, "the first run acts and says so"
    assert again is not None and again.messages == [], "the second does nothing (and is not a citizen's turn)"
    assert len(outbox(staff_services, "relay_out")) == 1


def test_what_is_not_staff_business_is_left_to_the_citizens_turn(staff_services):  # noqa: F811
    desk = StaffDesk(staff_services)
    assert desk.handle(user_id=STRANGER, text="hei", update=(SOURCE, 78)) is None
    with staff_services.sessions() as session:
        assert session.scalars(select(ProcessedUpdate.update_id)).all() == [], "the turn notes it, not the desk"
