"""Setting the process's local time zone for a test (POSIX `TZ` and `time.tzset`)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def local_time_zone(monkeypatch: pytest.MonkeyPatch, name: str) -> Iterator[None]:
    """The process's local time is `name` inside the block, and what it was afterwards."""
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    before = os.environ.get("TZ")
    monkeypatch.setenv("TZ", name)
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            monkeypatch.delenv("TZ")
        else:
            monkeypatch.setenv("TZ", before)
        time.tzset()
