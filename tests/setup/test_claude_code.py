"""Claude Code: `claude mcp add|remove` when `claude` is on PATH; else `.mcp.json` (project) or the exact command."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.install import install_claude_code, uninstall_claude_code
from mcp_server_openrouter.setup.launcher import Launcher

from ..helpers import FAKE_KEY
from .conftest import add_program

# A stand-in for `claude`: records each command line, and keeps user-scope servers in ~/.claude.json as it does.
FAKE_CLAUDE = """
import json, pathlib, sys
home = pathlib.Path({home!r})
with open(home / "calls.jsonl", "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
state = home / ".claude.json"
data = json.loads(state.read_text()) if state.exists() else {{}}
servers = data.setdefault("mcpServers", {{}})
verb, name = sys.argv[2], sys.argv[3]
if verb == "add":
    if name in servers:
        sys.exit(f"MCP server {{name}} already exists in user config")
    rest = sys.argv[sys.argv.index("--") + 1:]
    servers[name] = {{"command": rest[0], "args": rest[1:]}}
elif verb == "remove":
    servers.pop(name)
state.write_text(json.dumps(data))
"""


@pytest.fixture
def claude(host: Host) -> Path:
    add_program(host, "claude", FAKE_CLAUDE.format(home=str(host.home)))
    return host.home / "calls.jsonl"


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_with_claude_on_path_install_runs_claude_mcp_add_with_the_absolute_command(
    host: Host, launcher: Launcher, claude: Path
) -> None:
    outcome = install_claude_code(host, launcher, scope="user", key=None, dry_run=False)
    assert calls(claude) == [["mcp", "add", "openrouter", "--scope", "user", "--", launcher.command]]
    assert outcome.written and outcome.commands[0].endswith(f"-- {launcher.command}")


def test_installing_again_removes_our_entry_first_so_that_add_can_replace_it(
    host: Host, launcher: Launcher, claude: Path
) -> None:
    install_claude_code(host, launcher, scope="user", key=None, dry_run=False)
    install_claude_code(host, launcher, scope="user", key=None, dry_run=False)
    assert [call[:2] for call in calls(claude)] == [["mcp", "add"], ["mcp", "remove"], ["mcp", "add"]]
    uninstall_claude_code(host, scope="user", dry_run=False)
    assert calls(claude)[-1] == ["mcp", "remove", "openrouter", "--scope", "user"]
    assert uninstall_claude_code(host, scope="user", dry_run=False).nothing_to_do
    assert len(calls(claude)) == 4


def test_someone_elses_openrouter_server_in_claude_code_is_left_alone(
    host: Host, launcher: Launcher, claude: Path
) -> None:
    (host.home / ".claude.json").write_text(json.dumps({"mcpServers": {"openrouter": {"command": "other-tool"}}}))
    with pytest.raises(SetupError, match="runs `other-tool`, which is not this server"):
        install_claude_code(host, launcher, scope="user", key=None, dry_run=False)
    assert calls(claude) == []


def test_the_key_goes_to_claude_but_a_dry_run_shows_it_redacted_and_runs_nothing(
    host: Host, launcher: Launcher, claude: Path
) -> None:
    planned = install_claude_code(host, launcher, scope="user", key=FAKE_KEY, dry_run=True)
    assert calls(claude) == [] and FAKE_KEY not in "".join(planned.commands)
    assert "--env OPENROUTER_API_KEY=sk-or-…[redacted] --" in planned.commands[0]
    install_claude_code(host, launcher, scope="user", key=FAKE_KEY, dry_run=False)
    assert calls(claude)[0][3:7] == ["--scope", "user", "--env", f"OPENROUTER_API_KEY={FAKE_KEY}"]


def test_a_failing_claude_is_reported_with_what_it_said_never_the_key(host: Host, launcher: Launcher) -> None:
    add_program(host, "claude", f"import sys; sys.exit('cannot write config for {FAKE_KEY}')")
    with pytest.raises(SetupError) as raised:
        install_claude_code(host, launcher, scope="user", key=FAKE_KEY, dry_run=False)
    message = str(raised.value)
    assert "failed: cannot write config for sk-or-…[redacted]" in message and FAKE_KEY not in message


def test_without_claude_the_project_scope_writes_the_projects_mcp_json(host: Host, launcher: Launcher) -> None:
    (host.cwd / ".mcp.json").write_text(json.dumps({"mcpServers": {"db": {"command": "pg-mcp"}}}))
    outcome = install_claude_code(host, launcher, scope="project", key=None, dry_run=False)
    servers = json.loads((host.cwd / ".mcp.json").read_text())["mcpServers"]
    assert outcome.written and servers == {
        "db": {"command": "pg-mcp"},
        "openrouter": {"command": launcher.command, "args": []},
    }
    uninstall_claude_code(host, scope="project", dry_run=False)
    assert json.loads((host.cwd / ".mcp.json").read_text())["mcpServers"] == {"db": {"command": "pg-mcp"}}


def test_without_claude_the_user_scope_gives_the_exact_command_to_run(host: Host, launcher: Launcher) -> None:
    outcome = install_claude_code(host, launcher, scope="user", key=None, dry_run=False)
    assert outcome.to_paste is not None and not outcome.written
    assert shlex.split(outcome.to_paste) == [
        "claude",
        "mcp",
        "add",
        "openrouter",
        "--scope",
        "user",
        "--",
        launcher.command,
    ]
    removal = uninstall_claude_code(host, scope="user", dry_run=False).to_paste
    assert removal == "claude mcp remove openrouter --scope user"


def test_the_key_is_refused_for_a_project_scope_whose_file_is_usually_committed(host: Host, launcher: Launcher) -> None:
    with pytest.raises(SetupError, match="usually committed"):
        install_claude_code(host, launcher, scope="project", key=FAKE_KEY, dry_run=False)
    assert not (host.cwd / ".mcp.json").exists()
