"""A benchmark's report: the figures as one object (the tool's output schema and the JSON file),
as Markdown (the tool's text and the `.md` file) and as CSV (one row per run)."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from mcp_server_openrouter.bench.figures import (
    ModelFigures,
    Ranked,
    Rankings,
    Spread,
    model_figures,
    rankings,
    total_cost,
)
from mcp_server_openrouter.bench.plan import BenchPlan
from mcp_server_openrouter.bench.runner import BenchRuns, RunOutcome
from mcp_server_openrouter.catalog.model import format_usd

PROMPT_SHOWN_CHARS = 500


class SavedReport(BaseModel):
    name: str
    uri: str
    directory: str
    files: dict[str, str]


class BenchmarkReport(BaseModel):
    """Everything a benchmark found; while it still runs as a job, only `status`, `job_id` and `note`."""

    status: Literal["done", "queued", "running"] = "done"
    job_id: str | None = None
    note: str | None = None
    prompt: str = ""
    runs_per_model: int = 0
    delay_seconds: float = 0.0
    parallel: bool = True
    max_tokens: int | None = None
    temperature: float | None = None
    started_at: str = ""
    wall_s: float = 0.0
    total_cost_usd: float | None = None
    worst_case_usd: float | None = None
    models: list[ModelFigures] = []
    rankings: Rankings = Rankings()
    runs: list[RunOutcome] = []
    saved: SavedReport | None = None
    notes: list[str] | None = None


def build_report(plan: BenchPlan, runs: BenchRuns, *, started_at: float, worst_case: Decimal | None) -> BenchmarkReport:
    figures = [model_figures(model, runs.outcomes[model]) for model in plan.models]
    everything = [outcome for model in plan.models for outcome in runs.outcomes[model]]
    cost = total_cost(everything)
    prompt = plan.prompt if len(plan.prompt) <= PROMPT_SHOWN_CHARS else plan.prompt[: PROMPT_SHOWN_CHARS - 1] + "…"
    return BenchmarkReport(
        prompt=prompt,
        runs_per_model=plan.runs,
        delay_seconds=plan.delay_seconds,
        parallel=plan.parallel,
        max_tokens=plan.request.max_tokens,
        temperature=plan.request.temperature,
        started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_at)),
        wall_s=round(runs.wall_s, 4),
        total_cost_usd=None if cost is None else float(cost),
        worst_case_usd=None if worst_case is None else float(worst_case),
        models=figures,
        rankings=rankings(figures),
        runs=everything,
    )


def usd(amount: float | None) -> str:
    return "?" if amount is None else "$" + format_usd(Decimal(str(amount)), max_decimals=8)


def _spread_text(figure: Spread | None, digits: int, unit: str = "") -> str:
    if figure is None:
        return "–"
    median = f"{figure.median:.{digits}f}{unit}"
    if figure.min == figure.max:
        return median
    return f"{median} ({figure.min:.{digits}f}–{figure.max:.{digits}f})"


def _cost_text(figure: Spread | None) -> str:
    if figure is None:
        return "?"
    if figure.min == figure.max:
        return usd(figure.median)
    return f"{usd(figure.median)} ({usd(figure.min)}–{usd(figure.max)})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table_rows(report: BenchmarkReport) -> list[list[str]]:
    """The summary table (header first): one row per model, median (min–max) over its runs."""
    header = ["model", "ok", "first token s", "total s", "tokens/s", "cost/run", "out tokens"]
    return [
        header,
        *(
            [
                figures.model,
                f"{figures.succeeded}/{figures.runs}",
                _spread_text(figures.first_token_s, 2),
                _spread_text(figures.latency_s, 2),
                _spread_text(figures.tokens_per_s, 1),
                _cost_text(figures.cost_usd),
                _spread_text(figures.completion_tokens, 0),
            ]
            for figures in report.models
        ),
    ]


RANKING_TITLES = {
    "fastest_first_token": ("fastest first token", " s"),
    "fastest_total": ("fastest total", " s"),
    "highest_throughput": ("highest throughput", " tok/s"),
    "cheapest": ("cheapest per run", ""),
    "best_value": ("best value (places in fastest total + cheapest)", ""),
}


def ranking_lines(report: BenchmarkReport) -> list[str]:
    lines = []
    for key, (title, unit) in RANKING_TITLES.items():
        entries: list[Ranked] = getattr(report.rankings, key)
        if not entries:
            continue
        if key == "cheapest":
            shown = [f"{r.model} ({usd(r.value)})" for r in entries]
        elif key == "best_value":
            shown = [r.model for r in entries]
        else:
            shown = [f"{r.model} ({r.value:.2f}{unit})" for r in entries]
        lines.append(f"- {title}: {', '.join(shown)}")
    return lines


def render_markdown(report: BenchmarkReport) -> str:
    """The report as Markdown: header, table, rankings, first lines of each answer, errors, files."""
    models = len(report.models)
    how = "models in parallel" if report.parallel else "one model after another"
    options = [f"{report.runs_per_model} run{'s' if report.runs_per_model != 1 else ''} each", how]
    if report.delay_seconds:
        options.append(f"{report.delay_seconds:g} s between runs")
    if report.max_tokens is not None:
        options.append(f"max_tokens {report.max_tokens}")
    if report.temperature is not None:
        options.append(f"temperature {report.temperature:g}")
    worst = f" (worst case estimated {usd(report.worst_case_usd)})" if report.worst_case_usd is not None else ""
    lines = [
        f"# Benchmark of {models} model{'s' if models != 1 else ''}",
        "",
        f"Prompt: {_cell(report.prompt)}",
        f"{'; '.join(options)}. Started {report.started_at}, took {report.wall_s:.2f} s, "
        f"cost {usd(report.total_cost_usd)} in all{worst}.",
        "",
    ]
    rows = table_rows(report)
    lines.append("| " + " | ".join(rows[0]) + " |")
    lines.append("|" + "---|" * len(rows[0]))
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows[1:]]
    lines += ["", "Median (min–max) over the runs that succeeded.", ""]
    ranked = ranking_lines(report)
    if ranked:
        lines += ["## Rankings", "", *ranked, ""]
    answers = [f"- **{f.model}**: {_cell(f.answer_preview)}" for f in report.models if f.answer_preview]
    if answers:
        lines += ["## Answers (first lines)", "", *answers, ""]
    errors = [f"- {f.model} {_cell(error)}" for f in report.models for error in f.errors or []]
    if errors:
        lines += ["## Errors", "", *errors, ""]
    lines += [f"Note: {note}" for note in report.notes or []]
    if report.saved is not None:
        lines.append(f"Saved as {report.saved.uri} ({report.saved.directory}).")
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS: Sequence[str] = (
    *(name for name, field in RunOutcome.model_fields.items() if not field.exclude),
    "cost_usd",
)


def render_csv(report: BenchmarkReport) -> str:
    """One row per run, with every figure (empty where unknown)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(CSV_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for run in report.runs:
        writer.writerow({key: _csv_value(value) for key, value in run.model_dump().items()})
    return buffer.getvalue()


def _csv_value(value: object) -> object:
    """Empty for unknown; text that a spreadsheet would run as a formula (an upstream error message
    is not ours to trust) starts with a quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
