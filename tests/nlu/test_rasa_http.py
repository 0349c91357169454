"""RasaClassifier against a tiny local HTTP server with canned Rasa answers, and a dead port."""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from nlu.rasa_http import RasaClassifier, map_ranking
from nlu.types import ALL_INTENTS, Prediction

SECRET_TEXT = "salainen viesti 040-1234567"
TOKEN = "s3cr3t-token"


def rasa_answer(*ranking: tuple[str, float]) -> dict:
    entries = [{"name": name, "confidence": conf} for name, conf in ranking]
    return {"text": "x", "intent": entries[0] if entries else None, "entities": [], "intent_ranking": entries}


# What the canned server answers, by the text it receives.
CANNED: dict[str, tuple[int, bytes]] = {
    "rollaattori": (200, json.dumps(rasa_answer(("assistive_devices", 0.97), ("home_support", 0.02))).encode()),
    "unsure": (200, json.dumps(rasa_answer(("home_support", 0.55), ("housing_services", 0.40))).encode()),
    "close call": (200, json.dumps(rasa_answer(("home_support", 0.80), ("housing_services", 0.75))).encode()),
    "unknown name": (200, json.dumps(rasa_answer(("weather_talk", 0.99), ("greet", 0.01))).encode()),
    "fallback": (200, json.dumps(rasa_answer(("nlu_fallback", 0.7), ("crisis", 0.5), ("greet", 0.1))).encode()),
    "not json": (200, b"<html>oops</html>"),
    "wrong shape": (200, b'{"intent_ranking": [{"name": "greet", "confidence": "high"}]}'),
    "server error": (500, b'{"error": "boom"}'),
    "slow": (200, json.dumps(rasa_answer(("greet", 0.99))).encode()),
}


class Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        url = urlparse(self.path)
        Handler.seen.append({"path": url.path, "query": parse_qs(url.query), "body": body})
        if body["text"] == "slow":
            time.sleep(1.0)
        status, payload = CANNED.get(body["text"], (200, json.dumps(rasa_answer(("greet", 0.99))).encode()))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args: object) -> None:
        pass


class Fallback:
    def __init__(self) -> None:
        self.calls = 0

    def predict(self, text: str) -> Prediction:
        self.calls += 1
        return Prediction(intent="greet", confidence=0.42, backend="fallback")


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def fallback() -> Fallback:
    return Fallback()


@pytest.fixture()
def rasa(server_url: str, fallback: Fallback) -> Iterator[RasaClassifier]:
    with RasaClassifier(server_url, token=TOKEN, timeout=5.0, threshold=0.7, gap=0.2, fallback=fallback) as c:
        yield c


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_maps_a_confident_answer(rasa: RasaClassifier, fallback: Fallback) -> None:
    prediction = rasa.predict("rollaattori")
    assert prediction.intent == "assistive_devices"
    assert prediction.confidence == pytest.approx(0.97)
    assert prediction.backend == "rasa"
    assert prediction.lang == "fi"
    assert prediction.ranking[0] == ("assistive_devices", pytest.approx(0.97))
    assert fallback.calls == 0


def test_posts_to_model_parse_with_the_token(rasa: RasaClassifier) -> None:
    Handler.seen.clear()
    rasa.predict("rollaattori")
    (request,) = Handler.seen
    assert request["path"] == "/model/parse"
    assert request["query"] == {"token": [TOKEN]}
    assert request["body"] == {"text": "rollaattori"}


def test_no_token_no_query(server_url: str, fallback: Fallback) -> None:
    Handler.seen.clear()
    with RasaClassifier(server_url + "/", threshold=0.7, gap=0.2, fallback=fallback) as rasa:
        rasa.predict("rollaattori")
    assert Handler.seen[0]["query"] == {}
    assert Handler.seen[0]["path"] == "/model/parse"


def test_own_threshold_overrides_overconfident_diet(rasa: RasaClassifier) -> None:
    prediction = rasa.predict("unsure")
    assert prediction.intent == "out_of_scope"
    assert prediction.extra == {"raw_intent": "home_support", "raw_confidence": 0.55, "fallback": "low_confidence"}


def test_ambiguity_gap(rasa: RasaClassifier) -> None:
    prediction = rasa.predict("close call")
    assert prediction.intent == "out_of_scope"
    assert prediction.extra["fallback"] == "ambiguous"


def test_unknown_names_and_nlu_fallback_become_out_of_scope(rasa: RasaClassifier) -> None:
    assert rasa.predict("unknown name").intent == "out_of_scope"
    prediction = rasa.predict("fallback")
    assert prediction.intent == "out_of_scope"
    assert dict(prediction.ranking)["crisis"] == pytest.approx(0.5)  # the crisis guard can still see it
    assert {name for name, _ in prediction.ranking} <= ALL_INTENTS


def test_map_ranking_merges_duplicates_and_sorts() -> None:
    payload = rasa_answer(("foo", 0.3), ("greet", 0.5), ("bar", 0.1))
    assert map_ranking(payload) == (("greet", 0.5), ("out_of_scope", 0.3))
    assert map_ranking({"intent": {"name": "deny", "confidence": 0.9}}) == (("deny", 0.9),)


@pytest.mark.parametrize("text", ["not json", "wrong shape", "server error", "slow"])
def test_bad_answers_use_the_fallback(server_url: str, fallback: Fallback, text: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    timeout = 0.2 if text == "slow" else 5.0
    with caplog.at_level(logging.WARNING, logger="nlu.rasa_http"), RasaClassifier(
            server_url, timeout=timeout, threshold=0.7, gap=0.2, fallback=fallback) as rasa:
        prediction = rasa.predict(text)
    assert prediction.backend == "fallback"
    assert fallback.calls == 1
    warnings = [r for r in caplog.records if r.name == "nlu.rasa_http"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING


def test_dead_port_uses_the_fallback_and_never_logs_text_or_token(
        fallback: Fallback, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        with RasaClassifier(f"http://127.0.0.1:{dead_port()}", token=TOKEN, timeout=0.5,
                            threshold=0.7, gap=0.2, fallback=fallback) as rasa:
            prediction = rasa.predict(SECRET_TEXT)
    assert prediction == Prediction(intent="greet", confidence=0.42, backend="fallback")
    assert fallback.calls == 1
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Rasa NLU unavailable" in logged
    assert SECRET_TEXT not in logged and "salainen" not in logged
    assert TOKEN not in logged


def test_httpx_request_log_hides_the_token(rasa: RasaClassifier, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="httpx"):
        rasa.predict("rollaattori")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged


def test_empty_text_is_not_sent(rasa: RasaClassifier) -> None:
    Handler.seen.clear()
    assert rasa.predict("  ").intent == "out_of_scope"
    assert rasa.predict(None).intent == "out_of_scope"  # type: ignore[arg-type]
    assert Handler.seen == []


def test_fallback_that_raises_is_contained(server_url: str) -> None:
    class Broken:
        def predict(self, text: str) -> Prediction:
            raise RuntimeError("boom")

    with RasaClassifier(f"http://127.0.0.1:{dead_port()}", threshold=0.7, gap=0.2, fallback=Broken()) as rasa:
        assert rasa.predict("moi").intent == "out_of_scope"
