"""The streamed answer of the fake OpenRouter's chat route: server-sent events as the real API sends them.

Keep-alive comments, one chunk a token, the finish chunk, the usage chunk in each
provider family's shape, `[DONE]`; and the scripted stream faults: slow keep-alives and
tokens, the four observed shapes of a mid-stream error, a connection dropped without
`[DONE]`. A client that goes away is billed for what was sent.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator
    from mcp_server_openrouter.simulator._completion import Completion
    from mcp_server_openrouter.simulator._faults import Fault

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"


async def stream(sim: Simulator, completion: Completion) -> AsyncIterator[bytes]:  # noqa: C901 - the stream, in wire order
    """The completion as a `text/event-stream` body, playing out its fault if it has one."""
    head = {**completion.head, "object": "chat.completion.chunk"}

    def chunk(choices: list[Any], **extra: Any) -> bytes:
        return b"data: " + json.dumps({**head, "choices": choices, **extra}).encode() + b"\n\n"

    tokens, fault, finish, native = completion.tokens, completion.fault, completion.finish, completion.native_finish
    sent = 0
    completed = False
    keepalives = fault.keepalives if fault and fault.keepalives is not None else 2
    try:
        for _ in range(keepalives):
            yield KEEPALIVE
            if fault and fault.keepalive_interval:
                await anyio.sleep(fault.keepalive_interval)
        for index, token in enumerate(tokens):
            if fault and fault.error_after_tokens is not None and index == fault.error_after_tokens:
                for line in _mid_stream_error(fault, chunk, _partial_usage(completion.prompt_tokens, sent)):
                    yield line
                yield b"data: [DONE]\n\n"
                completed = True
                return
            if fault and fault.drop_after_tokens is not None and index == fault.drop_after_tokens:
                completed = True
                return
            if fault and fault.token_delay:
                await anyio.sleep(fault.token_delay)
            yield chunk([_delta_choice(token)])
            sent += 1
            if index == len(tokens) // 2:
                yield KEEPALIVE  # keep-alives also arrive between chunks
        yield chunk([_delta_choice("", finish, native)])
        yield KEEPALIVE  # ... and between the finish chunk and the usage chunk
        usage = completion.charge(sim, sent, streamed=True, cancelled=False)
        # The three observed shapes of the usage chunk, by provider family.
        if completion.author == "anthropic":
            yield chunk([], usage=usage)
        elif completion.author == "openai":
            yield chunk([_delta_choice("", finish, native)], usage=usage)
        else:
            yield chunk([{**_delta_choice(""), "logprobs": None}], usage=usage)
        yield b"data: [DONE]\n\n"
        completed = True
    finally:
        if completed:
            sim.log("stream_completed", "/chat/completions", id=completion.head["id"], tokens=sent)
        else:
            # The client went away mid-stream: bill what was generated, as OpenRouter does.
            completion.charge(sim, sent, streamed=True, cancelled=True)
            sim.log("stream_cancelled", "/chat/completions", id=completion.head["id"], tokens=sent)


def _delta_choice(content: str, finish_reason: str | None = None, native_reason: str | None = None) -> dict[str, Any]:
    return {
        "index": 0,
        "delta": {"content": content, "role": "assistant"},
        "finish_reason": finish_reason,
        "native_finish_reason": native_reason,
    }


def _partial_usage(prompt_tokens: int, sent: int) -> dict[str, Any]:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": sent, "total_tokens": prompt_tokens + sent}


def _mid_stream_error(fault: Fault, chunk: Callable[..., bytes], usage: dict[str, Any]) -> list[bytes]:
    error = {
        "code": fault.error_code,
        "message": fault.error_message,
        "metadata": {
            "error_type": "timeout" if fault.error_code in (408, 504) else "provider_unavailable",
            "provider": "SimProvider",
        },
    }
    if fault.error_shape == 1:
        return [chunk([], error=error), chunk([_delta_choice("", "error", "error")])]
    if fault.error_shape == 2:
        return [chunk([_delta_choice("", "error", "error")], error=error)]
    if fault.error_shape == 3:
        return [chunk([_delta_choice("")], error=error, usage=usage)]
    return [chunk([{"index": 0, "delta": {"content": ""}, "error": error, "finish_reason": "error"}])]
