"""Typed views of OpenRouter's responses, parsed tolerantly.

The live API adds and drops fields over time, so every parser here accepts a missing
or oddly typed field and falls back to `None` instead of failing the call.
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
