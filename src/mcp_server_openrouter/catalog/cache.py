"""The catalogue cache: memory first, then the catalogue store (a file), then the network.

* Memory: the parsed catalogue (query pages and endpoint data sit in `catalog.service`'s LRU).
* Store: normally `storage.catalog_file.CatalogFile` (`openrouter_model_cache.json`), shared by
  processes and restarts; a copy fetched from another base URL is not used.
* `CACHE_TTL_HOURS` sets freshness for both layers; 0 disables both (nothing is written).
* A failed refresh answers from a stale copy when there is one, saying how old it is.
* Concurrent callers during a refresh share one upstream request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

import anyio

from mcp_server_openrouter.catalog.model import Catalog
from mcp_server_openrouter.storage import CatalogStore, StoredCatalog

logger = logging.getLogger(__name__)

# After a failed refresh, answer from the stale copy for this long before trying the network again,
# so an outage costs one slow call (with its retries) a minute instead of every call.
RETRY_AFTER_FAILURE_SECONDS = 60.0
T = TypeVar("T")
# Clocks of processes sharing the cache file may differ a little; more than this is not skew.
CLOCK_SKEW_SECONDS = 300.0


class SingleFlight(Generic[T]):
    """Runs one call at a time; callers arriving meanwhile wait for and share its outcome."""

    def __init__(self) -> None:
        self._done: anyio.Event | None = None
        self._outcome: tuple[T | None, BaseException | None] | None = None

    async def run(self, fn: Callable[[], Awaitable[T]]) -> T:
        while self._done is not None:
            done = self._done
            await done.wait()
            outcome = self._outcome
            if outcome is not None and self._done is None:
                value, error = outcome
                if error is not None:
                    raise error
                return value
            # The leader was cancelled: the next waiter takes over.
        self._done = done = anyio.Event()
        self._outcome = None
        try:
            value = await fn()
        except anyio.get_cancelled_exc_class():
            self._done = None
            done.set()
            raise
        except Exception as exc:
            self._outcome = (None, exc)
            self._done = None
            done.set()
            raise
        self._outcome = (value, None)
        self._done = None
        done.set()
        return value


@dataclass(frozen=True)
class CatalogSnapshot:
    """A catalogue with where it came from and when it was fetched (epoch seconds)."""

    catalog: Catalog
    fetched_at: float
    source: str  # "memory", "file" or "network"
    stale_reason: str | None = None

    def age_seconds(self, now: float) -> float:
        return max(now - self.fetched_at, 0.0)


class CatalogCache:
    """The two layers in front of a fetch function (normally `OpenRouterClient.list_models`)."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[list[dict[str, Any]]]],
        *,
        base_url: str,
        store: CatalogStore,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
        can_fall_back: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        self._fetch = fetch
        self.base_url = base_url
        self.store = store
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._can_fall_back = can_fall_back
        self._memory: CatalogSnapshot | None = None
        self._flight: SingleFlight[CatalogSnapshot] = SingleFlight()
        self._last_failure: tuple[float, CatalogSnapshot] | None = None

    @property
    def enabled(self) -> bool:
        return self.ttl_seconds > 0

    def _fresh(self, fetched_at: float) -> bool:
        # A copy dated in the future (a clock that jumped, a hand-edited file) is not fresh forever.
        age = self._clock() - fetched_at
        if age < -CLOCK_SKEW_SECONDS:
            logger.warning(
                "the catalogue in %s is dated %.0f s in the future; ignoring it, it will be replaced",
                self.store.location,
                -age,
            )
            return False
        return age < self.ttl_seconds

    def forget(self) -> None:
        """Drop the copy in memory (the file was cleared): the next `get` reads or fetches anew."""
        self._memory = None
        self._last_failure = None

    async def get(self, *, refresh: bool = False) -> CatalogSnapshot:
        if self.enabled and not refresh:
            memory = self._memory
            if memory is not None and self._fresh(memory.fetched_at):
                if memory.source != "memory":
                    self._memory = memory = replace(memory, source="memory")
                return memory
            # Another process may have refreshed the shared file since our copy went stale.
            stored = await self.store.load(self.base_url)
            if stored is not None and self._fresh(stored.fetched_at):
                self._memory = _from_file(stored)
                return self._memory
            failure = self._last_failure
            if failure is not None and self._clock() - failure[0] < RETRY_AFTER_FAILURE_SECONDS:
                return failure[1]
        return await self._flight.run(self._refresh)

    async def _refresh(self) -> CatalogSnapshot:
        try:
            raw = await self._fetch()
        except Exception as exc:
            stale = await self._stale_copy() if self.enabled and self._can_fall_back(exc) else None
            if stale is None:
                raise
            logger.warning("catalogue refresh failed (%s); answering from the copy fetched earlier", exc)
            snapshot = replace(stale, stale_reason=str(exc))
            self._last_failure = (self._clock(), snapshot)
            return snapshot
        self._last_failure = None
        fetched_at = self._clock()
        snapshot = CatalogSnapshot(Catalog.parse(raw), fetched_at, "network")
        if self.enabled:
            self._memory = snapshot
            await self.store.save(StoredCatalog(raw, self.base_url, fetched_at))
        return snapshot

    async def _stale_copy(self) -> CatalogSnapshot | None:
        if self._memory is not None:
            return self._memory
        stored = await self.store.load(self.base_url)
        if stored is None:
            return None
        self._memory = _from_file(stored)
        return self._memory


def _from_file(stored: StoredCatalog) -> CatalogSnapshot:
    return CatalogSnapshot(Catalog.parse(stored.models), stored.fetched_at, "file")
