"""Server-Sent Events from `/chat/completions` with `stream: true`.

Two layers, both free of I/O so they can be fed recorded captures:

* `SSEDecoder` turns lines into events. It is written here rather than taken from
  httpx-sse because OpenRouter's `: OPENROUTER PROCESSING` comments matter to us: they
  are the only sign of life during a long wait for the first token, and we turn them
  into progress notifications that keep MCP clients from timing out.
* `StreamAccumulator` folds chunks into a `ChatCompletion`, and records the in-band
  errors OpenRouter sends at HTTP 200 in any of their observed shapes.

`LineSplitter` cuts the body's text into lines without ever holding more than
`MAX_SSE_LINE_CHARS` of an unfinished one, so a hostile 40 MB line costs 1 MiB at most.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._parse import as_int, as_mapping, as_str
from mcp_server_openrouter.client._errors import error_object, redacted
from mcp_server_openrouter.client._models import ChatCompletion, Usage
from mcp_server_openrouter.errors import ChoiceError, StreamError, provider_reason

MAX_SSE_LINE_CHARS = 1 << 20
"""The longest SSE line read (1 MiB of text); a chunk of a real reply is a few hundred bytes."""

DEFAULT_MAX_STREAM_SECONDS = c.DEFAULT_MAX_STREAM_SECONDS
"""A stream's overall deadline unless the client is given another (None: no deadline)."""

# SSE lines end in CRLF, LF or CR, and nothing else (str.splitlines would also split on U+2028,
# which JSON allows raw inside a string).
_LINE_END = re.compile(r"\r\n|\r|\n")


class LineTooLongError(Exception):
    """A line passed the splitter's limit; the stream must stop."""


class LineSplitter:
    """Splits text chunks into lines, holding at most `limit` characters of an unfinished line."""

    def __init__(self, limit: int = MAX_SSE_LINE_CHARS) -> None:
        self.limit = limit
        self._pending: list[str] = []
        self._pending_size = 0
        self._after_cr = False

    def feed(self, chunk: str) -> list[str]:
        """The lines `chunk` completes (without their endings); raises `LineTooLongError`."""
        if self._after_cr and chunk.startswith("\n"):
            chunk = chunk[1:]  # the LF of a CRLF split across chunks
        self._after_cr = False
        if not chunk:
            return []
        if "\n" not in chunk and "\r" not in chunk:
            self._hold(chunk)
            return []
        lines = _LINE_END.split("".join(self._pending) + chunk)
        self._pending, self._pending_size = [], 0
        self._after_cr = chunk.endswith("\r")
        self._hold(lines.pop())
        return lines

    def flush(self) -> list[str]:
        """The last line, if the body did not end with a line ending."""
        rest = "".join(self._pending)
        self._pending, self._pending_size = [], 0
        return [rest] if rest else []

    def _hold(self, text: str) -> None:
        if not text:
            return
        self._pending.append(text)
        self._pending_size += len(text)
        if self._pending_size > self.limit:
            self._pending, self._pending_size = [], 0
            raise LineTooLongError(f"a line of the event stream passed {self.limit:,} characters")


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
    tool_arguments: str = ""  # pieces of tool-call arguments (they count as completion tokens)

    def __bool__(self) -> bool:
        return bool(self.text or self.reasoning or self.tool_arguments)


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
        self.junk = 0  # data lines that were not a JSON object: counted (and logged by count), skipped

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
            chunk = None
        if not isinstance(chunk, Mapping):
            # A torn or non-JSON line: skip it rather than lose the whole reply, but count it.
            self.junk += 1
            return Delta()
        return self.feed_chunk(chunk)

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
        arguments: list[str] = []
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
            arguments.extend(self._merge_tool_calls(delta.get("tool_calls")))
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
        return Delta("".join(text), "".join(reasoning), "".join(arguments))

    def _merge_tool_calls(self, fragments: object) -> list[str]:
        """Fold tool-call fragments into the calls; the argument pieces they carried."""
        pieces: list[str] = []
        if not isinstance(fragments, list):
            return pieces
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
                pieces.append(arguments)
        return pieces

    def finish(self) -> ChatCompletion:
        """The completed reply, or `StreamError` if the stream broke or reported an error."""
        completion = self.completion
        completion.text = self.text
        completion.reasoning = "".join(self._reasoning) or None
        completion.tool_calls = [self._tool_calls[i] for i in sorted(self._tool_calls)]
        if self._error is not None or self._error_finish:
            error = self._error or {"message": "the provider ended the stream with finish_reason 'error'"}
            raise choice_error(error, completion.text, completion.provider)
        if not self.done and completion.finish_reason is None:
            raise StreamError(
                f"the stream ended before the reply was complete ({self.broken or 'connection closed'})",
                status=200,
                code=502,
                partial_text=completion.text,
            )
        if self.chunks == 0:
            junk = f"{self.junk} malformed data line(s) and " if self.junk else ""
            raise StreamError(f"the stream sent {junk}no reply chunk before [DONE]", status=200, code=502)
        return completion


def choice_error(error: Mapping[str, Any], partial_text: str, provider: str | None = None) -> ChoiceError:
    """The error a choice (or a stream) reported, with the provider that failed and the text before it."""
    error = as_mapping(redacted(dict(error)))  # an upstream may echo the key anywhere in it
    metadata = as_mapping(error.get("metadata"))
    code = as_int(error.get("code")) or 500
    provider = as_str(metadata.get("provider_name")) or as_str(metadata.get("provider")) or provider
    message = str(error.get("message") or "the provider reported an error")
    reason = provider_reason(metadata.get("raw"))
    if reason and reason not in message:
        message = f"{message}: {reason}"
    if provider:
        message = f"{message} (provider: {provider})"
    return ChoiceError(
        message,
        status=200,
        code=code,
        metadata=metadata,
        body=dict(error),
        partial_text=partial_text,
        provider=provider,
    )


def reply_choice_error(body: Mapping[str, Any], completion: ChatCompletion) -> ChoiceError | None:
    """A non-streamed reply whose first choice carries `error` or ended with `finish_reason: "error"`."""
    choices = body.get("choices")
    choice = as_mapping(choices[0]) if isinstance(choices, list) and choices else {}
    error = choice.get("error")
    if isinstance(error, Mapping):
        return choice_error(error, completion.text, completion.provider)
    if as_str(choice.get("finish_reason")) == "error":
        error = {"message": "the provider ended the reply with finish_reason 'error'"}
        return choice_error(error, completion.text, completion.provider)
    return None
