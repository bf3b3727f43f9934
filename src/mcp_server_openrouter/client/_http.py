"""The async OpenRouter client: one pooled `httpx.AsyncClient` per process.

The only module that imports httpx at module level (ruff's TID253 enforces it); streams are
read by `ChatStream` (`_chat_stream.py`) through a small adapter, and the wording of failures
is in `_failures.py` and `_errors.py`.

The transport is a constructor argument, so tests pass `httpx.ASGITransport(app=simulator)`
and nothing needs patching. Every request goes through `_exchange`: before each attempt the
rate-limit gate and free-model pacing (`_pacing.py`), then a place in the process-wide FIFO
queue (`_limits.py`); it meters each attempt (`on_request`) and retries as `RetryPolicy` says,
all waits of one call within one budget. `on_wait` hears, in a short sentence, every wait.

Never buy a reply twice: a request is retried only when it provably did not reach the
service (a connect error or timeout, no free pooled connection) or the service answered
408/429/5xx. Once a POST has been sent, a read timeout, a dropped connection or a body that
cannot be decoded ends the call with `ReplyLostError` (it may have been processed and billed);
GETs only read, so they are retried after those too. A stream that has begun is never replayed.

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
from mcp_server_openrouter.client._chat_stream import ChatStream
from mcp_server_openrouter.client._errors import status_error
from mcp_server_openrouter.client._failures import bad_header, key_problem
from mcp_server_openrouter.client._limits import Limiter, queue_slot
from mcp_server_openrouter.client._metering import Meter, OnRequest, emit
from mcp_server_openrouter.client._models import ChatCompletion, Credits, Generation, KeyInfo, ModelEndpoints
from mcp_server_openrouter.client._pacing import Admission, CallWaits, key_id
from mcp_server_openrouter.client._responses import BodyText, error_of, failure_of, not_a_stream
from mcp_server_openrouter.client._retry import OnRetry, OnWait, Random, RetryPolicy, retry_message
from mcp_server_openrouter.client._streaming import DEFAULT_MAX_STREAM_SECONDS, reply_choice_error
from mcp_server_openrouter.errors import (
    ACTIVITY_URL,
    APIStatusError,
    ChoiceError,
    MalformedAPIKeyError,
    MissingAPIKeyError,
    OpenRouterError,
    ResponseError,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class NotGiven:
    """An option `with_options` leaves as it is (None is a real value there: "no hook", "no key")."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()


class _Exchange(NamedTuple):
    response: httpx.Response
    meter: Meter


KEEPALIVE_EXPIRY_SECONDS = 4.0


