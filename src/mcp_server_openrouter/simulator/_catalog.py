"""A deterministic catalogue of 300+ models across 40+ providers, shaped like `GET /models` in 2026.

Well-known models (`_known_models`) carry their real-world prices, release days and canonical
slugs; the long tail is generated from a fixed seed. The shapes follow the recorded captures:
zero prices left out, canonical slugs that are not the id (`links.details` uses them), tiered
`pricing.overrides` lists, routers priced "-1", `:free` variants, `default_parameters` holding
nulls, descriptions cut with "...", `benchmarks`, `reasoning{mandatory, default_enabled}`.
`PROVIDER_NAMES` names the provider that serves each author's models; `RETIRED_FREE` are
`:free` ids that once existed and now have no endpoints.
"""

from __future__ import annotations

import calendar
import random
import time
from decimal import Decimal
from typing import Any

from mcp_server_openrouter.simulator._known_models import (
    DEFAULT_PARAMETERS,
    HUGGING_FACE_IDS,
    INSTRUCT_TYPES,
    KNOWLEDGE_CUTOFFS,
    KNOWN,
    REASONING,
    RELEASES,
    TOKENIZERS,
    benchmarks,
)

_BASE_CREATED = 1_704_067_200  # 2024-01-01

_SAMPLING_DEFAULTS = ["temperature", "top_p", "top_k", "frequency_penalty", "presence_penalty", "repetition_penalty"]
_TEXT_PARAMS = ["max_tokens", "temperature", "top_p", "stop", "seed", "frequency_penalty", "presence_penalty"]
_TOOL_PARAMS = ["tools", "tool_choice"]
_STRUCTURED_PARAMS = ["response_format", "structured_outputs"]
_REASONING_PARAMS = ["reasoning", "include_reasoning"]

# Who serves each author's models: named in endpoint lists and in a generation's `provider`.
PROVIDER_NAMES = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google AI Studio",
    "meta-llama": "DeepInfra",
    "mistralai": "Mistral",
    "deepseek": "DeepSeek",
    "qwen": "Alibaba",
    "x-ai": "xAI",
}

# `:free` ids that were retired: known to the chat route, served by no endpoint.
RETIRED_FREE = frozenset(
    {"deepseek/deepseek-chat-v3.1:free", "google/gemini-2.0-flash-exp:free", "meta-llama/llama-3.1-405b-instruct:free"}
)

# `:free` variants of some popular open models (zero prices are simply absent).
_FREE_VARIANTS = [
    "meta-llama/llama-3.3-70b-instruct",
    "meta-llama/llama-3.1-8b-instruct",
    "mistralai/mistral-7b-instruct",
    "deepseek/deepseek-r1",
    "qwen/qwen3-8b",
    "qwen/qwen3-coder",
    "google/gemma-3-27b-it",
    "openai/gpt-oss-20b",
    "moonshotai/kimi-k2",
    "z-ai/glm-4.5-air-32b",
    "minimax/minimax-m2.5",
]

# Providers of the generated tail: (author, display name, model family stems).
_TAIL_PROVIDERS: list[tuple[str, str, list[str]]] = [
    ("ai21", "AI21", ["jamba-large", "jamba-mini"]),
    ("aion-labs", "AionLabs", ["aion-1.0", "aion-rp-llama-3.1"]),
    ("alibaba", "Alibaba", ["tongyi-deepresearch", "qwen-max"]),
    ("allenai", "AllenAI", ["olmo-2", "molmo", "tulu-3"]),
    ("amazon", "Amazon", ["nova-pro", "nova-lite", "nova-micro"]),
    ("arcee-ai", "Arcee AI", ["virtuoso-large", "coder-large", "maestro-reasoning"]),
    ("baidu", "Baidu", ["ernie-4.5", "ernie-4.5-vl"]),
    ("bytedance", "ByteDance", ["seed-oss", "ui-tars"]),
    ("cognitivecomputations", "Dolphin", ["dolphin-mistral", "dolphin3.0"]),
    ("deepcogito", "Deep Cogito", ["cogito-v2-preview"]),
    ("eleutherai", "EleutherAI", ["llemma"]),
    ("gryphe", "Gryphe", ["mythomax-l2"]),
    ("ibm-granite", "IBM", ["granite-4.0-h", "granite-3.3"]),
    ("inception", "Inception", ["mercury", "mercury-coder"]),
    ("inflection", "Inflection", ["inflection-3-pi", "inflection-3-productivity"]),
    ("liquid", "LiquidAI", ["lfm-7b", "lfm-3b"]),
    ("meituan", "Meituan", ["longcat-flash-chat"]),
    ("microsoft", "Microsoft", ["phi-4", "phi-4-multimodal", "wizardlm-2"]),
    ("morph", "Morph", ["morph-v3-fast", "morph-v3-large"]),
    ("neversleep", "NeverSleep", ["llama-3-lumimaid", "noromaid"]),
    ("nousresearch", "Nous", ["hermes-4", "hermes-3-llama-3.1", "deephermes-3"]),
    ("nvidia", "NVIDIA", ["llama-3.1-nemotron", "nemotron-nano"]),
    ("openrouter", "OpenRouter", []),
    ("opengvlab", "OpenGVLab", ["internvl3"]),
    ("prime-intellect", "Prime Intellect", ["intellect-3"]),
    ("raifle", "Raifle", ["sorcererlm"]),
    ("relace", "Relace", ["relace-apply-3"]),
    ("sao10k", "Sao10K", ["l3-euryale", "l3.3-euryale"]),
    ("shisa-ai", "Shisa AI", ["shisa-v2-llama3.3"]),
    ("stepfun-ai", "StepFun", ["step3"]),
    ("switchpoint", "Switchpoint", ["router"]),
    ("tencent", "Tencent", ["hunyuan-a13b"]),
    ("thedrummer", "TheDrummer", ["rocinante", "unslopnemo", "anubis"]),
    ("thudm", "THUDM", ["glm-4.1v", "glm-z1"]),
    ("tngtech", "TNG", ["deepseek-r1t-chimera", "deepseek-r1t2-chimera"]),
    ("undi95", "Undi95", ["remm-slerp-l2"]),
    ("z-ai", "Z.AI", ["glm-4.5", "glm-4.5-air", "glm-4.6"]),
    ("mancer", "Mancer", ["weaver"]),
    ("alpindale", "Alpindale", ["goliath"]),
    ("anthracite-org", "Anthracite", ["magnum-v4"]),
    ("essentialai", "EssentialAI", ["rnj"]),
    ("kwaipilot", "Kwaipilot", ["kat-coder-pro"]),
]

