# ruff: noqa: E501 - the hand-kept tables read best one model a line
"""The well-known models of the simulator's catalogue, kept by hand with real-world facts.

`KNOWN` lists each model's id, name, prices, limits, modalities and features; `RELEASES`
its release day and canonical slug as OpenRouter writes it (Anthropic's are reordered and
dated with the version date, `anthropic/claude-4.6-sonnet-20260217`; OpenAI's carry a dashed
date or none; Qwen's a month-day suffix) — never derived from the id and the `created` date.
`REASONING` is each reasoning model's `reasoning{mandatory, default_enabled}`, which decides
whether it thinks when the request does not say. The other tables fill the fields the captures
show with a real value (`hugging_face_id`, `instruct_type`, `knowledge_cutoff`, defaults).
"""

from __future__ import annotations

from typing import Any

# (id, name, $/1M in, $/1M out, context, max output, input modalities, output modalities, features)
# features: t = tools, s = structured outputs, r = reasoning, w = web search priced, c = cache prices
# fmt: off
KNOWN: list[tuple[str, str, str, str, int, int, str, str, str]] = [
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

# id: (release day, canonical slug). The slug's date, where it has one, is the version's date.
RELEASES: dict[str, tuple[str, str]] = {
    "openai/gpt-4o": ("2024-05-13", "openai/gpt-4o"),
    "openai/gpt-4o-mini": ("2024-07-18", "openai/gpt-4o-mini"),
    "openai/gpt-4.1": ("2025-04-14", "openai/gpt-4.1-2025-04-14"),
    "openai/gpt-4.1-mini": ("2025-04-14", "openai/gpt-4.1-mini-2025-04-14"),
    "openai/gpt-4.1-nano": ("2025-04-14", "openai/gpt-4.1-nano-2025-04-14"),
    "openai/gpt-5": ("2025-08-07", "openai/gpt-5-2025-08-07"),
    "openai/gpt-5-mini": ("2025-08-07", "openai/gpt-5-mini-2025-08-07"),
    "openai/gpt-5-nano": ("2025-08-07", "openai/gpt-5-nano-2025-08-07"),
    "openai/o3": ("2025-04-16", "openai/o3-2025-04-16"),
    "openai/o4-mini": ("2025-04-16", "openai/o4-mini-2025-04-16"),
    "openai/gpt-3.5-turbo": ("2023-05-28", "openai/gpt-3.5-turbo"),
    "openai/gpt-4": ("2023-05-28", "openai/gpt-4"),
    "openai/gpt-4-turbo": ("2024-04-09", "openai/gpt-4-turbo"),
    "openai/gpt-5-image": ("2025-10-14", "openai/gpt-5-image"),
    "openai/gpt-4o-audio-preview": ("2025-08-15", "openai/gpt-4o-audio-preview"),
    "openai/gpt-oss-120b": ("2025-08-05", "openai/gpt-oss-120b"),
    "openai/gpt-oss-20b": ("2025-08-05", "openai/gpt-oss-20b"),
    "anthropic/claude-sonnet-4.6": ("2026-02-17", "anthropic/claude-4.6-sonnet-20260217"),
    "anthropic/claude-sonnet-4.5": ("2025-09-29", "anthropic/claude-4.5-sonnet-20250929"),
    "anthropic/claude-sonnet-4": ("2025-05-22", "anthropic/claude-4-sonnet-20250522"),
    "anthropic/claude-opus-4.1": ("2025-08-05", "anthropic/claude-4.1-opus-20250805"),
    "anthropic/claude-haiku-4.5": ("2025-10-15", "anthropic/claude-4.5-haiku-20251001"),
    "anthropic/claude-3.5-haiku": ("2024-11-04", "anthropic/claude-3-5-haiku-20241022"),
    "anthropic/claude-3-haiku": ("2024-03-13", "anthropic/claude-3-haiku-20240307"),
    "anthropic/claude-3-opus": ("2024-03-05", "anthropic/claude-3-opus-20240229"),
    "google/gemini-2.5-pro": ("2025-06-17", "google/gemini-2.5-pro"),
    "google/gemini-2.5-flash": ("2025-06-17", "google/gemini-2.5-flash"),
    "google/gemini-2.5-flash-lite": ("2025-07-22", "google/gemini-2.5-flash-lite"),
    "google/gemini-2.5-flash-image": ("2025-10-07", "google/gemini-2.5-flash-image"),
    "google/gemini-2.0-flash-001": ("2025-02-05", "google/gemini-2.0-flash-001"),
    "google/gemma-3-27b-it": ("2025-03-12", "google/gemma-3-27b-it"),
    "meta-llama/llama-3.3-70b-instruct": ("2024-12-06", "meta-llama/llama-3.3-70b-instruct"),
    "meta-llama/llama-4-maverick": ("2025-04-05", "meta-llama/llama-4-maverick-17b-128e-instruct"),
    "meta-llama/llama-4-scout": ("2025-04-05", "meta-llama/llama-4-scout-17b-16e-instruct"),
    "mistralai/mistral-small": ("2024-01-10", "mistralai/mistral-small-2402"),
    "mistralai/mistral-large": ("2024-02-26", "mistralai/mistral-large-2407"),
    "deepseek/deepseek-chat": ("2024-12-26", "deepseek/deepseek-chat-v3"),
    "deepseek/deepseek-chat-v3.1": ("2025-08-21", "deepseek/deepseek-chat-v3.1"),
    "deepseek/deepseek-r1": ("2025-01-20", "deepseek/deepseek-r1"),
    "qwen/qwen3-8b": ("2025-04-28", "qwen/qwen3-8b-04-28"),
    "qwen/qwen3-235b-a22b": ("2025-04-28", "qwen/qwen3-235b-a22b-04-28"),
    "qwen/qwen3-coder": ("2025-07-23", "qwen/qwen3-coder-480b-a35b-07-25"),
    "x-ai/grok-4": ("2025-07-09", "x-ai/grok-4-07-09"),
    "x-ai/grok-3-mini": ("2025-06-10", "x-ai/grok-3-mini"),
    "moonshotai/kimi-k2": ("2025-07-11", "moonshotai/kimi-k2"),
    "minimax/minimax-m2.5": ("2026-02-12", "minimax/minimax-m2.5-20260211"),
    "perplexity/sonar": ("2025-01-27", "perplexity/sonar"),
    "cohere/command-r-plus-08-2024": ("2024-08-30", "cohere/command-r-plus-08-2024"),
}
# fmt: on

# `reasoning` of the models that think: mandatory ones always do; the others when asked, or
# by default where `default_enabled` is true (Anthropic's are off unless the request asks).
REASONING: dict[str, dict[str, bool]] = {
    "openai/gpt-5": {"mandatory": False, "default_enabled": True},
    "openai/gpt-5-mini": {"mandatory": False, "default_enabled": True},
    "openai/gpt-5-nano": {"mandatory": False, "default_enabled": True},
    "openai/gpt-5-image": {"mandatory": False, "default_enabled": True},
    "openai/o3": {"mandatory": True, "default_enabled": True},
    "openai/o4-mini": {"mandatory": True, "default_enabled": True},
    "openai/gpt-oss-120b": {"mandatory": False, "default_enabled": True},
    "openai/gpt-oss-20b": {"mandatory": False, "default_enabled": True},
    "anthropic/claude-sonnet-4.6": {"mandatory": False},
    "anthropic/claude-sonnet-4.5": {"mandatory": False},
    "anthropic/claude-sonnet-4": {"mandatory": False},
    "anthropic/claude-opus-4.1": {"mandatory": False},
    "anthropic/claude-haiku-4.5": {"mandatory": False},
    "google/gemini-2.5-pro": {"mandatory": True, "default_enabled": True},
    "google/gemini-2.5-flash": {"mandatory": False, "default_enabled": False},
    "google/gemini-2.5-flash-lite": {"mandatory": False, "default_enabled": False},
    "deepseek/deepseek-chat-v3.1": {"mandatory": False, "default_enabled": False},
    "deepseek/deepseek-r1": {"mandatory": True, "default_enabled": True},
    "qwen/qwen3-8b": {"mandatory": False, "default_enabled": True},
    "qwen/qwen3-235b-a22b": {"mandatory": False, "default_enabled": True},
    "x-ai/grok-4": {"mandatory": True, "default_enabled": True},
    "x-ai/grok-3-mini": {"mandatory": False, "default_enabled": True},
    "minimax/minimax-m2.5": {"mandatory": True, "default_enabled": True},
    "openrouter/auto": {"mandatory": False, "default_enabled": False},
}

HUGGING_FACE_IDS = {
    "qwen/qwen3-8b": "Qwen/Qwen3-8B",
    "qwen/qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B",
    "qwen/qwen3-coder": "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "qwen/qwen2.5-vl-72b-instruct": "Qwen/Qwen2.5-VL-72B-Instruct",
    "meta-llama/llama-3.1-8b-instruct": "meta-llama/Meta-Llama-3.1-8B-Instruct",
    "meta-llama/llama-3.3-70b-instruct": "meta-llama/Llama-3.3-70B-Instruct",
    "mistralai/mistral-7b-instruct": "mistralai/Mistral-7B-Instruct-v0.3",
    "deepseek/deepseek-chat-v3.1": "deepseek-ai/DeepSeek-V3.1",
    "deepseek/deepseek-r1": "deepseek-ai/DeepSeek-R1",
    "google/gemma-3-27b-it": "google/gemma-3-27b-it",
    "openai/gpt-oss-120b": "openai/gpt-oss-120b",
    "openai/gpt-oss-20b": "openai/gpt-oss-20b",
    "moonshotai/kimi-k2": "moonshotai/Kimi-K2-Instruct",
}

KNOWLEDGE_CUTOFFS = {
    "anthropic/claude-sonnet-4": "2025-01-31",
    "anthropic/claude-sonnet-4.5": "2025-01-31",
    "anthropic/claude-sonnet-4.6": "2025-08-31",
    "openai/gpt-4.1": "2024-06-30",
    "openai/gpt-4.1-mini": "2024-06-30",
    "openai/gpt-4.1-nano": "2024-06-30",
    "openai/gpt-4o": "2023-10-31",
    "openai/gpt-4o-mini": "2023-10-31",
    "openai/gpt-3.5-turbo": "2021-09-30",
    "qwen/qwen3-8b": "2025-03-31",
}

# The tokenizer each author's models are listed with.
TOKENIZERS = {
    "openai": "GPT",
    "anthropic": "Claude",
    "google": "Gemini",
    "meta-llama": "Llama3",
    "mistralai": "Mistral",
    "deepseek": "DeepSeek",
    "qwen": "Qwen3",
    "x-ai": "Grok",
    "cohere": "Cohere",
}

INSTRUCT_TYPES = {"qwen": "qwen3", "meta-llama": "llama3", "mistralai": "mistral", "deepseek": "deepseek-r1"}

# Sampling defaults some open models publish (the rest list nulls, or nothing for OpenAI's).
DEFAULT_PARAMETERS: dict[str, dict[str, Any]] = {
    "qwen/qwen3-8b": {
        "temperature": 0.6,
        "top_p": 0.95,
        "top_k": 20,
        "frequency_penalty": None,
        "presence_penalty": None,
        "repetition_penalty": None,
    },
}

_ARENA_CATEGORIES = ["3d", "codecategories", "dataviz", "gamedev", "svg", "uicomponent", "website"]


def benchmarks(model_id: str, *, in_arena: bool) -> dict[str, Any]:
    """Leaderboard figures in the 2026 shape, deterministic per model (models not in the arena list none)."""
    seed = sum(model_id.encode())
    arena = [
        {
            "arena": "models",
            "category": category,
            "elo": 850 + (seed * (n + 3)) % 400,
            "win_rate": round(25 + ((seed * (n + 7)) % 350) / 10, 1),
            "rank": 1 + (seed + n * 13) % 120,
        }
        for n, category in enumerate(_ARENA_CATEGORIES)
    ]
    return {
        "design_arena": arena if in_arena else [],
        "artificial_analysis": {
            "intelligence_index": round(5 + (seed % 600) / 10, 1),
            "coding_index": round(5 + (seed % 450) / 10, 1),
            "agentic_index": round(1 + (seed % 300) / 10, 1),
        },
    }
