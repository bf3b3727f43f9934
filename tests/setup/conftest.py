"""A made-up machine for the installers: a home, a project and a PATH under `tmp_path`, any platform."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.launcher import Launcher


@pytest.fixture
def host(tmp_path: Path) -> Host:
    """A Linux host whose home, project directory and PATH (`bin/`, empty) are under `tmp_path`."""
    for name in ("home", "project", "bin"):
        (tmp_path / name).mkdir()
    return Host(
        platform="linux", home=tmp_path / "home", cwd=tmp_path / "project", variables={"PATH": str(tmp_path / "bin")}
    )


@pytest.fixture
def launcher(tmp_path: Path) -> Launcher:
    return Launcher(str(tmp_path / "venv" / "bin" / "openrouter-mcp"))


def add_program(host: Host, name: str, body: str) -> Path:
    """A Python script named `name` on the host's PATH."""
    path = Path(host.variables["PATH"]) / name
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path
