"""Running a benchmark: every model at once, the runs of one model one after another.

Each run is one streamed request through the app's client, so it waits its turn in the
process-wide queue like any other call, and the usage ledger records it through the client's
metering hook under the tool that started it. The timing comes from the same metering: the
client's `RequestRecord` of the request that answered (`sent` once it left the queue, the
first text or reasoning token, the end), read on the client's monotonic clock — so time spent
queued or waiting out a rate limit is not counted as the model's latency. A run that fails is
an outcome with its error; it never stops the other runs or models.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import anyio
from pydantic import BaseModel, ConfigDict, Field, computed_field

from mcp_server_openrouter.bench.plan import BenchPlan
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.run import run_chat
from mcp_server_openrouter.errors import OpenRouterMCPError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient, RequestRecord

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class RunOutcome(BaseModel):
    """One request of a benchmark or panel: its timings (seconds), tokens, cost, and text or error.

    As a report's row it shows `cost_usd`; the exact `cost` and the answer's `text` stay out of it.
    """

    model_config = ConfigDict(frozen=True)

    model: str
    run: int
    ok: bool
    first_token_s: float | None = None
    latency_s: float | None = None
    tokens_per_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    served_model: str | None = None
    error: str | None = None
    cost: Decimal | None = Field(default=None, exclude=True)
    text: str = Field(default="", exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float | None:
        return None if self.cost is None else float(self.cost)


OnRun = Callable[[RunOutcome, int, int], Awaitable[None]]
"""Called after each finished run with the outcome, the runs done and the runs in all."""


class _Records:
    """The client's metering hook for one run: keeps the records and passes each on (the ledger)."""

    def __init__(self, passed_to: Callable[[RequestRecord], Awaitable[None]] | None) -> None:
        self.passed_to = passed_to
        self.records: list[RequestRecord] = []

    async def __call__(self, record: RequestRecord) -> None:
        self.records.append(record)
        if self.passed_to is not None:
            await self.passed_to(record)

    @property
    def cost(self) -> Decimal | None:
        """What the run's requests cost (a retried attempt usually costs nothing), None if unknown."""
        costs = [record.cost for record in self.records if record.cost is not None]
        return sum(costs, Decimal(0)) if costs else None


def timings(record: RequestRecord, completion_tokens: int | None) -> tuple[float | None, float, float | None]:
    """(time to first token, total latency, completion tokens a second after the first token)."""
    first = None if record.first_token is None else record.first_token - record.sent
    generating = None if record.first_token is None else record.ended - record.first_token
    throughput = completion_tokens / generating if completion_tokens and generating and generating > 0 else None
    return first, record.ended - record.sent, throughput


async def run_once(client: OpenRouterClient, request: ChatRequest, run: int = 1) -> RunOutcome:
    """One streamed request, measured; a failure is the outcome, never raised."""
    records = _Records(client.on_request)
    metered = client.with_options(on_request=records)
    try:
        result = await run_chat(metered, request, stream=True)
    except OpenRouterMCPError as exc:
        last = records.records[-1] if records.records else None
        partial = getattr(exc, "partial_text", "")
        return RunOutcome(
            model=request.model,
            run=run,
            ok=False,
            latency_s=None if last is None else _rounded(last.duration),
            cost=records.cost,
            text=partial if isinstance(partial, str) else "",
            error=str(exc) or type(exc).__name__,
        )
    record = records.records[-1]  # the attempt that answered (earlier ones were retried)
    usage = result.usage
    completion = usage.completion_tokens if usage else None
    first, latency, throughput = timings(record, completion)
    return RunOutcome(
        model=request.model,
        run=run,
        ok=True,
        first_token_s=_rounded(first),
        latency_s=_rounded(latency),
        tokens_per_s=_rounded(throughput, 2),
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=completion,
        cost=records.cost,
        text=result.text,
        served_model=result.model,
    )


def _rounded(value: float | None, digits: int = 4) -> float | None:
    """Tenths of a millisecond: what a clock reading over a network means."""
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class BenchRuns:
    """Every outcome, by model in the plan's order and by run, and the benchmark's wall time."""

    outcomes: dict[str, list[RunOutcome]]
    wall_s: float


async def run_benchmark(
    plan: BenchPlan,
    client: OpenRouterClient,
    *,
    on_run: OnRun | None = None,
    sleep: Sleep = anyio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> BenchRuns:
    """Run the plan: models in parallel (unless `plan.parallel` is false), `delay_seconds` between
    successive runs of the same model. `on_run` hears each finished run (see `tell`)."""
    outcomes: dict[str, list[RunOutcome]] = {model: [] for model in plan.models}
    done = 0

    async def runs_of(model: str) -> None:
        nonlocal done
        request = plan.request_for(model)
        for run in range(1, plan.runs + 1):
            if run > 1 and plan.delay_seconds > 0:
                await sleep(plan.delay_seconds)
            outcome = await run_once(client, request, run)
            outcomes[model].append(outcome)
            done += 1
            await tell(on_run, outcome, done, plan.total_runs)

    started = clock()
    if plan.parallel:
        async with anyio.create_task_group() as group:
            for model in plan.models:
                group.start_soon(runs_of, model)
    else:
        for model in plan.models:
            await runs_of(model)
    return BenchRuns(outcomes=outcomes, wall_s=clock() - started)


async def tell(on_run: OnRun | None, outcome: RunOutcome, done: int, total: int) -> None:
    """Pass a finished run on; a progress report that fails is logged and the work goes on."""
    if on_run is None:
        return
    try:
        await on_run(outcome, done, total)
    except Exception as exc:  # a client that stopped listening must not end the benchmark
        logger.warning("a benchmark progress report failed: %s", type(exc).__name__)


def progress_message(outcome: RunOutcome, done: int, total: int, unit: str = "runs") -> str:
    """ "3/8 runs done: anthropic/claude-3-haiku 0.84 s" (or the run's failure, shortened)."""
    if outcome.ok and outcome.latency_s is not None:
        what = f"{outcome.latency_s:.2f} s"
    else:
        reason = (outcome.error or "failed").splitlines()[0]
        what = "failed: " + (reason if len(reason) <= 80 else reason[:79] + "…")
    return f"{done}/{total} {unit} done: {outcome.model} {what}"
