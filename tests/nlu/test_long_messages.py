"""Long messages: sentences, head-and-tail cut, the long messages' calibration and extra["topics"]."""
from __future__ import annotations

import pytest

from nlu.embedded import MAX_TOPICS, TOPIC_MIN_CONFIDENCE, EmbeddedClassifier, EmbeddedModel
from nlu.features import HEAD_CHARS, MAX_CHARS, prepare, segments
from nlu.types import SERVICE_TOPICS

# Our own phrasings, in none of nlu/data, nlu/dev, nlu/heldout: the background first, the need last.
LONG = [
    ("Moi. Mun mummo on 94 ja asuu vielä yksin rivitalossa. Me käydään siellä sunnuntaisin mutta muuten "
     "se on yksin. Viime viikolla se oli unohtanu syödä kaks päivää. Sais sille jonkun käymään joka päivä?",
     "home_support", "fi"),
    ("Isa on 82 ja asuu kylalla. Ajokortti otettiin pois viime kuussa. Kauppaan on 12 km eika bussia kulje. "
     "Miten se paasis asioille?", "transport_service", "fi"),
    ("Hej. Min mamma e 87 och har bott ensam sen pappa dog. Hon har börjat tappa balansen och håller sig i "
     "väggarna. Ja e orolig att hon ska falla. Var kunde hon få nåt med hjul att stöda sig på?",
     "assistive_devices", "sv"),
    ("Ja har vari hemma med barnen i tre år och min man jobbar borta. Ungarna e två och fyra och bråkar hela "
     "tiden. Ja orkar int mera. Finns det nån som kunde komma hem och hjälpa en barnfamilj?",
     "family_services", "sv"),
]

TWO_NEEDS = [
    ("Isä ei pääse enää bussilla lääkäriin ja tarttis jonkun kyydin. Lisäksi sen rollaattori on hajonnut ja "
     "pitäis saada uusi.", {"transport_service", "assistive_devices"}),
    ("Ja kan int använda nätbanken och koderna har gått ut. Och så räcker pensionen int till hyran, kunde ja "
     "få nåt bostadsbidrag?", {"digital_support", "financial_support"}),
]


@pytest.fixture(scope="module")
def classifier(trained_model: EmbeddedModel) -> EmbeddedClassifier:
    return EmbeddedClassifier(trained_model)


def test_segments_split_sentences_and_mark_requests() -> None:
    parts = segments("Mun äiti on 88 ja asuu yksin. Hei! Voisko sille saada apua kotiin?\nKiitos jo etukäteen")
    assert [p.text for p in parts] == [
        "mun aiti on 88 ja asuu yksin", "voisko sille saada apua kotiin?", "kiitos jo etukateen"]
    assert [p.is_request for p in parts] == [False, True, False]
    assert [p.is_request for p in segments("Pappa e redan 90 år. Kunde han få hemvård")] == [False, True]
    assert segments("") == [] and segments("!!! ...") == []


def test_a_long_message_keeps_its_beginning_and_its_end() -> None:
    text = "Vähän taustaa ensin. " + "Isä on ollut pitkään sairaana ja asuu yksin. " * 60 + "Tarvitsemme rollaattorin."
    prepared = prepare(text)
    assert len(prepared) <= MAX_CHARS < len(text)
    assert prepared.startswith("vahan taustaa ensin.") and prepared.endswith("tarvitsemme rollaattorin.")
    assert prepared.index("tarvitsemme") > HEAD_CHARS
    kept = segments(text)
    assert kept[0].text == "vahan taustaa ensin" and kept[-1].text == "tarvitsemme rollaattorin"
    assert sum(len(s.text) for s in kept) <= MAX_CHARS


