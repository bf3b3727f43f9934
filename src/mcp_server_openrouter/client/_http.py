"""The async OpenRouter client: one pooled `httpx.AsyncClient` per process.

The only module that imports httpx at module level (ruff's TID253 enforces it).

The transport is a constructor argument, so tests pass `httpx.ASGITransport(app=simulator)`
and nothing needs patching. Every request goes through `_exchange`, which holds the
optional limiter, meters each attempt (`on_request`), and retries as `RetryPolicy` says —
only before a response body starts: a stream that has begun is never replayed, to avoid
double billing.

`with_options` returns a view of the client with other settings (another key, other hooks)
that shares the connection pool; only the original closes it.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import random as _random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, NamedTuple

import anyio
import httpx

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._parse import as_str
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.client._limits import Limiter
from mcp_server_openrouter.client._metering import Meter, OnRequest, emit
from mcp_server_openrouter.client._models import ChatCompletion, Credits, Generation, KeyInfo, ModelEndpoints
from mcp_server_openrouter.client._retry import OnRetry, Random, RetryPolicy
from mcp_server_openrouter.client._streaming import Comment, KeepAlive, SSEDecoder, StreamAccumulator, StreamEvent
from mcp_server_openrouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    MissingAPIKeyError,
    OpenRouterError,
    ResponseError,
    StreamError,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class NotGiven:
    """An option `with_options` leaves as it is (None is a real value there: "no hook", "no key")."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


class ChatStream:
    """An open streaming reply. Iterate `events()`, then read `completion()`."""

    def __init__(self, response: httpx.Response, meter: Meter | None = None) -> None:
        self._response = response
        self._got_token: Callable[[], None] = meter.got_token if meter is not None else _nothing
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
                        self._got_token()
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

    def _settle(self, meter: Meter) -> None:
        """Tell the meter what the stream delivered: usage, cost, id, and whether it failed."""
        completion = self.accumulator.completion
        meter.usage = completion.usage
        meter.generation_id = completion.id or self._response.headers.get("x-generation-id")
        try:
            self.accumulator.finish()
        except StreamError as exc:  # broken, reported an error, or closed before the end
            meter.failed(exc)


def _nothing() -> None:
    pass


class _Exchange(NamedTuple):
    response: httpx.Response
    meter: Meter