class OpenRouterClient:
    """Talks to OpenRouter (or any OpenAI-compatible endpoint at `base_url`).

    Built from explicit arguments, never from the settings object, so one process can hold
    clients for several keys (see `with_options`). `clock` is the wall clock (rate-limit
    reset times), `monotonic` times the metering records and free-model pacing; `sleep` and
    `random` drive the waits. Hooks: `on_retry(attempt, wait, error)` before each retry wait,
    `on_wait(message)` before every wait (queue, pacing, reset, retry), `on_request(record)`
    once per HTTP request sent. At most `max_concurrency` requests are open at once (FIFO),
    unless another `limiter` is given; `free_requests_per_minute` paces `:free` models per key
    (0: off); `max_retry_wait` bounds all the waiting of one call. `max_stream_seconds` is a
    stream's overall deadline (None: no deadline).
    """

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str = c.DEFAULT_BASE_URL,
        timeout: float = c.DEFAULT_TIMEOUT_SECONDS,
        connect_timeout: float = c.DEFAULT_CONNECT_TIMEOUT_SECONDS,
        max_retries: int = c.DEFAULT_MAX_RETRIES,
        max_retry_wait: float = c.MAX_RETRY_WAIT_SECONDS,
        max_concurrency: int = c.DEFAULT_MAX_CONCURRENCY,
        free_requests_per_minute: int = c.DEFAULT_FREE_REQUESTS_PER_MINUTE,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        on_retry: OnRetry | None = None,
        on_wait: OnWait | None = None,
        on_request: OnRequest | None = None,
        limiter: Limiter | None = None,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        sleep: Sleep = anyio.sleep,
        random: Random = _random.random,
        max_stream_seconds: float | None = DEFAULT_MAX_STREAM_SECONDS,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries, max_wait=max_retry_wait, random=random)
        self.default_headers: Mapping[str, str] = {
            "User-Agent": f"{c.APP_NAME}/{__version__}",
            **(default_headers or {}),
        }
        self.on_retry = on_retry
        self.on_wait = on_wait
        self.on_request = on_request
        # Process-wide: views share the queue, the pacing and the gate (`copy.copy` keeps the objects).
        self.limiter: Limiter | None = limiter if limiter is not None else anyio.CapacityLimiter(max_concurrency)
        self._admission = Admission(free_per_minute=free_requests_per_minute, clock=clock, monotonic=monotonic)
        self.max_stream_seconds = max_stream_seconds
        self._clock = clock
        self._monotonic = monotonic
        self._sleep = sleep
        # Headers, timeouts and the base URL go on each request, so views can differ in them.
        # Idle connections are dropped after 4 s, before servers that close them after 5 s (uvicorn's
        # default keep-alive, equal to httpx's own expiry) do: reusing one just as the server closes it
        # loses a POST's reply (`ReplyLostError`, never retried since it may have been processed).
        self._http = httpx.AsyncClient(
            transport=transport, limits=httpx.Limits(keepalive_expiry=KEEPALIVE_EXPIRY_SECONDS)
        )
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
        on_wait: OnWait | NotGiven | None = NOT_GIVEN,
        on_request: OnRequest | NotGiven | None = NOT_GIVEN,
        limiter: Limiter | NotGiven | None = NOT_GIVEN,
        max_stream_seconds: float | NotGiven | None = NOT_GIVEN,
    ) -> OpenRouterClient:
        """A view of this client with some options changed, sharing its connection pool.

        `default_headers` are added to (and override) the current ones. Closing the view
        leaves the pool open; closing the original closes it for every view. The view shares
        the request queue, free-model pacing and rate-limit gate too, unless it is given its own
        `limiter` (None: no limit for that view).
        """
        view = copy.copy(self)
        view._owns_http = False
        changes = {
            "api_key": api_key,
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "on_retry": on_retry,
            "on_wait": on_wait,
            "on_request": on_request,
            "limiter": limiter,
            "max_stream_seconds": max_stream_seconds,
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
        problem = key_problem(key)
        if problem is not None:
            # Refused here: httpx's own error ("Illegal header value b'Bearer …'") would quote the key.
            raise MalformedAPIKeyError(problem)
        return {"Authorization": f"Bearer {key}"}

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
        on_wait: OnWait | None = None,
    ) -> AsyncIterator[_Exchange]:
        """Send with retries; the block gets the successful response (its body unread when `stream`).

        Each attempt passes the gate and pacing, holds a place in the queue, and ends in exactly
        one record for `on_request`; the successful one keeps its place, and its record waits,
        until the block has ended.
        """
        path = path.lstrip("/")
        try:
            request = self._http.build_request(
                method,
                f"{self.base_url}/{path}",
                json=json,
                params=params,
                headers={**self.default_headers, **self._auth_headers(auth)},
                timeout=httpx.Timeout(self.timeout, connect=self.connect_timeout),
            )
        except UnicodeEncodeError:  # a non-ASCII attribution header (the key was checked above)
            raise bad_header() from None
        model = as_str(json.get("model")) if json is not None else None
        key = key_id(self.api_key)
        hook = on_wait or self.on_wait
        waits = CallWaits(max_wait=self.retry_policy.max_wait, on_wait=hook, clock=self._clock, sleep=self._sleep)
        retries = 0
        while True:
            await self._admission.admit(waits, key, model)
            async with queue_slot(self.limiter, hook):
                meter = Meter(
                    self._monotonic,
                    method=method,
                    path=f"/{path}",
                    model=model,
                    attempt=retries + 1,
                    stream=stream,
                    key_id=key,
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
            # The queue is free again: a request waiting to retry does not hold up the others.
            self._admission.gate.close(key, model, outcome)
            wait = self.retry_policy.wait(outcome, retries, self._clock())
            if wait is None:
                raise outcome
            waits.check(outcome, wait)
            retries += 1
            # The upstream's own words may quote the request: at INFO only the kind of failure.
            status = f" (HTTP {outcome.status})" if isinstance(outcome, APIStatusError) else ""
            logger.info("retrying %s /%s in %.1fs after %s%s", method, path, wait, type(outcome).__name__, status)
            await self._notify_retry(on_retry or self.on_retry, retries + 1, wait, outcome)
            await waits.wait(wait, retry_message(outcome, wait), until=getattr(outcome, "reset_at", None))

    async def _attempt(self, request: httpx.Request, meter: Meter, *, stream: bool) -> httpx.Response | OpenRouterError:
        """One try: a successful response (body unread when `stream`), or the error it ended in."""
        response: httpx.Response | None = None
        try:
            response = await self._http.send(request, stream=True)
            meter.got_headers(response.status_code)
            meter.generation_id = response.headers.get("x-generation-id")
            if response.status_code >= 300:
                return await error_of(response, base_url=self.base_url, now=self._clock())
            if not stream:
                await response.aread()
        except BaseException as exc:
            if response is not None:
                with anyio.CancelScope(shield=True):
                    await response.aclose()
            failure = failure_of(exc, base_url=self.base_url, meter=meter, response=response)
            if failure is None:
                raise
            return failure
        return response

    async def _notify_retry(self, hook: OnRetry | None, attempt: int, wait: float, error: OpenRouterError) -> None:
        if hook is None:
            return
        try:
            await hook(attempt, wait, error)
        except Exception as exc:  # a progress report that fails must not cost the retry
            logger.warning("the on_retry hook failed: %s", type(exc).__name__)

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None, *, auth: bool = True) -> Any:
        async with self._exchange("GET", path, params=params, auth=auth) as (response, _):
            try:
                return response.json()
            except (ValueError, RecursionError) as exc:  # not JSON, or nested too deep to parse
                raise ResponseError(
                    f"GET /{path} returned a body that is not JSON", status=response.status_code
                ) from exc

    # -- endpoints ------------------------------------------------------------------

    async def chat(
        self, body: Mapping[str, Any], *, on_retry: OnRetry | None = None, on_wait: OnWait | None = None
    ) -> ChatCompletion:
        """POST /chat/completions without streaming; `on_retry` and `on_wait` override the client's hooks.

        A reply whose choice carries an error (or ended with `finish_reason: "error"`) raises
        `ChoiceError` with the text before it; its usage and id are still metered.
        """
        payload = {**body, "stream": False}
        async with self._exchange("POST", "chat/completions", json=payload, on_retry=on_retry, on_wait=on_wait) as (
            response,
            meter,
        ):
            completion, failure = self._completion_of(response)
            meter.got_reply(completion)
            if failure is not None:
                raise failure
        return completion

    def _completion_of(self, response: httpx.Response) -> tuple[ChatCompletion, ChoiceError | None]:
        try:
            data = response.json()
        except (ValueError, RecursionError) as exc:
            raise ResponseError(
                "the chat reply is not JSON; OpenRouter may still have processed and billed the request "
                f"(see {ACTIVITY_URL})",
                status=response.status_code,
            ) from exc
        if not isinstance(data, Mapping) or "error" in data:
            raise status_error(200, data, now=self._clock(), text=response.text)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ResponseError("the reply has no choices (the provider returned nothing)", status=200, code=502)
        first = choices[0]
        if not isinstance(first, Mapping) or (not isinstance(first.get("message"), Mapping) and "error" not in first):
            raise ResponseError(
                "the reply's choice has no message (the provider returned nothing)", status=200, code=502
            )
        completion = ChatCompletion.parse(data)
        # The body's `id` is the generation id; the header is only a fallback.
        completion.id = completion.id or response.headers.get("x-generation-id")
        return completion, reply_choice_error(data, completion)

    @asynccontextmanager
    async def stream_chat(
        self, body: Mapping[str, Any], *, on_retry: OnRetry | None = None, on_wait: OnWait | None = None
    ) -> AsyncIterator[ChatStream]:
        """POST /chat/completions with streaming; closing the context closes the connection.

        The queue place is held, and the request's record waits, until the context ends. Reading
        stops `max_stream_seconds` after this call began (waiting in the queue included).
        """
        payload = {**body, "stream": True}
        limit = self.max_stream_seconds
        deadline = None if limit is None else anyio.current_time() + limit
        async with self._exchange(
            "POST", "chat/completions", json=payload, stream=True, on_retry=on_retry, on_wait=on_wait
        ) as (response, meter):
            if "text/event-stream" not in response.headers.get("content-type", ""):
                raise await not_a_stream(response, now=self._clock())
            generation_id = response.headers.get("x-generation-id")
            text = BodyText(response)
            stream = ChatStream(text, meter, generation_id=generation_id, deadline=deadline, max_seconds=limit)
            try:
                yield stream
            except BaseException as exc:
                meter.failed(exc)
                raise
            else:
                if stream.accumulator.done:  # `[DONE]` read: the rest of the body is a few bytes at most
                    await text.drain()
            finally:
                stream._settle(meter)
                with anyio.CancelScope(shield=True):
                    await text.aclose()

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
