"""The SQLite usage ledger: exact sums, settling, private files."""

from __future__ import annotations

import stat
from decimal import Decimal
from pathlib import Path

import pytest

from mcp_server_openrouter.storage import Settlement, UsageRow
from mcp_server_openrouter.storage.ledger import SQLiteLedger, from_pico, to_pico

pytestmark = pytest.mark.anyio


def row(at: float, cost: str | None, *, key: str = "k1", generation_id: str | None = "gen-1") -> UsageRow:
    return UsageRow(
        at=at,
        key_id=key,
        requested_model="m/x",
        cost=None if cost is None else Decimal(cost),
        generation_id=generation_id,
    )


async def test_sums_are_exact_to_the_twelfth_decimal_where_floats_drift(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    costs = [Decimal("0.1")] * 10 + [Decimal("0.000000000001"), Decimal("0.000012345678")] * 45
    for index, cost in enumerate(costs):
        await ledger.record(row(1000.0 + index, str(cost)))

    assert await ledger.spent("k1", 0) == sum(costs, Decimal(0))
    # why not floats: a running float total drifts (`+=`, as code that adds costs up does; Python 3.12's
    # `sum()` of floats compensates, so it would not show)
    running = 0.0
    for cost in costs:
        running += float(cost)
    assert running != float(sum(costs, Decimal(0)))


async def test_spent_counts_one_key_within_the_range_only(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    await ledger.record(row(100.0, "1"))
    await ledger.record(row(200.0, "2"))
    await ledger.record(row(300.0, "4"))
    await ledger.record(row(200.0, "8", key="k2"))

    assert await ledger.spent("k1", 200.0) == 6
    assert await ledger.spent("k1", 100.0, 300.0) == 3
    assert await ledger.spent("nobody", 0) == 0


async def test_settling_fills_a_missing_cost_once_and_never_overwrites_a_known_one(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    unknown = await ledger.record(row(100.0, None))
    known = await ledger.record(row(100.0, "0.5"))
    assert [r.row_id for r in await ledger.unsettled("k1", 0, 10)] == [unknown]

    await ledger.settle(unknown, Settlement(cost=Decimal("0.25"), prompt_tokens=7, served_model="m/x-2024"))
    await ledger.settle(known, Settlement(cost=Decimal("9")))

    assert await ledger.unsettled("k1", 0, 10) == []
    assert await ledger.spent("k1", 0) == Decimal("0.75")


async def test_rows_without_a_generation_id_are_never_asked_about(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    await ledger.record(row(100.0, None, generation_id=None))

    assert await ledger.unsettled("k1", 0, 10) == []


async def test_the_ledger_file_is_private(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "data" / "usage.sqlite3")
    await ledger.record(row(100.0, "1"))

    assert stat.S_IMODE(ledger.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ledger.path.parent.stat().st_mode) == 0o700


def test_pico_dollars_round_trip_and_round_half_to_even_beyond_twelve_decimals() -> None:
    assert from_pico(to_pico(Decimal("0.000012345678"))) == Decimal("0.000012345678")
    assert to_pico(Decimal("0.0000000000005")) == 0
    assert to_pico(Decimal("0.0000000000015")) == 2
    assert from_pico(None) is None
