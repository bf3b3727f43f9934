"""The chat route of the fake OpenRouter: `POST /chat/completions`, answered whole or streamed.

Replies are deterministic and describe what they received (model, messages, content
part types, parameters; see `describe`), so tests can assert what the client sent.
This module checks the request and the key's credits, cuts the reply at `max_tokens`
and `stop`, and sends it whole; `_chat_stream` sends it as server-sent events.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from mcp_server_openrouter.simulator._catalog import PROVIDER_NAMES
from mcp_server_openrouter.simulator._chat_stream import stream
from mcp_server_openrouter.simulator._completion import Completion, prices
from mcp_server_openrouter.simulator._faults import error_response

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import KeyAccount, Simulator

# Provider-native spellings of "stop" and "length", as seen in captures.
_NATIVE_FINISH = {
    "anthropic": ("end_turn", "max_tokens"),
    "google": ("STOP", "MAX_TOKENS"),
    "openai": ("completed", "length"),
}


def estimate_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


class ChatRoutes:
    """`POST /chat/completions`: validation, the credit check, the reply, and its delivery."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def chat(self, request: Request) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return error_response(400, "Invalid JSON body", user=False)
        if not isinstance(body, dict):
            return error_response(400, "Request body must be an object", user=False)
        model_id = body.get("model")
        self.sim.log(
            "request",
            "/chat/completions",
            body=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        admitted = await self.sim.admit(
            request, fault_path="/chat/completions", model=model_id if isinstance(model_id, str) else None
        )
        if isinstance(admitted, Response):
            return admitted
        if not isinstance(model_id, str) or not model_id:
            return error_response(400, "No models provided")
        model = self.sim.find_model(model_id)
        if model is None:
            return error_response(400, f"{model_id} is not a valid model ID")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error_response(400, 'Input required: specify "messages"')

        prompt_tokens = sum(estimate_tokens(json.dumps(m)) for m in messages)
        refusal = _refuse_unaffordable(admitted.account, model, body, prompt_tokens)
        if refusal is not None:
            return refusal
        tokens, finish = _reply_tokens(body, model_id)
        author = model_id.split("/", 1)[0]
        completion = Completion(
            head={
                "id": self.sim.next_id(),
                "model": model.get("canonical_slug") or model_id,
                "provider": PROVIDER_NAMES.get(author, author.replace("-", " ").title()),
                "created": int(self.sim.clock()),
            },
            tokens=tokens,
            finish=finish,
            native_finish=_NATIVE_FINISH.get(author, ("stop", "length"))[0 if finish == "stop" else 1],
            prompt_tokens=prompt_tokens,
            model=model,
            account=admitted.account,
            fault=admitted.fault,
            author=author,
        )
        if completion.fault is not None and completion.fault.empty_choices:
            return JSONResponse({**completion.head, "object": "chat.completion", "choices": []})
        if body.get("stream"):
            return StreamingResponse(
                stream(self.sim, completion),
                media_type="text/event-stream",
                headers={"X-Generation-Id": completion.head["id"], "Cache-Control": "no-cache"},
            )
        return self._whole(completion)

    def _whole(self, completion: Completion) -> Response:
        usage = completion.charge(self.sim, len(completion.tokens), streamed=False, cancelled=False)
        return JSONResponse(
            {
                **completion.head,
                "object": "chat.completion",
                "system_fingerprint": None,
                "choices": [
                    {
                        "index": 0,
                        "logprobs": None,
                        "finish_reason": completion.finish,
                        "native_finish_reason": completion.native_finish,
                        "message": {
                            "role": "assistant",
                            "content": "".join(completion.tokens),
                            "refusal": None,
                            "reasoning": None,
                        },
                    }
                ],
                "usage": usage,
            },
            headers={"X-Generation-Id": completion.head["id"]},
        )


def _refuse_unaffordable(
    account: KeyAccount, model: Mapping[str, Any], body: Mapping[str, Any], prompt_tokens: int
) -> Response | None:
    """The 402 for a request whose worst case (prompt plus `max_tokens` of output) exceeds the key's credits."""
    max_out = body.get("max_tokens") or model["top_provider"]["max_completion_tokens"] or 4096
    prompt_price, completion_price = prices(model)
    worst_case = prompt_price * prompt_tokens + completion_price * int(max_out)
    if worst_case <= account.credits - account.usage:
        return None
    affordable = (
        int((account.credits - account.usage - prompt_price * prompt_tokens) / completion_price)
        if completion_price
        else 0
    )
    return error_response(
        402,
        f"This request requires more credits, or fewer max_tokens. You requested up to {max_out} tokens, "
        f"but can only afford {max(affordable, 0)}. To increase, visit "
        "https://openrouter.ai/settings/credits and upgrade to a paid account",
        {"provider_name": None},
    )


def _reply_tokens(body: Mapping[str, Any], model_id: str) -> tuple[list[str], str]:
    """The reply's tokens, cut at `max_tokens` or a `stop` marker, and its finish reason."""
    tokens = _retokenize(describe(body, model_id))
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
    return tokens, finish


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
