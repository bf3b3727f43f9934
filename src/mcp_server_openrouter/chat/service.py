"""Chat as the tools call it: the response cache in front, better errors for unknown models."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.result import ChatResult
from mcp_server_openrouter.chat.run import OnText, OnWait, run_chat
from mcp_server_openrouter.errors import InvalidArgumentError, InvalidModelError, NotFoundError
from mcp_server_openrouter.storage import ResponseStore

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

logger = logging.getLogger(__name__)


class ChatService:
    def __init__(
        self,
        client: Callable[[], OpenRouterClient],
        *,
        catalog: CatalogService,
        responses: ResponseStore,
        base_url: str,
        caching: bool,
        cache_by_default: bool,
        progress_interval: float,
    ) -> None:
        self._client = client
        self._catalog = catalog
        self.responses = responses
        self._base_url = base_url
        self._caching = caching
        self._cache_by_default = cache_by_default
        self._progress_interval = progress_interval

    def check_cache_option(self, request: ChatRequest, *, stream: bool, cache: bool | None) -> None:
        """Refuse a `cache` argument that cannot apply, before any work starts."""
        self._use_response_cache(request, stream, cache)

    def _use_response_cache(self, request: ChatRequest, stream: bool, cache: bool | None) -> bool:
        if cache is None:
            return self._cache_by_default and self._caching and not stream and request.deterministic
        if not cache:
            return False
        if stream:
            raise InvalidArgumentError("cache=true does not apply to streamed calls; drop stream or cache.")
        if not request.deterministic:
            raise InvalidArgumentError("cache=true needs a deterministic request: pass temperature=0 or a seed.")
        if not self._caching:
            raise InvalidArgumentError("cache=true has no effect while CACHE_TTL_HOURS=0 disables caching.")
        return True

    async def chat(
        self,
        request: ChatRequest,
        *,
        stream: bool = False,
        on_progress: ProgressCallback | None = None,
        on_text: OnText | None = None,
        on_wait: OnWait | None = None,
        on_settled: Callable[[], None] | None = None,
        cache: bool | None = None,
    ) -> ChatResult:
        key = request.cache_key(self._base_url) if self._use_response_cache(request, stream, cache) else None
        if key is not None:
            hit = await self._cached(key)
            if hit is not None:
                return hit
        try:
            result = await run_chat(
                self._client(),
                request,
                stream=stream,
                on_progress=on_progress,
                on_text=on_text,
                on_wait=on_wait,
                on_settled=on_settled,
                progress_interval=self._progress_interval,
            )
        except (InvalidModelError, NotFoundError) as exc:
            better = await self._catalog.unknown_model_error(request.model)
            if better is not None:
                raise better from exc
            raise
        if key is not None:
            await self._store(key, result)
        return result

    # The reply is paid for by now: no failure of a cache may lose it, or make the caller pay twice.

    async def _cached(self, key: str) -> ChatResult | None:
        try:
            hit = await self.responses.get(key)
            return None if hit is None else ChatResult.model_validate({**hit, "cached": True, "cost_usd": 0.0})
        except Exception as exc:  # a broken store or a tampered entry is a miss, never a failed call
            logger.warning("response cache lookup failed (%s); asking the model", type(exc).__name__)
            return None

    async def _store(self, key: str, result: ChatResult) -> None:
        if result.image_data:
            return  # the cache keeps JSON, not pixels: a hit would lack the images the reply had
        try:
            await self.responses.put(key, result.requested_model, result.model_dump(mode="json", exclude={"cached"}))
        except Exception as exc:
            logger.warning(
                "could not store the reply in the response cache (%s); returning it anyway", type(exc).__name__
            )
