"""Progress notifications for streamed chats: a floor of the completion tokens so far, then the exact count.

How progress is estimated while tokens stream (the exact count arrives only at the end, in
the usage chunk):

* Every non-empty fragment of streamed text — the content, reasoning or tool-call arguments
  of one chunk — holds at least one token, and so does every whitespace-separated word that
  starts inside it (tokenizers never put two words in one token). The count of tokens so far
  is the sum over fragments of max(1, words the fragment starts): a floor of the true count.
  For providers that stream one token a chunk (OpenAI) it is the chunk count; for those that
  stream several (Anthropic, Google) it is about the word count, some 3/4 of the tokens of
  English text. "Four characters a token" was not used: it overshoots real streams (the
  recorded o3 reply runs 4.3 characters a token), and an overshoot costs the exact final value.
* It is sent half a token below that count: 0.5, 1.5, 2.5, …; a keep-alive (`: OPENROUTER
  PROCESSING`, the upstream is still working) adds 1/2 × (1 - 1/(k + 1)) after k of them, so
  progress rises while a model thinks and stays below both the next fragment and the count.
* When the usage chunk has arrived, `finish` sends one last notification carrying the exact
  `completion_tokens`, past the throttle. The exact count is at least the floor, so it is above
  everything sent before: progress increases strictly, as MCP requires. Should a provider break
  the assumption (a value sent not below the exact count), the last notification is skipped
  rather than sent out of order; the tool's result carries the exact usage either way. Without
  a usage chunk (some OpenAI-compatible servers) the last value sent stands.
* `total` (the request's `max_tokens`) goes with every notification. Values sent before the
  exact count stay below the floor, so below `total` whenever the provider keeps to `max_tokens`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

ProgressCallback = Callable[[float, float | None, str], Awaitable[None]]
"""Called with (progress, total, message); `total` is the request's `max_tokens` or None."""

MARGIN = 0.5
"""How far below the floor of tokens so far progress is sent (the room keep-alives climb in)."""

_TAIL_CHARS = 60
_KINDS = ("text", "reasoning", "tool_arguments")


class ProgressReporter:
    """Turns stream events into throttled, strictly increasing progress notifications.

    Feed it `delta` for each chunk's fragments, `keep_alive` for each keep-alive, and `finish`
    with the exact count once the stream has ended. At most one notification is sent per
    `interval` seconds of `clock`, except the exact one from `finish`.
    """

    def __init__(
        self,
        callback: ProgressCallback,
        interval: float,
        clock: Callable[[], float],
        *,
        total: int | None = None,
    ) -> None:
        self._callback = callback
        self._interval = interval
        self._clock = clock
        self.total = float(total) if total is not None else None
        self.tokens = 0
        """The floor of completion tokens so far (see the module notes)."""
        self.exact: int | None = None
        self.last_sent: float | None = None
        self._last_sent_at: float | None = None
        self._waits = 0
        self._in_word = dict.fromkeys(_KINDS, False)
        self._message = ""
        self._recent: list[str] = []

    @property
    def estimate(self) -> float:
        """The value progress is sent at between keep-alives: half a token below the floor."""
        return max(self.tokens - MARGIN, 0.0)

    @property
    def progress(self) -> float:
        """The exact count once `finish` has it, else the estimate."""
        return float(self.exact) if self.exact is not None else self.estimate

    async def delta(self, text: str = "", reasoning: str = "", tool_arguments: str = "") -> None:
        """What one chunk added: content, reasoning and tool-call argument text (any may be empty)."""
        fragments = {"text": text, "reasoning": reasoning, "tool_arguments": tool_arguments}
        added = sum(max(1, self._words_started(kind, piece)) for kind, piece in fragments.items() if piece)
        if not added:
            return
        self.tokens += added
        self._waits = 0
        if text:
            self._message = self._remember(text)
        elif reasoning:
            self._message = "thinking…"
        else:
            self._message = "writing a tool call…"
        await self._maybe_send(self.estimate, self._message)

    async def keep_alive(self, model: str) -> None:
        """A keep-alive: the upstream is working, so progress climbs part of the way to the next token."""
        await self._maybe_send(self._one_more_wait(), self._message or f"waiting for {model}…")

    async def notice(self, message: str) -> None:
        """A wait the caller should hear about (queued, paced, retrying): sent past the throttle.

        Like a keep-alive, it climbs part of the way to the next token, so progress still increases.
        """
        value = self._one_more_wait()
        if self.last_sent is None or value > self.last_sent:
            await self._send(value, message)

    def _one_more_wait(self) -> float:
        """The value after one more wait (keep-alive or notice): part of the way to the next token."""
        self._waits += 1
        return self.estimate + MARGIN * (1 - 1 / (self._waits + 1))

    async def finish(self, completion_tokens: int | None) -> None:
        """The exact count arrived: send it, past the throttle, if it is above what was sent."""
        if completion_tokens is None:
            return
        self.exact = completion_tokens
        value = float(completion_tokens)
        if self.last_sent is not None and value <= self.last_sent:
            return  # MCP forbids a progress value that does not increase
        await self._send(value, self._message or f"{completion_tokens} tokens")

    def _words_started(self, kind: str, piece: str) -> int:
        """Words that start in `piece`, a word that ran on from the kind's last fragment excluded."""
        words = len(piece.split())
        if self._in_word[kind] and not piece[0].isspace():
            words -= 1
        self._in_word[kind] = not piece[-1].isspace()
        return words

    def _remember(self, text: str) -> str:
        self._recent.append(text)
        if len(self._recent) > 64:  # keep only what the tail needs, not the whole reply
            self._recent[:] = ["".join(self._recent)[-_TAIL_CHARS * 2 :]]
        return text_tail("".join(self._recent))

    async def _maybe_send(self, value: float, message: str) -> None:
        now = self._clock()
        if self._last_sent_at is not None and now - self._last_sent_at < self._interval:
            return
        if self.last_sent is not None and value <= self.last_sent:
            return
        self._last_sent_at = now
        await self._send(value, message)

    async def _send(self, value: float, message: str) -> None:
        self.last_sent = value
        await self._callback(value, self.total, message)


def text_tail(text: str) -> str:
    tail = " ".join(text[-_TAIL_CHARS * 2 :].split())
    return tail[-_TAIL_CHARS:]
