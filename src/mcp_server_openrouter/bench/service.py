"""Benchmarks and panels as the tools and the CLI run them.

Before anything is spent: the arguments are checked, every model is looked up in the catalogue,
the worst case is estimated and held to `max_cost_usd`. A benchmark then runs as a job in the
app's task group (like a chat call): the caller waits for it up to the foreground timeout and
gets the whole report; one still running then — or started with `background=true` — answers
with its job id, and its report is saved so no figure is lost (the job's reply is the Markdown).
Without a task group (a CLI command) it simply runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from mcp_server_openrouter.bench.panel import PanelPlan, PanelResult, Shuffle, ask_panel
from mcp_server_openrouter.bench.plan import BenchPlan, guard_spending, known_models, worst_case_cost
from mcp_server_openrouter.bench.report import BenchmarkReport, build_report, render_markdown
from mcp_server_openrouter.bench.reports import base_name, save_report
from mcp_server_openrouter.bench.runner import RunOutcome, Sleep, progress_message, run_benchmark
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.chat.result import ChatResult
from mcp_server_openrouter.errors import InvalidArgumentError, JobCancelledError, MissingAPIKeyError
from mcp_server_openrouter.jobs import Job, JobManager

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

TOOL = "benchmark_models"


@dataclass
class _Outcome:
    """What a benchmark job leaves for the caller who started it, and whether that caller is gone."""

    report: BenchmarkReport | None = None
    orphaned: bool = False


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
        self.sleep = sleep
        self.clock = clock
        self.now = now

    async def prepare(self, plan: BenchPlan, max_cost_usd: Decimal | None) -> Decimal | None:
        """Check what the benchmark needs before it spends anything; its worst-case cost."""
        if not self.has_key:
            raise MissingAPIKeyError()
        models = await known_models(self.catalog, plan.models)
        worst = worst_case_cost(models, plan.request, plan.runs)
        guard_spending(worst, max_cost_usd, what="The benchmark")
        return worst

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

        async def on_run(outcome: RunOutcome, done: int, total: int) -> None:
            message = progress_message(outcome, done, total)
            if on_line is not None:
                on_line(message + "\n")
            if on_progress is not None:
                await on_progress(done, total, message)

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
        save: bool = False,
        report_name: object = None,
        background: bool = False,
        on_progress: ProgressCallback | None = None,
    ) -> BenchmarkReport:
        if report_name is not None:
            base_name(report_name, plan.models)  # a bad name is refused before anything is spent
        if background and not self.jobs.available:
            raise InvalidArgumentError("background=true needs the MCP server; run the benchmark in the foreground.")
        worst = await self.prepare(plan, max_cost_usd)
        if not self.jobs.available:
            return await self.run(plan, worst, save=save, report_name=report_name, on_progress=on_progress)
        return await self._as_job(
            plan, worst, save=save, report_name=report_name, background=background, on_progress=on_progress
        )

    async def _as_job(
        self,
        plan: BenchPlan,
        worst: Decimal | None,
        *,
        save: bool,
        report_name: object,
        background: bool,
        on_progress: ProgressCallback | None,
    ) -> BenchmarkReport:
        """Run the benchmark as a job: waited for up to the foreground timeout, or in the background."""
        outcome = _Outcome(orphaned=background)
        label = ", ".join(plan.models)

        async def work(job: Job) -> ChatResult:
            report = await self.run(plan, worst, on_progress=job.report, on_line=job.add_text)
            if save or outcome.orphaned:  # nobody waits for the structured answer: keep the figures on disk
                report = await self.save(report, report_name)
            outcome.report = report
            return ChatResult(
                text=render_markdown(report),
                model=TOOL,
                requested_model=label,
                cost_usd=report.total_cost_usd,
                streamed=True,
                notes=report.notes,
            )

        job = self.jobs.start(work, requested_model=label, streamed=True, background=background)
        if background:
            return self._running(job, "started in the background")
        await self.jobs.wait_with_caller(job, self.foreground_timeout, on_progress)
        if not job.finished:
            outcome.orphaned = True
            return self._running(job, f"still running after {self.foreground_timeout:g} s")
        self.jobs.forget(job)
        if outcome.report is not None:
            return outcome.report
        if job.error is not None:
            raise job.error
        raise JobCancelledError(
            f"the benchmark (job {job.job_id}) was cancelled before it finished.", partial_text=job.text
        )

    @staticmethod
    def _running(job: Job, why: str) -> BenchmarkReport:
        return BenchmarkReport(
            status="queued" if job.status == "queued" else "running",
            job_id=job.job_id,
            note=(
                f'{why}; get_job_result(job_id="{job.job_id}", wait_seconds=50) returns the report when it is done '
                "(it is also saved, see the openrouter://reports resource); cancel_job stops it"
            ),
        )

    async def panel(self, plan: PanelPlan, *, answer_chars: int, shuffle: Shuffle | None = None) -> PanelResult:
        """Ask the panel (and its judge); every model, the judge's too, is checked in the catalogue first."""
        if not self.has_key:
            raise MissingAPIKeyError()
        judge_ids = [plan.judge_model] if plan.judge_model is not None else []
        found = await known_models(self.catalog, [*plan.models, *judge_ids])
        judge = found[-1] if judge_ids else None
        options = {"shuffle": shuffle} if shuffle is not None else {}
        return await ask_panel(self.client(), plan, judge=judge, answer_chars=answer_chars, **options)
