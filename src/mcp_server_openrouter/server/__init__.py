"""The MCP layer: tool declarations over the domain, one module per domain.

`create_server` assembles them. The lifespan opens the `AppContext` (settings, client,
caches, stores, background tasks) that every tool reaches through its request context;
nothing here talks HTTP directly.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.bench.reports import REPORTS_URI
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import bench_tools, catalog_tools, chat_tools, job_tools, spending_tools, usage_tools

if TYPE_CHECKING:
    import httpx

INSTRUCTIONS = (
    "Chat with any OpenRouter model. Find model ids, capabilities and prices with list_available_models "
    "(filters, paging) or get_model_info; chat_with_model replies with the text plus the answering model, "
    "tokens and cost in USD. A call still running after ~50 s (or with background=true) returns a job_id: "
    "fetch the reply with get_job_result; long replies come in pages the same way."
)


# The messages that open a session: the handshake era confirms with `notifications/initialized`
# (after `initialize` was answered); the 2026 era starts with `server/discover`.
_SESSION_STARTED = frozenset({"notifications/initialized", "server/discover"})


async def warm_up_when_initialized(ctx: ServerRequestContext[AppContext, Any], call_next: CallNext) -> HandlerResult:
    """Middleware: once a session has started, build the upstream client in the background."""
    app = ctx.lifespan_context
    with app.activity():
        outcome = await call_next(ctx)
    if ctx.method in _SESSION_STARTED:
        app.warm_up()
    return outcome


# Each server's running app (while its lifespan is open), for callers outside a request: the dashboard.
_RUNNING: weakref.WeakKeyDictionary[MCPServer[AppContext], list[AppContext]] = weakref.WeakKeyDictionary()


def running_app(server: MCPServer[AppContext]) -> AppContext | None:
    """The app of `server`'s run, or None before it has started (or after it ended)."""
    running = _RUNNING.get(server)
    return running[-1] if running else None


def create_server(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    remote_clients: bool = False,
) -> MCPServer[AppContext]:
    """Build the MCP server. `transport` lets tests route HTTP to the in-process simulator;
    `remote_clients` (HTTP mode) reads no local file unless OPENROUTER_ALLOWED_DIRS names its directory."""
    settings = settings if settings is not None else Settings()

    running: list[AppContext] = []  # the app of the server's run, for resources and the dashboard (no context)

    @asynccontextmanager
    async def lifespan(_: MCPServer[AppContext]) -> AsyncIterator[AppContext]:
        async with open_app(settings, transport=transport, remote_clients=remote_clients) as app:
            running.append(app)
            try:
                yield app
            finally:
                running.remove(app)

    server = MCPServer(
        "openrouter",
        title="OpenRouter",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url=c.DEFAULT_APP_URL,
        lifespan=lifespan,
        log_level=settings.log_level,
        tools=[
            *chat_tools.tools.declare(),
            *job_tools.tools.declare(),
            *catalog_tools.tools.declare(),
            *spending_tools.tools.declare(),
            *bench_tools.tools.declare(),
            *usage_tools.tools.declare(),
        ],
        middleware=[warm_up_when_initialized],
    )
    _RUNNING[server] = running

    @server.resource(
        job_tools.JOBS_URI,
        name="jobs",
        description="Recent chat jobs of this server (status, model, elapsed time), newest first.",
        mime_type="application/json",
    )
    def recent_jobs() -> str:
        return job_tools.recent_jobs(running[-1])

    @server.resource(
        REPORTS_URI, name="reports", description="Saved benchmark reports, newest first.", mime_type="application/json"
    )
    def reports() -> str:
        return bench_tools.saved_reports(settings)

    @server.resource(
        REPORTS_URI + "/{name}",
        name="report",
        description="A saved benchmark report (Markdown).",
        mime_type="text/markdown",
    )
    def report(name: str) -> str:
        return bench_tools.saved_report(settings, name)

    return server
