"""`storage.sqlite.SQLiteDatabase`: WAL, versioned migrations, refusal of newer files, work off the loop."""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcp_server_openrouter.storage.sqlite import (
    BUSY_TIMEOUT_SECONDS,
    SchemaTooNewError,
    SQLiteDatabase,
)

pytestmark = pytest.mark.anyio

NOTES = "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"


class MigrationFailed(Exception):
    """Raised by a test migration on purpose."""


def query(path: Path, sql: str) -> Any:
    """The first column of the first row, read with a plain connection (not the helper's)."""
    with closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchone()[0]


def user_version(path: Path) -> int:
    version: int = query(path, "PRAGMA user_version")
    return version


def tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_a_fresh_database_gets_every_migration_and_the_latest_version(tmp_path: Path) -> None:
    added: list[str] = []

    def add_column(db: sqlite3.Connection) -> None:
        added.append("tag")
        db.execute("ALTER TABLE notes ADD COLUMN tag TEXT")

    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES, add_column])
    await db.run(lambda c: c.execute("INSERT INTO notes (text, tag) VALUES ('x', 'y')"), write=True)
    assert db.latest_version == 2 and user_version(db.path) == 2
    assert added == ["tag"]


async def test_only_the_migrations_a_database_lacks_are_applied(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    await SQLiteDatabase(path, [NOTES]).run(lambda c: c.execute("INSERT INTO notes (text) VALUES ('kept')"))
    calls: list[int] = []
    db = SQLiteDatabase(path, [lambda c: calls.append(1), lambda c: calls.append(2)])
    await db.run(lambda c: None)
    await db.run(lambda c: None)
    assert calls == [2] and user_version(path) == 2
    assert await db.run(lambda c: c.execute("SELECT text FROM notes").fetchall()) == [("kept",)]


async def test_migrations_apply_in_one_transaction_so_a_failure_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    def fail(db: sqlite3.Connection) -> None:
        raise MigrationFailed

    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES, fail])
    with pytest.raises(MigrationFailed):
        await db.run(lambda c: None)
    assert user_version(db.path) == 0 and "notes" not in tables(db.path)


async def test_a_script_migration_splits_at_statement_ends_not_at_semicolons_in_strings_or_triggers(
    tmp_path: Path,
) -> None:
    script = """
        CREATE TABLE notes (text TEXT NOT NULL);
        CREATE TABLE log (text TEXT NOT NULL);
        CREATE TRIGGER copy AFTER INSERT ON notes BEGIN
            INSERT INTO log VALUES (new.text || ';');
        END;
        INSERT INTO notes VALUES ('a; b')
    """
    db = SQLiteDatabase(tmp_path / "d.sqlite3", [script])
    assert await db.run(lambda c: c.execute("SELECT text FROM log").fetchall()) == [("a; b;",)]


async def test_a_database_from_a_newer_release_is_refused_untouched_and_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "d.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute("PRAGMA user_version = 7")
    old.close()
    db = SQLiteDatabase(path, [NOTES], label="test store")
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            with pytest.raises(SchemaTooNewError, match="schema version 7, newer than this release knows"):
                await db.run(lambda c: None)
    refusals = [m for m in caplog.messages if "newer" in m]
    assert len(refusals) == 1 and f"test store {path}" in refusals[0] and "delete the file" in refusals[0]
    assert user_version(path) == 7 and tables(path) == set() and query(path, "PRAGMA journal_mode") == "delete"


async def test_connections_use_wal_foreign_keys_and_the_short_busy_timeout(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES])

    def pragmas(c: sqlite3.Connection) -> tuple[str, int, int]:
        return (
            c.execute("PRAGMA journal_mode").fetchone()[0],
            c.execute("PRAGMA foreign_keys").fetchone()[0],
            c.execute("PRAGMA busy_timeout").fetchone()[0],
        )

    assert await db.run(pragmas) == ("wal", 1, int(BUSY_TIMEOUT_SECONDS * 1000))


async def test_the_work_runs_in_a_worker_thread_not_on_the_event_loop(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES])
    loop_thread = threading.get_ident()
    assert await db.run(lambda c: threading.get_ident()) != loop_thread


async def test_a_function_that_raises_leaves_no_change_behind(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES])

    def insert_then_fail(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO notes (text) VALUES ('lost')")
        raise MigrationFailed

    with pytest.raises(MigrationFailed):
        await db.run(insert_then_fail, write=True)
    assert await db.run(lambda c: c.execute("SELECT COUNT(*) FROM notes").fetchone()[0]) == 0


async def test_remove_deletes_the_database_and_its_wal_siblings(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "d.sqlite3", [NOTES])
    await db.run(lambda c: None)
    for sibling in db.files[1:]:
        sibling.write_bytes(b"")  # as a crashed process would leave them
    assert db.remove() is True
    assert [f for f in db.files if f.exists()] == []
    assert db.remove() is False


async def test_a_persistent_database_keeps_its_connection_so_a_commit_is_no_checkpoint(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "kept.sqlite3", ["CREATE TABLE t (n INTEGER);"], persistent=True)

    def insert(n: int) -> Any:
        return functools.partial(db.run, lambda c: c.execute("INSERT INTO t VALUES (?)", (n,)), write=True)

    async with anyio.create_task_group() as tasks:  # from several worker threads at once
        for n in range(20):
            tasks.start_soon(insert(n))
    wal = tmp_path / "kept.sqlite3-wal"
    assert wal.exists()  # still open: the WAL was not checkpointed and deleted after each write

    db.close()
    assert not wal.exists()
    assert db.run_sync(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 20  # opens again
    db.close()


async def test_a_persistent_database_whose_file_was_deleted_writes_to_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / "kept.sqlite3"
    db = SQLiteDatabase(path, ["CREATE TABLE t (n INTEGER);"], persistent=True)
    await db.run(lambda c: c.execute("INSERT INTO t VALUES (1)"), write=True)

    path.unlink()  # `rm` to start afresh while the connection is open (its -wal and -shm stay behind)
    await db.run(lambda c: c.execute("INSERT INTO t VALUES (2)"), write=True)
    db.close()

    assert query(path, "SELECT group_concat(n) FROM t") == "2"  # not lost with the old file, nor mixed with it
    assert query(path, "PRAGMA integrity_check") == "ok"


def test_a_file_another_process_is_writing_is_switched_to_wal_once_it_lets_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite refuses the switch to WAL at once ("database is locked"), without its busy timeout, while
    # another connection writes: two servers opening a new ledger together hit this.
    import time

    from mcp_server_openrouter.storage import sqlite as module

    path = tmp_path / "d.sqlite3"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE held (x)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO held VALUES (1)")
    waits: list[float] = []

    def wait(seconds: float) -> None:  # the retry's pause: the other writer commits meanwhile
        waits.append(seconds)
        other.execute("COMMIT")

    monkeypatch.setattr(time, "sleep", wait)
    db = SQLiteDatabase(path, [NOTES])
    db.run_sync(lambda c: c.execute("INSERT INTO notes (text) VALUES ('after the wait')"), write=True)
    other.close()
    assert waits == [module.WAL_RETRY_SECONDS]
    assert query(path, "PRAGMA journal_mode") == "wal" and query(path, "SELECT text FROM notes") == "after the wait"
