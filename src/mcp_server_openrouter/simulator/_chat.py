"""The chat route of the fake OpenRouter: `POST /chat/completions`, answered whole or streamed.

This module checks the request as the real service does — the key, the model id (`models`
fallbacks, `:free` and routing variants, dash aliases such as `claude-sonnet-4-5`; a retired
`:free` id has no endpoints), tool support, the context window, the key's credits and cap —
then plans the reply (`_reply`), works out prompt caching (`_caching`), and sends it whole
or as server-sent events (`_chat_stream`). The reply's `model` is the requested id for most
models and the dated canonical slug for Anthropic's, as in the captures. A whole answer that
a fault breaks carries the error in its choice, at HTTP 200; one whose connection is dropped
is cut (reset when served on a port).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from mcp_server_openrouter.simulator._billing import prices
from mcp_server_openrouter.simulator._catalog import PROVIDER_NAMES, RETIRED_FREE
from mcp_server_openrouter.simulator._chat_stream import stream
from mcp_server_openrouter.simulator._completion import Completion
from mcp_server_openrouter.simulator._faults import error_response
from mcp_server_openrouter.simulator._reply import cut_at, long_answer, max_tokens_of, plan_reply, prompt_tokens

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Admission, Simulator
    from mcp_server_openrouter.simulator._ledger import KeyAccount

ROUTING_VARIANTS = frozenset({"nitro", "floor", "online", "thinking", "extended", "exacto"})
_ROUTING_DOCS = "To learn more about provider routing, visit: https://openrouter.ai/docs/provider-routing"
_SEARCH_TOKENS_PER_RESULT = 350  # what each search result adds to the prompt


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
        self.sim.log(
            "request",
            "/chat/completions",
            body=body,
            headers={k: v for k, v in request.headers.items() if k.lower() != "authorization"},
        )
        admitted, body = await self._admit_with_fallbacks(request, body)
        if isinstance(admitted, Response):
            return admitted
        resolved = self.resolve(body)
        if isinstance(resolved, Response):
            return resolved
        requested, model = resolved
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return error_response(400, 'Input required: specify "messages"')
        if body.get("tools") and "tools" not in model["supported_parameters"]:
            return error_response(404, f"No endpoints found that support tool use. {_ROUTING_DOCS}")
        completion = self._complete(request, body, requested, model, admitted)
        if isinstance(completion, Response):
            return completion
        return self._deliver(body, completion)

    async def _admit_with_fallbacks(
        self, request: Request, body: dict[str, Any]
    ) -> tuple[Admission | Response, dict[str, Any]]:
        """Admit the request for its model; with `models` fallbacks, a model whose request fails
        (a scripted 429 or 5xx for it) passes the request to the next, as OpenRouter does. The body
        then names the model that answers."""
        asked = body.get("model")
        fallbacks = [m for m in body.get("models") or [] if isinstance(m, str) and m != asked]
        candidates = [asked if isinstance(asked, str) else None, *fallbacks]
        path = "/chat/completions"
        admitted: Admission | Response = await self.sim.admit(request, fault_path=path, model=candidates[0])
        for candidate in candidates[1:]:
            if not isinstance(admitted, Response) or not _falls_back(admitted.status_code):
                break
            body = {**body, "model": candidate}
            admitted = await self.sim.admit(request, fault_path=path, model=candidate)
        return admitted, body

    def resolve(self, body: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | Response:
        """The model that answers: `model`, else the first of `models` that OpenRouter can route to."""
        given = [body.get("model")] if body.get("model") else list(body.get("models") or [])
        candidates = [c for c in given if isinstance(c, str) and c]
        if not candidates or len(candidates) != len(given):
            return error_response(400, "No models provided")
        first_error: Response | None = None
        for candidate in candidates:
            found = self._lookup(candidate)
            if not isinstance(found, Response):
                return candidate, found
            first_error = first_error or found
        assert first_error is not None
        return first_error

    def _lookup(self, model_id: str) -> dict[str, Any] | Response:
        base, _, variant = model_id.partition(":")
        if variant == "free":
            if model_id in RETIRED_FREE:
                return error_response(404, f"No endpoints found for {model_id}.")
            found = self.sim.find_model(model_id)
        elif not variant or variant in ROUTING_VARIANTS:
            found = self.sim.find_model(base) or self.sim.find_model(re.sub(r"(\d)-(\d)", r"\1.\2", base))
        else:
            found = None
        return found if found is not None else error_response(400, f"{model_id} is not a valid model ID")

    def _complete(
        self, request: Request, body: Mapping[str, Any], requested: str, model: dict[str, Any], admitted: Admission
    ) -> Completion | Response:
        account, fault = admitted.account, admitted.fault
        messages: list[Any] = list(body["messages"])
        author = str(model["id"]).split("/", 1)[0]
        head = {
            "id": self.sim.next_id(),
            "provider": PROVIDER_NAMES.get(author, author.replace("-", " ").title()),
            # Anthropic's replies name the dated canonical slug; the others echo the id asked for.
            "model": model["canonical_slug"] if author == "anthropic" else _without_routing_variant(requested),
            "created": int(self.sim.clock()),
        }
        plan = plan_reply(body, model, requested, str(head["id"]))
        if fault is not None and fault.extra_words:
            plan.units += long_answer(fault.extra_words)
        prompt = prompt_tokens(messages, body.get("tools")) + plan.web_results * _SEARCH_TOKENS_PER_RESULT
        limit = max_tokens_of(body)
        byok = fault.byok if fault is not None and fault.byok is not None else account.byok
        refusal = None if byok else self._refuse_unaffordable(account, model, limit, prompt)
        if refusal is not None:
            return refusal
        context = int(model.get("context_length") or 0)
        if context and prompt + (limit or 0) > context:
            return error_response(
                400,
                f"This endpoint's maximum context length is {context} tokens. However, you requested about "
                f"{prompt + (limit or 0)} tokens ({prompt} of text input, {limit or 0} in the output). "
                'Please reduce the length of either one, or use the "middle-out" transform to compress your prompt '
                "automatically.",
            )
        limits = [n for n in (limit, fault.length_after_tokens if fault else None) if n is not None]
        cached, written = self.sim.prompt_cache.use(account.label, model, messages)
        client = request.client
        return Completion(
            head=head,
            plan=cut_at(plan, min(limits) if limits else None),
            prompt_tokens=prompt,
            cached_tokens=cached,
            written_tokens=written,
            model=model,
            account=account,
            fault=fault,
            author=author,
            byok=byok,
            peer=(client.host, client.port) if client else None,
        )

    def _refuse_unaffordable(
        self, account: KeyAccount, model: Mapping[str, Any], limit: int | None, prompt: int
    ) -> Response | None:
        """The 402 for a request whose worst case (prompt plus `max_tokens` out) exceeds what the key may spend."""
        max_out = limit or model["top_provider"]["max_completion_tokens"] or 4096
        price = prices(model, prompt)
        available = account.can_spend(self.sim.clock())
        if price.prompt * prompt + price.completion * int(max_out) <= available:
            return None
        affordable = int((available - price.prompt * prompt) / price.completion) if price.completion else 0
        capped = account.limit_remaining(self.sim.clock()) == available
        where = (
            "https://openrouter.ai/settings/keys and create a key with a higher limit"
            if capped
            else "https://openrouter.ai/settings/credits and upgrade to a paid account"
        )
        return error_response(
            402,
            f"This request requires more credits, or fewer max_tokens. You requested up to {max_out} tokens, "
            f"but can only afford {max(affordable, 0)}. To increase, visit {where}",
            {"provider_name": None},
        )

    def _deliver(self, body: Mapping[str, Any], completion: Completion) -> Response:
        fault = completion.fault
        if fault is not None and fault.empty_choices:
            return JSONResponse({**completion.head, "object": "chat.completion", "choices": []})
        if body.get("stream"):
            return StreamingResponse(
                stream(self.sim, completion),
                media_type="text/event-stream",
                headers={"X-Generation-Id": completion.head["id"], "Cache-Control": "no-cache"},
            )
        return self._whole(completion)

    def _whole(self, completion: Completion) -> Response:
        plan, fault = completion.plan, completion.fault
        units, finish = plan.units, plan.finish
        choice_extra: dict[str, Any] = {}
        if fault is not None and (fault.error_after_tokens is not None or fault.error_after_finish):
            units = plan.within(fault.error_after_tokens) if fault.error_after_tokens is not None else units
            finish = "error"
            if fault.error_shape != 5:
                choice_extra["error"] = completion.error_object()
        usage = completion.charge(self.sim, units, streamed=False, finish=finish)
        body = {
            **completion.head,
            "object": "chat.completion",
            "system_fingerprint": None,
            "service_tier": None,
            "choices": [
                {
                    "index": 0,
                    "logprobs": None,
                    "finish_reason": finish,
                    "native_finish_reason": completion.native_for(finish),
                    "message": completion.message(units),
                    **choice_extra,
                }
            ],
            "usage": usage,
        }
        headers = {"X-Generation-Id": completion.head["id"]}
        if fault is not None and fault.drop_after_tokens is not None:
            self.sim.log(
                "reply_dropped", "/chat/completions", id=completion.head["id"], tokens=usage["completion_tokens"]
            )
            if completion.peer is not None and self.sim.connections.reset(completion.peer):
                return Response(status_code=200)  # never sent: the connection is gone
            text = json.dumps(body)
            return Response(text[: len(text) // 2], media_type="application/json", headers=headers)
        return JSONResponse(body, headers=headers)


def _without_routing_variant(model_id: str) -> str:
    base, _, variant = model_id.partition(":")
    return base if variant in ROUTING_VARIANTS else model_id


def _falls_back(status: int) -> bool:
    """Errors of one model that OpenRouter routes around with `models` (not the caller's own mistakes)."""
    return status == 429 or status >= 500
