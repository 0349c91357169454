"""The crisis guard: every crisis phrasing is caught by the patterns alone; ordinary requests are not."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from bot.dialogue.crisis import CATEGORIES, CLASSIFIER_MIN_CONFIDENCE, CrisisHit, GuardContext, check
from nlu.data_io import load_dir
from nlu.types import Prediction

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = load_dir(ROOT / "nlu" / "data") + load_dir(ROOT / "nlu" / "heldout")
CRISIS = [e.text for e in EXAMPLES if e.intent == "crisis"]
NOT_CRISIS = [e for e in EXAMPLES if e.intent != "crisis"]

# Our own phrasings, in neither nlu/data nor nlu/heldout: spoken forms, typos, no ä/ö/å.
REGRESSION_FI = [
    "haluisin vaan kuolla pois",
    "mä tapan itteni tänä yönä",
    "ajattelen itsemurhaa joka päivä",
    "mulla on pilleri purkki kädessä ja aion ottaa ne kaikki",
    "mun vaimo otti yliannoksen unilääkkeitä",
    "isä kaatu kylppäriin eikä pääse ylös",
    "mummo on lattialla eikä pysty nousemaan",
    "äiti ei herää vaikka ravistan",
    "vaari ei hengitä",
    "rintaan koskee tosi kovaa ja oksettaa",
    "isän toinen käsi ei liiku ja puhe on sammaltavaa",
    "veri ei lakkaa tulemasta haavasta, verta tulee tosi paljon",
    "mies hakkaa mua",
    "naapuri uhkailee mua puukolla",
    "pelkään että mies tappaa mut",
    "lapsi on pudonnut järveen",
    "vauva ei hengitä kunnolla ja on ihan sininen",
    "kaveri viilteli itseään ja vuotaa verta",
    "en jaksa enaa elaa tata elamaa",
    "apuaa",
]
REGRESSION_SV = [
    "jag vill dö",
    "ja tänker ta livet av mig i natt",
    "har självmordstankar hela tiden",
    "min dotter har tagit alla sina tabletter",
    "han har tagit en överdos av heroin",
    "pappa har ramlat i badrummet och kommer inte upp",
    "mormor ligger på golvet sen igår",
    "farfar vaknar inte",
    "mamma andas inte",
    "jag har jätteont i bröstet",
    "pappas ansikte hänger och han pratar sluddrigt",
    "det blöder mycket från armen och slutar inte",
    "min sambo slår mig",
    "han hotar att döda mig med kniv",
    "jag är rädd att han ska döda mig ikväll",
    "barnet har fallit i vattnet",
    "bebisen andas inte",
    "jag har skurit mig i armarna",
    "orkar inte leva langre",
    "hjälp!!!",
]
ORDINARY = [
    # the four named in the brief
    "äiti kaatui viime viikolla ja tarvitsee rollaattorin",
    "pappa behöver hjälp med medicinerna",
    "masennus vaivaa, haluaisin ajan",
    "mieheni juo liikaa",
    # near misses: the same words, no emergency
    "isä kaatuili viime vuonna monta kertaa, saisiko turvarannekkeen",
    "tarviin apua kotiin", "apua hakemuksen täyttämiseen", "hjälp med färdtjänst",
    "mamma ramlade förra månaden och behöver rehabilitering",
    "kuntoutus aivoinfarktin jälkeen", "sydänkohtauksen jälkeinen kuntoutus",
    "pappa har fått en stroke och behöver fysioterapi", "blodprov tid", "verikokeeseen aika",
    "min son dricker för mycket", "ahdistaa ja haluaisin jutella jonkun kanssa",
    "ja e orolig för min mamma som e ensam", "lääkkeet loppuu", "isä ottaa lääkkeet väärin",
    "ja tar mina tabletter på morgonen, kan hemvården påminna", "ensiapukurssi",
    "hyvästi ja kiitos", "päivystyksen aukioloajat", "pelkään kaatumista", "ja e rädd att ramla",
    "miten pääsee ylös sängystä helpommin, onko apuvälineitä", "vessanpönttöön korotus kun ei pääse ylös",
    "mamma har rollator och kommer inte upp i bussen", "hyresvärden hotar med vräkning",
    "en jaksa enää hoitaa äitiä yksin", "orkar inte med städningen", "tappion jälkeen harmittaa",
    # near misses of the patterns for fire, ambulance, cries for help, poisoning, stroke, violence, farewells
    "ambulanssikyydit sairaalaan", "tarvitaanko ambulanssi kun äiti siirretään hoivakotiin",
    "äiti tarvitsee ambulanssin kotiutukseen sairaalasta", "mamma behöver ambulanstransport till sjukhuset",
    "keittiössä palaa valo koko yön", "milloin äiti palaa kotiin", "kattila palaa pohjaan", "ja e utbränd",
    "mulla on hätä äidistä kun se on yksin", "auttakaa hakemuksen kanssa", "hjälp mig att hitta färdtjänst",
    "hjälp med ansökan", "i nödfall kan jag köra själv", "äiti lyö laimin lääkkeensä", "isä hakkaa puita",
    "min ex misshandlade mig för länge sedan och jag vill ha stöd", "vuokrat on rästissä ja häätö uhkaa",
    "äiti sai sydäninfarktin viime vuonna ja tarvitsee kotihoitoa", "isä sai aivoinfarktin ja tarvii kuntoutusta",
    "lapsen puhe on epäselvää, tarvitaanko puheterapiaa", "isällä on ollut aivohalvaus, saako kuntoutusta",
    "lapsella on epilepsia ja kouristuskohtauksia joskus", "ja har kramper i benen på natten",
    "isä nieli lääkkeensä", "barnet har ätit sin medicin", "ja har ätit mina mediciner", "isä söi lääkkeet aamulla",
    "viiltävä kipu vatsassa", "ranne murtui ja sormet on jäykät", "kirjoitin hakemuksen valmiiksi",
    "vi sa farväl till pappa på sjukhuset", "ja gör slut med min pojkvän i dag", "aion tehdä sen huomenna",
    "ja vill inte vakna så tidigt, kan hemvården komma senare", "ja orkar int vakna på morgonen",
    "isän hengitys katkeilee yöllä, uniapnea", "ja drunknar i papper", "han skjuter upp mötet",
    "murtohälytin mummolle", "inbrottslarm till mamma", "handen lyder inte efter stroken",
]

# Phrasings in neither nlu/data nor nlu/heldout that the generalised patterns must catch, with the category
# the crisis answer is chosen by (violence adds Nollalinja).
GENERALISED = [
    ("talo palaa", "emergency"), ("saunassa palaa", "emergency"), ("asunto on täynnä savua", "emergency"),
    ("köket brinner", "emergency"), ("huset brinner", "emergency"),
    ("kutsukaa ambulanssi", "emergency"), ("ambulanssi heti", "emergency"), ("skicka en ambulans", "emergency"),
    ("vi behöver en ambulans hit", "emergency"), ("hätäkeskus", "emergency"), ("nödläge", "emergency"),
    ("joku auttakaa", "emergency"), ("tarviin apua nyt", "emergency"), ("hjälp oss", "emergency"),
    ("kom hit snabbt hjälp", "emergency"), ("isä on hengenvaarassa", "emergency"),
    ("lapsi hukkuu", "not_breathing"), ("pappa drunknar", "not_breathing"),
    ("ruoka juuttui kurkkuun", "not_breathing"), ("mamma kvävs", "not_breathing"),
    ("pulssi ei tunnu", "unconscious"), ("en tunne pulssia", "unconscious"), ("pulsen är borta", "unconscious"),
    ("oon kerännyt unilääkkeitä", "lethal_dose"), ("ja har samlat på sömntabletter", "lethal_dose"),
    ("lapsi söi mummon lääkkeitä", "poisoning"), ("barnet har ätit mormors tabletter", "poisoning"),
    ("hon har tagit en massa piller", "overdose"),
    ("köysi on jo kattoon", "suicide"), ("snaran e klar", "suicide"), ("hirttäydyn tänään", "suicide"),
    ("ja har skrivit ett avskedsbrev", "suicide"), ("isä sanoo tappavansa itsensä", "suicide"),
    ("hon hotar att döda sig", "suicide"), ("inget att leva för", "suicide"),
    ("ja hoppar framför tåget", "suicide"), ("bilen e igång i garaget och ja sitter här", "suicide"),
    ("viilsin ranteet auki", "self_harm"), ("ja har skurit upp mina handleder", "self_harm"),
    ("mieheni hakkaa taas", "violence"), ("mua lyödään", "violence"), ("mamma blir misshandlad", "violence"),
    ("pappa hotar att strypa mamma", "violence"), ("det pågår våld just nu", "violence"),
    ("han skjuter", "violence"), ("tjuven e i huset", "violence"), ("han ska döda mig", "violence"),
    ("isällä on aivoinfarkti nyt", "stroke"), ("äidin puhe on yhtäkkiä sekavaa", "stroke"),
    ("pappa krampar", "seizure"), ("lapsella on epilepsiakohtaus nyt", "seizure"),
    ("poika putosi jään läpi", "child_danger"), ("mummo föll i sjön", "child_danger"),
    ("bebisen e i livsfara", "child_danger"), ("sydänkipuja ja kylmä hiki", "chest_pain"),
    ("det trycker över bröstet", "chest_pain"),
]


@pytest.mark.parametrize("text", CRISIS + REGRESSION_FI + REGRESSION_SV)
def test_patterns_alone_catch_every_crisis_example(text: str) -> None:
    hit = check(text)
    assert hit is not None, text
    assert hit.source == "pattern" and hit.category in CATEGORIES


def test_the_data_has_crisis_examples_in_both_languages() -> None:
    langs = {e.lang for e in EXAMPLES if e.intent == "crisis"}
    assert langs == {"fi", "sv"} and len(CRISIS) >= 100


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_requests_are_not_a_crisis(text: str) -> None:
    assert check(text) is None


def test_false_alarm_rate_on_all_other_examples_is_small() -> None:
    # Measured on the data of this commit: 0 of 2,708.  Tolerate a little as data grows.
    alarms = [e.text for e in NOT_CRISIS if check(e.text) is not None]
    assert len(alarms) / len(NOT_CRISIS) <= 0.01, alarms
    sensitive = [e for e in NOT_CRISIS if e.intent in ("mental_health_substance", "rehabilitation")]
    assert sum(check(e.text) is not None for e in sensitive) / len(sensitive) <= 0.02


@pytest.mark.parametrize(("text", "category"), GENERALISED)
def test_generalised_patterns_catch_new_phrasings_in_their_category(text: str, category: str) -> None:
    hit = check(text)
    assert hit is not None and (hit.category, hit.source) == (category, "pattern"), (text, hit)


def test_killing_oneself_is_suicide_while_a_threat_to_kill_stays_violence() -> None:
    assert check("ja tänker döda mig själv").category == "suicide"
    assert check("sonen säger att han ska döda sig själv").category == "suicide"
    assert check("han ska döda mig").category == "violence"
    assert check("min man hotar att skjuta").category == "violence"


def test_categories_are_meaningful() -> None:
    assert check("äiti kaatui eikä pääse ylös") == CrisisHit(category="fallen", source="pattern", help="medical")
    assert check("ja vill dö").category == "suicide"
    assert check("kova rintakipu").category == "chest_pain"
    assert check("min man slår mig").category == "violence"


def test_classifier_crisis_counts_on_open_text_of_some_length_above_its_bar() -> None:
    ordinary = "voisitteko auttaa minua tämän asian kanssa nyt"  # 7 words: enough for the classifier in "free"
    assert check(ordinary) is None
    sure = Prediction(intent="crisis", confidence=0.99)
    assert check(ordinary, sure) == CrisisHit("crisis", "classifier")
    assert check(ordinary, sure).help == "suicidal"  # the classifier cannot tell the kind: 112 and the crisis line
    fallback = Prediction(intent="out_of_scope", confidence=0.5,
                          extra={"raw_intent": "crisis", "raw_confidence": CLASSIFIER_MIN_CONFIDENCE})
    assert check(ordinary, fallback) == CrisisHit("crisis", "classifier")
    too_weak = Prediction(intent="out_of_scope", confidence=0.5,
                          extra={"raw_intent": "crisis", "raw_confidence": CLASSIFIER_MIN_CONFIDENCE - 0.01})
    assert check(ordinary, too_weak) is None
    ranked = Prediction(intent="out_of_scope", confidence=0.5,
                        ranking=(("crisis", CLASSIFIER_MIN_CONFIDENCE + 0.01), ("greet", 0.2)))
    assert check(ordinary, ranked) is not None
    second = Prediction(intent="home_support", confidence=0.6, ranking=(("home_support", 0.6), ("crisis", 0.35)))
    assert check(ordinary, second) is None
    assert check(ordinary, Prediction.nothing()) is None
    # short replies, button steps and slot answers: the classifier's word alone is not enough
    assert check("isä", sure) is None and check("min man", sure) is None
    assert check(ordinary, sure, context=GuardContext(expects="choice")) is None
    assert check(ordinary, sure, context=GuardContext(expects="slot")) is None
    long_typed = "äiti ei ole syönyt eikä juonut mitään koko päivänä ja on ihan outo"
    assert check(long_typed, sure, context=GuardContext(expects="choice")) is not None
    # no text given: the classifier's bar alone (how benchmarks/nlu_bench.py measures the classifier's part)
    assert check("", sure) is not None


def test_patterns_win_over_the_classifier() -> None:
    assert check("pappa andas int", Prediction(intent="crisis", confidence=1.0)).source == "pattern"


@pytest.mark.parametrize("text", ["", "   ", "😀", "\x00\x01", "x" * 10_000, None])
def test_odd_input_never_raises(text) -> None:
    assert check(text) is None


def test_long_messages_are_checked_whole_and_fast() -> None:
    text = "tarviin apua kotiin ja kauppaan " * 300 + "ja mä haluun kuolla"
    started = time.perf_counter()
    hit = check(text)
    assert time.perf_counter() - started < 0.5
    assert hit is not None and hit.category == "suicide"


@given(st.text(max_size=300))
def test_any_text_gives_a_hit_or_none(text: str) -> None:
    result = check(text)
    assert result is None or result.category in CATEGORIES
