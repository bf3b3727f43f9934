"""Jobs: chat calls that run in the server's task group and outlive the tool call that began
them (`job`, `manager`), the chat calls the tools make through them (`calls`: foreground
timeout, background, pages of long replies) and what polling a job answers (`views`).
Nothing here knows about MCP."""

from mcp_server_openrouter.jobs.calls import ChatCalls
from mcp_server_openrouter.jobs.job import Job, JobStatus
from mcp_server_openrouter.jobs.manager import JobManager, record_of
from mcp_server_openrouter.jobs.pages import page_chars, split_pages
from mcp_server_openrouter.jobs.views import JobResult, job_result

__all__ = [
    "ChatCalls",
    "Job",
    "JobManager",
    "JobResult",
    "JobStatus",
    "job_result",
    "page_chars",
    "record_of",
    "split_pages",
]
