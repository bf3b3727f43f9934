"""An attachment ready to send, and how attachments join a request.

`attach` puts the parts on the last user message after its text, `input_modalities` says what the
model must accept, `file_parser_plugin` builds OpenRouter's PDF plugin entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from mcp_server_openrouter._validate import one_of
from mcp_server_openrouter.errors import InvalidArgumentError

AttachmentKind = Literal["image", "file", "audio", "text"]
PDF_ENGINES = ("pdf-text", "mistral-ocr", "native")


@dataclass(frozen=True)
class Attachment:
    """One content part to send, with what a message about it may say.

    `mime` is the true type read from the bytes (None for a URL, which is never fetched);
    `source` names it for messages (a file's path with home as `~`, "URL" or "base64"), never
    its data; `size` is the bytes sent after any resizing (None for a URL); `note` says what was
    done to it ("photo.jpg resized from 8000×6000 to 4096×3072 (23.1 MB → 3.2 MB)").
    """

    part: dict[str, Any]
    kind: AttachmentKind
    mime: str | None
    source: str
    size: int | None
    note: str | None = None


def attach(messages: list[dict[str, Any]], attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    """A new message list whose last user message carries the attachments' parts after its text.

    The given list and its messages are left as they were. A string content becomes a text
    part followed by the attachments; a list of parts is extended.
    """
    result = list(messages)
    if not attachments:
        return result
    index = next((i for i in range(len(result) - 1, -1, -1) if _is_user(result[i])), None)
    if index is None:
        raise InvalidArgumentError(
            "Images and files are attached to the last user message, and `messages` has none; "
            'add a message with "role": "user" (or pass `prompt`).'
        )
    message = result[index]
    content = message.get("content")
    parts = [attachment.part for attachment in attachments]
    if isinstance(content, str):
        new_content: list[Any] = [{"type": "text", "text": content}, *parts] if content else parts
    elif isinstance(content, list):
        new_content = [*content, *parts]
    elif content is None:
        new_content = parts
    else:
        raise InvalidArgumentError(
            f"messages[{index}].content must be a string or a list of parts to take attachments; "
            f"got {type(content).__name__}."
        )
    result[index] = {**message, "content": new_content}
    return result


def _is_user(message: object) -> bool:
    return isinstance(message, dict) and message.get("role") == "user"


def input_modalities(attachments: Sequence[Attachment]) -> set[str]:
    """The input modalities a model must list to take these attachments (inlined text needs none)."""
    return {attachment.kind for attachment in attachments if attachment.kind != "text"}


def file_parser_plugin(attachments: Sequence[Attachment], pdf_engine: str | None) -> dict[str, Any] | None:
    """OpenRouter's `file-parser` plugin entry when a PDF is attached or an engine is chosen, else None.

    Without an engine OpenRouter picks one (the model's own file input where it has one, else
    mistral-ocr, which is billed); `pdf-text` is the free choice for PDFs with a text layer.
    """
    engine = None if pdf_engine is None else one_of(pdf_engine, "pdf_engine", PDF_ENGINES)
    has_pdf = any(attachment.kind == "file" for attachment in attachments)
    if not has_pdf and engine is None:
        return None
    plugin: dict[str, Any] = {"id": "file-parser"}
    if engine is not None:
        plugin["pdf"] = {"engine": engine}
    return plugin
