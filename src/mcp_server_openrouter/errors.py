"""Errors of the domain layer (bad arguments), separate from HTTP errors in `client`.

The MCP layer turns both into `ToolError` messages; the CLI prints them. Each message
says what was wrong and how to fix it.
"""

from __future__ import annotations

from mcp_server_openrouter._redact import redact


class InvalidArgumentError(ValueError):
    """An argument the caller can fix (wrong type, out of range, unknown model id)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))
