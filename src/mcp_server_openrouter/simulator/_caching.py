"""Prompt caching as the providers do it: which prompt tokens were read from, or written to, a cache.

Anthropic caches only what the request marks with `cache_control` (on a message or a
content part): the first request writes each marked prefix (`cache_write_tokens`), later
ones read the longest prefix already written (`cached_tokens`). Models that price cache
reads (`input_cache_read`) and are not Anthropic's cache automatically: a prompt that begins
with an earlier prompt of the same key reads it back, in steps of 128 tokens. Nothing below
1024 tokens is cached. `prompt_tokens` always includes both figures.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

from mcp_server_openrouter.simulator._reply import message_tokens

MIN_CACHED = 1024


class PromptCache:
    """The prompt prefixes each key has sent to each model."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

    def use(self, scope: str, model: Mapping[str, Any], messages: list[Any]) -> tuple[int, int]:
        """(cached, written) prompt tokens of this request; remembers what it wrote."""
        if "input_cache_read" not in model.get("pricing", {}):
            return 0, 0
        scope = f"{scope}|{model['id']}"
        with self._lock:
            if str(model["id"]).startswith("anthropic/"):
                return self._explicit(scope, messages)
            return self._automatic(scope, messages)

    def _explicit(self, scope: str, messages: list[Any]) -> tuple[int, int]:
        marks = [i for i, message in enumerate(messages) if _marked(message)]
        prefixes = [(self._key(scope, messages[: i + 1]), _tokens(messages[: i + 1])) for i in marks]
        prefixes = [(key, tokens) for key, tokens in prefixes if tokens >= MIN_CACHED]
        if not prefixes:
            return 0, 0
        cached = max((tokens for key, tokens in prefixes if key in self._seen), default=0)
        last_key, last_tokens = prefixes[-1]
        written = 0 if last_key in self._seen else last_tokens - cached
        self._seen.update(key for key, _ in prefixes)
        return cached, written

    def _automatic(self, scope: str, messages: list[Any]) -> tuple[int, int]:
        cached = 0
        for end in range(len(messages), 0, -1):
            if self._key(scope, messages[:end]) in self._seen:
                tokens = _tokens(messages[:end])
                cached = tokens // 128 * 128 if tokens >= MIN_CACHED else 0
                break
        if _tokens(messages) >= MIN_CACHED:
            self._seen.add(self._key(scope, messages))
        return cached, 0

    @staticmethod
    def _key(scope: str, prefix: list[Any]) -> str:
        text = json.dumps([_unmarked(m) for m in prefix], sort_keys=True, default=str)
        return hashlib.sha256(f"{scope}|{text}".encode()).hexdigest()


def _tokens(messages: list[Any]) -> int:
    return sum(message_tokens(m) for m in messages)


def _marked(message: object) -> bool:
    if not isinstance(message, Mapping):
        return False
    content = message.get("content")
    parts = content if isinstance(content, list) else []
    return "cache_control" in message or any(isinstance(p, Mapping) and "cache_control" in p for p in parts)


def _unmarked(message: object) -> object:
    """The message without its cache marks: moving a mark does not change what is cached."""
    if not isinstance(message, Mapping):
        return message
    content = message.get("content")
    if isinstance(content, list):
        content = [
            {k: v for k, v in p.items() if k != "cache_control"} if isinstance(p, Mapping) else p for p in content
        ]
    return {**{k: v for k, v in message.items() if k != "cache_control"}, "content": content}
