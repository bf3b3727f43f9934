"""A machine for the setup commands, run in process: home, PATH and config directories under `tmp_path`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Machine:
    home: Path
    bin: Path
    user_env: Path  # the user config .env the server reads
    desktop_config: Path  # Claude Desktop's, on Linux under XDG_CONFIG_HOME


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    """HOME and an empty PATH under `tmp_path` (the conftest at the top already moved XDG_CONFIG_HOME there)."""
    home, bin_dir = tmp_path / "home", tmp_path / "bin"
    home.mkdir()
    bin_dir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", str(bin_dir))
    for name in ("CODEX_HOME", "APPDATA", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    return Machine(home, bin_dir, config / "openrouter-mcp" / ".env", config / "Claude" / "claude_desktop_config.json")
