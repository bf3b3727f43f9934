"""Command line: `openrouter-mcp [COMMAND]`; `openrouter-mcp --help` lists the commands.

With no command it serves MCP over stdio, which is what MCP clients launch. In that mode
stdout carries JSON-RPC only: everything else goes to stderr through `logging`.

Each command is a module here with `HELP`, `DESCRIPTION`, `add_arguments(parser)` and
`run(args) -> int`; adding a command is a new module and a line in `COMMANDS`. Command
modules import only light things at module level (heavy ones inside `run`), so `--help`
and start-up stay fast.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import import_module
from types import ModuleType

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c

# command name -> module under mcp_server_openrouter.cli
COMMANDS = {
    "serve": "serve",
    "demo": "demo",
    "simulate": "simulate",
    "models": "models",
    "cache": "cache",
    "config-path": "config_path",
    "init": "init",
    "install": "install",
    "uninstall": "uninstall",
    "doctor": "doctor",
    "bench": "bench",
    "usage": "usage",
    "account": "account",
    "dashboard": "dashboard",
}
DEFAULT_COMMAND = "serve"


def _command(name: str) -> ModuleType:
    return import_module(f"{__name__}.{COMMANDS[name]}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=c.APP_NAME,
        description="MCP server for every model on OpenRouter. With no command, serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = _command(name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.DESCRIPTION)
        sub.add_argument("--version", action="version", version=f"{c.APP_NAME} {__version__}")
        module.add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result: int = _command(args.command or DEFAULT_COMMAND).run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a command never ends in a traceback: say what broke
        return _failure(exc)
    return result


def _failure(exc: Exception) -> int:
    from mcp_server_openrouter.cli._common import fail
    from mcp_server_openrouter.errors import OpenRouterMCPError

    if isinstance(exc, OpenRouterMCPError):
        return fail(str(exc))
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        hint = "check the paths shown by `openrouter-mcp config-path`"
        return fail(f"could not use{where}: {exc.strerror or exc}; {hint}")
    return fail(
        f"unexpected error ({type(exc).__name__}: {exc}); this is a bug in openrouter-mcp, "
        "please report it with the command you ran."
    )
