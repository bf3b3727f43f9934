"""Where each setting came from, and how far that place is trusted (see `config`'s docstring).

pydantic-settings merges its sources; to enforce "the key only goes where a place at least as
trusted as the key's own says", each `.env` file is read by its own source, and those very
sources are asked afterwards which of them set what.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

import platformdirs
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from mcp_server_openrouter import _constants as c

# Settings that decide where the key goes or where replies and caches are kept.
# allowed_dirs too: a less trusted .env must not open more of the disk to what is sent with the key.
GUARDED = ("base_url", "cache_dir", "data_dir", "reports_dir", "allowed_dirs")
TRACKED = ("api_key", *GUARDED)


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(c.APP_NAME, appauthor=False))


class Trust(IntEnum):
    """How far a place that settings come from is trusted; higher is more."""

    PROJECT_FILE = 1  # the working directory's .env (or any .env file other than the user's)
    USER_FILE = 2  # the .env in the user config directory
    ENVIRONMENT = 3  # the process environment, or arguments given by the program
    DEFAULT = 4  # this package's own defaults


@dataclass(frozen=True)
class Origin:
    """Where a setting's value came from: a place, its trust and (for a file) its path."""

    trust: Trust
    label: str
    path: Path | None = None

    def __str__(self) -> str:
        return self.label


DEFAULT = Origin(Trust.DEFAULT, "the default")
ENVIRONMENT = Origin(Trust.ENVIRONMENT, "the environment")
ARGUMENTS = Origin(Trust.ENVIRONMENT, "the program's arguments")


def file_origin(path: Path) -> Origin:
    """The origin of a `.env` file: the user config one is trusted more than any other."""
    resolved = path.expanduser().resolve()
    if resolved == (user_config_dir() / ".env").resolve():
        return Origin(Trust.USER_FILE, f"the user config .env ({resolved})", resolved)
    if resolved == Path(".env").resolve():
        return Origin(Trust.PROJECT_FILE, f"the working directory's .env ({resolved})", resolved)
    return Origin(Trust.PROJECT_FILE, f"the .env file {resolved}", resolved)


def _normal(name: str, value: object) -> str | None:
    """A raw value as its setting's validator would see it, for comparing values between places."""
    if value is None:
        return None
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    text = str(value).strip().strip("\"'").strip()
    if name == "base_url":
        return text.rstrip("/")
    if name in GUARDED and text:
        return str(Path(text))
    return text or None


@dataclass
class Reading:
    """The .env files one `Settings()` reads, and the sources that read them."""

    files: tuple[Path, ...]
    sources: list[tuple[Origin, PydanticBaseSettingsSource]] = field(default_factory=list)
    arguments: dict[str, Any] = field(default_factory=dict)


READING: ContextVar[Reading | None] = ContextVar("settings_reading", default=None)


def readable(path: Path) -> bool:
    """Whether pydantic-settings would read this .env (a file, or a FIFO as secret managers use)."""
    path = path.expanduser()
    return path.is_file() or path.is_fifo()


def as_paths(env_file: object) -> tuple[Path, ...]:
    if env_file is None:
        return ()
    if isinstance(env_file, (str, Path)):
        return (Path(env_file),)
    if isinstance(env_file, Iterable):
        return tuple(Path(p) for p in env_file)
    return ()


Found = dict[str, list[tuple[Origin, object]]]


def raw_values(
    cls: type[BaseSettings],
    arguments: Mapping[str, Any],
    sources: Sequence[tuple[Origin, PydanticBaseSettingsSource]],
    names: Iterable[str] = TRACKED,
) -> Found:
    """For each setting of `names`, every place that sets it, highest priority first, with its raw
    value — asked of the very sources pydantic-settings used, so names match exactly as for it."""
    found: Found = {}
    for name in names:
        info = cls.model_fields[name]
        alias = info.validation_alias
        keys = {name, *(str(a) for a in alias.choices)} if isinstance(alias, AliasChoices) else {name}
        places: list[tuple[Origin, object]] = [(ARGUMENTS, arguments[k]) for k in keys if k in arguments][:1]
        for origin, source in sources:
            value, _, _ = source.get_field_value(info, name)
            if value is not None:
                places.append((origin, value))
        default = info.get_default(call_default_factory=True)
        if default is not None:
            places.append((DEFAULT, default))
        found[name] = places
    return found


def origins_of(found: Found) -> dict[str, Origin]:
    """The most trusted place that agrees with the value in effect (the first place), per setting."""
    origins: dict[str, Origin] = {}
    for name, places in found.items():
        if not places:
            continue
        in_effect = _normal(name, places[0][1])
        origins[name] = max((o for o, v in places if _normal(name, v) == in_effect), key=lambda o: o.trust)
    return origins


def every_origin(cls: type[BaseSettings], reading: Reading) -> dict[str, Origin]:
    """Where each setting of `cls` came from, from the sources one `Settings()` read (kept in `reading`)."""
    names = cls.model_fields
    found = origins_of(raw_values(cls, reading.arguments, reading.sources, names=names))
    return {name: found.get(name, DEFAULT) for name in names}


def key_trust(places: list[tuple[Origin, object]]) -> Trust:
    """The key is as trusted as the least trusted place that holds it: whoever wrote that place
    knows the key already, so a setting from there exposes nothing new."""
    in_effect = _normal("api_key", places[0][1])
    return min(o.trust for o, v in places if o is not DEFAULT and _normal("api_key", v) == in_effect)
