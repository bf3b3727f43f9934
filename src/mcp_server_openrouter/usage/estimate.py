"""What a chat call could cost, before it is sent: its prompt tokens, estimated, and its worst case.

The prompt is not run through the model's tokenizer (each model has its own, and none is at
hand): ASCII text counts four characters a token and any other character one token (CJK and
emoji run close to one a character, where four a token would undercount), each message four
more; each image 1,600 tokens (about the most one large image costs with OpenAI or Anthropic),
each PDF page 1,000 (a dense page of text), a file whose pages cannot be counted 20 pages,
audio a token per 500 bytes. An approximation, and every answer says so (`METHOD`).

The worst case is that prompt at the prompt price, plus the most completion tokens the call
may produce at the completion price (or the reasoning price where it is higher), plus the
per-request and per-image prices and a web search. "The most it may produce" is `max_tokens`
when given, else the model's largest output (`top_provider.max_completion_tokens`), else its
context length minus the prompt; the estimate says which. Prices are the catalogue's for the
model (a long prompt's tier of `pricing.overrides` applied); one provider may charge otherwise.
Everything is `Decimal`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mcp_server_openrouter._parse import as_int, as_mapping
from mcp_server_openrouter.catalog.model import Catalog, Model, Price
from mcp_server_openrouter.catalog.service import CatalogService

CHARS_PER_TOKEN = 4
MESSAGE_TOKENS = 4
REPLY_PRIMING_TOKENS = 3
IMAGE_TOKENS = 1_600
PDF_PAGE_TOKENS = 1_000
UNCOUNTED_FILE_PAGES = 20
AUDIO_BYTES_PER_TOKEN = 500

# The web plugin without a model's own search: Exa at $4 per 1,000 results, 5 results by default.
WEB_RESULT_USD = Decimal("0.004")
WEB_DEFAULT_RESULTS = 5

METHOD = (
    "estimated, not tokenized: ~4 ASCII characters or 1 other character a token, +4 a message; "
    "1,600 an image, 1,000 a PDF page"
)
MAX_TOKENS_GIVEN = "max_tokens"
MODEL_MAX_OUTPUT = "the model's max output (no max_tokens given)"
CONTEXT_LEFT = "context length minus the prompt (no max_tokens given)"

_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


@dataclass(frozen=True)
class PromptEstimate:
    """The prompt's tokens, estimated (see `METHOD`), and the attachments counted in them."""

    tokens: int
    images: int = 0
    pdf_pages: int = 0


def estimate_prompt(
    messages: Sequence[Mapping[str, Any]], *, tools: object = None, response_format: object = None
) -> PromptEstimate:
    """The prompt tokens of `messages` (with any tool definitions and response format)."""
    tally = _Tally()
    for message in messages:
        tally.tokens += MESSAGE_TOKENS
        content = message.get("content")
        if isinstance(content, str):
            tally.text(content)
        elif isinstance(content, list):
            for part in content:
                tally.part(part)
        if message.get("tool_calls"):
            tally.text(json.dumps(message["tool_calls"], ensure_ascii=False))
    for extra in (tools, response_format):
        if extra:
            tally.text(json.dumps(extra, ensure_ascii=False))
    return PromptEstimate(tally.tokens + REPLY_PRIMING_TOKENS, tally.images, tally.pdf_pages)


def text_tokens(text: str) -> int:
    """~4 ASCII characters a token, one token for any other character."""
    ascii_chars = sum(1 for char in text if char < "\x80")
    return math.ceil(ascii_chars / CHARS_PER_TOKEN) + (len(text) - ascii_chars)


class _Tally:
    def __init__(self) -> None:
        self.tokens = 0
        self.images = 0
        self.pdf_pages = 0

    def text(self, text: str) -> None:
        self.tokens += text_tokens(text)

    def part(self, part: object) -> None:
        part = as_mapping(part)
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            self.text(part["text"])
        elif kind == "image_url":
            self.images += 1
            self.tokens += IMAGE_TOKENS
        elif kind == "file":
            pages = _pdf_pages(as_mapping(part.get("file")).get("file_data"))
            self.pdf_pages += pages
            self.tokens += pages * PDF_PAGE_TOKENS
        elif kind == "input_audio":
            data = as_mapping(part.get("input_audio")).get("data")
            size = len(data) * 3 // 4 if isinstance(data, str) else 0
            self.tokens += math.ceil(size / AUDIO_BYTES_PER_TOKEN)
        else:
            self.text(json.dumps(part, ensure_ascii=False))


