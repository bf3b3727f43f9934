"""What a simulated reply holds besides its text: reasoning, tool calls, web citations, images.

Each helper decides from the request and the model's catalogue entry, as the real
service does: a model thinks when its entry makes reasoning mandatory, when the request
asks (`reasoning`, `include_reasoning`, a `:thinking` id), or by default where the entry's
`reasoning.default_enabled` says so; it calls a tool when the request has `tools` (and the
conversation does not end with a tool's result); it searches the web for `:online` ids,
the `web` plugin or `web_search_options`; it draws when it outputs images and the request's
`modalities` ask for them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

IMAGE_TOKENS = 1290  # what one generated image counts as completion tokens
EXA_PRICE_PER_RESULT = "0.004"  # the web plugin's price per search result, when the model has no native search
# A 1x1 PNG: the smallest image a client has to decode.
TINY_PNG = (
    "data:image/png;base64,"
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
_EFFORT_SENTENCES = {"minimal": 1, "low": 1, "medium": 2, "high": 4}
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def token_id(seed: str, length: int) -> str:
    """A deterministic id-like string (tool call ids, encrypted reasoning ids)."""
    digest = hashlib.sha256(seed.encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha256(digest).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


# -- reasoning -----------------------------------------------------------------------


def reasoning_mode(body: Mapping[str, Any], model: Mapping[str, Any], variant: str) -> tuple[bool, bool]:
    """Whether the model thinks for this request, and whether its thoughts are sent."""
    if "reasoning" not in model.get("supported_parameters", []):
        return False, False
    settings = model.get("reasoning") or {}
    asked = body.get("reasoning")
    asked = asked if isinstance(asked, Mapping) else {}
    shown = not asked.get("exclude") and body.get("include_reasoning") is not False
    if settings.get("mandatory") or variant == "thinking":
        return True, shown
    if asked.get("enabled") is False or asked.get("effort") == "none":
        return False, False
    if asked.get("enabled") or asked.get("effort") or asked.get("max_tokens") or body.get("include_reasoning"):
        return True, shown
    return bool(settings.get("default_enabled")), shown


def reasoning_text(body: Mapping[str, Any], roles: list[str], quote: str, params: list[str]) -> tuple[str, int | None]:
    """The model's thoughts about the request, and the `reasoning.max_tokens` budget if one was given."""
    asked = body.get("reasoning")
    asked = asked if isinstance(asked, Mapping) else {}
    sentences = [
        f'The user sent {len(roles)} message{"s" if len(roles) != 1 else ""} and asks: "{quote}".',
        "I should say what I received: the roles, the content parts and the parameters.",
        f"The parameters are {', '.join(params) or 'none'}; nothing else was asked for.",
        "Then I answer in one short paragraph and do not invent anything the request did not contain.",
    ]
    count = _EFFORT_SENTENCES.get(str(asked.get("effort")), 2)
    budget = asked.get("max_tokens")
    return " ".join(sentences[:count]), budget if isinstance(budget, int) and budget > 0 else None


def reasoning_style(author: str, model_id: str) -> tuple[str, str]:
    """How the thoughts travel: readable text, OpenAI's summary + encrypted blob, or the blob alone."""
    if author == "openai":
        return ("encrypted" if model_id.split("/", 1)[1].startswith("o") else "summary"), "openai-responses-v1"
    return "text", {"anthropic": "anthropic-claude-v1", "google": "google-gemini-v1"}.get(author, "unknown")


# -- tool calls -------------------------------------------------------------------------


