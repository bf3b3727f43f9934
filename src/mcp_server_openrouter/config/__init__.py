"""Settings: the one object that reads the environment and `.env` files.

Nothing else in the package reads `os.environ`. Sources, highest priority first:

1. real environment variables;
2. `.env` in the working directory;
3. `.env` in the user config directory (`openrouter-mcp config-path` prints it), because
   MCP clients launch the server from arbitrary working directories;
4. the defaults below.

Trust is another order: the environment, then the user config `.env`, then the working directory's `.env` — which may
belong to a project just cloned, since MCP clients start stdio servers inside the project folder. The key is only ever
sent to a base URL from a place at least as trusted as the key's own, and the cache, data and reports directories
follow the same rule; otherwise `Settings()` raises `UnsafeSettingsError` naming the file and the setting. Each
instance records where its key, base URL and directories came from (`origin()`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, field_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import register_secret
from mcp_server_openrouter.config._checks import key_problem as _key_problem
from mcp_server_openrouter.config._checks import url_problem as _url_problem
from mcp_server_openrouter.config._host import host_variables
from mcp_server_openrouter.config._http import HttpSettings
from mcp_server_openrouter.config._sources import (
    ARGUMENTS,
    DEFAULT,
    ENVIRONMENT,
    GUARDED,
    READING,
    TRACKED,
    Found,
    Origin,
    Reading,
    Trust,
    as_paths,
    every_origin,
    file_origin,
    key_trust,
    origins_of,
    raw_values,
    readable,
    user_config_dir,
)
from mcp_server_openrouter.config._spending import SpendingSettings
from mcp_server_openrouter.config._spending import alias as _alias
from mcp_server_openrouter.errors import UnsafeSettingsError

__all__ = [
    "ARGUMENTS",
    "DEFAULT",
    "ENVIRONMENT",
    "Origin",
    "Settings",
    "Trust",
    "UnsafeSettingsError",
    "env_files",
    "env_name",
    "file_origin",
    "host_variables",
    "user_config_dir",
]

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def env_files() -> tuple[Path, ...]:
    """`.env` files in increasing priority (pydantic-settings lets later files win)."""
    return (user_config_dir() / ".env", Path(".env"))


class Settings(BaseSettings, SpendingSettings, HttpSettings):
    """Every setting of the server, with the environment variable that sets it."""

    model_config = SettingsConfigDict(
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        case_sensitive=False,
        # Validation errors never quote a value: it may be the key, or a URL holding it.
        hide_input_in_errors=True,
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
    max_stream_seconds: float = Field(
        default=c.DEFAULT_MAX_STREAM_SECONDS,
        ge=0,
        validation_alias=_alias("OPENROUTER_MAX_STREAM_SECONDS"),
        description="Longest a streamed reply may last in all, keep-alives included; 0: no limit.",
    )
    max_retries: int = Field(
        default=c.DEFAULT_MAX_RETRIES,
        ge=0,
        le=10,
        validation_alias=_alias("OPENROUTER_MAX_RETRIES"),
        description="Retries for 408/429/5xx and connection failures (not for streams once started).",
    )
    max_retry_wait_seconds: float = Field(
        default=c.MAX_RETRY_WAIT_SECONDS,
        ge=0,
        validation_alias=_alias("OPENROUTER_MAX_RETRY_WAIT"),
        description="Most seconds one call may spend waiting to retry; a longer wait fails at once, saying when.",
    )
    max_concurrency: int = Field(
        default=c.DEFAULT_MAX_CONCURRENCY,
        ge=1,
        le=256,
        validation_alias=_alias("OPENROUTER_MAX_CONCURRENCY"),
        description="Upstream requests open at once, process-wide; more wait in turn (FIFO).",
    )
    free_requests_per_minute: int = Field(
        default=c.DEFAULT_FREE_REQUESTS_PER_MINUTE,
        ge=0,
        validation_alias=_alias("OPENROUTER_FREE_RPM"),
        description="Client-side limit for `:free` models per key, requests a minute; 0: no limit.",
    )
    foreground_timeout_seconds: float = Field(
        default=c.DEFAULT_FOREGROUND_TIMEOUT_SECONDS,
        gt=0,
        validation_alias=_alias("OPENROUTER_FOREGROUND_TIMEOUT"),
        description="A chat call still running after this long returns a job id and the text so far.",
    )
    max_output_tokens: int = Field(
        default=c.DEFAULT_MAX_OUTPUT_TOKENS,
        ge=1000,
        validation_alias=_alias("OPENROUTER_MCP_MAX_OUTPUT_TOKENS"),
        description="Largest tool answer (estimated tokens); longer replies come in pages.",
    )
    job_ttl_seconds: float = Field(
        default=c.DEFAULT_JOB_TTL_SECONDS,
        gt=0,
        validation_alias=_alias("OPENROUTER_MCP_JOB_TTL"),
        description="How long a finished job's result is kept.",
    )
    max_jobs: int = Field(
        default=c.DEFAULT_MAX_JOBS,
        ge=1,
        validation_alias=_alias("OPENROUTER_MCP_MAX_JOBS"),
        description="Finished jobs kept at most (the oldest go first).",
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
    default_model: str | None = Field(
        default=None,
        validation_alias=_alias("OPENROUTER_DEFAULT_MODEL"),
        description="The model of a chat call that names none.",
    )
    fallback_models: str = Field(
        default="",
        validation_alias=_alias("OPENROUTER_FALLBACK_MODELS"),
        description="Comma-separated models tried in order when the model cannot answer, unless a call names its own.",
    )
    allowed_dirs: str = Field(
        default="",
        validation_alias=_alias("OPENROUTER_ALLOWED_DIRS"),
        description="Where local images and files may be read from (paths separated by the OS path separator); "
        "empty: the working directory and the home directory. Dot-directories (~/.ssh) are always refused.",
    )
    max_image_bytes: int = Field(
        default=c.DEFAULT_MAX_IMAGE_BYTES,
        ge=1024,
        validation_alias=_alias("OPENROUTER_MCP_MAX_IMAGE_BYTES"),
        description="Images larger than this are downscaled before sending.",
    )
    max_image_side: int = Field(
        default=c.DEFAULT_MAX_IMAGE_SIDE,
        ge=64,
        validation_alias=_alias("OPENROUTER_MCP_MAX_IMAGE_SIDE"),
        description="Images with a longer side are downscaled (aspect ratio kept) before sending.",
    )
    max_file_bytes: int = Field(
        default=c.DEFAULT_MAX_FILE_BYTES,
        ge=1024,
        validation_alias=_alias("OPENROUTER_MCP_MAX_FILE_BYTES"),
        description="Largest PDF, text or audio file sent.",
    )
    log_level: LogLevel = Field(default="INFO", validation_alias=_alias("OPENROUTER_MCP_LOG_LEVEL"))

    _origins: dict[str, Origin] = PrivateAttr(default_factory=dict)
    _reading: Reading = PrivateAttr(default_factory=lambda: Reading(()))

    def __init__(self, **values: Any) -> None:
        # The .env locations are resolved per instance: the working directory may change.
        files = as_paths(values.pop("_env_file", env_files()))
        # One source per .env file (see settings_customise_sources), each read once — a .env may
        # be a FIFO — and kept, to tell afterwards which place set what.
        reading = Reading(files)
        token = READING.set(reading)
        try:
            super().__init__(_env_file=None, **values)
        finally:
            READING.reset(token)
        reading.arguments = {k: v for k, v in values.items() if not k.startswith("_")}
        found = raw_values(type(self), reading.arguments, reading.sources)
        self._reading = reading  # for origins(): asking every source about every setting costs ~1 ms
        self._origins = origins_of(found)
        _refuse_untrusted(found, self._origins, key_set=self.api_key is not None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, the environment, then each `.env` file as its own source (later files win)."""
        reading = READING.get()
        if reading is None:  # not built through __init__: pydantic-settings' own order
            return init_settings, env_settings, dotenv_settings, file_secret_settings
        files = [path for path in reversed(reading.files) if readable(path)]
        per_file = [(file_origin(path), DotEnvSettingsSource(settings_cls, env_file=path)) for path in files]
        reading.sources = [(ENVIRONMENT, env_settings), *per_file]
        return init_settings, env_settings, *(source for _, source in per_file), file_secret_settings

    @field_validator("api_key", mode="before")
    @classmethod
    def _clean_key(cls, value: object) -> object:
        # `.env` files often carry stray spaces or quotes around the key.
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, str):
            value = value.strip().strip("\"'").strip()
            # Redacted from every output from now on, whatever its shape (even if refused below).
            register_secret(value)
            problem = _key_problem(value)
            if problem is not None:
                raise ValueError(problem)
            return value or None
        return value

    @field_validator("base_url", mode="before")
    @classmethod
    def _clean_base_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().strip("\"'").strip().rstrip("/")
            if not value.startswith(("http://", "https://")):
                raise ValueError("OPENROUTER_BASE_URL must start with http:// or https://")
            problem = _url_problem(value)
            if problem is not None:
                raise ValueError(problem)
        return value

    @field_validator("fallback_models")
    @classmethod
    def _at_most_three_fallbacks(cls, value: str) -> str:
        models = [model for model in value.split(",") if model.strip()]
        if len(models) > c.MAX_FALLBACK_MODELS:
            raise ValueError(f"OPENROUTER_FALLBACK_MODELS names {len(models)} models; at most {c.MAX_FALLBACK_MODELS}")
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
    def usage_file(self) -> Path:
        return self.data_dir / c.USAGE_LEDGER_FILENAME

    @property
    def cache_ttl_seconds(self) -> float:
        return self.cache_ttl_hours * 3600

    def fallbacks(self) -> tuple[str, ...]:
        """`fallback_models` as a list of ids."""
        return tuple(model.strip() for model in self.fallback_models.split(",") if model.strip())

    def allowed_roots(self) -> tuple[Path, ...]:
        """The directories local files may be read from, resolved.

        By default the home directory, and the working directory unless it is a filesystem root or
        above home (MCP clients often start servers in `/`: that must not open the whole disk).
        """
        raw = [part for part in self.allowed_dirs.split(os.pathsep) if part.strip()]
        if raw:
            chosen = [Path(part.strip()).expanduser().resolve() for part in raw]
        else:
            home, cwd = Path.home().resolve(), Path.cwd().resolve()
            too_wide = cwd == Path(cwd.anchor) or cwd in home.parents
            chosen = [home] if too_wide else [cwd, home]
        return tuple(dict.fromkeys(chosen))

    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None

    def as_environment(self) -> dict[str, str]:
        """These settings as environment variables, to hand a child process the same configuration."""
        environment: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool):
                value = "true" if value else "false"
            environment[env_name(name)] = str(value)
        return environment

    def origin(self, name: str) -> Origin:
        """Where `name` (the key, the base URL or a directory) came from: the most trusted place
        that gives the value in effect (a project `.env` repeating the default URL is "the default")."""
        if name not in TRACKED:
            raise KeyError(f"the origin of {name!r} is not tracked; only {', '.join(TRACKED)}")
        return self._origins.get(name, DEFAULT)

    def origins(self) -> dict[str, Origin]:
        """Where every setting came from, by the rule of `origin` (for `openrouter-mcp doctor`)."""
        return every_origin(type(self), self._reading)

    @property
    def base_url_origin(self) -> Origin:
        return self.origin("base_url")


