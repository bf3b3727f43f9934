"""Running one chat call against the client: plain, or streamed with progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.chat.progress import ProgressCallback, ProgressReporter
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.result import ChatResult, summarize
from mcp_server_openrouter.client import KeepAlive

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient


async def run_chat(
    client: OpenRouterClient,
    request: ChatRequest,
    *,
    stream: bool = False,
    on_progress: ProgressCallback | None = None,
    progress_interval: float = c.DEFAULT_PROGRESS_INTERVAL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> ChatResult:
    """Run one chat call. With `stream`, report progress while tokens arrive (see `chat.progress`)."""
    if not stream:
        completion = await client.chat(request.body())
        return summarize(completion, request.model, streamed=False)

    reporter = (
        ProgressReporter(on_progress, progress_interval, clock, total=request.max_tokens) if on_progress else None
    )
    async with client.stream_chat(request.body()) as chat_stream:
        async for event in chat_stream.events():
            if reporter is None:
                continue
            if isinstance(event, KeepAlive):
                await reporter.keep_alive(request.model)
            else:
                # `Delta` carries no tool-call argument text yet, so those fragments are not estimated.
                await reporter.delta(event.text, event.reasoning, event.tool_arguments)
        if reporter is not None:
            # The usage chunk (if any) has been read: the exact count replaces the estimate.
            usage = chat_stream.accumulator.completion.usage
            await reporter.finish(usage.completion_tokens if usage is not None else None)
        completion = chat_stream.completion()
    return summarize(completion, request.model, streamed=True)
