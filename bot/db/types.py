"""Column types: encrypted text and UTC timestamps."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table, Text, event
from sqlalchemy.types import TypeDecorator

from bot import crypto


class EncryptedText(TypeDecorator[str]):
    """Free text a citizen wrote, Fernet-encrypted at rest."""

    impl = Text
    cache_ok = True
    where = ""  # "table.column", set when the column joins its table: named when no key opens a value

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else crypto.active().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else crypto.active().decrypt(value, where=self.where)


class EncryptedJSON(TypeDecorator[dict]):
    """A JSON document that may hold citizen text (conversation slots), encrypted at rest."""

    impl = Text
    cache_ok = True
    where = ""

    def process_bind_param(self, value: dict | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return crypto.active().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))

    def process_result_value(self, value: str | None, dialect: Any) -> dict | None:
        return None if value is None else json.loads(crypto.active().decrypt(value, where=self.where))


ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON)


@event.listens_for(Column, "after_parent_attach")
def _name_encrypted_column(column: Column, table: object) -> None:
    if isinstance(column.type, ENCRYPTED_TYPES) and isinstance(table, Table):
        column.type.where = f"{table.name}.{column.name}"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
