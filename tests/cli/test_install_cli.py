"""`openrouter-mcp install|uninstall`, in process on a made-up home; and end to end: the config it writes works."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter.cli import main
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, structured_of
from ..test_e2e_stdio import server_command
from .conftest import Machine

THIS_INSTALLATION = str(Path(sys.executable).absolute().with_name("openrouter-mcp"))


def output(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_install_writes_this_installation_by_absolute_path_and_uninstall_takes_it_out(
    machine: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    machine.desktop_config.parent.mkdir(parents=True)
    machine.desktop_config.write_text(json.dumps({"mcpServers": {"github": {"command": "gh-mcp"}}}))
    assert main(["install", "claude-desktop"]) == 0
    out, err = output(capsys)
    servers = json.loads(machine.desktop_config.read_text())["mcpServers"]
    assert servers == {"github": {"command": "gh-mcp"}, "openrouter": {"command": THIS_INSTALLATION, "args": []}}
    assert f"Added to Claude Desktop: {machine.desktop_config}" in out and "Backup of the previous file" in out
    assert "run `openrouter-mcp init`" in err  # no key in the user .env yet
    assert main(["uninstall", "claude-desktop"]) == 0
    assert json.loads(machine.desktop_config.read_text()) == {"mcpServers": {"github": {"command": "gh-mcp"}}}
    assert main(["uninstall", "claude-desktop"]) == 0
    assert "has no entry for this server: nothing changed" in output(capsys)[0]


def test_a_dry_run_prints_the_diff_and_changes_nothing(machine: Machine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "claude-desktop", "--dry-run"]) == 0
    out, _ = output(capsys)
    assert out.startswith("--- /dev/null\n+++ ") and f'"command": "{THIS_INSTALLATION}"' in out
    assert out.endswith("Dry run: nothing was changed.\n") and not machine.desktop_config.exists()


def test_the_key_goes_into_the_config_only_when_asked_and_is_printed_nowhere(
    machine: Machine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    assert main(["install", "claude-desktop", "--with-key", "--dry-run"]) == 0
    assert main(["install", "claude-desktop", "--with-key"]) == 0
    out, err = output(capsys)
    assert '"OPENROUTER_API_KEY": "sk-or-…[redacted]"' in out and FAKE_KEY not in out + err
    entry = json.loads(machine.desktop_config.read_text())["mcpServers"]["openrouter"]
    assert entry["env"] == {"OPENROUTER_API_KEY": FAKE_KEY} and machine.desktop_config.stat().st_mode & 0o077 == 0


def test_with_key_but_no_key_anywhere_says_how_to_set_one(machine: Machine, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["install", "claude-desktop", "--with-key"]) == 1
    assert "No OpenRouter API key is configured" in output(capsys)[1] and not machine.desktop_config.exists()


def test_invalid_json_is_reported_and_the_file_left_as_it_was(
    machine: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    machine.desktop_config.parent.mkdir(parents=True)
    machine.desktop_config.write_text('{"mcpServers": {,}}')
    assert main(["install", "claude-desktop"]) == 1
    assert "is not valid JSON (line 1, column 17" in output(capsys)[1]
    assert machine.desktop_config.read_text() == '{"mcpServers": {,}}'


def test_clients_whose_files_we_do_not_edit_get_their_snippet(
    machine: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install", "--print", "cursor"]) == 0
    printed, how = output(capsys)
    assert main(["install", "cursor"]) == 0
    assert output(capsys) == (printed, how) and "~/.cursor/mcp.json" in how
    assert json.loads(printed)["mcpServers"]["openrouter"]["command"] == THIS_INSTALLATION


def test_claude_code_without_claude_on_path_prints_the_command_for_the_user_scope(
    machine: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["install", "claude-code"]) == 0
    out, err = output(capsys)
    assert out == f"claude mcp add openrouter --scope user -- {THIS_INSTALLATION}\n" and "not on PATH" in err


@pytest.mark.parametrize(
    "arguments",
    [["install"], ["install", "claude-desktop", "--print", "cursor"], ["install", "claude-desktop", "--scope", "user"]],
)
def test_contradictory_or_missing_arguments_are_refused(
    machine: Machine, capsys: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    assert main(arguments) == 2
    assert output(capsys)[1].startswith("openrouter-mcp: ")


@pytest.mark.anyio
async def test_the_config_install_writes_starts_a_server_that_works_from_a_bare_environment(
    tmp_path: Path, loopback: tuple[Simulator, str]
) -> None:
    """The user's steps as processes (init, install), then the server started exactly as Claude Desktop would:
    the command and env from its config, a bare PATH, working directory `/` — and a paid call answered."""
    simulator, base_url = loopback
    home = tmp_path / "home"
    user_env = home / ".config" / "openrouter-mcp" / ".env"
    user_env.parent.mkdir(parents=True)
    user_env.write_text(f"OPENROUTER_BASE_URL={base_url}\n")
    bare = {"HOME": str(home), "PATH": os.defpath, "LANG": "C.UTF-8"}
    command, prefix = server_command()
    for step in (["init", "--key", FAKE_KEY], ["install", "claude-desktop"]):
        done = await anyio.run_process([command, *prefix, *step], env=bare, check=False)
        assert done.returncode == 0, done.stderr.decode()
        assert FAKE_KEY.encode() not in done.stdout + done.stderr
    config = json.loads((home / ".config" / "Claude" / "claude_desktop_config.json").read_text())
    entry = config["mcpServers"]["openrouter"]
    assert Path(entry["command"]).is_absolute() and "env" not in entry
    params = StdioServerParameters(
        command=entry["command"], args=entry["args"], env={**bare, **entry.get("env", {})}, cwd="/"
    )
    with (tmp_path / "stderr.log").open("w+") as errors:
        async with Client(stdio_client(params, errlog=errors)) as session:
            assert "chat_with_model" in {tool.name for tool in (await session.list_tools()).tools}
            result = await session.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "Hi"})
        errors.seek(0)
        assert FAKE_KEY not in errors.read()
    assert not result.is_error and structured_of(result)["cost_usd"] > 0  # the key and URL came from the user .env
    assert simulator.events and simulator.events[-1].path.endswith("/chat/completions")
