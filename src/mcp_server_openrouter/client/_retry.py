"""When to retry a failed request, how long to wait first, and what to say about it.

Kept apart from the HTTP loop so the rule can be read (and tested) on its own:

* only errors marked `retryable` are retried (408, 429, 5xx, connection failures that provably
  did not reach the service), at most `max_retries` times;
* the wait is "full jitter": a random share of `base_delay * 2**n`, capped at `max_delay`, so
  that many clients failing together spread their retries over the whole window instead of
  coming back in a herd;
* a rate limit that says when it resets is waited out exactly (no jitter: the server named
  the time);
* all the waiting one call does is bounded by `max_wait` (`OPENROUTER_MAX_RETRY_WAIT`): a
  daily cap resets at midnight UTC, and making a tool call hang for hours helps nobody. A wait
  that would pass the bound is not started: `try_again_after` turns the error into one of the
  same class whose message says when to try again.

`retry_message` is the one-line note the `on_wait` hook hears before a retry wait.
"""

from __future__ import annotations

import math
import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.errors import APIStatusError, APITimeoutError, OpenRouterError, RateLimitError

Random = Callable[[], float]
"""A source of floats in [0, 1), like `random.random`; tests pass a constant."""

OnRetry = Callable[[int, float, OpenRouterError], Awaitable[None]]
"""Called before each wait with (the number of the attempt about to be made, the wait in seconds, the error)."""

OnWait = Callable[[str], Awaitable[None]]
"""Called before every wait a request makes (queue, free-model pacing, rate-limit reset, retry)
with one short message for a person, e.g. "rate limited, retrying in 2.1 s". Never holds the key
or the prompt."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, the wait before each retry, and the bound on all of them."""

    max_retries: int = c.DEFAULT_MAX_RETRIES
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = c.MAX_RETRY_WAIT_SECONDS
    random: Random = field(default=_random.random, repr=False, compare=False)

    def backoff(self, retries_done: int) -> float:
        """The full-jitter wait before retry number `retries_done + 1`."""
        return self.random() * min(self.max_delay, self.base_delay * 2.0**retries_done)

    def wait(self, error: OpenRouterError, retries_done: int, now: float) -> float | None:
        """Seconds to wait before retrying after `error`, or None to give up and raise it.

        `retries_done` counts the retries already made; `now` is the wall clock in epoch
        seconds, to turn a rate limit's reset time into a wait. Whether the wait fits in
        `max_wait` is the caller's check: it knows what the call has waited already.
        """
        if not error.retryable or retries_done >= self.max_retries:
            return None
        if isinstance(error, RateLimitError) and error.reset_at is not None:
            return max(error.reset_at - now, 0.0)
        return self.backoff(retries_done)


_ROUNDING = 1e-3  # times are rounded up to whole seconds, but float noise never adds one


def seconds_text(seconds: float) -> str:
    """A wait as people read it: "2.1 s"."""
    return f"{seconds:.1f} s"


def retry_message(error: OpenRouterError, wait: float) -> str:
    """What a call waiting to retry after `error` says: "HTTP 502 from the provider, retrying in 0.4 s"."""
    if isinstance(error, RateLimitError):
        what = "rate limited"
    elif isinstance(error, APIStatusError):
        what = "rate limited by the provider" if error.status == 429 else f"HTTP {error.status} from the provider"
    elif isinstance(error, APITimeoutError):
        what = "connecting timed out"
    else:
        what = "could not connect"
    return f"{what}, retrying in {seconds_text(wait)}"


def _span(seconds: float) -> str:
    """A duration rounded up, in a unit that keeps it readable: "75 s", "12 min", "9 h 56 min", "3 days"."""
    whole = math.ceil(seconds - _ROUNDING)
    if whole < 120:
        return f"{whole} s"
    minutes = math.ceil(whole / 60)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{math.ceil(minutes / (24 * 60))} days"


def when_text(until: float, now: float) -> str:
    """ "14:03:12 UTC (in 75 s)"; the date is added when it is not today (UTC)."""
    moment = datetime.fromtimestamp(math.ceil(until - _ROUNDING), tz=timezone.utc)
    today = datetime.fromtimestamp(now, tz=timezone.utc).date()
    shown = moment.strftime("%H:%M:%S UTC" if moment.date() == today else "%Y-%m-%d %H:%M:%S UTC")
    return f"{shown} (in {_span(until - now)})"


def try_again_after(
    error: OpenRouterError, until: float, now: float, max_wait: float, *, head: str | None = None
) -> OpenRouterError:
    """`error` again (same class, same fields), its message saying when to try again.

    Raised instead of waiting when the wait until `until` (epoch seconds) would take the
    call's waiting past `max_wait`. OpenRouter's own reason stays in the message; `head`
    replaces the start of it (for a limit of our own, where there is no OpenRouter reason).
    """
    advice = (
        f"try again after {when_text(until, now)}; waiting here would pass OPENROUTER_MAX_RETRY_WAIT "
        f"({max_wait:g} s for one call)"
    )
    if head is not None:
        text = f"{head}; {advice}"
    elif isinstance(error, RateLimitError):
        text = f"OpenRouter error {error.code}: {error.upstream_message} — rate limited; {advice}"
    else:
        text = f"{error}; {advice}"
    return with_message(error, text)


def with_message(error: OpenRouterError, text: str) -> OpenRouterError:
    """A copy of `error` (same class and attributes) with another message.

    Built without calling `__init__`, whose arguments differ from class to class.
    """
    copied = type(error).__new__(type(error))
    copied.__dict__.update(error.__dict__)
    copied.message = redact(text)
    copied.args = (copied.message,)
    return copied
