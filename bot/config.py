"""Configuration from the environment and an optional `.env` file."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"
BALE_API_URL = "https://tapi.bale.ai"
# Telegram and Bale tokens are both "<numeric bot id>:<secret>".
_TOKEN_PATTERN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{10,200}$")
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/bot.db"


class Platform(enum.StrEnum):
    TELEGRAM = "telegram"
    BALE = "bale"


class BotMode(enum.StrEnum):
    """How updates reach the process: it asks for them (one process per token), or the Bot API
    posts them to our web server (any number of processes behind one URL)."""

    POLLING = "polling"
    WEBHOOK = "webhook"


class ConfigError(Exception):
    """A configuration problem explained in one line, safe to print (never contains the token)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_platform: Platform = Platform.TELEGRAM
    bot_api_url: str = TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    # Connections each engine keeps open, all of them kept (see bot/storage/db.py).
    database_pool_size: int = Field(default=15, ge=1)
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    default_locale: str = "fa"
    timezone: str = "Asia/Tehran"
    # Long-poll timeout for getUpdates, in seconds.
    polling_timeout: int = 10
    # Flood control per person: FLOOD_BURST updates at once, then FLOOD_RATE a second; beyond
    # that the person is asked once to slow down and the rest is dropped. FLOOD_BURST=0: off.
    flood_burst: int = Field(default=8, ge=0)
    flood_rate: float = Field(default=2.0, gt=0)
    # Messages a second the bot sends overall: Telegram allows about 30, and a margin of one
    # keeps its counting and ours from disagreeing. Raise it only if Telegram raised your limit.
    send_rate: int = Field(default=29, ge=1)
    # DEBUG also shows the libraries' start-up detail (alembic, APScheduler) kept out of INFO.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    bot_mode: BotMode = BotMode.POLLING
    # Webhook mode: the public https URL the Bot API posts to (its path is the route we serve)
    # and the secret every POST must prove (a header on Telegram, the URL's last segment on Bale).
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # The process's web server: the webhook route and GET /healthz. In polling mode it runs
    # only when WEB_PORT is set explicitly (a health check for a single polling process).
    web_host: str = "0.0.0.0"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # The dashboard (Mini App): served at /app/ and /api/ whenever the web server runs;
    # WEBAPP_URL is its public https address, used in the chat's buttons (none when unset).
    webapp_url: str | None = None
    # Launch data older than this many seconds is refused (the messenger signs it once, when
    # the page is opened, so this is how long a page stays usable without reopening it).
    webapp_max_age: int = Field(default=86400, ge=60)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        if not _TOKEN_PATTERN.match(value.get_secret_value().strip()):
            # The message must not echo the value: it may be a real secret with a typo.
            raise ValueError("BOT_TOKEN is malformed: expected '<digits>:<secret>' from BotFather")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("webapp_url")
    @classmethod
    def _webapp_url(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        # Telegram and Bale open a Web App button only on https.
        if not value.strip().startswith("https://"):
            raise ValueError("WEBAPP_URL must be the https address of the dashboard's /app/")
        return value.strip()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value) if p]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("ADMIN_IDS must be numeric Telegram ids separated by commas")
            return frozenset(int(p) for p in parts)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in {"fa", "en"}:
            raise ValueError("DEFAULT_LOCALE must be fa or en")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"TIMEZONE {value!r} is not a known time zone") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("bot_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("BOT_API_URL must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _api_of_the_platform(self) -> Settings:
        """BOT_PLATFORM=bale alone is enough; a Bale token is never sent to Telegram (or back)."""
        official = {Platform.TELEGRAM: TELEGRAM_API_URL, Platform.BALE: BALE_API_URL}
        if "bot_api_url" not in self.model_fields_set:
            self.bot_api_url = official[self.bot_platform]
            return self
        for platform, url in official.items():
            if platform is not self.bot_platform and self.bot_api_url == url:
                raise ValueError(
                    f"BOT_API_URL is {platform.value}'s Bot API but BOT_PLATFORM is "
                    f"{self.bot_platform.value}: the token would go to the wrong service"
                )
        return self

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.bot_mode is not BotMode.WEBHOOK:
            return self
        if not self.webhook_url:
            raise ValueError("WEBHOOK_URL is required when BOT_MODE=webhook")
        if self.webhook_secret is None or not self.webhook_secret.get_secret_value():
            raise ValueError("WEBHOOK_SECRET is required when BOT_MODE=webhook")
        # The platform's own rule (Bale: the secret goes into the URL) decides what is valid;
        # imported here because bot.platform imports this module.
        from bot.platform import PROFILES

        try:
            PROFILES[self.bot_platform].webhook(
                self.webhook_url, self.webhook_secret.get_secret_value()
            )
        except ValueError as error:
            # The message names the rule, never the secret.
            raise ValueError(f"WEBHOOK_URL/WEBHOOK_SECRET: {error}") from None
        return self

    @property
    def serves_web(self) -> bool:
        """Whether the process runs its web server: always in webhook mode; in polling mode
        only when WEB_PORT was given, so a plain `python -m bot` opens no port."""
        return self.bot_mode is BotMode.WEBHOOK or "web_port" in self.model_fields_set

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)


def async_database_url(url: str) -> str:
    """Accept the URLs people usually write and pick the async driver we ship."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.removeprefix("sqlite:///")
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url.removeprefix(prefix)
    return url


def load_settings(*, require_token: bool = True, **overrides: object) -> Settings:
    """Settings for the bot; `require_token=False` for commands that never talk to the API."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper() or "configuration"
        if first["type"] == "missing":
            raise ConfigError(
                f"{field} is not set: put it in the environment or in .env "
                "(see README, 'Configuration')"
            ) from None
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{field}: {reason}") from None
    if require_token and settings.bot_token is None:
        raise ConfigError(
            "BOT_TOKEN is not set: put it in the environment or in .env "
            "(see README, 'Configuration')"
        )
    if settings.database_url.startswith("sqlite+aiosqlite:///"):
        path = settings.database_url.removeprefix("sqlite+aiosqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return settings
