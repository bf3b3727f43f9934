"""Files for models that read documents and sound: PDFs, text, WAV/MP3 audio, and images given as files.

What a file is comes from its content: a PDF goes as a `file` part (a data URL, with its name)
for OpenRouter's `file-parser` plugin; UTF-8 text is inlined as a `text` part headed by its name;
WAV and MP3 go as `input_audio`; an image goes the way of `images`. Anything else is refused with
what it is. A URL is passed on only when it names a PDF (OpenRouter fetches it); the server
itself never fetches a URL, so other URLs are refused.
"""

from __future__ import annotations

import base64
import logging
import posixpath
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media.attachment import Attachment
from mcp_server_openrouter.media.images import Raw, noted_name, prepared_image, read_raw
from mcp_server_openrouter.media.sniff import AUDIO_FORMATS, as_text, audio_mime, describe, image_mime, is_pdf
from mcp_server_openrouter.media.sources import Source, sources

logger = logging.getLogger(__name__)

MAX_FILES = 10
_LIMIT_WORDS = "(OPENROUTER_MCP_MAX_FILE_BYTES)"


def load_files(
    items: object,
    *,
    roots: Sequence[Path],
    max_bytes: int,
    max_image_bytes: int = c.DEFAULT_MAX_IMAGE_BYTES,
    max_image_side: int = c.DEFAULT_MAX_IMAGE_SIDE,
) -> list[Attachment]:
    """The `files` argument as content parts; each file at most `max_bytes` (images as in `load_images`)."""
    return [
        _file_attachment(source, roots, max_bytes, max_image_bytes, max_image_side)
        for source in sources(items, "files", MAX_FILES)
    ]


def _file_attachment(
    source: Source, roots: Sequence[Path], max_bytes: int, max_image_bytes: int, max_image_side: int
) -> Attachment:
    if source.kind == "url":
        return _pdf_url(source)
    raw = read_raw(source, roots, max_bytes, _LIMIT_WORDS)
    if image_mime(raw.data):
        return prepared_image(raw, source.label, max_image_bytes, max_image_side)
    attachment = _document(raw, source.label)
    logger.debug("file %s: %s, %s bytes", source.label, attachment.mime, attachment.size)
    return attachment


def _document(raw: Raw, label: str) -> Attachment:
    name = noted_name(raw, label)
    if is_pdf(raw.data):
        mime = "application/pdf"
        data_url = f"data:{mime};base64,{_b64(raw.data)}"
        part = {"type": "file", "file": {"filename": _pdf_name(raw), "file_data": data_url}}
        return Attachment(part, "file", mime, raw.source, len(raw.data), _relabel_note(raw, name, mime))
    audio = audio_mime(raw.data)
    if audio:
        part = {"type": "input_audio", "input_audio": {"data": _b64(raw.data), "format": AUDIO_FORMATS[audio]}}
        return Attachment(part, "audio", audio, raw.source, len(raw.data), _relabel_note(raw, name, audio))
    text = as_text(raw.data)
    if text is not None:
        block = f"--- {name} ---\n{text}"
        size = len(block.encode("utf-8"))
        note = _relabel_note(raw, name, "text/plain")
        return Attachment({"type": "text", "text": block}, "text", "text/plain", raw.source, size, note)
    raise InvalidArgumentError(
        f"{label} ({raw.name}) is {describe(raw.data)}; files can be PDF, UTF-8 text, WAV or MP3 audio, "
        "or images (JPEG, PNG, GIF, WebP). The type is read from the content, not the name."
    )


def _relabel_note(raw: Raw, name: str, mime: str) -> str | None:
    """A note when a data URL declared another type than the content has (any `text/…` fits text)."""
    declared = raw.declared_mime
    if not declared or declared == mime or (mime == "text/plain" and declared.startswith("text/")):
        return None
    return f"{name}: labelled {declared} but is {mime}, sent as {mime}"


def _pdf_url(source: Source) -> Attachment:
    path = unquote(urlsplit(source.data).path)
    filename = posixpath.basename(path)
    if not filename.lower().endswith(".pdf"):
        raise InvalidArgumentError(
            f"{source.label}: only a URL of a PDF (ending in .pdf) can be passed on as a file; the server never "
            "downloads URLs. Give an image URL in `images`, or download the file and give its path."
        )
    part = {"type": "file", "file": {"filename": filename, "file_data": source.data}}
    return Attachment(part, "file", None, "URL", None)


def _pdf_name(raw: Raw) -> str:
    """The PDF's name as the model sees it: its own (with `.pdf`), or `document.pdf` for base64 data."""
    if raw.source == "base64":
        return "document.pdf"
    return raw.name if raw.name.lower().endswith(".pdf") else f"{raw.name}.pdf"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
