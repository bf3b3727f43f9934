"""Loopback fixtures: the simulator loopback on a port, and settings with the production throttle.

In-process tests go through `httpx.ASGITransport`, which runs the app to completion and hands
over the whole body at once; only a real socket shows when bytes arrive.
"""

from __future__ import annotations

from pathlib import Path

from mcp_server_openrouter.config import Settings

from ..helpers import make_settings

TIMEOUT = 0.5
"""OPENROUTER_TIMEOUT for these tests: small, so a stall is found quickly."""

PRODUCTION_INTERVAL: float = Settings.model_fields["progress_interval_seconds"].default
"""The progress throttle a server runs with unless OPENROUTER_MCP_PROGRESS_INTERVAL says otherwise."""


def loopback_settings(tmp_path: Path, base_url: str, **overrides: object) -> Settings:
    """Settings for the simulator at `base_url`: small timeout, no retries, the production throttle."""
    values: dict[str, object] = {
        "base_url": base_url,
        "timeout_seconds": TIMEOUT,
        "max_retries": 0,
        "progress_interval_seconds": PRODUCTION_INTERVAL,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)
