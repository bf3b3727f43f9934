"""The fake OpenRouter: a Starlette app with the real API's routes, shapes and errors.

This module holds the `Simulator` core: the state every route shares (key accounts and
their ledgers, queued faults, the event log, generation ids and records, the prompt
cache, the open connections when served on a port), the in-process scripting methods,
`Simulator.admit` (the preamble of every API route) and the app's route table. Time is
the injectable `clock` (epoch seconds): it dates ids, ledgers and rate-limit resets, and
decides when a generation's record becomes readable (`generation_delay` seconds after it
ended; until then `GET /generation` answers 404, as the real one does for a few seconds).
Events are stamped with the injectable `monotonic` clock (`time.monotonic` by default, which
any process on the machine shares), so a test can measure how fast a client closed a stream.
The routes themselves live by area: `_model_routes` (the catalogue), `_chat` (streaming
in `_chat_stream`), `_account`, and `_control`, whose `/_sim/*` routes let a test in
another process script faults and read the log of what happened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from mcp_server_openrouter.simulator._account import AccountRoutes
from mcp_server_openrouter.simulator._caching import PromptCache
from mcp_server_openrouter.simulator._catalog import build_catalog
from mcp_server_openrouter.simulator._chat import ChatRoutes
from mcp_server_openrouter.simulator._connections import Connections
from mcp_server_openrouter.simulator._control import ControlRoutes
from mcp_server_openrouter.simulator._faults import Fault, error_response, fault_response
from mcp_server_openrouter.simulator._ledger import KeyAccount
from mcp_server_openrouter.simulator._model_routes import ModelRoutes
from mcp_server_openrouter.simulator._named_faults import named_fault

API_PREFIX = "/api/v1"
GENERATION_DELAY = 3.0  # seconds after a generation ends before GET /generation finds it


@dataclass
class Event:
    """One thing the simulator saw, stamped with its monotonic clock when it was logged.

    Kinds: "request", "reply_dropped", and how each stream ended: "stream_completed",
    "stream_errored", "stream_dropped" or "stream_cancelled" (with id, tokens, chunks).
    "stream_cancelled" is logged as soon as the client closes the connection mid-stream, so
    `at` says when the simulator saw the disconnect (comparable with the `time.monotonic()`
    of any process on the same machine: a test measures how fast a stream was closed).
    """

    kind: str
    path: str
    detail: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0


@dataclass(frozen=True)
class Admission:
    """What `Simulator.admit` lets through to a route: the caller's account and the fault it took."""

    fault: Fault | None
    authenticated: KeyAccount | None = None

    @property
    def account(self) -> KeyAccount:
        if self.authenticated is None:
            raise RuntimeError("this route was admitted without authenticating")
        return self.authenticated


