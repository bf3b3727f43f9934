"""The dashboard at `/dashboard` of `serve --http`, in process: the server's token, its Host names, its app."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import make_settings
from ..http.conftest import TOKEN, http_server

pytestmark = pytest.mark.anyio


async def test_the_http_servers_dashboard_takes_its_token_and_refuses_a_foreign_host(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(Simulator().app)
    async with http_server(make_settings(tmp_path), transport) as url:
        origin = url.removesuffix("/mcp")
        async with httpx.AsyncClient(base_url=origin) as http:
            signed_in = await http.get(f"/dashboard/?token={TOKEN}", follow_redirects=True)
            live = await http.get("/dashboard/api/live")  # the cookie from the redirect
            mcp_without_bearer = await http.post("/mcp", json={})
            foreign = await http.get("/dashboard/", headers={"Host": "rebound.example"})
        async with httpx.AsyncClient(base_url=origin) as stranger:
            refused = await stranger.get("/dashboard/")
            wrong = await stranger.get("/dashboard/", headers={"Authorization": "Bearer not-the-token"})
    assert signed_in.status_code == 200 and "<h1>Spend</h1>" in signed_in.text
    assert live.status_code == 200 and live.json() == {"today": "$0.00", "jobs": []}
    assert mcp_without_bearer.status_code == 401  # the cookie opens the dashboard, not /mcp
    assert foreign.status_code == 421
    assert (refused.status_code, wrong.status_code) == (401, 401)


async def test_the_page_script_polls_for_live_updates_every_two_seconds(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(Simulator().app)
    async with (
        http_server(make_settings(tmp_path), transport) as url,
        httpx.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):
        script = await http.get(url.removesuffix("/mcp") + "/dashboard/static/dashboard.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "const intervalMs = 2000;" in script.text and "setInterval(refresh, intervalMs)" in script.text


async def test_every_page_loads_only_the_packages_own_files_so_it_works_offline(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(Simulator().app)
    paths = ("/dashboard/", "/dashboard/calls", "/dashboard/account", "/dashboard/jobs", "/dashboard/reports")
    async with (
        http_server(make_settings(tmp_path), transport) as url,
        httpx.AsyncClient(base_url=url.removesuffix("/mcp"), headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):
        pages = [await http.get(path) for path in (*paths, "/dashboard/models")]
        assets = [await http.get(f"/dashboard/static/{name}") for name in ("dashboard.css", "dashboard.js")]
    for page in pages:
        assert page.status_code == 200, page.url
        loaded = re.findall(r'(?:src|href)="([^"]*)"', page.text)
        assert loaded and all(ref.startswith(("/dashboard/", "data:")) for ref in loaded), loaded
    assert all(asset.status_code == 200 and "http" not in asset.text for asset in assets)


async def test_the_routers_own_answers_carry_the_security_headers_too(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(Simulator().app)
    async with (
        http_server(make_settings(tmp_path), transport) as url,
        httpx.AsyncClient(base_url=url.removesuffix("/mcp"), headers={"Authorization": f"Bearer {TOKEN}"}) as http,
    ):
        answers = [await http.get("/dashboard"), await http.get("/dashboard/nowhere"), await http.delete("/dashboard/")]
    assert [a.status_code for a in answers] == [307, 404, 405]
    for answer in answers:
        assert (
            answer.headers["x-frame-options"] == "DENY"
            and "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        )
