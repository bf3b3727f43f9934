"""The two-layer catalogue cache, with an injected clock: no sleeps."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from mcp_server_openrouter.catalog.cache import CatalogCache, CatalogSnapshot, SingleFlight
from mcp_server_openrouter.client import APIConnectionError, NotFoundError, ServiceUnavailableError
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.simulator import Simulator, build_catalog
from mcp_server_openrouter.storage import StoredCatalog
from mcp_server_openrouter.storage.catalog_file import CatalogFile
from mcp_server_openrouter.storage.memory import LRUCache

from .helpers import FakeClock, make_settings

pytestmark = pytest.mark.anyio
BASE = "https://openrouter.test/api/v1"
MODELS = build_catalog()[:40]
START = 1_800_000_000.0  # the fake clock's first reading: a plausible Unix time


class Upstream:
    """A fetch function that counts calls and can be told to fail."""

    def __init__(self, models: list[dict[str, Any]] | None = None) -> None:
        self.models = models if models is not None else MODELS
        self.calls = 0
        self.error: Exception | None = None
        self.gate: anyio.Event | None = None

    async def __call__(self) -> list[dict[str, Any]]:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        return self.models


def outage(exc: Exception) -> bool:
    return isinstance(exc, (APIConnectionError, ServiceUnavailableError))


def make_cache(
    tmp_path: Path, upstream: Upstream, clock: FakeClock, ttl: float = 3600, base: str = BASE
) -> CatalogCache:
    return CatalogCache(
        upstream,
        base_url=base,
        store=CatalogFile(tmp_path / "openrouter_model_cache.json"),
        ttl_seconds=ttl,
        clock=clock,
        can_fall_back=outage,
    )


def test_the_lru_forgets_the_least_recently_used_entry() -> None:
    lru: LRUCache[str, int] = LRUCache(2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert lru.get("b") is None and lru.get("a") == 1 and lru.get("c") == 3
    assert len(lru) == 2
    zero: LRUCache[str, int] = LRUCache(0)
    zero.put("a", 1)
    assert zero.get("a") is None


def test_the_lru_is_bounded_by_weight_as_well_as_by_entries() -> None:
    lru: LRUCache[str, bytes] = LRUCache(256, max_weight=10_000, weigh=lambda key, value: len(key) + len(value))
    for index in range(30):
        lru.put(f"search {index}", b"x" * 4_000)
    assert lru.weight <= 10_000 and len(lru) == 2  # the two most recent fit
    assert lru.get("search 29") is not None and lru.get("search 0") is None
    lru.put("huge", b"x" * 20_000)  # heavier than the whole budget: never kept
    assert lru.get("huge") is None and len(lru) == 2


def test_a_search_of_megabytes_is_refused_before_it_reaches_any_cache() -> None:
    from mcp_server_openrouter.catalog import ModelQuery
    from mcp_server_openrouter.errors import InvalidArgumentError

    with pytest.raises(InvalidArgumentError, match=r"`search` is 4,194,304 characters long; give a few words"):
        ModelQuery.build(search="x" * 4 * 1024 * 1024)
    assert ModelQuery.build(search="claude " * 70).search  # 490 characters is fine


async def test_a_fresh_catalogue_is_answered_from_memory(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    first = await cache.get()
    clock.now += 3599
    second = await cache.get()
    assert first.source == "network" and second.source == "memory"
    assert upstream.calls == 1
    assert second.catalog is first.catalog  # parsed once, reused


async def test_an_expired_catalogue_is_fetched_again(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    await cache.get()
    clock.now += 3600
    assert (await cache.get()).source == "network"
    assert upstream.calls == 2


async def test_the_file_records_time_and_base_url_and_serves_a_restart(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    await make_cache(tmp_path, upstream, clock).get()
    stored = json.loads((tmp_path / "openrouter_model_cache.json").read_text())
    assert stored["base_url"] == BASE and stored["fetched_at"] == clock.now and len(stored["models"]) == 40
    clock.now += 60
    restarted = make_cache(tmp_path, upstream, clock)
    snapshot = await restarted.get()
    assert snapshot.source == "file" and snapshot.age_seconds(clock.now) == 60
    assert upstream.calls == 1
    assert not list(tmp_path.glob(".*.tmp"))  # no temp file left behind


async def test_a_file_from_another_base_url_is_not_used(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    await make_cache(tmp_path, upstream, clock).get()
    other = make_cache(tmp_path, upstream, clock, base="http://localhost:1234/v1")
    assert (await other.get()).source == "network"
    assert upstream.calls == 2
    assert json.loads((tmp_path / "openrouter_model_cache.json").read_text())["base_url"] == "http://localhost:1234/v1"


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"version": 1, "models": "nope", "fetched_at": 1}',
        b"[]",
        b'{"version": 99}',
        b"",
        bytes(range(256)) * 64,  # binary junk
        b"[" * 100_000 + b"]" * 100_000,  # nested deeper than the JSON parser's recursion limit
    ],
    ids=["not-json", "models-not-a-list", "a-list", "future-format", "empty", "binary", "deeply-nested"],
)
async def test_a_corrupt_file_is_logged_ignored_and_replaced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, content: bytes
) -> None:
    path = tmp_path / "openrouter_model_cache.json"
    path.write_bytes(content)
    upstream, clock = Upstream(), FakeClock(START)
    with caplog.at_level(logging.WARNING, logger="mcp_server_openrouter.storage.catalog_file"):
        snapshot = await make_cache(tmp_path, upstream, clock).get()
    assert snapshot.source == "network" and len(snapshot.catalog) == 40
    assert any("corrupt" in message for message in caplog.messages)
    assert json.loads(path.read_text())["version"] == 1


async def test_a_file_dated_in_the_future_is_not_fresh_forever(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    await make_cache(tmp_path, upstream, clock).get()
    path = tmp_path / "openrouter_model_cache.json"
    stored = json.loads(path.read_text())
    path.write_text(json.dumps({**stored, "fetched_at": START + 10 * 365 * 86400}))
    snapshot = await make_cache(tmp_path, upstream, clock).get()
    assert snapshot.source == "network" and upstream.calls == 2


async def test_an_unreadable_or_unwritable_cache_never_breaks_a_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "openrouter_model_cache.json").mkdir()  # a directory where the file should be
    upstream, clock = Upstream(), FakeClock(START)
    with caplog.at_level(logging.WARNING, logger="mcp_server_openrouter.cache"):
        snapshot = await make_cache(tmp_path, upstream, clock).get()
    assert len(snapshot.catalog) == 40
    assert any("unreadable" in m for m in caplog.messages)
    assert any("could not write" in m for m in caplog.messages)


async def test_ttl_zero_fetches_every_time_and_writes_nothing(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock, ttl=0)
    await cache.get()
    await cache.get()
    assert upstream.calls == 2
    assert list(tmp_path.iterdir()) == []


async def test_a_failed_refresh_answers_from_the_stale_copy_and_says_how_old(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    await cache.get()
    clock.now += 5 * 3600
    upstream.error = APIConnectionError("could not reach OpenRouter")
    snapshot = await cache.get()
    assert snapshot.stale_reason == "could not reach OpenRouter"
    assert snapshot.age_seconds(clock.now) == 5 * 3600
    assert len(snapshot.catalog) == 40


async def test_after_a_failed_refresh_the_network_is_retried_only_a_minute_later(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    await cache.get()
    clock.now += 2 * 3600
    upstream.error = APIConnectionError("offline")
    for _ in range(5):
        assert (await cache.get()).stale_reason == "offline"
        clock.now += 10
    assert upstream.calls == 2  # one success, then one failed refresh for the next 50 s of calls
    clock.now += 10
    upstream.error = None
    recovered = await cache.get()
    assert recovered.stale_reason is None and recovered.source == "network"
    assert upstream.calls == 3


async def test_a_failed_refresh_after_a_restart_falls_back_to_the_file(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    await make_cache(tmp_path, upstream, clock).get()
    clock.now += 2 * 3600
    upstream.error = ServiceUnavailableError("down", status=503)
    snapshot = await make_cache(tmp_path, upstream, clock).get()
    assert snapshot.stale_reason and snapshot.source == "file"


async def test_with_no_copy_a_failed_fetch_is_a_clear_error(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    upstream.error = APIConnectionError("could not reach https://openrouter.ai/api/v1")
    with pytest.raises(APIConnectionError, match="could not reach"):
        await make_cache(tmp_path, upstream, clock).get()


async def test_errors_that_are_not_outages_are_raised_even_with_a_stale_copy(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    await cache.get()
    clock.now += 2 * 3600
    upstream.error = NotFoundError("no such endpoint", status=404)
    with pytest.raises(NotFoundError):
        await cache.get()


async def test_refresh_true_skips_both_layers(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    cache = make_cache(tmp_path, upstream, clock)
    await cache.get()
    assert (await cache.get(refresh=True)).source == "network"
    assert upstream.calls == 2


async def test_concurrent_calls_during_a_refresh_share_one_upstream_request(tmp_path: Path) -> None:
    upstream, clock = Upstream(), FakeClock(START)
    upstream.gate = anyio.Event()
    cache = make_cache(tmp_path, upstream, clock)
    results: list[CatalogSnapshot] = []

    async def call() -> None:
        results.append(await cache.get())

    async with anyio.create_task_group() as group:
        for _ in range(10):
            group.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        upstream.gate.set()
    assert upstream.calls == 1
    assert len({id(r.catalog) for r in results}) == 1


async def test_single_flight_shares_a_failure_and_lets_a_waiter_take_over_from_a_cancelled_leader() -> None:
    flight: SingleFlight[int] = SingleFlight()
    gate = anyio.Event()
    calls = 0

    async def failing() -> int:
        nonlocal calls
        calls += 1
        await gate.wait()
        raise ValueError("boom")

    errors: list[str] = []

    async def call() -> None:
        try:
            await flight.run(failing)
        except ValueError as exc:
            errors.append(str(exc))

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        group.start_soon(call)
        await anyio.wait_all_tasks_blocked()
        gate.set()
    assert calls == 1 and errors == ["boom", "boom"]

    async def slow() -> int:
        await anyio.sleep_forever()
        return 0

    async def quick() -> int:
        return 7

    results: list[int] = []
    async with anyio.create_task_group() as group:
        leader = anyio.CancelScope()

        async def lead() -> None:
            with leader:
                await flight.run(slow)

        async def follow() -> None:
            results.append(await flight.run(quick))

        group.start_soon(lead)
        await anyio.wait_all_tasks_blocked()
        group.start_soon(follow)
        await anyio.wait_all_tasks_blocked()
        leader.cancel()
    assert results == [7]


def test_concurrent_writers_never_leave_a_half_written_file(tmp_path: Path) -> None:
    """Two writers (as two server processes would) and a reader: every read is a whole file."""
    path = tmp_path / "openrouter_model_cache.json"
    big = build_catalog()
    stop = threading.Event()
    bad_reads: list[str] = []

    def write(base: str) -> None:
        file = CatalogFile(path)
        for index in range(15):
            file.save_sync(StoredCatalog(big, base, float(index)))

    def read() -> None:
        file = CatalogFile(path)
        while not stop.is_set():
            if path.exists():
                text = path.read_text()
                try:
                    json.loads(text)
                except ValueError:
                    bad_reads.append(text[-40:])
            loaded = file.load_sync("http://a")
            assert loaded is None or len(loaded.models) == len(big)

    reader = threading.Thread(target=read)
    writers = [threading.Thread(target=write, args=(base,)) for base in ("http://a", "http://b")]
    reader.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    assert bad_reads == []
    assert not list(tmp_path.glob(".*.tmp"))


async def test_the_service_serves_filtered_pages_from_the_simulator_once(
    tmp_path: Path, simulator: Simulator, settings: Settings
) -> None:
    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.catalog import ModelQuery

    async with open_app(settings, transport=httpx.ASGITransport(app=simulator.app)) as app:
        query = ModelQuery.build(supports=["vision"], limit=10)
        first, _ = await app.catalog.list_models(query)
        second, snapshot = await app.catalog.list_models(query)
        other, _ = await app.catalog.list_models(ModelQuery.build(provider="openai"))
    assert second is first  # the page came from the memory LRU
    assert snapshot.source == "memory" and other.total > 0
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) == 1


async def test_pages_are_recomputed_when_a_new_catalogue_arrives(tmp_path: Path, simulator: Simulator) -> None:
    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.catalog import ModelQuery

    clock = FakeClock(START)
    transport = httpx.ASGITransport(app=simulator.app)
    query = ModelQuery.build(provider="openai", limit=100)
    async with open_app(make_settings(tmp_path), transport=transport, clock=clock) as app:
        before, _ = await app.catalog.list_models(query)
        simulator.models.append({**simulator.models[0], "id": "openai/gpt-9-preview", "name": "OpenAI: GPT-9"})
        clock.now += 3600  # the catalogue expires
        after, snapshot = await app.catalog.list_models(query)
    assert snapshot.source == "network"
    assert after.total == before.total + 1
    assert "openai/gpt-9-preview" in [m.id for m in after.models]


def test_a_key_an_upstream_echoed_into_the_catalogue_is_never_written_to_the_file(tmp_path: Path) -> None:
    from mcp_server_openrouter import _redact

    key = "gsk_catalogue+echo/key=0123"
    _redact.register_secret(key)  # forgotten after the test (conftest)
    echoed = [{**MODELS[0], "name": f"Model served for {key}", "description": f"key {key}"}]
    path = tmp_path / "openrouter_model_cache.json"
    CatalogFile(path).save_sync(StoredCatalog(echoed, BASE, START))
    text = path.read_text()
    assert key not in text and "[redacted key]" in text
