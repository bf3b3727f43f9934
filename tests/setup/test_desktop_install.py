"""Claude Desktop's config, edited safely: only our entry changes, with a backup, atomically, never over bad JSON."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.clients import claude_desktop_config
from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.install import change_file, install_desktop, uninstall_desktop
from mcp_server_openrouter.setup.launcher import Launcher

from ..helpers import FAKE_KEY

OTHERS = {
    "globalShortcut": "Ctrl+Space",
    "mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "github": {"command": "docker", "args": ["run", "ghcr.io/github/github-mcp-server"], "env": {"T": "x"}},
    },
    "preferences": {"theme": "dark"},
}


def existing(host: Host, data: object, *, indent: int = 4, mode: int = 0o644) -> Path:
    path = claude_desktop_config(host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=indent) + "\n")
    path.chmod(mode)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_our_entry_is_merged_and_every_other_server_and_setting_kept_in_order(host: Host, launcher: Launcher) -> None:
    path = existing(host, OTHERS)
    outcome = install_desktop(host, launcher, key=None, dry_run=False)
    data = json.loads(path.read_text())
    assert outcome.written and list(data) == ["globalShortcut", "mcpServers", "preferences"]
    assert list(data["mcpServers"]) == ["filesystem", "github", "openrouter"]
    assert {k: v for k, v in data["mcpServers"].items() if k != "openrouter"} == OTHERS["mcpServers"]
    assert data["mcpServers"]["openrouter"] == {"command": launcher.command, "args": []}  # no env: the user .env
    assert path.read_text().startswith('{\n    "globalShortcut"')  # the file's own indentation is kept


def test_the_previous_file_is_kept_as_a_private_backup(host: Host, launcher: Launcher) -> None:
    path = existing(host, OTHERS)
    before = path.read_bytes()
    outcome = install_desktop(host, launcher, key=None, dry_run=False)
    assert outcome.backup is not None and outcome.backup.parent == path.parent
    assert outcome.backup.read_bytes() == before and mode_of(outcome.backup) == 0o600
    again = uninstall_desktop(host, dry_run=False)  # within the same second: a second backup, not the first overwritten
    assert again.backup is not None and again.backup != outcome.backup and outcome.backup.read_bytes() == before


def test_invalid_json_is_reported_with_its_line_and_never_overwritten(host: Host, launcher: Launcher) -> None:
    path = claude_desktop_config(host)
    path.parent.mkdir(parents=True)
    broken = '{\n  "mcpServers": {\n    "github": {"command": "docker",}\n  }\n}\n'
    path.write_text(broken)
    with pytest.raises(SetupError, match=r"not valid JSON \(line 3, column \d+.*left as it is"):
        install_desktop(host, launcher, key=None, dry_run=False)
    with pytest.raises(SetupError, match="not valid JSON"):
        uninstall_desktop(host, dry_run=False)
    assert path.read_text() == broken and sorted(os.listdir(path.parent)) == [path.name]  # no backup, no temp file


@pytest.mark.parametrize("content", ['["a list"]', '{"mcpServers": ["not", "an", "object"]}'])
def test_a_config_of_the_wrong_shape_is_left_alone(host: Host, launcher: Launcher, content: str) -> None:
    path = existing(host, json.loads(content))
    before = path.read_bytes()
    with pytest.raises(SetupError, match="left as it is"):
        install_desktop(host, launcher, key=None, dry_run=False)
    assert path.read_bytes() == before


def test_a_dry_run_shows_the_diff_and_writes_nothing(host: Host, launcher: Launcher) -> None:
    path = existing(host, OTHERS)
    before = path.read_bytes()
    outcome = install_desktop(host, launcher, key=None, dry_run=True)
    assert not outcome.written and outcome.backup is None and path.read_bytes() == before
    assert f"+++ {path}" in outcome.diff and f'+            "command": "{launcher.command}",' in outcome.diff
    assert sorted(os.listdir(path.parent)) == [path.name]
    nothing = install_desktop(replace_home(host), launcher, key=None, dry_run=True)
    assert "--- /dev/null" in nothing.diff and not claude_desktop_config(replace_home(host)).exists()


def replace_home(host: Host) -> Host:
    other = host.home.parent / "empty-home"
    other.mkdir(exist_ok=True)
    return replace(host, home=other)


def test_a_missing_config_is_created_with_its_directory(host: Host, launcher: Launcher) -> None:
    outcome = install_desktop(host, launcher, key=None, dry_run=False)
    path = claude_desktop_config(host)
    assert outcome.written and outcome.backup is None
    assert json.loads(path.read_text()) == {"mcpServers": {"openrouter": {"command": launcher.command, "args": []}}}


def test_installing_twice_changes_nothing_the_second_time(host: Host, launcher: Launcher) -> None:
    existing(host, OTHERS)
    install_desktop(host, launcher, key=None, dry_run=False)
    again = install_desktop(host, launcher, key=None, dry_run=False)
    assert again.nothing_to_do and not again.written and again.backup is None


def test_an_older_entry_of_ours_is_replaced(host: Host, launcher: Launcher) -> None:
    older = {"mcpServers": {"openrouter": {"command": "uvx", "args": ["mcp-server-openrouter"], "env": {"A": "1"}}}}
    path = existing(host, older)
    install_desktop(host, launcher, key=None, dry_run=False)
    assert json.loads(path.read_text())["mcpServers"]["openrouter"] == {"command": launcher.command, "args": []}


def test_uninstall_removes_only_our_entry(host: Host, launcher: Launcher) -> None:
    path = existing(host, OTHERS)
    install_desktop(host, launcher, key=None, dry_run=False)
    outcome = uninstall_desktop(host, dry_run=False)
    assert outcome.written and json.loads(path.read_text()) == OTHERS
    assert uninstall_desktop(host, dry_run=False).nothing_to_do


def test_an_openrouter_entry_that_starts_another_server_is_neither_replaced_nor_removed(
    host: Host, launcher: Launcher
) -> None:
    theirs = {"mcpServers": {"openrouter": {"command": "npx", "args": ["-y", "@someone/openrouter-tools"]}}}
    path = existing(host, theirs)
    before = path.read_bytes()
    with pytest.raises(SetupError, match="runs `npx -y @someone/openrouter-tools`, which is not this server"):
        install_desktop(host, launcher, key=None, dry_run=False)
    with pytest.raises(SetupError, match="not this server"):
        uninstall_desktop(host, dry_run=False)
    assert path.read_bytes() == before


def test_with_the_key_the_file_becomes_0600_and_without_it_keeps_its_mode(host: Host, launcher: Launcher) -> None:
    path = existing(host, OTHERS, mode=0o644)
    install_desktop(host, launcher, key=None, dry_run=False)
    assert mode_of(path) == 0o644
    outcome = install_desktop(host, launcher, key=FAKE_KEY, dry_run=False)
    assert mode_of(path) == 0o600
    assert json.loads(path.read_text())["mcpServers"]["openrouter"]["env"] == {"OPENROUTER_API_KEY": FAKE_KEY}
    assert FAKE_KEY not in outcome.diff and "sk-or-…[redacted]" in outcome.diff


def test_a_symlinked_config_is_written_through_to_its_target(host: Host, launcher: Launcher, tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "claude.json"
    target.parent.mkdir()
    target.write_text(json.dumps(OTHERS))
    link = claude_desktop_config(host)
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    install_desktop(host, launcher, key=None, dry_run=False)
    assert link.is_symlink() and "openrouter" in json.loads(target.read_text())["mcpServers"]


def test_a_vscode_style_file_keeps_its_servers_under_its_own_key(host: Host, launcher: Launcher) -> None:
    path = host.cwd / ".vscode" / "mcp.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"servers": {"x": {"type": "stdio", "command": "x"}}, "inputs": []}))
    change_file(path, {"command": launcher.command, "args": []}, dry_run=False, servers_key="servers")
    assert list(json.loads(path.read_text())["servers"]) == ["x", "openrouter"]
