"""What the dashboard's pages show, read from the app: plain data, no HTML and no HTTP.

Spend comes from the ledger's totals tables (`UsageLedger.by_period` and `summary`), so a page
answers in milliseconds however many rows the ledger holds; costs stay integer pico-dollars
until they are written, so the page's total is the ledger's to the last digit. Everything is
for the configured key (the dashboard is the operator's): in per-user HTTP mode other keys'
spend and jobs are not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mcp_server_openrouter.jobs.manager import record_of
from mcp_server_openrouter.storage import Period, PeriodCost, UsageRow, UsageTotals
from mcp_server_openrouter.usage.dates import DateRange, day_start, local_date, zone_name

if TYPE_CHECKING:
    from mcp_server_openrouter.app import AppContext

# Spans a spend page offers (days, ending today) and how a day's bar is split.
SPANS = (7, 30, 90)
DEFAULT_SPAN = 30
SPLITS = ("model", "provider")
# The costliest series get their own colour; the rest are summed as one.
MAX_SERIES = 10
OTHERS = "(others)"
NONE_LABEL = "(none)"
COSTLIEST_CALLS = 50
RECENT_JOBS = 50


@dataclass(frozen=True)
class Series:
    """One model's (or provider's) cost per day, in pico-dollars, in the order of the page's days."""

    key: str
    per_day: list[int]

    @property
    def total(self) -> int:
        return sum(self.per_day)


@dataclass(frozen=True)
class Standing:
    """Spent in one calendar span (today, this week, this month) and its budget (None: none set)."""

    name: str
    spent: Decimal
    budget: Decimal | None = None


@dataclass(frozen=True)
class SpendPage:
    days: list[str]
    split: str
    series: list[Series]
    totals: UsageTotals
    standing: list[Standing]
    time_zone: str

    @property
    def first(self) -> str:
        return self.days[0]

    @property
    def last(self) -> str:
        return self.days[-1]

    @property
    def total_cost(self) -> Decimal:
        return self.totals.cost


def span_of(value: object) -> int:
    """The span asked for in a query string: one of `SPANS`, anything else the default."""
    try:
        days = int(str(value))
    except ValueError:
        return DEFAULT_SPAN
    return days if days in SPANS else DEFAULT_SPAN


async def spend_page(app: AppContext, *, days: int, split: str, now: float, tz: tzinfo | None = None) -> SpendPage:
    """The last `days` local days of the configured key's spend, per day and `split`, and where
    today, this week and this month stand against the budgets."""
    today = local_date(now, tz)
    dates = DateRange(today - timedelta(days=days - 1), today, tz)
    periods = dates.each_day()
    entries = await app.ledger.by_period(app.key_id, periods, group_by="provider" if split == "provider" else "model")
    labels = [period.label for period in periods]
    # The range's totals and the three calendar spans in one read: four periods of the totals tables.
    spans = _calendar_spans(today, tz)
    summary = await app.ledger.summary(app.key_id, [dates.whole(), *spans], group_by="period")
    found = {group.key: group.totals for group in summary.groups}
    totals = found.get(dates.whole().label, UsageTotals())
    budgets = {"today": app.settings.budget_daily_usd, "this month": app.settings.budget_monthly_usd}
    standing = [
        Standing(span.label, found.get(span.label, UsageTotals()).cost, budgets.get(span.label)) for span in spans
    ]
    return SpendPage(labels, split, series_of(labels, entries), totals, standing, zone_name(tz, now))


def series_of(labels: list[str], entries: Sequence[PeriodCost]) -> list[Series]:
    """One series per key, costliest first; past `MAX_SERIES`, the rest summed as `OTHERS`."""
    position = {label: index for index, label in enumerate(labels)}
    costs: dict[str, list[int]] = {}
    for entry in entries:
        costs.setdefault(entry.key or NONE_LABEL, [0] * len(labels))[position[entry.label]] += entry.cost_pusd
    ranked = sorted(costs.items(), key=lambda item: (-sum(item[1]), item[0]))
    shown = [Series(key, per_day) for key, per_day in ranked[: MAX_SERIES - 1]]
    rest = ranked[MAX_SERIES - 1 :]
    if len(rest) == 1:
        shown.append(Series(*rest[0]))
    elif rest:
        summed = [sum(day) for day in zip(*(per_day for _, per_day in rest), strict=True)]
        shown.append(Series(OTHERS, summed))
    return shown


def _calendar_spans(today: date, tz: tzinfo | None) -> list[Period]:
    """Today, this week (from Monday) and this month, as local-day bounds."""
    week = today - timedelta(days=today.weekday())
    month = today.replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    tomorrow = day_start(today + timedelta(days=1), tz)
    return [
        Period("today", day_start(today, tz), tomorrow),
        Period("this week", day_start(week, tz), tomorrow),
        Period("this month", day_start(month, tz), day_start(following, tz)),
    ]


async def today_spent(app: AppContext, *, now: float, tz: tzinfo | None = None) -> Decimal:
    """What the configured key spent today (local day), from the totals tables."""
    today = _calendar_spans(local_date(now, tz), tz)[0]
    summary = await app.ledger.summary(app.key_id, [today], group_by="period")
    return summary.totals.cost


@dataclass(frozen=True)
class CostlyCalls:
    rows: list[UsageRow]
    days: int
    time_zone: str
    tz: tzinfo | None = None  # the zone the days were cut in, which the times are shown in


async def costliest_calls(app: AppContext, *, days: int, now: float, tz: tzinfo | None = None) -> CostlyCalls:
    today = local_date(now, tz)
    dates = DateRange(today - timedelta(days=days - 1), today, tz)
    rows = await app.ledger.costliest(app.key_id, dates.since, dates.until, COSTLIEST_CALLS)
    return CostlyCalls(rows, days, zone_name(tz, now), tz)


def local_time(epoch: float, tz: tzinfo | None = None) -> str:
    return datetime.fromtimestamp(epoch, tz).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class JobLine:
    """A job as the jobs page lists it (never the reply's text: only how long it is)."""

    job_id: str
    model: str
    status: str
    elapsed_seconds: float
    characters: int
    note: str | None = None
    error: str | None = None
    running: bool = field(default=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "model": self.model,
            "status": self.status,
            "elapsed_seconds": round(self.elapsed_seconds, 1),
            "characters": self.characters,
            "note": self.note,
            "error": self.error,
            "running": self.running,
        }


def job_lines(app: AppContext) -> list[JobLine]:
    """The configured key's recent jobs in this process, newest first."""
    now = app.clock()
    lines = []
    for job in app.jobs.recent(RECENT_JOBS):
        record = record_of(job)
        lines.append(
            JobLine(
                job_id=record.job_id,
                model=record.requested_model,
                status=record.status,
                elapsed_seconds=(record.finished_at or now) - record.created_at,
                characters=len(record.text),
                note=record.note,
                error=record.error,
                running=not job.finished,
            )
        )
    return lines
