"""The server's state: settings, one lazily created HTTP client, and the caches.

`OpenRouterService` is what tools and CLI commands call. It creates the HTTP client (and
imports httpx) on first use, so the server answers `initialize` without touching the
network or paying for imports it may never need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio

from mcp_server_openrouter import chat
from mcp_server_openrouter.cache import CatalogCache, CatalogFile, CatalogSnapshot, LRUCache
from mcp_server_openrouter.catalog import Catalog, Model, ModelPage, ModelQuery, base_model_id, run_query
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.response_cache import ResponseCache, is_deterministic, request_key

if TYPE_CHECKING:
    import httpx

    from mcp_server_openrouter.client import OpenRouterClient


def _is_outage(exc: Exception) -> bool:
    """Failures worth answering from a stale catalogue: the network or the service, not us."""
    from mcp_server_openrouter.client import APIConnectionError, APIStatusError

    return isinstance(exc, APIConnectionError) or (isinstance(exc, APIStatusError) and exc.retryable)


@dataclass(frozen=True)
class ModelDetails:
    model: Model
    endpoints: list[dict[str, Any]]
    endpoints_error: str | None
    snapshot: CatalogSnapshot


class OpenRouterService:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._clock = clock
        self._client: OpenRouterClient | None = None
        self.catalog_cache = CatalogCache(
            self._fetch_models,
            base_url=settings.base_url,
            file=CatalogFile(settings.model_cache_file),
            ttl_seconds=settings.cache_ttl_seconds,
            clock=clock,
            can_fall_back=_is_outage,
        )
        self._pages: LRUCache[ModelQuery, ModelPage] = LRUCache(settings.cache_memory_items)
        self._pages_catalog: Catalog | None = None
        self._endpoints: LRUCache[str, tuple[float, list[dict[str, Any]]]] = LRUCache(settings.cache_memory_items)
        self.responses = ResponseCache(
            settings.response_cache_file,
            ttl_seconds=settings.cache_ttl_seconds,
            max_entries=settings.cache_responses_max_entries,
            clock=clock,
        )

    @property
    def client(self) -> OpenRouterClient:
        if self._client is None:
            from mcp_server_openrouter.client import OpenRouterClient

            self._client = OpenRouterClient(self.settings, transport=self._transport)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    @property
    def caching(self) -> bool:
        return self.settings.cache_ttl_seconds > 0

    # -- catalogue --------------------------------------------------------------------

    async def _fetch_models(self) -> list[dict[str, Any]]:
        return await self.client.list_models()

    async def catalog(self, *, refresh: bool = False) -> CatalogSnapshot:
        snapshot = await self.catalog_cache.get(refresh=refresh)
        if refresh:
            self._endpoints.clear()
        return snapshot

    async def list_models(self, query: ModelQuery, *, refresh: bool = False) -> tuple[ModelPage, CatalogSnapshot]:
        """One page of the models matching `query` (pages are kept in the memory LRU)."""
        snapshot = await self.catalog(refresh=refresh)
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
        snapshot = await self.catalog()
        model = snapshot.catalog.get(model_id.strip())
        if model is None:
            raise self._unknown_model(model_id.strip(), snapshot)
        return model, snapshot

    async def model_details(self, model_id: object) -> ModelDetails:
        model, snapshot = await self.find_model(model_id)
        cached = self._endpoints.get(model.id) if self.caching else None
        if cached is not None and self._clock() - cached[0] < self.settings.cache_ttl_seconds:
            return ModelDetails(model, cached[1], None, snapshot)
        from mcp_server_openrouter.client import OpenRouterError

        try:
            data = await self.client.model_endpoints(model.id)
        except OpenRouterError as exc:
            return ModelDetails(model, [], str(exc), snapshot)
        endpoints = [e for e in data.get("endpoints") or [] if isinstance(e, dict)]
        if self.caching:
            self._endpoints.put(model.id, (self._clock(), endpoints))
        return ModelDetails(model, endpoints, None, snapshot)

    def _unknown_model(self, model_id: str, snapshot: CatalogSnapshot) -> InvalidArgumentError:
        suggestions = snapshot.catalog.closest_ids(model_id)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        base = base_model_id(model_id)
        shown = model_id if base == model_id else f"{model_id} (base model {base})"
        return InvalidArgumentError(f"Unknown model {shown!r}.{hint} Use `list_available_models` to see every id.")

    async def unknown_model_error(self, model_id: str) -> InvalidArgumentError | None:
        """If `model_id` is not in the catalogue, an error naming the closest ids."""
        try:
            await self.find_model(model_id)
        except InvalidArgumentError as unknown:
            return unknown
        except Exception:  # the original error is more useful than a failed lookup
            return None
        return None

    # -- chat ---------------------------------------------------------------------------

    def _use_response_cache(self, body: dict[str, Any], stream: bool, cache: bool | None) -> bool:
        if cache is None:
            return self.settings.cache_responses and self.caching and not stream and is_deterministic(body)
        if not cache:
            return False
        if stream:
            raise InvalidArgumentError("cache=true does not apply to streamed calls; drop stream or cache.")
        if not is_deterministic(body):
            raise InvalidArgumentError("cache=true needs a deterministic request: pass temperature=0 or a seed.")
        if not self.caching:
            raise InvalidArgumentError("cache=true has no effect while CACHE_TTL_HOURS=0 disables caching.")
        return True

    async def chat(
        self,
        body: dict[str, Any],
        *,
        stream: bool = False,
        on_progress: chat.ProgressCallback | None = None,
        cache: bool | None = None,
    ) -> chat.ChatResult:
        from mcp_server_openrouter.client import InvalidModelError, NotFoundError

        key = request_key(self.settings.base_url, body) if self._use_response_cache(body, stream, cache) else None
        if key is not None:
            hit = await anyio.to_thread.run_sync(self.responses.get, key)
            if hit is not None:
                return chat.ChatResult.model_validate({**hit, "cached": True, "cost_usd": 0.0})
        try:
            result = await chat.run_chat(
                self.client,
                body,
                stream=stream,
                on_progress=on_progress,
                progress_interval=self.settings.progress_interval_seconds,
            )
        except (InvalidModelError, NotFoundError) as exc:
            better = await self.unknown_model_error(str(body["model"]))
            if better is not None:
                raise better from exc
            raise
        if key is not None:
            stored = result.model_dump(mode="json", exclude={"cached"})
            await anyio.to_thread.run_sync(self.responses.put, key, result.requested_model, stored)
        return result
