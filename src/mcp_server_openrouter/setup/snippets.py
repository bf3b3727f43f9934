"""What `install --print <client>` prints: the configuration to paste, in each client's own format.

A snippet never holds the key: with `--with-key` it holds a placeholder to fill in (VS Code asks
for the key itself, through a password input, and keeps it in its secret storage); without, the
server reads the key from the user config `.env` that `openrouter-mcp init` writes.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass

from mcp_server_openrouter.setup.jsonconfig import server_entry
from mcp_server_openrouter.setup.launcher import Launcher
from mcp_server_openrouter.setup.names import SERVER_NAME
from mcp_server_openrouter.setup.userenv import KEY_VARIABLE

KEY_PLACEHOLDER = "sk-or-v1-…"
_VSCODE_INPUT = "openrouter-api-key"


@dataclass(frozen=True)
class Snippet:
    text: str
    how: str  # what to do with it, for people (stderr)


def snippet(client: str, launcher: Launcher, *, with_key: bool, windows: bool = False) -> Snippet:
    """The configuration of `client` (one of `clients.PRINTABLE`) that starts `launcher`."""
    env = {KEY_VARIABLE: KEY_PLACEHOLDER} if with_key else None
    servers = {"mcpServers": {SERVER_NAME: server_entry(launcher.argv(), env)}}
    if client == "claude-code":
        key = KEY_PLACEHOLDER if with_key else None
        line = command_line(claude_add_argv("claude", "user", launcher, key), windows=windows)
        return Snippet(line + "\n", "Run it in a terminal (with `--scope project` for this project only).")
    if client == "vscode":
        where = ".vscode/mcp.json, or the user one (command: MCP: Open User Configuration)"
        return Snippet(_json(_vscode(launcher, with_key)), f"Paste it into {where}.")
    if client == "codex":
        return Snippet(_codex(launcher, env), "Paste it into ~/.codex/config.toml.")
    where = {
        "claude-desktop": "claude_desktop_config.json (or run `openrouter-mcp install claude-desktop`)",
        "cursor": "~/.cursor/mcp.json (all projects) or .cursor/mcp.json (this project)",
        "windsurf": "~/.codeium/windsurf/mcp_config.json",
        "generic": 'your client\'s MCP configuration, under its servers ("mcpServers" in most clients)',
    }[client]
    return Snippet(_json(servers), f"Paste it into {where}.")


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _vscode(launcher: Launcher, with_key: bool) -> dict[str, object]:
    env = {KEY_VARIABLE: f"${{input:{_VSCODE_INPUT}}}"} if with_key else None
    config: dict[str, object] = {"servers": {SERVER_NAME: server_entry(launcher.argv(), env, type="stdio")}}
    if with_key:
        prompt = {"type": "promptString", "id": _VSCODE_INPUT, "description": "OpenRouter API key", "password": True}
        config = {"inputs": [prompt], **config}
    return config


def _codex(launcher: Launcher, env: dict[str, str] | None) -> str:
    # TOML basic strings take JSON's escapes; json.dumps with ASCII output is a valid TOML string.
    lines = [
        f"[mcp_servers.{SERVER_NAME}]",
        f"command = {json.dumps(launcher.command)}",
        f"args = [{', '.join(json.dumps(arg) for arg in launcher.args)}]",
    ]
    if env:
        lines.append("env = { " + ", ".join(f"{name} = {json.dumps(value)}" for name, value in env.items()) + " }")
    return "\n".join(lines) + "\n"


def claude_add_argv(claude: str, scope: str, launcher: Launcher, key: str | None) -> list[str]:
    """`claude mcp add`: the name first, since `--env` takes every word after it up to the next option."""
    env = ["--env", f"{KEY_VARIABLE}={key}"] if key else []
    return [claude, "mcp", "add", SERVER_NAME, "--scope", scope, *env, "--", *launcher.argv()]


def claude_remove_argv(claude: str, scope: str) -> list[str]:
    return [claude, "mcp", "remove", SERVER_NAME, "--scope", scope]


def command_line(argv: list[str], *, windows: bool = False) -> str:
    """`argv` as one line to paste into the platform's shell."""
    return subprocess.list2cmdline(argv) if windows else shlex.join(argv)
