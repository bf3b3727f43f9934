"""Each implementation is a valid store wherever its protocol is expected (mypy checks the calls).

The functions below take the `Protocol`, never the class, so `mypy --strict tests/storage`
fails if an implementation stops conforming; the tests run the same behaviour on each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_server_openrouter.storage import CatalogStore, ResponseStore, StoredCatalog
from mcp_server_openrouter.storage.catalog_file import CatalogFile
from mcp_server_openrouter.storage.responses import SQLiteResponseStore

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio

STORED = StoredCatalog([{"id": "openai/gpt-4o", "name": "GPT-4o"}], "http://a/v1", 1_800_000_000.0)


async def exercise_catalog_store(store: CatalogStore, path: Path) -> None:
    before = await store.describe()
    assert before["path"] == store.location == str(path) and before["exists"] is False
    assert await store.load(STORED.base_url) is None
    await store.save(STORED)
    assert await store.load(STORED.base_url) == STORED
    assert await store.load("http://elsewhere/v1") is None
    assert (await store.describe())["exists"] is True
    assert await store.clear() is True
    assert await store.clear() is False
    assert await store.load(STORED.base_url) is None


async def exercise_response_store(store: ResponseStore, path: Path) -> None:
    before = await store.describe()
    assert before["path"] == store.location == str(path) and before["exists"] is False
    assert await store.get("k") is None
    await store.put("k", "openai/gpt-4o", {"text": "four"})
    assert await store.get("k") == {"text": "four"}
    assert await store.get("other") is None
    assert (await store.describe())["exists"] is True
    assert await store.clear() is True
    assert await store.clear() is False
    assert await store.get("k") is None


async def test_the_catalogue_file_behaves_as_a_catalog_store(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "openrouter_model_cache.json"
    await exercise_catalog_store(CatalogFile(path), path)


async def test_the_sqlite_response_store_behaves_as_a_response_store(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "r.sqlite3"
    store = SQLiteResponseStore(path, ttl_seconds=100, max_entries=10, clock=FakeClock(1_800_000_000.0))
    await exercise_response_store(store, path)
