"""`openrouter-mcp bench MODEL… --prompt …`: the benchmark_models tool from the shell, with a live
progress bar (on stderr) and the table at the end (or JSON for scripts)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from decimal import Decimal

    from rich.console import Console

    from mcp_server_openrouter.bench import BenchmarkReport, BenchPlan, BenchService
    from mcp_server_openrouter.usage.budget import Confirm

HELP = "benchmark models on a prompt: time to first token, latency, tokens/s, cost"
DESCRIPTION = (
    "Send the same prompt to each MODEL (all at once, RUNS times each, streamed) and show time to first "
    "token, total latency, throughput and cost per model, with rankings. Models are checked against the "
    "catalogue, and the whole benchmark's worst-case cost is held to the budgets (OPENROUTER_BUDGET_DAILY_USD, "
    "OPENROUTER_BUDGET_MONTHLY_USD), the key's limit and --max-cost before anything is sent; above "
    "OPENROUTER_CONFIRM_ABOVE_USD it runs only with --yes."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("models", nargs="+", metavar="MODEL", help="1-10 OpenRouter model ids")
    parser.add_argument("--prompt", required=True, help="the request every model answers")
    parser.add_argument("--runs", type=int, default=1, help="requests per model, one after another (1-10)")
    parser.add_argument("--delay", type=float, default=0.0, metavar="S", help="seconds between a model's runs")
    parser.add_argument("--max-tokens", type=int, metavar="N", help="most tokens each answer may have")
    parser.add_argument("--temperature", type=float, metavar="T")
    parser.add_argument("--system", metavar="TEXT", help="a system prompt put first")
    parser.add_argument("--max-cost", type=float, metavar="USD", help="refuse to start if it could cost more")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="run it even if it could cost more than OPENROUTER_CONFIRM_ABOVE_USD"
    )
    parser.add_argument("--sequential", action="store_true", help="one model after another, not all at once")
    parser.add_argument(
        "--out",
        nargs="?",
        const="",
        metavar="DIR",
        help="save the report (Markdown, JSON, CSV, SVG chart) in a new folder under DIR "
        "(with no DIR: the reports directory, listed by the openrouter://reports resource)",
    )
    parser.add_argument("--name", help="name for the saved report (letters, digits, - and _ are kept)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON for scripts")


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.bench import plan_benchmark
    from mcp_server_openrouter.bench.reports import base_name
    from mcp_server_openrouter.cli._common import fail, settings_or_exit
    from mcp_server_openrouter.errors import InvalidArgumentError
    from mcp_server_openrouter.usage.budget import cost_limit

    settings = settings_or_exit()
    try:
        plan = plan_benchmark(
            models=args.models,
            prompt=args.prompt,
            runs=args.runs,
            delay_seconds=args.delay,
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            system=args.system,
            parallel=not args.sequential,
        )
        limit = cost_limit(args.max_cost, "--max-cost")
        if args.name is not None:
            base_name(args.name, plan.models)
    except InvalidArgumentError as exc:
        return fail(str(exc), 2)

    from rich.console import Console

    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.server.bench_tools import bench_service
    from mcp_server_openrouter.usage.context import tool_scope

    progress_console = Console(stderr=True)
    out = Path(args.out).expanduser() if args.out else None  # `--out` alone: the reports directory

    async def benchmark() -> BenchmarkReport:
        # The usage ledger records these requests under the command's name, as it does a tool's.
        with tool_scope("bench"):
            return await measured()

    async def measured() -> BenchmarkReport:
        async with open_app(settings) as app:
            service = bench_service(app)
            confirm = _confirmed_by_flag(args.yes, progress_console)
            admitted = await service.prepare(plan, max_cost_usd=limit, confirm=confirm)
            with admitted.hold:
                report = await _run_with_progress(service, plan, admitted.worst_case, progress_console)
            if args.out is not None:
                report = await service.save(report, args.name, out)
            return report

    try:
        report = anyio.run(benchmark)
    except InvalidArgumentError as exc:
        return fail(str(exc), 2)
    if args.json:
        print(report.model_dump_json(indent=2, exclude_none=True, exclude={"status", "job_id", "note"}))
    else:
        _show(report, Console())
    return 0 if any(figures.succeeded for figures in report.models) else 1


def _confirmed_by_flag(yes: bool, console: Console) -> Confirm:
    """The command cannot ask (its output may be a script's): `--yes` answers the spending guard's
    question, which is shown; without it a benchmark above the threshold is refused, naming it."""
    from mcp_server_openrouter.errors import NotConfirmedError
    from mcp_server_openrouter.usage.budget import CONFIRM

    async def confirm(question: str) -> bool:
        if not yes:
            raise NotConfirmedError(
                f'Not started, it needs your confirmation: "{question}" It is above {CONFIRM} and the command '
                f"cannot ask: run it again with --yes to confirm, or raise or unset {CONFIRM}."
            )
        console.print(f"{question} Yes (--yes).", highlight=False, markup=False)
        return True

    return confirm


async def _run_with_progress(
    service: BenchService, plan: BenchPlan, worst: Decimal | None, console: Console
) -> BenchmarkReport:
    """Run the benchmark with a live bar: runs done of all, time, and the last run's figure."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"))
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("starting", total=plan.total_runs)

        async def on_progress(done: float, total: float | None, message: str) -> None:
            progress.update(task, completed=done, description=message)

        return await service.run(plan, worst, on_progress=on_progress)


def _show(report: BenchmarkReport, console: Console) -> None:
    from rich import box
    from rich.table import Table

    from mcp_server_openrouter.bench.report import ranking_lines, table_rows, usd

    rows = table_rows(report)
    title = f"{len(report.models)} models, {report.runs_per_model} run(s) each, {report.wall_s:.2f} s"
    table = Table(title=title, caption="median (min–max) over successful runs", box=box.SIMPLE_HEAD)
    for index, heading in enumerate(rows[0]):
        table.add_column(heading, justify="left" if index == 0 else "right", no_wrap=index == 0)
    for row in rows[1:]:
        table.add_row(*row)
    console.print(table)
    for line in ranking_lines(report):
        console.print(line, highlight=False)
    for figures in report.models:
        for error in figures.errors or []:
            console.print(f"{figures.model} {error}", style="red", highlight=False, markup=False)
    console.print(f"cost: {usd(report.total_cost_usd)} in all", highlight=False)
    for note in report.notes or []:
        console.print(f"note: {note}", style="yellow", highlight=False, markup=False)
    if report.saved is not None:
        console.print(f"saved: {report.saved.directory} ({report.saved.uri})", highlight=False, markup=False)
