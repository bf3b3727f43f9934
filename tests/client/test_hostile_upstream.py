"""The client against a hostile upstream on loopback: dropped connections, timeouts, edge pages,
redirects, lying encodings, endless lines and bodies, keep-alives forever, echoed keys.

Real sockets, because these failures happen between the bytes; no test sleeps (the client's
own timeouts are short, and `fail_after` guards each test against hanging).
"""

from __future__ import annotations

import socket
import threading
import traceback
import tracemalloc
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import anyio
import httpx
import pytest

from mcp_server_openrouter import _redact
from mcp_server_openrouter.client import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    Delta,
    GatewayError,
    KeepAlive,
    MalformedAPIKeyError,
    OpenRouterClient,
    RedirectError,
    ReplyLostError,
    ReplyTimeoutError,
    ServiceUnavailableError,
    StreamError,
)

from ..helpers import FAKE_KEY, Records, no_sleep
from ..hostile import (
    Hostile,
    answer,
    bad_encoding,
    chunk,
    drop_after_body,
    echo_auth,
    endless_line,
    gzip_stream_then_garbage,
    headers_then_reset,
    hold,
    html_error,
    huge_body,
    keepalives_forever,
    redirect,
    serve_hostile,
    sse,
)

pytestmark = pytest.mark.anyio

BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
CHAT = "chat/completions"
MB = 1024 * 1024


@pytest.fixture
def hostile() -> Hostile:
    return Hostile()


@pytest.fixture
def base_url(hostile: Hostile) -> Iterator[str]:
    with serve_hostile(hostile) as url:
        yield url


def client_for(base_url: str, **overrides: Any) -> OpenRouterClient:
    """A client for the hostile server: no proxies from the environment, no real retry waits."""
    arguments: dict[str, Any] = {
        "api_key": FAKE_KEY,
        "base_url": base_url,
        "transport": httpx.AsyncHTTPTransport(),
        "sleep": no_sleep,
        "random": lambda: 0.0,
    }
    arguments.update(overrides)
    return OpenRouterClient(**arguments)


# -- never buy a reply twice ---------------------------------------------------------------


@pytest.mark.parametrize("rst", [False, True], ids=["closed", "reset"])
async def test_a_chat_whose_connection_drops_after_the_body_was_sent_is_posted_once_and_may_be_billed(
    rst: bool, hostile: Hostile, base_url: str
) -> None:
    hostile.answer(CHAT, drop_after_body(rst=rst))
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(ReplyLostError) as caught:
                await client.chat(BODY)
    assert len(hostile.received("POST", CHAT)) == 1
    message = str(caught.value)
    assert "may still have processed and billed it" in message and "not sent again" in message
    assert "https://openrouter.ai/activity" in message
    assert not caught.value.retryable and caught.value.generation_id is None
    (record,) = records.records
    assert (record.status, record.error_kind) == (None, "ReplyLostError")


async def test_a_chat_that_times_out_while_waiting_for_the_answer_is_posted_once(
    hostile: Hostile, base_url: str
) -> None:
    hostile.answer(CHAT, hold())
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, timeout=0.2, on_request=records) as client:
            with pytest.raises(ReplyTimeoutError, match=r"did not answer in time \(ReadTimeout") as caught:
                await client.chat(BODY)
    assert len(hostile.received("POST", CHAT)) == 1
    assert "OPENROUTER_TIMEOUT" in str(caught.value) and "billed" in str(caught.value)
    assert [r.error_kind for r in records.records] == ["ReplyTimeoutError"]


async def test_a_reply_lost_after_its_headers_names_the_generation_to_look_up(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, headers_then_reset("gen-lost-42"))
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(ReplyLostError) as caught:
                await client.chat(BODY)
    assert len(hostile.received("POST", CHAT)) == 1
    assert caught.value.generation_id == "gen-lost-42" and caught.value.status == 200
    assert "(generation gen-lost-42)" in str(caught.value)
    assert "GET /generation?id=gen-lost-42" in str(caught.value)
    (record,) = records.records
    assert (record.status, record.error_kind, record.generation_id) == (200, "ReplyLostError", "gen-lost-42")


async def test_a_stream_that_gets_no_headers_in_time_is_posted_once(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, hold())
    with anyio.fail_after(10):
        async with client_for(base_url, timeout=0.2) as client:
            with pytest.raises(ReplyTimeoutError):
                async with client.stream_chat(BODY):
                    pass
    assert len(hostile.received("POST", CHAT)) == 1


async def test_reads_that_fail_are_still_retried_for_get_requests(hostile: Hostile, base_url: str) -> None:
    hostile.answer("key", drop_after_body())
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(APIConnectionError, match=r"GET /key: the connection to .* broke"):
                await client.key_info()
    assert len(hostile.received("GET", "key")) == 4  # the first try and OPENROUTER_MAX_RETRIES=3 retries
    assert [r.error_kind for r in records.records] == ["APIConnectionError"] * 4


