"""Benchmarks and panels as the tools and the CLI run them.

Before anything is spent: the arguments are checked, every model is looked up in the catalogue,
and the app's spending guard admits the whole benchmark or panel at its worst case (budgets,
the key's limit, `max_cost_usd`, the user's confirmation above the threshold; `bench.spending`),
holding it until the work ends. The work then runs as a job in the app's task group (like a
chat call): the caller waits for it up to the foreground timeout and gets the whole answer; one
still running then — or started with `background=true` — answers with its job id, whose reply is
the Markdown (a benchmark's report is also saved, so no figure is lost). Without a task group
(a CLI command) it simply runs.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

import anyio

from mcp_server_openrouter.bench.panel import PanelPlan, PanelResult, Shuffle, ask_panel, render_panel
from mcp_server_openrouter.bench.plan import BenchPlan, known_models
from mcp_server_openrouter.bench.report import BenchmarkReport, build_report, render_markdown
from mcp_server_openrouter.bench.reports import base_name, save_report
from mcp_server_openrouter.bench.runner import OnRun, RunOutcome, Sleep, progress_message, run_benchmark
from mcp_server_openrouter.bench.spending import (
    benchmark_what,
    benchmark_worst_case,
    guard_spending,
    panel_what,
    panel_worst_case,
)
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.chat.result import ChatResult
from mcp_server_openrouter.errors import InvalidArgumentError, JobCancelledError, MissingAPIKeyError
from mcp_server_openrouter.jobs import Job, JobManager
from mcp_server_openrouter.usage.budget import Confirm, Hold, SpendingGuard

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

BENCHMARK_TOOL = "benchmark_models"
PANEL_TOOL = "ask_panel"

T = TypeVar("T")


@dataclass(frozen=True)
class Admitted:
    """Work the spending guard let through: its worst case (None: it cannot be bounded, and no limit
    is set), and what is held for it until it ends (`with admitted.hold:`)."""

    worst_case: Decimal | None
    hold: Hold


@dataclass
class _Kept(Generic[T]):
    """What a job leaves for the caller who started it, and whether that caller is gone."""

    orphaned: bool = False
    value: T | None = None


def _listener(on_progress: ProgressCallback | None, on_line: Callable[[str], None] | None, unit: str) -> OnRun:
    """Each finished request as a progress message, and as a line of the job's text so far."""

    async def on_run(outcome: RunOutcome, done: int, total: int) -> None:
        message = progress_message(outcome, done, total, unit)
        if on_line is not None:
            on_line(message + "\n")
        if on_progress is not None:
            await on_progress(done, total, message)

    return on_run


def still_running(job: Job, background: bool, timeout: float, what: str) -> tuple[Literal["queued", "running"], str]:
    """The status and note of an answer whose job has not finished."""
    why = "started in the background" if background else f"still running after {timeout:g} s"
    return "queued" if job.status == "queued" else "running", (
        f'{why}; get_job_result(job_id="{job.job_id}", wait_seconds=50) returns {what} when it is done; '
        "cancel_job stops it"
    )


