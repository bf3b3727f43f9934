"""Where the server keeps things between calls and processes, behind one protocol per store.

Each store is a `Protocol` with async methods, so a shared backend later (PostgreSQL, Redis)
is a new implementation, not a rewrite. Today's implementations are local files:

* `CatalogStore`  — the raw `/models` list: `catalog_file.CatalogFile` (atomic JSON file).
* `ResponseStore` — replies of deterministic chat requests: `responses.SQLiteResponseStore`.

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
