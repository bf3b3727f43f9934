"""`openrouter-mcp uninstall <client>`: take this server out of Claude Desktop or Claude Code, and nothing else."""

from __future__ import annotations

import argparse

HELP = "remove this server from Claude Desktop or Claude Code (only our entry)"
DESCRIPTION = (
    "Remove the 'openrouter' entry that starts this server from the client's configuration, keeping every other "
    "server and a backup of the file; an 'openrouter' entry that starts some other server is left alone."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mcp_server_openrouter.cli.install import add_common
    from mcp_server_openrouter.setup.names import INSTALLABLE, SCOPES

    parser.add_argument("client", choices=INSTALLABLE, help="the client to remove this server from")
    add_common(parser, SCOPES)


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import fail
    from mcp_server_openrouter.cli.install import CLIENT_NAMES, report
    from mcp_server_openrouter.setup import install
    from mcp_server_openrouter.setup.host import Host

    if args.scope is not None and args.client != "claude-code":
        return fail("--scope is for claude-code only", code=2)
    host = Host.current()
    if args.client == "claude-desktop":
        outcome = install.uninstall_desktop(host, dry_run=args.dry_run)
    else:
        outcome = install.uninstall_claude_code(host, scope=args.scope or "user", dry_run=args.dry_run)
    report(outcome, CLIENT_NAMES[args.client], dry_run=args.dry_run, adding=False)
    return 0
