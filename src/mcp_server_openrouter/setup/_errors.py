"""The errors of the installers (kept beside them; their base is the package's one tree in `errors.py`)."""

from __future__ import annotations

from mcp_server_openrouter.errors import OpenRouterMCPError


class SetupError(OpenRouterMCPError):
    """A client's configuration cannot be changed safely; the message says why and what to do.

    Raised before anything is written: the file is left exactly as it was.
    """


class AmbiguousConfigError(SetupError):
    """Several Claude Desktop packages, none with a config file: which one runs is not known."""
