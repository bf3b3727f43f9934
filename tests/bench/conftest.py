"""Fixtures of the comparison tests: the in-process MCP server, and the benchmark service of an app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.bench import BenchService
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.server.bench_tools import bench_service

from ..helpers import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No retries: a scripted failure fails its run at once (retrying is the client's own, tested there)."""
    return make_settings(tmp_path, max_retries=0)


@pytest.fixture
async def client(settings: Settings, transport: httpx.ASGITransport) -> AsyncIterator[Client]:
    async with Client(create_server(settings, transport=transport)) as connected:
        yield connected


@pytest.fixture
def service(app: AppContext) -> BenchService:
    return bench_service(app)
