"""The command a client should start: this very installation, by absolute path.

MCP clients start servers with their own PATH (Claude Desktop on macOS gets a short one that
misses Homebrew, pyenv and ~/.local/bin), so a bare `openrouter-mcp` or `python` in a config
is the most common setup failure. We write the absolute path of the console script beside the
running interpreter (a venv's `bin/`, pipx's venv), else that interpreter with
`-m mcp_server_openrouter`. An interpreter inside uv's throw-away cache (a `uvx` run) may be
deleted by `uv cache clean`, so then it is `uvx mcp-server-openrouter` through uvx's absolute path.
Started by the npm launcher (it sets OPENROUTER_MCP_LAUNCHER=npx for us), the interpreter is the
launcher's private cache venv, which a new launcher version updates in place and a cache clean
deletes: then it is `npx -y openrouter-mcp`, the way the user started it, through npx's absolute path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.setup.host import Host

MODULE = "mcp_server_openrouter"
# Set by the npm launcher (npm/lib/launcher.js) in its child's environment.
LAUNCHED_BY = "OPENROUTER_MCP_LAUNCHER"
NPX = "npx"
# How our server is named in a command line: the console scripts, the module, the distribution,
# the npm launcher — with an optional version (`mcp-server-openrouter==1.2`, `openrouter-mcp@1.2`).
_OURS = re.compile(
    rf"^({re.escape(c.APP_NAME)}|{re.escape(c.PACKAGE_NAME)}|{MODULE})(\.exe|\.cmd)?([=@<>~!].*)?$", re.IGNORECASE
)


@dataclass(frozen=True)
class Launcher:
    command: str
    args: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        return [self.command, *self.args]


def current_launcher(host: Host, executable: str) -> Launcher:
    """How to start this installation from any client (see the module docstring)."""
    if host.variable(LAUNCHED_BY) == NPX:
        # Not found on this PATH (unlikely: npx just ran us): by name, which `doctor` checks in each client.
        return Launcher(host.which(NPX) or NPX, ("-y", c.APP_NAME))
    interpreter = Path(executable).absolute()  # not resolved: a venv's python is a symlink out of it
    if _in_uv_cache(interpreter):
        uvx = host.which("uvx")
        if uvx is not None:
            return Launcher(uvx, (c.PACKAGE_NAME,))
    script = interpreter.with_name(c.APP_NAME + (".exe" if host.is_windows else ""))
    if script.is_file():
        return Launcher(str(script))
    return Launcher(str(interpreter), ("-m", MODULE))


def _in_uv_cache(interpreter: Path) -> bool:
    parts = [part.lower() for part in interpreter.parts]
    return any(part.startswith("archive-v") for part in parts) and any("uv" in part for part in parts)


def is_ours(command: object, args: object) -> bool:
    """Whether a server entry starts this server (under any of its names), whatever the launcher."""
    words = [command, *args] if isinstance(args, list) else [command]
    return any(isinstance(word, str) and _OURS.match(_base_name(word)) for word in words)


def _base_name(word: str) -> str:
    # Windows paths in a config read on any platform: split on both separators.
    return PurePath(word.replace("\\", "/")).name


def describe(command: object, args: object) -> str:
    """A server entry's command line, for messages."""
    words: Sequence[object] = [command, *args] if isinstance(args, list) else [command]
    return " ".join(str(word) for word in words)
