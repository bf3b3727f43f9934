"""Chat domain: argument validation and the request body (progress: test_progress.py and loopback/)."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.chat.request import ChatRequest, normalize_messages
from mcp_server_openrouter.errors import InvalidArgumentError


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
