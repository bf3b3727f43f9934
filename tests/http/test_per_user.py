"""Per-user keys over Streamable HTTP: each request's own key, and nothing shared between keys.

The server runs in this process on a loopback port (the official client talks real HTTP to it),
with the simulator in process as the upstream, so the ledger and the simulator can be inspected.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from mcp.types import TextContent

from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.simulator import Fault, Simulator
from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.ledger import SQLiteLedger

from ..helpers import FAKE_KEY, structured_of, text_of
from .conftest import KEY_A, KEY_B, http_server, ledger_rows, mcp_over_http, user

pytestmark = pytest.mark.anyio

CHAT = {"model": "openai/gpt-4o-mini", "messages": "hi"}


async def test_two_users_chats_are_recorded_under_their_own_key_hashes(
    settings: Settings, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    charges = {key: len(simulator.account(key).ledger) for key in (KEY_A, KEY_B, FAKE_KEY)}
    async with http_server(settings, transport, per_user_keys=True) as url:
        async with mcp_over_http(url, user(KEY_A)) as alice:
            assert not (await alice.call_tool("chat_with_model", CHAT)).is_error
        async with mcp_over_http(url, user(KEY_B)) as bob:
            assert not (await bob.call_tool("chat_with_model", CHAT)).is_error
            assert not (await bob.call_tool("chat_with_model", {**CHAT, "stream": True})).is_error
    tool = "chat_with_model"
    assert ledger_rows(settings) == [(key_id(KEY_A), tool), (key_id(KEY_B), tool), (key_id(KEY_B), tool)]
    # Upstream, each user's key paid for their own calls, and the server's key for none.
    after = {key: len(simulator.account(key).ledger) for key in charges}
    assert {key: after[key] - charges[key] for key in charges} == {KEY_A: 1, KEY_B: 2, FAKE_KEY: 0}


async def test_a_user_cannot_read_cancel_or_list_another_users_job(
    settings: Settings, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    simulator.add_fault(Fault(token_delay=0.2))  # the job is still running while bob tries
    async with (
        http_server(settings, transport, per_user_keys=True) as url,
        mcp_over_http(url, user(KEY_A)) as alice,
        mcp_over_http(url, user(KEY_B)) as bob,
    ):
        started = await alice.call_tool("chat_with_model", {**CHAT, "background": True})
        job_id = structured_of(started)["job_id"]
        made_up = job_id[:-3] + ("aaa" if not job_id.endswith("aaa") else "bbb")
        answers = {}
        for tool, arguments in [
            ("get_job_result", {"job_id": job_id}),
            ("cancel_job", {"job_id": job_id}),
            ("get_job_result", {"job_id": made_up}),
        ]:
            result = await bob.call_tool(tool, arguments)
            assert result.is_error
            answers[(tool, arguments["job_id"])] = text_of(result).replace(arguments["job_id"], "<id>")
        bobs_jobs = (await bob.read_resource("openrouter://jobs")).contents[0]
        alices_jobs = (await alice.read_resource("openrouter://jobs")).contents[0]
        mine = await alice.call_tool("get_job_result", {"job_id": job_id})
        cancelled = await alice.call_tool("cancel_job", {"job_id": job_id})
    # To bob the job does not exist: the same answer as for an id nobody ever had.
    assert answers[("get_job_result", job_id)] == answers[("get_job_result", made_up)]
    assert "no job '<id>' here" in answers[("cancel_job", job_id)]
    assert job_id not in getattr(bobs_jobs, "text", "") and job_id in getattr(alices_jobs, "text", "")
    assert not mine.is_error and structured_of(mine)["status"] in ("queued", "running")
    assert not cancelled.is_error and structured_of(cancelled)["status"] == "cancelled"  # bob's cancel changed nothing


async def test_a_request_without_a_key_gets_a_clear_error_and_spends_nothing(
    settings: Settings, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    async with http_server(settings, transport, per_user_keys=True) as url, mcp_over_http(url, user()) as nobody:
        chat = await nobody.call_tool("chat_with_model", CHAT)
        models = await nobody.call_tool("list_available_models", {"provider": "openai", "limit": 3})
    assert chat.is_error
    first = chat.content[0]
    assert isinstance(first, TextContent) and "X-OpenRouter-Key header" in first.text
    assert "OPENROUTER_API_KEY" not in first.text  # not the operator's setting: the key is the user's to send
    assert not models.is_error  # the public catalogue needs no key
    assert simulator.events_of("request") and all(e.path != "/chat/completions" for e in simulator.events_of("request"))
    assert ledger_rows(settings) == []


async def test_one_user_never_gets_another_users_cached_reply(
    settings: Settings, simulator: Simulator, transport: httpx.ASGITransport
) -> None:
    deterministic = {**CHAT, "temperature": 0, "cache": True}
    async with http_server(settings, transport, per_user_keys=True) as url:
        async with mcp_over_http(url, user(KEY_A)) as alice:
            first = await alice.call_tool("chat_with_model", deterministic)
            again = await alice.call_tool("chat_with_model", deterministic)
        async with mcp_over_http(url, user(KEY_B)) as bob:
            bobs = await bob.call_tool("chat_with_model", deterministic)
    assert [structured_of(r)["cached"] for r in (first, again, bobs)] == [False, True, False]
    assert [key for key, _ in ledger_rows(settings)] == [key_id(KEY_A), key_id(KEY_B)]


async def test_a_session_opened_with_one_key_is_not_found_with_another(
    settings: Settings, transport: httpx.ASGITransport
) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    listing = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream"}
    async with http_server(settings, transport, per_user_keys=True) as url, httpx.AsyncClient() as http:
        opened = await http.post(url, json=initialize, headers={**accept, **user(KEY_A)})
        session = {"Mcp-Session-Id": opened.headers["mcp-session-id"], "Mcp-Protocol-Version": "2025-06-18"}
        as_bob = await http.post(url, json=listing, headers={**accept, **session, **user(KEY_B)})
        as_alice = await http.post(url, json=listing, headers={**accept, **session, **user(KEY_A)})
    assert opened.status_code == 200
    assert as_bob.status_code == 404
    assert as_alice.status_code == 200 and "chat_with_model" in as_alice.text


async def test_the_key_header_is_refused_by_a_server_using_its_own_key(
    settings: Settings, transport: httpx.ASGITransport
) -> None:
    async with http_server(settings, transport) as url, httpx.AsyncClient() as http:
        answer = await http.post(url, json={}, headers=user(KEY_A))
    assert answer.status_code == 400
    assert "--per-user-keys" in answer.json()["error"] and KEY_A not in answer.text


async def test_local_files_are_not_read_over_http_unless_a_directory_is_allowed(
    settings: Settings, transport: httpx.ASGITransport, tmp_path: Path
) -> None:
    picture = tmp_path / "picture.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    arguments = {"model": "openai/gpt-4o", "messages": "what is it?", "images": [str(picture)]}
    async with http_server(settings, transport) as url, mcp_over_http(url, user()) as client:
        refused = await client.call_tool("chat_with_vision", arguments)
    assert refused.is_error and "outside the directories local files may be read from (none)" in text_of(refused)


async def test_budgets_and_the_session_cost_are_each_users_own(
    settings: Settings, simulator: Simulator, transport: httpx.ASGITransport, tmp_path: Path
) -> None:
    budgeted = settings.model_copy(update={"budget_daily_usd": Decimal("0.01")})
    # Alice has spent $0.0095 today already; Bob nothing.
    await SQLiteLedger(budgeted.usage_file).record(
        UsageRow(at=time.time(), key_id=key_id(KEY_A), requested_model="openai/gpt-4o", cost=Decimal("0.0095"))
    )
    small = {"model": "openai/gpt-4o", "messages": "hi", "max_tokens": 100}  # worst case ~$0.001
    async with http_server(budgeted, transport, per_user_keys=True) as url:
        async with mcp_over_http(url, user(KEY_A)) as alice:
            refused = await alice.call_tool("chat_with_model", small)
        async with mcp_over_http(url, user(KEY_B)) as bob:
            first = await bob.call_tool("chat_with_model", small)
            second = await bob.call_tool("chat_with_model", small)
    assert refused.is_error and "OPENROUTER_BUDGET_DAILY_USD" in text_of(refused)
    assert not first.is_error and not second.is_error
    costs = [structured_of(r)["cost_usd"] for r in (first, second)]
    # Each answer's session total is Bob's own (Alice's $0.0095 is not in it).
    assert structured_of(second)["session_cost_usd"] == pytest.approx(sum(costs))
