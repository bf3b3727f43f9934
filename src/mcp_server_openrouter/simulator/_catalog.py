"""A deterministic catalogue of 300+ models across 40+ providers, shaped like `GET /models` in 2026.

Well-known models are listed by hand with their real-world prices; the long tail is
generated from a fixed seed. The shapes follow the recorded captures: zero prices left
out, dated canonical slugs, tiered `pricing.overrides` lists, routers priced "-1",
`:free` variants, `default_parameters` holding nulls, descriptions cut with "...".
`PROVIDER_NAMES` names the provider that serves each author's models.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

_BASE_CREATED = 1_704_067_200  # 2024-01-01

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

# (id, name, $/1M in, $/1M out, context, max output, input modalities, output modalities, features)
# features: t = tools, s = structured outputs, r = reasoning, w = web search priced, c = cache prices
# fmt: off
_KNOWN: list[tuple[str, str, str, str, int, int, str, str, str]] = [
    ("openai/gpt-4o", "OpenAI: GPT-4o", "2.5", "10", 128000, 16384, "text,image,file", "text", "tsc"),
    ("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", "0.15", "0.6", 128000, 16384, "text,image,file", "text", "tsc"),
    ("openai/gpt-4.1", "OpenAI: GPT-4.1", "2", "8", 1047576, 32768, "text,image,file", "text", "tswc"),
    ("openai/gpt-4.1-mini", "OpenAI: GPT-4.1 Mini", "0.4", "1.6", 1047576, 32768, "text,image,file", "text", "tswc"),
    ("openai/gpt-4.1-nano", "OpenAI: GPT-4.1 Nano", "0.1", "0.4", 1047576, 32768, "text,image,file", "text", "tsc"),
    ("openai/gpt-5", "OpenAI: GPT-5", "1.25", "10", 400000, 128000, "text,image,file", "text", "tsrwc"),
    ("openai/gpt-5-mini", "OpenAI: GPT-5 Mini", "0.25", "2", 400000, 128000, "text,image,file", "text", "tsrc"),
    ("openai/gpt-5-nano", "OpenAI: GPT-5 Nano", "0.05", "0.4", 400000, 128000, "text,image,file", "text", "tsrc"),
    ("openai/o3", "OpenAI: o3", "2", "8", 200000, 100000, "text,image,file", "text", "tsrc"),
    ("openai/o4-mini", "OpenAI: o4 Mini", "1.1", "4.4", 200000, 100000, "text,image,file", "text", "tsrc"),
    ("openai/gpt-3.5-turbo", "OpenAI: GPT-3.5 Turbo", "0.5", "1.5", 16385, 4096, "text", "text", "t"),
    ("openai/gpt-4", "OpenAI: GPT-4", "30", "60", 8191, 4096, "text", "text", "t"),
    ("openai/gpt-4-turbo", "OpenAI: GPT-4 Turbo", "10", "30", 128000, 4096, "text,image", "text", "ts"),
    ("openai/gpt-5-image", "OpenAI: GPT-5 Image", "10", "10", 400000, 128000, "text,image,file", "text,image", "sr"),
    ("openai/gpt-4o-audio-preview", "OpenAI: GPT-4o Audio", "2.5", "10", 128000, 16384, "text,audio", "text", "t"),
    ("openai/gpt-oss-120b", "OpenAI: gpt-oss-120b", "0.05", "0.25", 131072, 32768, "text", "text", "tsr"),
    ("openai/gpt-oss-20b", "OpenAI: gpt-oss-20b", "0.03", "0.15", 131072, 32768, "text", "text", "tsr"),
    ("anthropic/claude-sonnet-4.6", "Anthropic: Claude Sonnet 4.6", "3", "15", 1000000, 64000, "text,image,file", "text", "trwc"),
    ("anthropic/claude-sonnet-4.5", "Anthropic: Claude Sonnet 4.5", "3", "15", 1000000, 64000, "text,image,file", "text", "trwc"),
    ("anthropic/claude-sonnet-4", "Anthropic: Claude Sonnet 4", "3", "15", 1000000, 64000, "text,image,file", "text", "trwc"),
    ("anthropic/claude-opus-4.1", "Anthropic: Claude Opus 4.1", "15", "75", 200000, 32000, "text,image,file", "text", "trc"),
    ("anthropic/claude-haiku-4.5", "Anthropic: Claude Haiku 4.5", "1", "5", 200000, 64000, "text,image,file", "text", "trc"),
    ("anthropic/claude-3.5-haiku", "Anthropic: Claude 3.5 Haiku", "0.8", "4", 200000, 8192, "text,image", "text", "tc"),
    ("anthropic/claude-3-haiku", "Anthropic: Claude 3 Haiku", "0.25", "1.25", 200000, 4096, "text,image", "text", "tc"),
    ("anthropic/claude-3-opus", "Anthropic: Claude 3 Opus", "15", "75", 200000, 4096, "text,image", "text", "tc"),
    ("google/gemini-2.5-pro", "Google: Gemini 2.5 Pro", "1.25", "10", 1048576, 65536, "text,image,file,audio,video", "text", "tsrc"),
    ("google/gemini-2.5-flash", "Google: Gemini 2.5 Flash", "0.3", "2.5", 1048576, 65535, "text,image,file,audio,video", "text", "tsrc"),
    ("google/gemini-2.5-flash-lite", "Google: Gemini 2.5 Flash Lite", "0.1", "0.4", 1048576, 65535, "text,image,file,audio", "text", "tsr"),
    ("google/gemini-2.5-flash-image", "Google: Gemini 2.5 Flash Image", "0.3", "2.5", 32768, 8192, "text,image", "text,image", "s"),
    ("google/gemini-2.0-flash-001", "Google: Gemini 2.0 Flash", "0.1", "0.4", 1048576, 8192, "text,image,file,audio", "text", "ts"),
    ("google/gemma-3-27b-it", "Google: Gemma 3 27B", "0.09", "0.16", 131072, 16384, "text,image", "text", "s"),
    ("meta-llama/llama-3.1-8b-instruct", "Meta: Llama 3.1 8B Instruct", "0.02", "0.03", 131072, 16384, "text", "text", "t"),
    ("meta-llama/llama-3.1-70b-instruct", "Meta: Llama 3.1 70B Instruct", "0.4", "0.4", 131072, 16384, "text", "text", "t"),
    ("meta-llama/llama-3.1-405b-instruct", "Meta: Llama 3.1 405B Instruct", "0.8", "0.8", 32768, 16384, "text", "text", "t"),
    ("meta-llama/llama-3.3-70b-instruct", "Meta: Llama 3.3 70B Instruct", "0.13", "0.39", 131072, 16384, "text", "text", "ts"),
    ("meta-llama/llama-3.2-11b-vision-instruct", "Meta: Llama 3.2 11B Vision", "0.049", "0.049", 131072, 16384, "text,image", "text", ""),
    ("meta-llama/llama-4-maverick", "Meta: Llama 4 Maverick", "0.15", "0.6", 1048576, 16384, "text,image", "text", "ts"),
    ("meta-llama/llama-4-scout", "Meta: Llama 4 Scout", "0.08", "0.3", 327680, 16384, "text,image", "text", "ts"),
    ("mistralai/mistral-7b-instruct", "Mistral: Mistral 7B Instruct", "0.028", "0.054", 32768, 16384, "text", "text", "t"),
    ("mistralai/mistral-small", "Mistral Small", "0.2", "0.6", 32768, 8192, "text", "text", "ts"),
    ("mistralai/mistral-large", "Mistral Large", "2", "6", 128000, 8192, "text", "text", "ts"),
    ("mistralai/mistral-medium-3.1", "Mistral: Mistral Medium 3.1", "0.4", "2", 131072, 8192, "text,image", "text", "ts"),
    ("mistralai/codestral-2508", "Mistral: Codestral 2508", "0.3", "0.9", 256000, 8192, "text", "text", "ts"),
    ("mistralai/pixtral-large-2411", "Mistral: Pixtral Large 2411", "2", "6", 131072, 8192, "text,image", "text", "ts"),
    ("deepseek/deepseek-chat", "DeepSeek: DeepSeek V3", "0.3", "0.85", 163840, 16384, "text", "text", "tsw"),
    ("deepseek/deepseek-chat-v3.1", "DeepSeek: DeepSeek V3.1", "0.2", "0.8", 163840, 16384, "text", "text", "tsr"),
    ("deepseek/deepseek-r1", "DeepSeek: R1", "0.4", "2", 163840, 16384, "text", "text", "r"),
    ("qwen/qwen3-8b", "Qwen: Qwen3 8B", "0.117", "0.455", 131072, 8192, "text", "text", "tsr"),
    ("qwen/qwen3-235b-a22b", "Qwen: Qwen3 235B A22B", "0.13", "0.6", 131072, 8192, "text", "text", "tsr"),
    ("qwen/qwen3-coder", "Qwen: Qwen3 Coder 480B A35B", "0.22", "0.95", 262144, 65536, "text", "text", "ts"),
    ("qwen/qwen2.5-vl-72b-instruct", "Qwen: Qwen2.5 VL 72B Instruct", "0.25", "0.75", 32768, 8192, "text,image", "text", ""),
    ("x-ai/grok-4", "xAI: Grok 4", "3", "15", 256000, 64000, "text,image", "text", "tsrc"),
    ("x-ai/grok-3-mini", "xAI: Grok 3 Mini", "0.3", "0.5", 131072, 32768, "text", "text", "tsr"),
    ("moonshotai/kimi-k2", "MoonshotAI: Kimi K2", "0.5", "2.4", 131072, 32768, "text", "text", "ts"),
    ("minimax/minimax-m2.5", "MiniMax: MiniMax M2.5", "0.3", "1.2", 204800, 131072, "text", "text", "tsr"),
    ("perplexity/sonar", "Perplexity: Sonar", "1", "1", 127072, 8192, "text,image", "text", "w"),
    ("cohere/command-r-plus-08-2024", "Cohere: Command R+ (08-2024)", "2.5", "10", 128000, 4000, "text", "text", "ts"),
]
# fmt: on

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
    date = time.strftime("%Y%m%d", time.gmtime(created))
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
    if "c" in features and prompt:
        pricing["input_cache_read"] = _price_string(prompt / 10)
        if author == "anthropic":
            pricing["input_cache_write"] = _price_string(prompt * Decimal("1.25"))
            pricing["input_cache_write_1h"] = _price_string(prompt * 2)
    if context >= 1_000_000 and author in {"anthropic", "google"} and prompt:
        pricing["overrides"] = [
            {
                "min_prompt_tokens": 200000,
                "prompt": _price_string(prompt * 2),
                "completion": _price_string(completion * Decimal("1.5")),
            }
        ]
    description = (
        f"{name.split(': ', 1)[-1]} is a {('multimodal ' if len(inputs) > 1 else '')}model from "
        f"{name.split(':', 1)[0]} with a {context:,}-token context window, suited to "
        f"{'agentic tool use, ' if 't' in features else ''}{'step-by-step reasoning, ' if 'r' in features else ''}"
        "general chat and writing. It supports..."
    )
    entry: dict[str, Any] = {
        "id": model_id,
        "canonical_slug": f"{model_id}-{date}"
        if author in {"anthropic", "openai", "google", "x-ai", "qwen"}
        else model_id,
        "hugging_face_id": "" if author in {"openai", "anthropic", "google", "x-ai"} else None,
        "name": name,
        "created": created,
        "description": description,
        "context_length": context,
        "architecture": {
            "modality": f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            "input_modalities": inputs,
            "output_modalities": outputs,
            "tokenizer": author.split("-")[0].capitalize(),
            "instruct_type": None,
        },
        "pricing": pricing,
        "top_provider": {
            "context_length": context,
            "max_completion_tokens": max_output,
            "is_moderated": author in {"openai", "anthropic"},
        },
        "per_request_limits": None,
        "supported_parameters": _params(features),
        "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
        "supported_voices": None,
        "knowledge_cutoff": f"{2023 + rng.randrange(3)}-{rng.randrange(1, 13):02d}-01" if rng.random() < 0.6 else None,
        "expiration_date": None,
        "links": {"details": f"/api/v1/models/{model_id}/endpoints"},
    }
    if "r" in features:
        entry["reasoning"] = {"mandatory": model_id.endswith("-thinking"), "default_enabled": True}
    return entry


def build_catalog(seed: int = 20260801) -> list[dict[str, Any]]:  # noqa: C901 - one pass over the hand-kept table
    """The simulator's model list (deterministic for a given seed)."""
    rng = random.Random(seed)
    models: list[dict[str, Any]] = []
    for index, (model_id, name, p_in, p_out, context, max_out, inputs_csv, outputs_csv, features) in enumerate(_KNOWN):
        models.append(
            _model(
                model_id,
                name,
                Decimal(p_in),
                Decimal(p_out),
                context,
                max_out,
                inputs_csv.split(","),
                outputs_csv.split(","),
                features,
                _BASE_CREATED + index * 86_400 * 11,
                rng,
            )
        )
    seen = {m["id"] for m in models}
    for author, display, stems in _TAIL_PROVIDERS:
        for stem in stems:
            for _ in range(rng.randrange(3, 7)):
                slug = f"{stem}-{rng.choice(_SIZES)}{rng.choice(_SUFFIXES)}"
                model_id = f"{author}/{slug}"
                if model_id in seen:
                    continue
                seen.add(model_id)
                inputs = ["text"]
                roll = rng.random()
                if roll < 0.25 or "vl" in stem or "vision" in stem:
                    inputs = ["text", "image"]
                elif roll < 0.3:
                    inputs = ["text", "image", "file"]
                elif roll < 0.33:
                    inputs = ["text", "audio"]
                features = "".join(f for f, p in (("t", 0.6), ("s", 0.4), ("r", 0.3), ("c", 0.15)) if rng.random() < p)
                if slug.endswith("-thinking") and "r" not in features:
                    features += "r"
                prompt = Decimal(
                    rng.choice(["0.02", "0.05", "0.08", "0.1", "0.15", "0.2", "0.3", "0.5", "0.8", "1.2", "2", "3"])
                )
                completion = prompt * Decimal(rng.choice(["1", "2", "3", "4", "5"]))
                models.append(
                    _model(
                        model_id,
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
                )
    # `:free` variants of some popular open models (zero prices are simply absent).
    for model_id in [
        "meta-llama/llama-3.3-70b-instruct",
        "meta-llama/llama-3.1-8b-instruct",
        "mistralai/mistral-7b-instruct",
        "deepseek/deepseek-chat-v3.1",
        "deepseek/deepseek-r1",
        "qwen/qwen3-8b",
        "qwen/qwen3-coder",
        "google/gemma-3-27b-it",
        "openai/gpt-oss-20b",
        "moonshotai/kimi-k2",
        "z-ai/glm-4.5-air-32b",
        "minimax/minimax-m2.5",
    ]:
        base = next((m for m in models if m["id"] == model_id), None)
        if base is None:
            continue
        free = {**base, "id": f"{model_id}:free", "name": f"{base['name']} (free)", "pricing": {}}
        free["links"] = {"details": f"/api/v1/models/{model_id}:free/endpoints"}
        models.append(free)
    # Routers: price varies per request.
    models.append(
        _model(
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
    )
    models[-1]["pricing"] = {"prompt": "-1", "completion": "-1"}
    models.append(
        _model(
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
    )
    return models
