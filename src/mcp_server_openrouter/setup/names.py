"""The names the setup commands take: kept apart and import-free, since every start-up builds their `--help`."""

from __future__ import annotations

SERVER_NAME = "openrouter"  # our entry's name in every client's configuration
INSTALLABLE = ("claude-desktop", "claude-code")  # clients whose configuration `install` edits
PRINTABLE = ("claude-desktop", "claude-code", "cursor", "windsurf", "vscode", "codex", "generic")
SCOPES = ("user", "project")  # Claude Code's: every project of this user, or this project's .mcp.json
