"""Editing a client's JSON configuration without harming it.

Only our entry changes: every other server, key and value is kept in order, and the file keeps its
indentation. A file that is not valid JSON, or whose servers are not an object, is reported with
the line and column and never rewritten. Before a change the old file is copied beside it
(`<name>.bak-<UTC time>`, `0600`: configs often hold other servers' keys); the new one goes
through a temporary file in the same directory and a rename, so the client reads the old file or
the new one, never half of one. A symlinked config (dotfile managers) is written through to its
target; the file keeps its mode, and becomes `0600` when it holds the key.
"""

from __future__ import annotations

import difflib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.launcher import describe, is_ours
from mcp_server_openrouter.setup.names import SERVER_NAME
from mcp_server_openrouter.storage.files import FILE_MODE, replace_atomic


@dataclass(frozen=True)
class ConfigFile:
    """A client's JSON configuration as read: `text` None when the file does not exist yet."""

    path: Path
    text: str | None
    data: dict[str, Any]
    indent: int | str = 2

    def servers(self, key: str = "mcpServers") -> dict[str, Any]:
        found = self.data.get(key)
        return found if isinstance(found, dict) else {}

    def entry(self, key: str = "mcpServers") -> Any:
        return self.servers(key).get(SERVER_NAME)


def read_config(path: Path, servers_key: str = "mcpServers") -> ConfigFile:
    """Read a client's configuration; `SetupError` (never a rewrite) when it cannot be edited safely."""
    if not path.exists():
        return ConfigFile(path, None, {})
    if not path.is_file():
        raise SetupError(f"{path} is not a regular file; nothing was changed")
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return ConfigFile(path, text, {})
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SetupError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); it was left as it is. "
            "Fix that line (a missing or extra comma is the usual cause) and run this again"
        ) from None
    if not isinstance(data, dict):
        raise SetupError(f"{path} holds a JSON {type(data).__name__}, not an object; it was left as it is")
    if servers_key in data and not isinstance(data[servers_key], dict):
        raise SetupError(f'"{servers_key}" in {path} is not an object; it was left as it is')
    return ConfigFile(path, text, data, _indent_of(text))


def _indent_of(text: str) -> int | str:
    for line in text.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and stripped != line:
            whitespace = line[: len(line) - len(stripped)]
            return "\t" if whitespace.startswith("\t") else len(whitespace)
    return 2


def server_entry(launcher_argv: list[str], env: Mapping[str, str] | None = None, **extra: str) -> dict[str, Any]:
    """Our entry: the absolute command, its arguments, and `env` only when there is something in it."""
    entry: dict[str, Any] = {**extra, "command": launcher_argv[0], "args": launcher_argv[1:]}
    if env:
        entry["env"] = dict(env)
    return entry


def refuse_foreign(config: ConfigFile, servers_key: str = "mcpServers") -> None:
    """Raise if an entry named like ours starts some other server: it is not ours to replace or remove."""
    entry = config.entry(servers_key)
    if entry is None:
        return
    command, args = (entry.get("command"), entry.get("args", [])) if isinstance(entry, dict) else (None, [])
    if not is_ours(command, args):
        raise SetupError(
            f'the "{SERVER_NAME}" server in {config.path} runs `{describe(command, args)}`, which is not this '
            f"server; it was left as it is. Rename or remove that entry by hand, then run this again"
        )


def with_entry(config: ConfigFile, entry: dict[str, Any], servers_key: str = "mcpServers") -> dict[str, Any]:
    """The configuration with our entry added or replaced; everything else as it was, in order."""
    refuse_foreign(config, servers_key)
    data = dict(config.data)
    data[servers_key] = {**config.servers(servers_key), SERVER_NAME: entry}
    return data


def without_entry(config: ConfigFile, servers_key: str = "mcpServers") -> dict[str, Any] | None:
    """The configuration without our entry, or None when it has none."""
    if config.entry(servers_key) is None:
        return None
    refuse_foreign(config, servers_key)
    data = dict(config.data)
    data[servers_key] = {k: v for k, v in config.servers(servers_key).items() if k != SERVER_NAME}
    return data


def render(config: ConfigFile, data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=config.indent, ensure_ascii=False) + "\n"


def diff(config: ConfigFile, new_text: str) -> str:
    """A unified diff from the file as it is to `new_text` (empty when nothing changes)."""
    old = (config.text or "").splitlines(keepends=True)
    before = str(config.path) if config.text is not None else "/dev/null"
    return "".join(difflib.unified_diff(old, new_text.splitlines(keepends=True), before, str(config.path)))


Clock = Callable[[], float]


def save(config: ConfigFile, new_text: str, *, private: bool = False, clock: Clock = time.time) -> Path | None:
    """Write `new_text` in place of the file (see the module docstring); the backup's path, if one was made.

    `private`: the new text holds a secret, so the file becomes `0600` whatever its mode was.
    """
    target = config.path.resolve() if config.path.is_symlink() else config.path
    backup = None
    if config.text is not None:
        backup = _backup_path(target, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(clock())))
        replace_atomic(backup, target.read_bytes())  # 0600 from the start: it may hold other servers' keys
        mode = target.stat().st_mode & 0o777
    else:
        target.parent.mkdir(parents=True, exist_ok=True)  # the client's own directory: its modes, not ours
        mode = FILE_MODE
    replace_atomic(target, new_text.encode("utf-8"), FILE_MODE if private else mode)
    return backup


def _backup_path(target: Path, stamp: str) -> Path:
    """A backup name no earlier backup has: two changes within a second must not lose the first."""
    candidate = target.with_name(f"{target.name}.bak-{stamp}")
    number = 1
    while candidate.exists():
        candidate = target.with_name(f"{target.name}.bak-{stamp}-{number}")
        number += 1
    return candidate
