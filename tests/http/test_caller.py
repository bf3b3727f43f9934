"""Whose key a call uses: the configured one, or in per-user mode the one its request brought.

`AppContext` reads it from `caller_key` (set per HTTP request by the gate); these tests set it
as the gate does and look at what the app hands out."""

from __future__ import annotations

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.app import AppContext, CallerKey, caller_key
from mcp_server_openrouter.chat import ChatRequest
from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.server._tooling import AppCtx, caller_of
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, text_of
from .conftest import KEY_A, KEY_B, http_server, ledger_rows, mcp_over_http, user

pytestmark = pytest.mark.anyio

OTHER_SHAPE = "gsk_user-key-0123456789abcdef"


async def test_a_callers_key_gets_a_view_of_the_one_client_and_its_hash_everywhere(app: AppContext) -> None:
    base = app.get_client()
    assert app.caller_key_id() == key_id(FAKE_KEY) == app.key_id
    token = caller_key.set(CallerKey.of(KEY_A))
    try:
        view = app.get_client()
        assert view.api_key == KEY_A and view is not base
        assert view._http is base._http  # one connection pool for every user
        assert app.get_client() is view  # the same view for the same key
        assert app.caller_key_id() == key_id(KEY_A)
    finally:
        caller_key.reset(token)
    assert app.get_client() is base and base.api_key == FAKE_KEY  # the request's key went with it


async def test_a_per_user_key_seen_lately_can_settle_its_costs_and_an_unseen_one_cannot(app: AppContext) -> None:
    assert app._client_for(key_id(KEY_B)) is None  # never seen here: nothing to ask /generation with
    token = caller_key.set(CallerKey.of(KEY_A))
    try:
        view = app.get_client()
    finally:
        caller_key.reset(token)
    assert app._client_for(key_id(KEY_A)) is view  # the background settlement runs outside the request
    assert app._client_for(app.key_id) is app.get_client()


async def test_a_reply_without_a_cost_is_settled_later_with_the_users_own_key(
    app: AppContext, simulator: Simulator
) -> None:
    simulator.add_fault("no_cost", path="/chat/completions")
    simulator.generation_delay = 0.0  # its /generation answers at once, and only to the key that asked
    app.usage.settle_delays = (0.0, 0.0, 0.0)  # no waiting for /generation in a test
    token = caller_key.set(CallerKey.of(KEY_A))
    try:
        result = await app.chat.chat(ChatRequest.create(model="openai/gpt-4o-mini", messages="hi"))
    finally:
        caller_key.reset(token)
    assert result.cost_usd is None
    await app.usage.settled()
    assert ledger_rows(app.settings) == [(key_id(KEY_A), None)]
    assert await app.ledger.spent(key_id(KEY_A), 0) > 0  # settled, through the view holding KEY_A
    assert await app.ledger.spent(app.key_id, 0) == 0


def test_a_request_without_a_key_shares_its_identity_with_no_other() -> None:
    first, second = CallerKey.of(None), CallerKey.of(None)
    assert first.key_id != second.key_id and first.key_id.startswith("no-key-")
    assert CallerKey.of(KEY_A).key_id == CallerKey.of(KEY_A).key_id == key_id(KEY_A)
    assert KEY_A not in repr(CallerKey.of(KEY_A))


async def test_a_users_key_of_any_shape_is_redacted_once_it_has_been_used(app: AppContext) -> None:
    assert OTHER_SHAPE in redact(f"echo {OTHER_SHAPE}")
    token = caller_key.set(CallerKey.of(OTHER_SHAPE))
    try:
        app.get_client()
    finally:
        caller_key.reset(token)
    assert OTHER_SHAPE not in redact(f"echo {OTHER_SHAPE}")


async def whose_key(ctx: AppCtx) -> str:
    """A tool as the usage tools are written: per-key state goes by `caller_of(ctx).key_id`."""
    return caller_of(ctx).key_id


async def test_caller_of_is_the_configured_key_over_stdio_and_each_users_own_over_http(
    settings: Settings, transport: httpx.ASGITransport
) -> None:
    server = create_server(settings, transport=transport)
    server.add_tool(whose_key)
    async with Client(server) as local:
        assert text_of(await local.call_tool("whose_key", {})) == key_id(FAKE_KEY)
    async with http_server(settings, transport, per_user_keys=True, extra_tools=[whose_key]) as url:
        for key in (KEY_A, KEY_B):
            async with mcp_over_http(url, user(key)) as client:
                assert text_of(await client.call_tool("whose_key", {})) == key_id(key)
