"""`openrouter-mcp serve` (the default): MCP over stdio, what clients launch.

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
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

    from anyio import CancelScope
    from anyio.abc import TaskStatus
    from mcp.server.mcpserver import MCPServer

    from mcp_server_openrouter.cli._stdin import EndableInput

logger = logging.getLogger(__name__)

HELP = "serve MCP over stdio (the default)"
DESCRIPTION = (
    "Serve MCP over stdio; this is what MCP clients launch. Settings come from the "
    "environment and .env files (see the README)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    # Until the event loop listens for signals (see `serve`), SIGTERM ends start-up just as quietly.
    signal.signal(signal.SIGTERM, _exit_at_once)
    import anyio

    from mcp_server_openrouter._redact import strip_url_credentials
    from mcp_server_openrouter.cli._common import configure_logging, settings_or_exit
    from mcp_server_openrouter.server import create_server

    settings = settings_or_exit()
    configure_logging(settings.log_level)
    # Where requests go and why: a base URL from a surprising place is visible at once.
    logger.info("base URL %s (from %s)", strip_url_credentials(settings.base_url), settings.base_url_origin)
    if settings.api_key is None:
        logger.warning("OPENROUTER_API_KEY is not set: tools that call OpenRouter will say how to set it")
    else:
        logger.info("API key from %s", settings.origin("api_key"))
    server = create_server(settings)
    # uvloop (installed where it has wheels) takes ~0.4 ms off every tool call: see perf/latency.py.
    status: int = anyio.run(serve, server, backend_options={"use_uvloop": _has_uvloop()})
    # Everything we opened is closed. The interpreter's last garbage collection would walk the
    # SDK's million-odd objects (~0.25 s on a CI-class VM); frozen, they are skipped and the
    # process ends in ~15 ms, so a client waiting for the server to exit is not kept waiting.
    gc.freeze()
    return status


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


@dataclass
class _Stop:
    """The signal that asked the server to stop, if one did."""

    signal: signal.Signals | None = None

    @property
    def status(self) -> int:
        return 128 + signal.SIGINT if self.signal == signal.SIGINT else 0


async def serve(server: MCPServer[Any]) -> int:
    """Serve MCP over stdio until the client leaves or SIGTERM/SIGINT; the exit status."""
    import anyio

    from mcp_server_openrouter.cli._stdin import EndableInput, available

    if not available():  # Windows: no signals to handle; the SDK reads stdin as usual
        await server.run_stdio_async()
        return 0
    stop = _Stop()
    with EndableInput() as stdin:
        async with anyio.create_task_group() as group:
            await group.start(_stop_on_signals, stdin, group.cancel_scope, stop)
            await server.run_stdio_async()
            group.cancel_scope.cancel()  # the client left: stop listening for signals
    return stop.status


async def _stop_on_signals(
    stdin: EndableInput, scope: CancelScope, stop: _Stop, *, task_status: TaskStatus[None]
) -> None:
    """On the first SIGTERM or SIGINT: end the SDK's input and cancel the run."""
    import anyio

    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        task_status.started()
        async for received in signals:
            stop.signal = signal.Signals(received)
            logger.info("%s received: closing upstream connections and exiting", stop.signal.name)
            stdin.end()
            scope.cancel()
            return


def _has_uvloop() -> bool:
    from importlib.util import find_spec

    return find_spec("uvloop") is not None
