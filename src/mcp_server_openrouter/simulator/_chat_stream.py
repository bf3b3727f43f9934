"""The streamed answer of the fake OpenRouter's chat route: server-sent events as the real API sends them.

Keep-alive comments (before the first token, midway, between the finish and the usage
chunk; in place of the chunks of a thought that is not shown), then the plan's units a
few tokens a chunk — reasoning deltas first (with `reasoning_details`; OpenAI's end with
an encrypted blob), content, each tool call's name then its arguments in pieces, web
`annotations`, `images` — the finish chunk, the usage chunk in each provider family's
shape, `[DONE]`. Scripted faults play out here: slow keep-alives and chunks, an error once
some tokens were generated (five shapes, see `_error_lines`), an error after the finish,
and a dropped connection — a TCP reset on a port, a clean end without `[DONE]` in process.
Whatever ends the stream, what was generated is billed once, and the event log says how
it ended: `stream_completed`, `stream_errored`, `stream_dropped` or `stream_cancelled`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator
    from mcp_server_openrouter.simulator._completion import Completion
    from mcp_server_openrouter.simulator._reply import Unit

KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"
# Tokens a chunk, cycled: Anthropic and Google send larger chunks than the others.
_CHUNK_SIZES = {"anthropic": (6, 9, 7, 8), "google": (8, 12, 10)}
_DEFAULT_SIZES = (1, 3, 2, 4, 3, 5, 2)


class _Wire:
    """Renders chunks of one completion, in the key order of the 2026 captures."""

    def __init__(self, completion: Completion) -> None:
        self.completion = completion
        head = completion.head
        self.head = {
            "id": head["id"],
            "object": "chat.completion.chunk",
            "created": head["created"],
            "model": head["model"],
            "provider": head["provider"],
        }

    def chunk(self, choices: list[Any], **extra: Any) -> bytes:
        payload = json.dumps({**self.head, "choices": choices, **extra}, separators=(",", ":"), ensure_ascii=False)
        return b"data: " + payload.encode() + b"\n\n"  # compact, UTF-8 unescaped: as on the wire

    @staticmethod
    def choice(delta: dict[str, Any], finish: str | None = None, native: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native, "logprobs": None}

    def delta_chunk(self, **delta: Any) -> bytes:
        return self.chunk([self.choice({"role": "assistant", "content": "", **delta})])

    def group(self, units: list[Unit], last_thought: bool) -> bytes | None:
        """One chunk for a group of units (None for a thought that is not sent)."""
        completion, kind = self.completion, units[0].kind
        text = "".join(u.text for u in units)
        if kind == "reasoning":
            plan = completion.plan
            if not plan.reasoning_shown or plan.reasoning_style == "encrypted":
                return None
            return self.delta_chunk(
                reasoning=text, reasoning_details=completion.reasoning_details(text, last=last_thought)
            )
        if kind == "content":
            return self.chunk([self.choice({"content": text, "role": "assistant"})])
        if kind == "tool":
            return self.delta_chunk(tool_calls=[completion.tool_call(units[0].call, "")])
        if kind == "args":
            return self.delta_chunk(tool_calls=[{"index": units[0].call, "function": {"arguments": text}}])
        if kind == "annotations":
            return self.delta_chunk(annotations=completion.plan.annotations)
        return self.delta_chunk(images=completion.plan.images)

    def finish(self, finish: str) -> bytes:
        return self.chunk(
            [self.choice({"content": "", "role": "assistant"}, finish, self.completion.native_for(finish))]
        )

    def usage(self, usage: dict[str, Any], finish: str) -> bytes:
        """The usage chunk in its three observed shapes, by provider family."""
        author = self.completion.author
        if author == "anthropic":
            return self.chunk([], usage=usage)
        if author == "openai":
            choice = self.choice({"content": "", "role": "assistant"}, finish, self.completion.native_for(finish))
            return self.chunk([choice], service_tier="default", usage=usage)
        return self.chunk([self.choice({"content": "", "role": "assistant"})], usage=usage)


def groups(units: list[Unit], author: str) -> Iterator[list[Unit]]:
    """The units in chunks: runs of one kind, a few tokens each; a call's name and each part alone."""
    sizes = _CHUNK_SIZES.get(author, _DEFAULT_SIZES)
    current: list[Unit] = []
    count = 0
    for unit in units:
        same = current and current[0].kind == unit.kind and current[0].call == unit.call
        if current and (
            not same or unit.kind in ("tool", "annotations", "images") or len(current) >= sizes[count % len(sizes)]
        ):
            yield current
            current, count = [], count + 1
        current.append(unit)
    if current:
        yield current


