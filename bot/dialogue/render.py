"""Turning steps and slots into the citizen's words: service cards, summaries, option matching."""
from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from bot.dialogue.typed import match_means, match_words
from bot.dialogue.validators import format_phone
from bot.flowspec.schema import ChoiceStep, InfoStep, Option, SummaryStep
from bot.i18n import N_
from nlu.text import tokens

if TYPE_CHECKING:
    from bot.dialogue.engine import _Run

FIELD_LABELS = {
    "topic": N_("Topic"),
    "description": N_("Your situation"),
    "for_whom": N_("For whom"),
    "municipality": N_("Municipality"),
    "urgency": N_("Urgency"),
    "contact_preference": N_("How to contact you"),
    "phone": N_("Phone"),
    "contact_time": N_("Best time to reach you"),
}
SUMMARY_TEXT_LIMIT = 600
MIN_BEGINNING = 4  # letters a typed beginning of an option's label needs


def fold(text: str) -> str:
    """Lowercase without accents, for matching typed answers to button labels."""
    text = unicodedata.normalize("NFKD", text.lower().strip())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).strip(" .!?")


class Renderer:
    """Reads the run's state; writes nothing."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    def option_label(self, slot: str, value: Any) -> str | None:
        label = self.run.flows.option_labels.get((slot, value)) if isinstance(value, str) else None
        return label.get(self.run.s.lang) if label else None

    def display(self, slot: str, value: Any) -> str:
        if slot == "topic":
            flow = self.run.flows.flow_for_topic(value)
            return flow.title.get(self.run.s.lang) if flow else str(value)
        if slot == "phone":
            return format_phone(str(value))
        label = self.option_label(slot, value)
        if label is not None:
            return label
        text = str(value)
        return text if len(text) <= SUMMARY_TEXT_LIMIT else text[:SUMMARY_TEXT_LIMIT] + "…"

    def slot_values(self) -> dict[str, str]:
        return {k: self.display(k, v) for k, v in self.run.s.slots.items() if not k.startswith("_") and v is not None}

    def summary(self, step: SummaryStep) -> str:
        slots, lines = self.run.s.slots, []
        fields = ["topic", *[f for f in step.fields if f != "topic"]]
        for field in fields:
            value = slots.get(field)
            if value in (None, ""):
                continue
            if field == "phone" and slots.get("contact_preference") != "phone":
                continue
            label = self.run._(FIELD_LABELS[field]) if field in FIELD_LABELS else field
            lines.append(f"• {label}: {self.display(field, value)}")
        return "\n".join(lines)

    def card(self, step: InfoStep) -> str:
        lang, _, fmt = self.run.s.lang, self.run._, self.run.fmt
        parts = [
            step.title.get(lang),
            fmt(step.what.get(lang)),
            _("Who can get it: {text}").format(text=fmt(step.who.get(lang))),
            _("How to apply: {text}").format(text=fmt(step.how.get(lang))),
            _("Phone: {phone} ({hours})").format(phone=step.phone, hours=step.hours.get(lang)),
        ]
        if step.link:
            parts.append(_("More information: {link}").format(link=step.link))
        if step.demo:
            parts.append(_("(Demo data: the phone number and link are examples.)"))
        return "\n\n".join(parts)

    def match_option(self, step: ChoiceStep, text: str) -> Option | None:
        """A typed answer to buttons, in either language: the option's number, its label, the first words of
        exactly one label ("kirjoittamalla" for "Kirjoittamalla tähän keskusteluun"), then the option's `words`
        ("soittakaa", "ei kiire", "Porvoossa"), then a yes or no for the option that `means` accept or decline.
        A beginning shorter than MIN_BEGINNING letters is no beginning: "en" or "ja" would pick an option by its
        article or a yes. Anything ambiguous is no answer (the engine asks again)."""
        typed = fold(text)
        if typed.isdigit() and 1 <= int(typed) <= len(step.options):
            return step.options[int(typed) - 1]
        if not typed:
            return None
        lang, other = self.run.s.lang, "sv" if self.run.s.lang == "fi" else "fi"
        labels = [(option, fold(option.label.get(code))) for option in step.options for code in (lang, other)]
        exact = [option for option, label in labels if label == typed]
        if exact:
            return exact[0]
        if len(typed) >= MIN_BEGINNING:
            typed_words = tokens(typed)  # by words: "kiitos" begins "Kiitos, tämä riitti"
            begun = {id(option): option for option, label in labels
                     if typed_words and tokens(label)[:len(typed_words)] == typed_words}
            if len(begun) == 1:
                return next(iter(begun.values()))
        return match_words(step.options, text, lang=lang) or match_means(step.options, text)
