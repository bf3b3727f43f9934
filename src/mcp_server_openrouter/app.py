"""Process state: the `AppContext` that owns the settings, the one upstream client, the caches,
the stores and the background work.

`open_app` builds it for the MCP server's lifespan and for CLI commands alike. The client
(and httpx with it) is created lazily, so the server answers `initialize` without either;
`warm_up` builds it in the background once the session has started, so the first tool call
is as fast as the rest. Background work (client warm-up, chat jobs, settling costs the replies
did not carry) runs in the app's task group and ends with it, closing any upstream stream.
Every chat request the client sends is written to the usage ledger by `usage` (the client's
metering hook).

Whose key a call uses: the configured one, unless the request being served set `caller_key`
(Streamable HTTP with per-user keys, `server/http.py`). Then `get_client()` is a view of the one
client holding that key (sharing its connection pool), and `caller_key_id()` the key's hash that
jobs, usage and cached replies are kept under. The context variable follows the call into the
tasks it starts, so a background job keeps its caller's key.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from anyio.abc import TaskGroup

from mcp_server_openrouter._redact import register_secret
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.compose import ChatDefaults, MediaLimits
from mcp_server_openrouter.chat.service import ChatService
from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.jobs import ChatCalls, JobManager, page_chars
from mcp_server_openrouter.storage import CatalogStore, JobStore, ResponseStore, UsageLedger
from mcp_server_openrouter.storage.catalog_file import CatalogFile
from mcp_server_openrouter.storage.jobs import MemoryJobStore
from mcp_server_openrouter.storage.ledger import SQLiteLedger
from mcp_server_openrouter.storage.responses import SQLiteResponseStore
from mcp_server_openrouter.usage.budget import SpendingGuard
from mcp_server_openrouter.usage.recorder import UsageRecorder

if TYPE_CHECKING:
    import httpx

    from mcp_server_openrouter.client import KeyInfo, OnRequest, OpenRouterClient

logger = logging.getLogger(__name__)

# How long the server must have been quiet before the background warm-up imports httpx.
WARM_UP_IDLE_SECONDS = 0.1
# Per-user keys whose client view is kept (for settling costs later); the least recently used go first.
KEY_VIEWS_KEPT = 1024


@dataclass(frozen=True)
class CallerKey:
    """The OpenRouter key an HTTP request brought in per-user mode (kept in memory, never stored).

    `key_id` is the key's hash; a request without a key gets a one-off id of its own, so it
    shares nothing (jobs, cached replies) with any other request.
    """

    api_key: str | None = field(repr=False)
    key_id: str

    @classmethod
    def of(cls, api_key: str | None) -> CallerKey:
        return cls(api_key, key_id(api_key) if api_key else f"no-key-{secrets.token_hex(8)}")


# Set around each request by the HTTP middleware in per-user mode; None: the configured key.
caller_key: ContextVar[CallerKey | None] = ContextVar("caller_key", default=None)


def build_client(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None, on_request: OnRequest | None = None
) -> OpenRouterClient:
    """The upstream client for these settings (imports httpx); `on_request` meters every request."""
    from mcp_server_openrouter.client._http import OpenRouterClient, attribution_headers

    return OpenRouterClient(
        api_key=settings.key(),
        base_url=settings.base_url,
        timeout=settings.timeout_seconds,
        connect_timeout=settings.connect_timeout_seconds,
        max_retries=settings.max_retries,
        max_retry_wait=settings.max_retry_wait_seconds,
        max_concurrency=settings.max_concurrency,
        free_requests_per_minute=settings.free_requests_per_minute,
        max_stream_seconds=settings.max_stream_seconds or None,
        default_headers=attribution_headers(settings.app_url, settings.app_title),
        transport=transport,
        on_request=on_request,
    )


@dataclass
class AppContext:
    """Everything a tool or command needs, created once per process (or per CLI command)."""

    settings: Settings
    catalog_store: CatalogStore
    responses: ResponseStore
    ledger: UsageLedger
    job_store: JobStore = field(default_factory=MemoryJobStore)
    catalog: CatalogService = field(init=False)
    chat: ChatService = field(init=False)
    jobs: JobManager = field(init=False)
    calls: ChatCalls = field(init=False)
    usage: UsageRecorder = field(init=False)
    spending: SpendingGuard = field(init=False)
    key_id: str = field(init=False)
    media_limits: MediaLimits = field(init=False)
    chat_defaults: ChatDefaults = field(init=False)
    transport: httpx.AsyncBaseTransport | None = None
    clock: Callable[[], float] = time.time
    tasks: TaskGroup | None = None
    # Clients on other machines (HTTP mode): local files only from OPENROUTER_ALLOWED_DIRS, never by default.
    remote_clients: bool = False
    _client: OpenRouterClient | None = field(default=None, init=False, repr=False)
    _views: OrderedDict[str, OpenRouterClient] = field(default_factory=OrderedDict, init=False, repr=False)
    warm_up_idle_seconds: float = WARM_UP_IDLE_SECONDS
    _warming: bool = field(default=False, init=False, repr=False)
    warmed: anyio.Event = field(default_factory=anyio.Event, init=False, repr=False)
    _busy: int = field(default=0, init=False, repr=False)
    _last_activity: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        settings = self.settings
        self.key_id = key_id(settings.key())
        self.usage = UsageRecorder(self.ledger, client_for=self._client_for, tasks=self.tasks, clock=self.clock)
        self.catalog = CatalogService(
            self.get_client,
            store=self.catalog_store,
            base_url=settings.base_url,
            ttl_seconds=settings.cache_ttl_seconds,
            memory_items=settings.cache_memory_items,
            clock=self.clock,
        )
        self.chat = ChatService(
            self.get_client,
            catalog=self.catalog,
            responses=_CallersResponses(self.responses),
            base_url=settings.base_url,
            caching=settings.cache_ttl_seconds > 0,
            cache_by_default=settings.cache_responses,
            progress_interval=settings.progress_interval_seconds,
        )
        self.jobs = JobManager(
            self.job_store,
            tasks=self.tasks,
            ttl_seconds=settings.job_ttl_seconds,
            max_jobs=settings.max_jobs,
            clock=self.clock,
            owner_of=self.caller_key_id,
        )
        self.spending = SpendingGuard(
            self.ledger,
            self.catalog,
            key_info=self._key_info,
            session_cost=self.usage.session_cost,
            daily=settings.budget_daily_usd,
            monthly=settings.budget_monthly_usd,
            confirm_above=settings.confirm_above_usd,
            clock=self.clock,
        )
        self.calls = ChatCalls(
            self.chat,
            self.jobs,
            foreground_timeout=settings.foreground_timeout_seconds,
            page_chars=page_chars(settings.max_output_tokens),
            images_dir=settings.data_dir / "images",
            guard=self.spending,
            key_id_of=self.caller_key_id,
        )
        self.media_limits = MediaLimits(
            roots=() if self.remote_clients and not settings.allowed_dirs.strip() else settings.allowed_roots(),
            max_image_bytes=settings.max_image_bytes,
            max_image_side=settings.max_image_side,
            max_file_bytes=settings.max_file_bytes,
        )
        self.chat_defaults = ChatDefaults(settings.default_model, settings.fallbacks())

    @property
    def client(self) -> OpenRouterClient:
        return self.get_client()

    def get_client(self) -> OpenRouterClient:
        """The client of the current caller: the one upstream client (built on first use), or in
        per-user mode a view of it holding the key the request brought."""
        caller = caller_key.get()
        return self._base_client() if caller is None else self._view_for(caller)

    def caller_key_id(self) -> str:
        """The hash of the current caller's key: the configured key's, or the request's in per-user mode."""
        caller = caller_key.get()
        return self.key_id if caller is None else caller.key_id

    def _base_client(self) -> OpenRouterClient:
        if self._client is None:
            self._client = build_client(self.settings, self.transport, on_request=self.usage)
        return self._client

    def _view_for(self, caller: CallerKey) -> OpenRouterClient:
        if caller.api_key is None:  # per-user mode, no key: requests that need one say how to send it
            return self._base_client().with_options(api_key=None)
        view = self._views.get(caller.key_id)
        if view is not None:
            self._views.move_to_end(caller.key_id)
            return view
        register_secret(caller.api_key)  # redacted from every output, like the configured key
        view = self._views[caller.key_id] = self._base_client().with_options(api_key=caller.api_key)
        while len(self._views) > KEY_VIEWS_KEPT:
            self._views.popitem(last=False)
        if self.tasks is not None:  # costs a stopped process left unsettled for this key
            self.tasks.start_soon(self.usage.resume, caller.key_id)
        return view

    def _client_for(self, key: str) -> OpenRouterClient | None:
        """The client that holds the key `key` stands for: the configured one, or a per-user key seen lately."""
        if key and key == self.key_id:
            return self._base_client()
        return self._views.get(key)

    async def _key_info(self, key: str) -> KeyInfo | None:
        """`GET /key` for the key `key` stands for (the spending guard reads its limit)."""
        client = self._client_for(key)
        return None if client is None else await client.key_info()

    @contextmanager
    def activity(self) -> Iterator[None]:
        """Mark a request or notification being handled (the warm-up waits for quiet)."""
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._last_activity = time.monotonic()

    def warm_up(self) -> None:
        """Build the client in the background (import httpx off the event loop), once.

        Called when a session has started. It waits until nothing has been handled for
        `warm_up_idle_seconds`, so the import (which holds the GIL in bursts) never slows a
        call in flight, such as a catalogue page answered from the file cache right after start.
        """
        if self._warming or self._client is not None or self.tasks is None:
            return
        self._warming = True
        self.tasks.start_soon(self._warm_up)

    async def _warm_up(self) -> None:
        # Polling at the idle interval is the point here: "quiet" is a condition on the clock.
        while self._busy or time.monotonic() - self._last_activity < self.warm_up_idle_seconds:  # noqa: ASYNC110
            await anyio.sleep(self.warm_up_idle_seconds)
        started = time.perf_counter()
        try:
            # Importing httpx and its dependencies is the slow part; a thread keeps the loop free.
            await anyio.to_thread.run_sync(_import_client_modules)
            self._base_client()
            await self.usage.resume(self.key_id)
        except Exception as exc:
            # A failure here must not end the server's task group: the first call builds the
            # client again and reports the error to the caller who needs it.
            logger.warning("could not prepare the HTTP client in the background: %s", type(exc).__name__)
            return
        finally:
            self.warmed.set()
        logger.debug("client ready in %.1f ms", (time.perf_counter() - started) * 1000)

    async def clear_caches(self) -> list[str]:
        """Empty the catalogue and reply caches (files and memory); where each one that held something was."""
        stores = (self.catalog_store, self.responses)
        removed = [store.location for store in stores if await store.clear()]
        self.catalog.cache.forget()
        return removed

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        await self.ledger.aclose()


