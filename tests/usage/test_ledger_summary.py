"""The ledger's summary: exact totals and breakdowns over any periods, local days across DST
changes, the daily and hourly totals kept equal to the rows, and two processes writing at once."""

from __future__ import annotations

import itertools
import math
import random
import sqlite3
import subprocess
import sys
import textwrap
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import pytest

from mcp_server_openrouter.storage import Grouping, Period, Settlement, UsageRow, UsageTotals
from mcp_server_openrouter.storage.ledger import COLUMNS, MIGRATIONS, SQLiteLedger, row_values
from mcp_server_openrouter.storage.ledger_totals import ROWS, pieces
from mcp_server_openrouter.storage.sqlite import SQLiteDatabase
from mcp_server_openrouter.usage.dates import DateRange, day_start

from .ledger_rows import rows_in

pytestmark = pytest.mark.anyio

NEW_YORK = ZoneInfo("America/New_York")
HOUR, DAY = 3600, 86_400


def usage(at: float, cost: str | None = "0.000001", **fields: object) -> UsageRow:
    values: dict[str, object] = {"key_id": "k1", "requested_model": "openai/gpt-4o", "generation_id": "gen-1"}
    values.update(fields)
    return UsageRow(at=at, cost=None if cost is None else Decimal(cost), **values)  # type: ignore[arg-type]


def brute_force(rows: list[UsageRow], key_id: str, periods: list[Period], group_by: Grouping, model: str | None):  # type: ignore[no-untyped-def]
    """What the summary must be, counted row by row in Python."""
    found: dict[str | None, UsageTotals] = defaultdict(UsageTotals)
    for row in rows:
        if row.key_id != key_id or (model is not None and model not in (row.requested_model, row.served_model)):
            continue
        for period in periods:
            if period.since <= row.at < period.until:
                key = {
                    "period": period.label,
                    "model": row.served_model or row.requested_model,
                    "provider": row.provider,
                    "tool": row.tool,
                }[group_by]
                found[key] = found[key] + UsageTotals(
                    calls=1,
                    errors=int(row.status == "error"),
                    cancelled=int(row.status == "cancelled"),
                    prompt_tokens=row.prompt_tokens or 0,
                    completion_tokens=row.completion_tokens or 0,
                    reasoning_tokens=row.reasoning_tokens or 0,
                    cached_tokens=row.cached_tokens or 0,
                    cost_pusd=int((row.cost or 0) * 10**12),
                    calls_without_cost=int(row.cost is None and row.generation_id is not None),
                )
    return dict(found)


