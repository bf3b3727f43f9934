"""Totals of the usage ledger by UTC day, quarter day, hour and quarter hour, kept by triggers,
so a report never scans every row.

Summing 100k ledger rows costs SQLite 80–600 ms on a small VM (a table lookup per row); a
report must answer in under 50 ms. So each table of totals holds, per key, bucket
(`floor(at / size)`), model, provider and tool, the counts and sums of the rows in it.
Triggers on `usage` keep every table equal to the rows whoever writes (an insert adds its row,
an update — a cost settled later — takes the old values out and puts the new ones in, a delete
takes its row out), in the writer's own transaction: never behind, never counting a row twice.
They add about 0.1 ms to a write.

A period [since, until) is answered from the coarsest buckets that fit in it, then finer ones
for what is left; a part covering more than half a bucket is read as the bucket less the rest.
A local day in Berlin (23:00Z to 23:00Z) is an hour, a UTC day, less an hour; in Kolkata
(+05:30) or Kathmandu (+05:45) quarter hours fill the edges. Every time zone's day starts on a
quarter hour, so local days — 23 or 25 hours long around DST changes — come from totals alone;
only an arbitrary instant as a boundary reads the rows of its part quarter hour, by time
through the `(key_id, at)` index. The bucket of a row is an exact floor, the one the boundaries
use, so no row is in two pieces.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import fields
from fractions import Fraction
from typing import Any

from mcp_server_openrouter.storage import Grouping, Period, UsageGroup, UsageTotals

# Coarsest first. Each size divides the one before it, so the pieces of a period fit exactly. The
# quarter days cut the hours a day in a zone 30 or 45 minutes off UTC needs (10 per day to 2).
LEVELS = (("usage_days", 86_400), ("usage_quarter_days", 21_600), ("usage_hours", 3_600), ("usage_quarters", 900))
ROWS = ""  # the level of a piece read from the rows themselves

KEY_COLUMNS = ("key_id", "bucket", "model", "requested_model", "provider", "tool")


def _bucket(row: str, size: int) -> str:
    # An exact floor: CAST truncates toward zero, and a division could round up to the boundary
    # just above the row; either way the bucket would start after the row, so step back one.
    bucket = f"CAST({row}.at / {size} AS INTEGER)"
    return f"({bucket} - ({bucket} * {size} > {row}.at))"


def _keys(row: str, size: int) -> dict[str, str]:
    """The key of a `usage` row in a table of totals (NULL as '', so equal keys meet)."""
    return {
        "key_id": f"{row}.key_id",
        "bucket": _bucket(row, size),
        "model": f"COALESCE({row}.served_model, {row}.requested_model, '')",
        "requested_model": f"COALESCE({row}.requested_model, '')",
        "provider": f"COALESCE({row}.provider, '')",
        "tool": f"COALESCE({row}.tool, '')",
    }


def _counts(row: str) -> dict[str, str]:
    """What one `usage` row adds to each count (the fields of `UsageTotals`)."""
    return {
        "calls": "1",
        "errors": f"({row}.status = 'error')",
        "cancelled": f"({row}.status = 'cancelled')",
        "prompt_tokens": f"COALESCE({row}.prompt_tokens, 0)",
        "completion_tokens": f"COALESCE({row}.completion_tokens, 0)",
        "reasoning_tokens": f"COALESCE({row}.reasoning_tokens, 0)",
        "cached_tokens": f"COALESCE({row}.cached_tokens, 0)",
        "cost_pusd": f"COALESCE({row}.cost_pusd, 0)",
        "calls_without_cost": f"({row}.cost_pusd IS NULL AND {row}.generation_id IS NOT NULL)",
    }


COUNT_COLUMNS = tuple(_counts("row"))
assert tuple(field.name for field in fields(UsageTotals)) == COUNT_COLUMNS  # rows become UsageTotals(*counts)


def _add(table: str, size: int, row: str) -> str:
    columns = (*KEY_COLUMNS, *COUNT_COLUMNS)
    values = [*_keys(row, size).values(), *_counts(row).values()]
    sums = ", ".join(f"{name} = {name} + excluded.{name}" for name in COUNT_COLUMNS)
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(values)}) "
        f"ON CONFLICT ({', '.join(KEY_COLUMNS)}) DO UPDATE SET {sums};"
    )


def _remove(table: str, size: int, row: str) -> str:
    where = " AND ".join(f"{name} = {value}" for name, value in _keys(row, size).items())
    less = ", ".join(f"{name} = {name} - {value}" for name, value in _counts(row).items())
    return f"UPDATE {table} SET {less} WHERE {where}; DELETE FROM {table} WHERE {where} AND calls = 0;"


def migrate(db: sqlite3.Connection) -> None:
    """Schema 2: the tables of totals, filled from the rows already there, and their triggers."""
    counts = ", ".join(f"{name} INTEGER NOT NULL" for name in COUNT_COLUMNS)
    for table, size in LEVELS:
        db.execute(
            f"CREATE TABLE {table} (key_id TEXT NOT NULL, bucket INTEGER NOT NULL, model TEXT NOT NULL, "
            f"requested_model TEXT NOT NULL, provider TEXT NOT NULL, tool TEXT NOT NULL, {counts}, "
            f"PRIMARY KEY ({', '.join(KEY_COLUMNS)})) WITHOUT ROWID"
        )
        sums = ", ".join(f"SUM({value})" for value in _counts("usage").values())
        db.execute(
            f"INSERT INTO {table} ({', '.join((*KEY_COLUMNS, *COUNT_COLUMNS))}) "
            f"SELECT {', '.join(_keys('usage', size).values())}, {sums} FROM usage GROUP BY 1, 2, 3, 4, 5, 6"
        )
    added = " ".join(_add(table, size, "NEW") for table, size in LEVELS)
    removed = " ".join(_remove(table, size, "OLD") for table, size in LEVELS)
    db.execute(f"CREATE TRIGGER usage_totals_insert AFTER INSERT ON usage BEGIN {added} END")
    db.execute(f"CREATE TRIGGER usage_totals_update AFTER UPDATE ON usage BEGIN {added} {removed} END")
    db.execute(f"CREATE TRIGGER usage_totals_delete AFTER DELETE ON usage BEGIN {removed} END")


Piece = tuple[int, str, Any, Any]  # (+1 or -1, level: a table of totals or ROWS, lo, hi)


def pieces(since: float, until: float, levels: Sequence[tuple[str, int]] = LEVELS, sign: int = 1) -> Iterator[Piece]:
    """[since, until) as whole buckets (a table, first bucket, end bucket), coarsest first, and
    (ROWS, since, until) for what no bucket fits, each added (+1) or taken away (-1).

    A part covering more than half a bucket is the whole bucket less the rest: a day in Berlin
    (23:00Z to 23:00Z) is one hour, one UTC day, less one hour — not 24 hours.
    """
    if not since < until:
        return
    if not levels:
        yield sign, ROWS, since, until
        return
    table, size = levels[0]
    first = math.ceil(Fraction(since) / size)  # exact: no float rounding at a boundary
    end = math.floor(Fraction(until) / size)
    if first > end:  # within one bucket
        yield from _part(since, until, end, levels, sign)
        return
    yield from _part(since, first * size, first - 1, levels, sign)
    if first < end:
        yield sign, table, first, end
    yield from _part(end * size, until, end, levels, sign)


def _part(lo: float, hi: float, bucket: int, levels: Sequence[tuple[str, int]], sign: int) -> Iterator[Piece]:
    """[lo, hi), a part of `bucket` of the first level."""
    (table, size), finer = levels[0], levels[1:]
    if not lo < hi:
        return
    if (hi - lo) * 2 <= size:
        yield from pieces(lo, hi, finer, sign)
        return
    yield sign, table, bucket, bucket + 1
    yield from pieces(bucket * size, lo, finer, -sign)
    yield from pieces(hi, (bucket + 1) * size, finer, -sign)


def _query(level: str, groups: Sequence[Grouping], model: str | None, counted: Sequence[str]) -> str:
    """One query over the pieces of `level` (a table of totals, or the rows), grouped by `groups`,
    summing the counts named in `counted`."""
    if level == ROWS:
        keys, counts = _keys("u", 1), _counts("u")
        sums = ", ".join(f"SUM(s.sign * {counts[name]})" for name in counted)
        source = "usage u ON u.key_id = :key AND u.at >= s.lo AND u.at < s.hi"
        matches = "u.requested_model = :model OR u.served_model = :model"
    else:
        keys = {name: f"u.{name}" for name in KEY_COLUMNS}
        sums = ", ".join(f"SUM(s.sign * u.{name})" for name in counted)
        source = f"{level} u ON u.key_id = :key AND u.bucket >= s.lo AND u.bucket < s.hi"
        matches = "u.requested_model = :model OR u.model = :model"
    columns = ", ".join("s.period" if group == "period" else keys[group] for group in groups)
    numbers = ", ".join(str(position) for position in range(1, len(groups) + 1))
    wanted = f"AND ({matches})" if model is not None else ""
    return (
        f"SELECT {columns}, {sums} FROM usage_pieces s JOIN {source} WHERE s.level = :level {wanted} GROUP BY {numbers}"
    )


def summarise(
    db: sqlite3.Connection, key_id: str, periods: Sequence[Period], group_by: Grouping, model: str | None
) -> list[UsageGroup]:
    """The groups of `key_id`'s rows in `periods`, unordered (`db` is in a transaction)."""
    found = summarise_by(db, key_id, periods, (group_by,), model)
    return [
        UsageGroup(periods[group].label if group_by == "period" else (group or None), UsageTotals(*counts))
        for (group,), counts in found.items()
    ]


