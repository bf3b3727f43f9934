"""What a reply carries besides its text, in the shapes the tools return: tool calls with
parsed arguments, citations from web search, images a model drew, and JSON output.

Tolerant like the client's parsers (the live API drifts): an entry of an unexpected shape is
skipped, never an error, except JSON output the caller asked for, which must be JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from mcp_server_openrouter.errors import ReplyNotJSONError

_DATA_URL = re.compile(r"^data:(?P<mime>image/[a-z0-9.+-]+);base64,(?P<data>.*)$", re.IGNORECASE | re.DOTALL)


class ToolCall(BaseModel):
    id: str | None = None
    name: str
    arguments: Any = Field(description="Parsed JSON arguments (the raw string if they are not JSON).")


class Citation(BaseModel):
    url: str
    title: str | None = None


class ImageOut(BaseModel):
    """An image the model returned; its pixels go to the client as MCP image content."""

    mime_type: str
    bytes: int
    saved_to: str | None = None


def tool_calls_of(calls: list[dict[str, Any]]) -> list[ToolCall]:
    found = []
    for call in calls:
        function = call.get("function")
        if not isinstance(function, Mapping) or not isinstance(function.get("name"), str):
            continue
        raw = function.get("arguments")
        arguments: Any = raw
        if isinstance(raw, str):
            try:
                arguments = json.loads(raw) if raw.strip() else {}
            except ValueError:
                arguments = raw  # a model may write broken JSON: the caller sees exactly what it wrote
        identifier = call.get("id")
        found.append(
            ToolCall(id=identifier if isinstance(identifier, str) else None, name=function["name"], arguments=arguments)
        )
    return found


def citations_of(annotations: list[Any]) -> list[Citation]:
    found: dict[str, Citation] = {}
    for annotation in annotations:
        cited = annotation.get("url_citation") if isinstance(annotation, Mapping) else None
        if isinstance(cited, Mapping) and isinstance(cited.get("url"), str):
            title = cited.get("title")
            found.setdefault(cited["url"], Citation(url=cited["url"], title=title if isinstance(title, str) else None))
    return list(found.values())


def images_of(images: list[Any]) -> list[tuple[str, str]]:
    """(MIME type, base64 data) of each image returned as a data URL."""
    found = []
    for image in images:
        holder = image.get("image_url") if isinstance(image, Mapping) else None
        url = holder.get("url") if isinstance(holder, Mapping) else None
        match = _DATA_URL.match(url) if isinstance(url, str) else None
        if match is None:
            continue
        data = "".join(match["data"].split())
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            continue
        found.append((match["mime"].lower(), data))
    return found


def parsed_json(text: str) -> Any:
    """The reply's JSON (a ```json fence around it tolerated), or `ReplyNotJSONError` with the raw text."""
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, re.DOTALL)
    if fenced:
        body = fenced.group(1)
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ReplyNotJSONError(
            f"the model was asked for JSON (response_format) but its reply is not valid JSON ({exc}); "
            "the raw reply is below — ask again, or use a model that supports structured outputs "
            '(list_available_models supports=["structured_outputs"]).',
            partial_text=text,
        ) from None
