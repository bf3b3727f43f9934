"""Progress of streamed chats: the estimator, its strictly increasing values, and recorded streams.

The recorded streams run in process through `httpx.MockTransport`, which hands over the whole
body at once: these tests check what is counted, never when. Timing lives in `tests/loopback/`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.chat.progress import ProgressReporter, text_tail
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.run import run_chat
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from .helpers import CAPTURES, FakeClock, make_client, make_settings, structured_of

pytestmark = pytest.mark.anyio

STREAM_CAPTURES = sorted(CAPTURES.glob("chat-stream*.sse"))


@dataclass
class Sent:
    """The notifications a reporter sent, in order."""

    values: list[float] = field(default_factory=list)
    totals: list[float | None] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    async def __call__(self, progress: float, total: float | None, message: str) -> None:
        self.values.append(progress)
        self.totals.append(total)
        self.messages.append(message)


def reporter(
    interval: float = 0.0, clock: FakeClock | None = None, total: int | None = None
) -> tuple[ProgressReporter, Sent]:
    sent = Sent()
    return ProgressReporter(sent, interval, clock or FakeClock(), total=total), sent


def strictly_increasing(values: list[float]) -> bool:
    return all(a < b for a, b in itertools.pairwise(values))


# -- the estimator ---------------------------------------------------------------------------


async def test_keepalives_climb_towards_the_next_token_without_reaching_it() -> None:
    progress, sent = reporter()
    await progress.keep_alive("m")
    await progress.keep_alive("m")
    await progress.delta("Hello")
    await progress.keep_alive("m")
    assert sent.values == [0.25, pytest.approx(1 / 3), 0.5, 0.75]
    assert sent.messages == ["waiting for m…", "waiting for m…", "Hello", "Hello"]


async def test_a_fragment_rises_above_a_thousand_keepalives_before_it() -> None:
    progress, sent = reporter()
    for _ in range(1000):
        await progress.keep_alive("m")
    await progress.delta(" ")
    assert len(sent.values) == 1001 and strictly_increasing(sent.values)
    assert sent.values[-2] < 0.5 == sent.values[-1]


async def test_one_token_chunks_are_sent_half_a_token_below_their_count_so_the_exact_count_is_a_step_up() -> None:
    progress, sent = reporter()
    for word in ("a", "b", "c"):
        await progress.delta(word)
    await progress.finish(3)
    assert sent.values == [0.5, 1.5, 2.5, 3.0]
    assert progress.progress == 3.0


async def test_a_chunk_of_several_words_counts_a_token_a_word() -> None:
    progress, sent = reporter()
    await progress.delta("The quick brown fox jumps over the lazy dog")
    assert progress.tokens == 9 and sent.values == [8.5]


async def test_a_word_split_across_chunks_counts_once_but_every_chunk_counts_at_least_one() -> None:
    progress, _ = reporter()
    for piece in (" `", "res", "il", "ix", "`,", " as it", " is\n", "\n"):
        await progress.delta(piece)
    # one token a chunk, except " as it" (two words); "\n" is whitespace but still a token
    assert progress.tokens == 9


async def test_reasoning_and_tool_call_arguments_count_as_completion_tokens() -> None:
    progress, sent = reporter()
    await progress.delta(reasoning="Let me think about the weather")
    await progress.delta(tool_arguments='{"city": "Paris"}')
    await progress.delta(tool_arguments=', "unit": "C"}')
    assert progress.tokens == 6 + 2 + 2
    assert sent.values == [5.5, 7.5, 9.5]
    assert sent.messages == ["thinking…", "writing a tool call…", "writing a tool call…"]


async def test_text_and_reasoning_in_one_chunk_are_two_fragments() -> None:
    progress, _ = reporter()
    await progress.delta(text="Hi", reasoning="hm")
    assert progress.tokens == 2


async def test_an_empty_delta_sends_nothing_and_counts_nothing() -> None:
    progress, sent = reporter()
    await progress.delta()
    assert sent.values == [] and progress.tokens == 0


async def test_the_exact_count_is_sent_past_the_throttle() -> None:
    clock = FakeClock()
    progress, sent = reporter(interval=10.0, clock=clock)
    for word in ("one ", "two ", "three ", "four "):
        await progress.delta(word)
    await progress.finish(9)
    assert sent.values == [0.5, 9.0]  # the first fragment, then the throttle held the rest back
    assert sent.messages[-1] == "one two three four"


async def test_a_final_count_not_above_a_value_already_sent_is_skipped() -> None:
    progress, sent = reporter()
    await progress.delta("one two three four five six")  # a provider that counted 5 tokens for 6 words
    await progress.finish(5)
    assert sent.values == [5.5]
    assert progress.progress == 5.0  # the exact count still replaces the estimate


async def test_without_a_usage_chunk_the_last_value_sent_stands() -> None:
    progress, sent = reporter()
    await progress.delta("Hello")
    await progress.finish(None)
    assert sent.values == [0.5] and progress.exact is None


async def test_max_tokens_is_sent_as_total_with_every_notification() -> None:
    progress, sent = reporter(total=4)
    await progress.keep_alive("m")
    for word in ("a ", "b ", "c ", "d"):
        await progress.delta(word)
    await progress.finish(4)
    assert sent.totals == [4.0] * 6
    assert sent.values == [0.25, 0.5, 1.5, 2.5, 3.5, 4.0]


async def test_progress_is_throttled_by_the_injected_clock() -> None:
    clock = FakeClock()
    progress, sent = reporter(interval=1.0, clock=clock)
    for second in range(10):
        clock.now = second * 0.25
        await progress.delta(f"t{second}")
    assert sent.messages == ["t0", "t0t1t2t3t4", "t0t1t2t3t4t5t6t7t8"]
    assert progress.tokens == 10


def test_the_tail_is_the_last_characters_on_one_line() -> None:
    assert text_tail("line one\nline   two") == "line one line two"
    assert len(text_tail("x" * 500)) == 60


# -- recorded streams through the chat runner ---------------------------------------------------


@dataclass
class Replay:
    """A transport that answers every request with one recorded stream, and keeps the bodies sent."""

    body: bytes
    sent: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(json.loads(request.content))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=self._chunks())

    def _chunks(self) -> httpx.AsyncByteStream:
        body = self.body

        class Chunks(httpx.AsyncByteStream):
            async def __aiter__(self) -> AsyncIterator[bytes]:
                for line in body.splitlines(keepends=True):
                    yield line

        return Chunks()


def recorded_usage(path: Path) -> dict[str, Any]:
    usages = [
        json.loads(line[len("data: ") :])["usage"]
        for line in path.read_text().splitlines()
        if line.startswith("data: {") and '"usage"' in line
    ]
    assert len(usages) == 1, f"{path.name}: expected one usage chunk"
    usage: dict[str, Any] = usages[0]
    return usage


async def replay(body: bytes, max_tokens: int | None) -> tuple[Sent, str, Replay]:
    transport = Replay(body)
    sent = Sent()
    request = ChatRequest.create(model="openai/gpt-4o-mini", messages="hi", max_tokens=max_tokens)
    async with make_client(httpx.MockTransport(transport.handle)) as client:
        result = await run_chat(client, request, stream=True, on_progress=sent, progress_interval=0.0)
    return sent, result.text, transport


def test_there_are_recorded_streams_to_replay() -> None:
    assert len(STREAM_CAPTURES) >= 4


@pytest.mark.parametrize("with_max_tokens", [False, True], ids=["no-max-tokens", "max-tokens"])
@pytest.mark.parametrize("path", STREAM_CAPTURES, ids=lambda p: p.stem.split("__")[2])
async def test_a_recorded_stream_ends_at_its_recorded_completion_tokens(path: Path, with_max_tokens: bool) -> None:
    exact = recorded_usage(path)["completion_tokens"]
    max_tokens = exact if with_max_tokens else None
    sent, text, transport = await replay(path.read_bytes(), max_tokens)
    assert sent.values[-1] == exact
    assert strictly_increasing(sent.values)
    assert all(value < exact for value in sent.values[:-1])
    assert sent.totals == [float(exact) if with_max_tokens else None] * len(sent.values)
    assert sent.messages[-1] == text_tail(text)
    assert transport.sent[0].get("max_tokens") == max_tokens


async def test_a_recorded_stream_of_one_token_chunks_is_estimated_close_to_its_count() -> None:
    (path,) = [p for p in STREAM_CAPTURES if "__o3__" in p.name]  # 98 text chunks, 104 tokens
    sent, _, _ = await replay(path.read_bytes(), None)
    assert sent.values[-2] == 97.5 and sent.values[-1] == 104


async def test_recorded_keepalives_raise_progress_before_the_first_token() -> None:
    (path,) = [p for p in STREAM_CAPTURES if "keepalives" in p.name]  # 30 keep-alives, then text
    sent, _, _ = await replay(path.read_bytes(), None)
    waiting = [v for v, m in zip(sent.values, sent.messages, strict=True) if m == "waiting for openai/gpt-4o-mini…"]
    assert len(waiting) == 30 and all(0 < value < 0.5 for value in waiting)


def tool_call_stream(arguments: list[str], completion_tokens: int) -> bytes:
    """A stream shaped like OpenRouter's tool calls: the name first, then the arguments in pieces."""
    head = {"id": "gen-1-tool", "object": "chat.completion.chunk", "model": "openai/gpt-4o-mini", "provider": "OpenAI"}

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return "data: " + json.dumps({**head, "choices": [choice], **extra}) + "\n\n"

    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    lines = [": OPENROUTER PROCESSING\n\n", chunk({"role": "assistant", "tool_calls": [call]})]
    lines += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}) for piece in arguments]
    usage = {"prompt_tokens": 50, "completion_tokens": completion_tokens, "total_tokens": 50 + completion_tokens}
    lines += [chunk({}, "tool_calls"), chunk({}, "tool_calls", usage=usage), "data: [DONE]\n\n"]
    return "".join(lines).encode()


async def test_a_tool_call_stream_without_text_rises_with_its_arguments_and_ends_at_the_exact_count() -> None:
    sent, text, _ = await replay(tool_call_stream(['{"ci', 'ty": "Pa', 'ris"}'], 11), max_tokens=None)
    assert text == ""
    assert sent.values[-1] == 11 and strictly_increasing(sent.values)
    assert len([value for value in sent.values if value < 11]) >= 3  # one step per argument piece
    assert sent.messages[-1] == "writing a tool call…"


async def test_the_chat_tool_sends_max_tokens_as_the_total_of_every_progress_notification(tmp_path: Path) -> None:
    simulator = Simulator()
    settings = make_settings(tmp_path)
    notifications: list[tuple[float, float | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notifications.append((progress, total))

    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool(
            "chat_with_model",
            {"model": "openai/gpt-4o-mini", "messages": "hi", "stream": True, "max_tokens": 300},
            progress_callback=on_progress,
        )
    assert not result.is_error
    assert notifications and {total for _, total in notifications} == {300.0}
    assert notifications[-1][0] == structured_of(result)["usage"]["completion_tokens"]
