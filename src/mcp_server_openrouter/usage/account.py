"""The account as OpenRouter sees it, read without spending: `GET /key` and `GET /credits`.

`/key` tells the key's label, its cap and what the cap leaves, and what the key spent today,
this week and this month (UTC windows, as OpenRouter counts them) and in all. `/credits`
tells the account's balance, but only to management keys: ordinary keys get 403 — and some,
in 2026, a 200 with zeros, which is not a balance. Either way the view says why there is no
balance instead of failing, and a `/key` that cannot be read is explained the same way: the
view is an extra to a usage report, never the reason it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio
from pydantic import BaseModel

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.client import Credits, KeyInfo
from mcp_server_openrouter.errors import OpenRouterError, PermissionDeniedError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

# The view is read beside a report: a slow or failing OpenRouter must not hold the report for long.
ACCOUNT_TIMEOUT_SECONDS = 10.0


def usd_text(amount: Decimal) -> str:
    """An exact amount of USD as a decimal string without trailing zeros ("0.000123", "12")."""
    return format(amount.normalize(), "f")


class Account(BaseModel):
    """The account view as structured content (amounts in USD, as exact decimal strings)."""

    label: str | None = None
    limit_usd: str | None = None
    limit_remaining_usd: str | None = None
    limit_reset: str | None = None
    usage_today_usd: str | None = None
    usage_week_usd: str | None = None
    usage_month_usd: str | None = None
    usage_usd: str | None = None
    is_free_tier: bool | None = None
    is_management_key: bool | None = None
    total_credits_usd: str | None = None
    balance_usd: str | None = None
    notes: list[str] = []


@dataclass(frozen=True)
class AccountView:
    """What `/key` and `/credits` said; `notes` say why a part is missing."""

    key: KeyInfo | None = None
    credits: Credits | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def balance(self) -> Decimal | None:
        return None if self.credits is None else self.credits.balance

    def structured(self) -> Account:
        key, credits = self.key or KeyInfo(), self.credits or Credits()
        amounts = {
            "limit_usd": key.limit,
            "limit_remaining_usd": key.limit_remaining,
            "usage_today_usd": key.usage_daily,
            "usage_week_usd": key.usage_weekly,
            "usage_month_usd": key.usage_monthly,
            "usage_usd": key.usage,
            "total_credits_usd": credits.total_credits,
            "balance_usd": self.balance,
        }
        return Account(
            label=key.label,
            limit_reset=key.limit_reset,
            is_free_tier=key.is_free_tier,
            is_management_key=key.is_management_key,
            notes=list(self.notes),
            **{name: usd_text(amount) for name, amount in amounts.items() if amount is not None},
        )

    def lines(self) -> list[str]:
        """The view as text: one line for the key, one for the balance (or why there is none)."""
        lines = []
        if self.key is not None:
            lines.append("Key: " + "; ".join(_key_parts(self.key)) + ".")
        if self.credits is not None and self.balance is not None:
            lines.append(
                f"Balance: ${format_usd(self.balance)} of ${format_usd(self.credits.total_credits or Decimal(0))} "
                "bought (the whole account)."
            )
        lines.extend(self.notes)
        return lines


def _key_parts(key: KeyInfo) -> list[str]:
    # Not the label: OpenRouter labels keys with their own masked form, which reads as noise.
    parts = []
    spent = (("today", key.usage_daily), ("this week", key.usage_weekly), ("this month", key.usage_monthly))
    windows = [f"{name} ${format_usd(amount, max_decimals=8)}" for name, amount in spent if amount is not None]
    if windows:
        parts.append("spent " + ", ".join(windows) + " (UTC)")
    if key.usage is not None:
        parts.append(f"${format_usd(key.usage)} in all")
    if key.limit is None:
        parts.append("no spending limit")
    else:
        reset = f" ({key.limit_reset})" if key.limit_reset else ""
        left = f", ${format_usd(key.limit_remaining)} left" if key.limit_remaining is not None else ""
        parts.append(f"limit ${format_usd(key.limit)}{reset}{left}")
    if key.is_free_tier is not None:
        parts.append("free tier" if key.is_free_tier else "paid tier")
    return parts


async def account_view(
    client_of: Callable[[], OpenRouterClient], *, give_up_after: float = ACCOUNT_TIMEOUT_SECONDS
) -> AccountView:
    """`/key` and `/credits` read at once (neither queues behind chat calls); what has not come
    after `give_up_after` seconds is reported missing, with why."""
    answers: dict[str, Any] = {}

    async def read(name: str, request: Callable[[OpenRouterClient], Any]) -> None:
        try:
            # One retry, and no place in the queue of chat calls: this is a look, not a call.
            answers[name] = await request(client_of().with_options(max_retries=1, limiter=None))
        except OpenRouterError as exc:
            answers[name] = exc

    with anyio.move_on_after(give_up_after):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read, "key", lambda client: client.key_info())
            tasks.start_soon(read, "credits", lambda client: client.credits())
    return _view(answers.get("key"), answers.get("credits"), give_up_after)


def _view(key: object, credits: object, timeout: float) -> AccountView:
    if not isinstance(key, KeyInfo) and type(credits) is type(key):  # one reason for both: say it once
        return AccountView(notes=[f"Account: not shown: {_why(key, timeout)}"])
    notes = []
    if not isinstance(key, KeyInfo):
        notes.append(f"Account: OpenRouter's view of the key (/key) is missing: {_why(key, timeout)}")
        key = None
    if isinstance(credits, Credits) and not _credible(credits, key):
        notes.append(
            "Balance: not shown: OpenRouter answered /credits with zeros, as it does for some keys that may not "
            f"read the balance; see {c.CREDITS_URL}."
        )
        credits = None
    elif isinstance(credits, PermissionDeniedError):
        notes.append(
            "Balance: not shown: OpenRouter shows the account's balance (/credits) to management keys only, and this "
            f"is an ordinary key ({credits.code}: {credits.upstream_message}). The key's own spending and limit are "
            f"above; the balance is at {c.CREDITS_URL}."
        )
        credits = None
    elif not isinstance(credits, Credits):
        notes.append(f"Balance: not shown: /credits could not be read: {_why(credits, timeout)}")
        credits = None
    return AccountView(key, credits, notes)


def _credible(credits: Credits, key: KeyInfo | None) -> bool:
    """Zeros from `/credits` are a balance only if the key is a management key that spent nothing."""
    if credits.total_credits or credits.total_usage:
        return True
    return key is not None and key.is_management_key is True and not key.usage


def _why(answer: object, timeout: float) -> str:
    """Why an answer is missing: no answer in time, or the error it was."""
    return f"OpenRouter did not answer within {timeout:g} s." if answer is None else str(answer)
