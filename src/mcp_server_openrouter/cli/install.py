"""`openrouter-mcp install <client>`: add this server to Claude Desktop or Claude Code; `--print` for the rest."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_server_openrouter.setup.install import Outcome

HELP = "add this server to Claude Desktop or Claude Code, or print the config for another client"
DESCRIPTION = (
    "claude-desktop: merge an 'openrouter' entry into claude_desktop_config.json (other servers untouched, a backup "
    "kept, written atomically). claude-code: `claude mcp add` when claude is on PATH, else .mcp.json (project "
    "scope) or the exact command to run. --print CLIENT: the snippet for cursor, windsurf, vscode, codex or a "
    "generic client. The command written is the absolute path of this installation; the key stays in the user "
    "config .env (`openrouter-mcp init`) unless --with-key."
)
CLIENT_NAMES = {"claude-desktop": "Claude Desktop", "claude-code": "Claude Code"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from mcp_server_openrouter.setup.names import INSTALLABLE, PRINTABLE, SCOPES

    parser.add_argument(
        "client",
        nargs="?",
        choices=PRINTABLE,
        help=f"the client to add this server to ({', '.join(INSTALLABLE)}; for the others, its snippet is printed)",
    )
    parser.add_argument(
        "--print",
        dest="print_for",
        choices=PRINTABLE,
        metavar="CLIENT",
        help=f"print the configuration for CLIENT ({', '.join(PRINTABLE)}) instead of installing",
    )
    add_common(parser, SCOPES)
    parser.add_argument(
        "--with-key",
        action="store_true",
        help="put the key in the client's config too (default: the server reads it from the user config .env)",
    )


def add_common(parser: argparse.ArgumentParser, scopes: tuple[str, ...]) -> None:
    """The options `install` and `uninstall` share."""
    parser.add_argument("--scope", choices=scopes, help="claude-code only: user (default, every project) or project")
    parser.add_argument("--dry-run", action="store_true", help="show what would change (a diff) and change nothing")


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import fail
    from mcp_server_openrouter.setup.host import Host
    from mcp_server_openrouter.setup.launcher import current_launcher
    from mcp_server_openrouter.setup.names import INSTALLABLE

    if (args.client is None) == (args.print_for is None):
        return fail("name one client to install into (claude-desktop, claude-code), or --print CLIENT", code=2)
    if args.scope is not None and args.client != "claude-code":
        return fail("--scope is for claude-code only", code=2)
    if args.client is not None and args.client not in INSTALLABLE:
        args.print_for = args.client  # a client whose file we do not edit: show what to paste, and where
    host = Host.current()
    launcher = current_launcher(host, sys.executable)
    if args.print_for is not None:
        from mcp_server_openrouter.setup.snippets import snippet

        found = snippet(args.print_for, launcher, with_key=args.with_key, windows=host.is_windows)
        sys.stdout.write(found.text)
        sys.stderr.write(found.how + "\n")
        return 0
    key = _key_to_write() if args.with_key else None
    from mcp_server_openrouter.setup import install

    if args.client == "claude-desktop":
        outcome = install.install_desktop(host, launcher, key=key, dry_run=args.dry_run)
    else:
        scope = args.scope or "user"
        outcome = install.install_claude_code(host, launcher, scope=scope, key=key, dry_run=args.dry_run)
    report(outcome, CLIENT_NAMES[args.client], dry_run=args.dry_run, adding=True)
    if key is None and not args.dry_run:
        _warn_without_key()
    return 0


def _key_to_write() -> str:
    from mcp_server_openrouter.cli._common import settings_or_exit
    from mcp_server_openrouter.errors import MissingAPIKeyError

    key = settings_or_exit().key()
    if key is None:
        raise MissingAPIKeyError()
    return key


def report(outcome: Outcome, client: str, *, dry_run: bool, adding: bool) -> None:
    """Say what was done (or would be), on stdout; never the key (diffs and commands come redacted)."""
    if outcome.to_paste is not None:
        sys.stderr.write("`claude` is not on PATH; run this where it is:\n")
        print(outcome.to_paste)
        return
    if outcome.nothing_to_do:
        where = f" ({outcome.path})" if outcome.path else ""
        state = "already starts this server exactly so" if adding else "has no entry for this server"
        print(f"{client}{where} {state}: nothing changed.")
        return
    if dry_run:
        print(outcome.diff, end="") if outcome.diff else print("\n".join(outcome.commands))
        print("Dry run: nothing was changed.")
        return
    for command in outcome.commands:
        print(f"Ran: {command}")
    if outcome.path is not None:
        print(f"{'Added to' if adding else 'Removed from'} {client}: {outcome.path}")
    if outcome.backup is not None:
        print(f"Backup of the previous file: {outcome.backup}")
    print(f"Restart {client} (or reload its MCP servers) to apply it.")


def _warn_without_key() -> None:
    from mcp_server_openrouter.setup.userenv import has_key, user_env_file

    if not has_key():
        sys.stderr.write(
            f"Note: the server will look for the key in {user_env_file()}, which has none yet: run "
            "`openrouter-mcp init` (or install again with --with-key).\n"
        )
