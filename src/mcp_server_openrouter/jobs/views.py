"""What `get_job_result` and `cancel_job` answer (their output schema), built from a job's record."""

from __future__ import annotations

from typing import Annotated, cast, get_args

from pydantic import BaseModel, Field, WithJsonSchema

from mcp_server_openrouter.chat.result import ReplyInfo
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.jobs.job import JobStatus
from mcp_server_openrouter.jobs.pages import split_pages
from mcp_server_openrouter.storage import JobRecord

_STATUSES = get_args(JobStatus)


class JobResult(BaseModel):
    """A job's status, one page of its text, and when done what the reply cost."""

    job_id: str
    status: JobStatus
    requested_model: str
    elapsed_seconds: float
    text: str = Field(description="This page of the reply (or of the text so far).")
    page: int
    pages: int
    error: str | None = None
    note: str | None = None
    # The schema says only "an object": its fields are chat_with_model's (in that tool's output
    # schema), and repeating them here would cost 1.3 KB of every tools/list, twice.
    result: Annotated[ReplyInfo | None, WithJsonSchema({"type": "object"})] = Field(
        default=None, description="When done: who answered, tokens, cost (as chat_with_model's answer)."
    )


def job_result(record: JobRecord, *, page: int, page_chars: int, now: float) -> JobResult:
    """Page `page` of a job (from this process or, through a shared store, another)."""
    pages = split_pages(record.text, page_chars)
    if not 1 <= page <= len(pages):
        so_far = "" if record.status == "done" else " so far"
        plural = "s" if len(pages) != 1 else ""
        raise InvalidArgumentError(
            f"page {page} does not exist: job {record.job_id} has {len(pages)} page{plural}{so_far}."
        )
    # A status this version does not know (a newer replica's) reads as still running.
    status = cast(JobStatus, record.status if record.status in _STATUSES else "running")
    return JobResult(
        job_id=record.job_id,
        status=status,
        requested_model=record.requested_model,
        elapsed_seconds=round(max((record.finished_at or now) - record.created_at, 0.0), 3),
        text=pages[page - 1],
        page=page,
        pages=len(pages),
        error=record.error,
        note=record.note,
        result=None if record.reply is None else ReplyInfo.model_validate(record.reply),
    )