_SIZES = ["1b", "3b", "7b", "8b", "12b", "14b", "24b", "32b", "70b", "72b", "123b", "235b"]
_SUFFIXES = ["", "-instruct", "-chat", "-preview", "-thinking", "-turbo"]


def _price_string(per_million: Decimal) -> str:
    """USD per token as OpenRouter writes it: a plain decimal string, no exponent."""
    per_token = per_million / Decimal(1_000_000)
    return format(per_token.normalize(), "f")


def _params(features: str) -> list[str]:
    params = list(_TEXT_PARAMS)
    if "t" in features:
        params += _TOOL_PARAMS
    if "s" in features:
        params += _STRUCTURED_PARAMS
    if "r" in features:
        params += _REASONING_PARAMS
    if "w" in features:
        params.append("web_search_options")
    return sorted(params)


def _pricing(
    author: str, prompt: Decimal, completion: Decimal, context: int, outputs: list[str], features: str
) -> dict[str, Any]:
    pricing: dict[str, Any] = {}
    # Since 2026 zero prices are left out of `pricing`.
    if prompt:
        pricing["prompt"] = _price_string(prompt)
    if completion:
        pricing["completion"] = _price_string(completion)
    if "w" in features:
        pricing["web_search"] = "0.01"
    if "image" in outputs and prompt:
        pricing["image"] = _price_string(prompt * 400)
    cache: dict[str, str] = {}
    if "c" in features and prompt:
        cache["input_cache_read"] = _price_string(prompt / 10)
        if author == "anthropic":
            cache["input_cache_write"] = _price_string(prompt * Decimal("1.25"))
            cache["input_cache_write_1h"] = _price_string(prompt * 2)
    pricing.update(cache)
    if context >= 1_000_000 and author in {"anthropic", "google"} and prompt:
        # Long prompts cost more: every price doubles (completion x1.5) past 200k prompt tokens.
        tier = {key: _price_string(Decimal(value) * 2_000_000) for key, value in cache.items()}
        pricing["overrides"] = [
            {
                "min_prompt_tokens": 200000,
                "prompt": _price_string(prompt * 2),
                "completion": _price_string(completion * Decimal("1.5")),
                **tier,
            }
        ]
    return pricing


def _model(
    model_id: str,
    name: str,
    prompt: Decimal,
    completion: Decimal,
    context: int,
    max_output: int,
    inputs: list[str],
    outputs: list[str],
    features: str,
    created: int,
    rng: random.Random,
) -> dict[str, Any]:
    author = model_id.split("/", 1)[0]
    released, canonical = RELEASES.get(model_id, ("", model_id))
    if released:
        created = calendar.timegm(time.strptime(released, "%Y-%m-%d")) + 3600 * (len(model_id) % 20)
    description = (
        f"{name.split(': ', 1)[-1]} is a {('multimodal ' if len(inputs) > 1 else '')}model from "
        f"{name.split(':', 1)[0]} with a {context:,}-token context window, suited to "
        f"{'agentic tool use, ' if 't' in features else ''}{'step-by-step reasoning, ' if 'r' in features else ''}"
        "general chat and writing. It supports..."
    )
    knowledge = f"{2023 + rng.randrange(3)}-{rng.randrange(1, 13):02d}-01" if rng.random() < 0.6 else None
    entry: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": canonical,
        "hugging_face_id": HUGGING_FACE_IDS.get(
            model_id, "" if author in {"openai", "anthropic", "google", "x-ai"} else None
        ),
        "name": name,
        "created": created,
        "description": description,
        "context_length": context,
        "architecture": {
            "modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            "input_modalities": inputs,
            "output_modalities": outputs,
            "tokenizer": TOKENIZERS.get(author, "Other"),
            "instruct_type": INSTRUCT_TYPES.get(author),
        },
        "pricing": _pricing(author, prompt, completion, context, outputs, features),
        "top_provider": {
            "context_length": min(context, 200_000) if author == "anthropic" else context,
            "max_completion_tokens": max_output,
            "is_moderated": author in {"openai", "anthropic"},
        },
        "per_request_limits": None,
        "supported_parameters": _params(features),
        "default_parameters": DEFAULT_PARAMETERS.get(model_id)
        or ({} if author == "openai" else dict.fromkeys(_SAMPLING_DEFAULTS)),
        "supported_voices": None,
        "knowledge_cutoff": KNOWLEDGE_CUTOFFS.get(model_id, knowledge),
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{canonical}/endpoints"},
        "benchmarks": benchmarks(model_id, in_arena=bool(released)),
    }
    if "r" in features:
        entry["reasoning"] = dict(
            REASONING.get(model_id, {"mandatory": model_id.endswith("-thinking"), "default_enabled": True})
        )
    return entry


