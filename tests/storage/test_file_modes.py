"""What the stores write is private: files `0600` (the SQLite WAL siblings too) in `0700` directories."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_server_openrouter.storage import StoredCatalog
from mcp_server_openrouter.storage.catalog_file import CatalogFile
from mcp_server_openrouter.storage.responses import SQLiteResponseStore
from mcp_server_openrouter.storage.sqlite import SQLiteDatabase

pytestmark = [pytest.mark.anyio, pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")]

NOTES = "CREATE TABLE notes (text TEXT);"
STORED = StoredCatalog([{"id": "openai/gpt-4o"}], "http://a", 1.0)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 0, so anything we did not create private on purpose would come out world-readable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
async def test_a_new_database_and_its_wal_siblings_are_0600_in_a_0700_directory(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "store" / "d.sqlite3", [NOTES])

    def modes_while_open(c: sqlite3.Connection) -> dict[str, int]:
        c.execute("INSERT INTO notes VALUES ('x')")  # the WAL siblings exist while a connection is open
        return {f.name: mode(f) for f in db.files}

    assert await db.run(modes_while_open, write=True) == {
        "d.sqlite3": 0o600,
        "d.sqlite3-wal": 0o600,
        "d.sqlite3-shm": 0o600,
    }
    assert mode(db.path.parent) == 0o700


async def test_looser_modes_found_on_the_database_its_siblings_and_its_directory_are_tightened(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "store"
    db = SQLiteDatabase(directory / "d.sqlite3", [NOTES])
    await db.run(lambda c: None)
    for sibling in db.files[1:]:
        sibling.write_bytes(b"")  # left behind by a process that crashed
    for path in db.files:
        path.chmod(0o644)
    directory.chmod(0o755)
    assert await db.run(lambda c: {f.name: mode(f) for f in db.files}) == {
        "d.sqlite3": 0o600,
        "d.sqlite3-wal": 0o600,
        "d.sqlite3-shm": 0o600,
    }
    assert mode(directory) == 0o700


@pytest.mark.usefixtures("permissive_umask")
async def test_the_response_store_writes_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "r.sqlite3"
    await SQLiteResponseStore(path, ttl_seconds=100, max_entries=10).put("a", "m", {"text": "A"})
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


@pytest.mark.usefixtures("permissive_umask")
async def test_the_catalogue_file_is_0600_and_a_looser_existing_directory_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o755)
    path = directory / "openrouter_model_cache.json"
    path.write_text("{}")
    path.chmod(0o644)
    await CatalogFile(path).save(STORED)
    assert mode(directory) == 0o700 and mode(path) == 0o600
    assert await CatalogFile(path).load("http://a") == STORED


@pytest.mark.usefixtures("permissive_umask")
async def test_a_catalogue_file_found_readable_by_others_is_restricted_when_read(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "openrouter_model_cache.json"
    await CatalogFile(path).save(STORED)
    path.chmod(0o644)  # as an older release, or a copy, left it
    assert await CatalogFile(path).load("http://a") == STORED
    assert mode(path) == 0o600
