"""What a generation costs, the `usage` object that reports it, and the record `GET /generation` returns.

Prices come from the model's catalogue entry (per token, the long-prompt tier of
`pricing.overrides` past its `min_prompt_tokens`): uncached prompt tokens at `prompt`,
cached ones at `input_cache_read`, written ones at `input_cache_write`, completion tokens
(reasoning and images included) at `completion`. A web search adds its server-tool price
(the model's `web_search` per request, else the plugin's $0.004 a result) to `cost` but not
to `cost_details.upstream_inference_cost`. With the caller's own provider key (BYOK) `cost`
is 0 and the upstream cost is only in `cost_details`. The 2025 shape without `cost` is
`omit_cost`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mcp_server_openrouter.simulator._extras import EXA_PRICE_PER_RESULT


@dataclass(frozen=True)
class Prices:
    prompt: Decimal
    completion: Decimal
    cache_read: Decimal
    cache_write: Decimal


def prices(model: Mapping[str, Any], prompt_tokens: int = 0) -> Prices:
    """The model's per-token prices for a prompt of this size."""
    pricing: dict[str, Any] = dict(model.get("pricing", {}))
    tiers = [t for t in pricing.get("overrides") or [] if isinstance(t, Mapping)]
    for tier in sorted(tiers, key=lambda t: int(t.get("min_prompt_tokens", 0))):
        if prompt_tokens >= int(tier.get("min_prompt_tokens", 0)):
            pricing.update({k: v for k, v in tier.items() if k != "min_prompt_tokens"})

    def one(key: str, fallback: Decimal) -> Decimal:
        if key not in pricing:
            return fallback
        value = Decimal(str(pricing[key]))
        return value if value >= 0 else Decimal("0.000001")  # routers bill the model they pick

    prompt = one("prompt", Decimal(0))
    return Prices(
        prompt, one("completion", Decimal(0)), one("input_cache_read", prompt), one("input_cache_write", prompt)
    )


@dataclass(frozen=True)
class Tokens:
    """What one generation counted."""

    prompt: int
    cached: int
    written: int
    completion: int
    reasoning: int
    images: int
    web_results: int


@dataclass(frozen=True)
class Bill:
    """What OpenRouter charges (`cost`), what the provider charged (`upstream`), and its parts."""

    cost: Decimal
    upstream: Decimal
    prompt_cost: Decimal
    completion_cost: Decimal
    byok: bool


def bill(model: Mapping[str, Any], tokens: Tokens, *, byok: bool) -> Bill:
    price = prices(model, tokens.prompt)
    uncached = tokens.prompt - tokens.cached - tokens.written
    prompt_cost = uncached * price.prompt + tokens.cached * price.cache_read + tokens.written * price.cache_write
    completion_cost = tokens.completion * price.completion
    upstream = prompt_cost + completion_cost
    search = Decimal(0)
    if tokens.web_results:
        native = model.get("pricing", {}).get("web_search")
        search = Decimal(str(native)) if native else Decimal(EXA_PRICE_PER_RESULT) * tokens.web_results
    cost = Decimal(0) if byok else upstream + search
    return Bill(cost, upstream, prompt_cost, completion_cost, byok)


def usage_object(tokens: Tokens, charged: Bill, *, omit_cost: bool) -> dict[str, Any]:
    """`usage` as sent: floats for money (binary noise included), the details of every count."""
    usage: dict[str, Any] = {
        "prompt_tokens": tokens.prompt,
        "completion_tokens": tokens.completion,
        "total_tokens": tokens.prompt + tokens.completion,
    }
    if omit_cost:  # the 2025 shape, before `cost` was always sent
        usage["completion_tokens_details"] = {"reasoning_tokens": tokens.reasoning}
        return usage
    usage.update(
        {
            "cost": 0 if charged.byok else float(charged.cost),
            "is_byok": charged.byok,
            "prompt_tokens_details": {
                "cached_tokens": tokens.cached,
                "cache_write_tokens": tokens.written,
                "audio_tokens": 0,
                "video_tokens": 0,
            },
            "cost_details": {
                "upstream_inference_cost": float(charged.upstream),
                "upstream_inference_prompt_cost": float(charged.prompt_cost),
                "upstream_inference_completions_cost": float(charged.completion_cost),
            },
            "completion_tokens_details": {
                "reasoning_tokens": tokens.reasoning,
                "image_tokens": tokens.images,
                "audio_tokens": 0,
            },
        }
    )
    if tokens.web_results:
        usage["server_tool_use_details"] = {
            "web_search_requests": 1,
            "tool_calls_requested": 1,
            "tool_calls_executed": 1,
        }
    return usage


def generation_record(
    head: Mapping[str, Any],
    model_id: str,
    tokens: Tokens,
    charged: Bill,
    *,
    streamed: bool,
    cancelled: bool,
    finish: str | None,
    native_finish: str | None,
) -> dict[str, Any]:
    """What `GET /generation` returns once the generation's stats are ready."""
    created = head["created"]
    return {
        "id": head["id"],
        "upstream_id": f"chatcmpl-{head['id'][-20:]}",
        "total_cost": 0 if charged.byok else float(charged.cost),
        "cache_discount": None,
        "upstream_inference_cost": float(charged.upstream),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(created)),
        "model": model_id,
        "app_id": None,
        "streamed": streamed,
        "cancelled": cancelled,
        "provider_name": head["provider"],
        "latency": 120 + 25 * (tokens.prompt // 1000),
        "moderation_latency": None,
        "generation_time": 40 * tokens.completion,
        "finish_reason": finish,
        "native_finish_reason": native_finish,
        "tokens_prompt": tokens.prompt,
        "tokens_completion": tokens.completion,
        "native_tokens_prompt": tokens.prompt,
        "native_tokens_completion": tokens.completion,
        "native_tokens_completion_images": tokens.images,
        "native_tokens_reasoning": tokens.reasoning,
        "native_tokens_cached": tokens.cached,
        "num_media_prompt": None,
        "num_media_completion": 1 if tokens.images else None,
        "num_search_results": tokens.web_results or None,
        "origin": "",
        "usage": 0 if charged.byok else float(charged.cost),
        "is_byok": charged.byok,
        "api_type": "completions",
        "external_user": None,
        "router": None,
    }