def _pdf_pages(file_data: object) -> int:
    """The pages of a PDF sent as a data URL; a file by URL (or unreadable) counts 20."""
    if not isinstance(file_data, str) or not file_data.startswith("data:") or "," not in file_data:
        return UNCOUNTED_FILE_PAGES
    try:
        data = base64.b64decode(file_data.split(",", 1)[1], validate=False)
    except (binascii.Error, ValueError):
        return UNCOUNTED_FILE_PAGES
    return len(_PDF_PAGE.findall(data)) or UNCOUNTED_FILE_PAGES


@dataclass(frozen=True)
class Prices:
    """A model's prices for a prompt of a given size, per token (None: it varies by request)."""

    prompt: Decimal | None
    completion: Decimal | None
    request: Decimal
    image: Decimal
    web_search: Decimal

    @classmethod
    def of(cls, model: Model, prompt_tokens: int) -> Prices:
        pricing = dict(as_mapping(model.raw.get("pricing")))
        prompt, completion = model.prompt_price, model.completion_price
        tier = _tier(pricing.get("overrides"), prompt_tokens)
        if tier:
            pricing.update(tier)
            prompt, completion = Price.parse(pricing.get("prompt")), Price.parse(pricing.get("completion"))
        reasoning = Price.parse(pricing.get("internal_reasoning")).per_token or Decimal(0)
        out = None if completion.per_token is None else max(completion.per_token, reasoning)
        return cls(
            prompt=prompt.per_token,
            completion=out,
            request=_fixed(pricing.get("request")),
            image=_fixed(pricing.get("image")),
            web_search=_fixed(pricing.get("web_search")),
        )


def _fixed(value: object) -> Decimal:
    return Price.parse(value).per_token or Decimal(0)


def _tier(overrides: object, prompt_tokens: int) -> dict[str, Any]:
    """The prices of the highest `pricing.overrides` tier this prompt reaches (none: {})."""
    reached: list[tuple[int, dict[str, Any]]] = []
    for tier in overrides if isinstance(overrides, list) else []:
        threshold = as_int(as_mapping(tier).get("min_prompt_tokens"))
        if threshold is not None and prompt_tokens >= threshold:
            reached.append((threshold, {k: v for k, v in tier.items() if k != "min_prompt_tokens"}))
    return max(reached, key=lambda pair: pair[0])[1] if reached else {}


@dataclass(frozen=True)
class CostEstimate:
    """One model's worst case for a prompt: `worst_case` is None when it cannot be bounded (`why`)."""

    model: str
    prompt_tokens: int
    completion_tokens: int | None
    completion_basis: str
    prompt_usd: Decimal | None
    completion_usd: Decimal | None
    other_usd: Decimal
    worst_case: Decimal | None
    context_length: int | None
    why: str | None = None

    @property
    def fits(self) -> bool | None:
        """Whether the prompt and the completion fit the context (None: not known)."""
        if self.context_length is None or self.completion_tokens is None:
            return None
        return self.prompt_tokens + self.completion_tokens <= self.context_length


def max_output(model: Model) -> int | None:
    return as_int(as_mapping(model.raw.get("top_provider")).get("max_completion_tokens"))


def completion_bound(model: Model, prompt_tokens: int, max_tokens: int | None) -> tuple[int | None, str]:
    """The most completion tokens a call may produce, and why that number."""
    if max_tokens is not None:
        return max_tokens, MAX_TOKENS_GIVEN
    if (most := max_output(model)) is not None:
        return most, MODEL_MAX_OUTPUT
    if model.context_length is not None:
        return max(model.context_length - prompt_tokens, 0), CONTEXT_LEFT
    return None, "unknown: pass max_tokens"


def worst_case(model: Model, prompt: PromptEstimate, max_tokens: int | None, *, web_results: int = 0) -> CostEstimate:
    """The most a call with this prompt and `max_tokens` may cost with `model`."""
    prices = Prices.of(model, prompt.tokens)
    completion, basis = completion_bound(model, prompt.tokens, max_tokens)
    other = prices.request + prices.image * prompt.images
    if web_results:
        other += prices.web_search or WEB_RESULT_USD * web_results
    prompt_usd = None if prices.prompt is None else prices.prompt * prompt.tokens
    completion_usd = None if prices.completion is None or completion is None else prices.completion * completion
    why = None
    if prompt_usd is None or prices.completion is None:
        why = f"{model.id}'s price varies by request"
    elif completion_usd is None:
        why = f"{model.id} states no output limit or context length: pass max_tokens"
    total = None if why is not None or completion_usd is None or prompt_usd is None else prompt_usd + completion_usd
    return CostEstimate(
        model=model.id,
        prompt_tokens=prompt.tokens,
        completion_tokens=completion,
        completion_basis=basis,
        prompt_usd=prompt_usd,
        completion_usd=completion_usd,
        other_usd=other,
        worst_case=None if total is None else total + other,
        context_length=model.context_length,
        why=why,
    )


