"""Settings: the one object that reads the environment and `.env` files.

Nothing else in the package reads `os.environ`. Sources, highest priority first:

1. real environment variables;
2. `.env` in the working directory;
3. `.env` in the user config directory (`openrouter-mcp config-path` prints it), because
   MCP clients launch the server from arbitrary working directories;
4. the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mcp_server_openrouter import _constants as c

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(c.APP_NAME, appauthor=False))


def env_files() -> tuple[Path, ...]:
    """`.env` files in increasing priority (pydantic-settings lets later files win)."""
    return (user_config_dir() / ".env", Path(".env"))


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Every setting of the server, with the environment variable that sets it."""

    model_config = SettingsConfigDict(
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
    )

    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=_alias("OPENROUTER_API_KEY"),
        description="OpenRouter API key (sk-or-…).",
    )
    base_url: str = Field(
        default=c.DEFAULT_BASE_URL,
        validation_alias=_alias("OPENROUTER_BASE_URL"),
        description="Any OpenAI-compatible endpoint.",
    )
    app_url: str = Field(
        default=c.DEFAULT_APP_URL,
        validation_alias=_alias("OPENROUTER_APP_URL"),
        description="Sent as HTTP-Referer for OpenRouter's app attribution.",
    )
    app_title: str = Field(
        default=c.DEFAULT_APP_TITLE,
        validation_alias=_alias("OPENROUTER_APP_TITLE"),
        description="Sent as X-OpenRouter-Title / X-Title.",
    )
    timeout_seconds: float = Field(
        default=c.DEFAULT_TIMEOUT_SECONDS,
        gt=0,
        validation_alias=_alias("OPENROUTER_TIMEOUT"),
        description="Longest wait for a response or between two streamed chunks.",
    )
    connect_timeout_seconds: float = Field(
        default=c.DEFAULT_CONNECT_TIMEOUT_SECONDS,
        gt=0,
        validation_alias=_alias("OPENROUTER_CONNECT_TIMEOUT"),
    )
    max_retries: int = Field(
        default=c.DEFAULT_MAX_RETRIES,
        ge=0,
        le=10,
        validation_alias=_alias("OPENROUTER_MAX_RETRIES"),
        description="Retries for 408/429/5xx and connection failures (not for streams once started).",
    )
    cache_ttl_hours: float = Field(
        default=1.0,
        ge=0,
        validation_alias=_alias("CACHE_TTL_HOURS"),
        description="Freshness of the model catalogue; 0 disables caching.",
    )
    cache_memory_items: int = Field(
        default=256,
        ge=0,
        validation_alias=_alias("CACHE_MEMORY_ITEMS"),
        description="Entries kept in the in-memory LRU (query pages, per-model provider data).",
    )
    cache_responses: bool = Field(
        default=False,
        validation_alias=_alias("CACHE_RESPONSES"),
        description="Answer identical deterministic chat requests (temperature 0 or a seed) from a local cache.",
    )
    cache_responses_max_entries: int = Field(
        default=1000,
        ge=1,
        validation_alias=_alias("CACHE_RESPONSES_MAX_ENTRIES"),
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir(c.APP_NAME, appauthor=False)),
        validation_alias=_alias("OPENROUTER_MCP_CACHE_DIR"),
    )
    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir(c.APP_NAME, appauthor=False)),
        validation_alias=_alias("OPENROUTER_MCP_DATA_DIR"),
    )
    reports_dir: Path | None = Field(
        default=None,
        validation_alias=_alias("OPENROUTER_MCP_REPORTS_DIR"),
        description="Where reports are written; defaults to <data_dir>/reports.",
    )
    progress_interval_seconds: float = Field(
        default=c.DEFAULT_PROGRESS_INTERVAL_SECONDS,
        ge=0,
        validation_alias=_alias("OPENROUTER_MCP_PROGRESS_INTERVAL"),
        description="Least time between two progress notifications of a streamed call.",
    )
    log_level: LogLevel = Field(default="INFO", validation_alias=_alias("OPENROUTER_MCP_LOG_LEVEL"))

    def __init__(self, **values: Any) -> None:
        # The .env locations are resolved per instance: the working directory may change.
        values.setdefault("_env_file", env_files())
        super().__init__(**values)

    @field_validator("api_key", mode="before")
    @classmethod
    def _clean_key(cls, value: object) -> object:
        # `.env` files often carry stray spaces or quotes around the key.
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            value = value.strip().strip("\"'").strip()
            return value or None
        return value

    @field_validator("base_url", mode="before")
    @classmethod
    def _clean_base_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().strip("\"'").strip().rstrip("/")
            if not value.startswith(("http://", "https://")):
                raise ValueError("OPENROUTER_BASE_URL must start with http:// or https://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def resolved_reports_dir(self) -> Path:
        return self.reports_dir if self.reports_dir is not None else self.data_dir / "reports"

    @property
    def model_cache_file(self) -> Path:
        return self.cache_dir / c.MODEL_CACHE_FILENAME

    @property
    def response_cache_file(self) -> Path:
        return self.cache_dir / c.RESPONSE_CACHE_FILENAME

    @property
    def cache_ttl_seconds(self) -> float:
        return self.cache_ttl_hours * 3600

    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None