def _tail_model(author: str, display: str, slug: str, rng: random.Random) -> dict[str, Any]:
    """One generated model of the long tail (the draws from `rng` are in a fixed order)."""
    inputs = ["text"]
    roll = rng.random()
    if roll < 0.25 or "vl" in slug or "vision" in slug:
        inputs = ["text", "image"]
    elif roll < 0.3:
        inputs = ["text", "image", "file"]
    elif roll < 0.33:
        inputs = ["text", "audio"]
    features = "".join(f for f, p in (("t", 0.6), ("s", 0.4), ("r", 0.3), ("c", 0.15)) if rng.random() < p)
    if slug.endswith("-thinking") and "r" not in features:
        features += "r"
    prompt = Decimal(rng.choice(["0.02", "0.05", "0.08", "0.1", "0.15", "0.2", "0.3", "0.5", "0.8", "1.2", "2", "3"]))
    completion = prompt * Decimal(rng.choice(["1", "2", "3", "4", "5"]))
    return _model(
        f"{author}/{slug}",
        f"{display}: {slug.replace('-', ' ').title()}",
        prompt,
        completion,
        rng.choice([8192, 32768, 65536, 131072, 163840, 262144]),
        rng.choice([4096, 8192, 16384, 32768]),
        inputs,
        ["text"],
        features,
        _BASE_CREATED + rng.randrange(0, 86_400 * 1000),
        rng,
    )


def build_catalog(seed: int = 20260801) -> list[dict[str, Any]]:
    """The simulator's model list (deterministic for a given seed)."""
    rng = random.Random(seed)
    models: list[dict[str, Any]] = []
    for index, (model_id, name, p_in, p_out, context, max_out, inputs_csv, outputs_csv, features) in enumerate(KNOWN):
        created = _BASE_CREATED + index * 86_400 * 11
        inputs, outputs = inputs_csv.split(","), outputs_csv.split(",")
        models.append(
            _model(
                model_id, name, Decimal(p_in), Decimal(p_out), context, max_out, inputs, outputs, features, created, rng
            )
        )
    seen = {m["id"] for m in models}
    for author, display, stems in _TAIL_PROVIDERS:
        for stem in stems:
            for _ in range(rng.randrange(3, 7)):
                slug = f"{stem}-{rng.choice(_SIZES)}{rng.choice(_SUFFIXES)}"
                if f"{author}/{slug}" in seen:
                    continue
                seen.add(f"{author}/{slug}")
                models.append(_tail_model(author, display, slug, rng))
    by_id = {m["id"]: m for m in models}
    for model_id in _FREE_VARIANTS:
        base = by_id.get(model_id)
        if base is not None:
            free = {**base, "id": f"{model_id}:free", "name": f"{base['name']} (free)", "pricing": {}}
            free["canonical_slug"] = f"{base['canonical_slug']}:free"
            free["links"] = {"details": f"/api/v1/models/{free['canonical_slug']}/endpoints"}
            models.append(free)
    models += _routers(rng)
    return models


def _routers(rng: random.Random) -> list[dict[str, Any]]:
    """Routers pick a model per request: `openrouter/auto` is priced "-1" (it varies)."""
    auto = _model(
        "openrouter/auto",
        "Auto Router",
        Decimal(0),
        Decimal(0),
        2_000_000,
        0,
        ["text", "image", "file", "audio"],
        ["text"],
        "tsr",
        _BASE_CREATED + 86_400 * 400,
        rng,
    )
    auto["pricing"] = {"prompt": "-1", "completion": "-1"}
    switchpoint = _model(
        "switchpoint/router",
        "Switchpoint Router",
        Decimal("0.85"),
        Decimal("3.4"),
        131072,
        0,
        ["text"],
        ["text"],
        "r",
        _BASE_CREATED + 86_400 * 500,
        rng,
    )
    return [auto, switchpoint]
