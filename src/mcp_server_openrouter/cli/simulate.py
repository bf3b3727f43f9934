"""`openrouter-mcp simulate`: the fake OpenRouter API on a loopback port."""

from __future__ import annotations

import argparse

HELP = "run the OpenRouter simulator on a loopback port"
DESCRIPTION = "Serve the fake OpenRouter API (for tests, demos and benchmarks) until interrupted."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import configure_logging
    from mcp_server_openrouter.simulator import serve_forever

    configure_logging("INFO")
    serve_forever(args.host, args.port)
    return 0
