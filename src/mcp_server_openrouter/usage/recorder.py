"""The ledger's pen: every paid upstream request becomes one row, from the client's metering hook.

`UsageRecorder` is the client's `on_request` hook, so every tool path (plain, streamed,
background, vision, benchmark, panel) is recorded in one place and none can forget. Only
`POST /chat/completions` is recorded: the other endpoints are free. Each attempt is its own
row (a 429 that was retried is an error row plus the row of the retry).

A reply without a cost (a stream cancelled or cut before its usage chunk) is settled later
from `GET /generation?id=`, which answers 404 for a few seconds after a generation ends: the
recorder asks again with growing pauses, in the app's task group, so the tool's answer never
waits for it. Rows left unsettled by a process that stopped are picked up by `resume`. Those
requests have a small queue of their own: in the chat queue (`OPENROUTER_MAX_CONCURRENCY`) the
up to `RESUME_LIMIT` rows a start-up resumes would make the first chat calls wait behind them.

The recorder also keeps the running cost of this process per key, for the session total that
every chat answer shows: the costs of the rows this process wrote, each once (a row `resume` also
found is settled once; one a stopped process left is settled but is not this session's).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import anyio
from anyio.abc import TaskGroup

from mcp_server_openrouter.errors import LedgerError, NotFoundError, OpenRouterError
from mcp_server_openrouter.storage import Settlement, UsageLedger, UsageRow
from mcp_server_openrouter.usage.context import current_tool

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient, RequestRecord

logger = logging.getLogger(__name__)

CHAT_PATH = "/chat/completions"

# Pauses before each `GET /generation` (about a minute in all): OpenRouter needs a few seconds.
SETTLE_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)

# How far back `resume` looks for rows a stopped process left without a cost.
RESUME_WINDOW_SECONDS = 24 * 3600.0
RESUME_LIMIT = 200

# `GET /generation` requests open at once for settling (their own queue, not the chat calls').
SETTLE_CONCURRENCY = 2

# The error class names of a request its caller gave up on (anyio cancels with asyncio's or trio's).
CANCELLED_KINDS = frozenset({"CancelledError", "Cancelled", "JobCancelledError"})

Sleep = Callable[[float], Awaitable[None]]


def status_of(error_kind: str | None) -> str:
    if error_kind is None:
        return "ok"
    return "cancelled" if error_kind in CANCELLED_KINDS else "error"


def row_of(record: RequestRecord, *, at: float, tool: str | None) -> UsageRow:
    usage = record.usage
    return UsageRow(
        at=at,
        key_id=record.key_id,
        requested_model=record.model,
        tool=tool,
        generation_id=record.generation_id,
        served_model=record.served_model,
        provider=record.provider,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        reasoning_tokens=usage.reasoning_tokens if usage else None,
        cached_tokens=usage.cached_tokens if usage else None,
        cost=record.cost,
        latency=record.duration,
        first_token=None if record.first_token is None else record.first_token - record.sent,
        streamed=record.stream,
        status=status_of(record.error_kind),
        error_kind=record.error_kind,
        http_status=record.status,
        attempt=record.attempt,
    )


class UsageRecorder:
    """Writes each chat request to the ledger and settles missing costs in the background.

    `client_for(key_id)` is the client to ask `/generation` with for that key (None: no client
    holds that key here, the row stays unsettled). Without `tasks` nothing is settled later.
    """

    def __init__(
        self,
        ledger: UsageLedger,
        *,
        client_for: Callable[[str], OpenRouterClient | None],
        tasks: TaskGroup | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = anyio.sleep,
        settle_delays: Sequence[float] = SETTLE_DELAYS,
    ) -> None:
        self.ledger = ledger
        self.client_for = client_for
        self.tasks = tasks
        self.clock = clock
        self.sleep = sleep
        self.settle_delays = tuple(settle_delays)
        self._session: dict[str, Decimal] = {}
        # Rows being settled here, and whether this process wrote them (their cost is this session's).
        self._pending: dict[int, bool] = {}
        self._settling = 0
        self._settled = anyio.Event()
        self._queue = anyio.CapacityLimiter(SETTLE_CONCURRENCY)

    def session_cost(self, key_id: str) -> Decimal:
        """What this process's requests with `key_id` are known to have cost so far."""
        return self._session.get(key_id, Decimal(0))

    async def __call__(self, record: RequestRecord) -> None:
        if record.method != "POST" or record.path != CHAT_PATH:
            return
        row = row_of(record, at=self.clock(), tool=current_tool.get())
        if row.cost is not None:
            self._add(row.key_id, row.cost)
        try:
            row_id = await self.ledger.record(row)
        except LedgerError as exc:
            # The reply still reaches the caller; the row is what is lost, and the log says so.
            logger.warning("a request to %s was not recorded: %s", row.requested_model, exc)
            return
        # A generation started (HTTP 200) but its cost never came: ask OpenRouter later.
        if row.cost is None and row.generation_id and record.status == 200:
            self._settle_later(row_id, row.generation_id, row.key_id, ours=True)

    async def resume(self, key_id: str) -> int:
        """Settle, in the background, `key_id`'s recent rows still without a cost (a stopped
        process left them). Returns how many were scheduled."""
        if self.tasks is None or not key_id:
            return 0
        try:
            rows = await self.ledger.unsettled(key_id, self.clock() - RESUME_WINDOW_SECONDS, RESUME_LIMIT)
        except LedgerError as exc:
            logger.warning("could not look for unsettled usage: %s", exc)
            return 0
        for row in rows:
            assert row.row_id is not None and row.generation_id  # what `unsettled` selects
            self._settle_later(row.row_id, row.generation_id, key_id, ours=False, first_delay=0.0)
        return len(rows)

    async def settled(self) -> None:
        """Wait until no settlement is in progress (for tests and commands that end)."""
        while self._settling:
            await self._settled.wait()

    def _add(self, key_id: str, cost: Decimal) -> None:
        self._session[key_id] = self.session_cost(key_id) + cost

    def _settle_later(
        self, row_id: int, generation_id: str, key_id: str, *, ours: bool, first_delay: float | None = None
    ) -> None:
        if self.tasks is None:
            logger.info("the cost of generation %s is not known and will not be settled here", generation_id)
            return
        if row_id in self._pending:  # `resume` found a row this process is settling already, or the reverse
            self._pending[row_id] = self._pending[row_id] or ours
            return
        self._pending[row_id] = ours
        if self._settling == 0:
            self._settled = anyio.Event()
        self._settling += 1
        delays = self.settle_delays if first_delay is None else (first_delay, *self.settle_delays)
        self.tasks.start_soon(self._settle, row_id, generation_id, key_id, delays)

    async def _settle(self, row_id: int, generation_id: str, key_id: str, delays: tuple[float, ...]) -> None:
        try:
            settlement = await self._ask(generation_id, key_id, delays)
            if settlement is None:
                return
            await self.ledger.settle(row_id, settlement)
            if self._pending.get(row_id):
                self._add(key_id, settlement.cost)
            logger.debug("settled the cost of generation %s", generation_id)
        except LedgerError as exc:
            logger.warning("could not settle the cost of generation %s: %s", generation_id, exc)
        finally:
            self._pending.pop(row_id, None)
            self._settling -= 1
            if self._settling == 0:
                self._settled.set()

    async def _ask(self, generation_id: str, key_id: str, delays: tuple[float, ...]) -> Settlement | None:
        client = self.client_for(key_id)
        if client is None:
            return None
        client = client.with_options(limiter=self._queue)
        for delay in delays:
            await self.sleep(delay)
            try:
                generation = await client.generation(generation_id)
            except NotFoundError:
                continue  # not ready yet: OpenRouter needs a few seconds after a generation ends
            except OpenRouterError as exc:
                logger.warning("could not ask for the cost of generation %s: %s", generation_id, type(exc).__name__)
                return None
            if generation.total_cost is None:
                continue
            return Settlement(
                cost=generation.total_cost,
                prompt_tokens=generation.tokens_prompt,
                completion_tokens=generation.tokens_completion,
                reasoning_tokens=generation.native_tokens_reasoning,
                cached_tokens=generation.native_tokens_cached,
                served_model=generation.model,
                provider=generation.provider_name,
            )
        logger.warning("the cost of generation %s was still not known after %d tries", generation_id, len(delays))
        return None
