"""Where the server keeps things between calls and processes, behind one protocol per store.

Each store is a `Protocol` with async methods, so a shared backend later (PostgreSQL, Redis)
is a new implementation, not a rewrite. Today's implementations are local files:

* `CatalogStore`  — the raw `/models` list: `catalog_file.CatalogFile` (atomic JSON file).
* `ResponseStore` — replies of deterministic chat requests: `responses.SQLiteResponseStore`.
* `JobStore`      — background jobs' state and results: `jobs.MemoryJobStore` (one process); a
  shared store lets several replicas serving one team answer for each other's jobs.

Local implementations do their blocking I/O in a worker thread (never on the event loop) and
create what they write `0600` in `0700` directories (`files.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredCatalog:
    """The raw model list as fetched from `base_url` at `fetched_at` (epoch seconds)."""

    models: list[dict[str, Any]]
    base_url: str
    fetched_at: float


class CatalogStore(Protocol):
    """The catalogue shared by processes (and restarts); failures to write are logged, not raised."""

    @property
    def location(self) -> str:
        """Where the store keeps its data (a path or a URL without credentials), for messages."""
        ...

    async def load(self, base_url: str) -> StoredCatalog | None:
        """The stored catalogue for `base_url`, or None (absent, unreadable, another URL)."""
        ...

    async def save(self, stored: StoredCatalog) -> None: ...

    async def clear(self) -> bool:
        """Delete the stored catalogue; False if there was none."""
        ...

    async def describe(self) -> dict[str, Any]:
        """What is stored, for `openrouter-mcp cache info`."""
        ...


class ResponseStore(Protocol):
    """Replies keyed by a hash of the request; entries expire and the oldest are dropped."""

    @property
    def location(self) -> str: ...

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, model: str, result: Mapping[str, Any]) -> None: ...

    async def clear(self) -> bool: ...

    async def describe(self) -> dict[str, Any]: ...


@dataclass
class JobRecord:
    """What a store keeps of a job: enough to answer `get_job_result` from another process.

    `reply` is the finished reply's fields (the chat result as JSON) and `text` its whole text
    (or the text so far); `error` is the failure's message, already worded for the caller.
    Times are epoch seconds.
    """

    job_id: str
    requested_model: str
    status: str
    created_at: float
    finished_at: float | None = None
    text: str = ""
    reply: dict[str, Any] | None = None
    error: str | None = None
    note: str | None = None


class JobStore(Protocol):
    """Jobs by id. The job manager decides what expires; the store only keeps and forgets."""

    async def save(self, record: JobRecord) -> None: ...

    async def get(self, job_id: str) -> JobRecord | None: ...

    async def recent(self, limit: int) -> list[JobRecord]:
        """The newest `limit` jobs, newest first."""
        ...

    async def forget(self, job_ids: list[str]) -> None: ...
