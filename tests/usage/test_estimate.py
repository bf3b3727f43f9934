"""Cost estimates: the prompt's tokens (estimated, and said so), the worst case, cheaper models."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from mcp_server_openrouter.catalog.model import Catalog, Model
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.usage.estimate import (
    CONTEXT_LEFT,
    IMAGE_TOKENS,
    MAX_TOKENS_GIVEN,
    MESSAGE_TOKENS,
    METHOD,
    MODEL_MAX_OUTPUT,
    PDF_PAGE_TOKENS,
    REPLY_PRIMING_TOKENS,
    UNCOUNTED_FILE_PAGES,
    WEB_RESULT_USD,
    PromptEstimate,
    RequestCost,
    cheaper_models,
    estimate_prompt,
    text_tokens,
    web_results,
    worst_case,
)


def model(model_id: str = "acme/big", **overrides: Any) -> Model:
    data: dict[str, Any] = {
        "id": model_id,
        "context_length": 100_000,
        "pricing": {"prompt": "0.000002", "completion": "0.00001"},
        "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
        "top_provider": {"max_completion_tokens": 8_000},
        "supported_parameters": ["max_tokens", "tools"],
    }
    data.update(overrides)
    return Model.parse(data)


def test_text_counts_four_ascii_characters_a_token_and_one_for_any_other_character() -> None:
    assert text_tokens("abcdefgh") == 2
    assert text_tokens("abcdefghi") == 3  # a started token counts whole
    assert text_tokens("日本語") == 3
    assert text_tokens("") == 0


def test_a_prompt_counts_each_message_and_the_reply_priming() -> None:
    prompt = estimate_prompt([{"role": "system", "content": "x" * 40}, {"role": "user", "content": "y" * 8}])
    assert prompt.tokens == 10 + 2 + 2 * MESSAGE_TOKENS + REPLY_PRIMING_TOKENS


def test_images_pdf_pages_tools_and_a_response_format_are_counted() -> None:
    pdf = b"%PDF-1.4 /Type /Pages /Type /Page x /Type/Page y /Type /Page z"
    data = "data:application/pdf;base64," + base64.b64encode(pdf).decode()
    content = [
        {"type": "text", "text": "abcd"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        {"type": "file", "file": {"filename": "a.pdf", "file_data": data}},
        {"type": "file", "file": {"filename": "b.pdf", "file_data": "https://example.com/b.pdf"}},
    ]
    plain = estimate_prompt([{"role": "user", "content": content}])
    assert plain.images == 2 and plain.pdf_pages == 3 + UNCOUNTED_FILE_PAGES
    assert plain.tokens == 1 + 2 * IMAGE_TOKENS + (3 + UNCOUNTED_FILE_PAGES) * PDF_PAGE_TOKENS + MESSAGE_TOKENS + 3
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    with_tools = estimate_prompt([{"role": "user", "content": content}], tools=tools, response_format={"type": "json"})
    assert with_tools.tokens > plain.tokens


def test_the_method_says_the_count_is_an_estimate_and_how() -> None:
    assert "estimated" in METHOD and "not tokenized" in METHOD and "4" in METHOD


def test_the_worst_case_is_the_prompt_plus_max_tokens_at_their_prices_in_decimal() -> None:
    estimate = worst_case(model(), PromptEstimate(1_000), 500)
    assert estimate.completion_basis == MAX_TOKENS_GIVEN and estimate.completion_tokens == 500
    assert estimate.prompt_usd == Decimal("0.002") and estimate.completion_usd == Decimal("0.005")
    assert estimate.worst_case == Decimal("0.007")
    assert estimate.fits is True


def test_without_max_tokens_the_models_max_output_bounds_the_completion() -> None:
    estimate = worst_case(model(), PromptEstimate(1_000), None)
    assert estimate.completion_basis == MODEL_MAX_OUTPUT and estimate.completion_tokens == 8_000
    assert estimate.worst_case == Decimal("0.002") + Decimal("0.08")


def test_without_max_tokens_or_a_max_output_the_context_left_bounds_the_completion() -> None:
    estimate = worst_case(model(top_provider={}), PromptEstimate(1_000), None)
    assert estimate.completion_basis == CONTEXT_LEFT and estimate.completion_tokens == 99_000


def test_per_request_per_image_reasoning_and_long_prompt_prices_are_included() -> None:
    pricing = {
        "prompt": "0.000001",
        "completion": "0.000002",
        "internal_reasoning": "0.000003",
        "request": "0.01",
        "image": "0.001",
        "overrides": [{"min_prompt_tokens": 200_000, "prompt": "0.000004"}],
    }
    short = worst_case(model(pricing=pricing), PromptEstimate(1_000, images=2), 100)
    assert short.other_usd == Decimal("0.01") + 2 * Decimal("0.001")
    assert short.completion_usd == Decimal("0.0003")  # the reasoning price, higher, bounds each token
    assert short.worst_case == Decimal("0.001") + Decimal("0.0003") + Decimal("0.012")
    long = worst_case(model(pricing=pricing, context_length=1_000_000), PromptEstimate(300_000), 100)
    assert long.prompt_usd == Decimal("1.2")


def test_a_router_priced_minus_one_has_no_worst_case_and_says_why() -> None:
    estimate = worst_case(model("openrouter/auto", pricing={"prompt": "-1", "completion": "-1"}), PromptEstimate(10), 5)
    assert estimate.worst_case is None and estimate.why is not None and "varies" in estimate.why


def test_a_web_search_adds_the_plugins_price_or_the_models_own() -> None:
    request = ChatRequest.create(model="acme/big", messages="hi", plugins=[{"id": "web", "max_results": 3}])
    assert web_results(request.body()) == 3
    assert web_results(ChatRequest.create(model="acme/big:online", messages="hi").body()) == 5
    assert web_results(ChatRequest.create(model="acme/big", messages="hi").body()) == 0
    plugin = worst_case(model(), PromptEstimate(10), 5, web_results=3)
    assert plugin.other_usd == 3 * WEB_RESULT_USD
    native = worst_case(
        model(pricing={"prompt": "0.000001", "web_search": "0.01"}), PromptEstimate(10), 5, web_results=3
    )
    assert native.other_usd == Decimal("0.01")


def test_a_request_is_bounded_by_its_costliest_fallback() -> None:
    cheap, dear = (
        worst_case(model("a/cheap"), PromptEstimate(10), 10),
        worst_case(model("a/dear"), PromptEstimate(10), 99),
    )
    assert RequestCost(PromptEstimate(10), (cheap, dear)).worst is dear


def _catalog() -> tuple[Catalog, Model]:
    vision = {"input_modalities": ["text", "image"], "output_modalities": ["text"]}
    asked = model("acme/big", architecture=vision, supported_parameters=["tools", "response_format"])
    others = [
        model(
            "acme/small",
            architecture=vision,
            pricing={"prompt": "0.0000001", "completion": "0.0000004"},
            supported_parameters=["tools", "response_format"],
        ),
        model(
            "acme/mid",
            architecture=vision,
            pricing={"prompt": "0.000001", "completion": "0.000005"},
            supported_parameters=["tools", "structured_outputs"],
        ),
        model(
            "acme/text-only",
            pricing={"prompt": "0.0000001", "completion": "0.0000001"},
            supported_parameters=["tools", "response_format"],
        ),
        model(
            "acme/no-tools",
            architecture=vision,
            pricing={"prompt": "0.0000001", "completion": "0.0000001"},
            supported_parameters=["response_format"],
        ),
        model(
            "acme/tiny-context",
            architecture=vision,
            context_length=1_000,
            pricing={"prompt": "0.0000001", "completion": "0.0000001"},
            supported_parameters=["tools", "response_format"],
        ),
        model("acme/free", architecture=vision, pricing={}, supported_parameters=["tools", "response_format"]),
        model(
            "acme/dearer",
            architecture=vision,
            pricing={"prompt": "0.00001", "completion": "0.0001"},
            supported_parameters=["tools", "response_format"],
        ),
    ]
    return Catalog([asked, *others]), asked


def test_cheaper_models_are_cheaper_and_can_do_what_the_model_does() -> None:
    catalog, asked = _catalog()
    prompt = PromptEstimate(2_000)
    estimate = worst_case(asked, prompt, 4_000)
    found = cheaper_models(catalog, asked, prompt, estimate)
    assert [e.model for e in found] == ["acme/small", "acme/mid"]  # cheapest first
    assert all(e.worst_case is not None and estimate.worst_case is not None for e in found)
    assert all(e.worst_case < estimate.worst_case for e in found if e.worst_case and estimate.worst_case)
    assert all(e.completion_tokens == 4_000 for e in found)  # priced for the same completion


def test_at_most_five_cheaper_models_are_given() -> None:
    base = model("acme/big")
    cheap = [model(f"acme/c{i}", pricing={"prompt": "0.000001", "completion": f"0.00000{i}"}) for i in range(1, 9)]
    prompt = PromptEstimate(10)
    found = cheaper_models(Catalog([base, *cheap]), base, prompt, worst_case(base, prompt, 100))
    assert [e.model for e in found] == [f"acme/c{i}" for i in range(1, 6)]


@pytest.mark.parametrize("max_tokens", [None, 100])
def test_a_model_whose_worst_case_is_unknown_has_no_cheaper_models(max_tokens: int | None) -> None:
    router = model("openrouter/auto", pricing={"prompt": "-1", "completion": "-1"})
    prompt = PromptEstimate(10)
    assert cheaper_models(Catalog([router, model()]), router, prompt, worst_case(router, prompt, max_tokens)) == []
