"""Every named fault of the simulator, and the error shapes of the reference, as the real service sends them."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from mcp_server_openrouter import errors
from mcp_server_openrouter.client import OpenRouterClient
from mcp_server_openrouter.simulator import NAMED_FAULTS, Fault, Simulator, named_fault

from ..helpers import FAKE_KEY, FakeClock, make_client
from .wire import AUTH, Wire

pytestmark = pytest.mark.anyio
BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

# What the client must raise for each named fault, written out by hand: a status mapped to the
# wrong class (or a new fault without an entry here) fails the test. "chat" is a plain call,
# "stream" a streamed one, "credits" GET /credits; None means the call succeeds.
EXPECTED: dict[str, tuple[str, type[errors.OpenRouterError] | None]] = {
    "bad_request": ("chat", errors.BadRequestError),
    "provider_400": ("chat", errors.ProviderError),
    "no_auth": ("chat", errors.AuthenticationError),
    "user_not_found": ("chat", errors.AuthenticationError),
    "credits": ("chat", errors.InsufficientCreditsError),
    "moderation": ("chat", errors.PermissionDeniedError),
    "no_endpoints": ("chat", errors.NotFoundError),
    "no_tool_endpoints": ("chat", errors.NotFoundError),
    "timeout": ("chat", errors.RequestTimeoutError),
    "payload_too_large": ("chat", errors.BadRequestError),
    "unprocessable": ("chat", errors.BadRequestError),
    "rate_limit": ("chat", errors.RateLimitError),
    "free_daily_cap": ("chat", errors.RateLimitError),
    "provider_429": ("chat", errors.ProviderError),
    "internal": ("chat", errors.ServiceUnavailableError),
    "bad_gateway": ("chat", errors.ServiceUnavailableError),
    "unavailable": ("chat", errors.ServiceUnavailableError),
    "gateway_timeout": ("chat", errors.ServiceUnavailableError),
    "overloaded": ("chat", errors.ProviderError),
    "edge_502": ("chat", errors.ServiceUnavailableError),
    "edge_524": ("chat", errors.GatewayError),
    "error_at_200": ("chat", errors.ResponseError),
    "choice_error_at_200": ("chat", errors.ChoiceError),
    "management_only": ("credits", errors.PermissionDeniedError),
    "credits_zeros": ("credits", None),
    "dropped_connection": ("stream", errors.StreamError),
    "error_after_length": ("stream", errors.ChoiceError),
    "malformed_function_call": ("stream", errors.ChoiceError),
    "no_cost": ("chat", None),
    "byok": ("chat", None),
}


async def call(client: OpenRouterClient, how: str) -> object:
    if how == "credits":
        return await client.credits()
    if how == "chat":
        return await client.chat(BODY)
    async with client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
        return stream.completion()


def test_every_named_fault_has_its_expected_outcome_written_down() -> None:
    assert set(EXPECTED) == set(NAMED_FAULTS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_each_named_fault_reaches_the_client_as_its_own_error_class(name: str, simulator: Simulator) -> None:
    how, expected = EXPECTED[name]
    simulator.add_fault(name)
    async with make_client(httpx.ASGITransport(app=simulator.app), max_retries=0) as client:
        if expected is None:
            assert await call(client, how) is not None
            return
        with pytest.raises(errors.OpenRouterError) as caught:
            await call(client, how)
    assert type(caught.value) is expected, f"{name}: {type(caught.value).__name__} is not {expected.__name__}"
    assert FAKE_KEY not in str(caught.value)


async def test_a_named_fault_is_a_fresh_copy_that_takes_overrides() -> None:
    first, second = named_fault("rate_limit"), named_fault("rate_limit", times=None, model="qwen/qwen3-coder:free")
    assert first.body is not NAMED_FAULTS["rate_limit"].body and first.times == 1
    assert (second.times, second.model) == (None, "qwen/qwen3-coder:free")
    with pytest.raises(KeyError, match="unknown fault 'nope'"):
        named_fault("nope")


async def test_a_rate_limit_resets_seconds_ahead_in_epoch_milliseconds_inside_the_body_only(
    clocked: Simulator, clocked_http: httpx.AsyncClient, clock: FakeClock
) -> None:
    clocked.add_fault("rate_limit")
    response = await clocked_http.post("chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == 429
    assert not any(name.lower().startswith("x-ratelimit") or name.lower() == "retry-after" for name in response.headers)
    headers = response.json()["error"]["metadata"]["headers"]
    reset = int(headers["X-RateLimit-Reset"])
    assert 0 < reset - clock.now * 1000 < 60_000
    assert headers["X-RateLimit-Remaining"] == "0" and response.json()["error"]["metadata"]["provider_name"] is None
    async with make_client(httpx.ASGITransport(app=clocked.app), max_retries=0, clock=clock) as client:
        clocked.add_fault("rate_limit")
        with pytest.raises(errors.RateLimitError) as caught:
            await client.chat(BODY)
    assert caught.value.reset_at == reset / 1000


async def test_a_stream_error_after_a_length_finish_has_a_null_finish_and_usage(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault("error_after_length")
    wire = Wire.parse((await http.post("chat/completions", json={**BODY, "stream": True}, headers=AUTH)).text)
    finishes = [c["choices"][0]["finish_reason"] for c in wire.chunks if c["choices"]]
    assert "length" in finishes
    error_chunk = next(c for c in wire.chunks if "error" in c)
    assert finishes.index("length") < wire.chunks.index(error_chunk)
    assert error_chunk["choices"][0]["finish_reason"] is None
    assert error_chunk["usage"]["completion_tokens"] == 12 and error_chunk["error"]["code"] == 502
    assert wire.events[-1] == "[DONE]"


async def test_a_malformed_function_call_finishes_with_error_and_no_error_object(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    body = {**BODY, "model": "google/gemini-2.5-flash"}
    simulator.add_fault("malformed_function_call")
    wire = Wire.parse((await http.post("chat/completions", json={**body, "stream": True}, headers=AUTH)).text)
    (finish,) = [c["choices"][0] for c in wire.chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert (finish["finish_reason"], finish["native_finish_reason"]) == ("error", "MALFORMED_FUNCTION_CALL")
    assert not any("error" in c or "error" in (c["choices"] or [{}])[0] for c in wire.chunks)
    assert wire.usage()["completion_tokens"] == 0
    simulator.add_fault("malformed_function_call")
    choice = (await http.post("chat/completions", json=body, headers=AUTH)).json()["choices"][0]
    assert (choice["finish_reason"], choice["native_finish_reason"]) == ("error", "MALFORMED_FUNCTION_CALL")
    assert "error" not in choice


async def test_a_whole_reply_can_carry_its_error_in_the_choice_at_200(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault("choice_error_at_200")
    response = await http.post("chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == 200
    reply = response.json()
    choice = reply["choices"][0]
    assert choice["finish_reason"] == "error" and choice["error"]["code"] == 502
    assert choice["message"]["content"] == "[simulated openai/gpt-4o-mini] Received 1 message (roles: user; parts:"
    assert reply["usage"]["completion_tokens"] == 8 and "error" not in reply


@pytest.mark.parametrize("shape", [1, 2, 3, 4, 5])
async def test_every_mid_stream_error_shape_is_billed_for_what_was_generated(
    shape: int, http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(error_after_tokens=7, error_shape=shape))  # type: ignore[arg-type]
    response = await http.post("chat/completions", json={**BODY, "stream": True}, headers=AUTH)
    wire = Wire.parse(response.text)
    assert len(wire.text().split()) == 7 and wire.events[-1] == "[DONE]"
    (event,) = simulator.events_of("stream_errored")
    record = simulator.generations[event.detail["id"]]
    assert event.detail["tokens"] == record["tokens_completion"] == 7
    assert record["finish_reason"] == "error" and record["total_cost"] > 0
    (account,) = simulator.accounts.values()
    assert account.ledger[-1][1] > 0
    assert simulator.events_of("stream_completed") == []


async def test_a_dropped_stream_in_process_ends_without_done_and_is_billed(
    http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault("dropped_connection")
    wire = Wire.parse((await http.post("chat/completions", json={**BODY, "stream": True}, headers=AUTH)).text)
    assert "[DONE]" not in wire.events and len(wire.text().split()) == 6
    (event,) = simulator.events_of("stream_dropped")
    assert event.detail["tokens"] == simulator.generations[event.detail["id"]]["tokens_completion"] == 6


async def test_a_retired_free_model_has_no_endpoints_and_an_unknown_variant_is_no_model(
    http: httpx.AsyncClient,
) -> None:
    retired = await http.post(
        "chat/completions", json={**BODY, "model": "deepseek/deepseek-chat-v3.1:free"}, headers=AUTH
    )
    assert retired.status_code == 404
    assert retired.json()["error"]["message"] == "No endpoints found for deepseek/deepseek-chat-v3.1:free."
    paid_only = await http.post("chat/completions", json={**BODY, "model": "openai/gpt-4o:free"}, headers=AUTH)
    assert paid_only.status_code == 400
    assert paid_only.json()["error"]["message"] == "openai/gpt-4o:free is not a valid model ID"
    listed = await http.post("chat/completions", json={**BODY, "model": "qwen/qwen3-8b:free"}, headers=AUTH)
    assert listed.status_code == 200 and listed.json()["usage"]["cost"] == 0


@pytest.mark.parametrize(("name", "status", "title"), [("edge_502", 502, "502 Bad Gateway"), ("edge_524", 524, "524")])
async def test_the_edge_answers_with_an_html_page(
    name: str, status: int, title: str, http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault(name)
    response = await http.post("chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert response.headers["server"] == "cloudflare" and title in response.text
    with pytest.raises(json.JSONDecodeError):
        response.json()


@pytest.mark.parametrize(("name", "status"), [("payload_too_large", 413), ("unprocessable", 422), ("internal", 500)])
async def test_other_statuses_carry_the_usual_error_body(
    name: str, status: int, http: httpx.AsyncClient, simulator: Simulator
) -> None:
    simulator.add_fault(name)
    response = await http.post("chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == status and response.json()["error"]["code"] == status


async def test_an_overloaded_provider_is_a_529_provider_error(http: httpx.AsyncClient, simulator: Simulator) -> None:
    simulator.add_fault("overloaded")
    response = await http.post("chat/completions", json=BODY, headers=AUTH)
    error: dict[str, Any] = response.json()["error"]
    assert response.status_code == 529 and error["message"] == "Provider returned error"
    assert json.loads(error["metadata"]["raw"])["error"]["type"] == "overloaded_error"


async def test_faults_wait_their_delay_on_the_clock_of_the_event_loop(simulator: Simulator) -> None:
    simulator.add_fault(Fault(status=503, body={"error": {"message": "later", "code": 503}}, delay=0.2))
    started = time.monotonic()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator.app)) as raw:
        response = await raw.post("http://sim/api/v1/chat/completions", json=BODY, headers=AUTH)
    assert response.status_code == 503 and time.monotonic() - started >= 0.2


async def test_a_fault_taken_every_fifth_request_fails_one_request_in_five(simulator: Simulator) -> None:
    simulator.add_fault("bad_gateway", times=None, every=5)
    outcomes: list[str] = []

    async def one(client: OpenRouterClient) -> str:
        try:
            await client.chat(BODY)
        except errors.ServiceUnavailableError:
            return "502"
        return "ok"

    async with make_client(httpx.ASGITransport(app=simulator.app), max_retries=0) as client:
        for _ in range(20):
            outcomes.append(await one(client))  # noqa: PERF401 (one await after another, in order)
    assert outcomes == (["ok"] * 4 + ["502"]) * 4
