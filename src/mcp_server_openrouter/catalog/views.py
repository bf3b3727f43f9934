"""What the catalogue tools return: compact text for the model to read, and typed structured
content (the tools' output schemas) for programs. Shared by the MCP tools and the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from mcp_server_openrouter._parse import as_int, as_mapping, as_str
from mcp_server_openrouter.catalog.cache import CatalogSnapshot
from mcp_server_openrouter.catalog.model import CAPABILITIES, Model, Price, format_usd
from mcp_server_openrouter.catalog.query import ModelPage

if TYPE_CHECKING:
    from mcp_server_openrouter.client import Endpoint

# Per-token prices shown per 1M tokens; the others are per unit.
_PER_MILLION = {
    "prompt": "input",
    "completion": "output",
    "internal_reasoning": "reasoning",
    "input_cache_read": "cache read",
    "input_cache_write": "cache write",
    "input_cache_write_1h": "cache write (1h)",
    "audio": "audio input",
}
_CAPABILITY_LIST = "Any of: " + ", ".join(CAPABILITIES)
_PER_UNIT = {"request": "per request", "image": "per image", "web_search": "per web search"}


# The schema of `Model.summary`, which is built without pydantic on the hot path.
class ModelSummary(BaseModel):
    id: str
    name: str
    context_length: int | None = None
    input_usd_per_million: float | None = Field(default=None, description="Absent: the price varies.")
    output_usd_per_million: float | None = None
    # Item types are left out on purpose: validating every tag made the Python client's
    # jsonschema check cost more than the rest of the call (perf/catalog.py).
    capabilities: Annotated[list[str], WithJsonSchema({"type": "array", "description": _CAPABILITY_LIST})] = []


class ModelList(BaseModel):
    models: list[ModelSummary]
    total_matches: int
    offset: int
    next_offset: int | None = Field(default=None, description="Pass as `offset` for the next page.")
    catalogue_size: int
    source: str = Field(description="memory, file or network")
    age_seconds: float
    stale_reason: str | None = Field(default=None, description="Why a refresh failed, when answering from an old copy.")


def age_text(seconds: float) -> str:
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min ago"
    return f"{hours // 24} days ago"


def freshness_text(snapshot: CatalogSnapshot, now: float) -> str:
    age = age_text(snapshot.age_seconds(now))
    sources = {"memory": "memory cache", "file": "file cache", "network": "OpenRouter"}
    where = sources.get(snapshot.source, snapshot.source)
    return f"from {where}, fetched {age}"


def stale_warning(snapshot: CatalogSnapshot, now: float) -> str:
    return (
        f"Warning: the catalogue could not be refreshed ({snapshot.stale_reason}); "
        f"answering from the copy fetched {age_text(snapshot.age_seconds(now))}.\n"
    )


def model_list(page: ModelPage, snapshot: CatalogSnapshot, now: float) -> tuple[str, dict[str, Any]]:
    """The text and structured content (shaped as `ModelList`) of one page of models."""
    size = len(snapshot.catalog)
    if page.total == 0:
        header = f"No models match (catalogue: {size} models, {freshness_text(snapshot, now)})."
    elif not page.models:
        header = f"No models at offset {page.offset}: {page.total} match in all; use a smaller offset."
    else:
        first, last = page.offset + 1, page.offset + len(page.models)
        header = (
            f"Models {first}–{last} of {page.total} matching "
            f"(catalogue: {size} models, {freshness_text(snapshot, now)})."
        )
        if page.next_offset is not None:
            header += f" Next page: offset={page.next_offset}."
    warning = stale_warning(snapshot, now) if snapshot.stale_reason else ""
    lines = "\n".join(m.line() for m in page.models)
    text = f"{warning}{header}\n{lines}" if lines else f"{warning}{header}"
    structured: dict[str, Any] = {
        "models": [m.summary for m in page.models],
        "total_matches": page.total,
        "offset": page.offset,
        "catalogue_size": size,
        "source": snapshot.source,
        "age_seconds": round(snapshot.age_seconds(now), 1),
    }
    if page.next_offset is not None:
        structured["next_offset"] = page.next_offset
    if snapshot.stale_reason:
        structured["stale_reason"] = snapshot.stale_reason
    return text, structured


class ProviderEndpoint(BaseModel):
    provider: str
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_usd_per_million: float | None = None
    output_usd_per_million: float | None = None
    quantization: str | None = None
    uptime_last_30m: float | None = None


class ModelInfo(BaseModel):
    id: str
    name: str
    description: str
    context_length: int | None = None
    max_output_tokens: int | None = None
    prices: dict[str, str] = Field(description="Non-zero prices, labelled with their unit.")
    input_modalities: list[str]
    output_modalities: list[str]
    capabilities: list[str]
    supported_parameters: list[str]
    default_parameters: dict[str, Any] = {}
    knowledge_cutoff: str | None = None
    expiration_date: str | None = None
    providers: list[ProviderEndpoint] = []
    providers_error: str | None = None


def price_labels(pricing: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, value in pricing.items():
        if key in ("overrides", "discount"):
            continue
        price = Price.parse(value)
        if price.is_free:
            continue
        if key in _PER_UNIT:
            amount = "variable" if price.per_token is None else f"${format_usd(price.per_token)}"
            labels[key.replace("_", " ")] = f"{amount} {_PER_UNIT[key]}"
        else:
            labels[_PER_MILLION.get(key, key.replace("_", " "))] = f"{price.label()} per 1M tokens"
    overrides = pricing.get("overrides")
    for tier in overrides if isinstance(overrides, list) else []:
        tier = as_mapping(tier)
        threshold = as_int(tier.get("min_prompt_tokens"))
        if threshold is None:
            continue
        labels[f"above {threshold:,} prompt tokens"] = (
            f"in {Price.parse(tier.get('prompt')).label()} / out {Price.parse(tier.get('completion')).label()} per 1M"
        )
    return labels


def model_info(model: Model, endpoints: Sequence[Endpoint], endpoints_error: str | None) -> tuple[str, ModelInfo]:
    raw = model.raw
    top = as_mapping(raw.get("top_provider"))
    defaults = {k: v for k, v in as_mapping(raw.get("default_parameters")).items() if v is not None}
    providers = [
        ProviderEndpoint(
            provider=e.provider_name or e.name or "?",
            context_length=e.context_length,
            max_output_tokens=e.max_completion_tokens,
            input_usd_per_million=Price(e.pricing.prompt).usd_per_million,
            output_usd_per_million=Price(e.pricing.completion).usd_per_million,
            quantization=e.quantization,
            uptime_last_30m=e.uptime_last_30m,
        )
        for e in endpoints
    ]
    info = ModelInfo(
        id=model.id,
        name=model.name,
        description=model.description,
        context_length=model.context_length,
        max_output_tokens=as_int(top.get("max_completion_tokens")),
        prices=price_labels(as_mapping(raw.get("pricing"))) or {"all": "free"},
        input_modalities=list(model.input_modalities),
        output_modalities=list(model.output_modalities),
        capabilities=list(model.capabilities),
        supported_parameters=list(model.supported_parameters),
        default_parameters=defaults,
        knowledge_cutoff=as_str(raw.get("knowledge_cutoff")),
        expiration_date=as_str(raw.get("expiration_date")),
        providers=providers,
        providers_error=endpoints_error,
    )
    return _info_text(info), info


def _info_text(info: ModelInfo) -> str:
    lines = [f"{info.id} — {info.name}"]
    if info.description:
        lines.append(info.description)
    context = f"{info.context_length:,}" if info.context_length else "?"
    output = f"{info.max_output_tokens:,}" if info.max_output_tokens else "?"
    lines.append(f"Context: {context} tokens; max output: {output} tokens")
    lines.append("Prices: " + "; ".join(f"{k}: {v}" for k, v in info.prices.items()))
    lines.append(f"Input: {', '.join(info.input_modalities)} → output: {', '.join(info.output_modalities)}")
    lines.append(f"Capabilities: {', '.join(info.capabilities) or 'text chat only'}")
    lines.append(f"Parameters: {', '.join(info.supported_parameters) or 'none listed'}")
    if info.default_parameters:
        lines.append("Defaults: " + ", ".join(f"{k}={v}" for k, v in info.default_parameters.items()))
    if info.knowledge_cutoff:
        lines.append(f"Knowledge cutoff: {info.knowledge_cutoff}")
    if info.expiration_date:
        lines.append(f"Expires: {info.expiration_date}")
    if info.providers_error:
        lines.append(f"Providers: unavailable ({info.providers_error})")
    elif info.providers:
        lines.append(f"Providers ({len(info.providers)}):")
        for p in info.providers:
            price = (
                f"in {_per_million_label(p.input_usd_per_million)} / out {_per_million_label(p.output_usd_per_million)}"
            )
            extras = [f"ctx {p.context_length:,}" if p.context_length else None, price]
            if p.quantization:
                extras.append(p.quantization)
            if p.uptime_last_30m is not None:
                extras.append(f"uptime {p.uptime_last_30m:.1f}%")
            lines.append(f"  - {p.provider}: " + ", ".join(e for e in extras if e))
    return "\n".join(lines)


def _per_million_label(value: float | None) -> str:
    if value is None:
        return "variable"
    return "free" if value == 0 else f"${format_usd(Decimal(str(value)))}"
