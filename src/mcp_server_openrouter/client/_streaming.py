"""Server-Sent Events from `/chat/completions` with `stream: true`.

Two layers, both free of I/O so they can be fed recorded captures:

* `SSEDecoder` turns lines into events. It is written here rather than taken from
  httpx-sse because OpenRouter's `: OPENROUTER PROCESSING` comments matter to us: they
  are the only sign of life during a long wait for the first token, and we turn them
  into progress notifications that keep MCP clients from timing out.
* `StreamAccumulator` folds chunks into a `ChatCompletion`, and records the in-band
  errors OpenRouter sends at HTTP 200 in any of their observed shapes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mcp_server_openrouter._parse import as_int, as_mapping, as_str
from mcp_server_openrouter.client._errors import error_object
from mcp_server_openrouter.client._models import ChatCompletion, Usage
from mcp_server_openrouter.errors import StreamError


@dataclass(frozen=True)
class Comment:
    """A `:` comment line (OpenRouter's keep-alive)."""

    text: str


@dataclass(frozen=True)
class Data:
    """The data of one event."""

    data: str


SSEEvent = Comment | Data


class SSEDecoder:
    """Incremental SSE decoder: feed it lines (without their line ending)."""

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: str) -> Iterator[SSEEvent]:
        if line == "":
            if self._data:
                yield Data("\n".join(self._data))
                self._data = []
            return
        if line.startswith(":"):
            yield Comment(line[1:].strip())
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        # `event`, `id` and `retry` fields carry nothing OpenRouter uses.

    def flush(self) -> Iterator[SSEEvent]:
        """Dispatch a last event not followed by a blank line."""
        yield from self.feed("")


def iter_events(lines: Iterable[str]) -> Iterator[SSEEvent]:
    decoder = SSEDecoder()
    for line in lines:
        yield from decoder.feed(line.rstrip("\r\n"))
    yield from decoder.flush()


@dataclass(frozen=True)
class Delta:
    """What one chunk added to the reply."""

    text: str = ""
    reasoning: str = ""


@dataclass(frozen=True)
class KeepAlive:
    """A keep-alive comment arrived: the upstream is still working."""


StreamEvent = Delta | KeepAlive


class StreamAccumulator:
    """Folds parsed chunks into a `ChatCompletion`.

    Feed every `data:` payload to `feed_data`; when the stream has ended call `finish`,
    which returns the completion or raises `StreamError` carrying the text received so far.
    """

    def __init__(self) -> None:
        self.completion = ChatCompletion()
        self.done = False
        self.chunks = 0
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._tool_calls: dict[int, dict[str, Any]] = {}
        self._error: Mapping[str, Any] | None = None
        self._error_finish = False
        self.broken: str | None = None

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def error(self) -> Mapping[str, Any] | None:
        return self._error

    def feed_data(self, data: str) -> Delta:
        if data.strip() == "[DONE]":
            self.done = True
            return Delta()
        try:
            chunk = json.loads(data)
        except ValueError:
            # A torn or non-JSON line: skip it rather than lose the whole reply.
            return Delta()
        return self.feed_chunk(chunk) if isinstance(chunk, Mapping) else Delta()

    def feed_chunk(self, chunk: Mapping[str, Any]) -> Delta:  # noqa: C901 - every observed chunk shape, in one place
        self.chunks += 1
        completion = self.completion
        completion.id = completion.id or as_str(chunk.get("id"))
        completion.model = completion.model or as_str(chunk.get("model"))
        completion.provider = completion.provider or as_str(chunk.get("provider"))
        completion.created = completion.created or as_int(chunk.get("created"))
        usage = Usage.parse(chunk.get("usage"))
        if usage is not None:
            completion.usage = usage
        top_error = error_object(chunk) if "error" in chunk else None
        if top_error is not None:
            self._error = self._error or top_error

        text: list[str] = []
        reasoning: list[str] = []
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else []:
            if not isinstance(choice, Mapping):
                continue
            choice_error = choice.get("error")
            if isinstance(choice_error, Mapping):
                self._error = self._error or choice_error
            delta = as_mapping(choice.get("delta"))
            content = delta.get("content")
            if isinstance(content, str) and content:
                text.append(content)
            thought = delta.get("reasoning")
            if isinstance(thought, str) and thought:
                reasoning.append(thought)
            refusal = delta.get("refusal")
            if isinstance(refusal, str) and refusal:
                completion.refusal = (completion.refusal or "") + refusal
            self._merge_tool_calls(delta.get("tool_calls"))
            for key in ("annotations", "images"):
                items = delta.get(key)
                if isinstance(items, list):
                    getattr(completion, key).extend(items)
            finish = as_str(choice.get("finish_reason"))
            if finish == "error":
                self._error_finish = True
            elif finish and completion.finish_reason is None:
                completion.finish_reason = finish
                completion.native_finish_reason = as_str(choice.get("native_finish_reason"))
        self._text.extend(text)
        self._reasoning.extend(reasoning)
        return Delta("".join(text), "".join(reasoning))

    def _merge_tool_calls(self, fragments: object) -> None:
        if not isinstance(fragments, list):
            return
        for fragment in fragments:
            if not isinstance(fragment, Mapping):
                continue
            index = as_int(fragment.get("index"))
            index = index if index is not None else len(self._tool_calls)
            call = self._tool_calls.setdefault(index, {"id": None, "type": "function", "function": {}})
            call["id"] = call["id"] or as_str(fragment.get("id"))
            call["type"] = as_str(fragment.get("type")) or call["type"]
            function = as_mapping(fragment.get("function"))
            target = call["function"]
            name = as_str(function.get("name"))
            if name and not target.get("name"):
                target["name"] = name
            arguments = as_str(function.get("arguments"))
            if arguments:
                target["arguments"] = target.get("arguments", "") + arguments

    def finish(self) -> ChatCompletion:
        """The completed reply, or `StreamError` if the stream broke or reported an error."""
        completion = self.completion
        completion.text = self.text
        completion.reasoning = "".join(self._reasoning) or None
        completion.tool_calls = [self._tool_calls[i] for i in sorted(self._tool_calls)]
        if self._error is not None or self._error_finish:
            error = self._error or {"message": "the provider ended the stream with finish_reason 'error'"}
            raise _stream_error(error, completion.text)
        if not self.done and completion.finish_reason is None:
            raise StreamError(
                f"the stream ended before the reply was complete ({self.broken or 'connection closed'})",
                status=200,
                code=502,
                partial_text=completion.text,
            )
        return completion


def _stream_error(error: Mapping[str, Any], partial_text: str) -> StreamError:
    metadata = as_mapping(error.get("metadata"))
    code = as_int(error.get("code")) or 500
    message = str(error.get("message") or "error during the stream")
    return StreamError(message, status=200, code=code, metadata=metadata, body=dict(error), partial_text=partial_text)
