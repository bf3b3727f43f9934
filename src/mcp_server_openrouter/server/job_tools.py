"""The job tools: read a job's result (waiting for it a while) and cancel one. Recent jobs are
the `openrouter://jobs` resource, not another tool: every tool costs context in every client."""

from __future__ import annotations

import json
from typing import Annotated

from mcp.types import CallToolResult, ImageContent
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.chat import ReplyInfo
from mcp_server_openrouter.jobs import Job, JobResult, job_result, record_of
from mcp_server_openrouter.server._tooling import IDEMPOTENT, READ_ONLY, AppCtx, ToolSet, app_of, result
from mcp_server_openrouter.server.chat_tools import next_page_hint, running_text

tools = ToolSet()

JOBS_URI = "openrouter://jobs"
# Under Claude Desktop's ~60 s cut-off for a tool call, with room for the answer.
MAX_WAIT_SECONDS = 50

JobId = Annotated[str, Field(description="The job_id a chat call returned.")]
# Typed `object` so our checks word the errors (not pydantic's, with links to its docs).
WaitSeconds = Annotated[
    object, WithJsonSchema({"type": "number", "description": f"Wait up to this long (0–{MAX_WAIT_SECONDS} s)."})
]
Page = Annotated[object, WithJsonSchema({"type": "integer", "description": "Page of a long reply (from 1)."})]


@tools.add(READ_ONLY)
async def get_job_result(
    job_id: JobId,
    ctx: AppCtx,
    wait_seconds: WaitSeconds = 0,
    page: Page = 1,
) -> Annotated[CallToolResult, JobResult]:
    """A job's status and reply (or text so far); waits up to wait_seconds."""
    wait_seconds = v.number_between(wait_seconds, "wait_seconds", 0, MAX_WAIT_SECONDS)
    page = v.int_between(page, "page", 1, 1_000_000)
    app = app_of(ctx)
    if not app.jobs.knows(job_id):
        stored = await app.jobs.stored(job_id)
        if stored is not None:  # run by another replica sharing the store: its last saved state
            return _answer(job_result(stored, page=page, page_chars=app.calls.page_chars, now=app.clock()))
    job = app.jobs.get(job_id)
    if wait_seconds > 0 and not job.finished:

        async def on_progress(progress: float, total: float | None, message: str) -> None:
            await ctx.report_progress(progress, total, message)

        job.listen(on_progress)
        try:
            await app.jobs.wait(job, wait_seconds)
        finally:
            job.unlisten(on_progress)
    return _answer(_view(app, job, page), job if page == 1 else None)


@tools.add(IDEMPOTENT)
async def cancel_job(job_id: JobId, ctx: AppCtx) -> Annotated[CallToolResult, JobResult]:
    """Stop a running job; returns the text so far."""
    app = app_of(ctx)
    job = app.jobs.get(job_id)
    if not job.finished:
        job.cancel()
        await app.jobs.wait(job, 5)  # the stream closes within milliseconds; this only bounds a stuck one
    return _answer(_view(app, job, 1))


def _view(app: AppContext, job: Job, page: int) -> JobResult:
    # From the job in hand: a foreground caller woken by the same finish may already have forgotten it.
    return job_result(record_of(job), page=page, page_chars=app.calls.page_chars, now=app.clock())


def _answer(view: JobResult, job: Job | None = None) -> CallToolResult:
    """The view as a tool result; with the job, the images its reply carries as MCP image content."""
    answer = result(render_job(view), view.model_dump(mode="json", exclude_none=True))
    pictures = job.result.image_data if job is not None and job.result is not None else []
    answer.content.extend(ImageContent(type="image", data=data, mime_type=mime) for mime, data in pictures)
    return answer


def render_job(view: JobResult) -> str:
    if view.status in ("queued", "running"):
        note = f"{view.status} for {view.elapsed_seconds:.0f} s" + (f"; {view.note}" if view.note else "")
        return running_text(view.job_id, note, view.text)
    if view.status == "done" and view.result is not None:
        pages = f"\n— {next_page_hint(view.job_id, view.page, view.pages)}" if view.pages > 1 else ""
        return f"{view.text}\n\n— {ReplyInfo.footer(view.result)}{pages}"
    what = "failed" if view.status == "failed" else "was cancelled"
    text = f"Job {view.job_id} {what} after {view.elapsed_seconds:.1f} s"
    text += f": {view.error}" if view.error else "."
    if view.text:
        text += (
            f"\n\nText received before it ended ({next_page_hint(view.job_id, view.page, view.pages)}):\n{view.text}"
        )
    return text


def recent_jobs(app: AppContext) -> str:
    """The `openrouter://jobs` resource: recent jobs of this server, newest first, as JSON."""
    now = app.clock()
    listed = []
    for job in app.jobs.recent():
        record = record_of(job)
        listed.append(
            {
                "job_id": record.job_id,
                "status": record.status,
                "requested_model": record.requested_model,
                "elapsed_seconds": round((record.finished_at or now) - record.created_at, 3),
                "characters": len(record.text),
                **({"note": record.note} if record.note else {}),
                **({"error": record.error} if record.error else {}),
            }
        )
    return redact(json.dumps({"jobs": listed}, indent=2))
