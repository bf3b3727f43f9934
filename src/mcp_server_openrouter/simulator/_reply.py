"""What a simulated model answers: a `Plan` of units in the order they are generated.

Replies are deterministic and describe what they received (model, messages, content
part types, parameters; see `describe`), so tests can assert what the client sent. A
plan is a list of `Unit`s — reasoning, content, a tool call's name and its argument
pieces, web citations, an image — each worth some completion tokens. Text counts one
token a word (with its leading space), argument pieces one token each, an image 1290;
`completion_tokens` is always the sum of the units generated, so usage and billing
agree whatever the chunking. Plans are cut at `max_tokens` (reasoning counts against
it, as upstream) or a `stop` marker; the whole answer and the stream deliver the same plan.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcp_server_openrouter._parse import as_mapping
from mcp_server_openrouter.simulator import _extras as x

# Provider-native spellings of each finish reason, as seen in captures.
_NATIVE_FINISH = {
    "anthropic": {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use"},
    "google": {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP"},
    "openai": {"stop": "completed", "length": "length", "tool_calls": "tool_calls"},
}


@dataclass(frozen=True)
class Unit:
    """A piece of the reply: `kind` is reasoning, content, tool (a call's name), args, annotations or images."""

    kind: str
    text: str = ""
    tokens: int = 1
    call: int = 0


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str


@dataclass
class Plan:
    units: list[Unit]
    finish: str = "stop"
    reasoning_style: str | None = None  # None (no thinking), "text", "summary" or "encrypted"
    reasoning_shown: bool = False
    reasoning_format: str = "unknown"
    calls: list[ToolCall] = field(default_factory=list)
    annotations: list[dict[str, Any]] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    web_results: int = 0

    @property
    def tokens(self) -> int:
        return sum(u.tokens for u in self.units)

    def within(self, budget: int) -> list[Unit]:
        """The units generated before `budget` completion tokens were spent."""
        kept, spent = [], 0
        for unit in self.units:
            if spent + unit.tokens > budget:
                break
            kept.append(unit)
            spent += unit.tokens
        return kept


def words(text: str) -> list[str]:
    """The simulator's tokens: words, each after the first with its leading space."""
    parts = text.split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(parts)] if text else []


def long_answer(count: int) -> list[Unit]:
    """`count` more words of content, ten to a line (`\nword1 word2 …`), for long replies."""
    return [Unit("content", f"{chr(10) if i % 10 == 0 else ' '}word{i + 1}") for i in range(count)]


