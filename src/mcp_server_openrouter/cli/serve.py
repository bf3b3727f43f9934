"""`openrouter-mcp serve` (the default): MCP over stdio, what clients launch; with `--http`, MCP
over Streamable HTTP for clients on other machines (see `server/http.py` for who may come in).

It serves until the client goes away (closes stdin) or a signal asks it to stop. SIGTERM and
SIGINT take the client-going-away path: the SDK's input ends (see `_stdin`), the run is
cancelled, so every call in flight closes its upstream stream at once, and the app context
ends its background tasks and closes its client before the process exits. Exit status: 0
when the client left or on SIGTERM (the polite stop an MCP client or a service manager
sends), 130 on SIGINT (128 + 2, what a shell expects of a program stopped with Ctrl-C, and
what every other command returns when interrupted). A second signal while shutting down
gets the default behaviour: it ends the process at once. SIGTERM during start-up, before the
event loop listens, exits 0 as well. POSIX only: on Windows the SDK reads stdin as it always
did and no signal is handled.

Over HTTP the same signals stop it the same way (exit status 0, or 130 after SIGINT): the MCP
sessions end first, closing every upstream stream and cancelling jobs, then the connections.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket
    from types import FrameType

    from anyio.abc import TaskStatus
    from mcp.server.mcpserver import MCPServer

    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.dashboard.web import DashboardAccess
    from mcp_server_openrouter.server.http import HttpOptions

logger = logging.getLogger(__name__)

HELP = "serve MCP over stdio (the default), or over Streamable HTTP with --http"
DESCRIPTION = (
    "Serve MCP over stdio; this is what MCP clients launch. With --http, serve the same tools over "
    "Streamable HTTP at /mcp (health check: /healthz). Settings come from the environment and .env "
    "files (see the README); MCP_HTTP_TOKEN is the bearer token HTTP clients must send."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--http", action="store_true", help="serve MCP over Streamable HTTP instead of stdio")
    parser.add_argument(
        "--host", help="address to listen on with --http (default 127.0.0.1; any other needs MCP_HTTP_TOKEN)"
    )
    parser.add_argument("--port", type=int, help="port to listen on with --http (default 8000; 0 picks a free one)")
    parser.add_argument(
        "--per-user-keys",
        action="store_true",
        help="with --http: each request brings its own OpenRouter key in the X-OpenRouter-Key header",
    )


def run(args: argparse.Namespace) -> int:
    # Until the event loop listens for signals (see `serve`), SIGTERM ends start-up just as quietly.
    signal.signal(signal.SIGTERM, _exit_at_once)
    from mcp_server_openrouter.cli._common import configure_logging, fail, settings_or_exit

    # `openrouter-mcp` with no command has none of these options: it is stdio.
    http = getattr(args, "http", False)
    http_only = (getattr(args, "host", None), getattr(args, "port", None), getattr(args, "per_user_keys", None))
    if not http and any(option not in (None, False) for option in http_only):
        return fail("--host, --port and --per-user-keys go with --http (stdio has no address)", 2)
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if http:
        return _run_http(settings, args)
    import anyio

    from mcp_server_openrouter.server import create_server

    _log_upstream(settings)
    server = create_server(settings)
    dashboard = None
    if settings.dashboard_port is not None:
        dashboard = _bind_dashboard(settings.dashboard_port)
        if dashboard is None:
            return fail(f"OPENROUTER_MCP_DASHBOARD_PORT {settings.dashboard_port} is taken; choose another, or 0", 2)
    # uvloop (installed where it has wheels) takes ~0.4 ms off every tool call: see perf/latency.py.
    status: int = anyio.run(serve, server, dashboard, backend_options={"use_uvloop": _has_uvloop()})
    # Everything we opened is closed. The interpreter's last garbage collection would walk the
    # SDK's million-odd objects (~0.25 s on a CI-class VM); frozen, they are skipped and the
    # process ends in ~15 ms, so a client waiting for the server to exit is not kept waiting.
    gc.freeze()
    return status


def _log_upstream(settings: Settings, *, per_user_keys: bool = False) -> None:
    from mcp_server_openrouter._redact import strip_url_credentials

    # Where requests go and why: a base URL from a surprising place is visible at once.
    logger.info("base URL %s (from %s)", strip_url_credentials(settings.base_url), settings.base_url_origin)
    if per_user_keys:
        logger.info("per-user keys: each request's X-OpenRouter-Key header; OPENROUTER_API_KEY is not used for them")
    elif settings.api_key is None:
        logger.warning("OPENROUTER_API_KEY is not set: tools that call OpenRouter will say how to set it")
    else:
        logger.info("API key from %s", settings.origin("api_key"))


def _run_http(settings: Settings, args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.cli._common import fail
    from mcp_server_openrouter.server import create_server
    from mcp_server_openrouter.server.http import DEFAULT_HOST, DEFAULT_PORT, HttpOptions, bind_socket, exposure_problem

    host = args.host or DEFAULT_HOST
    port = DEFAULT_PORT if args.port is None else args.port
    if not 0 <= port <= 65535:  # the OS would take 70000 as 4464
        return fail(f"--port {port} is not a port: give 1–65535, or 0 for a free one", 2)
    options = HttpOptions.of(settings, host=host, port=port, per_user_keys=args.per_user_keys)
    problem = exposure_problem(options)
    if problem is not None:
        return fail(problem, 2)
    try:
        sock = bind_socket(host, port)
    except OSError as exc:
        return fail(f"could not listen on {host} port {port}: {exc.strerror or exc}; choose another --port", 2)
    with sock:
        options = dataclasses.replace(options, port=sock.getsockname()[1])
        _log_upstream(settings, per_user_keys=options.per_user_keys)
        logger.info("dashboard at %s", options.dashboard_url())
        logger.info("serving MCP over Streamable HTTP at %s (health check: /healthz)", options.url)
        if options.token is None:
            whose = "" if options.per_user_keys else " (and its key)"
            logger.warning("MCP_HTTP_TOKEN is not set: any program on this machine can use this server%s", whose)
        server = create_server(settings, remote_clients=True)
        status: int = anyio.run(serve_http, server, options, sock, backend_options={"use_uvloop": _has_uvloop()})
    gc.freeze()  # as after stdio: the exit skips a last collection of the SDK's objects
    return status


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@dataclass
class Stop:
    """The signal that asked the server to stop, if one did."""

    signal: signal.Signals | None = None

    @property
    def status(self) -> int:
        return 128 + signal.SIGINT if self.signal == signal.SIGINT else 0


@dataclass(frozen=True)
class _DashboardSocket:
    """The stdio server's dashboard: its bound socket and who may open it."""

    sock: socket.socket
    access: DashboardAccess