async def test_a_refused_connection_is_retried_and_named_without_credentials_or_query() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` now: every connection is refused before anything is sent.
    records = Records()
    base_url = f"http://alice:s3cret-pass@127.0.0.1:{port}/api/v1"
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(APIConnectionError) as caught:
                await client.chat(BODY)
    message = str(caught.value)
    assert f"could not reach http://127.0.0.1:{port}/api/v1 (ConnectError" in message
    assert "s3cret" not in message and "alice" not in message
    assert [r.error_kind for r in records.records] == ["APIConnectionError"] * 4  # never sent: safe to retry


# -- answers from the edge -------------------------------------------------------------------


async def test_an_edge_timeout_page_is_summarised_to_its_status_and_title_and_retried(
    hostile: Hostile, base_url: str
) -> None:
    hostile.answer(CHAT, html_error(524, "openrouter.ai | 524: A timeout occurred"))
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(GatewayError) as caught:
                await client.chat(BODY)
    message = str(caught.value)
    assert "HTTP 524 with an HTML page titled “openrouter.ai | 524: A timeout occurred”" in message
    assert "<p>" not in message and "<html" not in message.lower()
    assert caught.value.retryable and len(hostile.received("POST", CHAT)) == 4
    assert [(r.status, r.error_kind) for r in records.records] == [(524, "GatewayError")] * 4


async def test_a_bad_gateway_page_is_a_service_unavailable_error_with_the_pages_title(
    hostile: Hostile, base_url: str
) -> None:
    hostile.answer("models", html_error(502, "502 Bad Gateway"))
    with anyio.fail_after(10):
        async with client_for(base_url, max_retries=0) as client:
            with pytest.raises(ServiceUnavailableError, match="HTTP 502 with an HTML page titled “502 Bad Gateway”"):
                await client.list_models()


async def test_a_redirecting_base_url_is_reported_and_never_followed(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, redirect("https://bob:pw-123@openrouter.example/api/v1/chat/completions?key=zzz", 301))
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, on_request=records) as client:
            with pytest.raises(RedirectError) as caught:
                await client.chat(BODY)
    message = str(caught.value)
    assert f"the base URL {base_url} redirects (HTTP 301) to https://openrouter.example/api/v1/chat/completions?…" in (
        message
    )
    assert "instead of http://" in message or "wants https://" in message
    assert "pw-123" not in message and "zzz" not in message and "bob" not in message
    assert caught.value.location == "https://openrouter.example/api/v1/chat/completions?…"
    assert len(hostile.requests) == 1 and not caught.value.retryable
    assert [(r.status, r.error_kind) for r in records.records] == [(301, "RedirectError")]


async def test_a_relative_redirect_is_named_as_a_full_address(hostile: Hostile, base_url: str) -> None:
    hostile.answer("key", redirect("/elsewhere/key", 307))
    with anyio.fail_after(10):
        async with client_for(base_url) as client:
            with pytest.raises(RedirectError) as caught:
                await client.key_info()
    assert caught.value.location == base_url.replace("/api/v1", "/elsewhere/key")


# -- lying encodings, endless lines and bodies, endless streams ----------------------------------


async def test_a_chat_with_a_bad_content_encoding_is_a_clear_error_and_posted_once(
    hostile: Hostile, base_url: str
) -> None:
    hostile.answer(CHAT, bad_encoding)
    with anyio.fail_after(10):
        async with client_for(base_url) as client:
            with pytest.raises(ReplyLostError, match="could not be decoded") as caught:
                await client.chat(BODY)
    assert caught.value.status == 200 and len(hostile.received("POST", CHAT)) == 1


async def test_a_stream_with_a_bad_content_encoding_keeps_its_partial_text(hostile: Hostile, base_url: str) -> None:
    release = threading.Event()
    hostile.answer(CHAT, gzip_stream_then_garbage(sse(chunk("Hello "), chunk("world")), release))
    records = Records()
    try:
        with anyio.fail_after(10):
            async with client_for(base_url, on_request=records) as client, client.stream_chat(BODY) as stream:
                async for event in stream.events():
                    if isinstance(event, Delta) and event.text == "world":
                        release.set()  # the valid part has been read: now the garbage
                with pytest.raises(StreamError, match=r"could not be decoded \(Content-Encoding: gzip\)") as caught:
                    stream.completion()
    finally:
        release.set()
    assert caught.value.partial_text == "Hello world"
    assert [r.error_kind for r in records.records] == ["StreamError"]


async def test_an_endless_sse_line_is_cut_at_one_mib_and_the_partial_text_kept(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, endless_line(sse(chunk("before the flood")), 40 * MB))
    tracemalloc.start()
    try:
        with anyio.fail_after(20):
            async with client_for(base_url) as client, client.stream_chat(BODY) as stream:
                async for _ in stream.events():
                    pass
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    with pytest.raises(StreamError, match="a line of the event stream passed 1,048,576 characters") as caught:
        stream.completion()
    assert caught.value.partial_text == "before the flood"
    assert peak < 12 * MB  # the 40 MB line was never held whole


async def test_a_huge_error_body_is_read_only_up_to_64_kib(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, huge_body(500, 40 * MB))
    records = Records()
    tracemalloc.start()
    try:
        with anyio.fail_after(20):
            async with client_for(base_url, max_retries=0, on_request=records) as client:
                with pytest.raises(APIStatusError) as caught:
                    await client.chat(BODY)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.status == 500 and "…(cut)" in str(caught.value)
    assert len(str(caught.value)) < 1000
    assert peak < 8 * MB
    assert [(r.status, r.error_kind) for r in records.records] == [(500, "ServiceUnavailableError")]


async def test_a_keepalive_only_upstream_ends_at_the_stream_deadline_with_the_partial_text(
    hostile: Hostile, base_url: str
) -> None:
    hostile.answer(CHAT, keepalives_forever(sse(chunk("Let me think")), interval=0.02))
    records = Records()
    keepalives = 0
    with anyio.fail_after(10):
        client = client_for(base_url, max_stream_seconds=0.3, on_request=records)
        async with client, client.stream_chat(BODY) as stream:
            async for event in stream.events():
                keepalives += isinstance(event, KeepAlive)
    with pytest.raises(StreamError, match=r"overall deadline of 0.3 s \(OPENROUTER_MAX_STREAM_SECONDS\)") as caught:
        stream.completion()
    assert caught.value.partial_text == "Let me think" and keepalives >= 2
    assert [r.error_kind for r in records.records] == ["StreamError"]


async def test_without_a_deadline_a_stream_reads_until_the_upstream_ends(hostile: Hostile, base_url: str) -> None:
    hostile.answer(CHAT, answer(200, sse(chunk("all of it"), "[DONE]"), "text/event-stream"))
    with anyio.fail_after(10):
        async with client_for(base_url, max_stream_seconds=None) as client, client.stream_chat(BODY) as stream:
            async for _ in stream.events():
                pass
    assert stream.completion().text == "all of it"


# -- the key goes nowhere ----------------------------------------------------------------------------


@pytest.fixture
def odd_key() -> str:
    """A key of another OpenAI-compatible server, with `+/=.` in it, registered as the settings loader does."""
    key = "gsk_live+Key/with=odd.chars.0123456789"
    _redact.register_secret(key)  # forgotten after the test (conftest)
    return key


def everything_shown(error: BaseException) -> str:
    """Every text of an error a person or a log could see: message, body, traceback with its causes."""
    body = getattr(error, "body", None)
    return "\n".join([str(error), repr(error), repr(body), "".join(traceback.format_exception(error))])


async def test_a_key_echoed_by_the_upstream_never_appears_in_the_error(
    odd_key: str, hostile: Hostile, base_url: str
) -> None:
    hostile.default = echo_auth
    with anyio.fail_after(10):
        async with client_for(base_url, api_key=odd_key) as client:
            with pytest.raises(AuthenticationError) as plain:
                await client.chat(BODY)
            with pytest.raises(AuthenticationError) as streamed:
                async with client.stream_chat(BODY):
                    pass
    assert hostile.requests[0].headers["authorization"] == f"Bearer {odd_key}"  # it was sent, and echoed
    for caught in (plain, streamed):
        shown = everything_shown(caught.value)
        assert "Incorrect API key provided: Bearer [redacted key]" in shown
        for form in (odd_key, quote(odd_key, safe=""), quote_plus(odd_key)):
            assert form not in shown


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("gsk_live_key\nwith_a_line_break", "contains a space or a line break"),
        ("sk-or-v1-“quoted-key-0123”", "contains a non-ASCII character"),
        ("sk-or-v1-nul\x00-0123456789", "contains a control character"),
    ],
    ids=["line break", "curly quotes", "control character"],
)
async def test_a_key_http_cannot_carry_is_refused_before_anything_is_sent_without_quoting_it(
    key: str, problem: str, hostile: Hostile, base_url: str
) -> None:
    records = Records()
    with anyio.fail_after(10):
        async with client_for(base_url, api_key=key, on_request=records) as client:
            with pytest.raises(MalformedAPIKeyError, match=problem) as caught:
                await client.chat(BODY)
    assert hostile.requests == [] and records.records == []  # nothing sent, nothing to meter
    shown = everything_shown(caught.value)
    assert key not in shown and "quoted-key" not in shown and "line_break" not in shown
    assert "OPENROUTER_API_KEY" in str(caught.value)


@pytest.mark.parametrize("title", ["evil\r\nX-Injected: 1", "café ☕"], ids=["line break", "non-ASCII"])
async def test_an_attribution_header_http_cannot_carry_is_refused_without_quoting_it(
    title: str, hostile: Hostile, base_url: str
) -> None:
    with anyio.fail_after(10):
        async with client_for(base_url, default_headers={"X-Title": title}) as client:
            with pytest.raises(MalformedAPIKeyError, match="OPENROUTER_APP_TITLE") as caught:
                await client.chat(BODY)
    assert hostile.received("POST", CHAT) == []
    shown = everything_shown(caught.value)
    assert "Injected" not in shown and "café" not in shown and FAKE_KEY not in shown
