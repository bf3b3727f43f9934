"""The catalogue cache: memory first, then `openrouter_model_cache.json`, then the network.

* Memory: the parsed catalogue, plus a bounded LRU of query pages and per-model endpoint data.
* File: `<cache dir>/openrouter_model_cache.json` with the time it was fetched and the base URL
  it came from; written atomically (unique temp file + `os.replace`), so processes sharing it
  never see half a file. A corrupt or unreadable file is logged, ignored and later replaced.
* `CACHE_TTL_HOURS` sets freshness for both layers; 0 disables both (nothing is written).
* A failed refresh answers from a stale copy when there is one, saying how old it is.
* Concurrent callers during a refresh share one upstream request.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

import anyio

from mcp_server_openrouter.catalog import Catalog

logger = logging.getLogger(__name__)

FILE_FORMAT_VERSION = 1
# After a failed refresh, answer from the stale copy for this long before trying the network again,
# so an outage costs one slow call (with its retries) a minute instead of every call.
RETRY_AFTER_FAILURE_SECONDS = 60.0
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


def remove_file(path: Path) -> bool:
    """Delete a cache file; False if there was none."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class LRUCache(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entry first."""

    def __init__(self, max_items: int) -> None:
        self.max_items = max_items
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        if self.max_items <= 0:
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


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


class CatalogFile:
    """`openrouter_model_cache.json`: read tolerantly, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, base_url: str) -> tuple[list[dict[str, Any]], float] | None:
        """The models and fetch time stored for `base_url`, or None (absent, corrupt, other URL)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("model cache %s is unreadable (%s); ignoring it", self.path, exc)
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != FILE_FORMAT_VERSION:
                raise ValueError("unknown format")
            models = data["models"]
            fetched_at = float(data["fetched_at"])
            if not isinstance(models, list) or not all(isinstance(m, dict) and "id" in m for m in models):
                raise ValueError("`models` is not a list of models")
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("model cache %s is corrupt (%s); ignoring it, it will be replaced", self.path, exc)
            return None
        if data.get("base_url") != base_url:
            logger.info("model cache %s is for %s, not %s; ignoring it", self.path, data.get("base_url"), base_url)
            return None
        return models, fetched_at

    def save(self, models: list[dict[str, Any]], base_url: str, fetched_at: float) -> None:
        """Write atomically; a failure is logged, never raised (the memory layer still works)."""
        payload = {"version": FILE_FORMAT_VERSION, "base_url": base_url, "fetched_at": fetched_at, "models": models}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A unique temp file in the same directory, then an atomic rename: readers (and other
            # processes writing at the same time) see the old file or the new one, never a mix.
            fd, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(payload, handle, separators=(",", ":"))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp_name, self.path)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            logger.warning("could not write the model cache %s: %s", self.path, exc)

    def clear(self) -> bool:
        return remove_file(self.path)

    def describe(self) -> dict[str, Any]:
        """What is on disk, for `openrouter-mcp cache info`."""
        info: dict[str, Any] = {"path": str(self.path), "exists": self.path.is_file()}
        if not info["exists"]:
            return info
        info["bytes"] = self.path.stat().st_size
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            info.update(base_url=data.get("base_url"), fetched_at=float(data["fetched_at"]), models=len(data["models"]))
        except (OSError, ValueError, KeyError, TypeError):
            info["corrupt"] = True
        return info


class CatalogCache:
    """The two layers in front of a fetch function (normally `OpenRouterClient.list_models`)."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[list[dict[str, Any]]]],
        *,
        base_url: str,
        file: CatalogFile,
        ttl_seconds: float,
        clock: Callable[[], float] = time.time,
        can_fall_back: Callable[[Exception], bool] = lambda exc: True,
    ) -> None:
        self._fetch = fetch
        self.base_url = base_url
        self.file = file
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
        return self._clock() - fetched_at < self.ttl_seconds

    async def get(self, *, refresh: bool = False) -> CatalogSnapshot:
        if self.enabled and not refresh:
            memory = self._memory
            if memory is not None and self._fresh(memory.fetched_at):
                if memory.source != "memory":
                    self._memory = memory = replace(memory, source="memory")
                return memory
            # Another process may have refreshed the shared file since our copy went stale.
            stored = await anyio.to_thread.run_sync(self.file.load, self.base_url)
            if stored is not None and self._fresh(stored[1]):
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
            stale = self._stale_copy() if self.enabled and self._can_fall_back(exc) else None
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
            await anyio.to_thread.run_sync(self.file.save, raw, self.base_url, fetched_at)
        return snapshot

    def _stale_copy(self) -> CatalogSnapshot | None:
        if self._memory is not None:
            return self._memory
        stored = self.file.load(self.base_url)
        if stored is None:
            return None
        self._memory = _from_file(stored)
        return self._memory


def _from_file(stored: tuple[list[dict[str, Any]], float]) -> CatalogSnapshot:
    models, fetched_at = stored
    return CatalogSnapshot(Catalog.parse(models), fetched_at, "file")