@pytest.mark.parametrize(("text", "intent", "lang"), LONG)
def test_background_first_and_the_need_last_is_understood(classifier: EmbeddedClassifier, text: str,
                                                           intent: str, lang: str) -> None:
    prediction = classifier.predict(text)
    assert prediction.extra["top_intent"] == intent and prediction.lang == lang
    assert prediction.intent in (intent, "out_of_scope")  # never a wrong topic; unsure is the fallback
    # raw_intent, raw_confidence and ranking keep their meaning: the whole text's, before the fallback
    assert prediction.extra["raw_intent"] == prediction.ranking[0][0]
    assert prediction.extra["raw_confidence"] == prediction.ranking[0][1]


def test_most_long_messages_are_answered(classifier: EmbeddedClassifier) -> None:
    assert sum(classifier.predict(text).intent == intent for text, intent, _ in LONG) >= len(LONG) - 1


def test_the_need_after_a_very_long_background_is_found(classifier: EmbeddedClassifier) -> None:
    background = " ".join(["Äiti on asunut samassa talossa viisikymmentä vuotta ja tuntee kaikki naapurit."] * 20)
    prediction = classifier.predict(background + " Nyt hän tarvitsisi pyörätuolin lainaan, mistä sellaisen saa?")
    # the whole text alone leans to the background; its request sentence carries the answer
    assert prediction.extra["top_intent"] == "assistive_devices"
    assert prediction.extra["topics"] == [["assistive_devices", pytest.approx(1.0, abs=0.05)]]


@pytest.mark.parametrize(("text", "needs"), TWO_NEEDS)
def test_two_needs_in_two_sentences_give_two_topics(classifier: EmbeddedClassifier, text: str,
                                                    needs: set[str]) -> None:
    prediction = classifier.predict(text)
    topics = prediction.extra["topics"]
    assert {intent for intent, _ in topics} == needs
    assert prediction.intent in needs  # the overall answer is one of them


def test_topics_are_confident_service_topics_best_first(classifier: EmbeddedClassifier) -> None:
    for text, _needs in TWO_NEEDS:
        topics = classifier.predict(text).extra["topics"]
        assert 1 <= len(topics) <= MAX_TOPICS
        assert all(intent in SERVICE_TOPICS and confidence >= TOPIC_MIN_CONFIDENCE for intent, confidence in topics)
        assert [c for _, c in topics] == sorted((c for _, c in topics), reverse=True)
        assert len({intent for intent, _ in topics}) == len(topics)


@pytest.mark.parametrize("text", ["tarviin rollaattorin", "hej, min mamma behöver hemvård", "kiitos ja hei hei"])
def test_one_sentence_has_no_topics(classifier: EmbeddedClassifier, text: str) -> None:
    assert classifier.predict(text).extra["topics"] == []


def test_background_alone_adds_no_topic(classifier: EmbeddedClassifier) -> None:
    text, intent, _ = LONG[0]
    assert [i for i, _ in classifier.predict(text).extra["topics"]] in ([], [intent])


def test_long_messages_have_their_own_calibrated_pair(trained_model: EmbeddedModel) -> None:
    assert 0.0 <= trained_model.long_threshold < 0.95 and 0.0 <= trained_model.long_gap < 0.5
    default = EmbeddedClassifier(trained_model)
    assert (default.long_threshold, default.long_gap) == (trained_model.long_threshold, trained_model.long_gap)
    strict = EmbeddedClassifier(trained_model, threshold=1.01, gap=0.0)  # a given pair holds for every message
    prediction = strict.predict(LONG[0][0])
    assert prediction.intent == "out_of_scope" and prediction.extra["fallback"] == "low_confidence"
    assert prediction.extra["raw_intent"] == "home_support"


def test_a_long_message_is_judged_by_the_long_pair(trained_model: EmbeddedModel) -> None:
    classifier = EmbeddedClassifier(trained_model)
    classifier.long_threshold, classifier.threshold = 0.0, 1.01
    assert classifier.predict(LONG[1][0]).intent == "transport_service"
    assert classifier.predict("tarviin rollaattorin").intent == "out_of_scope"
