"""`install --print`: each client's own format, starting this installation, never holding the key."""

from __future__ import annotations

import json
import shlex
import sys

import pytest

from mcp_server_openrouter.setup.launcher import Launcher
from mcp_server_openrouter.setup.names import PRINTABLE
from mcp_server_openrouter.setup.snippets import snippet

LAUNCHER = Launcher("/opt/my venv/bin/python", ("-m", "mcp_server_openrouter"))
JSON_CLIENTS = ("claude-desktop", "cursor", "windsurf", "generic")


@pytest.mark.parametrize("client", JSON_CLIENTS)
def test_mcp_servers_snippets_start_this_installation_and_read_the_key_from_the_user_env(client: str) -> None:
    data = json.loads(snippet(client, LAUNCHER, with_key=False).text)
    assert data == {"mcpServers": {"openrouter": {"command": LAUNCHER.command, "args": list(LAUNCHER.args)}}}


def test_with_key_the_snippet_holds_a_placeholder_to_fill_in() -> None:
    entry = json.loads(snippet("cursor", LAUNCHER, with_key=True).text)["mcpServers"]["openrouter"]
    assert entry["env"] == {"OPENROUTER_API_KEY": "sk-or-v1-…"}


def test_vscode_gets_its_own_servers_shape_and_asks_for_the_key_through_a_password_input() -> None:
    data = json.loads(snippet("vscode", LAUNCHER, with_key=True).text)
    assert data["servers"]["openrouter"]["type"] == "stdio"
    assert data["servers"]["openrouter"]["env"] == {"OPENROUTER_API_KEY": "${input:openrouter-api-key}"}
    assert data["inputs"] == [
        {"type": "promptString", "id": "openrouter-api-key", "description": "OpenRouter API key", "password": True}
    ]


def test_codex_gets_a_toml_table_that_parses() -> None:
    text = snippet("codex", Launcher("C:\\Py\\openrouter-mcp.exe"), with_key=True).text
    if sys.version_info < (3, 11):
        pytest.skip("tomllib came with Python 3.11")
    else:
        import tomllib

        server = tomllib.loads(text)["mcp_servers"]["openrouter"]
        expected = {"OPENROUTER_API_KEY": "sk-or-v1-…"}
        assert server == {"command": "C:\\Py\\openrouter-mcp.exe", "args": [], "env": expected}


def test_claude_code_gets_the_exact_command_quoted_for_the_shell() -> None:
    line = snippet("claude-code", LAUNCHER, with_key=False).text
    assert shlex.split(line) == ["claude", "mcp", "add", "openrouter", "--scope", "user", "--", *LAUNCHER.argv()]


@pytest.mark.parametrize("client", PRINTABLE)
def test_every_printable_client_says_where_its_snippet_goes(client: str) -> None:
    found = snippet(client, LAUNCHER, with_key=False)
    assert found.text.endswith("\n") and found.how.endswith(".") and LAUNCHER.command in found.text.replace("\\", "")
