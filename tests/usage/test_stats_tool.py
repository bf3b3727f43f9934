"""`get_usage_stats` through the MCP client, in process against the simulator: exact totals, the
breakdowns, refused arguments, the account view for each kind of key, and a ledger row for every
tool path (failures, cancellations, background jobs)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread
from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.ledger import SQLiteLedger
from mcp_server_openrouter.usage.account import account_view
from mcp_server_openrouter.usage.dates import day_start, local_date

from ..helpers import FAKE_KEY, make_client, make_settings, structured_of, text_of
from ..loopback.stall import Stall, StallAfterChunks
from ..media.fixtures import png
from .ledger_rows import rows_in
from .local_time import local_time_zone

pytestmark = pytest.mark.anyio

MANAGEMENT_KEY = "sk-or-v1-mgmt-key"
MODELS = ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "mistralai/mistral-small")


def server_for(settings: Settings, simulator: Simulator) -> Client:
    return Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app)))


@pytest.fixture
async def client(tmp_path: Path, simulator: Simulator) -> AsyncIterator[Client]:
    (tmp_path / "work").mkdir()
    settings = make_settings(tmp_path, allowed_dirs=str(tmp_path / "work"), max_retries=0)
    async with server_for(settings, simulator) as connected:
        yield connected


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured_of(result)


def reported_costs(simulator: Simulator) -> Decimal:
    """What the simulator billed, each cost as OpenRouter writes it in a reply."""
    return sum((Decimal(str(g["total_cost"])) for g in simulator.generations.values()), Decimal(0))


async def chat_a_little(client: Client, tmp_path: Path) -> None:
    for model in MODELS:
        await call(client, "chat_with_model", {"model": model, "messages": "hello"})
    await call(client, "chat_with_model", {"model": MODELS[0], "messages": "stream it", "stream": True})
    picture = tmp_path / "work" / "photo.png"
    picture.write_bytes(png())
    await call(client, "chat_with_vision", {"model": MODELS[0], "messages": "what is it?", "images": [str(picture)]})


async def test_the_totals_are_the_exact_sum_of_what_the_simulator_billed(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    await chat_a_little(client, tmp_path)

    result = await client.call_tool("get_usage_stats", {})

    stats = structured_of(result)
    assert stats["totals"]["calls"] == 5 and stats["totals"]["errors"] == 0
    assert Decimal(stats["totals"]["cost_usd"]) == reported_costs(simulator) > 0
    assert sum(Decimal(line["cost_usd"]) for line in stats["groups"]) == Decimal(stats["totals"]["cost_usd"])
    assert {line["key"] for line in stats["groups"]} == {
        "openai/gpt-4o-mini",
        "anthropic/claude-4.5-haiku-20251001",  # the model that answered, not the id asked for
        "mistralai/mistral-small",
    }
    today = local_date(time.time())
    assert (stats["start_date"], stats["end_date"]) == ((today - timedelta(days=29)).isoformat(), today.isoformat())
    text = text_of(result)
    assert "by model: 5 calls;" in text and "model | calls | errors | tokens in | tokens out | cost USD" in text
    assert "calls made through this server with this key" in text


async def test_each_breakdown_splits_the_same_totals(client: Client, tmp_path: Path) -> None:
    await chat_a_little(client, tmp_path)
    totals = (await call(client, "get_usage_stats", {}))["totals"]

    by_tool = await call(client, "get_usage_stats", {"group_by": "tool"})
    assert {line["key"]: line["calls"] for line in by_tool["groups"]} == {"chat_with_model": 4, "chat_with_vision": 1}
    by_day = await call(client, "get_usage_stats", {"group_by": "day"})
    assert [line["key"] for line in by_day["groups"]] == [local_date(time.time()).isoformat()]
    by_provider = await call(client, "get_usage_stats", {"group_by": "provider"})
    assert {"OpenAI", "Anthropic", "Mistral"} <= {line["key"] for line in by_provider["groups"]}
    for breakdown in (by_tool, by_day, by_provider):
        assert breakdown["totals"] == totals


async def test_a_model_is_found_by_the_id_asked_for_or_the_one_that_answered(client: Client, tmp_path: Path) -> None:
    await chat_a_little(client, tmp_path)

    asked = await call(client, "get_usage_stats", {"model": "anthropic/claude-haiku-4.5"})
    answered = await call(client, "get_usage_stats", {"model": "anthropic/claude-4.5-haiku-20251001"})

    assert asked["totals"]["calls"] == answered["totals"]["calls"] == 1
    assert asked["model"] == "anthropic/claude-haiku-4.5"
    assert (await call(client, "get_usage_stats", {"model": MODELS[0]}))["totals"]["calls"] == 3


async def test_the_faqs_start_date_and_end_date_choose_the_local_days(client: Client) -> None:
    await call(client, "chat_with_model", {"model": MODELS[0], "messages": "hello"})
    today = local_date(time.time())

    recent = await call(
        client, "get_usage_stats", {"start_date": str(today - timedelta(days=1)), "end_date": str(today)}
    )
    long_ago = await client.call_tool("get_usage_stats", {"start_date": "2025-01-01", "end_date": "2025-01-12"})

    assert recent["totals"]["calls"] == 1
    assert structured_of(long_ago)["totals"]["calls"] == 0 and structured_of(long_ago)["groups"] == []
    assert "Usage 2025-01-01 to 2025-01-12 (local days, " in text_of(long_ago) and "no calls." in text_of(long_ago)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {"start_date": "01/12/2025"},
            "start_date must be a date written YYYY-MM-DD (e.g. 2026-12-04); got '01/12/2025'",
        ),
        ({"end_date": "2025-02-29"}, "end_date '2025-02-29' is not a real date"),
        ({"start_date": "2025-03-02", "end_date": "2025-03-01"}, "end_date 2025-03-01 is before start_date 2025-03-02"),
        ({"start_date": "2024-01-01", "end_date": "2025-06-30"}, "is 547 days; a report covers at most 366 days"),
        ({"group_by": "week"}, "group_by must be one of model, day, provider, tool; got 'week'"),
        ({"model": 42}, "model must be a model id such as openai/gpt-4o; got 42"),
    ],
)
async def test_bad_arguments_are_refused_with_what_to_pass(
    client: Client, simulator: Simulator, arguments: dict[str, Any], message: str
) -> None:
    result = await client.call_tool("get_usage_stats", arguments)
    assert result.is_error and message in text_of(result)
    assert simulator.events == []  # refused before asking OpenRouter anything


async def test_an_ordinary_key_gets_its_spending_and_why_the_balance_is_missing(
    client: Client, simulator: Simulator
) -> None:
    await call(client, "chat_with_model", {"model": MODELS[0], "messages": "hello"})

    result = await client.call_tool("get_usage_stats", {})

    account = structured_of(result)["account"]
    assert Decimal(account["usage_today_usd"]) == reported_costs(simulator)  # a new key: today's spend is ours
    assert (
        Decimal(account["usage_month_usd"]) >= Decimal(account["usage_week_usd"]) >= Decimal(account["usage_today_usd"])
    )
    assert account["is_free_tier"] is False and account["is_management_key"] is False
    assert "balance_usd" not in account and "limit_usd" not in account
    (note,) = account["notes"]
    assert "management keys only" in note and "403: Only management keys can perform this operation" in note
    text = text_of(result)
    assert "Key: spent today $" in text and "no spending limit; paid tier." in text and note in text


async def test_a_management_key_sees_the_accounts_balance(tmp_path: Path, simulator: Simulator) -> None:
    async with server_for(make_settings(tmp_path, api_key=MANAGEMENT_KEY), simulator) as client:
        await call(client, "chat_with_model", {"model": MODELS[1], "messages": "hello"})
        result = await client.call_tool("get_usage_stats", {})

    account = structured_of(result)["account"]
    assert account["notes"] == [] and account["is_management_key"] is True
    assert Decimal(account["balance_usd"]) == Decimal(account["total_credits_usd"]) - Decimal(account["usage_usd"])
    assert Decimal(account["total_credits_usd"]) == 10
    assert "Balance: $10.00 of $10.00 bought" in text_of(result)  # $9.999881 left, to the cent


async def test_credits_answered_with_zeros_are_not_shown_as_a_balance(client: Client, simulator: Simulator) -> None:
    simulator.add_fault("credits_zeros")

    account = (await call(client, "get_usage_stats", {}))["account"]

    assert "balance_usd" not in account and "usage_usd" in account
    assert "answered /credits with zeros" in account["notes"][0]


async def test_a_key_view_that_fails_is_explained_and_the_report_still_answers(
    client: Client, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(path="/key", status=401))
    await call(client, "chat_with_model", {"model": MODELS[0], "messages": "hello"})

    stats = await call(client, "get_usage_stats", {})

    assert stats["totals"]["calls"] == 1
    key_note, credits_note = stats["account"]["notes"]
    assert key_note.startswith("Account: OpenRouter's view of the key (/key) is missing: OpenRouter error 401")
    assert "management keys only" in credits_note


async def test_without_a_key_the_report_answers_and_says_how_to_set_one(tmp_path: Path, simulator: Simulator) -> None:
    async with server_for(make_settings(tmp_path, api_key=None), simulator) as client:
        stats = await call(client, "get_usage_stats", {})

    assert stats["totals"]["calls"] == 0
    (note,) = stats["account"]["notes"]
    assert "No OpenRouter API key is configured. Set OPENROUTER_API_KEY" in note


async def test_an_account_that_does_not_answer_in_time_is_given_up_on(simulator: Simulator) -> None:
    simulator.add_fault(Fault(path="/key", delay=30))
    simulator.add_fault(Fault(path="/credits", delay=30))
    client = make_client(httpx.ASGITransport(app=simulator.app))

    with anyio.fail_after(5):
        view = await account_view(lambda: client, give_up_after=0.05)
    await client.aclose()

    assert view.key is None and view.notes == ["Account: not shown: OpenRouter did not answer within 0.05 s."]


async def test_a_rate_limited_call_is_an_error_row_under_its_tool(
    client: Client, simulator: Simulator, settings: Settings
) -> None:
    simulator.add_fault(Fault(status=429, reset_in=30))
    refused = await client.call_tool("chat_with_model", {"model": MODELS[0], "messages": "hello"})
    assert refused.is_error

    stats = await call(client, "get_usage_stats", {"group_by": "tool"})

    assert [(line["key"], line["calls"], line["errors"]) for line in stats["groups"]] == [("chat_with_model", 1, 1)]
    assert "1 call (1 failed)" in text_of(await client.call_tool("get_usage_stats", {}))


async def test_a_background_job_is_recorded_under_the_tool_that_started_it(client: Client, tmp_path: Path) -> None:
    started = await call(client, "chat_with_model", {"model": MODELS[0], "messages": "later", "background": True})
    done = await call(client, "get_job_result", {"job_id": started["job_id"], "wait_seconds": 10})
    assert done["status"] == "done"

    (row,) = rows_in(tmp_path / "data" / "usage.sqlite3")
    assert (row.tool, row.status, row.streamed) == ("chat_with_model", "ok", True)
    assert row.cost == Decimal(str(done["result"]["cost_usd"]))


async def test_a_stream_cancelled_mid_way_is_a_cancelled_row(tmp_path: Path) -> None:
    simulator, stall = Simulator(), Stall()
    simulator.app.add_middleware(StallAfterChunks, chunks=3, stall=stall)
    with serve_in_thread(simulator) as base_url:
        settings = make_settings(tmp_path, base_url=base_url, timeout_seconds=30)
        with anyio.fail_after(20):
            async with Client(create_server(settings)) as client:
                started = await call(
                    client, "chat_with_model", {"model": MODELS[0], "messages": "hi", "background": True}
                )
                assert await anyio.to_thread.run_sync(stall.stalled.wait, 5.0)
                status: dict[str, Any] = {"text": ""}
                while not status["text"]:  # the chunks sent before the stall reach the job
                    status = await call(client, "get_job_result", {"job_id": started["job_id"]})
                    await anyio.lowlevel.checkpoint()
                await call(client, "cancel_job", {"job_id": started["job_id"]})
                stats = await call(client, "get_usage_stats", {})

    assert (stats["totals"]["calls"], stats["totals"]["cancelled"], stats["totals"]["errors"]) == (1, 1, 0)
    (row,) = rows_in(settings.usage_file)
    assert (row.tool, row.status, row.streamed) == ("chat_with_model", "cancelled", True)
    assert row.generation_id  # so its cost can be asked for later


async def test_a_streamed_call_the_client_cancels_is_a_cancelled_row(tmp_path: Path) -> None:
    simulator, stall = Simulator(), Stall()
    simulator.app.add_middleware(StallAfterChunks, chunks=3, stall=stall)
    first_token = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if progress >= 1:
            first_token.set()

    with serve_in_thread(simulator) as base_url:
        settings = make_settings(tmp_path, base_url=base_url, timeout_seconds=30)
        with anyio.fail_after(20):
            async with Client(create_server(settings)) as client:
                async with anyio.create_task_group() as group:

                    async def streamed_call() -> None:
                        arguments = {"model": MODELS[0], "messages": "a long story", "stream": True}
                        await client.call_tool("chat_with_model", arguments, progress_callback=on_progress)

                    group.start_soon(streamed_call)
                    await first_token.wait()
                    group.cancel_scope.cancel()
                assert await anyio.to_thread.run_sync(stall.disconnected.wait, 5.0)
                stats: dict[str, Any] = {"totals": {"calls": 0}}
                while not stats["totals"]["calls"]:  # the row is written as the server winds the call down
                    stats = await call(client, "get_usage_stats", {})

    assert (stats["totals"]["calls"], stats["totals"]["cancelled"]) == (1, 1)
    (row,) = rows_in(settings.usage_file)
    assert (row.tool, row.status, row.streamed) == ("chat_with_model", "cancelled", True) and row.generation_id


async def test_days_are_the_servers_local_days(
    monkeypatch: pytest.MonkeyPatch, client: Client, settings: Settings
) -> None:
    ledger = SQLiteLedger(settings.usage_file)
    with local_time_zone(monkeypatch, "America/New_York"):
        for day in (date(2026, 3, 8), date(2026, 3, 9)):  # New York: 23 hours, then 24
            for at in (day_start(day), day_start(day + timedelta(days=1)) - 0.5):
                await ledger.record(UsageRow(at=at, key_id=key_id(FAKE_KEY), requested_model="m/x", cost=Decimal(1)))

        stats = await call(
            client, "get_usage_stats", {"start_date": "2026-03-08", "end_date": "2026-03-09", "group_by": "day"}
        )

    assert [(line["key"], line["calls"]) for line in stats["groups"]] == [("2026-03-08", 2), ("2026-03-09", 2)]
    assert stats["time_zone"] in ("EST", "EDT") and stats["totals"]["cost_usd"] == "4"


async def test_a_reply_from_the_response_cache_is_not_a_paid_row(
    client: Client, simulator: Simulator, settings: Settings
) -> None:
    arguments = {"model": MODELS[0], "messages": "hello", "temperature": 0, "cache": True}
    first = await call(client, "chat_with_model", arguments)
    again = await call(client, "chat_with_model", arguments)

    assert again["text"] == first["text"] and len(simulator.generations) == 1
    (row,) = rows_in(settings.usage_file)
    assert row.cost == Decimal(str(first["cost_usd"]))


async def test_a_request_refused_before_it_is_sent_leaves_no_row(tmp_path: Path, simulator: Simulator) -> None:
    # Without a key (as with a malformed one, over HTTP) the client refuses before metering begins.
    async with server_for(make_settings(tmp_path, api_key=None), simulator) as client:
        refused = await client.call_tool("chat_with_model", {"model": MODELS[0], "messages": "hello"})
    assert refused.is_error and not simulator.generations

    assert not (tmp_path / "data" / "usage.sqlite3").exists() or rows_in(tmp_path / "data" / "usage.sqlite3") == []
