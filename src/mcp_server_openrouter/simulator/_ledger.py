"""Keys of the fake OpenRouter and what they spent: `KeyAccount`, with a dated ledger.

`GET /key` reports a key's lifetime usage and its usage of the current UTC day, week
(from Monday) and month, as the real API does; a new ordinary key therefore starts with a
little history from earlier months and days (`seed_history`), so those figures differ from
the lifetime one. A key may be capped (`limit`, reset `daily`/`weekly`/`monthly` or never);
uncapped keys answer `limit: null`. BYOK keys pay nothing to OpenRouter for inference.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_CREDITS = Decimal("10")
_DAY = 86_400.0

# What a fresh ordinary key had already spent: (seconds before it was first seen, USD).
_HISTORY = [(45 * _DAY, Decimal("0.75")), (9 * _DAY, Decimal("0.2")), (1.5 * _DAY, Decimal("0.05"))]


@dataclass
class KeyAccount:
    """One API key: its account's credits, its own cap, and every charge with its time."""

    label: str
    credits: Decimal = DEFAULT_CREDITS
    management: bool = False
    byok: bool = False
    limit: Decimal | None = None
    limit_reset: str | None = None  # None, "daily", "weekly" or "monthly"
    is_free_tier: bool = False
    ledger: list[tuple[float, Decimal]] = field(default_factory=list)

    @property
    def usage(self) -> Decimal:
        """Lifetime spend, in USD."""
        return sum((cost for _, cost in self.ledger), Decimal(0))

    def spend(self, when: float, cost: Decimal) -> None:
        self.ledger.append((when, cost))

    def seed_history(self, now: float) -> None:
        """Give a new key the spend of earlier months and days."""
        self.ledger[:0] = [(now - ago, cost) for ago, cost in _HISTORY]

    def usage_since(self, start: float) -> Decimal:
        return sum((cost for when, cost in self.ledger if when >= start), Decimal(0))

    def window_usage(self, window: str, now: float) -> Decimal:
        """Spend in the current UTC `daily`, `weekly` or `monthly` window."""
        return self.usage_since(window_start(window, now))

    def limit_remaining(self, now: float) -> Decimal | None:
        """What the cap still allows in its current window; None for an uncapped key."""
        if self.limit is None:
            return None
        spent = self.window_usage(self.limit_reset, now) if self.limit_reset else self.usage
        return max(self.limit - spent, Decimal(0))

    def can_spend(self, now: float) -> Decimal:
        """What the key may still spend: the account's balance, or less under the key's cap."""
        balance = self.credits - self.usage
        remaining = self.limit_remaining(now)
        return balance if remaining is None else min(balance, remaining)


def window_start(window: str, now: float) -> float:
    """The UTC start of the day, week (Monday) or month holding `now`."""
    day = time.gmtime(now)
    midnight = float(calendar.timegm((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0)))
    if window == "daily":
        return midnight
    if window == "weekly":
        return midnight - day.tm_wday * _DAY
    if window == "monthly":
        return float(calendar.timegm((day.tm_year, day.tm_mon, 1, 0, 0, 0)))
    raise ValueError(f"unknown limit window {window!r}")