def summarise_by(
    db: sqlite3.Connection,
    key_id: str,
    periods: Sequence[Period],
    groups: Sequence[Grouping],
    model: str | None,
    counted: Sequence[str] = COUNT_COLUMNS,
) -> dict[tuple[Any, ...], list[int]]:
    """The counts named in `counted` (which start with "calls") of `key_id`'s rows in `periods`, by the
    values of `groups` (a period is its index; a missing model, provider or tool is ''), leaving out
    groups without calls. Fewer counts are cheaper: a day-by-model breakdown over many models groups
    tens of thousands of rows of totals.

    The pieces of the periods go into a temporary table (one per connection), joined on the
    primary keys of the totals and the `(key_id, at)` index of the rows: one query per level
    (a UNION ALL of them made SQLite copy every row of totals first, ~25% slower).
    """
    listed = [(index, *piece) for index, period in enumerate(periods) for piece in pieces(period.since, period.until)]
    db.execute("CREATE TEMP TABLE IF NOT EXISTS usage_pieces (period INTEGER, sign INTEGER, level TEXT, lo, hi)")
    db.execute("DELETE FROM usage_pieces")
    db.executemany("INSERT INTO usage_pieces VALUES (?, ?, ?, ?, ?)", listed)
    found: dict[tuple[Any, ...], list[int]] = {}
    width = len(groups)
    for level in sorted({piece[2] for piece in listed}):
        parameters = {"key": key_id, "model": model, "level": level}
        for values in db.execute(_query(level, groups, model, counted), parameters):
            group, counts = tuple(values[:width]), list(values[width:])
            before = found.get(group)
            found[group] = counts if before is None else [a + b for a, b in zip(before, counts, strict=True)]
    # A group whose rows were all in parts taken away has no calls: it is not in the periods.
    return {group: counts for group, counts in found.items() if counts[0]}
