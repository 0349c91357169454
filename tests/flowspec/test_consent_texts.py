"""Consent texts cannot be emptied: whatever an admin does to one, a text that passes validation names the
coordinator and the unit once filled in (a property over random edits), and the engine refuses again at run time
a consent text with anything but plain allowed placeholders."""
from __future__ import annotations

import re
import string
from collections.abc import Iterator

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from bot.db.models import Consent, Need
from bot.db.session import make_sessionmaker
from bot.demo import seed
from bot.dialogue.engine import _Run
from bot.dialogue.ports import Proposal, UnitContact
from bot.flowspec.loader import LoadedFlow
from bot.flowspec.placeholders import BrokenTemplate, UnsafeTemplate, fill_plain
from bot.flowspec.schema import CONSENT_VARS, CONTEXT_VARS, NEED_SLOTS, ConsentStep, Text
from bot.flowspec.validate import check_flows, validate_dir
from bot.i18n import I18n
from tests.auxil.nlu import KeywordClassifier
from tests.conftest import make_settings
from tests.flowspec.flowfiles import FLOWS

COORDINATOR, UNIT = "Sari Laine", "Porvoon lähitori"
PROPOSAL = Proposal(unit=UnitContact(1, UNIT, "+358 19 000 0001", "ma–pe 9–16", "Rauhankatu 1, Porvoo"),
                    coordinator_id=7, coordinator=COORDINATOR, title="palveluohjaaja", pair_id=8, pair="Anna Lindholm")
UNIT_ONLY = Proposal(unit=PROPOSAL.unit)
SECRETS = {"description": "SALAISUUS isä kaatui", "phone": "+358401234567", "contact_time": "SALAISUUS aamulla",
           "contact_time_note": "SALAISUUS toive", "for_whom": "close_one", "municipality": "porvoo"}

LOADED, PROBLEMS = validate_dir(FLOWS)
INTAKE = next(item for item in LOADED if item.flow.id == "intake")
STEP = INTAKE.flow.steps["consent"]
assert isinstance(STEP, ConsentStep) and not PROBLEMS
TARGETS = [(field, lang) for field in ("text", "text_unit") for lang in ("fi", "sv")]


def values(proposal: Proposal) -> dict[str, str]:
    return {k: v for k, v in _Run.proposal_vars(proposal).items() if v is not None} | {"topic": "Kuljetuspalvelu"}


def pieces(text: str) -> list[str]:
    """A text as its literal runs and its {placeholders}: the units an edit inserts or removes."""
    return [piece for piece in re.split(r"(\{[^{}]*\})", text) if piece]


NAMES = [*CONSENT_VARS, *NEED_SLOTS, *CONTEXT_VARS, "", "0", "nobody"]
placeholder = st.builds(lambda name, access, conversion, spec: "{" + name + access + conversion + spec + "}",
                        st.sampled_from(NAMES), st.sampled_from(["", "", "", ".__class__", "[0]", ".upper"]),
                        st.sampled_from(["", "", "", "!r", "!s", "!a"]),
                        st.sampled_from(["", "", "", ":", ":.0", ":.1", ":>0", ":^40", ":{unit}", ":{coordinator}"]))
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzåäöÅÄÖ .,!?–\n{}", max_size=30)
piece = st.one_of(placeholder, words, st.sampled_from(["{{coordinator}}", "{{unit}}", "{", "}", "{{", "}}"]))
edit = st.tuples(st.sampled_from(TARGETS), st.sampled_from(["insert", "remove", "replace"]),
                 st.integers(0, 200), piece)


def edited(step: ConsentStep, edits: list[tuple[tuple[str, str], str, int, str]]) -> dict[tuple[str, str], str]:
    texts = {(field, lang): pieces(getattr(step, field).get(lang)) for field, lang in TARGETS}
    for target, op, position, new in edits:
        parts = texts[target]
        at = position % (len(parts) + (op == "insert")) if parts or op == "insert" else 0
        if op == "insert":
            parts.insert(at, new)
        elif parts and op == "remove":
            parts.pop(at)
        elif parts:
            parts[at] = new
    return {target: "".join(parts) for target, parts in texts.items()}


def passes_validation(texts: dict[tuple[str, str], str]) -> bool:
    try:
        update = {field: Text(fi=texts[(field, "fi")], sv=texts[(field, "sv")]) for field in ("text", "text_unit")}
    except ValidationError:
        return False  # an emptied text: the schema refuses it
    step = STEP.model_copy(update=update)
    flow = INTAKE.flow.model_copy(update={"steps": {**INTAKE.flow.steps, "consent": step}})
    loaded = [LoadedFlow(flow=flow, source=INTAKE.source) if item is INTAKE else item for item in LOADED]
    return not check_flows(loaded)


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "–"


