"""`openrouter-mcp dashboard`: the local dashboard (spend, budgets, account, jobs, benchmark
reports, models) on loopback, opened in the browser.

It listens on 127.0.0.1 only (a free port unless `--port`), with a random access token in the
URL it prints; see `dashboard/web.py` for what guards it. It reads the same ledger, caches and
reports as the servers on this machine. Jobs live in the process running them: this command's
own process runs none, so its jobs page is empty; `serve --http` shows its jobs at `/dashboard`.
It serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.dashboard.web import DashboardAccess

logger = logging.getLogger(__name__)

HELP = "open the local dashboard: spend, budgets, jobs, benchmark reports, models"
DESCRIPTION = (
    "Serve the dashboard on 127.0.0.1 (spend over time against the budgets, the account, the costliest calls, "
    "jobs, saved benchmark reports and the model catalogue) and open it in the browser. The URL it prints "
    "carries a random access token; nothing else can open the pages. Stop it with Ctrl-C."
)
HOST = "127.0.0.1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    parser.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")


def run(args: argparse.Namespace) -> int:
    import secrets

    from mcp_server_openrouter.cli._common import configure_logging, fail, settings_or_exit
    from mcp_server_openrouter.dashboard.web import DashboardAccess
    from mcp_server_openrouter.server.http import bind_socket

    if not 0 <= args.port <= 65535:
        return fail(f"--port {args.port} is not a port: give 1–65535, or 0 for a free one", 2)
    settings = settings_or_exit()
    configure_logging(settings.log_level)
    try:
        sock = bind_socket(HOST, args.port)
    except OSError as exc:
        return fail(f"could not listen on {HOST} port {args.port}: {exc.strerror or exc}; choose another --port", 2)
    with sock:
        access = DashboardAccess(secrets.token_urlsafe(24))
        url = access.url(f"http://{HOST}:{sock.getsockname()[1]}")
        print(f"Dashboard: {url}", flush=True)
        print("Stop it with Ctrl-C.", flush=True)
        if not args.no_browser:
            _open_browser(url)
        import anyio

        status: int = anyio.run(_serve, settings, access, sock)
    return status


def _open_browser(url: str) -> None:
    """Open `url` in a graphical browser; with no display (a server, SSH) just say to open it."""
    from mcp_server_openrouter.config import host_variables

    variables = host_variables()
    if sys.platform.startswith("linux") and not (variables.get("DISPLAY") or variables.get("WAYLAND_DISPLAY")):
        # Python would otherwise start a text browser (lynx, w3m) in this very terminal.
        print("No display here: open the URL above in a browser.", flush=True)
        return
    import webbrowser

    if not webbrowser.open(url):
        print("Could not start a browser: open the URL above.", flush=True)


async def _serve(settings: Settings, access: DashboardAccess, sock: socket.socket) -> int:
    import anyio

    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.cli.serve import Stop, stop_on_signals
    from mcp_server_openrouter.dashboard.web import Dashboard
    from mcp_server_openrouter.server.http import web_server

    stop = Stop()
    async with open_app(settings) as app:
        web = web_server(Dashboard(lambda: app, access))
        async with anyio.create_task_group() as group:
            if sys.platform != "win32":
                await group.start(stop_on_signals, lambda: setattr(web, "should_exit", True), stop)
            await web.serve(sockets=[sock])
            group.cancel_scope.cancel()
    return stop.status
