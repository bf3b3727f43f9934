"""The operating system's own variables that `install`, `uninstall` and `doctor` need.

They are not settings: they say where programs are (PATH, PATHEXT) and where other applications
keep their configuration (APPDATA, LOCALAPPDATA, XDG_CONFIG_HOME, CODEX_HOME), whether there is a
display for a browser (DISPLAY, WAYLAND_DISPLAY: `dashboard`), or how this process
was started (OPENROUTER_MCP_LAUNCHER, which the npm launcher sets for its child: `npx`), so they come
from the process environment only, never from a `.env` file. Read here because `config` is the one
reader of the environment; `setup.Host.current()` and `dashboard` are their callers, and tests build a `Host`
from their own mapping instead.
"""

from __future__ import annotations

import os

HOST_VARIABLES = (
    "PATH",
    "PATHEXT",
    "APPDATA",
    "LOCALAPPDATA",
    "XDG_CONFIG_HOME",
    "CODEX_HOME",
    "OPENROUTER_MCP_LAUNCHER",
    # Whether a graphical browser can open (`dashboard`): a display on Linux.
    "DISPLAY",
    "WAYLAND_DISPLAY",
)


def host_variables() -> dict[str, str]:
    """The variables of `HOST_VARIABLES` that are set in this process's environment."""
    return {name: os.environ[name] for name in HOST_VARIABLES if name in os.environ}
