"""Review findings on who may open the dashboard: two dashboards on one host (cookies ignore the
port), and the access token in a log line (uvicorn's access log writes every URL)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter._redact import RedactingFilter
from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.dashboard.web import Dashboard, DashboardAccess
from mcp_server_openrouter.simulator import Simulator

from ..helpers import make_settings

pytestmark = pytest.mark.anyio


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppContext]:
    async with open_app(make_settings(tmp_path), transport=httpx.ASGITransport(Simulator().app)) as app:
        yield app


async def test_two_dashboards_on_one_host_keep_their_own_cookies(app: AppContext) -> None:
    # Cookies ignore the port: the command's dashboard and serve --http's on 127.0.0.1 share a jar.
    first, second = DashboardAccess("first-dashboard-token-0123456789"), DashboardAccess("second-token-0123456789ab")
    mounts = {
        "http://127.0.0.1:1111": httpx.ASGITransport(Dashboard(lambda: app, first)),
        "http://127.0.0.1:2222": httpx.ASGITransport(Dashboard(lambda: app, second)),
    }
    async with httpx.AsyncClient(mounts=mounts, follow_redirects=True) as jar:
        assert (await jar.get(f"http://127.0.0.1:1111/dashboard/?token={first.token}")).status_code == 200
        assert (await jar.get(f"http://127.0.0.1:2222/dashboard/?token={second.token}")).status_code == 200
        again = await jar.get("http://127.0.0.1:1111/dashboard/api/live")
    assert again.status_code == 200  # signing in to the second did not sign the browser out of the first


def test_the_access_token_is_redacted_from_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    access = DashboardAccess("token-in-an-access-log-0123456789")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 303', None, None)
    record.args = (f"/dashboard/?token={access.token}",)
    RedactingFilter().filter(record)
    assert access.token not in record.getMessage()
