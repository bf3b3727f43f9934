"""When to retry a failed request, and how long to wait first.

Kept apart from the HTTP loop so the rule can be read (and tested) on its own:

* only errors marked `retryable` are retried (408, 429, 5xx, connection failures), at
  most `max_retries` times;
* the wait doubles from `base_delay` up to `max_delay`, then is multiplied by a random
  factor in (1 - jitter, 1] so that many clients failing together do not retry together;
* a rate limit that says when it resets is waited out exactly (no jitter: the server
  named the time), but only when that is at most `max_wait` away — a daily cap resets at
  midnight UTC, and making a tool call hang for hours helps nobody.
"""

from __future__ import annotations

import random as _random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.errors import OpenRouterError, RateLimitError

Random = Callable[[], float]
"""A source of floats in [0, 1), like `random.random`; tests pass a constant."""

OnRetry = Callable[[int, float, OpenRouterError], Awaitable[None]]
"""Called before each wait with (the number of the attempt about to be made, the wait in seconds, the error)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and the wait before each retry."""

    max_retries: int = c.DEFAULT_MAX_RETRIES
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_wait: float = c.MAX_RETRY_WAIT_SECONDS
    jitter: float = 0.25
    random: Random = field(default=_random.random, repr=False, compare=False)

    def backoff(self, retries_done: int) -> float:
        """The jittered wait before retry number `retries_done + 1`."""
        delay = min(self.base_delay * 2.0**retries_done, self.max_delay)
        return delay * (1.0 - self.jitter * self.random())

    def wait(self, error: OpenRouterError, retries_done: int, now: float) -> float | None:
        """Seconds to wait before retrying after `error`, or None to give up and raise it.

        `retries_done` counts the retries already made; `now` is the wall clock in epoch
        seconds, to turn a rate limit's reset time into a wait.
        """
        if not error.retryable or retries_done >= self.max_retries:
            return None
        if isinstance(error, RateLimitError) and error.reset_at is not None:
            wait = max(error.reset_at - now, 0.0)
        else:
            wait = self.backoff(retries_done)
        return wait if wait <= self.max_wait else None
