"""Usage reports from the ledger: what `get_usage_stats` and `openrouter-mcp usage` answer.

`UsageQuery.build` checks the arguments (dates as local days, the grouping, the model);
`usage_report` asks the ledger; `UsageReport` renders it as text (a compact table for a model
to read), as structured content, and as rows for JSON and CSV. Costs are exact: integer
pico-dollar sums turned into `Decimal`, written as decimal strings. Nothing here knows MCP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import tzinfo
from typing import Any

from pydantic import BaseModel

from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.storage import Grouping, UsageGroup, UsageLedger, UsageSummary, UsageTotals
from mcp_server_openrouter.usage.account import Account, AccountView, usd_text
from mcp_server_openrouter.usage.dates import GROUP_BY, DateRange, date_range, zone_name

# What a caller may group by, and what the ledger calls it (a day is a period of the report).
GROUPINGS: dict[str, Grouping] = {"model": "model", "day": "period", "provider": "provider", "tool": "tool"}
assert tuple(GROUPINGS) == GROUP_BY
SCOPE = (
    "The ledger counts the calls made through this server with this key (any of its processes on this machine), "
    "not calls from other apps or keys."
)
# Lines of the breakdown in the text; the structured content has them all.
MAX_TEXT_LINES = 50
NONE_LABEL = "(none)"


@dataclass(frozen=True)
class UsageQuery:
    """A checked request for a report: local days, a grouping, and maybe one model."""

    dates: DateRange
    group_by: str
    model: str | None = None

    @classmethod
    def build(
        cls,
        start_date: object = None,
        end_date: object = None,
        group_by: object = "model",
        model: object = None,
        *,
        clock: Callable[[], float] = time.time,
        tz: tzinfo | None = None,
        names: tuple[str, str, str] = ("start_date", "end_date", "group_by"),
    ) -> UsageQuery:
        """`names` are what the caller calls the dates and the grouping (`--from`, `--to`, `--by`)."""
        dates = date_range(start_date, end_date, clock=clock, tz=tz, start_name=names[0], end_name=names[1])
        if group_by is None:
            group_by = "model"
        if group_by not in GROUP_BY:
            raise InvalidArgumentError(f"{names[2]} must be one of {', '.join(GROUP_BY)}; got {group_by!r}.")
        if model is not None and (not isinstance(model, str) or not model.strip()):
            raise InvalidArgumentError(f"model must be a model id such as openai/gpt-4o; got {model!r}.")
        return cls(dates, str(group_by), model.strip() if isinstance(model, str) else None)

    @property
    def grouping(self) -> Grouping:
        return GROUPINGS[self.group_by]


async def usage_report(ledger: UsageLedger, key_id: str, query: UsageQuery, *, now: float) -> UsageReport:
    """The report of `query` for the key `key_id` stands for."""
    dates = query.dates
    periods = dates.each_day() if query.group_by == "day" else [dates.whole()]
    summary = await ledger.summary(key_id, periods, group_by=query.grouping, model=query.model)
    return UsageReport(query, summary, zone_name(dates.tz, now))


class Counts(BaseModel):
    """Counts and sums of calls; `cost_usd` is exact, as a decimal string."""

    calls: int
    errors: int
    cancelled: int
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cached_tokens: int
    cost_usd: str
    calls_without_cost: int

    @classmethod
    def of(cls, totals: UsageTotals) -> Counts:
        counts = {name: value for name, value in asdict(totals).items() if name != "cost_pusd"}
        return cls(**counts, cost_usd=usd_text(totals.cost))


class Line(Counts):
    """One line of the breakdown: the model, day, provider or tool (null: none recorded)."""

    key: str | None = None


class UsageStats(BaseModel):
    """A usage report as structured content."""

    start_date: str
    end_date: str
    time_zone: str
    group_by: str
    model: str | None = None
    totals: Counts
    groups: list[Line]
    scope: str
    account: Account | None = None


@dataclass(frozen=True)
class UsageReport:
    query: UsageQuery
    summary: UsageSummary
    time_zone: str

    @property
    def totals(self) -> UsageTotals:
        return self.summary.totals

    def lines(self) -> list[Line]:
        return [Line(key=group.key, **Counts.of(group.totals).model_dump()) for group in self.summary.groups]

    def structured(self, account: AccountView | None = None) -> UsageStats:
        dates = self.query.dates
        return UsageStats(
            start_date=dates.start.isoformat(),
            end_date=dates.end.isoformat(),
            time_zone=self.time_zone,
            group_by=self.query.group_by,
            model=self.query.model,
            totals=Counts.of(self.totals),
            groups=self.lines(),
            scope=SCOPE,
            account=None if account is None else account.structured(),
        )

    def heading(self) -> str:
        dates, query = self.query.dates, self.query
        which = f" for model {query.model}" if query.model else ""
        return f"Usage {dates.start} to {dates.end} (local days, {self.time_zone}){which}, by {query.group_by}"

    def text(self, account: AccountView | None = None) -> str:
        """The report for a model to read: a heading with the totals, a compact table, the scope, the account."""
        parts = [f"{self.heading()}: {totals_text(self.totals)}"]
        if self.summary.groups:
            parts.append(self.table())
        parts.append(SCOPE + (" OpenRouter's own figures for the key:" if account is not None else ""))
        if account is not None:
            parts.extend(account.lines())
        return "\n".join(parts)

    def table(self) -> str:
        rows = [f"{self.query.group_by} | calls | errors | tokens in | tokens out | cost USD"]
        for group in self.summary.groups[:MAX_TEXT_LINES]:
            t = group.totals
            rows.append(
                f"{label_of(group)} | {t.calls} | {t.errors} | {t.prompt_tokens} | {t.completion_tokens} | "
                f"{format_usd(t.cost, max_decimals=8)}"
            )
        hidden = len(self.summary.groups) - MAX_TEXT_LINES
        if hidden > 0:
            rows.append(f"… and {hidden} more lines (all of them are in the structured content)")
        return "\n".join(rows)

    def csv_rows(self) -> list[dict[str, Any]]:
        """One dict per line of the breakdown, the key under the grouping's name (`model`, `day`, …)."""
        return [{self.query.group_by: line.key, **line.model_dump(exclude={"key"})} for line in self.lines()]


def label_of(group: UsageGroup) -> str:
    return group.key if group.key is not None else NONE_LABEL


def totals_text(totals: UsageTotals) -> str:
    if not totals.calls:
        return "no calls."
    problems = [f"{totals.errors} failed"] if totals.errors else []
    if totals.cancelled:
        problems.append(f"{totals.cancelled} cancelled")
    calls = f"{totals.calls} call{'s' if totals.calls != 1 else ''}" + (f" ({', '.join(problems)})" if problems else "")
    kinds = (("reasoning", totals.reasoning_tokens), ("cached", totals.cached_tokens))
    extra = ", ".join(f"{count:,} {name}" for name, count in kinds if count)
    tokens = f"{totals.prompt_tokens:,} tokens in, {totals.completion_tokens:,} out" + (f" ({extra})" if extra else "")
    text = f"{calls}; {tokens}; cost ${format_usd(totals.cost, max_decimals=8)}."
    if totals.calls_without_cost:
        text += (
            f" {totals.calls_without_cost} call(s) whose cost OpenRouter has not reported yet are not in it"
            " (the server asks /generation for them in the background)."
        )
    return text
