"""Encryption at rest of what citizens write (Fernet, keys from DATA_KEY or DATA_KEY_FILE)."""
from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.config import ConfigError, Settings, parse_keys, read_key_file

logger = logging.getLogger(__name__)

LEGACY_KEY_FILE = Path(".lahitori-data.key")  # where dev kept its key before: next to the database


class Cipher:
    """Encrypts and decrypts text; the first key encrypts, every key decrypts (rotation)."""

    def __init__(self, keys: list[bytes]) -> None:
        try:
            self._fernets = [Fernet(key) for key in keys]
            self._fernet = MultiFernet(self._fernets)
        except (ValueError, TypeError):
            raise ConfigError(
                "configuration error: DATA_KEY: not a Fernet key (32 url-safe base64 bytes; "
                "make one with `lahitori keygen`)"
            ) from None
        self._raw = [base64.urlsafe_b64decode(key) for key in keys]

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str, *, where: str = "") -> str:
        """The text; ConfigError (one line naming DATA_KEY and, when given, the table.column) when no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            place = f"{where}; " if where else ""
            raise ConfigError(
                "configuration error: DATA_KEY: stored data was encrypted with another key "
                f"({place}keep the old key after the new one, comma-separated, to rotate)"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether the newest key opens this token: only its HMAC is checked, nothing is decrypted."""
        try:
            self._fernets[0].extract_timestamp(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True

    def rotate(self, token: str) -> str | None:
        """The token re-encrypted under the newest key (its timestamp kept), or None when it already is.
        Raises InvalidToken when no key opens it."""
        if self.is_current(token):
            return None
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except UnicodeError:
            raise InvalidToken from None

    def derived_keys(self, purpose: str) -> list[bytes]:
        """32-byte keys for another use (an HMAC, say), one per data key, newest first: HKDF-SHA256 of each key
        with the purpose as its info, so no two purposes share a key and none reveals a data key. They rotate with
        DATA_KEY: make new values with the first and accept any."""
        if not purpose:
            raise ValueError("a derived key needs a purpose")
        info = b"lahitori/" + purpose.encode("utf-8")
        return [HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw) for raw in self._raw]


def derived_keys(cipher: Cipher, purpose: str) -> list[bytes]:
    """`cipher.derived_keys(purpose)`: 32-byte keys for that purpose, newest first."""
    return cipher.derived_keys(purpose)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def default_key_file() -> Path:
    """Dev's generated key: `$XDG_CONFIG_HOME/lahitori/data.key`, else `~/.config/lahitori/data.key`."""
    base = os.environ.get("XDG_CONFIG_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return root / "lahitori" / "data.key"


def _generate(path: Path, *, private_dir: bool) -> None:
    if private_dir:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return
    except OSError as error:
        raise ConfigError(f"configuration error: DATA_KEY_FILE: cannot create {path} ({error.strerror})") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key() + "\n")
    logger.warning("generated a local data key in %s (dev only; set DATA_KEY or DATA_KEY_FILE in production)", path)


def _dev_key_file(settings: Settings) -> tuple[Path, bool]:
    """The file dev keeps its key in, and whether its directory is ours to make private."""
    if settings.data_key_file is not None:
        return settings.data_key_file, False
    if LEGACY_KEY_FILE.is_file():
        logger.warning("using the data key in %s, next to the database: move it to %s (or point DATA_KEY_FILE at "
                       "it)", LEGACY_KEY_FILE.resolve(), default_key_file())
        return LEGACY_KEY_FILE, False
    return default_key_file(), True


def cipher_from_settings(settings: Settings) -> Cipher:
    """Build the cipher from DATA_KEY; else from DATA_KEY_FILE; in dev a missing key file is generated."""
    if settings.data_key is not None:
        return Cipher([key.encode() for key in parse_keys(settings.data_key.get_secret_value())])
    if settings.is_production:
        raise ConfigError("configuration error: DATA_KEY: required when APP_ENV=production")
    path, private_dir = _dev_key_file(settings)
    if not path.exists():
        _generate(path, private_dir=private_dir)
    return Cipher([key.encode() for key in parse_keys(read_key_file(path))])


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
