"""Pydantic models of a flow file: a discriminated union of step kinds, every text in fi and sv."""
from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LANGS = ("fi", "sv")
ID = r"^[a-z][a-z0-9_]*$"
REF = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$"

# Slots the engine knows: the fields of a recorded need (bot/db/models.py Need).
NEED_SLOTS = ("description", "for_whom", "municipality", "urgency", "contact_preference", "phone", "contact_time")
# Values the engine fills into {placeholders} besides slots.
CONTEXT_VARS = ("coordinator", "title", "unit", "pair", "when", "how", "contact_time_note", "unit_phone", "unit_hours",
                "unit_address", "topic", "where_to_turn")
VALIDATORS = ("non_empty", "phone", "yes_no", "any")

# Slots the need keeps in plaintext columns (bot/handoff/service.py record_need, bot/db/models.py Need), with the
# column's length: only a flow's own option values, or a validator's closed set of answers, may be stored in them.
# description, phone and contact_time are encrypted columns and take the citizen's own words.
PLAINTEXT_SLOTS = {"for_whom": 16, "municipality": 64, "urgency": 16, "contact_preference": 16}
# Validators of an `ask` step whose answer is one of a closed set, never the typed text (bot/dialogue/engine.py
# answer_ask): yes_no stores "yes" or "no". non_empty and any store the text itself, phone a phone number.
CLOSED_VALIDATORS = {"yes_no": ("yes", "no")}
# Slots the bot sets itself and the need keeps in plaintext columns: no flow may declare or store into them.
BOT_SLOTS = ("topic", "topic_confidence")
# The only values a consent text may name: who receives the need and how to reach the unit (the engine's
# proposal_vars) and the need's topic. The text is recorded as shown, unencrypted, so nothing the citizen wrote.
CONSENT_VARS = ("coordinator", "title", "pair", "unit", "unit_phone", "unit_hours", "unit_address", "topic")
# Context values that carry the citizen's own words (besides every slot but topic).
CITIZEN_VARS = ("contact_time_note",)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A citizen-facing text, written in Finnish and in Finland-Swedish."""

    fi: str = Field(min_length=1)
    sv: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.fi


Ref = Annotated[str, Field(pattern=REF, description="a step of this flow, or flow.step")]


class Words(_Strict):
    """More typed answers that pick an option: synonyms and inflected forms citizens write, in both languages."""

    fi: list[Annotated[str, Field(min_length=1)]]
    sv: list[Annotated[str, Field(min_length=1)]]

    def all(self) -> list[str]:
        return [*self.fi, *self.sv]


class Option(_Strict):
    label: Text
    next: Ref
    value: str | None = Field(None, pattern=ID, description="stored in the step's slot when chosen")
    means: Literal["accept", "decline"] | None = Field(None, description="a typed yes picks accept, a typed no decline")
    words: Words | None = Field(None, description="more typed answers that pick this option")


class MessageStep(_Strict):
    kind: Literal["message"]
    text: Text
    next: Ref


class ChoiceStep(_Strict):
    kind: Literal["choice"]
    text: Text
    options: list[Option] = Field(min_length=1, max_length=20)
    slot: str | None = None


class AskStep(_Strict):
    kind: Literal["ask"]
    text: Text
    slot: str
    validate_as: Literal["non_empty", "phone", "yes_no", "any"] = Field("non_empty", alias="validate")
    optional: bool = False
    error: Text | None = None
    next: Ref


class TopicStep(_Strict):
    kind: Literal["topic"]
    text: Text
    menu: bool = True
    routes: dict[str, Ref] = Field(default_factory=dict,
                                   description="intent -> step; service topics default to their flow")
    then: Ref | None = Field(None,
                             description="after a service topic is recognised go here, not to the topic flow's start")
    fallback: Text | None = Field(None, description="said when the message was not understood")


class SummaryStep(_Strict):
    kind: Literal["summary"]
    text: Text
    fields: list[str] = Field(min_length=1)
    confirm_label: Text
    correct_label: Text
    confirm: Ref
    correct: Ref


class ConsentStep(_Strict):
    kind: Literal["consent"]
    text: Text = Field(description="recorded as consented to: must name {coordinator} and {unit}, plain "
                                   "placeholders of CONSENT_VARS only")
    text_unit: Text = Field(description="used when no coordinator is free: must name {unit}")
    yes_label: Text = Field(description="shown as written: no placeholders")
    no_label: Text = Field(description="shown as written: no placeholders")
    yes: Ref
    no: Ref


class HandoffStep(_Strict):
    kind: Literal["handoff"]
    text: Text = Field(description="may use {coordinator}, {title}, {unit}, {when}")
    text_unit: Text
    next: Ref


class InfoStep(_Strict):
    kind: Literal["info"]
    title: Text
    what: Text
    who: Text
    how: Text
    phone: str
    hours: Text
    link: str | None = Field(None, pattern=r"^https://")
    demo: bool = Field(False, description="phone and link are invented demo data")
    next: Ref


class FeedbackStep(_Strict):
    kind: Literal["feedback"]
    text: Text
    comment_text: Text
    thanks: Text
    next: Ref


class EndStep(_Strict):
    kind: Literal["end"]
    text: Text


Step = Annotated[
    MessageStep | ChoiceStep | AskStep | TopicStep | SummaryStep | ConsentStep | HandoffStep | InfoStep | FeedbackStep
    | EndStep,
    Field(discriminator="kind"),
]
WAITING_KINDS = frozenset({"choice", "ask", "topic", "summary", "consent", "feedback"})


class Flow(_Strict):
    """One flow file: an id, an optional service topic it serves, a start step and the steps."""

    id: str = Field(pattern=ID)
    topic: str | None = None
    title: Text
    start: str = Field(pattern=ID)
    slots: list[str] = Field(default_factory=list, description="extra slots this flow uses")
    steps: dict[str, Step] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _step_ids(cls, steps: dict[str, Step]) -> dict[str, Step]:
        for step_id in steps:
            if not re.match(ID, step_id):
                raise ValueError(f"step id {step_id!r} must be lowercase letters, digits and _")
        return steps
