"""One validated Settings object, read from the environment and `.env`."""
from __future__ import annotations

import logging
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "xxx", "todo"}


class ConfigError(Exception):
    """A setting is wrong; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every setting of the application; names are stable (see README, Configuration)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["dev", "production"] = Field("dev", alias="APP_ENV")
    database_url: str = Field("sqlite:///lahitori.db", alias="DATABASE_URL")
    default_language: Literal["fi", "sv"] = Field("fi", alias="DEFAULT_LANGUAGE")
    timezone: str = Field("Europe/Helsinki", alias="TIMEZONE")
    data_key: SecretStr | None = Field(None, alias="DATA_KEY")
    # None: in dev the key is generated into the user's config dir (bot.crypto.default_key_file)
    data_key_file: Path | None = Field(None, alias="DATA_KEY_FILE")
    flows_dir: Path = Field(PROJECT_ROOT / "flows", alias="FLOWS_DIR")
    locales_dir: Path = Field(PROJECT_ROOT / "locales", alias="LOCALES_DIR")

    nlu_backend: Literal["embedded", "rasa"] = Field("embedded", alias="NLU_BACKEND")
    nlu_model_path: Path = Field(PROJECT_ROOT / "nlu" / "models" / "embedded.joblib", alias="NLU_MODEL_PATH")
    nlu_data_dir: Path = Field(PROJECT_ROOT / "nlu" / "data", alias="NLU_DATA_DIR")
    rasa_url: str = Field("http://127.0.0.1:5005", alias="RASA_URL")
    rasa_token: SecretStr | None = Field(None, alias="RASA_TOKEN")
    rasa_timeout: float = Field(1.5, gt=0, le=30, alias="RASA_TIMEOUT")

    telegram_token: SecretStr | None = Field(None, alias="TELEGRAM_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_URL")
    telegram_poll_interval: float = Field(0.0, ge=0, le=60, alias="TELEGRAM_POLL_INTERVAL")
    # the bot's @username, for the deep links of staff link codes (t.me/<name>?start=CODE)
    telegram_bot_username: str | None = Field(None, pattern=r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$",
                                              alias="TELEGRAM_BOT_USERNAME")
    webhook_url: str | None = Field(None, alias="WEBHOOK_URL")
    webhook_listen: str = Field("127.0.0.1", alias="WEBHOOK_LISTEN")
    webhook_port: int = Field(8443, ge=1, le=65535, alias="WEBHOOK_PORT")
    webhook_secret: SecretStr | None = Field(None, alias="WEBHOOK_SECRET")
    webhook_cert: Path | None = Field(None, alias="WEBHOOK_CERT")
    webhook_key: Path | None = Field(None, alias="WEBHOOK_KEY")

    # None: 1 on SQLite (its writers take turns anyway), 2 on PostgreSQL (one turn's round trips overlap another's)
    turn_workers: int | None = Field(None, ge=0, le=64, alias="TURN_WORKERS")
    # PostgreSQL: plain dialogue steps commit without waiting for the disk
    # (bot.db.session.commit_without_waiting_for_disk)
    durable_steps: bool = Field(False, alias="DURABLE_STEPS")

    claim_timeout_hours: float = Field(2.0, gt=0, le=240, alias="CLAIM_TIMEOUT_HOURS")
    outbox_interval: float = Field(1.0, gt=0, le=60, alias="OUTBOX_INTERVAL")
    crisis_phone: str = Field("112", alias="CRISIS_EMERGENCY_NUMBER")
    # Retention (bot/handoff/retention.py, `lahitori purge`, daily in `lahitori run`): days after a citizen's last
    # activity without any case, after a case was closed or cancelled, and for audit events and bare case records.
    retention_conversation_days: int = Field(30, ge=1, le=3650, alias="RETENTION_CONVERSATION_DAYS")
    retention_closed_case_days: int = Field(180, ge=1, le=3650, alias="RETENTION_CLOSED_CASE_DAYS")
    retention_log_days: int = Field(730, ge=1, le=3650, alias="RETENTION_LOG_DAYS")
    # The staff console (bot/web, `lahitori web`): where it listens, minutes a session lives without use, and whether
    # its cookie is Secure (None: unless it listens on loopback, where a developer uses plain http).
    web_host: str = Field("127.0.0.1", alias="WEB_HOST")
    web_port: int = Field(8080, ge=1, le=65535, alias="WEB_PORT")
    web_idle_minutes: int = Field(30, ge=1, le=720, alias="WEB_IDLE_MINUTES")
    web_secure_cookie: bool | None = Field(None, alias="WEB_SECURE_COOKIE")
    # Staff notifications by e-mail (bot/channels/email_outbox.py): the case number and a link to the console, never
    # client data. SMTP_HOST unset: no e-mail is sent. CONSOLE_URL (None: http://WEB_HOST:WEB_PORT) starts the links.
    smtp_host: str | None = Field(None, alias="SMTP_HOST")
    smtp_port: int = Field(587, ge=1, le=65535, alias="SMTP_PORT")
    smtp_username: str | None = Field(None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(None, alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(None, alias="SMTP_FROM")
    smtp_starttls: bool = Field(True, alias="SMTP_STARTTLS")
    smtp_timeout: float = Field(30.0, gt=0, le=300, alias="SMTP_TIMEOUT")
    console_url: str | None = Field(None, alias="CONSOLE_URL")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value

    @field_validator("data_key_file", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("smtp_host", "smtp_username", "smtp_password", "smtp_from", "console_url", mode="before")
    @classmethod
    def _none_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("rasa_url", "telegram_api_url", "console_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("smtp_from")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not is_address(parseaddr(value)[1]):
            raise ValueError("must be an e-mail address, e.g. lahitori@hyvinvointialue.fi or "
                             "Lähitori <lahitori@hyvinvointialue.fi>")
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith("https://"):
            raise ValueError("must be a public https:// URL (Telegram only calls https webhooks)")
        return value

    @model_validator(mode="after")
    def _turn_workers(self) -> Settings:
        if self.turn_workers is None:
            self.turn_workers = 2 if self.database_url.startswith("postgresql") else 1
        if self.console_url is None:
            self.console_url = f"http://{self.web_host}:{self.web_port}"
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def is_address(value: str) -> bool:
    """A plausible e-mail address: one @, something on both sides, a dot in the domain, no spaces."""
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in value))


def _smtp_problem(settings: Settings) -> str | None:
    """What is missing for e-mail, once SMTP_HOST is set; None when nothing is."""
    if settings.smtp_host is None:
        return None
    if settings.smtp_from is None:
        return "SMTP_FROM: required when SMTP_HOST is set (the sender address of staff notifications)"
    if settings.smtp_username is not None and settings.smtp_password is None:
        return "SMTP_PASSWORD: required when SMTP_USERNAME is set"
    if settings.smtp_password is not None and settings.smtp_username is None:
        return "SMTP_USERNAME: required when SMTP_PASSWORD is set"
    return None


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "settings"
    field = Settings.model_fields.get(name)
    env_name = field.alias if field and field.alias else name.upper()
    message = first["msg"].removeprefix("Value error, ")  # pydantic's wording for our own validators' ValueError
    return f"configuration error: {env_name}: {message}"


def parse_keys(value: str) -> list[str]:
    """The Fernet keys in a DATA_KEY value or a key file: comma- or line-separated, newest first."""
    return [key.strip() for key in value.replace("\n", ",").split(",") if key.strip()]


def read_key_file(path: Path) -> str:
    """The keys DATA_KEY_FILE holds, as a DATA_KEY value; ConfigError (one line naming DATA_KEY) when unreadable."""
    try:
        keys = parse_keys(path.read_text(encoding="utf-8"))
        mode = path.stat().st_mode
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or "not text"
        raise ConfigError(f"configuration error: DATA_KEY: not set, and DATA_KEY_FILE {path} cannot be read "
                          f"({reason})") from None
    if not keys:
        raise ConfigError(f"configuration error: DATA_KEY: not set, and DATA_KEY_FILE {path} is empty")
    if mode & 0o077:
        logger.warning("DATA_KEY_FILE %s can be read by others than its owner: chmod 600 it", path)
    return ",".join(keys)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings or raise ConfigError with one line naming the variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    problem = _smtp_problem(settings)
    if problem is not None:
        raise ConfigError(f"configuration error: {problem}")
    if settings.smtp_host and settings.smtp_username and not settings.smtp_starttls:
        logger.warning("SMTP_STARTTLS=false: the SMTP password goes to %s unencrypted", settings.smtp_host)
    if settings.is_production:
        if settings.data_key is None and settings.data_key_file is not None:
            settings.data_key = SecretStr(read_key_file(settings.data_key_file))
        if settings.data_key is None or settings.data_key.get_secret_value().lower() in PLACEHOLDERS:
            raise ConfigError("configuration error: DATA_KEY: required when APP_ENV=production "
                              "(a Fernet key, or DATA_KEY_FILE naming a file that holds it; see README)")
        if settings.database_url.startswith("sqlite"):
            logger.warning("APP_ENV=production with SQLite: PostgreSQL is the production database")
    return settings
