"""The comparison tools: `benchmark_models` and `ask_panel`. Saved reports are resources
(`openrouter://reports` and one per report), not another tool."""

from __future__ import annotations

import json
from typing import Annotated

from mcp.server.mcpserver.exceptions import ResourceError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import WithJsonSchema

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.bench import (
    BenchmarkReport,
    BenchService,
    PanelResult,
    list_reports,
    plan_benchmark,
    plan_panel,
    read_report,
    render_markdown,
)
from mcp_server_openrouter.bench.panel import render_panel
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.server._confirm import AskFirst, confirmer
from mcp_server_openrouter.server._tooling import WRITES, AppCtx, ToolSet, app_of, result
from mcp_server_openrouter.usage.budget import cost_limit

tools = ToolSet()

# Typed `object` so our checks word the errors (not pydantic's); every byte here is read by the model.
Models = Annotated[object, WithJsonSchema({"type": "array", "items": {"type": "string"}})]
# Text or chat messages (undescribed: its bytes went to ask_panel's max_cost_usd and background).
Prompt = Annotated[object, WithJsonSchema({"type": ["string", "array"]})]
# `true`, or a name for the report (reduced to a safe base name; a path is refused).
SaveReport = Annotated[object, WithJsonSchema({"type": ["boolean", "string"]})]
# Each panel answer gets at most this share of the output budget, and never more than this.
MOST_ANSWER_CHARS = 4000
# Each tool answers, or (MCP 2026-07-28) asks the client to confirm a costly benchmark or panel first.
BenchmarkToolResult = Annotated[CallToolResult, BenchmarkReport] | InputRequiredResult
PanelToolResult = Annotated[CallToolResult, PanelResult] | InputRequiredResult


def bench_service(app: AppContext) -> BenchService:
    settings = app.settings
    return BenchService(
        catalog=app.catalog,
        client=app.get_client,
        jobs=app.jobs,
        reports_dir=settings.resolved_reports_dir,
        foreground_timeout=settings.foreground_timeout_seconds,
        has_key=settings.key() is not None,
        guard=app.spending,
        key_id=app.key_id,
    )


@tools.add(WRITES)
async def benchmark_models(
    models: Models,
    prompt: str,
    ctx: AppCtx,
    runs: int = 1,
    delay_seconds: float | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    system: str | None = None,
    parallel: bool = True,
    max_cost_usd: float | None = None,
    save_report: SaveReport = False,
    background: bool = False,
) -> BenchmarkToolResult:
    """Compare 1-10 models on a prompt: first-token time, latency, tokens/s, cost."""
    plan = plan_benchmark(
        models=models,
        prompt=prompt,
        runs=runs,
        delay_seconds=delay_seconds or 0,
        max_tokens=max_tokens,
        temperature=temperature,
        system=system,
        parallel=parallel,
    )
    limit = cost_limit(max_cost_usd, "max_cost_usd")

    try:
        report = await bench_service(app_of(ctx)).benchmark(
            plan,
            max_cost_usd=limit,
            confirm=confirmer(ctx),
            save=save_report is not False,
            report_name=None if isinstance(save_report, bool) else save_report,
            background=background,
            on_progress=ctx.report_progress,
        )
    except AskFirst as ask:
        return ask.result  # nothing was sent; the client asks its user and calls again
    text = render_markdown(report) if report.status == "done" else f"Benchmark job {report.job_id}: {report.note}."
    return result(text, report.model_dump(mode="json", exclude_none=True))


@tools.add(WRITES)
async def ask_panel(
    models: Models,
    prompt: Prompt,
    ctx: AppCtx,
    judge_model: str | None = None,
    criteria: str | None = None,
    max_tokens: int | None = None,
    max_cost_usd: float | None = None,
    background: bool = False,
) -> PanelToolResult:
    """Ask 2-8 models at once; judge_model ranks answers."""
    plan = plan_panel(models=models, prompt=prompt, judge_model=judge_model, criteria=criteria, max_tokens=max_tokens)
    limit = cost_limit(max_cost_usd, "max_cost_usd")
    app = app_of(ctx)
    share = app.calls.page_chars // (len(plan.models) + 2)  # room for the judge's verdict too

    try:
        answer = await bench_service(app).panel(
            plan,
            answer_chars=max(500, min(MOST_ANSWER_CHARS, share)),
            max_cost_usd=limit,
            confirm=confirmer(ctx),
            background=background,
            on_progress=ctx.report_progress,
        )
    except AskFirst as ask:
        return ask.result
    text = render_panel(answer) if answer.status == "done" else f"Panel job {answer.job_id}: {answer.note}."
    return result(text, answer.model_dump(mode="json", exclude_none=True))


def saved_reports(settings: Settings) -> str:
    """The `openrouter://reports` resource: saved reports, newest first, as JSON."""
    return redact(json.dumps({"reports": list_reports(settings.resolved_reports_dir)}, indent=2))


def saved_report(settings: Settings, name: str) -> str:
    """One saved report's Markdown (`openrouter://reports/{name}`)."""
    try:
        return redact(read_report(settings.resolved_reports_dir, name))
    except InvalidArgumentError as exc:
        raise ResourceError(str(exc)) from None
    except OSError as exc:
        raise ResourceError(f"the report {name!r} could not be read: {exc.strerror or exc}") from None
