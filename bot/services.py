"""The objects built once at start and passed in: sessions, flows, i18n, classifier, engine, clock."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine as DbEngine
from sqlalchemy.orm import Session, sessionmaker

from bot import crypto
from bot.config import Settings
from bot.db.session import make_engine, make_sessionmaker, require_migrated
from bot.db.types import utcnow
from bot.dialogue.engine import Engine
from bot.flowspec.registry import FlowRegistry
from bot.i18n import I18n
from nlu.types import Classifier

logger = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: DbEngine
    sessions: sessionmaker[Session]
    flows: FlowRegistry
    i18n: I18n
    classifier: Classifier
    engine: Engine
    clock: Callable[[], datetime] = field(default=utcnow)

    def topic_title(self, topic: str, lang: str) -> str:
        flow = self.flows.current().flow_for_topic(topic)
        return flow.title.get(lang) if flow else topic

    def close(self) -> None:
        self.db.dispose()


def build_classifier(settings: Settings) -> Classifier:
    from nlu.factory import build_classifier as build

    return build(backend=settings.nlu_backend, rasa_url=settings.rasa_url,
                 rasa_token=settings.rasa_token.get_secret_value() if settings.rasa_token else None,
                 model_path=settings.nlu_model_path, data_dir=settings.nlu_data_dir, timeout=settings.rasa_timeout)


def build(settings: Settings, *, classifier: Classifier | None = None, check_migrated: bool = True,
          clock: Callable[[], datetime] | None = None) -> Services:
    """Build everything; raises ConfigError, NotMigrated or FlowsInvalid with a clear message."""
    crypto.install(crypto.cipher_from_settings(settings))
    db = make_engine(settings.database_url)
    if check_migrated:
        require_migrated(db)
    registry = FlowRegistry(settings.flows_dir)
    i18n = I18n(settings.locales_dir)
    return Services(settings=settings, db=db, sessions=make_sessionmaker(db), flows=registry, i18n=i18n,
                    classifier=classifier if classifier is not None else build_classifier(settings),
                    engine=Engine(registry=registry, i18n=i18n), clock=clock or utcnow)