async def stream(sim: Simulator, completion: Completion) -> AsyncIterator[bytes]:  # noqa: C901 - the stream, in wire order
    """The completion as a `text/event-stream` body, playing out its fault if it has one."""
    wire, plan, fault = _Wire(completion), completion.plan, completion.fault
    generated: list[Unit] = []
    outcome, chunks = "cancelled", 0
    stops = [n for n in (fault.error_after_tokens, fault.drop_after_tokens) if n is not None] if fault else []
    stop_at = min(stops) if stops else None
    units = plan.within(stop_at) if stop_at is not None else plan.units
    try:
        for _ in range(fault.keepalives if fault and fault.keepalives is not None else 2):
            yield KEEPALIVE
            if fault and fault.keepalive_interval:
                await anyio.sleep(fault.keepalive_interval)
        if completion.author == "openai" and plan.reasoning_style:
            yield wire.delta_chunk()  # OpenAI's thinking models open with an empty delta
        batches = list(groups(units, completion.author))
        last_thought = max((i for i, b in enumerate(batches) if b[0].kind == "reasoning"), default=-1)
        for index, batch in enumerate(batches):
            if fault and fault.token_delay:  # a chunk leaves once its tokens are written
                await anyio.sleep(fault.token_delay * min(sum(u.tokens for u in batch), 50))
            line = wire.group(batch, index == last_thought)
            yield line if line is not None else KEEPALIVE  # a hidden thought shows only as keep-alives
            generated += batch
            chunks += line is not None
            if index == last_thought and plan.reasoning_shown and plan.reasoning_style in ("summary", "encrypted"):
                yield wire.delta_chunk(reasoning=None, reasoning_details=[completion.encrypted_reasoning()])
            if index == len(batches) // 2:
                yield KEEPALIVE  # keep-alives also arrive between chunks
        if fault is not None and stop_at is not None and stop_at == fault.drop_after_tokens:
            completion.charge(sim, generated, streamed=True)
            outcome = "dropped"
            if completion.peer is not None:
                sim.connections.reset(completion.peer)  # a TCP reset when served on a port
            return  # in process: the body just ends, without [DONE]
        if fault is not None and stop_at is not None:
            usage = completion.charge(sim, generated, streamed=True, finish="error")
            for line in _error_lines(wire, completion, usage):
                yield line
            yield DONE
            outcome = "errored"
            return
        yield wire.finish(plan.finish)
        if fault is not None and fault.error_after_finish:
            usage = completion.charge(sim, generated, streamed=True, finish="error")
            for line in _error_lines(wire, completion, usage):
                yield line
            yield DONE
            outcome = "errored"
            return
        yield KEEPALIVE  # ... and between the finish chunk and the usage chunk
        yield wire.usage(completion.charge(sim, generated, streamed=True, finish=plan.finish), plan.finish)
        yield DONE
        outcome = "completed"
    finally:
        if outcome == "cancelled":
            # The client went away mid-stream: bill what was generated, as OpenRouter does.
            completion.charge(sim, generated, streamed=True, cancelled=True)
        tokens = sum(u.tokens for u in generated)
        sim.log(f"stream_{outcome}", "/chat/completions", id=completion.head["id"], tokens=tokens, chunks=chunks)


def _error_lines(wire: _Wire, completion: Completion, usage: dict[str, Any]) -> list[bytes]:
    """A mid-stream error in the shape the fault asks for (all arrive at HTTP 200, before `[DONE]`).

    1. (2026) `choices: []` with a top-level `error`, then a choice finishing with "error";
    2. a choice finishing with "error" beside a top-level `error`;
    3. (2025) a top-level `error` in a chunk whose choice has a null finish, with `usage`;
    4. the `error` inside the choice, which finishes with "error";
    5. a choice finishing with "error" and the provider's reason (`MALFORMED_FUNCTION_CALL`),
       no error object anywhere, then the usage chunk.
    """
    fault = completion.fault
    shape = fault.error_shape if fault else 1
    native = completion.native_for("error")
    error = completion.error_object()
    empty = {"content": "", "role": "assistant"}
    if shape == 1:
        return [wire.chunk([], error=error), wire.chunk([wire.choice(empty, "error", native)])]
    if shape == 2:
        return [wire.chunk([wire.choice(empty, "error", native)], error=error)]
    if shape == 3:
        return [wire.chunk([wire.choice(empty)], error=error, usage=usage)]
    if shape == 4:
        return [wire.chunk([{**wire.choice({"content": ""}, "error", native), "error": error}])]
    return [wire.chunk([wire.choice(empty, "error", native)]), KEEPALIVE, wire.usage(usage, "error")]
