"""Where each platform's Claude Desktop keeps its configuration, computed for an injected platform."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcp_server_openrouter.setup._errors import AmbiguousConfigError
from mcp_server_openrouter.setup.clients import claude_desktop_config, known_configs
from mcp_server_openrouter.setup.host import Host


def test_on_macos_claude_desktop_reads_application_support(host: Host) -> None:
    mac = replace(host, platform="darwin")
    expected = host.home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    assert claude_desktop_config(mac) == expected


def test_on_windows_it_reads_appdata_or_the_roaming_folder_of_the_profile(host: Host, tmp_path: Path) -> None:
    windows = replace(host, platform="win32", variables={"APPDATA": str(tmp_path / "Roaming")})
    assert claude_desktop_config(windows) == tmp_path / "Roaming" / "Claude" / "claude_desktop_config.json"
    bare = replace(host, platform="win32", variables={})
    expected = host.home / "AppData" / "Roaming" / "Claude" / "claude_desktop_config.json"
    assert claude_desktop_config(bare) == expected


def test_on_windows_the_store_packages_own_copy_wins_since_the_app_reads_no_other(host: Host, tmp_path: Path) -> None:
    local = tmp_path / "Local"
    roaming = local / "Packages" / "Claude_pzs8sxrjxfjjc" / "LocalCache" / "Roaming"
    roaming.mkdir(parents=True)
    windows = replace(
        host, platform="win32", variables={"APPDATA": str(tmp_path / "Roaming"), "LOCALAPPDATA": str(local)}
    )
    assert claude_desktop_config(windows) == roaming / "Claude" / "claude_desktop_config.json"


def test_several_store_packages_are_told_apart_by_their_config_or_refused(host: Host, tmp_path: Path) -> None:
    local = tmp_path / "Local"
    old, new = (local / "Packages" / name / "LocalCache" / "Roaming" for name in ("Claude_aaa", "Claude_bbb"))
    old.mkdir(parents=True)
    new.mkdir(parents=True)
    windows = replace(host, platform="win32", variables={"LOCALAPPDATA": str(local)})
    with pytest.raises(AmbiguousConfigError, match=r"Claude_aaa.*Claude_bbb.*Edit Config"):
        claude_desktop_config(windows)
    (new / "Claude").mkdir()
    (new / "Claude" / "claude_desktop_config.json").write_text("{}")
    assert claude_desktop_config(windows) == new / "Claude" / "claude_desktop_config.json"


def test_on_linux_it_follows_xdg_config_home_else_dot_config(host: Host, tmp_path: Path) -> None:
    assert claude_desktop_config(host) == host.home / ".config" / "Claude" / "claude_desktop_config.json"
    xdg = replace(host, variables={"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert claude_desktop_config(xdg) == tmp_path / "xdg" / "Claude" / "claude_desktop_config.json"


def test_the_doctor_knows_each_clients_files_under_the_home_or_the_project(host: Host) -> None:
    configs = {config.client: config for config in known_configs(host)}
    assert configs["Claude Code (user)"].path == host.home / ".claude.json"
    assert configs["Claude Code (project)"].path == host.cwd / ".mcp.json"
    assert configs["Windsurf"].path == host.home / ".codeium" / "windsurf" / "mcp_config.json"
    assert configs["VS Code (workspace)"].servers_key == "servers"
    assert configs["Codex CLI"].path == host.home / ".codex" / "config.toml" and configs["Codex CLI"].is_toml
    assert all(config.path.is_relative_to(host.home.parent) for config in configs.values())