def tools_to_call(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The functions the model calls: none unless the request offers tools and a call is due."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, Mapping) and isinstance(t.get("function"), Mapping)]
    choice = body.get("tool_choice")
    messages = body.get("messages") or []
    last = messages[-1] if messages and isinstance(messages[-1], Mapping) else {}
    if not tools or choice == "none" or last.get("role") == "tool":
        return []
    if isinstance(choice, Mapping):
        wanted = (choice.get("function") or {}).get("name")
        return [t["function"] for t in tools if t["function"].get("name") == wanted][:1]
    parallel = body.get("parallel_tool_calls", True) is not False
    return [t["function"] for t in tools[: 2 if parallel else 1]]


def tool_call_id(author: str, name: str, seed: str) -> str:
    if author == "anthropic":
        return "toolu_01" + token_id(seed, 22)
    if author == "google":
        return f"tool_{name}_{token_id(seed, 20)}"
    if author == "mistralai":
        return token_id(seed, 9)
    return "call_" + token_id(seed, 24)


def example_arguments(function: Mapping[str, Any], hint: str) -> dict[str, Any]:
    """Arguments that fit the function's JSON schema, filled from the user's words."""
    value = _example(function.get("parameters") or {}, str(function.get("name", "value")), hint)
    return value if isinstance(value, dict) else {}


def _example(schema: Mapping[str, Any], name: str, hint: str) -> Any:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if kind == "string":
        return hint or name
    if kind == "integer":
        return 42
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items")
        return [_example(items if isinstance(items, Mapping) else {}, name, hint)]
    properties = schema.get("properties")
    if kind == "object" or isinstance(properties, Mapping):
        props = properties if isinstance(properties, Mapping) else {}
        return {key: _example(sub if isinstance(sub, Mapping) else {}, key, hint) for key, sub in props.items()}
    return None


def structured_reply(body: Mapping[str, Any], described: str, hint: str) -> str | None:
    """The JSON a model writes when `response_format` asks for it (None when it does not)."""
    fmt = body.get("response_format")
    if not isinstance(fmt, Mapping):
        return None
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        value = _example(schema if isinstance(schema, Mapping) else {}, "value", hint)
        return json.dumps(value, separators=(", ", ": "))
    if fmt.get("type") == "json_object":
        return json.dumps({"reply": described})
    return None


def argument_pieces(arguments: str) -> list[str]:
    """Arguments as they stream: pieces of three to five characters, one token each."""
    pieces: list[str] = []
    start, sizes = 0, (4, 3, 5)
    while start < len(arguments):
        size = sizes[len(pieces) % len(sizes)]
        pieces.append(arguments[start : start + size])
        start += size
    return pieces


# -- web search and images --------------------------------------------------------------------


def web_results(body: Mapping[str, Any], variant: str) -> int:
    """How many search results the reply cites (0: no web search)."""
    plugins = [p for p in body.get("plugins") or [] if isinstance(p, Mapping) and p.get("id") == "web"]
    if plugins:
        wanted = plugins[0].get("max_results")
        return wanted if isinstance(wanted, int) and 0 < wanted <= 10 else 5
    return 5 if variant == "online" or isinstance(body.get("web_search_options"), Mapping) else 0


def citations(count: int, quote: str) -> list[dict[str, Any]]:
    """`url_citation` annotations in the recorded shape (offsets 0, `content` an excerpt)."""
    topic = "-".join(quote.lower().split()[:4]) or "query"
    return [
        {
            "type": "url_citation",
            "url_citation": {
                "url": f"https://docs.example.org/{topic}/{n + 1}",
                "title": f"Result {n + 1} about {quote or 'the query'}",
                "content": f"# Result {n + 1}\n\n...\n\nAn excerpt of the page the search found about {quote}...",
                "start_index": 0,
                "end_index": 0,
            },
        }
        for n in range(count)
    ]


def wants_images(body: Mapping[str, Any], model: Mapping[str, Any]) -> bool:
    modalities = body.get("modalities")
    outputs = model.get("architecture", {}).get("output_modalities", [])
    return "image" in outputs and isinstance(modalities, list) and "image" in modalities


def image_parts() -> list[dict[str, Any]]:
    return [{"type": "image_url", "image_url": {"url": TINY_PNG}, "index": 0}]
