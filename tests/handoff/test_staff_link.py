"""Linking a chat with a one-time code: 130 random bits in Crockford's base32, stored as an HMAC under a key derived
from the data key, 24 hours at most, once; forged, expired, used, or made under a removed key: refused."""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot import crypto
from bot.db.models import AuditEvent, StaffLinkCode
from bot.handoff import staff, staff_link
from tests.conftest import TEST_KEY
from tests.handoff.conftest import helsinki

NOW = helsinki(2026, 11, 24, 10, 0)
SHOWN = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{4}){4}")


@pytest.fixture(autouse=True)
def data_key():
    """The test key again after a test that rotated keys."""
    yield
    crypto.install(crypto.Cipher([TEST_KEY.encode()]))


def audit(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def refused(session, error: type[staff.StaffError], call, **kwargs):  # noqa: ANN001
    """Call inside the transaction, catch, commit: the way the staff UI must call (the refusal stays audited)."""
    with pytest.raises(error) as caught:
        call(session, **kwargs)
    session.commit()
    return caught.value


def crockford(value: int) -> str:
    """`value` as 26 characters of Crockford's base32: what a forger would send."""
    return "".join(staff_link.CODE_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(26)))


# The code itself ---------------------------------------------------------------------------------------------

def test_a_code_is_130_random_bits_shown_in_groups_and_read_the_way_people_type_it(session, person):
    codes = {staff.create_link_code(session, coordinator_id=person("Sari").id, now=NOW, created_by="admin")
             for _ in range(20)}
    assert len(codes) == 20 and all(SHOWN.fullmatch(code) for code in codes)
    assert len(staff_link.CODE_ALPHABET) ** staff_link.CODE_LENGTH >= 2**128

    code = "0LIO1-ABCDE-FGHJ-KMNP-QRST-VWXY"
    assert staff_link.normalise_code(code) == "01101ABCDEFGHJKMNPQRSTVWXY"
    for typed in ("01101abcdefghjkmnpqrstvwxy", " oli01 abcde fghj kmnp qrst vwxy ", "O1IO1-ABCDE-FGHJ-KMNP-QRST-VWXY"):
        assert staff_link.normalise_code(typed) == staff_link.normalise_code(code), typed
    assert staff_link.shown("01101abcdefghjkmnpqrstvwxy") == "01101-ABCDE-FGHJ-KMNP-QRST-VWXY"
    assert not staff_link.well_formed("01101ABCDEFGHJKMNPQRSTVWXU")  # U is not in Crockford's alphabet
    assert not staff_link.well_formed("01101ABCDEFGHJKMNPQRSTVWX")  # one short
    assert staff_link.deep_link(code, bot_username="@lahitori_bot") == \
        "https://t.me/lahitori_bot?start=01101ABCDEFGHJKMNPQRSTVWXY"
    with pytest.raises(ValueError):
        staff_link.deep_link(code, bot_username="not a bot")


def test_the_code_links_as_typed_once_and_never_appears_in_the_database(session, person):
    sari = person("Sari")
    code = staff.create_link_code(session, coordinator_id=sari.id, now=NOW, created_by="admin")
    session.commit()
    assert staff.coordinator_for_chat(session, chat_id=5551) is None

    typed = f" {code.lower().replace('-', ' ').replace('0', 'o').replace('1', 'l')} "  # as a person types it
    linked = staff.link_account(session, code=typed, chat_id=5551, now=NOW + timedelta(minutes=5))
    session.commit()
    assert linked.id == sari.id and sari.telegram_chat_id == "5551"
    assert staff.coordinator_for_chat(session, chat_id="5551").id == sari.id

    refused(session, staff.CodeUsed, staff.link_account, code=code, chat_id=6662, now=NOW + timedelta(minutes=6))
    assert staff.coordinator_for_chat(session, chat_id=6662) is None
    assert [e.details["reason"] for e in audit(session, "staff_link_failed")] == ["CodeUsed"]
    assert len(audit(session, "staff_linked")) == 1
    assert audit(session, "staff_link_code_created")[0].actor == "admin"
    plain = staff_link.normalise_code(code)
    everything = " ".join(str(v) for v in session.execute(text("SELECT actor, action, details FROM audit_event")))
    everything += " ".join(str(v) for v in session.execute(text("SELECT * FROM staff_link_code")))
    assert code not in everything and plain not in everything


def test_a_database_dump_holds_an_hmac_under_a_derived_key_not_a_hash_of_the_code(session, person):
    code = staff.create_link_code(session, coordinator_id=person("Anna").id, now=NOW, created_by="admin")
    session.commit()
    [stored] = session.execute(text("SELECT code_hash FROM staff_link_code")).scalars()
    plain = staff_link.normalise_code(code)
    guesses = {hashlib.sha256(form.encode()).hexdigest() for form in (plain, code, code.lower(), plain.lower())}
    assert stored not in guesses, "a plain hash would let a dump be checked against guesses offline"
    [key] = crypto.active().derived_keys("staff link code")
    assert key != base64.urlsafe_b64decode(TEST_KEY) and len(key) == 32
    assert stored == staff_link.code_hash(code, key) != staff_link.code_hash(code, secrets.token_bytes(32))


# Refusals ----------------------------------------------------------------------------------------------------

def test_a_forged_code_of_128_random_bits_is_refused(session, person):
    staff.create_link_code(session, coordinator_id=person("Sari").id, now=NOW, created_by="admin")
    session.commit()
    forged = crockford(secrets.randbits(128))
    assert staff_link.well_formed(forged)
    refused(session, staff.InvalidCode, staff.link_account, code=forged, chat_id=31337, now=NOW)
    assert staff.coordinator_for_chat(session, chat_id=31337) is None
    [failure] = audit(session, "staff_link_failed")
    assert (failure.actor, failure.details) == ("chat:31337", {"reason": "InvalidCode", "coordinator_id": None})