class OpenRouterClient:
    """Talks to OpenRouter (or any OpenAI-compatible endpoint at `base_url`).

    Built from explicit arguments, never from the settings object, so one process can hold
    clients for several keys (see `with_options`). `clock` is the wall clock (rate-limit
    reset times), `monotonic` times the metering records; `sleep` and `random` drive the
    retry waits. Hooks: `on_retry(attempt, wait, error)` before each retry wait,
    `on_request(record)` once per HTTP request sent. `limiter` bounds open requests.
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
        on_retry: OnRetry | None = None,
        on_request: OnRequest | None = None,
        limiter: Limiter | None = None,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
        random: Random = _random.random,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries, random=random)
        self.default_headers: Mapping[str, str] = {
            "User-Agent": f"{c.APP_NAME}/{__version__}",
            **(default_headers or {}),
        }
        self.on_retry = on_retry
        self.on_request = on_request
        self.limiter = limiter
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        # Headers, timeouts and the base URL go on each request, so views can differ in them.
        self._http = httpx.AsyncClient(transport=transport)
        self._owns_http = True

    @property
    def max_retries(self) -> int:
        return self.retry_policy.max_retries

    def with_options(
        self,
        *,
        api_key: str | NotGiven | None = NOT_GIVEN,
        base_url: str | NotGiven = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
        connect_timeout: float | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven = NOT_GIVEN,
        on_retry: OnRetry | NotGiven | None = NOT_GIVEN,
        on_request: OnRequest | NotGiven | None = NOT_GIVEN,
        limiter: Limiter | NotGiven | None = NOT_GIVEN,
    ) -> OpenRouterClient:
        """A view of this client with some options changed, sharing its connection pool.

        `default_headers` are added to (and override) the current ones. Closing the view
        leaves the pool open; closing the original closes it for every view.
        """
        view = copy.copy(self)
        view._owns_http = False
        changes = {
            "api_key": api_key,
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "on_retry": on_retry,
            "on_request": on_request,
            "limiter": limiter,
        }
        for name, value in changes.items():
            if not isinstance(value, NotGiven):
                setattr(view, name, value)
        if not isinstance(base_url, NotGiven):
            view.base_url = base_url.rstrip("/")
        if not isinstance(max_retries, NotGiven):
            view.retry_policy = dataclasses.replace(self.retry_policy, max_retries=max_retries)
        if not isinstance(default_headers, NotGiven):
            view.default_headers = {**self.default_headers, **default_headers}
        return view

    async def aclose(self) -> None:
        """Close the connection pool, if this client owns it (views do not)."""
        if self._owns_http:
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

    @asynccontextmanager
    async def _slot(self) -> AsyncIterator[None]:
        """Hold the limiter, if there is one, for the duration of the block."""
        if self.limiter is None:
            yield
            return
        async with self.limiter:
            yield

    @asynccontextmanager
    async def _exchange(
        self,
        method: str,
        path: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = False,
        auth: bool = True,
        on_retry: OnRetry | None = None,
    ) -> AsyncIterator[_Exchange]:
        """Send with retries; the block gets the successful response (its body unread when `stream`).

        Each attempt holds the limiter and ends in exactly one record for `on_request`; the
        successful one keeps the limiter, and its record waits, until the block has ended.
        """
        path = path.lstrip("/")
        request = self._http.build_request(
            method,
            f"{self.base_url}/{path}",
            json=json,
            params=params,
            headers={**self.default_headers, **self._auth_headers(auth)},
            timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
        )
        model = as_str(json.get("model")) if json is not None else None
        retries = 0
        while True:
            async with self._slot():
                meter = Meter(
                    self._monotonic, method=method, path=f"/{path}", model=model, attempt=retries + 1, stream=stream
                )
                try:
                    outcome = await self._attempt(request, meter, stream=stream)
                except BaseException as exc:  # cancelled, or an error no retry can help
                    meter.failed(exc)
                    await emit(self.on_request, meter)
                    raise
                if isinstance(outcome, httpx.Response):
                    try:
                        yield _Exchange(outcome, meter)
                    except BaseException as exc:
                        meter.failed(exc)
                        raise
                    finally:
                        # Also on cancellation: closing the connection stops generation (and billing) upstream.
                        with anyio.CancelScope(shield=True):
                            await outcome.aclose()
                        await emit(self.on_request, meter)
                    return
                meter.failed(outcome)
                await emit(self.on_request, meter)
            # The limiter is free again: a request waiting to retry does not hold up the others.
            wait = self.retry_policy.wait(outcome, retries, self._clock())
            if wait is None:
                raise outcome
            retries += 1
            logger.info("retrying %s /%s in %.1fs after: %s", method, path, wait, outcome)
            await self._notify_retry(on_retry or self.on_retry, retries + 1, wait, outcome)
            await self._sleep(wait)

    async def _attempt(self, request: httpx.Request, meter: Meter, *, stream: bool) -> httpx.Response | OpenRouterError:
        """One try: a successful response (body unread when `stream`), or the error it ended in."""
        response: httpx.Response | None = None
        try:
            response = await self._http.send(request, stream=True)
            meter.got_headers(response.status_code)
            if response.status_code >= 400 or not stream:
                await response.aread()
        except BaseException as exc:
            if response is not None:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
            if isinstance(exc, httpx.TransportError):
                return self._transport_error(exc)
            raise
        if response.status_code >= 400:
            return self._error_from(response)
        return response

    def _transport_error(self, exc: httpx.TransportError) -> APIConnectionError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"OpenRouter did not answer in time ({type(exc).__name__}); try again, or raise OPENROUTER_TIMEOUT"
            )
        return APIConnectionError(
            f"could not reach {self.base_url} ({type(exc).__name__}: {exc}); check the network and OPENROUTER_BASE_URL"
        )

    async def _notify_retry(self, hook: OnRetry | None, attempt: int, wait: float, error: OpenRouterError) -> None:
        if hook is None:
            return
        try:
            await hook(attempt, wait, error)
        except Exception as exc:  # a progress report that fails must not cost the retry
            logger.warning("the on_retry hook failed: %s", type(exc).__name__)

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

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None, *, auth: bool = True) -> Any:
        async with self._exchange("GET", path, params=params, auth=auth) as (response, _):
            try:
                return response.json()
            except ValueError as exc:
                raise ResponseError(
                    f"GET /{path} returned a body that is not JSON", status=response.status_code
                ) from exc

    # -- endpoints ------------------------------------------------------------------

    async def chat(self, body: Mapping[str, Any], *, on_retry: OnRetry | None = None) -> ChatCompletion:
        """POST /chat/completions without streaming; `on_retry` overrides the client's hook."""
        payload = {**body, "stream": False}
        async with self._exchange("POST", "chat/completions", json=payload, on_retry=on_retry) as (response, meter):
            completion = self._completion_of(response)
            meter.usage = completion.usage
            meter.generation_id = completion.id
        return completion

    def _completion_of(self, response: httpx.Response) -> ChatCompletion:
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
    async def stream_chat(
        self, body: Mapping[str, Any], *, on_retry: OnRetry | None = None
    ) -> AsyncIterator[ChatStream]:
        """POST /chat/completions with streaming; closing the context closes the connection.

        The limiter is held, and the request's record waits, until the context ends.
        """
        payload = {**body, "stream": True}
        async with self._exchange("POST", "chat/completions", json=payload, stream=True, on_retry=on_retry) as (
            response,
            meter,
        ):
            if "text/event-stream" not in response.headers.get("content-type", ""):
                # An error (or a server that ignored `stream`) answered with plain JSON.
                await response.aread()
                raise self._error_from(response, status=200)
            stream = ChatStream(response, meter)
            try:
                yield stream
            except BaseException as exc:
                meter.failed(exc)
                raise
            finally:
                stream._settle(meter)

    async def list_models(self) -> list[dict[str, Any]]:
        """GET /models?output_modalities=all: every model, whatever it outputs."""
        data = await self._get_json("models", {"output_modalities": "all"}, auth=False)
        models = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(models, list):
            raise ResponseError("GET /models returned no `data` list", status=200)
        return [m for m in models if isinstance(m, dict) and isinstance(m.get("id"), str)]

    async def model_endpoints(self, model_id: str) -> ModelEndpoints:
        """GET /models/{id}/endpoints: the providers serving a model, with their prices and limits."""
        return ModelEndpoints.parse(await self._get_json(f"models/{model_id}/endpoints", auth=False))

    async def generation(self, generation_id: str) -> Generation:
        """GET /generation?id=: one generation's cost and timings (404 for a few seconds after it ends)."""
        return Generation.parse(await self._get_json("generation", {"id": generation_id}))

    async def key_info(self) -> KeyInfo:
        """GET /key: the key's limit and usage (also validates the key without spending)."""
        return KeyInfo.parse(await self._get_json("key"))

    async def credits(self) -> Credits:
        """GET /credits: credits bought and used; ordinary keys get `PermissionDeniedError` (403)."""
        return Credits.parse(await self._get_json("credits"))


def attribution_headers(app_url: str, app_title: str) -> dict[str, str]:
    """OpenRouter's app attribution: where requests come from, shown on its rankings."""
    return {"HTTP-Referer": app_url, "X-OpenRouter-Title": app_title, "X-Title": app_title}