@settings(max_examples=300, deadline=None)
@given(st.lists(edit, max_size=5))
def test_a_consent_text_that_passes_validation_names_the_coordinator_and_the_unit(edits):
    texts = edited(STEP, edits)
    valid = passes_validation(texts)
    event("valid" if valid else "refused")
    if not valid:
        return
    for (field, _lang), template in texts.items():
        proposal = PROPOSAL if field == "text" else UNIT_ONLY
        shown = I18n.tidy(fill_plain(template, values(proposal), allowed=CONSENT_VARS))  # the engine's way
        naive = string.Formatter().vformat(template, (), _Defaulting(values(proposal) | SECRETS))  # any str.format
        for text in (shown, naive):
            assert UNIT in text
            assert COORDINATOR in text or field == "text_unit"
            assert not any(secret in text for secret in SECRETS.values() if secret.startswith(("SALA", "+358")))


def test_the_shipped_consent_texts_pass_and_name_both():
    assert passes_validation(edited(STEP, []))
    for lang in ("fi", "sv"):
        shown = fill_plain(STEP.text.get(lang), values(PROPOSAL), allowed=CONSENT_VARS)
        assert COORDINATOR in shown and UNIT in shown and "Anna Lindholm" in shown


# fill_plain: the run-time rule ------------------------------------------------------------------------------------

def test_fill_plain_fills_plain_names_and_marks_a_missing_one():
    assert fill_plain("{coordinator} ({title}), {unit}. {{x}}", {"coordinator": "Sari", "unit": "Porvoo"},
                      allowed=CONSENT_VARS) == "Sari (–), Porvoo. {x}"


@pytest.mark.parametrize("template", ["{coordinator:.0}", "{unit!r}", "{unit!s}", "{unit[0]}",
                                      "{coordinator.__class__}", "{unit:{coordinator}}", "{description}", "{}", "{0}"])
def test_fill_plain_refuses(template: str):
    with pytest.raises(UnsafeTemplate):
        fill_plain(f"Välitän: {template}", values(PROPOSAL), allowed=CONSENT_VARS)


@pytest.mark.parametrize("template", ["{coordinator", "coordinator}"])
def test_fill_plain_refuses_a_lone_brace(template: str):
    with pytest.raises(BrokenTemplate):
        fill_plain(template, values(PROPOSAL), allowed=CONSENT_VARS)


# The engine: a consent text that got past validation is still refused ---------------------------------------------

@pytest.fixture
def services(sqlite_url: str) -> Iterator[object]:
    from bot.services import build

    built = build(make_settings(sqlite_url), classifier=KeywordClassifier())
    with make_sessionmaker(built.db).begin() as session:
        seed(session)
    yield built
    built.close()


def reach_consent(chat) -> None:  # noqa: ANN001
    chat.start("fi")
    chat.press("Kuljetus")
    chat.press("Kyllä, haluan yhteydenoton")
    chat.say("Isäni ei pääse enää bussilla kauppaan.")
    for label in ("Läheistäni", "Porvoo", "Lähiviikkoina", "Kirjoittamalla", "Ohita", "Kyllä, oikein"):
        chat.press(label)


@pytest.mark.parametrize("tampered", ["{coordinator:.0}, {unit:.0}", "{coordinator}, {unit}: {description}",
                                      "{coordinator.__class__}, {unit!r}"])
def test_the_engine_refuses_a_consent_text_validation_would_refuse(services, caplog: pytest.LogCaptureFixture,
                                                                   tampered: str):
    from tests.auxil.chat import Chat

    intake = services.flows.current().flows["intake"]  # as if the set had been loaded without validation
    step = intake.steps["consent"]
    intake.steps["consent"] = step.model_copy(update={"text": Text(fi=f"Välitänkö tiedot: {tampered}?",
                                                                   sv=f"Får jag skicka: {tampered}?")})
    chat = Chat(services, user="citizen-tampered")
    reach_consent(chat)
    assert "Välitänkö" not in chat.text and "Isäni ei pääse" not in chat.text
    assert "consent text refused" in caplog.text
    with services.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Consent)) == 0
        assert session.scalar(select(func.count()).select_from(Need)) == 1  # kept with the citizen, as after a no


def test_the_engine_records_the_consent_text_as_filled(services):
    from tests.auxil.chat import Chat

    chat = Chat(services, user="citizen-plain")
    reach_consent(chat)
    assert "Palveluohjaajasi olisi" in chat.text
    chat.press("Kyllä, saa välittää")
    with services.sessions() as session:
        consent = session.scalar(select(Consent))
        assert consent is not None and "Palveluohjaajasi olisi" in consent.text and "{" not in consent.text
        assert "Isäni ei pääse" not in consent.text