def estimate_tokens(text: str) -> int:
    """Prompt tokens: about four characters a token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def prompt_tokens(messages: list[Any], tools: object = None) -> int:
    """What the prompt counts: text at ~4 characters a token, an image ~1100, a file by its size."""
    return sum(message_tokens(m) for m in messages) + (estimate_tokens(json.dumps(tools)) if tools else 0)


def message_tokens(message: object) -> int:
    if not isinstance(message, Mapping):
        return estimate_tokens(json.dumps(message))
    content = message.get("content")
    if not isinstance(content, list):
        return estimate_tokens(json.dumps(message))
    text_parts, media = [], 0
    for part in content:
        kind = part.get("type") if isinstance(part, Mapping) else None
        if kind == "image_url":
            media += 1105
        elif kind in ("file", "input_audio"):
            media += max(258, len(json.dumps(part)) // 64)
        else:
            text_parts.append(part)
    return estimate_tokens(json.dumps({**message, "content": text_parts})) + media


def plan_reply(body: Mapping[str, Any], model: Mapping[str, Any], requested: str, seed: str) -> Plan:
    """The reply `model` gives to `body` (`requested` is the id as asked, `seed` the generation id)."""
    author = requested.split("/", 1)[0]
    variant = requested.split(":", 1)[1] if ":" in requested else ""
    roles, quote, params = _summary(body)
    plan = Plan(units=[])
    thinks, shown = x.reasoning_mode(body, model, variant)
    if thinks:
        thought, budget = x.reasoning_text(body, roles, quote, params)
        tokens = words(thought)[:budget] if budget else words(thought)
        plan.units += [Unit("reasoning", t) for t in tokens]
        plan.reasoning_style, plan.reasoning_format = x.reasoning_style(author, str(model["id"]))
        plan.reasoning_shown = shown
    functions = x.tools_to_call(body)
    if functions:
        if author == "anthropic":
            plan.units += [Unit("content", t) for t in words(f"I'll call {functions[0].get('name')} for that.")]
        for index, function in enumerate(functions):
            name = str(function.get("name") or "tool")
            plan.calls.append(ToolCall(x.tool_call_id(author, name, f"{seed}/{index}"), name))
            plan.units.append(Unit("tool", name, tokens=max(1, estimate_tokens(name)), call=index))
            arguments = json.dumps(x.example_arguments(function, quote), separators=(",", ":"))
            plan.units += [Unit("args", piece, call=index) for piece in x.argument_pieces(arguments)]
    else:
        described = describe(body, requested)
        content = x.structured_reply(body, described, quote) or described
        plan.units += [Unit("content", t) for t in words(_stop_at(body, content))]
    plan.web_results = x.web_results(body, variant)
    if plan.web_results:
        plan.annotations = x.citations(plan.web_results, quote)
        plan.units.append(Unit("annotations", tokens=0))
    if x.wants_images(body, model):
        plan.images = x.image_parts()
        plan.units.append(Unit("images", tokens=x.IMAGE_TOKENS))
    plan.finish = "tool_calls" if plan.calls else "stop"
    return plan


def cut_at(plan: Plan, limit: int | None) -> Plan:
    """The plan cut after `limit` completion tokens, finishing with "length" if that cut anything."""
    if limit is not None and plan.tokens > limit:
        plan.units = plan.within(limit)
        plan.finish = "length"
    return plan


def native_finish(author: str, finish: str) -> str:
    return _NATIVE_FINISH.get(author, {}).get(finish, finish)


def max_tokens_of(body: Mapping[str, Any]) -> int | None:
    value = body.get("max_tokens") or body.get("max_completion_tokens")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def _stop_at(body: Mapping[str, Any], text: str) -> str:
    stop = body.get("stop")
    for marker in [stop] if isinstance(stop, str) else stop or []:
        if isinstance(marker, str) and marker and marker in text:
            text = text[: text.index(marker)]
    return text


def _summary(body: Mapping[str, Any]) -> tuple[list[str], str, list[str]]:
    """The roles of the messages, the start of the last user text, and the parameters given."""
    messages = body.get("messages") or []
    roles = [str(m.get("role")) for m in messages if isinstance(m, Mapping)]
    last_user = ""
    for message in messages:
        if isinstance(message, Mapping) and message.get("role") == "user":
            last_user = _text_of(message.get("content"))
    params = sorted(k for k in body if k not in {"model", "messages", "stream", "stream_options", "usage"})
    return roles, " ".join(last_user.split()[:12]), params


def _text_of(content: object) -> str:
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping) and p.get("type") == "text")
    return str(content or "")


def describe(body: Mapping[str, Any], model_id: str) -> str:
    """The deterministic reply: a description of the request, for tests to assert on."""
    messages = body.get("messages") or []
    roles, quote, params = _summary(body)
    parts: list[str] = []
    for message in messages:
        if isinstance(message, Mapping):
            content = message.get("content")
            if isinstance(content, list):
                parts += [str(p.get("type")) for p in content if isinstance(p, Mapping)]
            else:
                parts.append("text")
    counts = ", ".join(f"{p}×{parts.count(p)}" for p in sorted(set(parts)))
    arrived = attachments(messages)
    return (
        f"[simulated {model_id}] Received {len(roles)} message{'s' if len(roles) != 1 else ''} "
        f"(roles: {', '.join(roles)}; parts: {counts}){arrived}; parameters: {', '.join(params) or 'none'}. "
        f'You said: "{quote}". This reply comes from the offline OpenRouter simulator.'
    )


def attachments(messages: list[Any]) -> str:
    """What arrived besides text, as a model would see it: each part's type and size in bytes."""
    seen = []
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        for part in content if isinstance(content, list) else []:
            described = _attachment(part) if isinstance(part, Mapping) else None
            if described:
                seen.append(described)
    return f"; attachments: {', '.join(seen)}" if seen else ""


def _attachment(part: Mapping[str, Any]) -> str | None:
    kind = part.get("type")
    if kind == "image_url":
        url = str(as_mapping(part.get("image_url")).get("url", ""))
    elif kind == "file":
        url = str(as_mapping(part.get("file")).get("file_data", ""))
    elif kind == "input_audio":
        audio = as_mapping(part.get("input_audio"))
        return f"audio/{audio.get('format')} {_decoded_size(str(audio.get('data', '')))} B"
    else:
        return None
    if url.startswith("data:") and ";base64," in url:
        mime, data = url[5:].split(";base64,", 1)
        return f"{mime} {_decoded_size(data)} B"
    return f"{kind} URL"


def _decoded_size(data: str) -> int:
    try:
        return len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return -1
