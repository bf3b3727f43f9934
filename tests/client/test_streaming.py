"""The SSE decoder and the stream accumulator, fed by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcp_server_openrouter.client import StreamAccumulator, StreamError
from mcp_server_openrouter.client._streaming import (
    Comment,
    Data,
    LineSplitter,
    LineTooLongError,
    SSEDecoder,
    iter_events,
)


def test_the_decoder_yields_comments_and_joins_multi_line_data() -> None:
    lines = [": OPENROUTER PROCESSING", "", "data: first", "data: second", "", "event: ignored", "data:{}", ""]
    assert list(iter_events(lines)) == [Comment("OPENROUTER PROCESSING"), Data("first\nsecond"), Data("{}")]


def test_the_decoder_handles_crlf_and_a_last_event_without_a_blank_line() -> None:
    assert list(iter_events(["data: a\r\n", "\r\n", "data: b\r\n"])) == [Data("a"), Data("b")]


def test_the_decoder_is_incremental() -> None:
    decoder = SSEDecoder()
    assert list(decoder.feed("data: x")) == []
    assert list(decoder.feed("")) == [Data("x")]
    assert list(decoder.flush()) == []


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    return json.dumps({"id": "gen-1", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})


def test_tool_call_fragments_are_assembled_by_index() -> None:
    accumulator = StreamAccumulator()
    for data in [
        chunk(
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ],
            }
        ),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
        chunk({"tool_calls": [{"index": 1, "id": "call_2", "function": {"name": "get_time", "arguments": "{}"}}]}),
        chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
        chunk({}, "tool_calls"),
        "[DONE]",
    ]:
        accumulator.feed_data(data)
    completion = accumulator.finish()
    assert completion.finish_reason == "tool_calls"
    assert completion.tool_calls == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
        {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]


def test_reasoning_and_content_deltas_are_kept_apart() -> None:
    accumulator = StreamAccumulator()
    deltas = [
        accumulator.feed_data(chunk({"role": "assistant", "reasoning": "Let me think. "})),
        accumulator.feed_data(chunk({"role": "assistant", "reasoning": "Two plus two."})),
        accumulator.feed_data(chunk({"role": "assistant", "content": "4"})),
        accumulator.feed_data(chunk({"role": "assistant", "content": ""}, "stop")),
    ]
    accumulator.feed_data("[DONE]")
    completion = accumulator.finish()
    assert [(d.text, d.reasoning) for d in deltas[:3]] == [("", "Let me think. "), ("", "Two plus two."), ("4", "")]
    assert completion.text == "4" and completion.reasoning == "Let me think. Two plus two."


def test_the_first_finish_reason_wins_and_usage_is_read_wherever_it_is() -> None:
    accumulator = StreamAccumulator()
    accumulator.feed_data(chunk({"content": "hi"}))
    accumulator.feed_data(
        json.dumps({"choices": [{"delta": {}, "finish_reason": "length", "native_finish_reason": "MAX_TOKENS"}]})
    )
    accumulator.feed_data(
        json.dumps(
            {"choices": [{"delta": {}, "finish_reason": "stop"}], "usage": {"completion_tokens": 1, "cost": 0.5}}
        )
    )
    accumulator.feed_data("[DONE]")
    completion = accumulator.finish()
    assert completion.finish_reason == "length" and completion.native_finish_reason == "MAX_TOKENS"
    assert completion.usage is not None and completion.usage.completion_tokens == 1


def test_torn_or_foreign_lines_are_skipped_not_fatal() -> None:
    accumulator = StreamAccumulator()
    for data in ["{not json", "[1, 2]", chunk({"content": "ok"}, "stop"), "[DONE]"]:
        accumulator.feed_data(data)
    assert accumulator.finish().text == "ok"


def test_finish_reason_error_without_an_error_object_is_still_an_error() -> None:
    accumulator = StreamAccumulator()
    accumulator.feed_data(chunk({"content": "par"}))
    accumulator.feed_data(chunk({}, "error"))
    accumulator.feed_data("[DONE]")
    with pytest.raises(StreamError, match="finish_reason 'error'") as caught:
        accumulator.finish()
    assert caught.value.partial_text == "par"


def test_lines_end_at_crlf_lf_or_cr_even_when_a_crlf_is_split_across_chunks() -> None:
    splitter = LineSplitter(limit=100)
    assert splitter.feed("data: a\r") == ["data: a"]
    assert splitter.feed("\ndata: b\rdata: c\n\n") == ["data: b", "data: c", ""]
    assert splitter.feed("data: d") == []
    assert splitter.flush() == ["data: d"]


def test_a_line_separator_inside_json_does_not_split_the_line() -> None:
    line = 'data: {"text": "one\u2028two\x85three"}'
    assert LineSplitter(limit=100).feed(line + "\n") == [line]


def test_a_line_longer_than_the_limit_stops_the_splitter_without_holding_it() -> None:
    splitter = LineSplitter(limit=10)
    assert splitter.feed("data: 1234") == []
    with pytest.raises(LineTooLongError, match="passed 10 characters"):
        splitter.feed("5")
    assert splitter.flush() == []


def test_the_accumulator_counts_data_that_is_not_a_json_object() -> None:
    accumulator = StreamAccumulator()
    for data in ("{torn", "[1, 2]", '"a string"', '{"choices": []}'):
        accumulator.feed_data(data)
    assert (accumulator.junk, accumulator.chunks) == (3, 1)
