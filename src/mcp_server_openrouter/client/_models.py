"""Typed views of OpenRouter's responses, parsed tolerantly.

Chat replies (`ChatCompletion`, `Usage`), a model's providers (`ModelEndpoints`, `Endpoint`),
a generation's stats (`Generation`), the key's limits (`KeyInfo`) and the account's credits
(`Credits`). The live API adds and drops fields over time, so every parser here accepts a
missing or oddly typed field and falls back to `None` instead of failing the call. Money is
`Decimal`; a boolean is never read as a number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mcp_server_openrouter._parse import as_decimal, as_int, as_mapping, as_str


@dataclass(frozen=True)
class Usage:
    """Token counts and cost of one call. `cost` is what OpenRouter charged, in USD."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost: Decimal | None = None
    upstream_cost: Decimal | None = None
    is_byok: bool | None = None
    web_search_requests: int | None = None

    @classmethod
    def parse(cls, data: object) -> Usage | None:
        if not isinstance(data, Mapping):
            return None
        prompt_details = as_mapping(data.get("prompt_tokens_details"))
        completion_details = as_mapping(data.get("completion_tokens_details"))
        cost_details = as_mapping(data.get("cost_details"))
        server_tools = as_mapping(data.get("server_tool_use_details"))
        is_byok = data.get("is_byok")
        return cls(
            prompt_tokens=as_int(data.get("prompt_tokens")),
            completion_tokens=as_int(data.get("completion_tokens")),
            total_tokens=as_int(data.get("total_tokens")),
            reasoning_tokens=as_int(completion_details.get("reasoning_tokens")),
            cached_tokens=as_int(prompt_details.get("cached_tokens")),
            cache_write_tokens=as_int(prompt_details.get("cache_write_tokens")),
            cost=as_decimal(data.get("cost")),
            upstream_cost=as_decimal(cost_details.get("upstream_inference_cost")),
            is_byok=is_byok if isinstance(is_byok, bool) else None,
            web_search_requests=as_int(server_tools.get("web_search_requests")),
        )


@dataclass
class ChatCompletion:
    """One assistant reply, from a plain response or assembled from a stream."""

    id: str | None = None
    model: str | None = None
    provider: str | None = None
    created: int | None = None
    text: str = ""
    reasoning: str | None = None
    refusal: str | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    annotations: list[Any] = field(default_factory=list)
    images: list[Any] = field(default_factory=list)
    usage: Usage | None = None

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> ChatCompletion:
        """Parse a non-streaming body that has at least one choice (checked by the caller)."""
        choice = as_mapping(body["choices"][0])
        message = as_mapping(choice.get("message"))
        content = message.get("content")
        tool_calls = message.get("tool_calls")
        annotations = message.get("annotations")
        images = message.get("images")
        return cls(
            id=as_str(body.get("id")),
            model=as_str(body.get("model")),
            provider=as_str(body.get("provider")),
            created=as_int(body.get("created")),
            text=content_text(content),
            reasoning=as_str(message.get("reasoning")),
            refusal=as_str(message.get("refusal")),
            finish_reason=as_str(choice.get("finish_reason")),
            native_finish_reason=as_str(choice.get("native_finish_reason")),
            tool_calls=[dict(t) for t in tool_calls if isinstance(t, Mapping)] if isinstance(tool_calls, list) else [],
            annotations=list(annotations) if isinstance(annotations, list) else [],
            images=list(images) if isinstance(images, list) else [],
            usage=Usage.parse(body.get("usage")),
        )


def content_text(content: object) -> str:
    """Message content as text: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text", "")) for part in content if isinstance(part, Mapping) and part.get("type") == "text"
        )
    return ""


# -- catalogue and account endpoints ---------------------------------------------------


def _as_float(value: object) -> float | None:
    # Booleans are ints to Python but never numbers to us (`"limit": true` is not 1).
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _price(value: object) -> Decimal | None:
    """A per-token price: missing means 0 (zero prices are left out), "-1" or junk means it varies (None)."""
    if value is None:
        return Decimal(0)
    number = as_decimal(value)
    return None if number is None or number < 0 else number


def _data(body: object) -> Mapping[str, Any]:
    """The `data` object of a response; the bare object when it is not wrapped."""
    body = as_mapping(body)
    data = body.get("data", body)
    return as_mapping(data)


@dataclass(frozen=True)
class EndpointPricing:
    """One endpoint's USD prices per token (per request, per image); None when the price varies."""

    prompt: Decimal | None = Decimal(0)
    completion: Decimal | None = Decimal(0)
    request: Decimal | None = Decimal(0)
    image: Decimal | None = Decimal(0)
    input_cache_read: Decimal | None = Decimal(0)
    input_cache_write: Decimal | None = Decimal(0)
    discount: Decimal | None = None

    @classmethod
    def parse(cls, data: object) -> EndpointPricing:
        data = as_mapping(data)
        return cls(
            prompt=_price(data.get("prompt")),
            completion=_price(data.get("completion")),
            request=_price(data.get("request")),
            image=_price(data.get("image")),
            input_cache_read=_price(data.get("input_cache_read")),
            input_cache_write=_price(data.get("input_cache_write")),
            discount=as_decimal(data.get("discount")),
        )


