"""What `estimate_cost` answers: a call's estimated prompt, its worst case, and cheaper models.

Plain functions over the catalogue (no MCP): `estimate_call` prices a call whose arguments were
checked; `quote_text` and `CostQuote` are its text and structured forms.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from mcp_server_openrouter.catalog.cache import CatalogSnapshot
from mcp_server_openrouter.catalog.model import MILLION
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.catalog.views import stale_warning
from mcp_server_openrouter.usage.budget import usd
from mcp_server_openrouter.usage.estimate import (
    CHEAPER_CRITERIA,
    METHOD,
    CostEstimate,
    Prices,
    PromptEstimate,
    cheaper_models,
    estimate_prompt,
    worst_case,
)


@dataclass(frozen=True)
class CallEstimate:
    prompt: PromptEstimate
    estimate: CostEstimate
    prices: Prices
    cheaper: list[CostEstimate]
    snapshot: CatalogSnapshot


async def estimate_call(
    catalog: CatalogService, model_id: str, messages: Sequence[Mapping[str, Any]], max_tokens: int | None
) -> CallEstimate:
    """Price a chat call of `messages` (checked) as `chat_with_model` would send it."""
    found, snapshot = await catalog.find_model(model_id)
    estimated = estimate_prompt(messages)
    estimate = worst_case(found, estimated, max_tokens)
    cheaper = cheaper_models(snapshot.catalog, found, estimated, estimate)
    return CallEstimate(estimated, estimate, Prices.of(found, estimated.tokens), cheaper, snapshot)


class CheaperModel(BaseModel):
    model: str
    worst_case_usd: float
    context_length: int | None = None


class CostQuote(BaseModel):
    """The structured answer of `estimate_cost`."""

    model: str
    prompt_tokens: int = Field(description="Estimated, not tokenized: see prompt_tokens_method.")
    prompt_tokens_method: str
    completion_tokens: int | None = None
    completion_basis: str
    worst_case_usd: float | None = Field(default=None, description="Absent: it cannot be bounded (see note).")
    prompt_usd: float | None = None
    completion_usd: float | None = None
    other_usd: float = Field(description="Per-request and per-image prices.")
    context_length: int | None = None
    fits_context: bool | None = None
    cheaper: list[CheaperModel]
    cheaper_criteria: str
    note: str | None = None


def quote_structured(call: CallEstimate) -> CostQuote:
    e = call.estimate
    return CostQuote(
        model=e.model,
        prompt_tokens=e.prompt_tokens,
        prompt_tokens_method=METHOD,
        completion_tokens=e.completion_tokens,
        completion_basis=e.completion_basis,
        worst_case_usd=_float(e.worst_case),
        prompt_usd=_float(e.prompt_usd),
        completion_usd=_float(e.completion_usd),
        other_usd=float(e.other_usd),
        context_length=e.context_length,
        fits_context=e.fits,
        cheaper=[
            CheaperModel(model=c.model, worst_case_usd=float(c.worst_case or 0), context_length=c.context_length)
            for c in call.cheaper
        ],
        cheaper_criteria=CHEAPER_CRITERIA,
        note=e.why,
    )


def quote_text(call: CallEstimate, now: float | None = None) -> str:
    """What a model reads: the worst case and how it was reached, then the cheaper models."""
    e, prices = call.estimate, call.prices
    warning = stale_warning(call.snapshot, time.time() if now is None else now) if call.snapshot.stale_reason else ""
    completion = "?" if e.completion_tokens is None else f"{e.completion_tokens:,}"
    head = f"{e.model}: worst case {usd(e.worst_case)}" if e.worst_case is not None else f"{e.model}: {e.why}"
    lines = [
        f"{warning}{head}.",
        f"Prompt: ~{e.prompt_tokens:,} tokens ({METHOD}) at {_per_million(prices.prompt)}.",
        f"Completion: up to {completion} tokens ({e.completion_basis}) at {_per_million(prices.completion)}.",
    ]
    if e.other_usd:
        lines.append(f"Per request and images: {usd(e.other_usd)}.")
    if e.fits is False:
        lines.append(f"The prompt and completion do not fit its context of {e.context_length:,} tokens.")
    if call.cheaper:
        lines.append(f"Cheaper models ({CHEAPER_CRITERIA}):")
        lines.extend(f"  {c.model}: {usd(c.worst_case or Decimal(0))}" for c in call.cheaper)
    elif e.worst_case is not None:
        lines.append(f"No cheaper model found with {CHEAPER_CRITERIA}.")
    return "\n".join(lines)


def _float(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount)


def _per_million(price: Decimal | None) -> str:
    return "a price that varies" if price is None else f"{usd(price * MILLION)}/1M"