class _CallersResponses:
    """The response store as chat sees it: in per-user mode each key has its own cached replies
    (one user must not get another's reply, nor learn what they asked); otherwise the store itself."""

    def __init__(self, store: ResponseStore) -> None:
        self._store = store

    @property
    def location(self) -> str:
        return self._store.location

    async def get(self, key: str) -> dict[str, Any] | None:
        return await self._store.get(_scoped(key))

    async def put(self, key: str, model: str, result: Mapping[str, Any]) -> None:
        await self._store.put(_scoped(key), model, result)

    async def clear(self) -> bool:
        return await self._store.clear()

    async def describe(self) -> dict[str, Any]:
        return await self._store.describe()


def _scoped(key: str) -> str:
    caller = caller_key.get()
    return key if caller is None else f"{caller.key_id}:{key}"


def _import_client_modules() -> None:
    import mcp_server_openrouter.client._http  # noqa: F401


def make_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    tasks: TaskGroup | None = None,
    remote_clients: bool = False,
) -> AppContext:
    """The app context with the local stores (files in the cache directory)."""
    return AppContext(
        settings=settings,
        catalog_store=CatalogFile(settings.model_cache_file),
        responses=SQLiteResponseStore(
            settings.response_cache_file,
            ttl_seconds=settings.cache_ttl_seconds,
            max_entries=settings.cache_responses_max_entries,
            clock=clock,
        ),
        ledger=SQLiteLedger(settings.usage_file),
        transport=transport,
        clock=clock,
        tasks=tasks,
        remote_clients=remote_clients,
    )


@asynccontextmanager
async def open_app(
    settings: Settings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    remote_clients: bool = False,
) -> AsyncIterator[AppContext]:
    """An app context whose background tasks and client end when the block does.

    An error raised in the block comes out as itself, not wrapped in the task group's
    `ExceptionGroup`, so callers (the CLI) can catch `OpenRouterError` as usual.
    """
    failure: Exception | None = None
    async with anyio.create_task_group() as tasks:
        app = make_app(settings, transport=transport, clock=clock, tasks=tasks, remote_clients=remote_clients)
        try:
            yield app
        except Exception as exc:
            failure = exc
        finally:
            tasks.cancel_scope.cancel()
            with anyio.CancelScope(shield=True):
                await app.aclose()
    if failure is not None:
        raise failure