async def test_totals_are_the_exact_sum_of_the_recorded_costs(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    costs = [Decimal("0.000012345678"), Decimal("0.1"), Decimal("0.000000000001"), Decimal("1.234567890123")] * 25
    for index, cost in enumerate(costs):
        await ledger.record(usage(1_800_000_000.0 + index * 997.5, str(cost)))

    summary = await ledger.summary("k1", [Period("all", 0, 2e9)], group_by="model")

    assert summary.totals.cost == sum(costs, Decimal(0))
    assert summary.totals.calls == 100
    # why the sums are integers: a running float total drifts (`+=`, as code that adds costs up does; Python 3.12's
    # `sum()` of floats compensates, so it would not show)
    running = 0.0
    for cost in costs:
        running += float(cost)
    assert running != float(sum(costs, Decimal(0)))


async def test_the_summary_equals_a_count_of_every_row_for_any_periods_groupings_and_model(tmp_path: Path) -> None:
    """Random rows (some exactly on hour and day boundaries, or a hair before), settled, moved
    and deleted after they were written; random periods, local days of several zones."""
    chance = random.Random(20261204)
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    start = 1_790_000_000.0
    models = ["openai/gpt-4o", "anthropic/claude-haiku-4.5", "google/gemini-2.5-flash", None]
    written: list[UsageRow] = []
    for _ in range(600):
        at = chance.choice(
            [
                start + chance.uniform(0, 40 * DAY),
                start - start % HOUR + chance.randrange(0, 960) * HOUR,  # on an hour
                start - start % DAY + chance.randrange(0, 40) * DAY - chance.choice([1e-6, 0.5, 0.0]),  # at a day's end
                # The last instant before a boundary a float can hold.
                math.nextafter(start - start % chance.choice([HOUR, DAY]) + chance.randrange(1, 40) * DAY, 0),
            ]
        )
        requested = chance.choice(models)
        row = usage(
            at,
            chance.choice(["0.000123456789", "0.5", None, "0.000000000001"]),
            key_id=chance.choice(["k1", "k1", "k1", "k2"]),
            requested_model=requested,
            served_model=chance.choice([None, f"{requested}-2026"]) if requested else None,
            provider=chance.choice(["OpenAI", "Anthropic", None]),
            tool=chance.choice(["chat_with_model", "chat_with_vision", None]),
            status=chance.choice(["ok", "ok", "ok", "error", "cancelled"]),
            generation_id=chance.choice(["gen-x", None]),
            prompt_tokens=chance.choice([None, chance.randrange(1, 5000)]),
            completion_tokens=chance.randrange(0, 900),
            reasoning_tokens=chance.choice([None, 30]),
            cached_tokens=chance.choice([None, 7]),
        )
        row.row_id = await ledger.record(row)
        written.append(row)
    for row in chance.sample(written, 60):  # costs settled later, filling in what the reply lacked
        assert row.row_id is not None
        await ledger.settle(row.row_id, Settlement(cost=Decimal("0.25"), served_model="late/model", provider="Late"))
    with sqlite3.connect(ledger.path) as db:  # rows taken out (the triggers must follow any writer)
        for row in chance.sample(written, 40):
            db.execute("DELETE FROM usage WHERE id = ?", (row.row_id,))
    rows = rows_in(ledger.path)

    zones = [ZoneInfo(name) for name in ("America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "UTC")]
    for trial in range(40):
        if trial % 2:
            zone = chance.choice(zones)
            first = date(2026, 9, 20) + timedelta(days=chance.randrange(0, 30))
            periods = DateRange(first, first + timedelta(days=chance.randrange(0, 25)), zone).each_day()
        else:
            since = start + chance.uniform(-DAY, 30 * DAY)
            periods = [Period("p", since, since + chance.choice([1.0, HOUR * 0.7, DAY * 1.3, DAY * 17.25]))]
        group_by: Grouping = chance.choice(["period", "model", "provider", "tool"])
        model = chance.choice([None, "openai/gpt-4o", "late/model", "anthropic/claude-haiku-4.5-2026"])
        key_id = chance.choice(["k1", "k2"])
        summary = await ledger.summary(key_id, periods, group_by=group_by, model=model)
        assert {group.key: group.totals for group in summary.groups} == brute_force(
            rows, key_id, periods, group_by, model
        ), (trial, group_by, model)


async def test_local_days_are_exact_on_the_days_the_clocks_change(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    spring, autumn = date(2026, 3, 8), date(2026, 11, 1)  # New York: 23 and 25 hours long
    for day in (spring, autumn):
        midnight, next_midnight = day_start(day, NEW_YORK), day_start(day + timedelta(days=1), NEW_YORK)
        await ledger.record(usage(midnight - 0.5))  # the day before
        await ledger.record(usage(midnight))  # the first instant of the day
        await ledger.record(usage(next_midnight - 0.5))  # its last second
        await ledger.record(usage(next_midnight))  # the day after

    days = DateRange(date(2026, 3, 7), date(2026, 3, 9), NEW_YORK).each_day()
    days += DateRange(date(2026, 10, 31), date(2026, 11, 2), NEW_YORK).each_day()
    summary = await ledger.summary("k1", days, group_by="period")

    assert [(group.key, group.totals.calls) for group in summary.groups] == [
        ("2026-03-07", 1),
        ("2026-03-08", 2),
        ("2026-03-09", 1),
        ("2026-10-31", 1),
        ("2026-11-01", 2),
        ("2026-11-02", 1),
    ]
    assert days[1].until - days[1].since == 23 * HOUR and days[4].until - days[4].since == 25 * HOUR


def test_a_period_is_read_from_the_coarsest_totals_that_fit_and_rows_only_inside_a_quarter_hour() -> None:
    utc = ZoneInfo("UTC")
    utc_month = list(pieces(day_start(date(2026, 11, 1), utc), day_start(date(2026, 12, 1), utc)))
    assert [(sign, level) for sign, level, _, _ in utc_month] == [(1, "usage_days")]

    berlin = ZoneInfo("Europe/Berlin")  # 23:00Z to 23:00Z: an hour, a UTC day, less an hour
    berlin_day = list(pieces(day_start(date(2026, 12, 4), berlin), day_start(date(2026, 12, 5), berlin)))
    assert [(sign, level) for sign, level, _, _ in berlin_day] == [
        (1, "usage_hours"),
        (1, "usage_days"),
        (-1, "usage_hours"),
    ]

    for zone in ("Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "America/New_York"):
        day = DateRange(date(2026, 3, 1), date(2026, 3, 31), ZoneInfo(zone)).each_day()
        levels = {level for period in day for _, level, _, _ in pieces(period.since, period.until)}
        assert ROWS not in levels, zone  # every zone's days start on a quarter hour

    odd = list(pieces(1_800_000_000.5, 1_800_086_399.25))  # arbitrary instants: rows, at most half a quarter hour
    assert [(sign, hi - lo) for sign, level, lo, hi in odd if level == ROWS] == [(-1, 0.5), (-1, 0.75)]


async def test_a_ledger_written_before_the_totals_existed_is_upgraded_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    older = SQLiteDatabase(path, MIGRATIONS[:1], label="usage ledger")  # the schema before the totals
    rows = [usage(1_800_000_000.0 + i * 1000, f"0.00000{i}", provider="OpenAI", prompt_tokens=10) for i in range(10)]
    insert = f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    older.run_sync(lambda db: db.executemany(insert, [row_values(row) for row in rows]), write=True)

    ledger = SQLiteLedger(path)
    await ledger.record(usage(1_800_100_000.0, "0.000001", provider="OpenAI", tool="chat_with_model"))
    summary = await ledger.summary("k1", [Period("all", 0, 2e9)], group_by="provider")

    assert [(group.key, group.totals.calls) for group in summary.groups] == [("OpenAI", 11)]
    assert summary.totals.cost == sum((Decimal(f"0.00000{i}") for i in range(10)), Decimal("0.000001"))
    assert summary.totals.prompt_tokens == 100


async def test_a_cost_settled_later_moves_the_call_to_the_model_and_provider_that_served_it(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    row_id = await ledger.record(usage(1_800_000_000.0, None, requested_model="openrouter/auto"))
    everything = [Period("all", 0, 2e9)]
    before = await ledger.summary("k1", everything, group_by="model")
    assert [(g.key, g.totals.calls_without_cost) for g in before.groups] == [("openrouter/auto", 1)]

    await ledger.settle(
        row_id, Settlement(cost=Decimal("0.002"), served_model="openai/gpt-4o-2024-08-06", provider="OpenAI")
    )

    after = await ledger.summary("k1", everything, group_by="model")
    assert [(g.key, g.totals.cost, g.totals.calls_without_cost) for g in after.groups] == [
        ("openai/gpt-4o-2024-08-06", Decimal("0.002"), 0)
    ]
    assert (await ledger.summary("k1", everything, group_by="model", model="openrouter/auto")).totals.calls == 1


async def test_groups_come_by_cost_then_calls_and_days_in_their_order(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "usage.sqlite3")
    at = day_start(date(2026, 12, 1), NEW_YORK)
    for model, cost, count in (
        ("cheap/a", "0.001", 3),
        ("dear/b", "0.5", 1),
        ("cheap/c", "0.001", 1),
        ("free/d", "0", 2),
    ):
        for index in range(count):
            await ledger.record(usage(at + index * DAY, cost, requested_model=model, tool=None))
    await ledger.record(usage(at, "9", key_id="another key"))

    everything = [Period("all", 0, 2e9)]
    by_model = await ledger.summary("k1", everything, group_by="model")
    assert [group.key for group in by_model.groups] == ["dear/b", "cheap/a", "cheap/c", "free/d"]
    by_tool = await ledger.summary("k1", everything, group_by="tool")
    assert [(group.key, group.totals.calls) for group in by_tool.groups] == [(None, 7)]  # no tool: None
    by_day = await ledger.summary(
        "k1", DateRange(date(2026, 11, 30), date(2026, 12, 4), NEW_YORK).each_day(), group_by="period"
    )
    assert [(group.key, group.totals.calls) for group in by_day.groups] == [
        ("2026-12-01", 4),
        ("2026-12-02", 2),
        ("2026-12-03", 1),
    ]


WRITER = textwrap.dedent(
    """
    import sys, anyio
    from decimal import Decimal
    from pathlib import Path
    from mcp_server_openrouter.storage import UsageRow
    from mcp_server_openrouter.storage.ledger import SQLiteLedger

    ledger = SQLiteLedger(Path(sys.argv[1]))
    name, count = sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()  # both start writing at once

    async def write():
        for index in range(count):
            row = UsageRow(at=1_800_000_000.0 + index, key_id="k1", requested_model=name, cost=Decimal("0.000001"))
            await ledger.record(row)

    anyio.run(write)
    """
)


def test_two_processes_writing_the_same_ledger_at_once_lose_nothing(tmp_path: Path) -> None:
    # Enough rows that the writers overlap although each write is ~0.5 ms (the ledger keeps its connection).
    path, count = tmp_path / "data" / "usage.sqlite3", 1500
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("first/model", "second/model")
    ]
    for writer in writers:
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
    for writer in writers:
        assert writer.stdin is not None
        writer.stdin.write("go\n")
        writer.stdin.close()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]
    for writer in writers:
        assert writer.stdout is not None
        writer.stdout.close()

    rows = rows_in(path)
    assert len(rows) == 2 * count
    turns = sum(a.requested_model != b.requested_model for a, b in itertools.pairwise(rows))
    assert turns > 1, "the two writers did not overlap; the test proved nothing"

    summary = anyio.run(lambda: SQLiteLedger(path).summary("k1", [Period("all", 0, 2e9)], group_by="model"))
    assert {(g.key, g.totals.calls) for g in summary.groups} == {("first/model", count), ("second/model", count)}
    assert summary.totals.cost == Decimal("0.000001") * 2 * count