class BenchService:
    def __init__(
        self,
        *,
        catalog: CatalogService,
        client: Callable[[], OpenRouterClient],
        jobs: JobManager,
        reports_dir: Path,
        foreground_timeout: float,
        has_key: bool,
        guard: SpendingGuard | None = None,
        key_id: str = "",
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        self.client = client
        self.jobs = jobs
        self.reports_dir = reports_dir
        self.foreground_timeout = foreground_timeout
        self.has_key = has_key
        self.guard = guard
        self.key_id = key_id
        self.sleep = sleep
        self.clock = clock
        self.now = now

    async def prepare(
        self, plan: BenchPlan, *, max_cost_usd: Decimal | None = None, confirm: Confirm | None = None
    ) -> Admitted:
        """Check what the benchmark needs and have the spending guard admit its worst case, before
        anything is spent. Release what it holds when the benchmark ends (`with admitted.hold:`)."""
        if not self.has_key:
            raise MissingAPIKeyError()
        await known_models(self.catalog, plan.models)
        worst = await benchmark_worst_case(self.catalog, plan)
        hold = await guard_spending(
            self.guard, worst, self.key_id, max_cost_usd=max_cost_usd, confirm=confirm, what=benchmark_what(plan)
        )
        return Admitted(worst.total, hold)

    async def run(
        self,
        plan: BenchPlan,
        worst_case: Decimal | None,
        *,
        save: bool = False,
        report_name: object = None,
        on_progress: ProgressCallback | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> BenchmarkReport:
        """Run a prepared plan and build its report (saved when asked); `on_progress` hears each run."""
        started = self.now()
        on_run = _listener(on_progress, on_line, "runs")
        runs = await run_benchmark(plan, self.client(), on_run=on_run, sleep=self.sleep, clock=self.clock)
        report = build_report(plan, runs, started_at=started, worst_case=worst_case)
        return await self.save(report, report_name) if save else report

    async def save(
        self, report: BenchmarkReport, name: object = None, directory: Path | None = None
    ) -> BenchmarkReport:
        """The report with where it was saved (the reports directory unless another `directory` is given,
        from the command line); one that cannot be written says why in its notes (it is paid for)."""
        where = self.reports_dir if directory is None else directory
        try:
            saved = await anyio.to_thread.run_sync(
                lambda: save_report(report, where, name=name, now=self.now(), ours=directory is None)
            )
        except OSError as exc:
            note = f"the report could not be saved under {where}: {exc.strerror or exc}"
            return report.model_copy(update={"notes": [*(report.notes or []), note]})
        return report.model_copy(update={"saved": saved})

    async def benchmark(
        self,
        plan: BenchPlan,
        *,
        max_cost_usd: Decimal | None = None,
        confirm: Confirm | None = None,
        save: bool = False,
        report_name: object = None,
        background: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> BenchmarkReport:
        if report_name is not None:
            base_name(report_name, plan.models)  # a bad name is refused before anything is spent
        self._check_background(background)
        admitted = await self.prepare(plan, max_cost_usd=max_cost_usd, confirm=confirm)
        worst, hold = admitted.worst_case, admitted.hold
        if not self.jobs.available:
            with hold:
                return await self.run(plan, worst, save=save, report_name=report_name, on_progress=on_progress)
        kept: _Kept[BenchmarkReport] = _Kept(orphaned=background)
        label = ", ".join(plan.models)

        async def work(job: Job) -> ChatResult:
            report = await self.run(plan, worst, on_progress=job.report, on_line=job.add_text)
            if save or kept.orphaned:  # nobody waits for the structured answer: keep the figures on disk
                report = await self.save(report, report_name)
            kept.value = report
            return ChatResult(
                text=render_markdown(report),
                model=BENCHMARK_TOOL,
                requested_model=label,
                cost_usd=report.total_cost_usd,
                streamed=True,
                notes=report.notes,
            )

        done = await self._as_job(work, kept, hold, label=label, background=background, on_progress=on_progress)
        if isinstance(done, Job):
            what = "the report (it is also saved, see the openrouter://reports resource)"
            status, note = still_running(done, background, self.foreground_timeout, what)
            return BenchmarkReport(status=status, job_id=done.job_id, note=note)
        return done

    async def panel(
        self,
        plan: PanelPlan,
        *,
        answer_chars: int,
        max_cost_usd: Decimal | None = None,
        confirm: Confirm | None = None,
        background: bool = False,
        on_progress: ProgressCallback | None = None,
        shuffle: Shuffle | None = None,
    ) -> PanelResult:
        """Ask the panel (and its judge); every model, the judge's too, is checked in the catalogue
        first, and the spending guard admits the members' and the judge's worst cases together."""
        if not self.has_key:
            raise MissingAPIKeyError()
        self._check_background(background)
        judge_ids = [plan.judge_model] if plan.judge_model is not None else []
        found = await known_models(self.catalog, [*plan.models, *judge_ids])
        judge = found[-1] if judge_ids else None
        worst = await panel_worst_case(self.catalog, plan, judge)
        hold = await guard_spending(
            self.guard, worst, self.key_id, max_cost_usd=max_cost_usd, confirm=confirm, what=panel_what(plan)
        )
        options = {"shuffle": shuffle} if shuffle is not None else {}
        worst_usd = None if worst.total is None else float(worst.total)

        async def answer(on_call: OnRun) -> PanelResult:
            result = await ask_panel(
                self.client(), plan, judge=judge, answer_chars=answer_chars, on_call=on_call, **options
            )
            return result.model_copy(update={"worst_case_usd": worst_usd})

        if not self.jobs.available:
            with hold:
                return await answer(_listener(on_progress, None, "calls"))
        kept: _Kept[PanelResult] = _Kept(orphaned=background)
        label = ", ".join(plan.models)

        async def work(job: Job) -> ChatResult:
            kept.value = result = await answer(_listener(job.report, job.add_text, "calls"))
            text = render_panel(result)
            return ChatResult(text=text, model=PANEL_TOOL, requested_model=label, cost_usd=result.total_cost_usd)

        done = await self._as_job(work, kept, hold, label=label, background=background, on_progress=on_progress)
        if isinstance(done, Job):
            status, note = still_running(done, background, self.foreground_timeout, "the answers and the verdict")
            return PanelResult(status=status, job_id=done.job_id, note=note)
        return done

    def _check_background(self, background: bool) -> None:
        if background and not self.jobs.available:
            raise InvalidArgumentError("background=true needs the MCP server; run it in the foreground.")

    async def _as_job(
        self,
        work: Callable[[Job], Awaitable[ChatResult]],
        kept: _Kept[T],
        hold: Hold,
        *,
        label: str,
        background: bool,
        on_progress: ProgressCallback | None,
    ) -> T | Job:
        """Run `work` as a job, waited for up to the foreground timeout (or not at all in the
        background): what it kept, or the job still running. `hold` is held until the job ends,
        however it ends."""

        async def held_while_running(job: Job) -> ChatResult:
            with hold:  # its requests have ended: their costs are in the ledger now
                return await work(job)

        try:
            job = self.jobs.start(held_while_running, requested_model=label, streamed=True, background=background)
        except BaseException:
            hold.release()  # no job started: nothing will spend what was held
            raise
        hold.until(lambda: job.finished)  # also when the job is cancelled before `work` runs
        if background:
            return job
        await self.jobs.wait_with_caller(job, self.foreground_timeout, on_progress)
        if not job.finished:
            kept.orphaned = True
            return job
        self.jobs.forget(job)
        if kept.value is not None:
            return kept.value
        if job.error is not None:
            raise job.error
        raise JobCancelledError(f"job {job.job_id} was cancelled before it finished.", partial_text=job.text)
