"""The crisis help texts: the right numbers per help kind, in Finnish and Swedish, never a person who is not there."""
from __future__ import annotations

import pytest

from bot.dialogue.crisis import CrisisHit, check
from bot.dialogue.crisis_help import (
    CRISIS_LINE, EMERGENCY, MEDICAL_ADVICE, NOLLALINJA, POISON_LINE, acknowledged_reply, crisis_reply, number_reply,
)

LANGS = ("fi", "sv")
# Words that would say a person is with the citizen now
PRESENCE = ("olen yhä tässä", "olen tässä", "olen täällä", "jag är kvar", "jag finns här", "jag är här")
STAFF = {"fi": "lähitorin työntekijöille", "sv": "närtorgets personal"}
GO_ON = {"fi": "Jatketaan", "sv": "fortsätter"}


def hit(help_kind: str, also: frozenset[str] = frozenset()) -> CrisisHit:
    category = {"medical": "fallen", "suicidal": "suicide", "poisoning": "poisoning", "violence": "violence"}
    return CrisisHit(category=category[help_kind], source="pattern", help=help_kind, also=also)


def test_the_numbers() -> None:
    assert EMERGENCY == "112" and POISON_LINE == "0800 147 111" and NOLLALINJA == "080 005 005"
    assert CRISIS_LINE == {"fi": "09 2525 0111", "sv": "09 2525 0112"} and MEDICAL_ADVICE == "116 117"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("staff", [False, True])
def test_medical_help_is_112_without_the_crisis_line(lang: str, staff: bool) -> None:
    text = crisis_reply(hit("medical"), lang, staff_notified=staff)
    assert "112" in text and CRISIS_LINE["fi"] not in text and CRISIS_LINE["sv"] not in text
    assert POISON_LINE not in text and NOLLALINJA not in text


@pytest.mark.parametrize("lang", LANGS)
def test_suicidal_help_is_112_first_and_the_crisis_line_of_the_language(lang: str) -> None:
    text = crisis_reply(hit("suicidal"), lang, staff_notified=False)
    assert text.index("112") < text.index(CRISIS_LINE[lang])
    assert ("Kriisipuhel" if lang == "fi" else "Kristelefonen") in text
    assert POISON_LINE not in text


@pytest.mark.parametrize("lang", LANGS)
def test_poisoning_help_is_the_poison_centre_and_112_when_unconscious(lang: str) -> None:
    text = crisis_reply(hit("poisoning"), lang, staff_notified=False)
    assert POISON_LINE in text and "112" in text
    assert ("Myrkytystietokesku" if lang == "fi" else "Giftinformationscentralen") in text
    assert ("tajuton" if lang == "fi" else "medvetslös") in text
    assert CRISIS_LINE[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_violence_help_is_112_now_and_nollalinja_for_later(lang: str) -> None:
    text = crisis_reply(hit("violence"), lang, staff_notified=False)
    assert text.index("112") < text.index(NOLLALINJA)
    assert CRISIS_LINE[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
def test_other_help_the_message_calls_for_is_added(lang: str) -> None:
    lethal = crisis_reply(check("oon kerännyt unilääkkeitä"), lang, staff_notified=False)
    assert CRISIS_LINE[lang] in lethal and POISON_LINE in lethal
    overdose = crisis_reply(check("mies otti yliannoksen unilääkkeitä"), lang, staff_notified=False)
    assert POISON_LINE in overdose and CRISIS_LINE[lang] in overdose
    both = crisis_reply(hit("suicidal", frozenset({"violence"})), lang, staff_notified=False)
    assert NOLLALINJA in both


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["medical", "suicidal", "poisoning", "violence"])
def test_no_one_is_said_to_be_there_unless_staff_were_notified(lang: str, kind: str) -> None:
    alone = crisis_reply(hit(kind), lang, staff_notified=False)
    assert not any(p in alone.lower() for p in PRESENCE) and STAFF[lang] not in alone
    assert GO_ON[lang] in alone
    with_staff = crisis_reply(hit(kind), lang, staff_notified=True)
    assert STAFF[lang] in with_staff and "112" in with_staff
    assert with_staff.index("112") < with_staff.index(STAFF[lang])  # still 112 first


def test_the_classifier_alarm_and_an_unknown_language_get_the_full_help() -> None:
    text = crisis_reply(CrisisHit("crisis", "classifier"), "en", staff_notified=False)
    assert "112" in text and CRISIS_LINE["fi"] in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("kind", "number"), [
    ("emergency", "112"), ("crisis_line", CRISIS_LINE["fi"]), ("crisis_line", CRISIS_LINE["sv"]),
    ("poison", POISON_LINE), ("nollalinja", NOLLALINJA), ("medical_advice", MEDICAL_ADVICE),
])
def test_number_reply_gives_the_number_asked_for_and_its_hours(lang: str, kind: str, number: str) -> None:
    text = number_reply(frozenset({kind}), lang)
    assert number in text
    assert ("ympäri vuorokauden" if lang == "fi" else "dygnet runt") in text or kind == "emergency"


@pytest.mark.parametrize("lang", LANGS)
def test_number_reply_for_several_or_none(lang: str) -> None:
    two = number_reply(frozenset({"poison", "emergency"}), lang)
    assert two.index("112") < two.index(POISON_LINE)
    every = number_reply(frozenset(), lang)
    assert all(n in every for n in ("112", POISON_LINE, NOLLALINJA, MEDICAL_ADVICE, CRISIS_LINE[lang]))


@pytest.mark.parametrize(("lang", "words"), [("fi", "112"), ("sv", "112")])
def test_acknowledged_reply_is_short_and_goes_on(lang: str, words: str) -> None:
    text = acknowledged_reply(lang)
    assert words in text and GO_ON[lang] in text and len(text) < 250
    assert CRISIS_LINE[lang] not in text
