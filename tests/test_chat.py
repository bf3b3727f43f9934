"""Chat domain: argument validation, the request body, progress reporting."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.chat.progress import ProgressReporter, text_tail
from mcp_server_openrouter.chat.request import ChatRequest, normalize_messages
from mcp_server_openrouter.errors import InvalidArgumentError

from .helpers import FakeClock


def test_a_body_holds_only_what_the_caller_gave() -> None:
    assert ChatRequest.create(model="openai/gpt-4o", messages="hi").body() == {
        "model": "openai/gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
    }
    request = ChatRequest.create(
        model="openai/gpt-4o", messages="hi", max_tokens=5, temperature=0.0, seed=1, stop="x", top_p=1
    )
    body = request.body()
    assert body["max_tokens"] == 5 and body["temperature"] == 0.0 and body["seed"] == 1
    assert body["stop"] == "x" and body["top_p"] == 1


def test_multimodal_content_parts_pass_through_untouched() -> None:
    parts = [{"type": "text", "text": "what is this"}, {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]
    assert normalize_messages([{"role": "user", "content": parts}]) == [{"role": "user", "content": parts}]


def test_an_assistant_message_with_tool_calls_needs_no_content() -> None:
    message = {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]}
    assert normalize_messages([message]) == [message]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"max_tokens": -3}, "positive integer"),
        ({"max_tokens": True}, "positive integer"),
        ({"temperature": float("nan")}, "between 0 and 2"),
        ({"temperature": -0.1}, "between 0 and 2"),
        ({"top_p": 1.5}, "at most 1"),
        ({"stop": []}, "up to 4"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "up to 4"),
        ({"seed": 1.5}, "integer"),
    ],
)
def test_out_of_range_parameters_are_refused_with_the_allowed_range(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(InvalidArgumentError, match=words):
        ChatRequest.create(model="openai/gpt-4o", messages="hi", **kwargs)


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ([{"role": "user", "content": []}], "empty list"),
        ([{"role": "user", "content": [{"text": "no type"}]}], 'must be an object with a "type"'),
        ([{"role": "user", "content": [{"type": "text"}]}], 'without a "text" string'),
        ([{"role": "user", "content": 5}], "string or a list of parts"),
        (None, "non-empty list"),
    ],
)
def test_malformed_messages_say_which_message_is_wrong(messages: object, words: str) -> None:
    with pytest.raises(InvalidArgumentError, match=words):
        normalize_messages(messages)


async def collect(interval: float, clock: FakeClock) -> tuple[ProgressReporter, list[tuple[float, str]]]:
    sent: list[tuple[float, str]] = []

    async def callback(value: float, message: str) -> None:
        sent.append((value, message))

    return ProgressReporter(callback, interval, clock), sent


@pytest.mark.anyio
async def test_keepalives_before_the_first_token_raise_progress_below_one() -> None:
    reporter, sent = await collect(0.0, FakeClock())
    await reporter.keep_alive("m")
    await reporter.keep_alive("m")
    await reporter.token("Hello")
    await reporter.keep_alive("m")
    assert [v for v, _ in sent] == [0.5, pytest.approx(2 / 3), 1.0, 1.5]
    assert [m for _, m in sent] == ["waiting for m…", "waiting for m…", "Hello", "Hello"]


@pytest.mark.anyio
async def test_progress_is_throttled_by_the_injected_clock() -> None:
    clock = FakeClock()
    reporter, sent = await collect(1.0, clock)
    for second in range(10):
        clock.now = second * 0.25
        await reporter.token(f"t{second}")
    assert [m for _, m in sent] == ["t0", "t4", "t8"]
    assert reporter.tokens == 10


def test_the_tail_is_the_last_characters_on_one_line() -> None:
    assert text_tail("line one\nline   two") == "line one line two"
    assert len(text_tail("x" * 500)) == 60
