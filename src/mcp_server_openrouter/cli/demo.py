"""`openrouter-mcp demo`: a real MCP session over stdio, offline against the simulator unless a key is set."""

from __future__ import annotations

import argparse

HELP = "walk through a live MCP session (offline simulator unless OPENROUTER_API_KEY is set)"
DESCRIPTION = (
    "Launch the real server over stdio as an MCP client does and walk through a short "
    "session. Without OPENROUTER_API_KEY everything runs against the built-in offline simulator."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--offline", action="store_true", help="use the simulator even if a key is set")
    parser.add_argument("--model", help="model for the chat steps (default: a cheap one)")


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import settings_or_exit
    from mcp_server_openrouter.cli.demo_session import run_demo

    return run_demo(settings_or_exit(), offline=args.offline, model=args.model)
