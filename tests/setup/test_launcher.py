"""The command written into clients: this installation by absolute path, whatever the client's PATH."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.launcher import current_launcher, is_ours

from .conftest import add_program


def venv(tmp_path: Path, *, script: str | None) -> Path:
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text("")
    if script is not None:
        (bin_dir / script).write_text("")
    return bin_dir / "python"


def test_the_console_script_beside_the_interpreter_is_used_by_absolute_path(host: Host, tmp_path: Path) -> None:
    python = venv(tmp_path, script="openrouter-mcp")
    found = current_launcher(host, str(python))
    assert found.argv() == [str(python.with_name("openrouter-mcp"))]


def test_on_windows_the_console_script_is_the_exe(host: Host, tmp_path: Path) -> None:
    python = venv(tmp_path, script="openrouter-mcp.exe")
    found = current_launcher(replace(host, platform="win32"), str(python))
    assert found.command.endswith("openrouter-mcp.exe")


def test_without_a_console_script_the_interpreter_runs_the_module(host: Host, tmp_path: Path) -> None:
    python = venv(tmp_path, script=None)
    assert current_launcher(host, str(python)).argv() == [str(python), "-m", "mcp_server_openrouter"]


def test_an_interpreter_in_uvs_throw_away_cache_is_replaced_by_uvx_from_path(host: Host, tmp_path: Path) -> None:
    cached = tmp_path / ".cache" / "uv" / "archive-v0" / "Xy12"
    python = venv(cached, script="openrouter-mcp")
    assert current_launcher(host, str(python)).command.startswith(str(cached))  # no uvx on PATH: better than nothing
    uvx = add_program(host, "uvx", "")
    assert current_launcher(host, str(python)).argv() == [str(uvx), "mcp-server-openrouter"]


def test_started_by_the_npm_launcher_the_config_gets_npx_not_the_launchers_private_python(
    host: Host, tmp_path: Path
) -> None:
    python = venv(tmp_path / ".cache" / "openrouter-mcp" / "launcher", script="openrouter-mcp")
    by_npx = replace(host, variables={**host.variables, "OPENROUTER_MCP_LAUNCHER": "npx"})
    assert current_launcher(by_npx, str(python)).argv() == ["npx", "-y", "openrouter-mcp"]  # not on PATH: by name
    npx = add_program(host, "npx", "")
    found = current_launcher(by_npx, str(python))
    assert found.argv() == [str(npx), "-y", "openrouter-mcp"] and is_ours(found.command, list(found.args))
    assert current_launcher(host, str(python)).argv() == [str(python.with_name("openrouter-mcp"))]  # not by npx


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("/Users/a/.venv/bin/openrouter-mcp", []),
        ("C:\\Users\\a\\.venv\\Scripts\\openrouter-mcp.exe", []),
        ("uvx", ["mcp-server-openrouter"]),
        ("uvx", ["--from", "/src/clone", "mcp-server-openrouter==0.2.0"]),
        ("npx", ["-y", "openrouter-mcp@latest"]),
        ("/usr/bin/python3", ["-m", "mcp_server_openrouter"]),
    ],
)
def test_our_server_is_recognised_under_each_of_its_names(command: str, args: list[str]) -> None:
    assert is_ours(command, args)


@pytest.mark.parametrize(
    ("command", "args"),
    [("npx", ["-y", "@someone/openrouter-tools"]), ("mcp-openrouter", []), ("python", ["server.py"]), (None, None)],
)
def test_other_servers_are_not_taken_for_ours(command: str | None, args: list[str] | None) -> None:
    assert not is_ours(command, args)
