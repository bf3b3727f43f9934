"""The async OpenRouter client: one pooled `httpx.AsyncClient` per process.

The only module that imports httpx at module level (ruff's TID253 enforces it).

The transport is a constructor argument, so tests pass `httpx.ASGITransport(app=simulator)`
and nothing needs patching. Retries (408/429/5xx, connection failures) happen only before
a response body starts: a stream that has begun is never replayed, to avoid double billing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.client._models import ChatCompletion
from mcp_server_openrouter.client._streaming import Comment, KeepAlive, SSEDecoder, StreamAccumulator, StreamEvent
from mcp_server_openrouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    MissingAPIKeyError,
    OpenRouterError,
    RateLimitError,
    ResponseError,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class ChatStream:
    """An open streaming reply. Iterate `events()`, then read `completion()`."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.accumulator = StreamAccumulator()

    async def events(self) -> AsyncIterator[StreamEvent]:
        decoder = SSEDecoder()
        try:
            async for line in self._response.aiter_lines():
                for event in decoder.feed(line.rstrip("\r\n")):
                    if isinstance(event, Comment):
                        yield KeepAlive()
                        continue
                    delta = self.accumulator.feed_data(event.data)
                    if delta.text or delta.reasoning:
                        yield delta
                if self.accumulator.done:
                    break
            for event in decoder.flush():
                if not isinstance(event, Comment):
                    self.accumulator.feed_data(event.data)
        except httpx.TimeoutException:
            # No chunk within the read timeout; `completion()` reports what arrived.
            self.accumulator.broken = "no data within the read timeout"
        except httpx.TransportError as exc:
            self.accumulator.broken = f"connection failed: {type(exc).__name__}"

    def completion(self) -> ChatCompletion:
        """The whole reply; raises `StreamError` (with the partial text) if the stream failed."""
        return self.accumulator.finish()


class OpenRouterClient:
    """Talks to OpenRouter (or any OpenAI-compatible endpoint at `base_url`).

    Built from explicit arguments, never from the settings object, so one process can hold
    clients for several keys (see `with_options`).
    """

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = c.DEFAULT_BASE_URL,
        timeout: float = c.DEFAULT_TIMEOUT_SECONDS,
        connect_timeout: float = c.DEFAULT_CONNECT_TIMEOUT_SECONDS,
        max_retries: int = c.DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock = time.time,
        sleep: Sleep = anyio.sleep,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            headers={"User-Agent": f"{c.APP_NAME}/{__version__}", **(default_headers or {})},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OpenRouterClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- requests -------------------------------------------------------------------

    def _auth_headers(self, required: bool) -> dict[str, str]:
        key = self.api_key
        if key is None:
            if required:
                raise MissingAPIKeyError()
            return {}
        return {"Authorization": f"Bearer {key}"}

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        auth: bool = True,
    ) -> httpx.Response:
        """Send with retries; return a successful response (its body unread when `stream`)."""
        request = self._http.build_request(
            method, path.lstrip("/"), json=json, params=params, headers=self._auth_headers(auth)
        )
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                error: OpenRouterError = APITimeoutError(
                    f"OpenRouter did not answer in time ({type(exc).__name__}); try again, or raise OPENROUTER_TIMEOUT"
                )
            except httpx.TransportError as exc:
                error = APIConnectionError(
                    f"could not reach {self.base_url} ({type(exc).__name__}: {exc}); "
                    "check the network and OPENROUTER_BASE_URL"
                )
            else:
                if response.status_code < 400:
                    return response
                await response.aread()
                error = self._error_from(response)
            wait = self._retry_wait(error, attempt)
            if wait is None:
                raise error
            attempt += 1
            logger.info("retrying %s %s in %.1fs after: %s", method, path, wait, error)
            await self._sleep(wait)

    def _error_from(self, response: httpx.Response, status: int | None = None) -> APIStatusError:
        """The typed error for a (read) response; `status=200` for an error delivered as a success."""
        try:
            body: object = response.json()
        except ValueError:
            body = None
        return status_error(
            response.status_code if status is None else status,
            body,
            headers=response.headers,
            now=self._clock(),
            text=response.text,
        )

    def _retry_wait(self, error: OpenRouterError, attempt: int) -> float | None:
        if not error.retryable or attempt >= self.max_retries:
            return None
        wait = min(0.5 * 2**attempt, 8.0)
        if isinstance(error, RateLimitError) and error.reset_at is not None:
            wait = max(error.reset_at - self._clock(), 0.0)
        return wait if wait <= c.MAX_RETRY_WAIT_SECONDS else None

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None, *, auth: bool = True) -> Any:
        response = await self._send("GET", path, params=params, auth=auth)
        try:
            return response.json()
        except ValueError as exc:
            raise ResponseError(f"GET {path} returned a body that is not JSON", status=response.status_code) from exc

    # -- endpoints ------------------------------------------------------------------

    async def chat(self, body: Mapping[str, Any]) -> ChatCompletion:
        """POST /chat/completions without streaming."""
        response = await self._send("POST", "chat/completions", json={**body, "stream": False})
        try:
            data = response.json()
        except ValueError as exc:
            raise ResponseError("the chat reply is not JSON", status=response.status_code) from exc
        if not isinstance(data, Mapping) or "error" in data:
            raise status_error(200, data, now=self._clock(), text=response.text)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ResponseError("the reply has no choices (the provider returned nothing)", status=200, code=502)
        completion = ChatCompletion.parse(data)
        # The body's `id` is the generation id; the header is only a fallback.
        completion.id = completion.id or response.headers.get("x-generation-id")
        return completion

    @asynccontextmanager
    async def stream_chat(self, body: Mapping[str, Any]) -> AsyncIterator[ChatStream]:
        """POST /chat/completions with streaming; closing the context closes the connection."""
        payload = {**body, "stream": True}
        response = await self._send("POST", "chat/completions", json=payload, stream=True)
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                # An error (or a server that ignored `stream`) answered with plain JSON.
                await response.aread()
                raise self._error_from(response, status=200)
            yield ChatStream(response)
        finally:
            # Also on cancellation: closing the connection stops generation (and billing) upstream.
            with anyio.CancelScope(shield=True):
                await response.aclose()

    async def list_models(self) -> list[dict[str, Any]]:
        """GET /models?output_modalities=all: every model, whatever it outputs."""
        data = await self._get_json("models", {"output_modalities": "all"}, auth=False)
        models = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(models, list):
            raise ResponseError("GET /models returned no `data` list", status=200)
        return [m for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]

    async def model_endpoints(self, model_id: str) -> dict[str, Any]:
        data = await self._get_json(f"models/{model_id}/endpoints", auth=False)
        result = data.get("data") if isinstance(data, Mapping) else None
        return result if isinstance(result, dict) else {}

    async def generation(self, generation_id: str) -> dict[str, Any]:
        data = await self._get_json("generation", {"id": generation_id})
        result = data.get("data") if isinstance(data, Mapping) else None
        return result if isinstance(result, dict) else {}

    async def key_info(self) -> dict[str, Any]:
        data = await self._get_json("key")
        result = data.get("data", data) if isinstance(data, Mapping) else None
        return dict(result) if isinstance(result, Mapping) else {}


def attribution_headers(app_url: str, app_title: str) -> dict[str, str]:
    """OpenRouter's app attribution: where requests come from, shown on its rankings."""
    return {"HTTP-Referer": app_url, "X-OpenRouter-Title": app_title, "X-Title": app_title}
