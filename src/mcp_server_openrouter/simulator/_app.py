"""The fake OpenRouter: a Starlette app with the real API's routes, shapes and errors.

Replies are deterministic and describe what they received (model, messages, content
part types, parameters), so tests can assert what the client sent. `/_sim/*` routes let
a test in another process script faults and read the log of what happened.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route

from mcp_server_openrouter.simulator._catalog import build_catalog
from mcp_server_openrouter.simulator._faults import Fault, error_body, named_fault

DEFAULT_CREDITS = Decimal("10")
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
API_PREFIX = "/api/v1"

_PROVIDER_NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google AI Studio",
    "meta-llama": "DeepInfra",
    "mistralai": "Mistral",
    "deepseek": "DeepSeek",
    "qwen": "Alibaba",
    "x-ai": "xAI",
}
# Provider-native spellings of "stop" and "length", as seen in captures.
_NATIVE_FINISH = {
    "anthropic": ("end_turn", "max_tokens"),
    "google": ("STOP", "MAX_TOKENS"),
    "openai": ("completed", "length"),
}


@dataclass
class KeyAccount:
    label: str
    credits: Decimal = DEFAULT_CREDITS
    usage: Decimal = Decimal(0)
    management: bool = False


@dataclass
class Event:
    kind: str  # "request", "stream_completed", "stream_cancelled"
    path: str
    detail: dict[str, Any] = field(default_factory=dict)


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


class Simulator:
    """State and behaviour of the fake API. `app` is the ASGI application."""

    def __init__(self, *, seed: int = 20260801, clock: Any = time.time) -> None:
        self.models = build_catalog(seed)
        self._by_id = {m["id"]: m for m in self.models}
        self._clock = clock
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        self.events: list[Event] = []
        self.accounts: dict[str, KeyAccount] = {}
        self.revoked: set[str] = set()
        self.generations: dict[str, dict[str, Any]] = {}
        self._counter = 0
        self._changed = threading.Condition(self._lock)
        self.app = Starlette(routes=[Mount(API_PREFIX, routes=self._routes())])

    def _routes(self) -> list[Route]:
        return [
            Route("/models", self.list_models, methods=["GET"]),
            Route("/models/{author}/{slug:path}/endpoints", self.endpoints, methods=["GET"]),
            Route("/chat/completions", self.chat, methods=["POST"]),
            Route("/generation", self.generation, methods=["GET"]),
            Route("/key", self.key, methods=["GET"]),
            Route("/auth/key", self.key, methods=["GET"]),
            Route("/credits", self.credits, methods=["GET"]),
            Route("/_sim/faults", self.control_faults, methods=["POST", "DELETE"]),
            Route("/_sim/events", self.control_events, methods=["GET"]),
            Route("/_sim/reset", self.control_reset, methods=["POST"]),
        ]

    # -- scripting (in process) ----------------------------------------------------------

    def add_fault(self, fault: Fault | str, **overrides: Any) -> Fault:
        """Queue a fault (a `Fault`, or the name of one of the reference errors)."""
        if isinstance(fault, str):
            fault = named_fault(fault, **overrides)
        with self._lock:
            self.faults.append(fault)
        return fault

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.events.clear()

    def events_of(self, kind: str) -> list[Event]:
        with self._lock:
            return [e for e in self.events if e.kind == kind]

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

    def _log(self, kind: str, path: str, **detail: Any) -> None:
        with self._changed:
            self.events.append(Event(kind, path, detail))
            self._changed.notify_all()

    def _take_fault(self, path: str, model: str | None) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self.faults):
                if fault.matches(path, model):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            del self.faults[index]
                    return fault
        return None

    def _next_id(self) -> str:
        with self._lock:
            self._counter += 1
            counter = self._counter
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        suffix = "".join(alphabet[(counter * 7919 + i * 104729) % len(alphabet)] for i in range(20))
        return f"gen-{int(self._clock())}-{suffix}"

    # -- helpers ------------------------------------------------------------------------

    def _account(self, request: Request) -> KeyAccount | Response:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key:
            return JSONResponse(error_body(401, "No cookie auth credentials found", user=False), status_code=401)
        if not key.startswith("sk-or-") or key in self.revoked:
            return JSONResponse(error_body(401, "User not found.", user=False), status_code=401)
        with self._lock:
            account = self.accounts.get(key)
            if account is None:
                account = KeyAccount(label=f"{key[:12]}...{key[-3:]}", management="mgmt" in key)
                self.accounts[key] = account
        return account

    @staticmethod
    def _fault_response(fault: Fault) -> Response:
        return JSONResponse(fault.body or {}, status_code=fault.status or 500, headers=fault.headers)

    def _model(self, model_id: str) -> dict[str, Any] | None:
        return self._by_id.get(model_id) or self._by_id.get(model_id.split(":", 1)[0] if ":" in model_id else model_id)

    async def _apply_fault(self, path: str, model: str | None) -> tuple[Fault | None, Response | None]:
        fault = self._take_fault(path, model)
        if fault is None:
            return None, None
        if fault.delay:
            await anyio.sleep(fault.delay)
        if fault.status is not None:
            return fault, self._fault_response(fault)
        return fault, None

    # -- catalogue --------------------------------------------------------------------------

    async def list_models(self, request: Request) -> Response:
        self._log("request", "/models", query=dict(request.query_params))
        _, response = await self._apply_fault("/models", None)
        if response is not None:
            return response
        output = request.query_params.get("output_modalities", "text")
        models = self.models
        if output != "all":
            wanted = set(output.split(","))
            models = [m for m in models if wanted & set(m["architecture"]["output_modalities"])]
        needed = request.query_params.get("supported_parameters")
        if needed:
            models = [m for m in models if needed in m["supported_parameters"]]
        return JSONResponse({"data": models, "total_count": len(models), "links": {"next": None}})

    async def endpoints(self, request: Request) -> Response:
        model_id = f"{request.path_params['author']}/{request.path_params['slug']}"
        self._log("request", "/models/endpoints", model=model_id)
        _, response = await self._apply_fault("/models/endpoints", model_id)
        if response is not None:
            return response
        model = self._model(model_id)
        if model is None:
            return JSONResponse(error_body(404, f"No model found for {model_id}", user=False), status_code=404)
        endpoints = []
        author = model_id.split("/", 1)[0]
        names = [_PROVIDER_NAMES.get(author, author.title()), "DeepInfra", "Together"][: 1 + len(model_id) % 3]
        for index, provider in enumerate(names):
            pricing = dict(model["pricing"])
            if index and "prompt" in pricing and pricing["prompt"] != "-1":
                pricing["prompt"] = format(Decimal(pricing["prompt"]) * Decimal("1.1"), "f")
            endpoints.append(
                {
                    "name": f"{provider} | {model_id}",
                    "model_name": model["name"],
                    "provider_name": provider,
                    "tag": provider.lower().replace(" ", "-"),
                    "context_length": model["context_length"],
                    "max_prompt_tokens": None,
                    "max_completion_tokens": model["top_provider"]["max_completion_tokens"],
                    "pricing": {**pricing, "discount": 0},
                    "quantization": None if index == 0 else ["fp8", "bf16"][index % 2],
                    "status": 0,
                    "supported_parameters": model["supported_parameters"],
                    "uptime_last_30m": 99.5 - index * 1.5,
                }
            )
        data = {"id": model_id, "name": model["name"], "created": model["created"], "endpoints": endpoints}
        return JSONResponse({"data": data})

    # -- chat ---------------------------------------------------------------------------------

    async def chat(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse(error_body(400, "Invalid JSON body", user=False), status_code=400)
        if not isinstance(body, dict):
            return JSONResponse(error_body(400, "Request body must be an object", user=False), status_code=400)
        model_id = body.get("model")
        self._log(
            "request",
            "/chat/completions",
            body=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        account = self._account(request)
        if isinstance(account, Response):
            return account
        fault, response = await self._apply_fault("/chat/completions", model_id if isinstance(model_id, str) else None)
        if response is not None:
            return response
        if not isinstance(model_id, str) or not model_id:
            return JSONResponse(error_body(400, "No models provided"), status_code=400)
        model = self._model(model_id)
        if model is None:
            return JSONResponse(error_body(400, f"{model_id} is not a valid model ID"), status_code=400)
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return JSONResponse(error_body(400, 'Input required: specify "messages"'), status_code=400)

        prompt_tokens = sum(estimate_tokens(json.dumps(m)) for m in messages)
        max_out = body.get("max_tokens") or model["top_provider"]["max_completion_tokens"] or 4096
        prompt_price, completion_price = _prices(model)
        worst_case = prompt_price * prompt_tokens + completion_price * int(max_out)
        if worst_case > account.credits - account.usage:
            affordable = (
                int((account.credits - account.usage - prompt_price * prompt_tokens) / completion_price)
                if completion_price
                else 0
            )
            return JSONResponse(
                error_body(
                    402,
                    f"This request requires more credits, or fewer max_tokens. You requested up to {max_out} tokens, "
                    f"but can only afford {max(affordable, 0)}. To increase, visit "
                    "https://openrouter.ai/settings/credits and upgrade to a paid account",
                    {"provider_name": None},
                ),
                status_code=402,
            )

        reply_words = describe(body, model_id).split(" ")
        tokens = [w if i == 0 else " " + w for i, w in enumerate(reply_words)]
        finish = "stop"
        if body.get("max_tokens") and int(body["max_tokens"]) < len(tokens):
            tokens = tokens[: int(body["max_tokens"])]
            finish = "length"
        stop = body.get("stop")
        for marker in [stop] if isinstance(stop, str) else stop or []:
            text_so_far = "".join(tokens)
            if isinstance(marker, str) and marker and marker in text_so_far:
                cut = text_so_far.index(marker)
                tokens = _retokenize(text_so_far[:cut])
                finish = "stop"
        author = model_id.split("/", 1)[0]
        native = _NATIVE_FINISH.get(author, ("stop", "length"))[0 if finish == "stop" else 1]
        generation: dict[str, Any] = {
            "id": self._next_id(),
            "model": model.get("canonical_slug") or model_id,
            "provider": _PROVIDER_NAMES.get(author, author.replace("-", " ").title()),
            "created": int(self._clock()),
        }
        if fault is not None and fault.empty_choices:
            return JSONResponse({**generation, "object": "chat.completion", "choices": []})
        if body.get("stream"):
            return StreamingResponse(
                self._stream(generation, tokens, finish, native, prompt_tokens, model, account, fault, author),
                media_type="text/event-stream",
                headers={"X-Generation-Id": generation["id"], "Cache-Control": "no-cache"},
            )
        usage = self._charge(account, model, generation, prompt_tokens, len(tokens), streamed=False, cancelled=False)
        return JSONResponse(
            {
                **generation,
                "object": "chat.completion",
                "system_fingerprint": None,
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": finish,
                        "native_finish_reason": native,
                        "message": {
                            "role": "assistant",
                            "content": "".join(tokens),
                            "refusal": None,
                            "reasoning": None,
                        },
                    }
                ],
                "usage": usage,
            },
            headers={"X-Generation-Id": generation["id"]},
        )

    def _charge(
        self,
        account: KeyAccount,
        model: Mapping[str, Any],
        generation: Mapping[str, Any],
        prompt_tokens: int,
        completion_tokens: int,
        *,
        streamed: bool,
        cancelled: bool,
    ) -> dict[str, Any]:
        prompt_price, completion_price = _prices(model)
        prompt_cost = prompt_price * prompt_tokens
        completion_cost = completion_price * completion_tokens
        cost = prompt_cost + completion_cost
        with self._lock:
            account.usage += cost
            self.generations[generation["id"]] = {
                "id": generation["id"],
                "model": model["id"],
                "total_cost": float(cost),
                "tokens_prompt": prompt_tokens,
                "tokens_completion": completion_tokens,
                "native_tokens_prompt": prompt_tokens,
                "native_tokens_completion": completion_tokens,
                "native_tokens_reasoning": 0,
                "provider_name": generation["provider"],
                "streamed": streamed,
                "cancelled": cancelled,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(generation["created"])),
                "latency": 120,
                "generation_time": 40 * completion_tokens,
            }
        # Floats, as the real API sends them (binary noise included).
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "cost": float(cost),
            "is_byok": False,
            "prompt_tokens_details": {
                "cached_tokens": 0,
                "cache_write_tokens": 0,
                "audio_tokens": 0,
                "video_tokens": 0,
            },
            "cost_details": {
                "upstream_inference_cost": float(cost),
                "upstream_inference_prompt_cost": float(prompt_cost),
                "upstream_inference_completions_cost": float(completion_cost),
            },
            "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0, "audio_tokens": 0},
        }

    async def _stream(
        self,
        generation: dict[str, Any],
        tokens: list[str],
        finish: str,
        native: str,
        prompt_tokens: int,
        model: Mapping[str, Any],
        account: KeyAccount,
        fault: Fault | None,
        author: str,
    ) -> AsyncIterator[bytes]:
        head = {**generation, "object": "chat.completion.chunk"}

        def chunk(choices: list[Any], **extra: Any) -> bytes:
            return b"data: " + json.dumps({**head, "choices": choices, **extra}).encode() + b"\n\n"

        def delta_choice(
            content: str, finish_reason: str | None = None, native_reason: str | None = None
        ) -> dict[str, Any]:
            return {
                "index": 0,
                "delta": {"content": content, "role": "assistant"},
                "finish_reason": finish_reason,
                "native_finish_reason": native_reason,
            }

        sent = 0
        completed = False
        keepalives = fault.keepalives if fault and fault.keepalives is not None else 2
        try:
            for _ in range(keepalives):
                yield KEEPALIVE
                if fault and fault.keepalive_interval:
                    await anyio.sleep(fault.keepalive_interval)
            for index, token in enumerate(tokens):
                if fault and fault.error_after_tokens is not None and index == fault.error_after_tokens:
                    for line in _mid_stream_error(fault, chunk, delta_choice, self._partial_usage(prompt_tokens, sent)):
                        yield line
                    yield b"data: [DONE]\n\n"
                    completed = True
                    return
                if fault and fault.drop_after_tokens is not None and index == fault.drop_after_tokens:
                    completed = True
                    return
                if fault and fault.token_delay:
                    await anyio.sleep(fault.token_delay)
                yield chunk([delta_choice(token)])
                sent += 1
                if index == len(tokens) // 2:
                    yield KEEPALIVE  # keep-alives also arrive between chunks
            yield chunk([delta_choice("", finish, native)])
            yield KEEPALIVE  # ... and between the finish chunk and the usage chunk
            usage = self._charge(account, model, generation, prompt_tokens, sent, streamed=True, cancelled=False)
            # The three observed shapes of the usage chunk, by provider family.
            if author == "anthropic":
                yield chunk([], usage=usage)
            elif author == "openai":
                yield chunk([delta_choice("", finish, native)], usage=usage)
            else:
                yield chunk([{**delta_choice(""), "logprobs": None}], usage=usage)
            yield b"data: [DONE]\n\n"
            completed = True
        finally:
            if completed:
                self._log("stream_completed", "/chat/completions", id=generation["id"], tokens=sent)
            else:
                # The client went away mid-stream: bill what was generated, as OpenRouter does.
                self._charge(account, model, generation, prompt_tokens, sent, streamed=True, cancelled=True)
                self._log("stream_cancelled", "/chat/completions", id=generation["id"], tokens=sent)

    @staticmethod
    def _partial_usage(prompt_tokens: int, sent: int) -> dict[str, Any]:
        return {"prompt_tokens": prompt_tokens, "completion_tokens": sent, "total_tokens": prompt_tokens + sent}

    # -- account ---------------------------------------------------------------------------

    async def generation(self, request: Request) -> Response:
        account = self._account(request)
        if isinstance(account, Response):
            return account
        _, response = await self._apply_fault("/generation", None)
        if response is not None:
            return response
        found = self.generations.get(request.query_params.get("id", ""))
        if found is None:
            return JSONResponse(error_body(404, "Generation not found", user=False), status_code=404)
        return JSONResponse({"data": found})

    async def key(self, request: Request) -> Response:
        account = self._account(request)
        if isinstance(account, Response):
            return account
        _, response = await self._apply_fault("/key", None)
        if response is not None:
            return response
        usage = float(account.usage)
        return JSONResponse(
            {
                "data": {
                    "label": account.label,
                    "limit": float(account.credits),
                    "limit_remaining": float(account.credits - account.usage),
                    "limit_reset": None,
                    "usage": usage,
                    "usage_daily": usage,
                    "usage_weekly": usage,
                    "usage_monthly": usage,
                    "is_free_tier": False,
                    "is_management_key": account.management,
                    "rate_limit": {"requests": 40, "interval": "10s"},
                }
            }
        )

    async def credits(self, request: Request) -> Response:
        account = self._account(request)
        if isinstance(account, Response):
            return account
        if not account.management:
            return self._fault_response(named_fault("management_only"))
        return JSONResponse({"data": {"total_credits": float(account.credits), "total_usage": float(account.usage)}})

    # -- control (for tests in another process) ----------------------------------------------

    async def control_faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            with self._lock:
                self.faults.clear()
            return JSONResponse({"faults": 0})
        spec = await request.json()
        name = spec.pop("name", None) if isinstance(spec, dict) else None
        fault = self.add_fault(name, **spec) if name else self.add_fault(Fault(**spec))
        return JSONResponse(fault.to_dict())

    async def control_events(self, request: Request) -> Response:
        kind = request.query_params.get("kind")
        with self._lock:
            events = [e for e in self.events if kind is None or e.kind == kind]
            payload = [{"kind": e.kind, "path": e.path, **e.detail} for e in events]
        return JSONResponse({"events": payload})

    async def control_reset(self, request: Request) -> Response:
        self.reset()
        return JSONResponse({"ok": True})


def _prices(model: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    pricing = model.get("pricing", {})

    def one(key: str) -> Decimal:
        value = Decimal(str(pricing.get(key, "0")))
        return value if value >= 0 else Decimal("0.000001")  # routers bill the model they pick

    return one("prompt"), one("completion")


def _retokenize(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)] if text else []


def describe(body: Mapping[str, Any], model_id: str) -> str:
    """The deterministic reply: a description of the request, for tests to assert on."""
    messages = body.get("messages") or []
    roles = [str(m.get("role")) for m in messages if isinstance(m, Mapping)]
    parts: list[str] = []
    last_user = ""
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts += [str(p.get("type")) for p in content if isinstance(p, Mapping)]
            text = " ".join(
                str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text"
            )
        else:
            parts.append("text")
            text = str(content or "")
        if message.get("role") == "user":
            last_user = text
    params = sorted(k for k in body if k not in {"model", "messages", "stream", "stream_options", "usage"})
    counts = ", ".join(f"{p}×{parts.count(p)}" for p in sorted(set(parts)))
    quote = " ".join(last_user.split()[:12])
    return (
        f"[simulated {model_id}] Received {len(roles)} message{'s' if len(roles) != 1 else ''} "
        f"(roles: {', '.join(roles)}; parts: {counts}); parameters: {', '.join(params) or 'none'}. "
        f'You said: "{quote}". This reply comes from the offline OpenRouter simulator.'
    )


def _mid_stream_error(fault: Fault, chunk: Any, delta_choice: Any, usage: dict[str, Any]) -> list[bytes]:
    error = {
        "code": fault.error_code,
        "message": fault.error_message,
        "metadata": {
            "error_type": "timeout" if fault.error_code in (408, 504) else "provider_unavailable",
            "provider": "SimProvider",
        },
    }
    if fault.error_shape == 1:
        return [chunk([], error=error), chunk([delta_choice("", "error", "error")])]
    if fault.error_shape == 2:
        return [chunk([delta_choice("", "error", "error")], error=error)]
    if fault.error_shape == 3:
        return [chunk([delta_choice("")], error=error, usage=usage)]
    return [chunk([{"index": 0, "delta": {"content": ""}, "error": error, "finish_reason": "error"}])]
