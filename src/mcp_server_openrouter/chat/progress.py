"""Progress notifications for streamed chats: throttled, strictly increasing, with the text's tail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ProgressCallback = Callable[[float, str], Awaitable[None]]

_TAIL_CHARS = 60


class ProgressReporter:
    """Turns stream events into throttled, strictly increasing progress notifications.

    Progress is the number of completion tokens so far (one per content chunk, which is
    how providers stream). Keep-alives before a token add a fraction below the next whole
    number, so progress still rises while a model thinks and clients reset their timeouts.
    """

    def __init__(self, callback: ProgressCallback, interval: float, clock: Callable[[], float]) -> None:
        self._callback = callback
        self._interval = interval
        self._clock = clock
        self._last_sent: float | None = None
        self._last_value = -1.0
        self.tokens = 0
        self._waits = 0
        self._tail = ""
        self._recent: list[str] = []

    async def text(self, chunk: str) -> None:
        """A content chunk: one more token, shown with the last characters of the reply."""
        self._recent.append(chunk)
        if len(self._recent) > 64:  # keep only what the tail needs, not the whole reply
            self._recent[:] = ["".join(self._recent)[-_TAIL_CHARS * 2 :]]
        await self.token(text_tail("".join(self._recent)))

    async def token(self, tail: str) -> None:
        self.tokens += 1
        self._waits = 0
        self._tail = tail
        await self._maybe_send(float(self.tokens), tail)

    async def keep_alive(self, model: str) -> None:
        self._waits += 1
        value = self.tokens + 1 - 1 / (self._waits + 1)
        await self._maybe_send(value, self._tail or f"waiting for {model}…")

    async def _maybe_send(self, value: float, message: str) -> None:
        now = self._clock()
        if self._last_sent is not None and now - self._last_sent < self._interval:
            return
        if value <= self._last_value:
            return
        self._last_sent = now
        self._last_value = value
        await self._callback(value, message)


def text_tail(text: str) -> str:
    tail = " ".join(text[-_TAIL_CHARS * 2 :].split())
    return tail[-_TAIL_CHARS:]
