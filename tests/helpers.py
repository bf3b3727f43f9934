"""Helpers shared by the tests (fixtures live in conftest.py; plain functions and constants here)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.types import CallToolResult, TextContent

from mcp_server_openrouter.config import Settings

if TYPE_CHECKING:
    import httpx

    from mcp_server_openrouter.client import OpenRouterClient, RequestRecord

FAKE_KEY = "sk-or-v1-test-key-0000"
SIM_BASE_URL = "http://simulator.test/api/v1"
CAPTURES = Path(__file__).resolve().parent / "captures"
SHARED_CAPTURES = Path(__file__).resolve().parents[2] / "shared" / "reference" / "captures"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings pointed at the in-process simulator, with files under `tmp_path` and no .env files."""
    values: dict[str, object] = {
        "api_key": FAKE_KEY,
        "base_url": SIM_BASE_URL,
        "cache_dir": tmp_path / "cache",
        "data_dir": tmp_path / "data",
        "progress_interval_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def make_client(transport: httpx.AsyncBaseTransport, **overrides: Any) -> OpenRouterClient:
    """A client for the simulator with the test key; keyword arguments override the defaults."""
    from mcp_server_openrouter.client import OpenRouterClient

    arguments: dict[str, Any] = {"api_key": FAKE_KEY, "base_url": SIM_BASE_URL, "transport": transport}
    arguments.update(overrides)
    return OpenRouterClient(**arguments)


class Records:
    """An `on_request` hook that keeps every record."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []

    async def __call__(self, record: RequestRecord) -> None:
        self.records.append(record)


async def no_sleep(seconds: float) -> None:
    """A `sleep` for clients under test: retries happen at once."""


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Timeline:
    """One fake time for a client: `clock` (wall), `monotonic` and `sleep`, which records each wait
    and moves the time on by it (or, with `frozen`, leaves it where it is)."""

    def __init__(self, now: float = 1_800_000_000.0, *, frozen: bool = False) -> None:
        self.now = now
        self.frozen = frozen
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if not self.frozen:
            self.now += seconds

    def client_arguments(self) -> dict[str, Any]:
        """The arguments that put a client on this time: `make_client(transport, **t.client_arguments())`."""
        return {"clock": self.clock, "monotonic": self.clock, "sleep": self.sleep}


class Heard:
    """An `on_wait` hook that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def __call__(self, message: str) -> None:
        self.messages.append(message)


def text_of(result: CallToolResult) -> str:
    """The text blocks of a tool result, joined."""
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def structured_of(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a tool result, which must be a JSON object."""
    data = result.structured_content
    assert isinstance(data, dict), f"expected structured content as an object, got {data!r}"
    return data
