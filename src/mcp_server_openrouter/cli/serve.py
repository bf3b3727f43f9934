"""`openrouter-mcp serve` (the default): MCP over stdio, what clients launch."""

from __future__ import annotations

import argparse
import logging

HELP = "serve MCP over stdio (the default)"
DESCRIPTION = (
    "Serve MCP over stdio; this is what MCP clients launch. Settings come from the "
    "environment and .env files (see the README)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter._redact import strip_url_credentials
    from mcp_server_openrouter.cli._common import configure_logging, settings_or_exit
    from mcp_server_openrouter.server import create_server

    settings = settings_or_exit()
    configure_logging(settings.log_level)
    logger = logging.getLogger(__name__)
    # Where requests go and why: a base URL from a surprising place is visible at once.
    logger.info("base URL %s (from %s)", strip_url_credentials(settings.base_url), settings.base_url_origin)
    if settings.api_key is None:
        logger.warning("OPENROUTER_API_KEY is not set: tools that call OpenRouter will say how to set it")
    else:
        logger.info("API key from %s", settings.origin("api_key"))
    server = create_server(settings)
    # uvloop (installed where it has wheels) takes ~0.4 ms off every tool call: see perf/latency.py.
    anyio.run(server.run_stdio_async, backend_options={"use_uvloop": _has_uvloop()})
    return 0


def _has_uvloop() -> bool:
    from importlib.util import find_spec

    return find_spec("uvloop") is not None
