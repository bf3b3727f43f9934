"""Prices, provider filters and suggestions over the parsed catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_server_openrouter.catalog import Catalog, Price, base_model_id, format_usd
from mcp_server_openrouter.simulator import build_catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.parse(build_catalog())


@pytest.mark.parametrize(
    ("raw", "label", "free"),
    [
        ("0.0000025", "$2.50", False),
        ("0.000000117", "$0.117", False),
        ("0.00003", "$30.00", False),
        ("0", "free", True),
        (None, "free", True),  # since 2026 zero prices are left out
        ("-1", "variable", False),
        ("not-a-number", "variable", False),
        (0.0000015, "$1.50", False),
        (["odd"], "variable", False),
    ],
)
def test_prices_per_token_read_as_dollars_per_million(raw: object, label: str, free: bool) -> None:
    price = Price.parse(raw)
    assert price.label() == label
    assert price.is_free is free


def test_small_amounts_keep_their_significant_decimals() -> None:
    assert format_usd(Decimal("0.000015")) == "0.000015"
    assert format_usd(Decimal("0.5")) == "0.50"
    assert format_usd(Decimal("1234.5")) == "1,234.50"
    assert format_usd(Decimal("0.0076509169000000005"), max_decimals=8) == "0.00765092"


def test_the_provider_filter_is_a_case_insensitive_prefix(catalog: Catalog) -> None:
    openai = catalog.by_provider("OpenAI")
    assert openai and all(m.id.startswith("openai/") for m in openai)
    assert catalog.by_provider("openai/") == openai
    assert catalog.by_provider("open") == []  # a prefix of the provider, not of the id
    assert len(catalog.by_provider(None)) == len(catalog)


@pytest.mark.parametrize(
    ("typo", "first"),
    [
        ("openai/gpt4o", "openai/gpt-4o"),
        ("anthropic/claude-sonet-4.6", "anthropic/claude-sonnet-4.6"),
        ("OPENAI/GPT-4O-MINI", "openai/gpt-4o-mini"),
        ("gpt-4o-mini", "openai/gpt-4o-mini"),
        ("google/gemini-2.5-flsh:free", "google/gemini-2.5-flash"),
    ],
)
def test_closest_ids_rank_the_intended_model_first(catalog: Catalog, typo: str, first: str) -> None:
    suggestions = catalog.closest_ids(typo)
    assert suggestions[0] == first
    assert len(suggestions) <= 3


def test_variant_suffixes_resolve_to_their_base_model(catalog: Catalog) -> None:
    assert base_model_id("openai/gpt-4o:online") == "openai/gpt-4o"
    assert catalog.get("openai/gpt-4o:nitro") is catalog.get("openai/gpt-4o")
    assert catalog.get("qwen/qwen3-8b:free") is not None
    assert catalog.get("openai/not-a-model") is None


def test_a_model_without_pricing_or_architecture_still_parses() -> None:
    (model,) = Catalog.parse([{"id": "acme/bare"}]).models
    assert model.name == "acme/bare" and model.context_length is None
    assert model.prompt_price.is_free and model.input_modalities == ("text",)
    assert model.line() == "acme/bare | acme/bare | ctx ? | in free / out free per 1M"
