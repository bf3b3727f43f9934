"""Retries that respect rate limits: each reset-header form, the statuses never retried, the wait budget
that fails at once saying when to try again, and the gate that holds other requests until a reset.

Time is a `Timeline` (injected clock and sleep): nothing here sleeps for real.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.client import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServiceUnavailableError,
)
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.client._retry import try_again_after
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, Heard, Records, Timeline, make_client

pytestmark = pytest.mark.anyio

PROMPT = "a secret prompt"
MODEL = "openai/gpt-4o-mini"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": PROMPT}]}
OTHER_BODY = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": PROMPT}]}
NOW = 1_800_000_000.0  # Fri 15 Jan 2027 08:00:00 UTC
LIMITED = {"error": {"message": "Rate limit exceeded: limit_rpm/openai/gpt-4o-mini", "code": 429}}


def limited_with(metadata_headers: dict[str, str] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = dict(LIMITED["error"])
    if metadata_headers is not None:
        error["metadata"] = {"headers": metadata_headers}
    return {"error": error}


def chat_requests(simulator: Simulator) -> int:
    return len([e for e in simulator.events_of("request") if e.path == "/chat/completions"])


def no_secrets(messages: list[str]) -> bool:
    return all(FAKE_KEY not in m and PROMPT not in m for m in messages)


# -- a 429 then success, for each way of saying when the limit resets ---------------------------------

HEADER_FORMS = {
    "Retry-After in seconds": Fault(status=429, body=LIMITED, headers={"Retry-After": "3"}),
    "Retry-After as an HTTP date": Fault(
        status=429,
        body=LIMITED,
        headers={"Retry-After": format_datetime(datetime.fromtimestamp(NOW + 3, tz=timezone.utc), usegmt=True)},
    ),
    "X-RateLimit-Reset in epoch ms": Fault(
        status=429, body=LIMITED, headers={"X-RateLimit-Reset": str(int((NOW + 3) * 1000))}
    ),
    "X-RateLimit-Reset in error.metadata.headers": Fault(status=429, body=limited_with({}), reset_in=3.0),
    "Retry-After in error.metadata.headers": Fault(status=429, body=limited_with({"Retry-After": "3"})),
}


@pytest.mark.parametrize("fault", list(HEADER_FORMS.values()), ids=list(HEADER_FORMS))
async def test_a_rate_limit_is_waited_out_to_its_reset_then_the_call_succeeds(fault: Fault) -> None:
    timeline, heard = Timeline(NOW), Heard()
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(fault)
    async with make_client(
        httpx.ASGITransport(app=simulator.app), on_wait=heard, **timeline.client_arguments()
    ) as client:
        completion = await client.chat(BODY)
    assert completion.text
    assert timeline.waits == [3.0]
    assert heard.messages == ["rate limited, retrying in 3.0 s"]
    assert chat_requests(simulator) == 2


async def test_a_bad_gateway_is_retried_after_a_jittered_backoff_then_succeeds(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("bad_gateway")
    timeline, heard = Timeline(NOW), Heard()
    async with make_client(transport, on_wait=heard, random=lambda: 0.8, **timeline.client_arguments()) as client:
        assert (await client.chat(BODY)).text
    assert timeline.waits == [pytest.approx(0.4)]
    assert heard.messages == ["HTTP 502 from the provider, retrying in 0.4 s"]
    assert chat_requests(simulator) == 2


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("bad_request", BadRequestError),
        ("no_auth", AuthenticationError),
        ("credits", InsufficientCreditsError),
        ("moderation", PermissionDeniedError),
        ("no_endpoints", NotFoundError),
    ],
)
async def test_errors_a_retry_cannot_fix_are_sent_exactly_once(
    transport: httpx.ASGITransport, simulator: Simulator, fault: str, error: type[APIStatusError]
) -> None:
    simulator.add_fault(fault, times=None)
    timeline, heard = Timeline(NOW), Heard()
    async with make_client(transport, on_wait=heard, **timeline.client_arguments()) as client:
        with pytest.raises(error):
            await client.chat(BODY)
    assert chat_requests(simulator) == 1
    assert timeline.waits == [] and heard.messages == []


# -- the wait budget: fail at once, saying when to try again ------------------------------------------


async def test_a_reset_beyond_the_wait_budget_fails_at_once_saying_when_to_try_again() -> None:
    timeline, heard = Timeline(NOW), Heard()
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(Fault(status=429, body=limited_with({}), reset_in=75.0))
    async with make_client(
        httpx.ASGITransport(app=simulator.app), on_wait=heard, **timeline.client_arguments()
    ) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.chat(BODY)
    message = str(caught.value)
    assert "rate limited; try again after 08:01:15 UTC (in 75 s)" in message
    assert "Rate limit exceeded: limit_rpm/openai/gpt-4o-mini" in message  # OpenRouter's reason is kept
    assert "OPENROUTER_MAX_RETRY_WAIT (60 s for one call)" in message
    assert caught.value.reset_at == NOW + 75
    assert timeline.waits == [] and heard.messages == []
    assert chat_requests(simulator) == 1


async def test_the_budget_bounds_all_the_waits_of_one_call_together(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable", times=None)
    timeline = Timeline(NOW)
    # Ceilings 0.5 s, 1 s, 2 s; a draw of 0.9 waits 0.45 s, then 0.9 s would pass the 1 s budget.
    client = make_client(transport, max_retry_wait=1.0, random=lambda: 0.9, **timeline.client_arguments())
    async with client:
        with pytest.raises(ServiceUnavailableError, match=r"No instances available .*; try again after 08:00:02 UTC"):
            await client.chat(BODY)
    assert timeline.waits == [pytest.approx(0.45)]
    assert chat_requests(simulator) == 2


async def test_a_daily_cap_fails_at_once_with_the_date_it_resets(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("free_daily_cap")
    timeline = Timeline(NOW)
    async with make_client(transport, **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError, match=r"free-models-per-day.*try again after 2100-01-01 00:00:00 UTC"):
            await client.chat(BODY)
    assert timeline.waits == []


def test_the_try_again_error_keeps_the_class_and_the_fields_of_the_original() -> None:
    original = RateLimitError("slow down", status=429, reset_at=NOW + 3 * 3600, metadata={"headers": {}})
    again = try_again_after(original, NOW + 3 * 3600, NOW, 60.0)
    assert type(again) is RateLimitError and again is not original
    assert (again.status, again.code, again.reset_at, again.metadata) == (429, 429, NOW + 3 * 3600, {"headers": {}})
    assert str(again).startswith("OpenRouter error 429: slow down — rate limited; try again after 11:00:00 UTC")
    assert "(in 3 h 0 min)" in str(again)
    assert (
        str(original) == "OpenRouter error 429: slow down — rate limited; the limit resets at 2027-01-15 11:00:00 UTC"
    )


# -- the gate: other requests to a rate-limited model wait for its reset ------------------------------


async def test_after_a_429_other_requests_to_that_model_wait_for_the_reset_instead_of_hammering() -> None:
    timeline, heard = Timeline(NOW, frozen=True), Heard()
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(Fault(status=429, body=limited_with({}), reset_in=5.0, model=MODEL))
    async with make_client(httpx.ASGITransport(app=simulator.app), **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).chat(BODY)
        await client.chat(BODY, on_wait=heard)
        assert heard.messages == [f"rate limited for {MODEL}: waiting 5.0 s for the reset"]
        await client.chat(OTHER_BODY, on_wait=heard)  # another model is not held back
    assert timeline.waits == [5.0]
    assert heard.messages == [f"rate limited for {MODEL}: waiting 5.0 s for the reset"]
    assert chat_requests(simulator) == 3


async def test_the_call_that_got_the_429_waits_for_the_reset_once_not_twice() -> None:
    timeline = Timeline(NOW, frozen=True)
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(Fault(status=429, body=limited_with({}), reset_in=5.0))
    async with make_client(httpx.ASGITransport(app=simulator.app), **timeline.client_arguments()) as client:
        await client.chat(BODY)
    assert timeline.waits == [5.0]


async def test_a_gate_that_opens_after_the_budget_fails_at_once_without_sending() -> None:
    timeline = Timeline(NOW, frozen=True)
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(Fault(status=429, body=limited_with({}), reset_in=120.0))
    async with make_client(httpx.ASGITransport(app=simulator.app), **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError, match=r"try again after 08:02:00 UTC \(in 2 min\)"):
            await client.chat(BODY)
        with pytest.raises(RateLimitError, match=r"limit_rpm/openai/gpt-4o-mini — rate limited; try again after"):
            await client.chat(BODY)
    assert timeline.waits == []
    assert chat_requests(simulator) == 1


async def test_a_429_without_a_model_holds_back_the_whole_key_but_not_other_keys(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(path="/key", status=429, body=LIMITED, headers={"Retry-After": "4"}))
    timeline, heard, records = Timeline(NOW, frozen=True), Heard(), Records()
    async with make_client(transport, on_request=records, **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).key_info()
        await client.with_options(api_key="sk-or-v1-another-key-0001").chat(BODY, on_wait=heard)
        assert heard.messages == []
        await client.chat(OTHER_BODY, on_wait=heard)
    assert heard.messages == ["rate limited for this key: waiting 4.0 s for the reset"]
    assert timeline.waits == [4.0]
    assert [r.path for r in records.records] == ["/key", "/chat/completions", "/chat/completions"]


async def test_the_gate_opens_once_the_reset_time_has_passed() -> None:
    timeline, heard = Timeline(NOW), Heard()
    simulator = Simulator(clock=timeline.clock)
    simulator.add_fault(Fault(status=429, body=limited_with({}), reset_in=5.0))
    async with make_client(httpx.ASGITransport(app=simulator.app), **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).chat(BODY)
        timeline.now += 6
        await client.chat(BODY, on_wait=heard)
    assert heard.messages == [] and timeline.waits == []


# -- the on_wait hook ------------------------------------------------------------------------------


async def test_a_per_call_on_wait_hook_wins_over_the_clients(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable")
    default, per_call = Heard(), Heard()
    timeline = Timeline(NOW)
    async with make_client(transport, on_wait=default, random=lambda: 0.5, **timeline.client_arguments()) as client:
        await client.chat(BODY, on_wait=per_call)
    assert per_call.messages == ["HTTP 503 from the provider, retrying in 0.2 s"]
    assert default.messages == []


async def test_a_stream_tells_its_own_hook_about_a_retry_before_its_first_byte(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(status=429, body=LIMITED, headers={"Retry-After": "2"}))
    heard, timeline = Heard(), Timeline(NOW)
    async with (
        make_client(transport, **timeline.client_arguments()) as client,
        client.stream_chat(BODY, on_wait=heard) as stream,
    ):
        async for _ in stream.events():
            pass
    assert stream.completion().text
    assert heard.messages == ["rate limited, retrying in 2.0 s"]


async def test_a_connection_failure_says_it_is_retrying() -> None:
    calls: list[str] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json={"data": {"label": "sk-or-v1-abc...xyz", "limit": None, "usage": 0}})

    heard, timeline = Heard(), Timeline(NOW)
    transport = httpx.MockTransport(refuse)
    async with make_client(transport, on_wait=heard, random=lambda: 0.5, **timeline.client_arguments()) as client:
        await client.key_info()
    assert heard.messages == ["could not connect, retrying in 0.2 s"]


async def test_an_on_wait_hook_that_raises_does_not_break_the_call(
    transport: httpx.ASGITransport, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.add_fault("bad_gateway")

    async def broken(message: str) -> None:
        raise RuntimeError(f"progress channel closed for {FAKE_KEY}: {PROMPT}")

    timeline = Timeline(NOW)
    with caplog.at_level(logging.WARNING):
        async with make_client(transport, on_wait=broken, **timeline.client_arguments()) as client:
            assert (await client.chat(BODY)).text
    assert "the on_wait hook failed: RuntimeError" in caplog.text
    assert FAKE_KEY not in caplog.text and PROMPT not in caplog.text
    assert len(timeline.waits) == 1


async def test_wait_messages_never_hold_the_key_or_the_prompt(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    for fault in ("rate_limit", "bad_gateway", "unavailable", "timeout"):
        simulator.add_fault(fault, model=MODEL)
    heard, timeline = Heard(), Timeline(simulator.clock(), frozen=True)
    async with make_client(transport, on_wait=heard, max_retries=4, **timeline.client_arguments()) as client:
        await client.chat(BODY)
        await client.chat(BODY)
    assert len(heard.messages) == 5  # four retries, then the second call waits at the gate
    assert heard.messages[0].startswith("rate limited, retrying in ")
    assert heard.messages[-1].startswith(f"rate limited for {MODEL}: waiting ")
    assert no_secrets(heard.messages)


async def test_a_free_model_cap_holds_back_every_free_model_of_the_key() -> None:
    timeline, heard = Timeline(NOW, frozen=True), Heard()
    simulator = Simulator(clock=timeline.clock)
    cap = {"error": {"message": "Rate limit exceeded: free-models-per-min. ", "code": 429}}
    simulator.add_fault(Fault(status=429, body=cap, headers={"Retry-After": "7"}))
    free = "meta-llama/llama-3.3-70b-instruct:free"
    other_free = {"model": "qwen/qwen3-8b:free", "messages": [{"role": "user", "content": PROMPT}]}
    async with make_client(httpx.ASGITransport(app=simulator.app), **timeline.client_arguments()) as client:
        with pytest.raises(RateLimitError):
            await client.with_options(max_retries=0).chat({**BODY, "model": free})
        await client.chat(other_free, on_wait=heard)
        await client.chat(BODY, on_wait=heard)  # a paid model is not held back
    assert heard.messages == ["rate limited for :free models: waiting 7.0 s for the reset"]


# -- reading the reset time: every form, in the headers or in error.metadata.headers -------------------

RESET_FORMS = {
    "Retry-After seconds": {"Retry-After": "3"},
    "Retry-After fractional seconds": {"Retry-After": "3.0"},
    "Retry-After HTTP date": {"Retry-After": "Fri, 15 Jan 2027 08:00:03 GMT"},
    "X-RateLimit-Reset epoch ms": {"X-RateLimit-Reset": str(int((NOW + 3) * 1000))},
    "X-RateLimit-Reset epoch s": {"X-RateLimit-Reset": str(int(NOW + 3))},
    "X-RateLimit-Reset seconds to wait": {"X-RateLimit-Reset": "3"},
    "lower-case names": {"x-ratelimit-reset": str(int((NOW + 3) * 1000))},
}


@pytest.mark.parametrize("headers", list(RESET_FORMS.values()), ids=list(RESET_FORMS))
@pytest.mark.parametrize("where", ["HTTP headers", "error.metadata.headers"])
def test_each_reset_form_is_read_from_the_headers_and_from_the_bodys_copy(headers: dict[str, str], where: str) -> None:
    if where == "HTTP headers":
        error = status_error(429, LIMITED, headers=headers, now=NOW)
    else:
        error = status_error(429, limited_with(headers), now=NOW)
    assert isinstance(error, RateLimitError) and error.reset_at == NOW + 3


def test_a_reset_sent_as_a_json_number_in_the_body_is_read_too() -> None:
    body = {"error": {**LIMITED["error"], "metadata": {"headers": {"X-RateLimit-Reset": int((NOW + 3) * 1000)}}}}
    error = status_error(429, body, now=NOW)
    assert isinstance(error, RateLimitError) and error.reset_at == NOW + 3


def test_the_bodys_copy_wins_over_the_http_headers() -> None:
    error = status_error(429, limited_with({"Retry-After": "3"}), headers={"Retry-After": "30"}, now=NOW)
    assert isinstance(error, RateLimitError) and error.reset_at == NOW + 3
