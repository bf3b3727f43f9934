"""Shared fixtures: an in-process simulator and settings isolated from the developer's machine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.service import OpenRouterService
from mcp_server_openrouter.simulator import Simulator

FAKE_KEY = "sk-or-v1-test-key-0000"
SIM_BASE_URL = "http://simulator.test/api/v1"
CAPTURES = Path(__file__).resolve().parent / "captures"
SHARED_CAPTURES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "captures"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's key, .env files or cache directories."""
    for name in (
        "OPENROUTER_API_KEY",
        "OPENROUTER_BASE_URL",
        "CACHE_TTL_HOURS",
        "OPENROUTER_MCP_CACHE_DIR",
        "OPENROUTER_MCP_DATA_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def simulator() -> Simulator:
    return Simulator()


@pytest.fixture
def transport(simulator: Simulator) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=simulator.app)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": FAKE_KEY,
        "base_url": SIM_BASE_URL,
        "cache_dir": tmp_path / "cache",
        "data_dir": tmp_path / "data",
        "progress_interval_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def service(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[OpenRouterService]:
    svc = OpenRouterService(settings, transport=transport)
    yield svc
    await svc.aclose()