def test_link_code_expires_and_a_new_one_replaces_the_old(session, person):
    anna = person("Anna").id
    code = staff.create_link_code(session, coordinator_id=anna, now=NOW, ttl=timedelta(hours=1), created_by="admin")
    session.commit()
    refused(session, staff.CodeExpired, staff.link_account, code=code, chat_id=77, now=NOW + timedelta(hours=1))
    assert person("Anna").telegram_chat_id is None
    assert audit(session, "staff_link_failed")[0].details == {"reason": "CodeExpired", "coordinator_id": anna}

    old = staff.create_link_code(session, coordinator_id=anna, now=NOW, created_by="admin")
    new = staff.create_link_code(session, coordinator_id=anna, now=NOW + timedelta(minutes=1), created_by="admin")
    session.commit()
    refused(session, staff.CodeExpired, staff.link_account, code=old, chat_id=77, now=NOW + timedelta(minutes=2))
    assert staff.link_account(session, code=new, chat_id=77, now=NOW + timedelta(minutes=2)).first_name == "Anna"


def test_a_code_lives_24_hours_at_most(session, person):
    sari = person("Sari").id
    for ttl in (timedelta(hours=24, seconds=1), timedelta(days=14), timedelta(0)):
        with pytest.raises(ValueError, match="at most 24 hours"):
            staff.create_link_code(session, coordinator_id=sari, now=NOW, ttl=ttl, created_by="admin")
    code = staff.create_link_code(session, coordinator_id=sari, now=NOW, created_by="admin")  # the default: 24 h
    session.commit()
    refused(session, staff.CodeExpired, staff.link_account, code=code, chat_id=5, now=NOW + timedelta(hours=24))
    assert session.scalar(select(StaffLinkCode.expires_at)) == NOW + timedelta(hours=24)


def test_a_code_made_under_a_removed_data_key_is_refused_and_a_rotation_keeps_live_codes(session, person):
    old, new = crypto.Cipher([TEST_KEY.encode()]), crypto.new_key().encode()
    sari = staff.create_link_code(session, coordinator_id=person("Sari").id, now=NOW, created_by="admin")
    anna = staff.create_link_code(session, coordinator_id=person("Anna").id, now=NOW, created_by="admin")
    session.commit()

    crypto.install(crypto.Cipher([new, TEST_KEY.encode()]))  # rotation: the new key first, the old one kept
    assert staff.link_account(session, code=sari, chat_id=1001, now=NOW).first_name == "Sari"
    leena = staff.create_link_code(session, coordinator_id=person("Leena").id, now=NOW, created_by="admin")
    session.commit()
    made_now = session.scalar(select(StaffLinkCode.code_hash).where(StaffLinkCode.coordinator_id == person("Leena").id))
    assert made_now == staff_link.code_hash(leena, crypto.active().derived_keys("staff link code")[0])
    assert made_now != staff_link.code_hash(leena, old.derived_keys("staff link code")[0])

    crypto.install(crypto.Cipher([new]))  # the old key removed
    refused(session, staff.InvalidCode, staff.link_account, code=anna, chat_id=1002, now=NOW)
    assert staff.coordinator_for_chat(session, chat_id=1002) is None
    assert staff.link_account(session, code=leena, chat_id=1003, now=NOW).first_name == "Leena"
    session.commit()


def test_an_inactive_coordinator_cannot_link_or_be_found(session, person):
    mikko = person("Mikko")
    code = staff.create_link_code(session, coordinator_id=mikko.id, now=NOW, created_by="admin")
    mikko.active = False
    session.commit()
    refused(session, staff.CoordinatorInactive, staff.link_account, code=code, chat_id=88, now=NOW)
    with pytest.raises(staff.CoordinatorInactive):
        staff.create_link_code(session, coordinator_id=mikko.id, now=NOW, created_by="admin")
    mikko.active, mikko.telegram_chat_id = True, "88"
    session.commit()
    assert staff.coordinator_for_chat(session, chat_id=88).id == mikko.id
    mikko.active = False  # left the job: the chat no longer opens the staff side
    session.commit()
    assert staff.coordinator_for_chat(session, chat_id=88) is None


def test_wrong_codes_are_audited_and_throttled(session, person):
    code = staff.create_link_code(session, coordinator_id=person("Leena").id, now=NOW, created_by="admin")
    session.commit()
    for wrong in ("ABCDEFGH", "short", "", crockford(secrets.randbits(130)), code[:-1] + "U"):
        refused(session, staff.InvalidCode, staff.link_account, code=wrong, chat_id=99, now=NOW)
    refused(session, staff.TooManyAttempts, staff.link_account, code=code, chat_id=99, now=NOW + timedelta(minutes=30))
    failures = audit(session, "staff_link_failed")
    assert len(failures) == 6 and {e.actor for e in failures} == {"chat:99"}
    assert [e.details["reason"] for e in failures][-2:] == ["InvalidCode", "TooManyAttempts"]
    later = NOW + timedelta(minutes=91)  # the window slides: an hour after the last refusal
    assert staff.link_account(session, code=code, chat_id=99, now=later).first_name == "Leena"


def test_a_chat_linked_to_someone_else_is_refused(session, person):
    person("Sari").telegram_chat_id = "42"
    code = staff.create_link_code(session, coordinator_id=person("Anna").id, now=NOW, created_by="admin")
    session.commit()
    refused(session, staff.ChatAlreadyLinked, staff.link_account, code=code, chat_id=42, now=NOW)
    assert session.scalar(select(StaffLinkCode)).used_at is None  # the code still works from the right chat
