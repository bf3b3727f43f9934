"""The server's state: settings, one lazily created HTTP client, and the parsed catalogue.

`OpenRouterService` is what tools call. It creates the HTTP client (and imports httpx)
on first use, so the server answers `initialize` without touching the network or paying
for imports it may never need.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio

from mcp_server_openrouter import chat
from mcp_server_openrouter.catalog import Catalog, Model, base_model_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError

if TYPE_CHECKING:
    import httpx

    from mcp_server_openrouter.client import OpenRouterClient


class OpenRouterService:
    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._transport = transport
        self._clock = clock
        self._client: OpenRouterClient | None = None
        self._catalog: Catalog | None = None
        self._catalog_at = 0.0
        self._catalog_lock = anyio.Lock()

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

    # -- catalogue --------------------------------------------------------------------

    async def catalog(self, *, refresh: bool = False) -> Catalog:
        """The parsed catalogue, kept in memory for CACHE_TTL_HOURS (0: fetched every time)."""
        ttl = self.settings.cache_ttl_hours * 3600
        async with self._catalog_lock:
            fresh = self._catalog is not None and self._clock() - self._catalog_at < ttl
            if refresh or not fresh:
                self._catalog = Catalog.parse(await self.client.list_models())
                self._catalog_at = self._clock()
            assert self._catalog is not None
            return self._catalog

    async def list_models(self, provider: str | None = None) -> tuple[list[Model], Catalog]:
        if provider is not None and not isinstance(provider, str):
            raise InvalidArgumentError("`provider` must be a string such as 'openai' or 'anthropic/'.")
        catalog = await self.catalog()
        models = catalog.by_provider(provider)
        if not models and provider:
            known = ", ".join(catalog.providers()[:12])
            raise InvalidArgumentError(
                f"No models from provider {provider.strip()!r}. Providers include: {known} "
                f"({len(catalog.providers())} in all)."
            )
        return models, catalog

    async def unknown_model_error(self, model_id: str) -> InvalidArgumentError | None:
        """If `model_id` is not in the catalogue, an error naming the closest ids."""
        try:
            catalog = await self.catalog()
        except Exception:  # the original error is more useful than a failed lookup
            return None
        if catalog.get(model_id) is not None:
            return None
        suggestions = catalog.closest_ids(model_id)
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        base = base_model_id(model_id)
        shown = model_id if base == model_id else f"{model_id} (base model {base})"
        return InvalidArgumentError(f"Unknown model {shown!r}.{hint} Use `list_available_models` to see every id.")

    # -- chat ---------------------------------------------------------------------------

    async def chat(
        self,
        body: dict[str, Any],
        *,
        stream: bool = False,
        on_progress: chat.ProgressCallback | None = None,
    ) -> chat.ChatResult:
        from mcp_server_openrouter.client import InvalidModelError, NotFoundError

        try:
            return await chat.run_chat(
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
