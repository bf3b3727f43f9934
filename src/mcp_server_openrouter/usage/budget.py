"""Budgets: a chat call is refused before anything is sent when its worst case could cross a limit.

The limits: `OPENROUTER_BUDGET_DAILY_USD` (the local day) and `OPENROUTER_BUDGET_MONTHLY_USD`
(the local calendar month), against what the ledger says this key spent; a call's own
`max_cost_usd`; and the key's own `limit_remaining` from `GET /key` (kept `KEY_INFO_SECONDS`,
less what this process spent since; a `/key` that fails is logged and the call goes on:
OpenRouter enforces that limit itself anyway). Above `OPENROUTER_CONFIRM_ABOVE_USD` the user
is asked first, through the `confirm` callback the caller gives (the MCP layer asks by
elicitation); a caller that cannot ask is refused with the setting named.

A call admitted holds its worst case (`Hold`) until it ends, when its real cost is in the
ledger: calls running at once cannot together cross a budget. With no limit set and no
`max_cost_usd` the guard does nothing — no catalogue, no `/key`, no ledger read — so a plain
call stays one upstream request.

For work made of several calls (a benchmark, a panel), `admit` takes the total worst case
once; each call then runs with `CallLimits(covered_by=hold)` and is not checked again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.errors import (
    BudgetExceededError,
    InvalidArgumentError,
    LedgerError,
    NotConfirmedError,
    OpenRouterError,
    SpendingRefusedError,
)
from mcp_server_openrouter.storage import UsageLedger
from mcp_server_openrouter.usage.estimate import CostEstimate, price_request

if TYPE_CHECKING:
    from mcp_server_openrouter.client import KeyInfo

logger = logging.getLogger(__name__)

# How long an answer of `GET /key` is used before asking again.
KEY_INFO_SECONDS = 30.0

DAILY = "OPENROUTER_BUDGET_DAILY_USD"
MONTHLY = "OPENROUTER_BUDGET_MONTHLY_USD"
CONFIRM = "OPENROUTER_CONFIRM_ABOVE_USD"
CHEAPER = "lower max_tokens or choose a cheaper model (estimate_cost lists some)"

Confirm = Callable[[str], Awaitable[bool]]
"""Ask the user a question; True to send the call."""
KeyInfoSource = Callable[[str], Awaitable["KeyInfo | None"]]
"""`GET /key` for a key id (None: no client holds that key here)."""


def cost_limit(value: object, name: str) -> Decimal | None:
    """A USD amount a call may cost at most (None: no limit)."""
    if value is None:
        return None
    if not v.is_number(value) or value < 0:
        raise InvalidArgumentError(f"`{name}` must be a number of US dollars, 0 or more, got {value!r}.")
    return Decimal(str(value))


def usd(amount: Decimal) -> str:
    return "$" + format_usd(amount, max_decimals=8)


def day_start(now: float, zone: tzinfo | None = None) -> float:
    """The start of the local day holding `now` (`zone` None: the system's zone)."""
    local = datetime.fromtimestamp(now, zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def month_start(now: float, zone: tzinfo | None = None) -> float:
    local = datetime.fromtimestamp(now, zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


class Hold:
    """A worst case held for a call in flight, until `release` (or leaving `with`), or until the
    condition given to `until` is true (a job that ended without running still gives it back)."""

    def __init__(self, key_id: str, amount: Decimal) -> None:
        self.key_id = key_id
        self.amount = amount
        self._released = False
        self._ended: Callable[[], bool] | None = None

    @property
    def active(self) -> bool:
        return not self._released and not (self._ended is not None and self._ended())

    def release(self) -> None:
        self._released = True

    def until(self, ended: Callable[[], bool]) -> None:
        self._ended = ended

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


@dataclass(frozen=True)
class CallLimits:
    """What one chat call may cost: its `max_cost_usd`, how to ask the user (None: cannot), or a
    `Hold` already taken for it (several calls admitted together)."""

    max_cost_usd: Decimal | None = None
    confirm: Confirm | None = None
    covered_by: Hold | None = None


@dataclass(frozen=True)
class Standing:
    """Where spending stands for a key: spent today and this month (None: the ledger could not
    say), held by calls in flight, and what the key's own limit still allows (None: no limit known)."""

    spent_today: Decimal | None
    spent_month: Decimal | None
    held: Decimal
    key_remaining: Decimal | None


@dataclass
class _KeySnapshot:
    at: float
    remaining: Decimal | None
    session: Decimal


class SpendingGuard:
    """Checks each chat call against the budgets before it is sent (see the module docstring)."""

    def __init__(
        self,
        ledger: UsageLedger,
        catalog: CatalogService,
        *,
        key_info: KeyInfoSource,
        session_cost: Callable[[str], Decimal],
        daily: Decimal | None = None,
        monthly: Decimal | None = None,
        confirm_above: Decimal | None = None,
        clock: Callable[[], float] = time.time,
        zone: tzinfo | None = None,
    ) -> None:
        self.ledger = ledger
        self.catalog = catalog
        self.key_info = key_info
        self.session_cost = session_cost
        self.daily = daily
        self.monthly = monthly
        self.confirm_above = confirm_above
        self.clock = clock
        self.zone = zone
        self._holds: dict[str, list[Hold]] = {}
        self._keys: dict[str, _KeySnapshot] = {}

    def active(self, max_cost_usd: Decimal | None = None) -> bool:
        """Whether a call has anything to be checked against."""
        return max_cost_usd is not None or any(v is not None for v in (self.daily, self.monthly, self.confirm_above))

    async def admit_request(self, body: Mapping[str, Any], key_id: str, limits: CallLimits) -> Hold | None:
        """Admit one chat request, given as its checked JSON body (its worst case from the
        catalogue's prices), or refuse it."""
        if limits.covered_by is not None or not self.active(limits.max_cost_usd):
            return None
        try:
            worst = (await price_request(body, self.catalog)).worst
        except OpenRouterError as exc:
            raise SpendingRefusedError(
                f"Not sent: the price of {body.get('model')} could not be read from the catalogue ({exc}), so the "
                f"call cannot be checked against {self._limits(limits)}. Try again when OpenRouter answers."
            ) from None
        if worst.worst_case is None:
            raise SpendingRefusedError(
                f"Not sent: {worst.why}, so its worst case cannot be checked against {self._limits(limits)}. "
                "Name a model with a fixed price, or pass max_tokens."
            )
        return await self.admit(
            worst.worst_case, key_id, max_cost_usd=limits.max_cost_usd, confirm=limits.confirm, what=describe(worst)
        )

    async def admit(
        self,
        worst_case: Decimal,
        key_id: str,
        *,
        max_cost_usd: Decimal | None = None,
        confirm: Confirm | None = None,
        what: str = "this call",
    ) -> Hold:
        """Hold `worst_case` for `key_id` if no limit refuses it (asking the user when it is above
        the confirmation threshold); raises `BudgetExceededError` or `NotConfirmedError`."""
        if worst_case < 0:
            raise InvalidArgumentError(f"a worst case must not be negative, got {worst_case}.")
        threshold = self.confirm_above
        asking = threshold is not None and worst_case > threshold
        standing = await self.standing(key_id, today=asking or self.daily is not None, month=self.monthly is not None)
        self._refuse_past_limits(worst_case, standing, max_cost_usd, what)
        if asking and threshold is not None:
            if confirm is None:
                raise NotConfirmedError(
                    f"Not sent: {what} could cost up to {usd(worst_case)}, above {CONFIRM} ({usd(threshold)}), and "
                    f"this client cannot ask you to confirm (it does not support MCP elicitation). Raise or unset "
                    f"{CONFIRM}, or {CHEAPER}."
                )
            if not await confirm(self.question(worst_case, standing, what)):
                raise NotConfirmedError(
                    f"Not sent: you did not confirm {what} (up to {usd(worst_case)}). Nothing was spent."
                )
            standing = await self.standing(key_id, month=self.monthly is not None)  # the answer took a while
            self._refuse_past_limits(worst_case, standing, max_cost_usd, what)
        hold = Hold(key_id, worst_case)
        self._holds.setdefault(key_id, []).append(hold)
        return hold

    def held(self, key_id: str, *, also: Iterable[Hold] = ()) -> Decimal:
        """The worst cases of `key_id`'s calls still in flight (and of the holds `also`, ended or not)."""
        holds = self._holds[key_id] = [h for h in self._holds.get(key_id, []) if h.active]
        return sum((h.amount for h in {*holds, *also}), Decimal(0))

    def question(self, worst_case: Decimal, standing: Standing, what: str) -> str:
        """What the user is asked before a call above the confirmation threshold."""
        spent = "unknown" if standing.spent_today is None else usd(standing.spent_today)
        budget = f" of the {usd(self.daily)} daily budget" if self.daily is not None else ""
        return f"Send {what}? It could cost up to {usd(worst_case)}. Spent today: {spent}{budget}."

    async def standing(self, key_id: str, *, today: bool = True, month: bool = True) -> Standing:
        """Where spending stands; only the sums asked for are read (each ledger read costs a few
        milliseconds, so the two run side by side)."""
        now = self.clock()
        # A call that ends while the ledger is read may be in neither the sum read (its row came
        # after) nor the holds (given back before they are added up): what was held when the
        # reading began counts, even if it ended since (at worst counted twice, never missed).
        holding = [h for h in self._holds.get(key_id, []) if h.active]
        wanted = {
            "today": day_start(now, self.zone) if today else None,
            "month": month_start(now, self.zone) if month else None,
        }
        spent: dict[str, Decimal | None] = dict.fromkeys(wanted)
        failures: list[LedgerError] = []

        async def read(name: str, since: float) -> None:
            try:
                spent[name] = await self._spent(key_id, since)
            except LedgerError as exc:  # raised after the group, not wrapped in an exception group
                failures.append(exc)

        async with anyio.create_task_group() as group:
            for name, since in wanted.items():
                if since is not None:
                    group.start_soon(read, name, since)
            remaining = await self._key_remaining(key_id)
        if failures:
            raise failures[0]
        return Standing(spent["today"], spent["month"], self.held(key_id, also=holding), remaining)

    async def _spent(self, key_id: str, since: float) -> Decimal | None:
        try:
            return await self.ledger.spent(key_id, since)
        except LedgerError as exc:
            if self.daily is not None or self.monthly is not None:
                raise LedgerError(f"{exc} The budgets cannot be checked without it: nothing was sent.") from None
            logger.warning("could not read what was spent: %s", exc)
            return None

    async def _key_remaining(self, key_id: str) -> Decimal | None:
        """The key's `limit_remaining`, less what this process spent since it was read."""
        now = self.clock()
        snapshot = self._keys.get(key_id)
        if snapshot is None or not 0 <= now - snapshot.at < KEY_INFO_SECONDS:
            remaining = None
            try:
                info = await self.key_info(key_id)
                remaining = None if info is None else info.limit_remaining
            except Exception as exc:  # the limit is OpenRouter's to enforce too: never block a call on it
                logger.warning("could not read the key's limit (GET /key): %s; going on without it", type(exc).__name__)
            snapshot = _KeySnapshot(now, remaining, self.session_cost(key_id))
            self._keys[key_id] = snapshot
        if snapshot.remaining is None:
            return None
        return snapshot.remaining - (self.session_cost(key_id) - snapshot.session)

    def _refuse_past_limits(
        self, worst_case: Decimal, standing: Standing, max_cost_usd: Decimal | None, what: str
    ) -> None:
        head = f"Not sent: {what} could cost up to {usd(worst_case)}"
        if max_cost_usd is not None and worst_case > max_cost_usd:
            raise BudgetExceededError(
                f"{head}, above max_cost_usd={usd(max_cost_usd)}. {CHEAPER.capitalize()}, or raise max_cost_usd."
            )
        held = standing.held
        for name, budget, spent, period in (
            (DAILY, self.daily, standing.spent_today, "today"),
            (MONTHLY, self.monthly, standing.spent_month, "this month"),
        ):
            if budget is None or spent is None or spent + held + worst_case <= budget:
                continue
            in_flight = f" (and {usd(held)} held by calls still running)" if held else ""
            left = max(budget - spent - held, Decimal(0))
            raise BudgetExceededError(
                f"{head}, and {usd(spent)} of the {usd(budget)} budget ({name}) is spent {period}{in_flight}: "
                f"{usd(left)} left. {CHEAPER.capitalize()}, wait for the budget to renew, or raise {name}."
            )
        remaining = standing.key_remaining
        if remaining is not None and held + worst_case > remaining:
            raise BudgetExceededError(
                f"{head}, more than your key's own limit still allows: {usd(max(remaining - held, Decimal(0)))} "
                f"left (OpenRouter's GET /key). {CHEAPER.capitalize()}, or raise the key's limit at "
                "https://openrouter.ai/settings/keys."
            )

    def _limits(self, limits: CallLimits) -> str:
        names = [name for name, value in ((DAILY, self.daily), (MONTHLY, self.monthly)) if value is not None]
        if limits.max_cost_usd is not None:
            names.append("max_cost_usd")
        if self.confirm_above is not None:
            names.append(CONFIRM)
        return ", ".join(names)


def describe(estimate: CostEstimate) -> str:
    """The call in a few words: model, estimated prompt and the completion bound."""
    completion = f"{estimate.completion_tokens:,}" if estimate.completion_tokens is not None else "?"
    return (
        f"{estimate.model} (~{estimate.prompt_tokens:,} prompt tokens, estimated; up to {completion} completion "
        f"tokens: {estimate.completion_basis})"
    )
