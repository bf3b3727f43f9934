"""The MCP clients we know, and where each keeps its configuration on each platform.

Claude Desktop: `~/Library/Application Support/Claude/` on macOS, `%APPDATA%\\Claude\\` on Windows
(or, for the MSIX build every installer ships since 2026, the package's virtualised copy under
`%LOCALAPPDATA%\\Packages\\Claude_*\\LocalCache\\Roaming\\Claude\\`: the app never reads the other),
`$XDG_CONFIG_HOME/Claude/` (else `~/.config/Claude/`) on Linux. Claude Code keeps user-scope servers
in `~/.claude.json` and project-scope ones in the project's `.mcp.json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcp_server_openrouter.setup._errors import AmbiguousConfigError
from mcp_server_openrouter.setup.host import Host

DESKTOP_FILE = "claude_desktop_config.json"


def claude_desktop_config(host: Host) -> Path:
    """The `claude_desktop_config.json` Claude Desktop reads on this host (it may not exist yet)."""
    if host.is_macos:
        return host.home / "Library" / "Application Support" / "Claude" / DESKTOP_FILE
    if host.is_windows:
        packaged = _msix_configs(host)
        if packaged:
            return packaged
        roaming = host.variable("APPDATA")
        base = Path(roaming) if roaming else host.home / "AppData" / "Roaming"
        return base / "Claude" / DESKTOP_FILE
    config = host.variable("XDG_CONFIG_HOME")
    return (Path(config) if config else host.home / ".config") / "Claude" / DESKTOP_FILE


def _msix_configs(host: Host) -> Path | None:
    local = host.variable("LOCALAPPDATA")
    packages = (Path(local) if local else host.home / "AppData" / "Local") / "Packages"
    if not packages.is_dir():
        return None
    roots = sorted(p / "LocalCache" / "Roaming" for p in packages.glob("Claude_*"))
    roots = [root for root in roots if root.is_dir()]
    if len(roots) > 1:
        # Several packages (an old one left behind): the one whose config exists is the one in use.
        existing = [root for root in roots if (root / "Claude" / DESKTOP_FILE).is_file()]
        if len(existing) != 1:
            listed = ", ".join(str(root) for root in roots)
            raise AmbiguousConfigError(
                f"found several Claude Desktop packages ({listed}) and cannot tell which one runs; open Claude "
                'Desktop, Settings > Developer > "Edit Config" once so its file exists, then run this again'
            )
        roots = existing
    return roots[0] / "Claude" / DESKTOP_FILE if roots else None


def claude_code_user_config(host: Host) -> Path:
    """Where `claude mcp add --scope user` keeps its servers (`mcpServers` at the top level)."""
    return host.home / ".claude.json"


def project_mcp_json(host: Host) -> Path:
    """A project's `.mcp.json` (Claude Code's project scope), in the working directory."""
    return host.cwd / ".mcp.json"


@dataclass(frozen=True)
class KnownConfig:
    """A client configuration file `doctor` looks into: `servers_key` holds the servers (TOML for Codex)."""

    client: str
    path: Path
    reinstall: str  # the command that writes a working entry
    servers_key: str = "mcpServers"
    gui: bool = False  # started by a desktop app: it does not see the shell's PATH
    shell_env: bool = False  # passes the whole environment of the shell it runs in to its servers

    @property
    def is_toml(self) -> bool:
        return self.path.suffix == ".toml"


def known_configs(host: Host) -> list[KnownConfig]:
    """Every client configuration file we know of on this host, whether it exists or not."""
    codex_home = host.variable("CODEX_HOME")
    codex = (Path(codex_home) if codex_home else host.home / ".codex") / "config.toml"
    install = "openrouter-mcp install"
    try:
        desktop = [KnownConfig("Claude Desktop", claude_desktop_config(host), f"{install} claude-desktop", gui=True)]
    except AmbiguousConfigError:
        desktop = []  # `install claude-desktop` says which packages it found; nothing to read here
    return [
        *desktop,
        KnownConfig("Claude Code (user)", claude_code_user_config(host), f"{install} claude-code", shell_env=True),
        KnownConfig(
            "Claude Code (project)", project_mcp_json(host), f"{install} claude-code --scope project", shell_env=True
        ),
        KnownConfig("Cursor", host.home / ".cursor" / "mcp.json", f"{install} --print cursor", gui=True),
        KnownConfig("Cursor (project)", host.cwd / ".cursor" / "mcp.json", f"{install} --print cursor", gui=True),
        KnownConfig(
            "Windsurf", host.home / ".codeium" / "windsurf" / "mcp_config.json", f"{install} --print windsurf", gui=True
        ),
        KnownConfig(
            "VS Code (workspace)", host.cwd / ".vscode" / "mcp.json", f"{install} --print vscode", "servers", gui=True
        ),
        KnownConfig("Codex CLI", codex, f"{install} --print codex"),
    ]
