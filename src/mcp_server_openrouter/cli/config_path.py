"""`openrouter-mcp config-path`: where settings are read from, and where files go."""

from __future__ import annotations

import argparse

HELP = "print where settings are read from"
DESCRIPTION = (
    "Print the .env files read (in increasing priority), the cache, data and reports directories, the base URL "
    "and where each of them (and the key) came from."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter._redact import strip_url_credentials
    from mcp_server_openrouter.cli._common import settings_or_exit
    from mcp_server_openrouter.config import env_files

    settings = settings_or_exit()
    for path in env_files():
        state = "found" if path.is_file() else "absent"
        print(f".env ({state}): {path.resolve()}")
    reports_from = settings.origin("reports_dir") if settings.reports_dir is not None else "the data dir"
    key = f"set (from {settings.origin('api_key')})" if settings.api_key is not None else "not set"
    print(f"cache dir: {settings.cache_dir} (from {settings.origin('cache_dir')})")
    print(f"data dir: {settings.data_dir} (from {settings.origin('data_dir')})")
    print(f"reports dir: {settings.resolved_reports_dir} (from {reports_from})")
    print(f"base url: {strip_url_credentials(settings.base_url)} (from {settings.base_url_origin})")
    print(f"api key: {key}")
    return 0
