"""Prices, provider filters and suggestions over the parsed catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_server_openrouter.catalog.model import Catalog, Model, Price, base_model_id, derive_capabilities, format_usd
from mcp_server_openrouter.catalog.query import ModelQuery, run_query
from mcp_server_openrouter.errors import InvalidArgumentError
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
    openai = query(catalog, provider="OpenAI")
    assert openai and all(i.startswith("openai/") for i in openai)
    assert query(catalog, provider="openai/") == openai
    assert query(catalog, provider="open") == []  # a prefix of the provider, not of the id
    assert run_query(catalog, ModelQuery.build()).total == len(catalog)


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


# -- capabilities, filters, sorting, paging ---------------------------------------------------


def model(model_id: str, **fields: object) -> dict[str, object]:
    return {"id": model_id, "name": model_id.split("/")[-1], **fields}


def test_capabilities_come_from_parameters_and_modalities_not_names() -> None:
    caps = derive_capabilities(
        ("tools", "response_format", "include_reasoning", "web_search_options"),
        ("text", "image", "file", "audio"),
        ("text", "image"),
        Price.parse(None),
    )
    assert caps == (
        "tools",
        "structured_outputs",
        "reasoning",
        "vision",
        "files",
        "audio",
        "image_output",
        "web_search",
    )
    (vision_by_name,) = Catalog.parse([model("acme/super-vision-tools-reasoner")]).models
    assert vision_by_name.capabilities == ()
    (priced_search,) = Catalog.parse([model("acme/a", pricing={"web_search": "0.01"})]).models
    assert priced_search.capabilities == ("web_search",)


def found(catalog: Catalog, model_id: str) -> Model:
    entry = catalog.get(model_id)
    assert entry is not None, model_id
    return entry


def query(catalog: Catalog, **arguments: object) -> list[str]:
    return [m.id for m in run_query(catalog, ModelQuery.build(**arguments, limit=100)).models]


def test_search_needs_every_word_somewhere_in_id_name_or_description(catalog: Catalog) -> None:
    assert query(catalog, search="claude sonnet") == [
        "anthropic/claude-sonnet-4",
        "anthropic/claude-sonnet-4.5",
        "anthropic/claude-sonnet-4.6",
    ]
    assert query(catalog, search="CLAUDE nonexistentword") == []


def test_modalities_filter_inputs_and_outputs(catalog: Catalog) -> None:
    image_in = query(catalog, input_modality="image")
    assert image_in and all("image" in found(catalog, i).input_modalities for i in image_in)
    image_out = query(catalog, output_modality="image")
    assert "openai/gpt-5-image" in image_out and "google/gemini-2.5-flash-image" in image_out
    assert query(catalog, input_modality="video") == ["google/gemini-2.5-flash", "google/gemini-2.5-pro"]


def test_supports_requires_every_capability(catalog: Catalog) -> None:
    ids = query(catalog, supports=["vision", "tools", "reasoning"], provider="openai")
    assert "openai/gpt-5" in ids and "openai/gpt-4o" not in ids  # gpt-4o has no reasoning


def test_price_bounds_use_input_and_optionally_output_and_never_admit_routers(catalog: Catalog) -> None:
    cheap_input = query(catalog, provider="openai", max_price_per_million=0.5)
    assert "openai/gpt-4o-mini" in cheap_input and "openai/gpt-3.5-turbo" in cheap_input
    both = query(catalog, provider="openai", max_price_per_million=[0.5, 1.0])
    assert "openai/gpt-4o-mini" in both and "openai/gpt-3.5-turbo" not in both  # $1.50 out
    assert "openrouter/auto" not in query(catalog, max_price_per_million=1000)


def test_free_only_keeps_zero_priced_models_and_free_variants_but_not_routers(catalog: Catalog) -> None:
    free = query(catalog, free_only=True)
    assert "qwen/qwen3-8b:free" in free and "meta-llama/llama-3.3-70b-instruct:free" in free
    assert "openrouter/auto" not in free
    assert all(found(catalog, i).is_free for i in free)


def test_min_context_drops_smaller_and_unknown_contexts() -> None:
    catalog = Catalog.parse(
        [model("a/big", context_length=200000), model("a/small", context_length=4096), model("a/unknown")]
    )
    assert query(catalog, min_context=100000) == ["a/big"]


def test_every_sort_orders_as_documented(catalog: Catalog) -> None:
    by_price = run_query(catalog, ModelQuery.build(sort="price", limit=100)).models
    prices = [m.prompt_price.per_token for m in by_price]
    known = [p for p in prices if p is not None]
    assert known == prices and known == sorted(known)  # variable prices sort last, past this first page
    everything = run_query(catalog, ModelQuery.build(sort="price", limit=100, offset=len(catalog) - 2)).models
    assert everything[-1].prompt_price.per_token is None  # variable prices last
    by_context = [m.context_length or 0 for m in run_query(catalog, ModelQuery.build(sort="context")).models]
    assert by_context == sorted(by_context, reverse=True) and by_context[0] == 2_000_000
    by_newest = [m.created or 0 for m in run_query(catalog, ModelQuery.build(sort="newest")).models]
    assert by_newest == sorted(by_newest, reverse=True)
    by_name = [m.name.lower() for m in run_query(catalog, ModelQuery.build(sort="name")).models]
    assert by_name == sorted(by_name)
    default = run_query(catalog, ModelQuery.build(limit=100)).models
    assert [(m.provider, m.name.lower()) for m in default] == sorted((m.provider, m.name.lower()) for m in default)


def test_pages_cover_the_matches_exactly_once(catalog: Catalog) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = run_query(catalog, ModelQuery.build(supports=["tools"], limit=40, offset=offset))
        seen += [m.id for m in page.models]
        offset = page.next_offset
    assert len(seen) == len(set(seen)) == page.total
    assert page.total == sum("tools" in m.capabilities for m in catalog.models)


def test_the_default_page_is_50_and_the_largest_is_100(catalog: Catalog) -> None:
    assert len(run_query(catalog, ModelQuery.build()).models) == 50
    with pytest.raises(InvalidArgumentError, match="from 1 to 100"):
        ModelQuery.build(limit=500)


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"supports": ["vision", "telepathy"]}, "unknown capabilities ['telepathy']; use any of: tools"),
        ({"supports": "vision"}, None),
        ({"input_modality": "smell"}, "must be one of: text, image, file, audio, video"),
        ({"sort": "popularity"}, "`sort` must be one of: provider, price, context, newest, name"),
        ({"max_price_per_million": -1}, "or two numbers [input, output]"),
        ({"max_price_per_million": [1, 2, 3]}, "or two numbers"),
        ({"max_price_per_million": "cheap"}, "must be a number"),
        ({"min_context": -5}, "non-negative integer"),
        ({"offset": -1}, "non-negative integer"),
        ({"limit": 0}, "from 1 to 100"),
        ({"provider": 7}, "provider prefix"),
        ({"free_only": "yes"}, "true or false"),
    ],
)
def test_bad_query_arguments_explain_what_is_accepted(arguments: dict[str, object], words: str | None) -> None:
    if words is None:
        assert ModelQuery.build(**arguments).supports == ("vision",)
        return
    with pytest.raises(InvalidArgumentError) as caught:
        ModelQuery.build(**arguments)
    assert words in str(caught.value)
