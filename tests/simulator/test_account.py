"""The simulator's account routes answer as the real ones: `/key` wrapped in `data` with dated usage and
optional caps, `/credits` for management keys only (or the 2026 zeros), `/generation` only once ready."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, FakeClock
from .wire import AUTH

pytestmark = pytest.mark.anyio
BODY = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
DAY = 86_400.0


async def key_data(http: httpx.AsyncClient, headers: dict[str, str] = AUTH) -> dict[str, Any]:
    response = await http.get("key", headers=headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert isinstance(data, dict)
    return data


async def test_an_uncapped_key_is_wrapped_in_data_with_a_null_limit(clocked_http: httpx.AsyncClient) -> None:
    data = await key_data(clocked_http)
    assert data["label"] == f"{FAKE_KEY[:12]}...{FAKE_KEY[-3:]}" and FAKE_KEY not in str(data)
    assert data["limit"] is None and data["limit_remaining"] is None and data["limit_reset"] is None
    assert data["is_management_key"] is False and data["rate_limit"] == {"requests": 40, "interval": "10s"}


async def test_usage_is_reported_for_the_day_week_and_month_apart_from_the_lifetime(
    clocked_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    before = await key_data(clocked_http)  # on Friday 2027-01-15, 08:00 UTC
    # A new key has spent before: 45 days ago, 9 days ago and 36 hours ago (all before today).
    assert before["usage"] == pytest.approx(1.0)
    assert before["usage_daily"] == 0 and before["usage_weekly"] == pytest.approx(0.05)
    assert before["usage_monthly"] == pytest.approx(0.25)
    cost = (await clocked_http.post("chat/completions", json=BODY, headers=AUTH)).json()["usage"]["cost"]
    after = await key_data(clocked_http)
    assert after["usage_daily"] == pytest.approx(cost) and after["usage"] == pytest.approx(1.0 + cost)
    assert after["usage_daily"] < after["usage_weekly"] < after["usage_monthly"] < after["usage"]
    clock.now += DAY
    assert (await key_data(clocked_http))["usage_daily"] == 0


async def test_a_capped_key_reports_what_its_window_leaves_and_refuses_past_it(
    clocked_http: httpx.AsyncClient, clocked: Simulator, clock: FakeClock
) -> None:
    account = clocked.account(FAKE_KEY)
    account.limit, account.limit_reset = Decimal("0.3"), "monthly"
    data = await key_data(clocked_http)
    assert data["limit"] == 0.3 and data["limit_reset"] == "monthly"
    assert data["limit_remaining"] == pytest.approx(0.3 - 0.25)  # this month's spend counts, not older
    body = {**BODY, "max_tokens": 10_000}  # worst case $0.10, more than the cap leaves
    refused = await clocked_http.post("chat/completions", json=body, headers=AUTH)
    assert refused.status_code == 402
    assert "create a key with a higher limit" in refused.json()["error"]["message"]
    clock.now += 31 * DAY  # a new month
    assert (await clocked_http.post("chat/completions", json=body, headers=AUTH)).status_code == 200


async def test_credits_are_refused_to_ordinary_keys_and_shown_to_management_keys(http: httpx.AsyncClient) -> None:
    refused = await http.get("credits", headers=AUTH)
    assert refused.status_code == 403
    assert refused.json() == {"error": {"message": "Only management keys can perform this operation", "code": 403}}
    management = await http.get("credits", headers={"Authorization": "Bearer sk-or-v1-mgmt-key"})
    assert management.json() == {"data": {"total_credits": 10.0, "total_usage": 0.0}}


async def test_the_2026_credits_quirk_answers_an_ordinary_key_with_zeros(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault("credits_zeros")
    quirk = await http.get("credits", headers=AUTH)
    assert quirk.status_code == 200 and quirk.json() == {"data": {"total_credits": 0, "total_usage": 0}}
    assert (await http.get("credits", headers=AUTH)).status_code == 403  # once


async def test_a_generation_is_not_found_for_a_few_seconds_then_has_its_full_record(
    clocked_http: httpx.AsyncClient, clocked: Simulator, clock: FakeClock
) -> None:
    reply = (await clocked_http.post("chat/completions", json=BODY, headers=AUTH)).json()
    lookup = {"id": reply["id"]}
    early = await clocked_http.get("generation", params=lookup, headers=AUTH)
    assert early.status_code == 404 and early.json()["error"]["message"] == "Generation not found"
    clock.now += clocked.generation_delay - 0.1
    assert (await clocked_http.get("generation", params=lookup, headers=AUTH)).status_code == 404
    clock.now += 0.1
    record = (await clocked_http.get("generation", params=lookup, headers=AUTH)).json()["data"]
    assert record["id"] == reply["id"] and record["model"] == "openai/gpt-4o"
    assert record["total_cost"] == reply["usage"]["cost"] and record["provider_name"] == "OpenAI"
    assert record["tokens_prompt"] == reply["usage"]["prompt_tokens"]
    assert record["native_tokens_completion"] == reply["usage"]["completion_tokens"]
    assert (record["streamed"], record["cancelled"], record["finish_reason"]) == (False, False, "stop")
    assert record["native_finish_reason"] == "completed" and record["created_at"].startswith("2027-01-15T08:00:00")
    for field in ("upstream_inference_cost", "latency", "generation_time", "native_tokens_reasoning", "api_type"):
        assert field in record
    someone_else = {"Authorization": "Bearer sk-or-v1-someone-else"}
    assert (await clocked_http.get("generation", params=lookup, headers=someone_else)).status_code == 404
