"""Running one chat call against the client: plain, or streamed with progress."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.chat.progress import ProgressCallback, ProgressReporter
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.result import ChatResult, summarize
from mcp_server_openrouter.client import KeepAlive

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

OnText = Callable[[str], None]
"""Called with each fragment of reply text as it streams in (a job keeps the text so far)."""
OnWait = Callable[[str], Awaitable[None]]
"""Called with a short message before the request waits (queued, paced, rate limited, retrying)."""


async def run_chat(
    client: OpenRouterClient,
    request: ChatRequest,
    *,
    stream: bool = False,
    on_progress: ProgressCallback | None = None,
    on_text: OnText | None = None,
    on_wait: OnWait | None = None,
    on_settled: Callable[[], None] | None = None,
    progress_interval: float = c.DEFAULT_PROGRESS_INTERVAL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> ChatResult:
    """Run one chat call. With `stream`, report progress while tokens arrive (see `chat.progress`).

    Waits before the request goes out reach `on_wait` and, as progress notifications with their
    reason, `on_progress` (streamed or not: a caller waiting out a rate limit should know why).
    `on_settled` is called the moment the whole reply has arrived, before anything else is awaited.
    """
    reporter = (
        ProgressReporter(on_progress, progress_interval, clock, total=request.max_tokens) if on_progress else None
    )

    async def waiting(message: str) -> None:
        if on_wait is not None:
            await on_wait(message)
        if reporter is not None:
            await reporter.notice(message)

    if not stream:
        completion = await client.chat(request.body(), on_wait=waiting)
        if on_settled is not None:
            on_settled()
        return summarize(completion, request.model, streamed=False, **request.result_options())
    return await _run_stream(client, request, reporter, on_text, waiting, on_settled)


async def _run_stream(
    client: OpenRouterClient,
    request: ChatRequest,
    reporter: ProgressReporter | None,
    on_text: OnText | None,
    on_wait: OnWait,
    on_settled: Callable[[], None] | None,
) -> ChatResult:
    async with (
        client.stream_chat(request.body(), on_wait=on_wait) as chat_stream,
        aclosing(chat_stream.events()) as events,  # closed now, also when cancelled mid-stream
    ):
        async for event in events:
            if isinstance(event, KeepAlive):
                if reporter is not None:
                    await reporter.keep_alive(request.model)
                continue
            if on_text is not None and event.text:
                on_text(event.text)
            if reporter is not None:
                await reporter.delta(event.text, event.reasoning, event.tool_arguments)
        if on_settled is not None:
            on_settled()
        completion = chat_stream.completion()
    if reporter is not None:
        # The usage chunk (if any) has been read: the exact count replaces the estimate.
        usage = completion.usage
        await reporter.finish(usage.completion_tokens if usage is not None else None)
    return summarize(completion, request.model, streamed=True, **request.result_options())
