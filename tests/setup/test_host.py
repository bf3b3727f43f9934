"""The real host: its variables come from the process environment through `config`, never from a .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server_openrouter.config import host_variables
from mcp_server_openrouter.setup.host import Host


def test_only_the_operating_systems_own_variables_are_taken_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-not-a-host-variable")
    monkeypatch.setenv("OPENROUTER_MCP_LAUNCHER", "npx")  # set by the npm launcher for its child
    Path(".env").write_text("PATH=/from/a/dotenv\nCODEX_HOME=/from/a/dotenv\n")
    monkeypatch.delenv("CODEX_HOME", raising=False)
    found = host_variables()
    assert found["PATH"] == str(tmp_path) and found["APPDATA"] == str(tmp_path / "Roaming")
    assert found["OPENROUTER_MCP_LAUNCHER"] == "npx"
    assert "CODEX_HOME" not in found and "OPENROUTER_API_KEY" not in found


def test_the_current_host_finds_programs_on_its_path_and_shows_home_as_a_tilde(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    program = tmp_path / "bin" / "claude"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(program.parent))
    monkeypatch.setenv("HOME", str(tmp_path))
    host = Host.current()
    assert host.which("claude") == str(program) and host.which("uvx") is None
    assert host.show(tmp_path / ".claude.json") == "~/.claude.json" and host.show(Path("/etc")) == "/etc"
