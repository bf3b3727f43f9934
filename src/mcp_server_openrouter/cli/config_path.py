"""`openrouter-mcp config-path`: where settings are read from, and where files go."""

from __future__ import annotations

import argparse

HELP = "print where settings are read from"
DESCRIPTION = "Print the .env files read (in increasing priority) and the cache and data directories."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import settings_or_exit
    from mcp_server_openrouter.config import env_files

    settings = settings_or_exit()
    for path in env_files():
        state = "found" if path.is_file() else "absent"
        print(f".env ({state}): {path.resolve()}")
    print(f"cache dir: {settings.cache_dir}")
    print(f"data dir: {settings.data_dir}")
    print(f"reports dir: {settings.resolved_reports_dir}")
    print(f"base url: {settings.base_url}")
    print(f"api key: {'set' if settings.api_key else 'not set'}")
    return 0
