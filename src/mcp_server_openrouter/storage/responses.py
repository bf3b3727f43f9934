"""The response store as a SQLite file: replies of deterministic chat requests.

Keys come from `chat.request.ChatRequest.cache_key` (a hash of the base URL and the whole
request). Entries live for `CACHE_TTL_HOURS`; the oldest are dropped beyond
`CACHE_RESPONSES_MAX_ENTRIES`. SQLite serialises writers, so processes can share it.

The file, its modes, WAL and schema versions are `storage.sqlite.SQLiteDatabase`'s job; this
module holds the table and the queries. The cache is an optimisation, so every failure (a
corrupt or unreadable file, a lock held too long, a file from a newer release) is logged and
answered as a miss: `get` returns None, `put` does nothing, no exception reaches the caller.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio

from mcp_server_openrouter.storage.sqlite import Migration, SchemaTooNewError, SQLiteDatabase

logger = logging.getLogger(__name__)

MIGRATIONS: list[Migration] = [
    # 1: the table as releases before schema versions created it (user_version 0). IF NOT EXISTS
    # lets those files upgrade in place, keeping their entries.
    """
    CREATE TABLE IF NOT EXISTS responses (
        key TEXT PRIMARY KEY,
        created REAL NOT NULL,
        model TEXT NOT NULL,
        result TEXT NOT NULL
    );
    """,
]

# A cache must not slow a call down: when another process holds the lock this long, it is a miss
# (or an unstored reply) rather than a wait. The reply itself is never lost (see chat.service).
BUSY_TIMEOUT_SECONDS = 0.5


class SQLiteResponseStore:
    """A `ResponseStore` in one SQLite file."""

    def __init__(
        self,
        path: Path,
        *,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._db = SQLiteDatabase(path, MIGRATIONS, label="response cache", busy_timeout=BUSY_TIMEOUT_SECONDS)

    @property
    def location(self) -> str:
        return str(self.path)

    async def get(self, key: str) -> dict[str, Any] | None:
        """The stored result for `key` if it is still fresh."""
        # Looking up must not create the file: no cache until the first reply is stored.
        if not await anyio.Path(self.path).exists():
            return None
        try:
            row = await self._db.run(
                lambda db: db.execute("SELECT created, result FROM responses WHERE key = ?", (key,)).fetchone()
            )
        except SchemaTooNewError:
            return None  # logged once by SQLiteDatabase
        except (sqlite3.Error, OSError) as exc:
            await self._repair_if_corrupt(exc, "unreadable")
            return None
        if row is None or not isinstance(row[0], (int, float)) or not 0 <= self._clock() - row[0] < self.ttl_seconds:
            return None  # absent, tampered with, expired, or dated in the future
        try:
            result = json.loads(row[1])
        except ValueError:
            return None
        return result if isinstance(result, dict) else None

    async def put(self, key: str, model: str, result: Mapping[str, Any]) -> None:
        """Store `result`, then drop the expired and the oldest beyond the bound; failures are logged."""
        now, text = self._clock(), json.dumps(result)

        def write(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT OR REPLACE INTO responses (key, created, model, result) VALUES (?, ?, ?, ?)",
                (key, now, model, text),
            )
            db.execute("DELETE FROM responses WHERE created < ?", (now - self.ttl_seconds,))
            db.execute(
                "DELETE FROM responses WHERE key NOT IN (SELECT key FROM responses ORDER BY created DESC LIMIT ?)",
                (self.max_entries,),
            )

        if await self._write(write):
            await self._write(write)  # the damaged file was replaced: store the reply in the new one

    async def _write(self, write: Callable[[sqlite3.Connection], None]) -> bool:
        """Run `write`; True when it failed on a damaged file that has now been replaced."""
        try:
            await self._db.run(write, write=True)
        except SchemaTooNewError:
            return False  # logged once by SQLiteDatabase
        except (sqlite3.Error, OSError) as exc:
            return await self._repair_if_corrupt(exc, "could not be written")
        return False

    async def _repair_if_corrupt(self, error: BaseException, what: str) -> bool:
        """Log the failure; a damaged file (it is only a cache) is deleted so the next write starts afresh."""
        if not self._db.is_corrupt(error):
            logger.warning("response cache %s %s (%s); not using it for now", self.path, what, error)
            return False
        logger.warning("response cache %s is damaged (%s); replacing it", self.path, error)
        try:
            await anyio.to_thread.run_sync(self._db.remove)
        except OSError as exc:
            logger.warning("could not remove the damaged response cache %s: %s", self.path, exc)
            return False
        return True

    async def clear(self) -> bool:
        return await anyio.to_thread.run_sync(self._db.remove)

    async def describe(self) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self._describe)

    def _describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"path": str(self.path), "exists": self.path.is_file()}
        if info["exists"]:
            info["bytes"] = self.path.stat().st_size
            try:
                info["entries"] = self._db.run_sync(_count)
            except SchemaTooNewError as exc:
                info["unusable"] = str(exc)
            except (sqlite3.Error, OSError):
                info["corrupt"] = True
        return info


def _count(db: sqlite3.Connection) -> int:
    count: int = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    return count
