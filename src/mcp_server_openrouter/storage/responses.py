"""The response store as a SQLite file: replies of deterministic chat requests.

Keys come from `chat.request.ChatRequest.cache_key` (a hash of the base URL and the whole
request). Entries live for `CACHE_TTL_HOURS`; the oldest are dropped beyond
`CACHE_RESPONSES_MAX_ENTRIES`. SQLite serialises writers, so processes can share it.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio

from mcp_server_openrouter.storage.files import remove_file

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    created REAL NOT NULL,
    model TEXT NOT NULL,
    result TEXT NOT NULL
)
"""


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

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and is always closed."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=5)
        try:
            with connection:
                connection.execute(_SCHEMA)
                yield connection
        finally:
            connection.close()

    async def get(self, key: str) -> dict[str, Any] | None:
        return await anyio.to_thread.run_sync(self._get, key)

    async def put(self, key: str, model: str, result: Mapping[str, Any]) -> None:
        await anyio.to_thread.run_sync(self._put, key, model, result)

    @property
    def location(self) -> str:
        return str(self.path)

    async def clear(self) -> bool:
        return remove_file(self.path)

    async def describe(self) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self._describe)

    def _get(self, key: str) -> dict[str, Any] | None:
        """The stored result for `key` if it is still fresh."""
        if not self.path.exists():
            return None
        try:
            with self._connect() as db:
                row = db.execute("SELECT created, result FROM responses WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error as exc:
            logger.warning("response cache %s is unreadable (%s); not using it", self.path, exc)
            return None
        if row is None or self._clock() - row[0] >= self.ttl_seconds:
            return None
        try:
            result = json.loads(row[1])
        except ValueError:
            return None
        return result if isinstance(result, dict) else None

    def _put(self, key: str, model: str, result: Mapping[str, Any]) -> None:
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT OR REPLACE INTO responses (key, created, model, result) VALUES (?, ?, ?, ?)",
                    (key, self._clock(), model, json.dumps(result)),
                )
                db.execute("DELETE FROM responses WHERE created < ?", (self._clock() - self.ttl_seconds,))
                db.execute(
                    "DELETE FROM responses WHERE key NOT IN (SELECT key FROM responses ORDER BY created DESC LIMIT ?)",
                    (self.max_entries,),
                )
        except sqlite3.Error as exc:
            logger.warning("could not write the response cache %s: %s", self.path, exc)

    def _describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"path": str(self.path), "exists": self.path.is_file()}
        if info["exists"]:
            info["bytes"] = self.path.stat().st_size
            try:
                with self._connect() as db:
                    info["entries"] = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            except sqlite3.Error:
                info["corrupt"] = True
        return info
