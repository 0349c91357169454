"""The crisis guard on nlu/guard with the real classifier: recall, no false alarms, context, tricks, help kinds."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.dialogue.crisis import (
    GuardContext, acknowledge_instead, already_called, check, help_request, prepare,
)
from nlu.guard_eval import crisis_examples, load_set

ROOT = Path(__file__).resolve().parents[2]
CONTEXTS = ("free", "choice", "slot")
INDIRECT = load_set("crisis_indirect")
EVERYDAY = [t for t, _l, _h in load_set("everyday")]
SHORT = [t for t, _l, _h in load_set("everyday_short")]


def flow_options() -> list[str]:
    """Every option label (fi, sv) and value of flows/*.yaml."""
    found: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            options = node.get("options")
            for option in options if isinstance(options, list) else []:
                if isinstance(option, dict):
                    label = option.get("label")
                    found.update(v for v in (label.values() if isinstance(label, dict) else [label])
                                 if isinstance(v, str))
                    if isinstance(option.get("value"), str):
                        found.add(option["value"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "flows").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted(found)


OPTIONS = flow_options()


@pytest.fixture(scope="session")
def classifier():
    from bot.config import load_settings
    from bot.services import build_classifier

    return build_classifier(load_settings(DATABASE_URL="sqlite://"))


@pytest.fixture(scope="session")
def predict(classifier):
    cache: dict[str, object] = {}

    def run(text: str):
        if text not in cache:
            cache[text] = classifier.predict(text)
        return cache[text]
    return run


def test_the_sets_are_large_enough_in_both_languages() -> None:
    for lang in ("fi", "sv"):
        assert sum(1 for _t, l, _h in INDIRECT if l == lang) >= 60
        assert sum(1 for _t, l, _h in load_set("everyday") if l == lang) >= 100
        assert sum(1 for _t, l, _h in load_set("everyday_short") if l == lang) >= 150
    assert {h for _t, _l, h in INDIRECT} == {"medical", "suicidal", "poisoning", "violence"}
    assert len(OPTIONS) >= 20


@pytest.mark.parametrize(("text", "lang", "help_kind"), INDIRECT)
def test_indirect_crises_are_caught_by_patterns_alone_with_the_right_help(text: str, lang: str,
                                                                          help_kind: str) -> None:
    hit = check(text)
    assert hit is not None and hit.source == "pattern", text
    assert hit.help == help_kind, (text, hit)


def test_every_crisis_example_is_caught_with_the_classifier_in_open_text(predict) -> None:
    missed = [t for t in crisis_examples() + [t for t, _l, _h in INDIRECT] if check(t, predict(t)) is None]
    assert missed == []


def test_no_everyday_message_alarms_in_open_text(predict) -> None:
    alarms = [t for t in EVERYDAY if check(t, predict(t), context=GuardContext("free")) is not None]
    assert alarms == []


@pytest.mark.parametrize("expects", CONTEXTS)
def test_no_short_answer_or_button_label_alarms_in_any_step(predict, expects: str) -> None:
    context = GuardContext(expects=expects)
    alarms = [t for t in SHORT + OPTIONS if check(t, predict(t), context=context) is not None]
    assert alarms == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.sampled_from(SHORT + OPTIONS), expects=st.sampled_from(CONTEXTS),
       shape=st.sampled_from(["same", "upper", "lower", "title", "dot", "spaces", "bang"]))
def test_property_no_everyday_short_text_or_option_triggers(predict, text: str, expects: str, shape: str) -> None:
    shaped = {"same": text, "upper": text.upper(), "lower": text.lower(), "title": text.title(),
              "dot": text + ".", "spaces": f"  {text}  ", "bang": text + "!"}[shape]
    assert check(shaped, predict(shaped), context=GuardContext(expects=expects)) is None


# The testers' reproductions: false alarms of the old guard
FALSE_ALARMS = [
    "kuljetuspalvelu", "1", "isä tarvitsee taksin", "isäni", "isä", "äitini", "mieheni", "vaimoni", "itse",
    "itselle", "mummo", "Minua itseäni", "pappa", "min man", "Mig själv",
    "Mamma bor ensam i Lovisa och har ramlat två gånger.",
    "ei mulla mitään itsetuhoisia ajatuksia, oon vaan tosi väsynyt",
    "kuolen nälkään", "det här tar livet av mig", "tää työ tappaa mut", "jag dör av skratt",
    "ei mulla ole itsetuhoisia ajatuksia", "inga självmordstankar",
    "ring på fredag, imorgon är jag borta", "huomenna olen poissa töistä kun en jaksa enää",
    "imorgon är jag borta på semester, jag orkar inte mer med resan", "jag orkar inte mer",
]


@pytest.mark.parametrize("text", FALSE_ALARMS)
@pytest.mark.parametrize("expects", CONTEXTS)
def test_reported_false_alarms_are_gone(predict, text: str, expects: str) -> None:
    assert check(text, predict(text), context=GuardContext(expects=expects)) is None


MISSED = [
    ("kiitos kaikesta, en ole enää huomenna täällä", "suicidal"),
    ("olen laittanut asiat järjestykseen ja antanut kissan naapurille", "suicidal"),
    ("äiti ei avaa ovea eikä vastaa puhelimeen, valot palaa", "medical"),
    ("montako panadolia pitää ottaa että kuolee", "suicidal"),
    ("hur många sömntabletter är dödligt", "suicidal"),
    ("isän suu on vinossa eikä se saa sanaa suusta", "medical"),
    ("mamma pratar konstigt och ena armen är slapp", "medical"),
    ("mies on diabeetikko ja on ihan sekava ja hikinen", "medical"),
    ("painaa rinnassa ja säteilee käteen", "medical"),
    ("jag orkar inte mer, imorgon är jag borta", "suicidal"),
    ("orkar int mer, snart e ja borta", "suicidal"),
    ("en jaksa enää, huomenna olen poissa", "suicidal"),
    ("en jaksa tätä enää, huomenna mua ei oo", "suicidal"),
]


@pytest.mark.parametrize(("text", "help_kind"), MISSED)
@pytest.mark.parametrize("expects", CONTEXTS)
def test_reported_misses_are_caught_in_every_step(text: str, help_kind: str, expects: str) -> None:
    hit = check(text, context=GuardContext(expects=expects))
    assert hit is not None and hit.source == "pattern" and hit.help == help_kind, hit


@pytest.mark.parametrize("text", [
    "en halua elää", "ei mulla ole itsetuhoisia ajatuksia mutta en jaksa enää elää",
    "inga självmordstankar men jag vill inte leva längre", "en ole itsetuhoinen mutta haluan kuolla",
    "jag orkar inte, självmord känns som enda utvägen", "en jaksa, itsemurha on ainoa tie",
])
def test_a_denial_hides_nothing_else_in_the_message(text: str) -> None:
    hit = check(text)
    assert hit is not None and hit.help == "suicidal", text


def test_denials_and_idioms_leave_a_barrier_no_pattern_crosses() -> None:
    assert "|" in prepare("ei mulla ole itsetuhoisia ajatuksia")
    assert "|" in prepare("det här tar livet av mig")
    assert "|" not in prepare("haluan kuolla")


@pytest.mark.parametrize("text", ["ei mulla  ole itsetuhoisia ajatuksia", "ei mulla ole\nitsetuhoisia ajatuksia",
                                  "inga   självmordstankar", "tää  työ tappaa mut"])
def test_wide_gaps_and_line_breaks_do_not_break_a_denial_or_idiom(text: str) -> None:
    assert check(text) is None


def test_idiom_with_a_threat_still_counts() -> None:
    assert check("se tappaa mut").category == "violence"
    assert check("ja vill ta livet av mig").category == "suicide"


@pytest.mark.parametrize("text", [
    "h a l u a n  k u o l l a", "h.a.l.u.a.n k.u.o.l.l.a", "h a l u a n k u o l l a", "h-a-l-u-a-n kuolla",
    "hаluan kuollа",  # Cyrillic а
    "haluan kuοlla",  # Greek ο
    "іtsemurha",  # Cyrillic і
    "h4lu4n kuo11a", "1tsemurha", "jag vill d0", "$jälvmord", "t@pan itteni",
    "haluuuuuan kuoooolla", "jag vill dööööö",
    "halu\u200ban ku\u200dolla", "själv\u200bmord", "\ufeffhaluan kuolla",
    "ＨＡＬＵＡＮ ＫＵＯＬＬＡ",  # fullwidth
    "h\u0336a\u0336l\u0336u\u0336a\u0336n\u0336 k\u0336u\u0336o\u0336l\u0336l\u0336a\u0336",  # struck through
    "hálúan kúolla", "jäg vïll dö",
])
def test_spelling_tricks_do_not_hide_a_pattern(text: str) -> None:
    hit = check(text)
    assert hit is not None and hit.help == "suicidal", text


def test_numbers_still_work_beside_leetspeak() -> None:
    assert check("soittakaa 112").category == "emergency"
    assert check("h4lp, 112").category == "emergency"
    assert check("040 123 4567") is None and check("0800 147 111") is None


@pytest.mark.parametrize("position", [0, 50_000, 99_900])
def test_long_messages_are_scanned_whole(position: int) -> None:
    filler = "tarvitsen apua kotiin ja kauppaan. "
    text = (filler * 3_000)[:100_000]
    text = text[:position] + " haluan kuolla " + text[position:]
    started = time.process_time()  # CPU time: the shared machine's load does not count
    hit = check(text)
    assert time.process_time() - started < 3.0  # measured 0.6 s
    assert hit is not None and hit.category == "suicide"


def test_a_phrase_across_a_window_edge_is_found() -> None:
    for shift in range(0, 40, 3):
        text = "a" * shift + " sana" * 398 + " haluan kuolla" + " sana" * 400
        assert check(text) is not None, shift


def test_a_normal_message_takes_under_a_millisecond() -> None:
    text = "Isä on 84-vuotias eikä pysty enää kävelemään pysäkille, tarvitsisi kuljetuspalvelua lääkäriin."
    check(text)
    started = time.process_time()
    for _ in range(200):
        check(text)
    assert (time.process_time() - started) / 200 < 0.002  # measured 0.3-0.5 ms of CPU; generous on purpose


@pytest.mark.parametrize(("text", "help_kind", "also"), [
    ("isä kaatui eikä pääse ylös", "medical", set()),
    ("kova rintakipu", "medical", set()),
    ("haluan kuolla", "suicidal", set()),
    ("lapsi joi tiskiainetta", "poisoning", set()),
    ("barnet har druckit diskmedel", "poisoning", set()),
    ("mies otti yliannoksen", "poisoning", {"suicidal"}),
    ("oon kerännyt unilääkkeitä", "suicidal", {"poisoning"}),
    ("mies lyö mua", "violence", set()),
    ("min man slår mig och jag vill dö", "suicidal", {"violence"}),
])
def test_help_kind_follows_the_category(text: str, help_kind: str, also: set[str]) -> None:
    hit = check(text)
    assert hit.help == help_kind and hit.also == also, hit


@pytest.mark.parametrize(("text", "kinds"), [
    ("mikä on kriisipuhelimen numero", {"crisis_line"}),
    ("tarviin kriisipuhelimen numeron", {"crisis_line"}),
    ("mihin voi soittaa kun ahdistaa yöllä", {"crisis_line"}),
    ("myrkytystietokeskuksen numero", {"poison"}),
    ("mikä on hätänumero", {"emergency"}),
    ("nollalinjan numero?", {"nollalinja"}),
    ("116117 numero", {"medical_advice"}),
    ("päivystysavun puhelinnumero", {"medical_advice"}),
    ("vad är numret till kristelefonen", {"crisis_line"}),
    ("vad är numret till giftinformationscentralen", {"poison"}),
    ("vilket nummer ringer man till jourhjälpen", {"medical_advice"}),
    ("vart kan man ringa när man har ångest på natten", {"crisis_line"}),
    ("kan du ge mig nollinjens nummer", {"nollalinja"}),
    ("onko jotain numeroa johon voi soittaa kun on paha olla", {"crisis_line"}),
    ("vem kan jag ringa när jag har ångest", {"crisis_line"}),
    ("finns det nån man kan prata med när man mår dåligt på natten", {"crisis_line"}),
])
def test_help_request_names_the_numbers_asked_for(text: str, kinds: set[str]) -> None:
    assert help_request(text) == kinds
    assert check(text) is None


@pytest.mark.parametrize("text", [
    "haluan kuolla", "isä tarvitsee kuljetuspalvelua", "tarvitsen apua kotiin", "hej", "jag vill ha hemvård",
    "", None, "myrkytystietokeskus on tuttu, mutta haluan kysyä kotihoidosta asiasta joka on pitkä ja monisanainen",
])
def test_help_request_is_empty_without_a_question_for_a_number(text) -> None:
    if text and "myrkytys" in text:
        assert help_request(text) == {"poison"}  # named with a request word: the number is welcome
    else:
        assert help_request(text) == frozenset()


@pytest.mark.parametrize("text", [
    "soitin jo 112", "ambulanssi on tulossa", "ensihoito on jo täällä", "112:een on soitettu",
    "naapuri soitti jo ambulanssin", "soitin jo 112, ambulanssi tulee, mutta tarvitsisin apua isälle kotiin",
    "ja har redan ringt 112", "ambulansen är på väg", "vi har ringt ambulans", "hjälpen är på väg",
])
def test_already_called(text: str) -> None:
    assert already_called(text)


@pytest.mark.parametrize("text", [
    "pitäisikö soittaa 112", "en ole soittanut 112", "soitanko ambulanssin", "ambulanssi ei tule",
    "ska jag ringa 112", "jag har inte ringt 112", "haluan kuolla", "", None,
    "ambulanssi tulee hakemaan huomenna",
])
def test_not_already_called(text) -> None:
    assert not already_called(text)


def test_acknowledge_instead_only_when_112_covers_it() -> None:
    text = "soitin jo 112, ambulanssi tulee, mutta tarvitsisin apua isälle kotiin"
    assert acknowledge_instead(text, check(text))
    suicidal = "soitin jo 112 mutta haluan kuolla"
    assert not acknowledge_instead(suicidal, check(suicidal))
    assert not acknowledge_instead("isä kaatui eikä pääse ylös", check("isä kaatui eikä pääse ylös"))


@pytest.mark.parametrize("expects", CONTEXTS)
@pytest.mark.parametrize("text", ["", None, "\x00", "😀" * 1000, "|" * 5000, "1" * 200_000, "a " * 60_000])
def test_odd_input_in_any_context_never_raises(text, expects: str) -> None:
    result = check(text, context=GuardContext(expects=expects))
    assert result is None or result.source == "pattern"
