"""Adding our server to a client, and taking it out again: plans first, then (unless a dry run) the change.

Claude Desktop: our entry merged into `claude_desktop_config.json` (see `jsonconfig`). Claude Code:
`claude mcp add|remove` when `claude` is on PATH (after a look at its file: an entry of ours is
removed first so `add` can replace it, anyone else's is refused); without `claude`, the project's
`.mcp.json` is edited for the project scope, and for the user scope the exact command is printed.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.setup import jsonconfig as jc
from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.clients import claude_code_user_config, claude_desktop_config, project_mcp_json
from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.launcher import Launcher
from mcp_server_openrouter.setup.snippets import (
    KEY_PLACEHOLDER,
    claude_add_argv,
    claude_remove_argv,
    command_line,
)
from mcp_server_openrouter.setup.userenv import KEY_VARIABLE

Run = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


@dataclass
class Outcome:
    """What an install or uninstall did (or, in a dry run, would do)."""

    path: Path | None = None
    diff: str = ""
    backup: Path | None = None
    written: bool = False
    commands: list[str] = field(default_factory=list)  # run (or to run), key redacted
    to_paste: str | None = None  # a command the user must run: `claude` is not on PATH
    nothing_to_do: bool = False


def run_quietly(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def change_file(
    path: Path,
    entry: dict[str, object] | None,
    *,
    dry_run: bool,
    private: bool = False,
    servers_key: str = "mcpServers",
    clock: Callable[[], float] = time.time,
) -> Outcome:
    """Put `entry` as our server in a JSON config (None: take ours out); see `jsonconfig`."""
    config = jc.read_config(path, servers_key)
    data = jc.with_entry(config, entry, servers_key) if entry is not None else jc.without_entry(config, servers_key)
    if data is None:
        return Outcome(path=path, nothing_to_do=True)
    text = jc.render(config, data)
    outcome = Outcome(path=path, diff=redact(jc.diff(config, text)))
    if not outcome.diff:
        outcome.nothing_to_do = True
    elif not dry_run:
        outcome.backup = jc.save(config, text, private=private, clock=clock)
        outcome.written = True
    return outcome


def install_desktop(host: Host, launcher: Launcher, *, key: str | None, dry_run: bool) -> Outcome:
    env = {KEY_VARIABLE: key} if key else None
    entry = jc.server_entry(launcher.argv(), env)
    return change_file(claude_desktop_config(host), entry, dry_run=dry_run, private=key is not None)


def uninstall_desktop(host: Host, *, dry_run: bool) -> Outcome:
    return change_file(claude_desktop_config(host), None, dry_run=dry_run)


def install_claude_code(
    host: Host, launcher: Launcher, *, scope: str, key: str | None, dry_run: bool, run: Run = run_quietly
) -> Outcome:
    if key is not None and scope == "project":
        raise SetupError(
            "--with-key is refused with --scope project: a project's .mcp.json is usually committed, and the key "
            "would go with it. Leave the key in the user .env (`openrouter-mcp init`) and install without it"
        )
    claude = host.which("claude")
    if claude is None:
        if scope == "project":
            return change_file(project_mcp_json(host), jc.server_entry(launcher.argv()), dry_run=dry_run)
        shown = claude_add_argv("claude", scope, launcher, KEY_PLACEHOLDER if key else None)
        return Outcome(to_paste=command_line(shown, windows=host.is_windows))
    ours_already = _our_entry_exists(host, scope)
    commands = [claude_remove_argv(claude, scope)] if ours_already else []
    commands.append(claude_add_argv(claude, scope, launcher, key))
    return _run_all(commands, dry_run=dry_run, run=run, host=host)


def uninstall_claude_code(host: Host, *, scope: str, dry_run: bool, run: Run = run_quietly) -> Outcome:
    claude = host.which("claude")
    if claude is None:
        if scope == "project":
            return change_file(project_mcp_json(host), None, dry_run=dry_run)
        return Outcome(to_paste=command_line(claude_remove_argv("claude", scope), windows=host.is_windows))
    if not _our_entry_exists(host, scope):
        return Outcome(path=_claude_code_file(host, scope), nothing_to_do=True)
    return _run_all([claude_remove_argv(claude, scope)], dry_run=dry_run, run=run, host=host)


def _claude_code_file(host: Host, scope: str) -> Path:
    return claude_code_user_config(host) if scope == "user" else project_mcp_json(host)


def _our_entry_exists(host: Host, scope: str) -> bool:
    """Whether Claude Code has an `openrouter` server in that scope; `SetupError` if it is someone else's."""
    try:
        config = jc.read_config(_claude_code_file(host, scope))
    except SetupError:
        return False  # unreadable here: `claude` itself reports what is wrong with its file
    jc.refuse_foreign(config)
    return config.entry() is not None


def _run_all(commands: list[list[str]], *, dry_run: bool, run: Run, host: Host) -> Outcome:
    outcome = Outcome(commands=[redact(command_line(argv, windows=host.is_windows)) for argv in commands])
    if dry_run:
        return outcome
    for argv, shown in zip(commands, outcome.commands, strict=True):
        done = run(argv)
        if done.returncode != 0:
            said = redact((done.stderr or done.stdout or "").strip()) or f"exit status {done.returncode}"
            raise SetupError(f"`{shown}` failed: {said}")
    outcome.written = True
    return outcome
