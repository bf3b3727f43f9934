"""The spending guard: budgets by local day and month, max_cost_usd, the key's limit, calls in
flight, and asking before a costly call — decided before anything is sent."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import anyio
import httpx
import pytest

from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.client import KeyInfo
from mcp_server_openrouter.errors import (
    BudgetExceededError,
    InvalidArgumentError,
    LedgerError,
    NotConfirmedError,
    SpendingRefusedError,
)
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.catalog_file import CatalogFile
from mcp_server_openrouter.storage.ledger import SQLiteLedger
from mcp_server_openrouter.usage.budget import (
    CONFIRM,
    DAILY,
    KEY_INFO_SECONDS,
    MONTHLY,
    CallLimits,
    SpendingGuard,
    cost_limit,
    day_start,
    month_start,
)

from ..helpers import SIM_BASE_URL, FakeClock, make_client

pytestmark = pytest.mark.anyio

KEY = "key-1"
EST = timezone(timedelta(hours=-5))  # a fixed zone: the tests need no time-zone database


def at(text: str, zone: timezone = EST) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=zone).timestamp()


class Setup:
    """A guard over a real ledger, a fake clock and a fake `GET /key`."""

    def __init__(self, tmp_path: Path, simulator: Simulator | None = None) -> None:
        self.clock = FakeClock(at("2026-03-10T09:00:00"))
        self.ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
        self.simulator = simulator or Simulator()
        client = make_client(httpx.ASGITransport(app=self.simulator.app))
        self.catalog = CatalogService(
            lambda: client,
            store=CatalogFile(tmp_path / "models.json"),
            base_url=SIM_BASE_URL,
            ttl_seconds=3600,
            memory_items=16,
        )
        self.key: KeyInfo | None = None
        self.key_asked = 0
        self.key_fails = False
        self.session = Decimal(0)

    async def key_info(self, key_id: str) -> KeyInfo | None:
        self.key_asked += 1
        if self.key_fails:
            raise httpx.ConnectError("no route")
        return self.key

    def guard(self, zone: timezone = EST, **limits: str | None) -> SpendingGuard:
        return SpendingGuard(
            self.ledger,
            self.catalog,
            key_info=self.key_info,
            session_cost=lambda key_id: self.session,
            clock=self.clock,
            zone=zone,
            **{name: None if value is None else Decimal(value) for name, value in limits.items()},
        )

    async def spend(self, when: str, cost: str, zone: timezone = EST) -> None:
        await self.ledger.record(UsageRow(at=at(when, zone), key_id=KEY, requested_model="m/x", cost=Decimal(cost)))


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


async def test_a_call_that_would_cross_the_daily_budget_is_refused_with_spent_left_and_its_worst_case(
    setup: Setup,
) -> None:
    await setup.spend("2026-03-10T08:00:00", "0.9")
    guard = setup.guard(daily="1")

    with pytest.raises(BudgetExceededError) as refused:
        await guard.admit(Decimal("0.2"), KEY, what="acme/big")

    message = str(refused.value)
    assert message.startswith("Not sent: acme/big could cost up to $0.20")
    assert "$0.90 of the $1.00 budget (OPENROUTER_BUDGET_DAILY_USD) is spent today" in message
    assert "$0.10 left" in message and f"raise {DAILY}" in message and "cheaper model" in message
    with await guard.admit(Decimal("0.1"), KEY):  # up to the budget exactly is allowed
        pass


async def test_the_day_is_the_local_day_of_the_injected_zone(setup: Setup) -> None:
    setup.clock.now = at("2026-03-10T01:00:00")  # 06:00 UTC
    await setup.spend("2026-03-09T23:30:00", "0.9")  # yesterday here, but 04:30 UTC: today in UTC

    with await setup.guard(daily="1").admit(Decimal("0.5"), KEY):
        pass
    with pytest.raises(BudgetExceededError, match="spent today"):
        await setup.guard(zone=timezone.utc, daily="1").admit(Decimal("0.5"), KEY)


async def test_the_month_is_the_local_calendar_month_and_counts_earlier_days(setup: Setup) -> None:
    await setup.spend("2026-02-28T23:00:00", "5")  # last month
    await setup.spend("2026-03-01T00:10:00", "0.7")
    await setup.spend("2026-03-09T12:00:00", "0.2")
    guard = setup.guard(daily="1", monthly="1")

    with pytest.raises(BudgetExceededError) as refused:
        await guard.admit(Decimal("0.2"), KEY)
    assert f"$0.90 of the $1.00 budget ({MONTHLY}) is spent this month" in str(refused.value)
    with await guard.admit(Decimal("0.1"), KEY):
        pass


def test_day_and_month_starts_follow_the_zone() -> None:
    now = at("2026-03-31T22:00:00")  # already April 1st, 03:00, in UTC
    assert day_start(now, EST) == at("2026-03-31T00:00:00")
    assert month_start(now, EST) == at("2026-03-01T00:00:00")
    assert day_start(now, timezone.utc) == month_start(now, timezone.utc) == at("2026-04-01T00:00:00", timezone.utc)


async def test_max_cost_usd_refuses_a_call_whose_worst_case_is_above_it(setup: Setup) -> None:
    guard = setup.guard()
    with pytest.raises(BudgetExceededError, match=r"above max_cost_usd=\$0.05.*raise max_cost_usd"):
        await guard.admit(Decimal("0.06"), KEY, max_cost_usd=Decimal("0.05"))
    with await guard.admit(Decimal("0.05"), KEY, max_cost_usd=Decimal("0.05")):
        pass


async def test_calls_in_flight_hold_their_worst_case_until_they_end(setup: Setup) -> None:
    guard = setup.guard(daily="1")
    first = await guard.admit(Decimal("0.6"), KEY)
    with pytest.raises(BudgetExceededError, match=r"held by calls still running"):
        await guard.admit(Decimal("0.6"), KEY)
    first.release()
    second = await guard.admit(Decimal("0.6"), KEY)
    ended = False
    second.until(lambda: ended)  # a job that ends without running its work gives it back too
    assert guard.held(KEY) == Decimal("0.6")
    ended = True
    assert guard.held(KEY) == 0


async def test_a_call_that_ends_while_another_is_being_admitted_is_still_counted(setup: Setup) -> None:
    read = [anyio.Event()]

    class Watched(SQLiteLedger):
        async def spent(self, key_id: str, since: float, until: float | None = None) -> Decimal:
            try:
                return await super().spent(key_id, since, until)
            finally:
                read[0].set()

    setup.ledger = Watched(setup.ledger.path)
    guard = setup.guard(daily="1")
    first = await guard.admit(Decimal("0.6"), KEY)
    read[0] = anyio.Event()
    setup.clock.now += KEY_INFO_SECONDS  # the next admission asks GET /key again, and it is slow

    async def first_call_ends_meanwhile(key_id: str) -> KeyInfo | None:
        await read[0].wait()  # the ledger was read before the first call's row was in it...
        await setup.spend("2026-03-10T09:00:00", "0.6")
        first.release()  # ...and its hold is given back before /key answers
        return None

    guard.key_info = first_call_ends_meanwhile
    with pytest.raises(BudgetExceededError, match=r"held by calls still running"):
        await guard.admit(Decimal("0.6"), KEY)


async def test_the_keys_own_limit_refuses_a_call_it_cannot_cover_and_is_read_at_most_every_30_seconds(
    setup: Setup,
) -> None:
    setup.key = KeyInfo(limit=Decimal("1"), limit_remaining=Decimal("0.5"))
    guard = setup.guard(daily="100")

    with pytest.raises(BudgetExceededError, match=r"your key's own limit still allows: \$0.50 left"):
        await guard.admit(Decimal("0.6"), KEY)
    with await guard.admit(Decimal("0.4"), KEY):
        pass
    setup.session = Decimal("0.3")  # spent by this process since /key answered
    with pytest.raises(BudgetExceededError, match=r"\$0.20 left"):
        await guard.admit(Decimal("0.3"), KEY)
    assert setup.key_asked == 1
    setup.clock.now += KEY_INFO_SECONDS
    setup.key = KeyInfo(limit=Decimal("1"), limit_remaining=Decimal("0.2"))
    with await guard.admit(Decimal("0.2"), KEY):
        pass
    assert setup.key_asked == 2


async def test_a_failing_key_lookup_is_logged_and_the_call_goes_on(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    setup.key_fails = True
    with caplog.at_level(logging.WARNING), await setup.guard(daily="1").admit(Decimal("0.5"), KEY):
        pass
    assert "could not read the key's limit (GET /key): ConnectError; going on without it" in caplog.text


async def test_above_the_threshold_the_user_is_asked_with_model_worst_case_and_spent_today(setup: Setup) -> None:
    await setup.spend("2026-03-10T08:00:00", "0.25")
    asked: list[str] = []

    async def yes(question: str) -> bool:
        asked.append(question)
        return True

    guard = setup.guard(daily="5", confirm_above="1")
    with await guard.admit(Decimal("0.5"), KEY, confirm=yes, what="acme/big"):  # below: not asked
        pass
    with await guard.admit(Decimal("2"), KEY, confirm=yes, what="acme/big"):
        pass
    assert asked == ["Send acme/big? It could cost up to $2.00. Spent today: $0.25 of the $5.00 daily budget."]


async def test_a_declined_confirmation_is_not_sent(setup: Setup) -> None:
    async def no(question: str) -> bool:
        return False

    guard = setup.guard(confirm_above="1")
    with pytest.raises(NotConfirmedError, match=r"Not sent: you did not confirm acme/big \(up to \$2.00\). Nothing"):
        await guard.admit(Decimal("2"), KEY, confirm=no, what="acme/big")
    assert guard.held(KEY) == 0


async def test_a_caller_that_cannot_ask_is_refused_naming_the_setting(setup: Setup) -> None:
    with pytest.raises(NotConfirmedError) as refused:
        await setup.guard(confirm_above="1").admit(Decimal("2"), KEY, what="acme/big")
    assert CONFIRM in str(refused.value) and "does not support MCP elicitation" in str(refused.value)


async def test_the_budgets_are_checked_again_after_a_slow_answer(setup: Setup) -> None:
    async def yes_after_others_spent(question: str) -> bool:
        await setup.spend("2026-03-10T08:30:00", "0.9")  # another call finished meanwhile
        return True

    with pytest.raises(BudgetExceededError, match="spent today"):
        await setup.guard(daily="2", confirm_above="0.5").admit(Decimal("1.5"), KEY, confirm=yes_after_others_spent)


async def test_without_limits_a_request_is_not_priced_and_nothing_is_read(setup: Setup) -> None:
    guard = setup.guard()
    request = ChatRequest.create(model="openai/gpt-4o", messages="hi")
    assert await guard.admit_request(request.body(), KEY, CallLimits()) is None
    assert setup.simulator.events == [] and setup.key_asked == 0


async def test_a_request_is_priced_from_the_catalogue_and_bounded_by_its_costliest_fallback(setup: Setup) -> None:
    guard = setup.guard()
    request = ChatRequest.create(
        model="openai/gpt-4o-mini", models=["openai/gpt-4o-mini", "openai/gpt-4o"], messages="hi", max_tokens=1000
    )
    with pytest.raises(BudgetExceededError, match=r"^Not sent: openai/gpt-4o \(~"):
        await guard.admit_request(request.body(), KEY, CallLimits(max_cost_usd=Decimal("0.005")))
    covered = await guard.admit(Decimal(0), KEY)
    assert (
        await guard.admit_request(request.body(), KEY, CallLimits(max_cost_usd=Decimal(0), covered_by=covered)) is None
    )


async def test_a_model_whose_price_varies_cannot_be_checked_and_is_refused(setup: Setup) -> None:
    request = ChatRequest.create(model="openrouter/auto", messages="hi", max_tokens=10)
    with pytest.raises(SpendingRefusedError, match=f"price varies by request.*checked against {DAILY}"):
        await setup.guard(daily="1").admit_request(request.body(), KEY, CallLimits())


async def test_an_unreadable_ledger_refuses_when_a_budget_needs_it_and_is_skipped_otherwise(tmp_path: Path) -> None:
    setup = Setup(tmp_path)
    (tmp_path / "ledger-is-a-directory").mkdir()
    setup.ledger = SQLiteLedger(tmp_path / "ledger-is-a-directory")
    with pytest.raises(LedgerError, match="budgets cannot be checked"):
        await setup.guard(daily="1").admit(Decimal("0.1"), KEY)
    with await setup.guard().admit(Decimal("0.1"), KEY, max_cost_usd=Decimal("1")):
        pass


async def test_bad_amounts_are_refused_with_our_message(setup: Setup) -> None:
    with pytest.raises(InvalidArgumentError, match="must not be negative"):
        await setup.guard().admit(Decimal("-1"), KEY)
    assert cost_limit(0.5, "max_cost_usd") == Decimal("0.5")
    assert cost_limit(None, "max_cost_usd") is None
    for bad in (-0.1, "1", True, float("nan")):
        with pytest.raises(InvalidArgumentError, match="`max_cost_usd` must be a number of US dollars"):
            cost_limit(bad, "max_cost_usd")
