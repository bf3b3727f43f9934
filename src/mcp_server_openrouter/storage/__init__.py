"""Where the server keeps things between calls and processes, behind one protocol per store.

Each store is a `Protocol` with async methods, so a shared backend later (PostgreSQL, Redis)
is a new implementation, not a rewrite. Today's implementations are local files:

* `CatalogStore`  — the raw `/models` list: `catalog_file.CatalogFile` (atomic JSON file).
* `ResponseStore` — replies of deterministic chat requests: `responses.SQLiteResponseStore`.
* `JobStore`      — background jobs' state and results: `jobs.MemoryJobStore` (one process); a
  shared store lets several replicas serving one team answer for each other's jobs.
* `UsageLedger`   — one row per paid upstream request, per key: `ledger.SQLiteLedger`.

Local implementations do their blocking I/O in a worker thread (never on the event loop) and
create what they write `0600` in `0700` directories (`files.py`).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class StoredCatalog:
    """The raw model list as fetched from `base_url` at `fetched_at` (epoch seconds)."""

    models: list[dict[str, Any]]
    base_url: str
    fetched_at: float


class CatalogStore(Protocol):
    """The catalogue shared by processes (and restarts); failures to write are logged, not raised."""

    @property
    def location(self) -> str:
        """Where the store keeps its data (a path or a URL without credentials), for messages."""
        ...

    async def load(self, base_url: str) -> StoredCatalog | None:
        """The stored catalogue for `base_url`, or None (absent, unreadable, another URL)."""
        ...

    async def save(self, stored: StoredCatalog) -> None: ...

    async def clear(self) -> bool:
        """Delete the stored catalogue; False if there was none."""
        ...

    async def describe(self) -> dict[str, Any]:
        """What is stored, for `openrouter-mcp cache info`."""
        ...


class ResponseStore(Protocol):
    """Replies keyed by a hash of the request; entries expire and the oldest are dropped."""

    @property
    def location(self) -> str: ...

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, model: str, result: Mapping[str, Any]) -> None: ...

    async def clear(self) -> bool: ...

    async def describe(self) -> dict[str, Any]: ...


@dataclass
class JobRecord:
    """What a store keeps of a job: enough to answer `get_job_result` from another process.

    `reply` is the finished reply's fields (the chat result as JSON) and `text` its whole text
    (or the text so far); `error` is the failure's message, already worded for the caller.
    Times are epoch seconds.
    """

    job_id: str
    requested_model: str
    status: str
    created_at: float
    finished_at: float | None = None
    text: str = ""
    reply: dict[str, Any] | None = None
    error: str | None = None
    note: str | None = None
    owner: str = ""  # the hash of the key that started it: only that key may read or cancel it


class JobStore(Protocol):
    """Jobs by id. The job manager decides what expires; the store only keeps and forgets."""

    async def save(self, record: JobRecord) -> None: ...

    async def get(self, job_id: str) -> JobRecord | None: ...

    async def recent(self, limit: int) -> list[JobRecord]:
        """The newest `limit` jobs, newest first."""
        ...

    async def forget(self, job_ids: list[str]) -> None: ...


@dataclass
class UsageRow:
    """One upstream chat request as the ledger keeps it: who asked what of whom, and what it cost.

    No prompt or reply text. `key_id` is a short hash of the key the request was sent with.
    `at` is the wall-clock time (epoch seconds) the request ended; `latency` and
    `first_token` are seconds from sending it. `cost` is USD (None: not known yet, see
    `settled`). `status` is "ok", "error" or "cancelled"; `error_kind` the error's class name.
    `row_id` is given by the ledger.
    """

    at: float
    key_id: str
    requested_model: str | None
    tool: str | None = None
    generation_id: str | None = None
    served_model: str | None = None
    provider: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cost: Decimal | None = None
    latency: float | None = None
    first_token: float | None = None
    streamed: bool = False
    status: str = "ok"
    error_kind: str | None = None
    http_status: int | None = None
    attempt: int = 1
    row_id: int | None = None


@dataclass(frozen=True)
class Settlement:
    """What `GET /generation` later said about a request whose reply carried no cost."""

    cost: Decimal
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    served_model: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class Period:
    """A span of time [since, until) in epoch seconds, named for reports (a local day: "2026-12-04")."""

    label: str
    since: float
    until: float


#: What a usage summary is broken down by: the model that answered (else the one asked for),
#: the provider, the tool that made the request, or the period (see `UsageLedger.summary`).
Grouping = Literal["model", "provider", "tool", "period"]


@dataclass(frozen=True)
class UsageTotals:
    """Counts and sums over ledger rows. Cost is kept as integer pico-dollars, so sums stay exact.

    `errors` and `cancelled` are among `calls`; `calls_without_cost` are calls that started a
    generation whose cost is not known (yet): their cost is not in `cost`.
    """

    calls: int = 0
    errors: int = 0
    cancelled: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cached_tokens: int = 0
    cost_pusd: int = 0
    calls_without_cost: int = 0

    @property
    def cost(self) -> Decimal:
        """USD, exactly (twelve decimals)."""
        return Decimal(self.cost_pusd).scaleb(-12)

    def __add__(self, other: UsageTotals) -> UsageTotals:
        return UsageTotals(*map(operator.add, _counts_of(self), _counts_of(other)))


_counts_of = operator.attrgetter(*(f.name for f in fields(UsageTotals)))


@dataclass(frozen=True)
class UsageGroup:
    """One line of a breakdown: its key (None: the rows had none, e.g. no provider) and totals."""

    key: str | None
    totals: UsageTotals


@dataclass(frozen=True)
class PeriodCost:
    """The calls and cost (pico-dollars) of one model, provider or tool (None: none recorded) in one period."""

    label: str
    key: str | None
    calls: int
    cost_pusd: int


@dataclass(frozen=True)
class UsageSummary:
    """A breakdown of ledger rows and, summed from it, the totals."""

    group_by: Grouping
    groups: list[UsageGroup] = field(default_factory=list)

    @property
    def totals(self) -> UsageTotals:
        # Column by column: thousands of groups (one a day, or many models) are summed in a blink.
        return UsageTotals(*map(sum, zip(*(_counts_of(group.totals) for group in self.groups), strict=True)))


class UsageLedger(Protocol):
    """Paid upstream requests, per key. Writes must be safe from several processes at once."""

    @property
    def location(self) -> str: ...

    async def record(self, row: UsageRow) -> int:
        """Append `row`; returns its id. Raises `LedgerError` when the row could not be written."""
        ...

    async def settle(self, row_id: int, settlement: Settlement) -> None:
        """Fill in the cost (and counts) of a row that had none; a row with a cost is left alone."""
        ...

    async def unsettled(self, key_id: str, since: float, limit: int) -> list[UsageRow]:
        """Rows of `key_id` since `since` with a generation id but no cost, oldest first."""
        ...

    async def spent(self, key_id: str, since: float, until: float | None = None) -> Decimal:
        """The known cost of `key_id`'s requests that ended in [since, until)."""
        ...

    async def summary(
        self, key_id: str, periods: Sequence[Period], *, group_by: Grouping, model: str | None = None
    ) -> UsageSummary:
        """`key_id`'s requests that ended in any of `periods`, grouped by `group_by` (periods must be
        disjoint unless grouped by "period", where each is summed on its own).

        `model` keeps only the requests that asked for it or were answered by it. Groups come
        in the order of `periods` for "period" (periods without requests are left out), else by
        cost, then calls, both descending.
        """
        ...

    async def by_period(self, key_id: str, periods: Sequence[Period], *, group_by: Grouping) -> list[PeriodCost]:
        """The calls and cost of `key_id`'s requests in each of `periods` (disjoint) by `group_by`
        ("model", "provider" or "tool"), by the period's label, then cost descending."""
        ...

    async def costliest(self, key_id: str, since: float, until: float, limit: int) -> list[UsageRow]:
        """`key_id`'s `limit` most expensive requests (with a known cost) that ended in [since, until)."""
        ...

    async def aclose(self) -> None:
        """Release what the ledger holds open (a connection); it may be used again after."""
        ...