def env_name(field_or_alias: str) -> str:
    """The environment variable of a setting (`base_url` or `openrouter_base_url` → OPENROUTER_BASE_URL)."""
    wanted = field_or_alias.lower()
    for name, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = [str(choice) for choice in alias.choices] if isinstance(alias, AliasChoices) else []
        if wanted == name or wanted in (choice.lower() for choice in choices):
            return choices[0] if choices else name.upper()
    return field_or_alias.upper()


def _refuse_untrusted(found: Found, origins: Mapping[str, Origin], *, key_set: bool) -> None:
    """Raise `UnsafeSettingsError` when a guarded setting comes from a place less trusted than the key."""
    if not key_set or not found["api_key"]:
        return
    trust = key_trust(found["api_key"])
    offences: dict[Origin, list[str]] = {}
    for name in GUARDED:
        origin = origins.get(name, DEFAULT)
        if origin.trust < trust:
            offences.setdefault(origin, []).append(env_name(name))
    if not offences:
        return
    key_origin = origins["api_key"]
    instead = 'the environment (for an MCP client: the "env" of this server\'s entry in its configuration)'
    if trust <= Trust.USER_FILE:
        instead += f" or in {file_origin(user_config_dir() / '.env')}"
    messages = []
    for origin, names in offences.items():
        what = " and ".join(names)
        them = "it" if len(names) == 1 else "them"
        why = (
            "A .env in the working directory may have come with a project you cloned"
            if origin.trust == Trust.PROJECT_FILE
            else f"{origin} is less trusted than {key_origin}"
        )
        messages.append(
            f"{origin} sets {what}, but the API key comes from {key_origin}. {why}: it may not send the key "
            f"to another server, nor choose where replies and caches are kept. Set {what} in {instead}; "
            f"or delete {them} from {origin.path or origin}."
        )
    raise UnsafeSettingsError("\n".join(messages))
