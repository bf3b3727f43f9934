"""The catalogue as the tools and commands use it: pages of a query, one model, its providers.

Plain async functions over the two-layer cache; nothing here knows about MCP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server_openrouter.catalog.cache import CatalogCache, CatalogSnapshot
from mcp_server_openrouter.catalog.model import Catalog, Model, base_model_id
from mcp_server_openrouter.catalog.query import ModelPage, ModelQuery, run_query
from mcp_server_openrouter.errors import APIConnectionError, APIStatusError, InvalidArgumentError, OpenRouterError
from mcp_server_openrouter.storage import CatalogStore
from mcp_server_openrouter.storage.memory import LRUCache

if TYPE_CHECKING:
    from mcp_server_openrouter.client import Endpoint, OpenRouterClient


# The memory held by cached result pages (the models themselves are shared with the catalogue).
PAGE_CACHE_BYTES = 4 * 1024 * 1024


def is_outage(exc: Exception) -> bool:
    """Failures worth answering from a stale catalogue: the network or the service, not us."""
    return isinstance(exc, APIConnectionError) or (isinstance(exc, APIStatusError) and exc.retryable)


@dataclass(frozen=True)
class ModelDetails:
    model: Model
    endpoints: Sequence[Endpoint]
    endpoints_error: str | None
    snapshot: CatalogSnapshot


class CatalogService:
    def __init__(
        self,
        client: Callable[[], OpenRouterClient],
        *,
        store: CatalogStore,
        base_url: str,
        ttl_seconds: float,
        memory_items: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self.cache = CatalogCache(
            self._fetch_models,
            base_url=base_url,
            store=store,
            ttl_seconds=ttl_seconds,
            clock=clock,
            can_fall_back=is_outage,
        )
        self._pages: LRUCache[ModelQuery, ModelPage] = LRUCache(
            memory_items, max_weight=PAGE_CACHE_BYTES, weigh=_page_weight
        )
        self._pages_catalog: Catalog | None = None
        self._endpoints: LRUCache[str, tuple[float, tuple[Endpoint, ...]]] = LRUCache(memory_items)

    @property
    def caching(self) -> bool:
        return self.ttl_seconds > 0

    async def _fetch_models(self) -> list[dict[str, Any]]:
        return await self._client().list_models()

    async def snapshot(self, *, refresh: bool = False) -> CatalogSnapshot:
        snapshot = await self.cache.get(refresh=refresh)
        if refresh:
            self._endpoints.clear()
        return snapshot

    async def list_models(self, query: ModelQuery, *, refresh: bool = False) -> tuple[ModelPage, CatalogSnapshot]:
        """One page of the models matching `query` (pages are kept in the memory LRU)."""
        snapshot = await self.snapshot(refresh=refresh)
        if snapshot.catalog is not self._pages_catalog:
            # Pages belong to one catalogue: a new fetch (or a copy loaded from the file) starts afresh.
            self._pages.clear()
            self._pages_catalog = snapshot.catalog
        page = self._pages.get(query) if self.caching else None
        if page is None:
            page = run_query(snapshot.catalog, query)
            if self.caching:
                self._pages.put(query, page)
        if page.total == 0 and query.provider is not None and query.provider not in snapshot.catalog.providers():
            providers = snapshot.catalog.providers()
            raise InvalidArgumentError(
                f"No models from provider {query.provider!r}. Providers include: {', '.join(providers[:12])} "
                f"({len(providers)} in all)."
            )
        return page, snapshot

    async def find_model(self, model_id: object) -> tuple[Model, CatalogSnapshot]:
        """The catalogue entry for an id (variants resolve to their base), or an error naming close ids."""
        if not isinstance(model_id, str) or not model_id.strip():
            raise InvalidArgumentError('`model` must be a model id string such as "openai/gpt-4o-mini".')
        snapshot = await self.snapshot()
        model = snapshot.catalog.get(model_id.strip())
        if model is None:
            raise _unknown_model(model_id.strip(), snapshot)
        return model, snapshot

    async def model_details(self, model_id: object) -> ModelDetails:
        model, snapshot = await self.find_model(model_id)
        cached = self._endpoints.get(model.id) if self.caching else None
        if cached is not None and self._clock() - cached[0] < self.ttl_seconds:
            return ModelDetails(model, cached[1], None, snapshot)
        try:
            endpoints = (await self._client().model_endpoints(model.id)).endpoints
        except OpenRouterError as exc:
            return ModelDetails(model, (), str(exc), snapshot)
        if self.caching:
            self._endpoints.put(model.id, (self._clock(), endpoints))
        return ModelDetails(model, endpoints, None, snapshot)

    async def unknown_model_error(self, model_id: str) -> InvalidArgumentError | None:
        """If `model_id` is not in the catalogue, an error naming the closest ids."""
        try:
            await self.find_model(model_id)
        except InvalidArgumentError as unknown:
            return unknown
        except Exception:  # the original error is more useful than a failed lookup
            return None
        return None


def _page_weight(query: ModelQuery, page: ModelPage) -> int:
    """Roughly the bytes a cached page holds: its query's strings and a reference per model."""
    strings = sum(len(word) for word in query.search) + len(query.provider or "")
    return 200 + strings + 8 * len(page.models)


def _unknown_model(model_id: str, snapshot: CatalogSnapshot) -> InvalidArgumentError:
    suggestions = snapshot.catalog.closest_ids(model_id)
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    base = base_model_id(model_id)
    shown = model_id if base == model_id else f"{model_id} (base model {base})"
    return InvalidArgumentError(f"Unknown model {shown!r}.{hint} Use `list_available_models` to see every id.")
