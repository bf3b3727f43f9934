"""Chat completions as plain domain functions: validate, build the body, run, summarise.

Nothing here knows about MCP: `server.py` wraps these in tools, the demo and the
benchmarks call them directly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.catalog import format_usd
from mcp_server_openrouter.errors import InvalidArgumentError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import ChatCompletion, OpenRouterClient

ProgressCallback = Callable[[float, str], Awaitable[None]]

_TAIL_CHARS = 60


class TokenUsage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = Field(default=None, description="Included in completion_tokens.")
    cached_tokens: int | None = Field(default=None, description="Prompt tokens read from the provider's cache.")


class ChatResult(BaseModel):
    """The reply of one chat call and what it cost."""

    text: str
    model: str = Field(description="The model that answered (may be a dated slug or a fallback).")
    requested_model: str
    provider: str | None = None
    finish_reason: str | None = None
    usage: TokenUsage | None = None
    cost_usd: float | None = Field(default=None, description="What OpenRouter charged for this call.")
    generation_id: str | None = None
    streamed: bool = False
    cached: bool = Field(default=False, description="Answered from the local response cache, at no cost.")

    def footer(self) -> str:
        """One line under the reply: who answered, why it stopped, tokens, cost, id."""
        parts = [self.model + (f" via {self.provider}" if self.provider else "")]
        if self.finish_reason:
            parts.append(f"finish: {self.finish_reason}")
        if self.usage and self.usage.prompt_tokens is not None and self.usage.completion_tokens is not None:
            parts.append(f"tokens: {self.usage.prompt_tokens} in, {self.usage.completion_tokens} out")
        if self.cached:
            parts.append("cached: no charge")
        else:
            parts.append("cost: unknown" if self.cost_usd is None else f"cost: ${format_usd_float(self.cost_usd)}")
        if self.generation_id:
            parts.append(self.generation_id)
        return " · ".join(parts)


def format_usd_float(amount: float) -> str:
    from decimal import Decimal

    return format_usd(Decimal(str(amount)), max_decimals=8)


def normalize_messages(messages: object) -> list[dict[str, Any]]:
    """Validate `messages` (an OpenAI message list, or a plain prompt string)."""
    if isinstance(messages, str):
        if not messages.strip():
            raise InvalidArgumentError("`messages` is an empty string; pass a prompt or a list of messages.")
        return [{"role": "user", "content": messages}]
    if not isinstance(messages, Sequence) or not messages:
        raise InvalidArgumentError(
            '`messages` must be a non-empty list like [{"role": "user", "content": "Hello"}] or a prompt string.'
        )
    result: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, Mapping):
            raise InvalidArgumentError(
                f'{where} must be an object with "role" and "content", got {type(message).__name__}.'
            )
        role = message.get("role")
        if role not in c.MESSAGE_ROLES:
            raise InvalidArgumentError(f"{where} has role {role!r}; use one of: {', '.join(c.MESSAGE_ROLES)}.")
        content = message.get("content")
        has_tool_calls = role == "assistant" and bool(message.get("tool_calls"))
        if content is None and not has_tool_calls:
            raise InvalidArgumentError(f'{where} has no "content"; give it a string or a list of content parts.')
        if isinstance(content, str):
            pass
        elif isinstance(content, list):
            _check_parts(content, where)
        elif content is not None:
            raise InvalidArgumentError(
                f"{where}.content must be a string or a list of parts, got {type(content).__name__}."
            )
        result.append(dict(message))
    return result


def _check_parts(parts: list[object], where: str) -> None:
    if not parts:
        raise InvalidArgumentError(f"{where}.content is an empty list; give at least one part.")
    for index, part in enumerate(parts):
        if not isinstance(part, Mapping) or not isinstance(part.get("type"), str):
            raise InvalidArgumentError(
                f'{where}.content[{index}] must be an object with a "type" such as "text" or "image_url".'
            )
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            raise InvalidArgumentError(f'{where}.content[{index}] is a text part without a "text" string.')


def build_body(
    model: object,
    messages: object,
    *,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The request body: only what the caller gave (no defaults overriding the model's own)."""
    if not isinstance(model, str) or not model.strip():
        raise InvalidArgumentError(
            '`model` must be a model id string such as "openai/gpt-4o-mini"; `list_available_models` lists them.'
        )
    body: dict[str, Any] = {"model": model.strip(), "messages": normalize_messages(messages)}
    if max_tokens is not None:
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 0:
            raise InvalidArgumentError(f"`max_tokens` must be a positive integer, got {max_tokens!r}.")
        body["max_tokens"] = max_tokens
    if temperature is not None:
        if not _number_in(temperature, 0.0, 2.0):
            raise InvalidArgumentError(f"`temperature` must be between 0 and 2, got {temperature!r}.")
        body["temperature"] = temperature
    if top_p is not None:
        if not _number_in(top_p, 0.0, 1.0) or top_p == 0:
            raise InvalidArgumentError(f"`top_p` must be greater than 0 and at most 1, got {top_p!r}.")
        body["top_p"] = top_p
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if (
            not isinstance(stops, list)
            or not stops
            or len(stops) > 4
            or not all(isinstance(s, str) and s for s in stops)
        ):
            raise InvalidArgumentError("`stop` must be a non-empty string or a list of up to 4 non-empty strings.")
        body["stop"] = stop
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgumentError(f"`seed` must be an integer, got {seed!r}.")
        body["seed"] = seed
    return body


def _number_in(value: object, low: float, high: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and low <= value <= high


def summarize(completion: ChatCompletion, requested_model: str, *, streamed: bool) -> ChatResult:
    usage = completion.usage
    text = completion.text
    if not text and completion.refusal:
        text = f"[refused] {completion.refusal}"
    return ChatResult(
        text=text,
        model=completion.model or requested_model,
        requested_model=requested_model,
        provider=completion.provider,
        finish_reason=completion.finish_reason,
        usage=None
        if usage is None
        else TokenUsage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            reasoning_tokens=usage.reasoning_tokens or None,
            cached_tokens=usage.cached_tokens or None,
        ),
        cost_usd=None if usage is None or usage.cost is None else float(usage.cost),
        generation_id=completion.id,
        streamed=streamed,
    )


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


async def run_chat(
    client: OpenRouterClient,
    body: Mapping[str, Any],
    *,
    stream: bool = False,
    on_progress: ProgressCallback | None = None,
    progress_interval: float = c.DEFAULT_PROGRESS_INTERVAL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> ChatResult:
    """Run one chat call. With `stream`, report progress while tokens arrive."""
    requested = str(body["model"])
    if not stream:
        completion = await client.chat(body)
        return summarize(completion, requested, streamed=False)

    from mcp_server_openrouter.client import KeepAlive

    reporter = ProgressReporter(on_progress, progress_interval, clock) if on_progress else None
    async with client.stream_chat(body) as chat_stream:
        text: list[str] = []
        async for event in chat_stream.events():
            if reporter is None:
                continue
            if isinstance(event, KeepAlive):
                await reporter.keep_alive(requested)
            elif event.text:
                text.append(event.text)
                if len(text) > 64:
                    text[:] = ["".join(text)[-_TAIL_CHARS * 2 :]]
                await reporter.token(text_tail("".join(text)))
            else:
                await reporter.token("thinking…")  # reasoning tokens count as completion tokens
        completion = chat_stream.completion()
    return summarize(completion, requested, streamed=True)
