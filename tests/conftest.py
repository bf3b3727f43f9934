"""Fixtures: an in-process simulator and settings isolated from the developer's machine.

Plain helpers and constants are in `tests/helpers.py`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TextIO

import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.simulator import Simulator, serve_in_thread

from .helpers import make_settings

# Files whose tests start the real `openrouter-mcp` (or npm, pip) as processes, several seconds each.
# They are marked `process`: CI runs them on the main Python only, and the whole in-process suite plus
# the stdio round trip and shutdown tests (which exercise each Python's asyncio, signals and pipes) on
# the oldest and newest supported Pythons — all of it on all three would take CI far past five minutes.
PROCESS_FILES = frozenset(
    {
        "test_cli.py",
        "test_distribution.py",
        "test_e2e_bench.py",
        "test_e2e_budget.py",
        "test_e2e_jobs.py",
        "test_e2e_usage.py",
        "test_e2e_vision.py",
        "test_readme_claims_cli.py",
        "test_security.py",
        "cli/test_install_cli.py",
        "dashboard/test_browser.py",
        "dashboard/test_command.py",
        "http/test_e2e_http.py",
    }
)
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(TESTS).as_posix() in PROCESS_FILES:
            item.add_marker(pytest.mark.process)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's key, settings, .env files or cache directories."""
    for name in list(os.environ):
        if name.startswith(("OPENROUTER_", "CACHE_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _forget_registered_keys() -> Iterator[None]:
    """Keys a test registers for redaction (directly or by loading settings) do not outlive it."""
    from mcp_server_openrouter import _redact

    saved = _redact._secrets
    yield
    _redact._secrets = saved


@pytest.fixture
def loopback() -> Iterator[tuple[Simulator, str]]:
    """A fresh simulator on a loopback port, and its base URL."""
    simulator = Simulator()
    with serve_in_thread(simulator) as base_url:
        yield simulator, base_url


@pytest.fixture
def stderr_log(tmp_path: Path) -> Iterator[TextIO]:
    """A file for a server process's stderr, read back by the test."""
    with (tmp_path / "server-stderr.log").open("w+") as log:
        yield log


@pytest.fixture
def simulator() -> Simulator:
    return Simulator()


@pytest.fixture
def transport(simulator: Simulator) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=simulator.app)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def app(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[AppContext]:
    async with open_app(settings, transport=transport) as context:
        yield context
