"""The gate in front of the MCP endpoint, in process: who may come in, under which Host and Origin,
and where the server refuses to listen at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.server.http import HttpOptions, exposure_problem, http_app, is_loopback, security_settings

from ..helpers import make_settings
from .conftest import TOKEN, user

pytestmark = pytest.mark.anyio

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def gated(settings: Settings, options: HttpOptions) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the gated app in process (the session manager running)."""
    served = http_app(create_server(settings, remote_clients=True), options)
    async with served.manager.run():
        transport = httpx.ASGITransport(app=served.app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://127.0.0.1:{options.port}") as client:
            yield client


async def initialize(client: httpx.AsyncClient, headers: Mapping[str, str]) -> httpx.Response:
    return await client.post("/mcp", json=INITIALIZE, headers={**ACCEPT, **user(), **headers})


async def test_a_request_naming_another_host_is_refused_and_the_log_says_what_to_set(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with gated(settings, HttpOptions(port=8000, token=TOKEN)) as client:
        ours = await initialize(client, {})
        rebound = await initialize(client, {"Host": "attacker.example:8000"})
        alias = await initialize(client, {"Host": "localhost:9000"})  # a loopback name on a mapped port
    assert ours.status_code == 200 and alias.status_code == 200
    assert rebound.status_code == 421
    assert any("'attacker.example:8000'" in m and "MCP_HTTP_ALLOWED_HOSTS" in m for m in caplog.messages)


async def test_a_request_from_a_foreign_origin_is_refused(settings: Settings) -> None:
    async with gated(settings, HttpOptions(port=8000, token=TOKEN)) as client:
        foreign = await initialize(client, {"Origin": "https://attacker.example"})
        local = await initialize(client, {"Origin": "http://localhost:8000"})
    assert foreign.status_code == 403
    assert local.status_code == 200


async def test_mcp_http_allowed_hosts_lets_a_service_name_in(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, http_token=TOKEN, http_allowed_hosts="mcp.example.org, 10.0.0.5:8443")
    options = HttpOptions.of(settings, host="0.0.0.0", port=8000, per_user_keys=False)
    async with gated(settings, options) as client:
        named = await initialize(client, {"Host": "mcp.example.org", "Origin": "https://mcp.example.org"})
        with_port = await initialize(client, {"Host": "10.0.0.5:8443"})
        wrong_port = await initialize(client, {"Host": "10.0.0.5:9999"})
        unknown = await initialize(client, {"Host": "other.example.org"})
    assert [named.status_code, with_port.status_code] == [200, 200]
    assert [wrong_port.status_code, unknown.status_code] == [421, 421]


def test_the_allowed_hosts_come_from_the_bound_address() -> None:
    bound = security_settings(HttpOptions(host="192.168.1.20", token=TOKEN))
    assert {"192.168.1.20", "192.168.1.20:*", "localhost:*", "127.0.0.1:*", "[::1]:*"} <= set(bound.allowed_hosts)
    assert "http://192.168.1.20:*" in bound.allowed_origins
    v6 = security_settings(HttpOptions(host="fd00::5", token=TOKEN))
    assert "[fd00::5]:*" in v6.allowed_hosts
    anywhere = security_settings(HttpOptions(host="0.0.0.0", token=TOKEN, allowed_hosts=("*",)))
    assert not anywhere.enable_dns_rebinding_protection  # '*': a proxy in front checks Host itself


def test_only_loopback_may_go_without_a_token() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):
        assert is_loopback(host) and exposure_problem(HttpOptions(host=host)) is None
    for host in ("0.0.0.0", "::", "192.168.1.20", "mcp.example.org"):
        problem = exposure_problem(HttpOptions(host=host))
        assert problem is not None and "MCP_HTTP_TOKEN" in problem
        assert exposure_problem(HttpOptions(host=host, token=TOKEN)) is None


async def test_healthz_takes_no_token_and_only_reads(settings: Settings) -> None:
    async with gated(settings, HttpOptions(port=8000, token=TOKEN)) as client:
        read = await client.get("/healthz", headers={"Host": "anything.example"})
        posted = await client.post("/healthz")
        other = await client.get("/elsewhere")
    assert read.status_code == 200 and read.json()["status"] == "ok"
    assert posted.status_code == 405
    assert other.status_code == 401  # the token guards every path but the health check


def test_a_weak_or_malformed_token_is_refused_at_start_without_quoting_it(tmp_path: Path) -> None:
    for token, why in [("short-token", "at least 16"), ("a token with spaces in it", "printable ASCII")]:
        with pytest.raises(ValidationError) as caught:
            make_settings(tmp_path, http_token=token)
        assert why in str(caught.value) and token not in str(caught.value)
    assert make_settings(tmp_path, http_token=f'  "{TOKEN}" ').token() == TOKEN
