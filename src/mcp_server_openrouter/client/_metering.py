"""One record per upstream HTTP request, for whoever meters the client (costs, latency, ledgers).

`Meter` collects the facts of one attempt while it runs; `RequestRecord` is the frozen result
handed to the client's `on_request` hook exactly once per request sent (each retry attempt is
its own request). Times come from the client's monotonic clock, so they are comparable with
each other but not with the wall clock.

A record never carries the prompt, the reply text or the API key: only what was asked of
whom, when each stage happened, and what it cost.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

import anyio

from mcp_server_openrouter.client._models import ChatCompletion, Usage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestRecord:
    """What one upstream HTTP request did.

    `sent`, `first_byte` (the response headers arrived), `first_token` (the first text or
    reasoning of a stream) and `ended` are readings of the client's monotonic clock.
    `status` is None when no response came; `error_kind` is the class name of the error
    the call raised (for a stream: what `completion()` raises), None on success. `model` is
    the model asked for, `served_model` and `provider` what the reply says answered it.
    `key_id` stands for the key the request was sent with (a short hash, never the key).
    """

    method: str
    path: str
    model: str | None
    attempt: int
    stream: bool
    sent: float
    first_byte: float | None
    first_token: float | None
    ended: float
    status: int | None
    error_kind: str | None
    usage: Usage | None
    cost: Decimal | None
    generation_id: str | None
    served_model: str | None = None
    provider: str | None = None
    key_id: str = ""

    @property
    def duration(self) -> float:
        return self.ended - self.sent


OnRequest = Callable[[RequestRecord], Awaitable[None]]


class Meter:
    """The facts of one attempt, gathered as it runs; `record()` freezes them."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        method: str,
        path: str,
        model: str | None,
        attempt: int,
        stream: bool,
        key_id: str = "",
    ) -> None:
        self._clock = clock
        self.method = method
        self.path = path
        self.model = model
        self.attempt = attempt
        self.stream = stream
        self.sent = clock()
        self.first_byte: float | None = None
        self.first_token: float | None = None
        self.status: int | None = None
        self.error_kind: str | None = None
        self.usage: Usage | None = None
        self.generation_id: str | None = None
        self.served_model: str | None = None
        self.provider: str | None = None
        self.key_id = key_id

    def got_headers(self, status: int) -> None:
        self.first_byte = self._clock()
        self.status = status

    def got_token(self) -> None:
        if self.first_token is None:
            self.first_token = self._clock()

    def got_reply(self, completion: ChatCompletion, *, generation_id: str | None = None) -> None:
        """What the reply (whole or assembled from a stream) says about itself."""
        self.usage = completion.usage
        self.generation_id = completion.id or generation_id
        self.served_model = completion.model
        self.provider = completion.provider

    def failed(self, error: BaseException) -> None:
        # The first failure is the one the caller sees; cleanup errors after it are noise.
        if self.error_kind is None:
            self.error_kind = type(error).__name__

    def record(self) -> RequestRecord:
        usage = self.usage
        return RequestRecord(
            method=self.method,
            path=self.path,
            model=self.model,
            attempt=self.attempt,
            stream=self.stream,
            sent=self.sent,
            first_byte=self.first_byte,
            first_token=self.first_token,
            ended=self._clock(),
            status=self.status,
            error_kind=self.error_kind,
            usage=usage,
            cost=usage.cost if usage is not None else None,
            generation_id=self.generation_id,
            served_model=self.served_model,
            provider=self.provider,
            key_id=self.key_id,
        )


async def emit(hook: OnRequest | None, meter: Meter) -> None:
    """Hand the attempt's record to the hook; a failing hook is logged, never raised.

    Shielded, so a cancelled call (a client that gave up on a stream) is still metered.
    """
    if hook is None:
        return
    record = meter.record()
    with anyio.CancelScope(shield=True):
        try:
            await hook(record)
        except Exception as exc:  # metering must never break the call it measures
            # Only the class name: the hook's message might quote whatever its closure holds (a prompt, a key).
            logger.warning(
                "the on_request hook failed for %s %s (attempt %d): %s",
                record.method,
                record.path,
                record.attempt,
                type(exc).__name__,
            )
