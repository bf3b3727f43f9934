"""The model catalogue: models parsed once from `GET /models`, prices and capabilities.

Prices arrive as USD-per-token decimal strings; they are shown per 1M tokens. A missing
price means 0 (OpenRouter drops zero prices since 2026) and "-1" means the price varies
(routers such as `openrouter/auto`), which is never shown or counted as free.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._parse import as_decimal, as_int, as_mapping, as_str
from mcp_server_openrouter._redact import redact

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Price:
    """A per-token price: `per_token` is None when the price varies by request."""

    per_token: Decimal | None

    @classmethod
    def parse(cls, value: object) -> Price:
        if value is None:
            return cls(Decimal(0))
        number = as_decimal(value)
        if number is None or number < 0:
            return cls(None)
        return cls(number)

    @property
    def is_free(self) -> bool:
        return self.per_token == 0

    @property
    def per_million(self) -> Decimal | None:
        return None if self.per_token is None else self.per_token * MILLION

    @property
    def usd_per_million(self) -> float | None:
        """The per-1M price as a float for structured output; None when it varies."""
        per_million = self.per_million
        return None if per_million is None else float(per_million)

    def label(self) -> str:
        per_million = self.per_million
        if per_million is None:
            return "variable"
        if per_million == 0:
            return "free"
        return f"${format_usd(per_million)}"


def format_usd(amount: Decimal, max_decimals: int = 6) -> str:
    """Dollars with as many decimals as a small amount needs (at least 2), without float noise."""
    if amount >= 1 or amount == 0:
        return f"{amount:,.2f}"
    text = f"{amount:.{max_decimals}f}".rstrip("0")
    decimals = len(text.split(".")[1])
    return text if decimals >= 2 else f"{amount:.2f}"


CAPABILITIES = ("tools", "structured_outputs", "reasoning", "vision", "files", "audio", "image_output", "web_search")
MODALITIES = ("text", "image", "file", "audio", "video")


def derive_capabilities(
    supported_parameters: tuple[str, ...],
    input_modalities: tuple[str, ...],
    output_modalities: tuple[str, ...],
    web_search_price: Price,
) -> tuple[str, ...]:
    """What a model can do, from `supported_parameters` and modalities (never from its name)."""
    params = set(supported_parameters)
    found = {
        "tools": "tools" in params,
        "structured_outputs": bool(params & {"response_format", "structured_outputs"}),
        "reasoning": bool(params & {"reasoning", "include_reasoning"}),
        "vision": "image" in input_modalities,
        "files": "file" in input_modalities,
        "audio": "audio" in input_modalities,
        "image_output": "image" in output_modalities,
        "web_search": "web_search_options" in params or bool(web_search_price.per_token),
    }
    return tuple(name for name in CAPABILITIES if found[name])


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    created: int | None
    context_length: int | None
    prompt_price: Price
    completion_price: Price
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    supported_parameters: tuple[str, ...]
    capabilities: tuple[str, ...] = ()
    description: str = ""
    canonical_slug: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Model:
        architecture = as_mapping(data.get("architecture"))
        pricing = as_mapping(data.get("pricing"))
        # Redacted once here, so the lines and summaries built from a model never carry a key an
        # upstream echoed back, without redacting every page on the hot path.
        model_id = redact(str(data["id"]))
        inputs = _strings(architecture.get("input_modalities")) or ("text",)
        outputs = _strings(architecture.get("output_modalities")) or ("text",)
        params = _strings(data.get("supported_parameters"))
        web_search = Price.parse(pricing.get("web_search"))
        return cls(
            id=model_id,
            name=redact(as_str(data.get("name")) or model_id),
            created=as_int(data.get("created")),
            context_length=as_int(data.get("context_length"))
            or as_int(as_mapping(data.get("top_provider")).get("context_length")),
            prompt_price=Price.parse(pricing.get("prompt")),
            completion_price=Price.parse(pricing.get("completion")),
            input_modalities=inputs,
            output_modalities=outputs,
            supported_parameters=params,
            capabilities=derive_capabilities(params, inputs, outputs, web_search),
            description=redact(as_str(data.get("description")) or ""),
            canonical_slug=as_str(data.get("canonical_slug")),
            raw=data,
        )

    @property
    def provider(self) -> str:
        return self.id.split("/", 1)[0] if "/" in self.id else ""

    @property
    def is_free(self) -> bool:
        return self.prompt_price.is_free and self.completion_price.is_free

    def line(self) -> str:
        """One compact line: id, name, context, $/1M input and output, capability tags."""
        return self._line

    @cached_property
    def _line(self) -> str:
        context = f"{self.context_length:,}" if self.context_length else "?"
        tags = f" | {', '.join(self.capabilities)}" if self.capabilities else ""
        return (
            f"{self.id} | {self.name} | ctx {context} | "
            f"in {self.prompt_price.label()} / out {self.completion_price.label()} per 1M{tags}"
        )

    @cached_property
    def summary(self) -> dict[str, Any]:
        """The structured form of `line()` (see `catalog_views.ModelSummary`), built once per model."""
        values: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "context_length": self.context_length,
            "input_usd_per_million": self.prompt_price.usd_per_million,
            "output_usd_per_million": self.completion_price.usd_per_million,
            "capabilities": list(self.capabilities),
        }
        return {k: v for k, v in values.items() if v is not None}


def _strings(value: object) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def base_model_id(model_id: str) -> str:
    """The catalogue id behind a variant such as `:free` or `:online`."""
    for suffix in c.MODEL_VARIANTS:
        if model_id.endswith(suffix):
            return model_id[: -len(suffix)]
    return model_id


class Catalog:
    """An immutable, parsed catalogue with an index by id (parsed once, filtered many times)."""

    def __init__(self, models: Iterable[Model]) -> None:
        self.models: tuple[Model, ...] = tuple(sorted(models, key=lambda m: m.id))
        self._by_id = {m.id: m for m in self.models}

    @classmethod
    def parse(cls, raw_models: Iterable[Mapping[str, Any]]) -> Catalog:
        return cls(Model.parse(m) for m in raw_models if isinstance(m.get("id"), str))

    def __len__(self) -> int:
        return len(self.models)

    def get(self, model_id: str) -> Model | None:
        return self._by_id.get(model_id) or self._by_id.get(base_model_id(model_id))

    def providers(self) -> list[str]:
        return sorted({m.provider for m in self.models if m.provider})

    def closest_ids(self, model_id: str, n: int = 3) -> list[str]:
        """The `n` catalogue ids nearest to a mistyped one."""
        wanted = base_model_id(model_id.strip()).lower()
        ids = [m.id for m in self.models]
        lowered = {i.lower(): i for i in ids}
        matches = difflib.get_close_matches(wanted, list(lowered), n=n, cutoff=0.5)
        if len(matches) < n and "/" not in wanted:
            # A bare slug ("gpt4o"): compare with the part after the provider too.
            slugs = {i.split("/", 1)[-1].lower(): i for i in ids}
            for slug in difflib.get_close_matches(wanted, list(slugs), n=n, cutoff=0.5):
                if slugs[slug].lower() not in matches:
                    matches.append(slugs[slug].lower())
        return [lowered.get(m, m) for m in matches[:n]]
