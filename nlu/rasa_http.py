"""A `Classifier` that asks a Rasa NLU server over HTTP and falls back when it cannot."""
from __future__ import annotations

import logging
import re

import httpx

from nlu import langid
from nlu.embedded import RANKING_SIZE, decide
from nlu.types import ALL_INTENTS, Classifier, Prediction

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_GAP", "DEFAULT_THRESHOLD", "RasaClassifier", "map_ranking"]

# DIET is overconfident: its top score is high even when it is wrong, so the bar
# is higher than the embedded model's calibrated one.
DEFAULT_THRESHOLD = 0.70
DEFAULT_GAP = 0.20
MAX_CHARS = 2000  # Rasa's tokenizers are slow on huge pastes; the request is near the start


class _RedactToken(logging.Filter):
    """Hide `token=...` in httpx's request log lines (it logs the full URL at INFO)."""

    _pattern = re.compile(r"([?&]token=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._pattern.sub(r"\1***", str(a)) if "token=" in str(a) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


_REDACTOR = _RedactToken()


def map_ranking(payload: dict) -> tuple[tuple[str, float], ...]:
    """Rasa's intent_ranking as contract names, best first; unknown names become out_of_scope."""
    entries = payload.get("intent_ranking") or []
    if not entries and isinstance(payload.get("intent"), dict):
        entries = [payload["intent"]]
    best: dict[str, float] = {}
    for entry in entries:
        name = str(entry.get("name") or "")
        confidence = float(entry["confidence"])
        if not 0.0 <= confidence <= 1.0:
            raise ValueError("confidence out of range")
        intent = name if name in ALL_INTENTS else "out_of_scope"  # nlu_fallback included
        best[intent] = max(best.get(intent, 0.0), confidence)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return tuple(ranked[:RANKING_SIZE])


class RasaClassifier:
    """POSTs to `{url}/model/parse`; on any failure logs one warning and asks `fallback`."""

    backend = "rasa"

    def __init__(self, url: str, *, token: str | None = None, timeout: float = 1.5,
                 threshold: float = DEFAULT_THRESHOLD, gap: float = DEFAULT_GAP,
                 fallback: Classifier) -> None:
        self.url = url.rstrip("/") + "/model/parse"
        self.threshold = threshold
        self.gap = gap
        self.fallback = fallback
        self._params = {"token": token} if token else None
        self._client = httpx.Client(timeout=timeout, headers={"Accept": "application/json"})
        httpx_logger = logging.getLogger("httpx")
        if _REDACTOR not in httpx_logger.filters:
            httpx_logger.addFilter(_REDACTOR)

    def predict(self, text: str) -> Prediction:
        """Rasa's intent through our own threshold and gap, or the fallback's answer."""
        if not isinstance(text, str) or not text.strip():
            return Prediction.nothing(backend=self.backend)
        try:
            response = self._client.post(self.url, params=self._params, json={"text": text[:MAX_CHARS]})
            response.raise_for_status()
            ranking = map_ranking(response.json())
        except httpx.TimeoutException:
            return self._fall_back(text, reason="timeout")
        except httpx.HTTPStatusError as exc:
            return self._fall_back(text, reason=f"HTTP {exc.response.status_code}")
        except httpx.HTTPError as exc:
            return self._fall_back(text, reason=type(exc).__name__)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return self._fall_back(text, reason=f"bad answer ({type(exc).__name__})")
        lang, _ = langid.detect(text)
        return decide(ranking=ranking, threshold=self.threshold, gap=self.gap, lang=lang, backend=self.backend)

    def _fall_back(self, text: str, *, reason: str) -> Prediction:
        # Never log the message text: it may hold health details of a citizen.
        logger.warning("Rasa NLU unavailable (%s); using the fallback classifier", reason)
        try:
            return self.fallback.predict(text)
        except Exception as exc:  # noqa: BLE001 - the fallback should not raise, but be sure
            logger.warning("fallback classifier failed too: %s", type(exc).__name__)
            return Prediction.nothing(backend=self.backend)

    def close(self) -> None:
        """Close the kept-open HTTP connection pool."""
        self._client.close()

    def __enter__(self) -> RasaClassifier:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
