"""Review findings on who may open the dashboard and what it takes in: two dashboards on one host
(cookies ignore the port), the access token in a log line (uvicorn's access log writes every URL),
a POST body far past the form limit."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.dashboard.web import MAX_FORM_BYTES, AccessLogScrubber, Dashboard, DashboardAccess
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


def test_the_access_token_is_taken_out_of_the_request_lines_uvicorn_logs() -> None:
    access = DashboardAccess("token-in-an-access-log-0123456789")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '"GET %s HTTP/1.1" 303', None, None)
    record.args = (f"/dashboard/?days=7&token={access.token}",)
    AccessLogScrubber().filter(record)
    assert record.getMessage() == '"GET /dashboard/?days=7&token=[redacted] HTTP/1.1" 303'


async def test_a_form_larger_than_the_limit_is_refused_without_reading_the_rest(app: AppContext) -> None:
    access = DashboardAccess("form-limit-token-0123456789abcdef")
    pulled = 0

    async def endless_form() -> AsyncIterator[bytes]:
        nonlocal pulled
        for _ in range(1000):  # a megabyte, in 1 KB chunks
            pulled += 1
            yield b"x" * 1024

    transport = httpx.ASGITransport(Dashboard(lambda: app, access))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
        headers = {"Authorization": f"Bearer {access.token}", "Origin": "http://127.0.0.1:8765"}
        response = await client.post("/dashboard/caches/clear", content=endless_form(), headers=headers)
    assert response.status_code == 413
    assert pulled <= MAX_FORM_BYTES // 1024 + 2  # what the limit needs, not the whole body


def test_an_allowed_host_name_matches_whatever_its_case() -> None:
    # MCP_HTTP_ALLOWED_HOSTS=MyBox.example: a browser sends the name in lower case.
    access = DashboardAccess("host-case-token-0123456789abcdef", ("MyBox.example", "MyBox.example:*", "[::1]:*"))
    assert access.host_allowed("mybox.example") and access.host_allowed("mybox.example:8000")
    assert access.origin_allowed("http://mybox.example:8000") and access.host_allowed("[::1]:8000")
    assert not access.host_allowed("mybox.example.attacker.example") and not access.host_allowed("mybox.example:x")
