"""Catalogue queries: validated filters, sorting and paging over a parsed `Catalog`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.catalog.model import CAPABILITIES, MODALITIES, Catalog, Model
from mcp_server_openrouter.errors import InvalidArgumentError

SORTS = ("provider", "price", "context", "newest", "name")
DEFAULT_LIMIT = 50
# Model ids, names and descriptions are short: a longer search is a mistake (and costly to filter by).
MAX_SEARCH_CHARS = 500
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
        if isinstance(search, str) and len(search) > MAX_SEARCH_CHARS:
            raise InvalidArgumentError(
                f"`search` is {len(search):,} characters long; give a few words (at most {MAX_SEARCH_CHARS})."
            )
        max_in, max_out = _price_bounds(max_price_per_million)
        least_context = None if min_context is None else v.non_negative_int(min_context, "min_context", " of tokens")
        v.boolean(free_only, "free_only")
        sort = v.one_of("provider" if sort is None else sort, "sort", SORTS)
        limit = v.int_between(DEFAULT_LIMIT if limit is None else limit, "limit", 1, MAX_LIMIT)
        offset = v.non_negative_int(0 if offset is None else offset, "offset")
        return cls(
            provider=provider.strip().lower().strip("/") if isinstance(provider, str) else None,
            search=tuple(search.lower().split()) if isinstance(search, str) else (),
            input_modality=_modality(input_modality, "input_modality"),
            output_modality=_modality(output_modality, "output_modality"),
            supports=_capabilities(supports),
            max_input_price=max_in,
            max_output_price=max_out,
            min_context=least_context,
            free_only=bool(free_only),
            sort=sort,
            limit=limit,
            offset=offset,
        )

    def matches(self, model: Model) -> bool:  # noqa: C901 - one flat check per filter reads best
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
    if not 1 <= len(numbers) <= 2 or not all(v.is_number(n) and n >= 0 for n in numbers):
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
