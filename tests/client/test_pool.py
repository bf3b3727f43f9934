"""The connection pool's timing against servers' keep-alive."""

from __future__ import annotations

import uvicorn

from mcp_server_openrouter.client._http import OpenRouterClient


def test_idle_connections_expire_before_a_server_with_uvicorns_keep_alive_closes_them() -> None:
    client = OpenRouterClient(api_key=None)
    pool = client._http._transport._pool  # type: ignore[attr-defined]
    assert pool._keepalive_expiry < uvicorn.Config(app=None).timeout_keep_alive  # type: ignore[arg-type]
