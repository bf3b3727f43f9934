"""Waiting before a request is sent: free-model pacing, the rate-limit gate, and each call's wait budget.

* `FreePacer`: at most `per_minute` requests to `:free` models in any 60 s, per key (a sliding
  window of start times). OpenRouter allows ~20 a minute on free models and counts refused
  requests against the daily quota, so a burst is spread out here instead of spent on 429s.
  Each request books its start time before it sleeps, so waiters leave in arrival order.
* `RateGate`: after a 429 that says when the limit resets, other requests to the same model
  with the same key wait for the reset instead of hammering; a 429 of a request without a
  model (such as `GET /key`) closes the gate for the whole key.
* `CallWaits`: all the waiting one call does (gate, pacing, retries) shares one budget,
  `max_wait`; a wait that would pass it is not started — the call fails at once with an error
  that says when to try again. Before each wait the `on_wait` hook hears why.

Keys are kept as a short hash: a dump of this state never shows one. Times: the gate and the
messages use the wall clock (reset times are epoch seconds), the pacer the monotonic clock.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from mcp_server_openrouter.client._retry import OnWait, seconds_text, try_again_after
from mcp_server_openrouter.errors import OpenRouterError, RateLimitError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

WINDOW_SECONDS = 60.0
FREE_SUFFIX = ":free"
FREE_MODELS = ":free models"  # the gate's scope for OpenRouter's caps on all free models of a key
FREE_CAP = "free-models-per-"


def _is_free(model: str | None) -> bool:
    return model is not None and model.endswith(FREE_SUFFIX)


def key_id(api_key: str | None) -> str:
    """A stand-in for the key in the pacing and gate tables (never the key itself)."""
    if api_key is None:
        return ""
    return hashlib.sha256(api_key.encode("utf-8", "replace")).hexdigest()[:16]


async def tell(hook: OnWait | None, message: str) -> None:
    """Hand `message` to the hook; a hook that fails is logged by class only, never raised."""
    if hook is None:
        return
    try:
        await hook(message)
    except Exception as exc:  # a progress report that fails must not cost the call
        logger.warning("the on_wait hook failed: %s", type(exc).__name__)


class FreePacer:
    """At most `per_minute` request starts in any 60 s for each key (0: no pacing)."""

    def __init__(self, per_minute: int, monotonic: Clock) -> None:
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._starts: dict[str, deque[float]] = {}

    def next_start(self, key: str) -> float:
        """Seconds from now until `key` may start another request (0: now)."""
        now = self._monotonic()
        starts = self._starts.get(key)
        if starts is None or self.per_minute <= 0:
            return 0.0
        while starts and starts[0] <= now - WINDOW_SECONDS:
            starts.popleft()
        if len(starts) < self.per_minute:
            return 0.0
        return max(starts[-self.per_minute] + WINDOW_SECONDS - now, 0.0)

    def book(self, key: str, wait: float) -> None:
        """Record a start `wait` seconds from now (booked before sleeping, so waiters keep their order)."""
        if self.per_minute > 0:
            self._starts.setdefault(key, deque()).append(self._monotonic() + wait)


class RateGate:
    """Reset times of recent 429s, by (key, scope): a model id, `FREE_MODELS` or None (the whole key).

    OpenRouter's free-model caps ("Rate limit exceeded: free-models-per-day", "…-per-min") count
    every `:free` model of the key together, so such a 429 holds back all of them.
    """

    def __init__(self) -> None:
        self._closed: dict[tuple[str, str | None], RateLimitError] = {}

    def close(self, key: str, model: str | None, error: OpenRouterError) -> None:
        """Remember a 429 that says when it resets (other errors, and 429s without a time, are ignored)."""
        if not isinstance(error, RateLimitError) or error.reset_at is None:
            return
        scope = FREE_MODELS if _is_free(model) and FREE_CAP in error.upstream_message else model
        known = self._closed.get((key, scope))
        if known is None or known.reset_at is None or known.reset_at < error.reset_at:
            self._closed[(key, scope)] = error

    def closed_until(self, key: str, model: str | None, now: float) -> tuple[RateLimitError, str] | None:
        """The 429 that still holds this request back and whom it limits, or None if the way is open."""
        latest: tuple[RateLimitError, str] | None = None
        for scope in {model, None, FREE_MODELS if _is_free(model) else None}:
            error = self._closed.get((key, scope))
            if error is None or error.reset_at is None:
                continue
            if error.reset_at <= now:
                del self._closed[(key, scope)]
            elif latest is None or (latest[0].reset_at or 0.0) < error.reset_at:
                latest = (error, scope or "this key")
        return latest


class CallWaits:
    """The waiting of one call: its budget, what it has waited, and whom to tell."""

    def __init__(self, *, max_wait: float, on_wait: OnWait | None, clock: Clock, sleep: Sleep) -> None:
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.waited = 0.0
        self.waited_until = 0.0  # the latest reset time (wall clock) this call has waited for
        self._clock = clock
        self._sleep = sleep

    def check(self, error: OpenRouterError, wait: float, *, head: str | None = None) -> None:
        """Raise `error`, saying when to try again, if waiting `wait` more would pass the budget."""
        if self.waited + wait > self.max_wait:
            now = self._clock()
            raise try_again_after(error, now + wait, now, self.max_wait, head=head) from error

    async def wait(self, seconds: float, message: str, *, until: float | None = None) -> None:
        """Tell the hook, then sleep; the seconds count against the budget."""
        await tell(self.on_wait, message)
        self.waited += seconds
        if until is not None:
            self.waited_until = max(self.waited_until, until)
        await self._sleep(seconds)


class Admission:
    """What every attempt passes before it takes its place in the queue: the gate, then free pacing.

    One per client, shared by its views (whatever their key: the tables are per key).
    """

    def __init__(self, *, free_per_minute: int, clock: Clock, monotonic: Clock) -> None:
        self.pacer = FreePacer(free_per_minute, monotonic)
        self.gate = RateGate()
        self._clock = clock

    async def admit(self, call: CallWaits, key: str, model: str | None) -> None:
        """Wait (within the call's budget) until this request may go; raise if it cannot in time."""
        closed = self.gate.closed_until(key, model, self._clock())
        if closed is not None:
            error, whom = closed
            assert error.reset_at is not None
            if error.reset_at > call.waited_until:  # not the reset this call has just waited out
                wait = max(error.reset_at - self._clock(), 0.0)
                call.check(error, wait)
                message = f"rate limited for {whom}: waiting {seconds_text(wait)} for the reset"
                await call.wait(wait, message, until=error.reset_at)
        if _is_free(model):
            await self._pace(call, key)

    async def _pace(self, call: CallWaits, key: str) -> None:
        wait = self.pacer.next_start(key)
        if wait > 0:
            per_minute = self.pacer.per_minute
            head = (
                f"free-model limit: OPENROUTER_FREE_RPM={per_minute} requests a minute to :free models are used "
                "up for this key (counted here; nothing was sent)"
            )
            limited = RateLimitError("free-model limit", status=429, reset_at=self._clock() + wait)
            call.check(limited, wait, head=head)
            self.pacer.book(key, wait)
            await call.wait(wait, f"free-model limit: waiting {seconds_text(wait)} (OPENROUTER_FREE_RPM={per_minute})")
        else:
            self.pacer.book(key, 0.0)