def models_of(body: Mapping[str, Any]) -> list[str]:
    """The models a request body may be answered by: its `models` fallbacks, else its `model`."""
    models = body.get("models") or [body.get("model")]
    return [m for m in models if isinstance(m, str)]


def web_results(body: Mapping[str, Any]) -> int:
    """How many web results a request body pays for (the `web` plugin, or an `:online` model)."""
    for plugin in body.get("plugins") or []:
        if isinstance(plugin, Mapping) and plugin.get("id") == "web":
            return as_int(plugin.get("max_results")) or WEB_DEFAULT_RESULTS
    return WEB_DEFAULT_RESULTS if any(m.endswith(":online") for m in models_of(body)) else 0


@dataclass(frozen=True)
class RequestCost:
    """The worst case of a request: its model's, or its most expensive fallback's."""

    prompt: PromptEstimate
    estimates: tuple[CostEstimate, ...]

    @property
    def worst(self) -> CostEstimate:
        """The estimate that bounds the request: one that cannot be bounded, else the costliest."""
        unknown = [e for e in self.estimates if e.worst_case is None]
        if unknown:
            return unknown[0]
        return max(self.estimates, key=lambda e: e.worst_case or Decimal(0))


async def price_request(body: Mapping[str, Any], catalog: CatalogService) -> RequestCost:
    """The worst case of a checked request body (`ChatRequest.body()`) from the catalogue's prices
    (an unknown model: the catalogue's error, naming the closest ids)."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, Mapping)]
    prompt = estimate_prompt(messages, tools=body.get("tools"), response_format=body.get("response_format"))
    results, max_tokens = web_results(body), as_int(body.get("max_tokens"))
    estimates = []
    for model_id in models_of(body):
        model, _ = await catalog.find_model(model_id)
        estimates.append(worst_case(model, prompt, max_tokens, web_results=results))
    return RequestCost(prompt, tuple(estimates))


# The capabilities a cheaper model must keep when the original has them.
KEPT_CAPABILITIES = frozenset({"tools", "structured_outputs", "reasoning"})
CHEAPER_CRITERIA = (
    "same or more input and output modalities; the same tools, structured outputs and reasoning support; "
    "a context holding the prompt and the completion; a fixed, non-zero price; priced for the same "
    "completion tokens; cheapest first"
)


def cheaper_models(
    catalog: Catalog,
    model: Model,
    prompt: PromptEstimate,
    estimate: CostEstimate,
    *,
    web_results: int = 0,
    limit: int = 5,
) -> list[CostEstimate]:
    """Up to `limit` models that can do what `model` does for less (see `CHEAPER_CRITERIA`)."""
    if estimate.worst_case is None or estimate.completion_tokens is None:
        return []
    completion = estimate.completion_tokens
    # A max_tokens the caller gave must be one the other model can produce.
    least_output = completion if estimate.completion_basis == MAX_TOKENS_GIVEN else 0
    kept = KEPT_CAPABILITIES & set(model.capabilities)
    found = []
    for other in catalog.models:
        if other.id == model.id or other.is_free or not _can_do(other, model, kept, prompt.tokens + completion):
            continue
        if least_output and (max_output(other) or least_output) < least_output:
            continue
        alternative = worst_case(other, prompt, completion, web_results=web_results)
        cost = alternative.worst_case
        if cost is not None and 0 < cost < estimate.worst_case:
            found.append(alternative)
    found.sort(key=lambda e: (e.worst_case or Decimal(0), e.model))
    return found[:limit]


def _can_do(other: Model, model: Model, kept: frozenset[str], needed: int) -> bool:
    return (
        set(model.input_modalities) <= set(other.input_modalities)
        and set(model.output_modalities) <= set(other.output_modalities)
        and kept <= set(other.capabilities)
        and (other.context_length or 0) >= needed
    )