@dataclass(frozen=True)
class Endpoint:
    """One provider serving a model, from `GET /models/{id}/endpoints`."""

    provider_name: str | None = None
    name: str | None = None
    tag: str | None = None
    context_length: int | None = None
    max_prompt_tokens: int | None = None
    max_completion_tokens: int | None = None
    pricing: EndpointPricing = field(default_factory=EndpointPricing)
    quantization: str | None = None
    status: int | None = None
    uptime_last_30m: float | None = None
    supported_parameters: tuple[str, ...] = ()

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Endpoint:
        parameters = data.get("supported_parameters")
        return cls(
            provider_name=as_str(data.get("provider_name")),
            name=as_str(data.get("name")),
            tag=as_str(data.get("tag")),
            context_length=as_int(data.get("context_length")),
            max_prompt_tokens=as_int(data.get("max_prompt_tokens")),
            max_completion_tokens=as_int(data.get("max_completion_tokens")),
            pricing=EndpointPricing.parse(data.get("pricing")),
            quantization=as_str(data.get("quantization")),
            status=as_int(data.get("status")),
            uptime_last_30m=_as_float(data.get("uptime_last_30m")),
            supported_parameters=tuple(p for p in parameters if isinstance(p, str))
            if isinstance(parameters, list)
            else (),
        )


@dataclass(frozen=True)
class ModelEndpoints:
    """A model and the providers serving it; `endpoints` is empty when none are listed."""

    id: str | None = None
    name: str | None = None
    endpoints: tuple[Endpoint, ...] = ()

    @classmethod
    def parse(cls, body: object) -> ModelEndpoints:
        data = _data(body)
        endpoints = data.get("endpoints")
        return cls(
            id=as_str(data.get("id")),
            name=as_str(data.get("name")),
            endpoints=tuple(Endpoint.parse(e) for e in endpoints if isinstance(e, Mapping))
            if isinstance(endpoints, list)
            else (),
        )


@dataclass(frozen=True)
class Generation:
    """One generation's stats from `GET /generation?id=`; latencies are in milliseconds."""

    id: str | None = None
    model: str | None = None
    provider_name: str | None = None
    total_cost: Decimal | None = None
    upstream_inference_cost: Decimal | None = None
    tokens_prompt: int | None = None
    tokens_completion: int | None = None
    native_tokens_prompt: int | None = None
    native_tokens_completion: int | None = None
    native_tokens_reasoning: int | None = None
    native_tokens_cached: int | None = None
    latency: float | None = None
    generation_time: float | None = None
    finish_reason: str | None = None
    native_finish_reason: str | None = None
    created_at: str | None = None
    streamed: bool | None = None
    cancelled: bool | None = None
    is_byok: bool | None = None

    @classmethod
    def parse(cls, body: object) -> Generation:
        data = _data(body)
        return cls(
            id=as_str(data.get("id")),
            model=as_str(data.get("model")),
            provider_name=as_str(data.get("provider_name")),
            total_cost=as_decimal(data.get("total_cost")),
            upstream_inference_cost=as_decimal(data.get("upstream_inference_cost")),
            tokens_prompt=as_int(data.get("tokens_prompt")),
            tokens_completion=as_int(data.get("tokens_completion")),
            native_tokens_prompt=as_int(data.get("native_tokens_prompt")),
            native_tokens_completion=as_int(data.get("native_tokens_completion")),
            native_tokens_reasoning=as_int(data.get("native_tokens_reasoning")),
            native_tokens_cached=as_int(data.get("native_tokens_cached")),
            latency=_as_float(data.get("latency")),
            generation_time=_as_float(data.get("generation_time")),
            finish_reason=as_str(data.get("finish_reason")),
            native_finish_reason=as_str(data.get("native_finish_reason")),
            created_at=as_str(data.get("created_at")),
            streamed=_as_bool(data.get("streamed")),
            cancelled=_as_bool(data.get("cancelled")),
            is_byok=_as_bool(data.get("is_byok")),
        )


@dataclass(frozen=True)
class KeyInfo:
    """The key in use, from `GET /key`: its spending limit and usage in USD.

    `limit` is None for a key without a cap (the API sends null; anything that is not a
    number, `true` included, is read as "no known cap").
    """

    label: str | None = None
    limit: Decimal | None = None
    limit_remaining: Decimal | None = None
    limit_reset: str | None = None
    usage: Decimal | None = None
    usage_daily: Decimal | None = None
    usage_weekly: Decimal | None = None
    usage_monthly: Decimal | None = None
    byok_usage: Decimal | None = None
    is_free_tier: bool | None = None
    is_management_key: bool | None = None
    rate_limit_requests: int | None = None
    rate_limit_interval: str | None = None

    @classmethod
    def parse(cls, body: object) -> KeyInfo:
        data = _data(body)
        rate_limit = as_mapping(data.get("rate_limit"))
        return cls(
            label=as_str(data.get("label")),
            limit=as_decimal(data.get("limit")),
            limit_remaining=as_decimal(data.get("limit_remaining")),
            limit_reset=as_str(data.get("limit_reset")),
            usage=as_decimal(data.get("usage")),
            usage_daily=as_decimal(data.get("usage_daily")),
            usage_weekly=as_decimal(data.get("usage_weekly")),
            usage_monthly=as_decimal(data.get("usage_monthly")),
            byok_usage=as_decimal(data.get("byok_usage")),
            is_free_tier=_as_bool(data.get("is_free_tier")),
            is_management_key=_as_bool(data.get("is_management_key")),
            rate_limit_requests=as_int(rate_limit.get("requests")),
            rate_limit_interval=as_str(rate_limit.get("interval")),
        )


@dataclass(frozen=True)
class Credits:
    """Credits bought and used, from `GET /credits` (management keys only), in USD."""

    total_credits: Decimal | None = None
    total_usage: Decimal | None = None

    @property
    def balance(self) -> Decimal | None:
        if self.total_credits is None or self.total_usage is None:
            return None
        return self.total_credits - self.total_usage

    @classmethod
    def parse(cls, body: object) -> Credits:
        data = _data(body)
        return cls(total_credits=as_decimal(data.get("total_credits")), total_usage=as_decimal(data.get("total_usage")))
