"""`SQLiteResponseStore`: freshness, the bound, old and newer files, and failures that stay misses."""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from mcp_server_openrouter.storage.responses import MIGRATIONS, SQLiteResponseStore

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio

NOW = 1_800_000_000.0

# The table exactly as releases before schema versions created it (user_version stayed 0).
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    result TEXT NOT NULL
)
"""


def store(path: Path, clock: FakeClock | None = None, max_entries: int = 10) -> SQLiteResponseStore:
    return SQLiteResponseStore(path, ttl_seconds=100, max_entries=max_entries, clock=clock or FakeClock(NOW))


def pragma(path: Path, name: str) -> object:
    with closing(sqlite3.connect(path)) as db:
        value: object = db.execute(f"PRAGMA {name}").fetchone()[0]
    return value


async def test_entries_expire_with_the_ttl_and_the_oldest_go_beyond_the_bound(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    cache = store(tmp_path / "r.sqlite3", clock, max_entries=2)
    assert await cache.get("a") is None
    await cache.put("a", "m", {"text": "A"})
    clock.now += 1
    await cache.put("b", "m", {"text": "B"})
    clock.now += 1
    await cache.put("c", "m", {"text": "C"})
    assert await cache.get("a") is None
    assert await cache.get("b") == {"text": "B"} and await cache.get("c") == {"text": "C"}
    assert (await cache.describe())["entries"] == 2
    clock.now += 100
    assert await cache.get("c") is None


async def test_a_corrupt_database_is_replaced_with_a_warning_and_works_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    cache = store(path)
    assert (await cache.describe())["corrupt"] is True
    with caplog.at_level(logging.WARNING):
        assert await cache.get("a") is None
        await cache.put("a", "m", {"text": "A"})
    assert any("response cache" in m and "is damaged" in m and "replacing it" in m for m in caplog.messages)
    assert await cache.get("a") == {"text": "A"}
    assert (await cache.describe())["entries"] == 1


async def test_a_corrupt_database_found_when_writing_is_replaced_and_the_reply_stored(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    path.write_bytes(b"\x00garbage" * 500)
    cache = store(path)
    await cache.put("a", "m", {"text": "A"})
    assert await cache.get("a") == {"text": "A"}


async def test_a_locked_database_costs_a_short_wait_not_seconds(tmp_path: Path) -> None:
    import time

    path = tmp_path / "r.sqlite3"
    cache = store(path)
    await cache.put("a", "m", {"text": "A"})
    with closing(sqlite3.connect(path)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process holds the lock
        started = time.monotonic()
        await cache.put("b", "m", {"text": "B"})
        waited = time.monotonic() - started
        other.rollback()
    assert waited < 2.0  # the response store gives up after 0.5 s; the old store waited 5-10 s
    assert await cache.get("b") is None and await cache.get("a") == {"text": "A"}


async def test_an_entry_dated_in_the_future_is_not_fresh_forever(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    cache = store(path)
    await cache.put("a", "m", {"text": "A"})
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE responses SET created = created + 86400 * 365")
    assert await cache.get("a") is None


async def test_a_path_that_cannot_be_opened_is_logged_and_answered_as_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r.sqlite3"
    path.mkdir()  # a directory where the file should be
    cache = store(path)
    with caplog.at_level(logging.WARNING):
        await cache.put("a", "m", {"text": "A"})
        assert await cache.get("a") is None
    assert any("response cache" in m and "could not be written" in m for m in caplog.messages)


async def test_a_database_made_by_the_previous_release_upgrades_in_place_and_keeps_its_entries(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.sqlite3"
    with closing(sqlite3.connect(path)) as old, old:
        old.execute(OLD_SCHEMA)
        old.execute("INSERT INTO responses VALUES ('a', ?, 'm', '{\"text\": \"A\"}')", (NOW,))
    assert pragma(path, "user_version") == 0
    cache = store(path)
    assert await cache.get("a") == {"text": "A"}
    await cache.put("b", "m", {"text": "B"})
    assert (await cache.describe())["entries"] == 2
    assert pragma(path, "user_version") == len(MIGRATIONS) and pragma(path, "journal_mode") == "wal"


async def test_a_database_from_a_newer_release_is_refused_with_one_warning_and_answers_as_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "r.sqlite3"
    with closing(sqlite3.connect(path)) as future, future:
        future.execute(OLD_SCHEMA)
        future.execute("INSERT INTO responses VALUES ('a', ?, 'm', '{\"text\": \"A\"}')", (NOW,))
        future.execute("PRAGMA user_version = 99")
    cache = store(path)
    with caplog.at_level(logging.WARNING):
        assert await cache.get("a") is None
        await cache.put("b", "m", {"text": "B"})
        assert await cache.get("b") is None
        info = await cache.describe()
    assert [m for m in caplog.messages if "newer" in m] == [info["unusable"]]
    assert "response cache" in info["unusable"] and "schema version 99" in info["unusable"]
    assert "entries" not in info and pragma(path, "user_version") == 99


async def test_looking_up_does_not_create_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "r.sqlite3"
    assert await store(path).get("a") is None
    assert not path.parent.exists()


async def test_clear_removes_the_database_with_its_wal_siblings(tmp_path: Path) -> None:
    cache = store(tmp_path / "r.sqlite3")
    await cache.put("a", "m", {"text": "A"})
    (tmp_path / "r.sqlite3-wal").write_bytes(b"")  # as a crashed process would leave it
    assert await cache.clear() is True
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert await cache.clear() is False


async def test_a_lookup_in_a_locked_database_costs_a_short_wait_and_is_a_miss(tmp_path: Path) -> None:
    import time

    path = tmp_path / "r.sqlite3"
    cache = store(path)
    await cache.put("a", "m", {"text": "A"})
    with closing(sqlite3.connect(path)) as other:
        other.execute("PRAGMA locking_mode = EXCLUSIVE")
        other.execute("BEGIN EXCLUSIVE")  # another process holds the lock, readers included
        started = time.monotonic()
        found = await cache.get("a")
        waited = time.monotonic() - started
        other.rollback()
    assert found is None and waited < 2.0  # a miss after at most ~0.5 s, not the 5-10 s of old
    assert await cache.get("a") == {"text": "A"}  # and the entry is there once the lock is gone