class Simulator:
    """State and behaviour of the fake API. `app` is the ASGI application."""

    def __init__(
        self,
        *,
        seed: int = 20260801,
        clock: Callable[[], float] = time.time,
        generation_delay: float = GENERATION_DELAY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.models = build_catalog(seed)
        self.clock = clock
        self.monotonic = monotonic
        self.generation_delay = generation_delay
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        self.events: list[Event] = []
        self.accounts: dict[str, KeyAccount] = {}
        self.revoked: set[str] = set()
        self.generations: dict[str, dict[str, Any]] = {}
        self._generation_owner: dict[str, tuple[str, float]] = {}  # id -> (key label, readable from)
        self.prompt_cache = PromptCache()
        self.connections = Connections()
        self._counter = 0
        self._changed = threading.Condition(self._lock)
        self.app = Starlette(routes=[Mount(API_PREFIX, routes=self._routes())])

    def _routes(self) -> list[Route]:
        catalogue, chat, account, control = (
            ModelRoutes(self),
            ChatRoutes(self),
            AccountRoutes(self),
            ControlRoutes(self),
        )
        return [
            Route("/models", catalogue.list_models, methods=["GET"]),
            Route("/models/{author}/{slug:path}/endpoints", catalogue.endpoints, methods=["GET"]),
            Route("/chat/completions", chat.chat, methods=["POST"]),
            Route("/generation", account.generation, methods=["GET"]),
            Route("/key", account.key, methods=["GET"]),
            Route("/auth/key", account.key, methods=["GET"]),
            Route("/credits", account.credits, methods=["GET"]),
            Route("/_sim/faults", control.faults, methods=["POST", "DELETE"]),
            Route("/_sim/events", control.events, methods=["GET"]),
            Route("/_sim/reset", control.reset, methods=["POST"]),
        ]

    # -- scripting (in process) ----------------------------------------------------------

    def add_fault(self, fault: Fault | str, **overrides: Any) -> Fault:
        """Queue a fault (a `Fault`, or the name of one of the reference errors)."""
        if isinstance(fault, str):
            fault = named_fault(fault, **overrides)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.events.clear()
        self.prompt_cache.clear()

    def account(self, key: str) -> KeyAccount:
        """The account of `key` (created as a first request would), to script its cap, BYOK or credits."""
        with self._lock:
            return self._account_for(key)

    def events_of(self, kind: str | None = None) -> list[Event]:
        """The events logged so far, of one `kind` or (without it) all of them."""
        with self._lock:
            return [e for e in self.events if kind is None or e.kind == kind]

    def wait_for_event(self, kind: str, timeout: float) -> Event | None:
        """Block (in a thread) until an event of `kind` is logged; for cross-thread tests."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [e for e in self.events if e.kind == kind]
                if found:
                    return found[-1]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    # -- shared by the routes ----------------------------------------------------------------

    async def admit(
        self,
        request: Request,
        *,
        authenticate: bool = True,
        fault_path: str | None = None,
        model: str | None = None,
    ) -> Admission | Response:
        """The preamble of the API routes: authenticate the key, then take the fault scripted here.

        Returns the `Admission` the route goes on with, or the response that ends the
        request: a 401 for a missing, malformed or revoked key, or the taken fault's
        error (after its delay). Without `fault_path` no fault is taken; a fault without
        a status (a streaming behaviour) is handed to the route. The key is checked
        first, so a rejected request leaves the queued faults alone.
        """
        account = self._authenticate(request) if authenticate else None
        if isinstance(account, Response):
            return account
        fault = self._take_fault(fault_path, model) if fault_path is not None else None
        if fault is not None:
            if fault.delay:
                await anyio.sleep(fault.delay)
            if fault.status is not None:
                return fault_response(fault, self.clock())
        return Admission(fault, account)

    def log(self, kind: str, path: str, **detail: Any) -> None:
        with self._changed:
            self.events.append(Event(kind, path, detail, at=self.monotonic()))
            self._changed.notify_all()

    def find_model(self, model_id: str) -> dict[str, Any] | None:
        """The catalogue entry of an id or canonical slug (routing variants such as `:online` stripped)."""
        by_id = {m["id"]: m for m in self.models}  # `models` is public: tests add to it
        found = by_id.get(model_id)
        if found is None:
            found = next((m for m in self.models if m.get("canonical_slug") == model_id), None)
        base, _, variant = model_id.partition(":")
        if found is None and variant and variant != "free":
            found = by_id.get(base)
        return found

    def next_id(self) -> str:
        with self._lock:
            self._counter += 1
            counter = self._counter
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        suffix = "".join(alphabet[(counter * 7919 + i * 104729) % len(alphabet)] for i in range(20))
        return f"gen-{int(self.clock())}-{suffix}"

    def bill(self, account: KeyAccount, cost: Decimal, generation: dict[str, Any]) -> None:
        """Charge `cost` to the account and keep the generation's record for `GET /generation`."""
        now = self.clock()
        with self._lock:
            account.spend(now, cost)
            self.generations[generation["id"]] = generation
            self._generation_owner[generation["id"]] = (account.label, now + self.generation_delay)

    def generation_for(self, generation_id: str, account: KeyAccount) -> dict[str, Any] | None:
        """The record of a generation of this key, once its stats are ready (None before, or if not ours)."""
        with self._lock:
            owner = self._generation_owner.get(generation_id)
            if owner is None or owner[0] != account.label or self.clock() < owner[1]:
                return None
            return self.generations.get(generation_id)

    def _authenticate(self, request: Request) -> KeyAccount | Response:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key:
            return error_response(401, "No cookie auth credentials found", user=False)
        if not key.startswith("sk-or-") or key in self.revoked:
            return error_response(401, "User not found.", user=False)
        with self._lock:
            return self._account_for(key)

    def _account_for(self, key: str) -> KeyAccount:
        account = self.accounts.get(key)
        if account is None:
            # Keys are told apart by name: "mgmt" makes a management key, "byok" one with provider keys.
            account = KeyAccount(label=f"{key[:12]}...{key[-3:]}", management="mgmt" in key, byok="byok" in key)
            if not account.management:
                account.seed_history(self.clock())
            self.accounts[key] = account
        return account

    def _take_fault(self, path: str, model: str | None) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self.faults):
                if fault.matches(path, model):
                    if not fault.takes_next():
                        return None  # a request `every` lets pass: it is answered normally
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            del self.faults[index]
                    return fault
        return None
