"""Privacy rules of flow validation: a consent text always names the coordinator and the unit and nothing the citizen
wrote, no placeholder can shorten, hide or reach past its value, and the need's unencrypted columns get no free text.
Each bypass is refused as file:line: message."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.models import Need
from bot.db.types import EncryptedText
from bot.dialogue.engine import _Run
from bot.dialogue.ports import Proposal, UnitContact
from bot.flowspec.schema import BOT_SLOTS, CLOSED_VALIDATORS, CONSENT_VARS, NEED_SLOTS, PLAINTEXT_SLOTS, VALIDATORS
from bot.handoff.service import NEED_FIELDS
from tests.flowspec.flowfiles import edit, line_of, problems_of

CONSENT = "flow intake: step consent: "
ALLOWED = "{coordinator}, {title}, {pair}, {unit}, {unit_phone}, {unit_hours}, {unit_address}, {topic}"
FI_NAMES = "olisi {coordinator}, {title}, {unit}."
SV_NAMES = "skulle vara {coordinator}, {title}, {unit}. Om {coordinator} är borta"
TO_WHOM = "(the citizen consents to passing the need to them, and the recorded text must show to whom)"


def consent_line(path: Path, field: str, lang: str) -> int:
    return line_of(path, f"{lang}:", after=f"{field}:" if field != "text" else "kind: consent")


def plain_only(written: str, lang: str, what: str, name: str) -> str:
    return f"{written} in the {lang} text {what}; flow texts take plain placeholders only: write {{{name}}}"


SPEC = "has a format spec (:{spec}), which can shorten or hide the value"


# Consent texts ---------------------------------------------------------------------------------------------------

def test_format_specs_that_would_empty_both_names(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, FI_NAMES, "olisi {coordinator:.0}, {title}, {unit:.0}.")
    line = consent_line(path, "text", "fi")
    assert problems_of(flows_copy) == [
        f"{path}:{line}: {CONSENT}" + plain_only("{coordinator:.0}", "fi", SPEC.format(spec=".0"), "coordinator"),
        f"{path}:{line}: {CONSENT}" + plain_only("{unit:.0}", "fi", SPEC.format(spec=".0"), "unit"),
    ]


@pytest.mark.parametrize(("written", "what", "name"), [
    ("{unit!r}", "has a conversion (!r)", "unit"),
    ("{unit!s}", "has a conversion (!s)", "unit"),
    ("{unit:>0}", SPEC.format(spec=">0"), "unit"),
    ("{unit:{pair}}", SPEC.format(spec="{pair}"), "unit"),  # a nested placeholder is a spec too
    ("{unit[0]}", "reaches into the value ([0])", "unit"),
    ("{unit.__class__}", "reaches into the value (.__class__)", "unit"),
])
def test_a_consent_name_that_is_not_plain(flows_copy: Path, written: str, what: str, name: str):
    path = flows_copy / "intake.yaml"
    edit(path, SV_NAMES, SV_NAMES.replace("{unit}", written))
    assert problems_of(flows_copy) == [f"{path}:{consent_line(path, 'text', 'sv')}: {CONSENT}"
                                       + plain_only(written, "sv", what, name)]


def test_coordinator_attribute_access(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, FI_NAMES, "olisi {coordinator.__class__.__name__}, {title}, {unit}.")
    assert problems_of(flows_copy) == [
        f"{path}:{consent_line(path, 'text', 'fi')}: {CONSENT}"
        + plain_only("{coordinator.__class__.__name__}", "fi", "reaches into the value (.__class__.__name__)",
                     "coordinator")]


def test_consent_text_without_the_coordinator(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, FI_NAMES, "olisi {title}, {unit}.")
    assert problems_of(flows_copy) == [f"{path}:{consent_line(path, 'text', 'fi')}: {CONSENT}the fi consent text must "
                                       f"name the coordinator: add {{coordinator}} {TO_WHOM}"]


def test_consent_text_without_the_unit(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, SV_NAMES, "skulle vara {coordinator}, {title}. Om {coordinator} är borta")
    assert problems_of(flows_copy) == [f"{path}:{consent_line(path, 'text', 'sv')}: {CONSENT}the sv consent text must "
                                       f"name the unit: add {{unit}} {TO_WHOM}"]


def test_escaped_braces_do_not_name_anyone(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, FI_NAMES, "olisi {{coordinator}}, {title}, {{unit}}.")
    line = consent_line(path, "text", "fi")
    assert problems_of(flows_copy) == [
        f"{path}:{line}: {CONSENT}the fi consent text must name the coordinator: add {{coordinator}} {TO_WHOM}",
        f"{path}:{line}: {CONSENT}the fi consent text must name the unit: add {{unit}} {TO_WHOM}",
    ]


def test_text_unit_without_the_unit(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "palveluohjaukseen: {unit}. Siellä", "palveluohjaukseen. Siellä")
    assert problems_of(flows_copy) == [f"{path}:{consent_line(path, 'text_unit', 'fi')}: {CONSENT}the fi consent "
                                       f"text_unit must name the unit: add {{unit}} {TO_WHOM}"]


def test_text_unit_naming_a_coordinator_there_is_not(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "palveluohjaukseen: {unit}. Siellä", "palveluohjaukseen: {unit}, {coordinator}. Siellä")
    assert problems_of(flows_copy) == [
        f"{path}:{consent_line(path, 'text_unit', 'fi')}: {CONSENT}{{coordinator}} in the fi consent text_unit: "
        "text_unit is shown when no coordinator is free, so it would read '–'; name the unit with {unit}"]


@pytest.mark.parametrize("name", ["description", "phone", "contact_time", "contact_time_note", "municipality",
                                  "for_whom", "urgency", "contact_preference", "nickname"])
def test_citizen_data_in_a_consent_text(flows_copy: Path, name: str):
    path = flows_copy / "intake.yaml"
    edit(path, "start: describe\n", "start: describe\nslots: [nickname]\n")  # a flow's own slot is the citizen's too
    edit(path, FI_NAMES, FI_NAMES + f" Asiasi: {{{name}}}.")
    assert problems_of(flows_copy) == [
        f"{path}:{consent_line(path, 'text', 'fi')}: {CONSENT}{{{name}}} in the fi consent text would copy what the "
        f"citizen told into the consent record, which is kept unencrypted; remove it (a consent text may use only "
        f"{ALLOWED})"]


def test_phone_in_the_swedish_text_unit(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "servicehandledningen: {unit}.", "servicehandledningen: {unit}, {phone}.")
    assert problems_of(flows_copy) == [
        f"{path}:{consent_line(path, 'text_unit', 'sv')}: {CONSENT}{{phone}} in the sv consent text_unit would copy "
        f"what the citizen told into the consent record, which is kept unencrypted; remove it (a consent text may "
        f"use only {ALLOWED})"]


def test_a_value_not_filled_in_a_consent_text(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, FI_NAMES, FI_NAMES + " Yhteydenotto {when}.")
    assert problems_of(flows_copy) == [
        f"{path}:{consent_line(path, 'text', 'fi')}: {CONSENT}{{when}} in the fi consent text is not filled in a "
        f"consent text; use only {ALLOWED}"]


def test_a_placeholder_in_a_consent_button(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, 'yes_label: {fi: "Kyllä, saa välittää"', 'yes_label: {fi: "Kyllä, {coordinator} saa"')
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'yes_label:')}: {CONSENT}{{coordinator}} in the fi yes_label: a button label is shown "
        "as written and its placeholders are not filled; remove it"]


def test_the_topic_and_the_units_contacts_may_be_named(flows_copy: Path):
    edit(flows_copy / "intake.yaml", FI_NAMES, FI_NAMES + " Aihe: {topic}. {pair}, {unit_phone}, {unit_hours}.")
    assert problems_of(flows_copy) == []


# Every text --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "written", "what", "name"), [
    ("lähitoriin {unit_phone}.", "lähitoriin {unit_phone:.3}.", "{unit_phone:.3}", SPEC.format(spec=".3"),
     "unit_phone"),
    ("yhteyttä {when}. {how}", "yhteyttä {when!r}. {how}", "{when!r}", "has a conversion (!r)", "when"),
    ("yhteyttä {when}. {how}", "yhteyttä {when}. {how[0]}", "{how[0]}", "reaches into the value ([0])", "how"),
])
def test_a_spec_or_access_in_any_text(flows_copy: Path, old: str, new: str, written: str, what: str, name: str):
    path = flows_copy / "intake.yaml"
    edit(path, old, new)
    line = line_of(path, "fi:", after="kind: handoff")
    assert problems_of(flows_copy) == [f"{path}:{line}: flow intake: step handoff: " + plain_only(written, "fi", what,
                                                                                                  name)]


def test_description_hidden_in_a_message_by_a_spec(flows_copy: Path):
    path = flows_copy / "main.yaml"
    edit(path, "Hei! Olen lähitorin neuvontabotti.", "Hei! Olen lähitorin neuvontabotti{description:.0}.")
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'fi:', after='welcome:')}: flow main: step welcome: "
        + plain_only("{description:.0}", "fi", SPEC.format(spec=".0"), "description")]


# Stored slots ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "validate", "slot"), [
    ("    slot: description\n", "    slot: municipality\n", "non_empty", "municipality"),
    ("    slot: contact_time\n", "    slot: urgency\n", "any", "urgency"),
    ("    slot: phone\n", "    slot: contact_preference\n", "phone", "contact_preference"),
])
def test_free_text_into_a_plaintext_column(flows_copy: Path, old: str, new: str, validate: str, slot: str):
    path = flows_copy / "intake.yaml"
    edit(path, old, new)
    step_id = {"municipality": "describe", "urgency": "contact_time", "contact_preference": "phone"}[slot]
    step = line_of(path, new.strip(), after=f"  {step_id}:")
    assert problems_of(flows_copy) == [
        f"{path}:{step}: flow intake: step {step_id}: an ask step with validate: {validate} stores what the citizen "
        f"types into {slot}, which the need keeps unencrypted; ask {slot} with a choice step whose options have a "
        f"`value` (or use validate: yes_no), or store the answer in description"]


def test_a_closed_validator_may_fill_a_plaintext_column(flows_copy: Path):
    edit(flows_copy / "intake.yaml", "    slot: contact_time\n    validate: any\n",
         "    slot: for_whom\n    validate: yes_no\n")
    assert problems_of(flows_copy) == []


def test_an_option_without_value_into_a_plaintext_column(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "      - value: self\n        label: {fi: Minua itseäni", "      - label: {fi: Minua itseäni")
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'Minua itseäni')}: flow intake: step for_whom: option 1 has no `value`: for_whom is "
        "kept unencrypted in the need and takes only short option values; add `value:` (lowercase letters, digits "
        "and _, at most 16 characters)"]


def test_an_option_value_longer_than_its_column(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "value: no_hurry", "value: no_hurry_at_all_really")
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'no_hurry_at_all_really')}: flow intake: step urgency: option 3: the value "
        "'no_hurry_at_all_really' is longer than the 16 characters the need's urgency column holds; shorten it"]


def test_the_bots_own_slots_cannot_be_stored(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "start: describe\n", "start: describe\nslots: [topic]\n")
    edit(path, "    slot: description\n", "    slot: topic\n")
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'slots: [topic]')}: flow intake: slots: topic is set by the bot and kept unencrypted "
        "in the need; a flow cannot store into it: choose another name",
        f"{path}:{line_of(path, 'slot: topic')}: flow intake: step describe: topic is set by the bot; a flow cannot "
        "store into it: choose another slot",
    ]


def test_a_slot_named_like_the_bots_internals(flows_copy: Path):
    path = flows_copy / "intake.yaml"
    edit(path, "start: describe\n", "start: describe\nslots: [_consent_text]\n")
    assert problems_of(flows_copy) == [
        f"{path}:{line_of(path, 'slots:')}: flow intake: slots: '_consent_text' is not a slot name; use lowercase "
        "letters, digits and _ (names beginning with _ belong to the bot)"]


# The rules' tables against the code they describe -----------------------------------------------------------------

def test_plaintext_slots_are_the_unencrypted_columns_of_the_need():
    columns = Need.__table__.c
    assert set(NEED_FIELDS) == set(NEED_SLOTS)
    plaintext = {name: columns[name].type.length for name in NEED_FIELDS
                 if not isinstance(columns[name].type, EncryptedText)}
    assert plaintext == PLAINTEXT_SLOTS
    assert all(not isinstance(columns[name].type, EncryptedText) for name in BOT_SLOTS)
    assert set(CLOSED_VALIDATORS) <= set(VALIDATORS)
    assert all(len(value) <= min(PLAINTEXT_SLOTS.values()) for values in CLOSED_VALIDATORS.values()
               for value in values)


def test_consent_vars_are_what_the_engine_fills_in():
    unit = UnitContact(1, "Porvoon lähitori", "+358 19 000 0000", "ma–pe 9–16", "Rauhankatu 1")
    assert set(_Run.proposal_vars(Proposal(unit=unit))) | {"topic"} == set(CONSENT_VARS)