def _bind_dashboard(port: int) -> _DashboardSocket | None:
    """The dashboard's socket on 127.0.0.1 and its URL in the log (stderr); None: the port is taken."""
    import secrets

    from mcp_server_openrouter.dashboard.web import DashboardAccess
    from mcp_server_openrouter.server.http import bind_socket

    try:
        sock = bind_socket("127.0.0.1", port)
    except OSError:
        return None
    access = DashboardAccess(secrets.token_urlsafe(24))
    logger.info(
        "dashboard of this server (its jobs too) at %s", access.url(f"http://127.0.0.1:{sock.getsockname()[1]}")
    )
    return _DashboardSocket(sock, access)


async def _serve_dashboard(server: MCPServer[Any], dashboard: _DashboardSocket) -> None:
    """The dashboard over this server's running app, until cancelled (the client left)."""
    from mcp_server_openrouter.dashboard.web import Dashboard
    from mcp_server_openrouter.server import running_app
    from mcp_server_openrouter.server.http import web_server

    with dashboard.sock:
        await web_server(Dashboard(lambda: running_app(server), dashboard.access)).serve(sockets=[dashboard.sock])


async def serve(server: MCPServer[Any], dashboard: _DashboardSocket | None = None) -> int:
    """Serve MCP over stdio until the client leaves or SIGTERM/SIGINT; the exit status.

    With `dashboard`, the dashboard is served beside it, on loopback, until then.
    """
    import anyio

    from mcp_server_openrouter.cli._stdin import EndableInput, available

    if not available():  # Windows: no signals to handle; the SDK reads stdin as usual
        async with anyio.create_task_group() as group:
            if dashboard is not None:
                group.start_soon(_serve_dashboard, server, dashboard)
            await server.run_stdio_async()
            group.cancel_scope.cancel()
        return 0
    stop = Stop()
    with EndableInput() as stdin:
        async with anyio.create_task_group() as group:

            def end_the_run() -> None:
                stdin.end()
                group.cancel_scope.cancel()

            await group.start(stop_on_signals, end_the_run, stop)
            if dashboard is not None:
                group.start_soon(_serve_dashboard, server, dashboard)
            await server.run_stdio_async()
            group.cancel_scope.cancel()  # the client left: stop listening for signals (and serving the dashboard)
    return stop.status


async def serve_http(server: MCPServer[Any], options: HttpOptions, sock: socket.socket) -> int:
    """Serve MCP over Streamable HTTP on `sock` until SIGTERM/SIGINT; the exit status."""
    import anyio

    from mcp_server_openrouter.server import http

    stop = Stop()
    stopping = anyio.Event()
    if sys.platform == "win32":  # no signal handlers in asyncio there: Ctrl-C interrupts as usual
        await http.serve(server, options, sock, stopping)
        return 0
    async with anyio.create_task_group() as group:
        await group.start(stop_on_signals, stopping.set, stop)
        await http.serve(server, options, sock, stopping)
        group.cancel_scope.cancel()  # stopped without a signal: stop listening for them
    return stop.status


async def stop_on_signals(on_stop: Callable[[], None], stop: Stop, *, task_status: TaskStatus[None]) -> None:
    """On the first SIGTERM or SIGINT: `on_stop()` (end the input or the sessions, cancel the run)."""
    import anyio

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        task_status.started()
        async for received in signals:
            stop.signal = signal.Signals(received)
            logger.info("%s received: closing upstream connections and exiting", stop.signal.name)
            on_stop()
            return


def _has_uvloop() -> bool:
    from importlib.util import find_spec

    return find_spec("uvloop") is not None
