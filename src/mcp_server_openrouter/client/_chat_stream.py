"""An open streaming reply, read within bounds (free of httpx: the HTTP module adapts its response).

`ChatStream` reads decoded text from a `TextSource`, cuts it into lines of at most
`MAX_SSE_LINE_CHARS`, decodes SSE and feeds the `StreamAccumulator`. The whole stream ends at
an overall deadline, so an upstream that only sends keep-alives cannot hold a call forever.
Whatever stops it early — the deadline, an oversized line, a failed read, bytes that cannot be
decoded — is recorded as the accumulator's `broken` reason, and `completion()` raises
`StreamError` with the text received so far.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable
from typing import Protocol

import anyio

from mcp_server_openrouter.client._metering import Meter
from mcp_server_openrouter.client._models import ChatCompletion
from mcp_server_openrouter.client._streaming import (
    MAX_SSE_LINE_CHARS,
    Comment,
    KeepAlive,
    LineSplitter,
    LineTooLongError,
    SSEDecoder,
    SSEEvent,
    StreamAccumulator,
    StreamEvent,
)
from mcp_server_openrouter.errors import StreamError

logger = logging.getLogger(__name__)


class ReadFailedError(Exception):
    """Reading the body failed; the message says how (it becomes the stream's `broken` reason)."""


class TextSource(Protocol):
    """The body of a response as decoded text."""

    async def read(self) -> str | None:
        """The next piece of text; None at the end of the body. Raises `ReadFailedError`."""
        ...


class ChatStream:
    """An open streaming reply. Iterate `events()`, then read `completion()`.

    `deadline` is the `anyio.current_time()` at which reading stops (None: never); `max_seconds`
    is the setting it came from, for the message.
    """

    def __init__(
        self,
        source: TextSource,
        meter: Meter | None = None,
        *,
        generation_id: str | None = None,
        deadline: float | None = None,
        max_seconds: float | None = None,
        max_line_chars: int = MAX_SSE_LINE_CHARS,
    ) -> None:
        self._source = source
        self._got_token: Callable[[], None] = meter.got_token if meter is not None else _nothing
        self._generation_id = generation_id
        self._deadline = deadline
        self._max_seconds = max_seconds
        self._lines = LineSplitter(max_line_chars)
        self.accumulator = StreamAccumulator()

    async def events(self) -> AsyncGenerator[StreamEvent, None]:
        decoder = SSEDecoder()
        ended = False
        while not ended and not self.accumulator.done:
            lines, ended = await self._next_lines()
            for line in lines:
                for event in decoder.feed(line):
                    taken = self._take(event)
                    if taken is not None:
                        yield taken
                if self.accumulator.done:
                    break

    def _take(self, event: SSEEvent) -> StreamEvent | None:
        if isinstance(event, Comment):
            return KeepAlive()
        delta = self.accumulator.feed_data(event.data)
        if delta:  # text, reasoning or tool-call arguments
            self._got_token()
            return delta
        return None

    async def _next_lines(self) -> tuple[list[str], bool]:
        """The lines the next piece of the body completes, and whether the body has ended."""
        remaining = None if self._deadline is None else self._deadline - anyio.current_time()
        try:
            with anyio.move_on_after(remaining) as scope:
                text = await self._source.read()
            if scope.cancelled_caught:
                return self._stop(
                    f"stopped at the overall deadline of {self._max_seconds or 0:g} s (OPENROUTER_MAX_STREAM_SECONDS)"
                )
            if text is None:
                # The end of the body: a last line without its ending, and a blank line to dispatch it.
                return [*self._lines.flush(), ""], True
            return self._lines.feed(text), False
        except (ReadFailedError, LineTooLongError) as exc:
            return self._stop(f"{exc}; the rest was not read" if isinstance(exc, LineTooLongError) else str(exc))

    def _stop(self, reason: str) -> tuple[list[str], bool]:
        self.accumulator.broken = reason
        return [], True

    def completion(self) -> ChatCompletion:
        """The whole reply; raises `StreamError` (with the partial text) if the stream failed."""
        return self.accumulator.finish()

    def _settle(self, meter: Meter) -> None:
        """Tell the meter what the stream delivered: usage, cost, id, and whether it failed."""
        accumulator = self.accumulator
        completion = accumulator.completion
        meter.got_reply(completion, generation_id=self._generation_id)
        if accumulator.junk:
            # Only the count: a junk line may hold anything, reply text included.
            logger.warning(
                "skipped %d malformed data line(s) in the stream of %s", accumulator.junk, meter.generation_id
            )
        try:
            accumulator.finish()
        except StreamError as exc:  # broken, reported an error, or closed before the end
            meter.failed(exc)


def _nothing() -> None:
    pass
