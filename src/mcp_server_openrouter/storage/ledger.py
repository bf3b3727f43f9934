"""The usage ledger as a SQLite file: one row per upstream chat request, per key.

Costs are stored as integer pico-dollars (10^-12 USD), so SQLite's `SUM` is exact: OpenRouter
reports costs with up to a dozen decimals and a float sum drifts in the last ones. Times are
epoch seconds (the end of the request), indexed with the key for date ranges.

Several server processes append to one file: each write is one short `BEGIN IMMEDIATE`
transaction and SQLite serialises them (a writer waits up to `BUSY_TIMEOUT_SECONDS` for
another's lock). WAL keeps readers (usage reports) from waiting on writers. With
`synchronous=NORMAL` a committed row survives a crash of the process (not a power cut).

Reports (`summary`) read totals by day, hour and quarter hour that triggers keep beside the rows
(`ledger_totals.py`), so they answer in milliseconds however many rows there are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, TypeVar

import anyio

from mcp_server_openrouter.errors import LedgerError
from mcp_server_openrouter.storage import Grouping, Period, PeriodCost, Settlement, UsageRow, UsageSummary
from mcp_server_openrouter.storage.ledger_totals import migrate as add_totals
from mcp_server_openrouter.storage.ledger_totals import summarise, summarise_by
from mcp_server_openrouter.storage.sqlite import Migration, SQLiteDatabase

T = TypeVar("T")

PICO = Decimal(10) ** 12

# A ledger write is worth waiting for (the row is what budgets count), but not for ever.
BUSY_TIMEOUT_SECONDS = 10.0

MIGRATIONS: list[Migration] = [
    """
    CREATE TABLE usage (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        key_id TEXT NOT NULL,
        tool TEXT,
        generation_id TEXT,
        requested_model TEXT,
        served_model TEXT,
        provider TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        reasoning_tokens INTEGER,
        cached_tokens INTEGER,
        cost_pusd INTEGER,
        latency REAL,
        first_token REAL,
        streamed INTEGER NOT NULL,
        status TEXT NOT NULL,
        error_kind TEXT,
        http_status INTEGER,
        attempt INTEGER NOT NULL
    );
    CREATE INDEX usage_key_at ON usage (key_id, at);
    """,
    add_totals,
]

COLUMNS = (
    "at",
    "key_id",
    "tool",
    "generation_id",
    "requested_model",
    "served_model",
    "provider",
    "prompt_tokens",
    "completion_tokens",
    "reasoning_tokens",
    "cached_tokens",
    "cost_pusd",
    "latency",
    "first_token",
    "streamed",
    "status",
    "error_kind",
    "http_status",
    "attempt",
)


def to_pico(cost: Decimal) -> int:
    """USD as integer pico-dollars (rounded half to even beyond the twelfth decimal)."""
    return int((cost * PICO).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_pico(pico: int | None) -> Decimal | None:
    """Pico-dollars as USD, exactly (twelve decimals)."""
    return None if pico is None else Decimal(pico).scaleb(-12)


def row_values(row: UsageRow) -> tuple[Any, ...]:
    return (
        row.at,
        row.key_id,
        row.tool,
        row.generation_id,
        row.requested_model,
        row.served_model,
        row.provider,
        row.prompt_tokens,
        row.completion_tokens,
        row.reasoning_tokens,
        row.cached_tokens,
        None if row.cost is None else to_pico(row.cost),
        row.latency,
        row.first_token,
        int(row.streamed),
        row.status,
        row.error_kind,
        row.http_status,
        row.attempt,
    )


def row_of(values: Sequence[Any]) -> UsageRow:
    """A `UsageRow` from `id` followed by `COLUMNS`."""
    (row_id, at, key_id, tool, generation_id, requested, served, provider, prompt, completion, reasoning, cached,
     cost_pusd, latency, first_token, streamed, status, error_kind, http_status, attempt) = values  # fmt: skip
    return UsageRow(
        at=at,
        key_id=key_id,
        requested_model=requested,
        tool=tool,
        generation_id=generation_id,
        served_model=served,
        provider=provider,
        prompt_tokens=prompt,
        completion_tokens=completion,
        reasoning_tokens=reasoning,
        cached_tokens=cached,
        cost=from_pico(cost_pusd),
        latency=latency,
        first_token=first_token,
        streamed=bool(streamed),
        status=status,
        error_kind=error_kind,
        http_status=http_status,
        attempt=attempt,
        row_id=row_id,
    )


class SQLiteLedger:
    """A `UsageLedger` in one SQLite file."""

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.path = path
        self.db = SQLiteDatabase(
            path,
            MIGRATIONS,
            label="usage ledger",
            busy_timeout=busy_timeout,
            pragmas=["synchronous=NORMAL"],
            persistent=True,
        )

    @property
    def location(self) -> str:
        return str(self.path)

    async def aclose(self) -> None:
        """Close the ledger's connection (the next use opens it again)."""
        await anyio.to_thread.run_sync(self.db.close)

    async def record(self, row: UsageRow) -> int:
        insert = f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

        def write(db: sqlite3.Connection) -> int:
            cursor = db.execute(insert, row_values(row))
            return int(cursor.lastrowid or 0)

        return await self._run(write, write=True)

    async def settle(self, row_id: int, settlement: Settlement) -> None:
        update = """
            UPDATE usage SET cost_pusd = ?,
                prompt_tokens = COALESCE(prompt_tokens, ?), completion_tokens = COALESCE(completion_tokens, ?),
                reasoning_tokens = COALESCE(reasoning_tokens, ?), cached_tokens = COALESCE(cached_tokens, ?),
                served_model = COALESCE(served_model, ?), provider = COALESCE(provider, ?)
            WHERE id = ? AND cost_pusd IS NULL
        """
        values = (
            to_pico(settlement.cost),
            settlement.prompt_tokens,
            settlement.completion_tokens,
            settlement.reasoning_tokens,
            settlement.cached_tokens,
            settlement.served_model,
            settlement.provider,
            row_id,
        )
        await self._run(lambda db: db.execute(update, values), write=True)

    async def unsettled(self, key_id: str, since: float, limit: int) -> list[UsageRow]:
        query = (
            f"SELECT id, {', '.join(COLUMNS)} FROM usage WHERE key_id = ? AND at >= ? "
            "AND cost_pusd IS NULL AND generation_id IS NOT NULL ORDER BY at LIMIT ?"
        )
        rows = await self._run(lambda db: db.execute(query, (key_id, since, limit)).fetchall())
        return [row_of(values) for values in rows]

    async def spent(self, key_id: str, since: float, until: float | None = None) -> Decimal:
        query = "SELECT COALESCE(SUM(cost_pusd), 0) FROM usage WHERE key_id = ? AND at >= ? AND at < ?"
        bound = float("inf") if until is None else until
        (total,) = await self._run(lambda db: db.execute(query, (key_id, since, bound)).fetchone())
        return Decimal(int(total)).scaleb(-12)

    async def summary(
        self, key_id: str, periods: Sequence[Period], *, group_by: Grouping, model: str | None = None
    ) -> UsageSummary:
        groups = await self._run(lambda db: summarise(db, key_id, periods, group_by, model))
        if group_by == "period":
            order = {period.label: index for index, period in enumerate(periods)}
            groups.sort(key=lambda group: order[group.key or ""])
        else:
            groups.sort(key=lambda group: (-group.totals.cost_pusd, -group.totals.calls, group.key or "\uffff"))
        return UsageSummary(group_by, groups)

    async def by_period(self, key_id: str, periods: Sequence[Period], *, group_by: Grouping) -> list[PeriodCost]:
        counted = ("calls", "cost_pusd")
        groups = await self._run(lambda db: summarise_by(db, key_id, periods, ("period", group_by), None, counted))
        found = [
            PeriodCost(periods[index].label, key or None, calls, cost) for (index, key), (calls, cost) in groups.items()
        ]
        found.sort(key=lambda entry: (entry.label, -entry.cost_pusd, entry.key or "\uffff"))
        return found

    async def costliest(self, key_id: str, since: float, until: float, limit: int) -> list[UsageRow]:
        # Through the (key_id, at) index: the rows of the range are read once, the top kept in a heap.
        query = (
            f"SELECT id, {', '.join(COLUMNS)} FROM usage WHERE key_id = ? AND at >= ? AND at < ? "
            "AND cost_pusd IS NOT NULL ORDER BY cost_pusd DESC, at DESC LIMIT ?"
        )
        rows = await self._run(lambda db: db.execute(query, (key_id, since, until, limit)).fetchall())
        return [row_of(values) for values in rows]

    async def _run(self, fn: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        try:
            return await self.db.run(fn, write=write)
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(
                f"the usage ledger {self.path} could not be {'written' if write else 'read'}: {exc}"
            ) from exc
