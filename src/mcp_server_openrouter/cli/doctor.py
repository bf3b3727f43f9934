"""`openrouter-mcp doctor`: check the whole setup and say, for each problem, the exact fix.

Exit status 1 when there is a problem (warnings alone leave it 0). The key is never printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.setup.findings import Finding
    from mcp_server_openrouter.setup.probe import Probe

HELP = "check the setup: Python, settings and where they came from, key and credit, service, clients"
DESCRIPTION = (
    "Report the Python and package versions, where each setting came from (environment, user .env, working-directory "
    ".env) and its value (the key redacted), whether the key is valid, its spending, limit and remaining credit and "
    "the account's balance (GET /key and /credits, as `openrouter-mcp account`; they spend nothing), whether the "
    "base URL answers and how fast, whether the cache and data directories are writable, and which MCP clients "
    "start this server and whether that command works. Each problem comes with its fix; the exit status is 1 when "
    "there is one."
)
LABELS = {"ok": "ok", "info": "info", "warning": "warning", "problem": "PROBLEM"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter import __version__
    from mcp_server_openrouter.cli._common import settings_or_exit
    from mcp_server_openrouter.config import ENVIRONMENT, env_files
    from mcp_server_openrouter.setup import doctor
    from mcp_server_openrouter.setup.client_check import KeyPlaces, about_clients
    from mcp_server_openrouter.setup.clients import known_configs
    from mcp_server_openrouter.setup.host import Host
    from mcp_server_openrouter.setup.userenv import has_key

    settings = settings_or_exit()
    host = Host.current()
    found = anyio.run(_probe, settings)
    in_environment = settings.api_key is not None and settings.origin("api_key") == ENVIRONMENT
    keys = KeyPlaces(user_env=has_key(), environment=in_environment)
    python = tuple(sys.version_info[:3])
    sections = {
        "Python and package": doctor.about_python(python, sys.executable, __version__, sys.platform),
        "Settings": doctor.about_settings(settings, env_files()),
        "OpenRouter": doctor.about_service(found, settings),
        "Directories": doctor.about_directories(settings),
        "MCP clients": about_clients(host, known_configs(host), version=__version__, keys=keys),
    }
    return _print(sections)


async def _probe(settings: Settings) -> Probe:
    from mcp_server_openrouter.app import build_client
    from mcp_server_openrouter.setup.probe import probe

    async with build_client(settings) as client:
        return await probe(client)


def _print(sections: dict[str, list[Finding]]) -> int:
    from mcp_server_openrouter._redact import redact

    counts = {"problem": 0, "warning": 0}
    lines: list[str] = []
    for title, findings in sections.items():
        lines.append(title)
        for finding in findings:
            level = finding.level.value
            counts[level] = counts.get(level, 0) + 1
            lines.append(f"  {LABELS[level]:<8} {finding.text}")
            if finding.fix:
                lines.append(f"  {'':<8} fix: {finding.fix}")
    problems, warnings = counts["problem"], counts["warning"]
    if problems or warnings:
        lines.append(f"{problems} problem(s), {warnings} warning(s).")
    else:
        lines.append("No problems found.")
    print(redact("\n".join(lines)))
    return 1 if problems else 0
