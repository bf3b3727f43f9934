"""Replies that look like success but are not: choice errors at 200, streams of junk, odd
rate-limit headers, edge statuses, bodies too deep to parse — through the in-process
simulator or a hand-made transport (parsing only; sockets are in test_hostile_upstream)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.client import (
    APIConnectionError,
    ChoiceError,
    GatewayError,
    OpenRouterClient,
    RateLimitError,
    ResponseError,
    StreamError,
)
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.simulator import Simulator

from ..helpers import Records, make_client

pytestmark = pytest.mark.anyio

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
NOW = 1_800_000_000.0


class FakeSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def answering(*responses: httpx.Response) -> httpx.MockTransport:
    """A transport that gives these responses in turn (the last one again when they run out)."""
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return httpx.MockTransport(answer)


def stream_of(*lines: str) -> httpx.Response:
    body = "".join(f"{line}\n\n" for line in lines).encode()
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


def reply(choice: dict[str, Any], **extra: Any) -> httpx.Response:
    usage = {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8, "cost": 0.0002}
    return httpx.Response(
        200, json={"id": "gen-1", "provider": "Together", "choices": [choice], "usage": usage, **extra}
    )


async def drain(client: OpenRouterClient) -> Callable[[], object]:
    """Read a whole stream; returns its `completion` to call."""
    async with client.stream_chat(BODY) as stream:
        async for _ in stream.events():
            pass
    return stream.completion


# -- a 200 whose choice carries an error ------------------------------------------------------------


async def test_a_whole_reply_whose_choice_carries_an_error_raises_with_its_partial_text_and_code(
    transport: httpx.ASGITransport, simulator: Simulator
) -> None:
    simulator.add_fault("choice_error_at_200")
    records = Records()
    async with make_client(transport, on_request=records) as client:
        with pytest.raises(ChoiceError, match="Upstream error from Together: connection reset by peer") as caught:
            await client.chat(BODY)
    error = caught.value
    assert error.partial_text.startswith("[simulated openai/gpt-4o-mini]") and error.code == 502
    assert error.provider and f"(provider: {error.provider})" in str(error)
    assert f"after {len(error.partial_text)} characters; the partial text is kept" in str(error)
    (record,) = records.records
    assert (record.status, record.error_kind) == (200, "ChoiceError")
    assert record.cost is not None and record.cost > 0 and record.generation_id  # billed, and metered as such


async def test_a_reply_that_ends_with_finish_reason_error_alone_is_an_error() -> None:
    choice = {"message": {"role": "assistant", "content": "Half a"}, "finish_reason": "error"}
    async with make_client(answering(reply(choice))) as client:
        with pytest.raises(ChoiceError, match="finish_reason 'error'") as caught:
            await client.chat(BODY)
    assert (caught.value.partial_text, caught.value.provider, caught.value.code) == ("Half a", "Together", 500)


async def test_a_choice_error_names_the_provider_and_its_own_words() -> None:
    error = {
        "code": 429,
        "message": "Provider returned error",
        "metadata": {"provider_name": "Crucible", "raw": '{"error": {"message": "model overloaded"}}'},
    }
    choice = {"message": {"role": "assistant", "content": ""}, "finish_reason": "error", "error": error}
    async with make_client(answering(reply(choice))) as client:
        with pytest.raises(ChoiceError) as caught:
            await client.chat(BODY)
    assert "Provider returned error: model overloaded (provider: Crucible)" in str(caught.value)
    assert caught.value.code == 429 and caught.value.provider == "Crucible"
    assert "before any text arrived" in str(caught.value)


async def test_a_reply_without_an_error_in_its_choice_is_still_a_success() -> None:
    choice = {"message": {"role": "assistant", "content": "All fine"}, "finish_reason": "stop"}
    async with make_client(answering(reply(choice))) as client:
        completion = await client.chat(BODY)
    assert completion.text == "All fine"


# -- streams of junk --------------------------------------------------------------------------------


async def test_a_stream_of_only_malformed_lines_then_done_is_an_error_and_logs_only_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    records = Records()
    transport = answering(stream_of("data: {secret reply text", "data: [1, 2", "data: not json at all", "data: [DONE]"))
    with caplog.at_level(logging.WARNING, logger="mcp_server_openrouter"):
        async with make_client(transport, on_request=records) as client:
            completion = await drain(client)
    with pytest.raises(StreamError, match=r"3 malformed data line\(s\) and no reply chunk") as caught:
        completion()
    assert type(caught.value) is StreamError
    assert any("skipped 3 malformed data line(s)" in message for message in caught_messages(caplog))
    assert not any("secret" in message or "not json" in message for message in caught_messages(caplog))
    assert [r.error_kind for r in records.records] == ["StreamError"]


def caught_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


async def test_junk_lines_among_good_chunks_are_skipped_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    good = '{"id": "gen-2", "choices": [{"index": 0, "delta": {"content": "Hello"}, "finish_reason": "stop"}]}'
    transport = answering(stream_of(f"data: {good}", "data: {torn", "data: [DONE]"))
    with caplog.at_level(logging.WARNING, logger="mcp_server_openrouter"):
        async with make_client(transport) as client:
            completion = await drain(client)
    assert completion() is not None
    assert any("skipped 1 malformed data line(s) in the stream of gen-2" in m for m in caught_messages(caplog))


async def test_a_stream_that_is_only_done_is_an_error_not_an_empty_success() -> None:
    async with make_client(answering(stream_of("data: [DONE]"))) as client:
        completion = await drain(client)
    with pytest.raises(StreamError, match="no reply chunk before"):
        completion()


async def test_a_streamed_request_answered_with_a_whole_json_reply_says_so() -> None:
    choice = {"message": {"role": "assistant", "content": "not streamed"}, "finish_reason": "stop"}
    async with make_client(answering(reply(choice))) as client:
        with pytest.raises(ResponseError, match="instead of an event stream") as caught:
            async with client.stream_chat(BODY):
                pass
    assert "not streamed" not in str(caught.value)


# -- bodies and texts that must not get through whole ---------------------------------------------


async def test_a_reply_nested_too_deep_to_parse_is_a_response_error() -> None:
    deep = httpx.Response(200, content=b"[" * 200_000, headers={"content-type": "application/json"})
    async with make_client(answering(deep)) as client:
        with pytest.raises(ResponseError, match="not JSON"):
            await client.chat(BODY)


async def test_a_connection_error_that_quotes_a_url_shows_it_without_credentials_or_query() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("cannot reach proxy http://carol:pr0xy-pass@proxy.example:3128/?token=abc123")

    async with make_client(httpx.MockTransport(refuse), max_retries=0) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.list_models()
    message = str(caught.value)
    assert "http://proxy.example:3128/?…" in message
    assert "pr0xy-pass" not in message and "abc123" not in message and "carol" not in message


# -- rate limits and edge statuses --------------------------------------------------------------------


def rate_limited(**headers: str) -> RateLimitError:
    error = status_error(429, {"error": {"message": "Rate limit exceeded", "code": 429}}, headers=headers, now=NOW)
    assert isinstance(error, RateLimitError)
    return error


def test_a_rate_limit_reset_of_zero_means_unknown_not_1970() -> None:
    error = rate_limited(**{"x-ratelimit-reset": "0"})
    assert error.reset_at is None
    assert "1970" not in str(error) and "wait a little" in str(error)


def test_a_reset_of_zero_falls_back_to_retry_after() -> None:
    assert rate_limited(**{"x-ratelimit-reset": "0", "retry-after": "3"}).reset_at == NOW + 3


def test_an_http_date_retry_after_is_read_as_that_time() -> None:
    error = rate_limited(**{"retry-after": "Fri, 15 Jan 2027 08:00:05 GMT"})
    assert error.reset_at == datetime(2027, 1, 15, 8, 0, 5, tzinfo=timezone.utc).timestamp()
    assert "resets at 2027-01-15 08:00:05 UTC" in str(error)


@pytest.mark.parametrize(
    ("headers", "reset_at"),
    [
        ({"x-ratelimit-reset": "5"}, NOW + 5),  # too small to be a date: seconds to wait
        ({"x-ratelimit-reset": str(int((NOW + 7) * 1000))}, NOW + 7),  # OpenRouter's epoch milliseconds
        ({"x-ratelimit-reset": str(NOW + 9)}, NOW + 9),  # epoch seconds, as other servers send
        ({"retry-after": "-4"}, None),
        ({"retry-after": "soon"}, None),
        ({"x-ratelimit-reset": "-1"}, None),
    ],
    ids=["seconds to wait", "epoch ms", "epoch s", "negative retry-after", "junk retry-after", "negative reset"],
)
def test_rate_limit_reset_headers_are_read_sensibly(headers: dict[str, str], reset_at: float | None) -> None:
    assert rate_limited(**headers).reset_at == reset_at


async def test_a_rate_limit_reset_of_zero_backs_off_instead_of_retrying_at_once() -> None:
    limited = httpx.Response(
        429, json={"error": {"message": "Rate limit exceeded", "code": 429}}, headers={"X-RateLimit-Reset": "0"}
    )
    choice = {"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
    sleep = FakeSleep()
    client = make_client(answering(limited, reply(choice)), sleep=sleep, random=lambda: 0.5, clock=lambda: NOW)
    async with client:
        await client.chat(BODY)
    assert sleep.waits == [0.25]


@pytest.mark.parametrize("status", [520, 521, 522, 523, 524])
def test_the_edges_own_5xx_statuses_are_gateway_errors_retried_like_502(status: int) -> None:
    error = status_error(status, None, text="", headers={"content-type": "text/html"})
    assert isinstance(error, GatewayError) and error.retryable and error.status == status


def test_an_html_page_without_a_title_is_still_not_pasted() -> None:
    page = "<html><body>" + "<div>noise</div>" * 500 + "</body></html>"
    error = status_error(502, None, text=page, headers={"content-type": "text/html"})
    assert "HTML page without a title" in str(error) and "noise" not in str(error)


def test_a_long_plain_text_error_body_is_cut_short() -> None:
    error = status_error(500, None, text="z" * 5000, truncated=True)
    assert str(error).count("z") == 500 and "…(cut)" in str(error)


@pytest.mark.parametrize("choice", ["x", None, {"message": None}, {"finish_reason": "stop"}])
async def test_a_whole_reply_whose_choice_has_no_message_is_an_error_not_an_empty_success(choice: object) -> None:
    odd = httpx.Response(200, json={"id": "gen-2", "choices": [choice]})
    async with make_client(answering(odd)) as client:
        with pytest.raises(ResponseError, match="choice has no message"):
            await client.chat(BODY)


async def test_a_whole_reply_that_is_not_json_says_it_may_have_been_billed() -> None:
    garbled = httpx.Response(200, content=b"<html>oops</html>", headers={"content-type": "text/html"})
    async with make_client(answering(garbled)) as client:
        with pytest.raises(ResponseError, match="may still have processed and billed"):
            await client.chat(BODY)
