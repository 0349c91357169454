"""Privacy rules of a flow: consent texts that always name who receives the need and never what the citizen
wrote (a consent is recorded with its text, unencrypted), and no free text in the need's unencrypted columns.

Each rule yields (location in the flow file, message); validate.py turns them into file:line problems.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from bot.flowspec.placeholders import BrokenTemplate, Placeholder, placeholders
from bot.flowspec.schema import (
    BOT_SLOTS,
    CITIZEN_VARS,
    CLOSED_VALIDATORS,
    CONSENT_VARS,
    CONTEXT_VARS,
    ID,
    LANGS,
    NEED_SLOTS,
    PLAINTEXT_SLOTS,
    AskStep,
    ChoiceStep,
    ConsentStep,
    Flow,
)

Found = tuple[tuple, str]
NO_COORDINATOR = ("coordinator", "title")  # empty in text_unit: it is shown when no coordinator is free
_ALLOWED = ", ".join("{" + name + "}" for name in CONSENT_VARS)


def privacy_problems(flow: Flow) -> Iterable[Found]:
    """Every privacy problem of one flow."""
    yield from _declared_slot_problems(flow)
    for step_id, step in flow.steps.items():
        base = ("steps", step_id)
        found: Iterable[Found] = ()
        if isinstance(step, ConsentStep):
            found = consent_problems(step, citizen_slots=set(NEED_SLOTS) | set(flow.slots))
        elif isinstance(step, (AskStep, ChoiceStep)) and step.slot is not None:
            found = stored_slot_problems(step, step.slot)
        for loc, message in found:
            yield (*base, *loc), f"step {step_id}: {message}"


def _declared_slot_problems(flow: Flow) -> Iterable[Found]:
    for index, slot in enumerate(flow.slots):
        if not re.match(ID, slot):
            yield ("slots", index), (f"slots: {slot!r} is not a slot name; use lowercase letters, digits and _ "
                                     "(names beginning with _ belong to the bot)")
        elif slot in BOT_SLOTS:
            yield ("slots", index), (f"slots: {slot} is set by the bot and kept unencrypted in the need; "
                                     "a flow cannot store into it: choose another name")


def stored_slot_problems(step: AskStep | ChoiceStep, slot: str) -> Iterable[Found]:
    """A slot kept in a plaintext column of the need takes only the flow's own option values or a closed
    validator's answers, never what the citizen typed."""
    if slot in BOT_SLOTS:
        yield ("slot",), f"{slot} is set by the bot; a flow cannot store into it: choose another slot"
        return
    if slot not in PLAINTEXT_SLOTS:
        return
    limit = PLAINTEXT_SLOTS[slot]
    if isinstance(step, AskStep):
        if step.validate_as not in CLOSED_VALIDATORS:
            closed = ", ".join(f"validate: {name}" for name in CLOSED_VALIDATORS)
            yield ("slot",), (f"an ask step with validate: {step.validate_as} stores what the citizen types into "
                              f"{slot}, which the need keeps unencrypted; ask {slot} with a choice step whose "
                              f"options have a `value` (or use {closed}), or store the answer in description")
        return
    for index, option in enumerate(step.options):
        if option.value is None:
            yield ("options", index), (f"option {index + 1} has no `value`: {slot} is kept unencrypted in the need "
                                       f"and takes only short option values; add `value:` (lowercase letters, "
                                       f"digits and _, at most {limit} characters)")
        elif len(option.value) > limit:
            yield ("options", index, "value"), (f"option {index + 1}: the value {option.value!r} is longer than the "
                                                f"{limit} characters the need's {slot} column holds; shorten it")


def consent_problems(step: ConsentStep, *, citizen_slots: set[str]) -> Iterable[Found]:
    """The texts of a consent step: plain placeholders of CONSENT_VARS only, the coordinator and the unit named."""
    for lang in LANGS:
        for field, required in (("text", ("coordinator", "unit")), ("text_unit", ("unit",))):
            try:
                found = placeholders(getattr(step, field).get(lang))
            except BrokenTemplate:
                continue  # reported for every text by validate.py
            for placeholder in found:
                message = _consent_name_problem(placeholder, field, lang, citizen_slots)
                if message:
                    yield (field, lang), message
            names = {placeholder.name for placeholder in found}
            for name in required:
                if name not in names:
                    what = "the coordinator" if name == "coordinator" else "the unit"
                    which = "consent text" if field == "text" else "consent text_unit"
                    yield (field, lang), (f"the {lang} {which} must name {what}: add {{{name}}} (the citizen "
                                          f"consents to passing the need to them, and the recorded text must show "
                                          f"to whom)")
        for field in ("yes_label", "no_label"):
            try:
                found = placeholders(getattr(step, field).get(lang))
            except BrokenTemplate:
                continue
            for placeholder in found:
                yield (field, lang), (f"{placeholder.written()} in the {lang} {field}: a button label is shown "
                                      "as written and its placeholders are not filled; remove it")


def _consent_name_problem(placeholder: Placeholder, field: str, lang: str, citizen_slots: set[str]) -> str | None:
    name, written = placeholder.name, placeholder.written()
    where = f"the {lang} consent {field}"
    if name in CONSENT_VARS:
        if field == "text_unit" and name in NO_COORDINATOR:
            return (f"{written} in {where}: text_unit is shown when no coordinator is free, so it would read "
                    "'–'; name the unit with {unit}")
        return None
    if name not in CONTEXT_VARS and name not in citizen_slots:
        return None  # an unknown placeholder: reported for every text by validate.py
    if (name in citizen_slots or name in CITIZEN_VARS) and name != "topic":
        return (f"{written} in {where} would copy what the citizen told into the consent record, which is kept "
                f"unencrypted; remove it (a consent text may use only {_ALLOWED})")
    return f"{written} in {where} is not filled in a consent text; use only {_ALLOWED}"
