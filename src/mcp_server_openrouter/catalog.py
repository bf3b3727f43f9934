"""The model catalogue: models parsed once from `GET /models`, then filtered and formatted.

Prices arrive as USD-per-token decimal strings; they are shown per 1M tokens. A missing
price means 0 (OpenRouter drops zero prices since 2026) and "-1" means the price varies
(routers such as `openrouter/auto`), which is never shown or counted as free.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._parse import as_decimal, as_int, as_mapping, as_str
from mcp_server_openrouter.errors import InvalidArgumentError

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
        model_id = str(data["id"])
        inputs = _strings(architecture.get("input_modalities")) or ("text",)
        outputs = _strings(architecture.get("output_modalities")) or ("text",)
        params = _strings(data.get("supported_parameters"))
        web_search = Price.parse(pricing.get("web_search"))
        return cls(
            id=model_id,
            name=as_str(data.get("name")) or model_id,
            created=as_int(data.get("created")),
            context_length=as_int(data.get("context_length"))
            or as_int(as_mapping(data.get("top_provider")).get("context_length")),
            prompt_price=Price.parse(pricing.get("prompt")),
            completion_price=Price.parse(pricing.get("completion")),
            input_modalities=inputs,
            output_modalities=outputs,
            supported_parameters=params,
            capabilities=derive_capabilities(params, inputs, outputs, web_search),
            description=as_str(data.get("description")) or "",
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


SORTS = ("provider", "price", "context", "newest", "name")
DEFAULT_LIMIT = 50
# 100 lines of text plus their structured copy stay well under Claude Code's 25k-token cap.
MAX_LIMIT = 100


@dataclass(frozen=True)
class ModelQuery:
    """A validated, hashable catalogue query (hashable so pages can be cached)."""

    provider: str | None = None
    search: tuple[str, ...] = ()
    input_modality: str | None = None
    output_modality: str | None = None
    supports: tuple[str, ...] = ()
    max_input_price: Decimal | None = None
    max_output_price: Decimal | None = None
    min_context: int | None = None
    free_only: bool = False
    sort: str = "provider"
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    @classmethod
    def build(
        cls,
        *,
        provider: object = None,
        search: object = None,
        input_modality: object = None,
        output_modality: object = None,
        supports: object = None,
        max_price_per_million: object = None,
        min_context: object = None,
        free_only: object = False,
        sort: object = None,
        limit: object = None,
        offset: object = None,
    ) -> ModelQuery:
        """Validate raw arguments; every mistake is an `InvalidArgumentError` saying how to fix it."""
        if provider is not None and (not isinstance(provider, str) or not provider.strip("/ ")):
            raise InvalidArgumentError("`provider` must be a provider prefix such as 'openai' or 'anthropic/'.")
        if search is not None and not isinstance(search, str):
            raise InvalidArgumentError("`search` must be a string of words to look for in ids, names and descriptions.")
        max_in, max_out = _price_bounds(max_price_per_million)
        if min_context is not None and (
            isinstance(min_context, bool) or not isinstance(min_context, int) or min_context < 0
        ):
            raise InvalidArgumentError(f"`min_context` must be a non-negative integer of tokens, got {min_context!r}.")
        if not isinstance(free_only, bool):
            raise InvalidArgumentError("`free_only` must be true or false.")
        sort = "provider" if sort is None else sort
        if sort not in SORTS:
            raise InvalidArgumentError(f"`sort` must be one of: {', '.join(SORTS)}; got {sort!r}.")
        limit = DEFAULT_LIMIT if limit is None else limit
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidArgumentError(f"`limit` must be an integer from 1 to {MAX_LIMIT}, got {limit!r}.")
        offset = 0 if offset is None else offset
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidArgumentError(f"`offset` must be a non-negative integer, got {offset!r}.")
        return cls(
            provider=provider.strip().lower().strip("/") if isinstance(provider, str) else None,
            search=tuple(search.lower().split()) if isinstance(search, str) else (),
            input_modality=_modality(input_modality, "input_modality"),
            output_modality=_modality(output_modality, "output_modality"),
            supports=_capabilities(supports),
            max_input_price=max_in,
            max_output_price=max_out,
            min_context=min_context,
            free_only=free_only,
            sort=str(sort),
            limit=limit,
            offset=offset,
        )

    def matches(self, model: Model) -> bool:
        if self.provider is not None and model.provider.lower() != self.provider:
            return False
        if self.input_modality is not None and self.input_modality not in model.input_modalities:
            return False
        if self.output_modality is not None and self.output_modality not in model.output_modalities:
            return False
        if self.supports and not set(self.supports) <= set(model.capabilities):
            return False
        if self.min_context is not None and (model.context_length or 0) < self.min_context:
            return False
        if self.free_only and not model.is_free:
            return False
        if self.max_input_price is not None:
            price = model.prompt_price.per_million
            if price is None or price > self.max_input_price:
                return False
        if self.max_output_price is not None:
            price = model.completion_price.per_million
            if price is None or price > self.max_output_price:
                return False
        if self.search:
            haystack = f"{model.id} {model.name} {model.description}".lower()
            if not all(word in haystack for word in self.search):
                return False
        return True


def _price_bounds(value: object) -> tuple[Decimal | None, Decimal | None]:
    if value is None:
        return None, None
    numbers = value if isinstance(value, list) else [value]
    if not 1 <= len(numbers) <= 2 or any(
        isinstance(n, bool) or not isinstance(n, (int, float)) or not n >= 0 for n in numbers
    ):
        raise InvalidArgumentError(
            "`max_price_per_million` must be a number of USD per 1M input tokens (e.g. 1.5), "
            "or two numbers [input, output]."
        )
    bounds = [Decimal(str(n)) for n in numbers]
    return bounds[0], bounds[1] if len(bounds) == 2 else None


def _modality(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().lower() not in MODALITIES:
        raise InvalidArgumentError(f"`{name}` must be one of: {', '.join(MODALITIES)}; got {value!r}.")
    return value.strip().lower()


def _capabilities(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidArgumentError(f"`supports` must be a list of: {', '.join(CAPABILITIES)}.")
    unknown = [n for n in names if n not in CAPABILITIES]
    if unknown:
        raise InvalidArgumentError(
            f"`supports` has unknown capabilities {unknown}; use any of: {', '.join(CAPABILITIES)}."
        )
    return tuple(sorted(set(names)))


def _sort_key(sort: str) -> Callable[[Model], Any]:
    if sort == "price":
        # Cheapest input first, then output; "variable" prices last.
        return lambda m: (
            m.prompt_price.per_token is None,
            m.prompt_price.per_token or 0,
            m.completion_price.per_token or 0,
            m.id,
        )
    if sort == "context":
        return lambda m: (-(m.context_length or 0), m.id)
    if sort == "newest":
        return lambda m: (-(m.created or 0), m.id)
    if sort == "name":
        return lambda m: (m.name.lower(), m.id)
    return lambda m: (m.provider, m.name.lower(), m.id)


@dataclass(frozen=True)
class ModelPage:
    models: tuple[Model, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.models)
        return following if following < self.total else None


def run_query(catalog: Catalog, query: ModelQuery) -> ModelPage:
    """Filter, sort and page the catalogue (the parsed models are reused, never re-parsed)."""
    matched = [m for m in catalog.models if query.matches(m)]
    matched.sort(key=_sort_key(query.sort))
    page = matched[query.offset : query.offset + query.limit]
    return ModelPage(tuple(page), len(matched), query.offset, query.limit)
