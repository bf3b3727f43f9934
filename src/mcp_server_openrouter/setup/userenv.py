"""The key in the user config `.env`: where `init` puts it and the server (from any client) finds it.

Only the `OPENROUTER_API_KEY` line changes: other settings, comments and blank lines are kept, a
repeated key line is dropped (the first would win and the rest confuse), and the file is written
`0600` in a `0700` directory through a rename (`storage.files.write_atomic`).
"""

from __future__ import annotations

import re
from pathlib import Path

from mcp_server_openrouter.config import user_config_dir
from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.storage.files import write_atomic

KEY_VARIABLE = "OPENROUTER_API_KEY"
# Settings are read case-insensitively, `export NAME=` included (python-dotenv accepts it).
_KEY_LINE = re.compile(rf"^\s*(export\s+)?{KEY_VARIABLE}\s*=", re.IGNORECASE)
_PLAIN = re.compile(r"[A-Za-z0-9_.+/=:-]+")


def user_env_file() -> Path:
    return user_config_dir() / ".env"


def key_line(key: str) -> str:
    """`OPENROUTER_API_KEY=…`, quoted only when the key has a character a .env reader could take apart."""
    if _PLAIN.fullmatch(key):
        return f"{KEY_VARIABLE}={key}"
    if "'" not in key:
        return f"{KEY_VARIABLE}='{key}'"  # single quotes: taken literally
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'{KEY_VARIABLE}="{escaped}"'


def with_key(text: str, key: str) -> str:
    """`text` (a .env file) with its key line replaced by `key`, or `key` appended."""
    lines = text.splitlines()
    kept: list[str] = []
    placed = False
    for line in lines:
        if not _KEY_LINE.match(line):
            kept.append(line)
        elif not placed:
            kept.append(key_line(key))
            placed = True
    if not placed:
        kept.append(key_line(key))
    return "\n".join(kept) + "\n"


def save_key(key: str, path: Path | None = None) -> Path:
    """Write `key` into the user `.env` (see the module docstring); the file's path."""
    path = path if path is not None else user_env_file()
    if path.exists() and not path.is_file():
        raise SetupError(
            f"{path} is not a regular file (a pipe from a secret manager?); nothing was written. "
            f"Put {KEY_VARIABLE} where that file comes from"
        )
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    write_atomic(path, with_key(old, key).encode("utf-8"))
    return path


def has_key(path: Path | None = None) -> bool:
    """Whether the user `.env` has a key line with a value (a server started by any client finds it)."""
    path = path if path is not None else user_env_file()
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    except OSError:
        return False
    return any(_KEY_LINE.match(line) and line.split("=", 1)[1].strip(" \t\"'") for line in text.splitlines())
