"""Review: in `serve --http`, only the dashboard's own paths skip the MCP gate, and what reaches the
dashboard never reaches /mcp (uvicorn does not resolve `..` in a path)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import make_settings
from ..http.conftest import TOKEN, http_server

pytestmark = pytest.mark.anyio


async def test_only_the_dashboards_own_paths_skip_the_mcp_token_check(tmp_path: Path) -> None:
    async with http_server(make_settings(tmp_path), httpx.ASGITransport(Simulator().app)) as url:
        origin = url.removesuffix("/mcp")
        async with httpx.AsyncClient(base_url=origin) as http:
            signed_in = await http.get(f"/dashboard/?token={TOKEN}", follow_redirects=True)
            assert signed_in.status_code == 200  # the cookie is set for /dashboard
            lookalike = await http.get("/dashboardX")  # not the dashboard: the gate's 401, as JSON
            dotted = await http.post("/dashboard/%2e%2e/mcp", json={})
            dotted_with_token = await http.post(
                "/dashboard/%2e%2e/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}"}
            )
    assert lookalike.status_code == 401 and "bearer token" in lookalike.json()["error"]
    assert dotted.status_code == 403 and "dashboard's own page" in dotted.text  # the dashboard's checks
    assert dotted_with_token.status_code == 404 and "jsonrpc" not in dotted_with_token.text  # not /mcp


async def test_with_per_user_keys_the_users_shared_token_does_not_open_the_operators_dashboard(tmp_path: Path) -> None:
    # Every user of a per-user server holds MCP_HTTP_TOKEN; the dashboard shows the operator's key (its
    # /credits balance, spend and jobs) and clears everyone's caches: it needs a token of its own.
    transport = httpx.ASGITransport(Simulator().app)
    async with (
        http_server(make_settings(tmp_path), transport, per_user_keys=True) as url,
        httpx.AsyncClient(base_url=url.removesuffix("/mcp"), headers={"Authorization": f"Bearer {TOKEN}"}) as user,
    ):
        opened = await user.get("/dashboard/account")
        cleared = await user.post("/dashboard/caches/clear", headers={"X-CSRF-Token": "x"})
    assert (opened.status_code, cleared.status_code) == (401, 401)
