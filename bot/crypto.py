"""Encryption at rest of what citizens write (Fernet, key from DATA_KEY)."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError, Settings

logger = logging.getLogger(__name__)


class Cipher:
    """Encrypts and decrypts text; the first key encrypts, every key decrypts (rotation)."""

    def __init__(self, keys: list[bytes]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError):
            raise ConfigError(
                "configuration error: DATA_KEY: not a Fernet key (32 url-safe base64 bytes; "
                "make one with `lahitori keygen`)"
            ) from None

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise ConfigError(
                "configuration error: DATA_KEY: stored data was encrypted with another key "
                "(keep the old key after the new one, comma-separated, to rotate)"
            ) from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def cipher_from_settings(settings: Settings) -> Cipher:
    """Build the cipher; in dev a missing key is generated into DATA_KEY_FILE."""
    if settings.data_key is not None:
        keys = [k.strip().encode() for k in settings.data_key.get_secret_value().split(",") if k.strip()]
        return Cipher(keys)
    if settings.is_production:
        raise ConfigError("configuration error: DATA_KEY: required when APP_ENV=production")
    path = Path(settings.data_key_file)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key() + "\n")
        logger.warning("generated a local data key in %s (dev only; set DATA_KEY in production)", path)
    return Cipher([path.read_text().strip().encode()])


# The SQLAlchemy EncryptedText type needs the cipher at bind time; the services
# builder installs it once at start (a process holds one key set).
_active: Cipher | None = None


def install(cipher: Cipher) -> None:
    global _active
    _active = cipher


def active() -> Cipher:
    if _active is None:
        raise RuntimeError("no data key installed: build services with bot.services.build() first")
    return _active
