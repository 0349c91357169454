"""A deterministic keyword classifier for engine tests that must not depend on a trained model."""
from __future__ import annotations

from nlu.types import Prediction

KEYWORDS = {
    "taksi": "transport_service", "färdtjänst": "transport_service", "kuljetus": "transport_service",
    "kotihoito": "home_support", "hemvård": "home_support", "rollaattori": "assistive_devices",
    "yksinäi": "loneliness_activities", "ensam": "loneliness_activities",
    "joo": "affirm", "ei": "deny", "hei": "greet", "ihminen": "ask_human",
}


class KeywordClassifier:
    def predict(self, text: str) -> Prediction:
        lowered = text.lower()
        for word, intent in KEYWORDS.items():
            if word in lowered:
                return Prediction(intent=intent, confidence=0.9, backend="keyword")
        return Prediction.nothing(backend="keyword")
