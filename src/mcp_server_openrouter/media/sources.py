"""What a caller gave as `images` or `files`, read into a checked list of sources.

Each item is the FAQ's `{"data": …, "type": "path"|"url"|"base64"}` or a bare string whose kind
is detected: a `data:` URL, an `http(s)://` URL, an existing path, else base64. Base64 (and the
base64 inside a data URL) is decoded here, with a size cap checked before decoding.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media.sniff import canonical_mime

SourceKind = Literal["path", "url", "base64", "data_url"]
ITEM_TYPES = ("path", "url", "base64")

_DATA_URL = re.compile(r"data:(?P<mime>[^;,]*)(?P<params>(?:;[^;,]*)*),(?P<data>.*)", re.DOTALL | re.IGNORECASE)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_WHITESPACE = re.compile(r"\s+")
# A bare string that looks like a path (not like base64) gets "no such file" rather than "bad base64".
_LOOKS_LIKE_PATH = re.compile(r"(?:[~./\\]|[A-Za-z]:[\\/]).*|.*\.[A-Za-z0-9]{1,5}")
_LONGEST_PATH = 4096
_LONGEST_URL = 8192


@dataclass(frozen=True)
class Source:
    """One item: where it is (`kind`), the text given (`data`), and for a data URL its declared type."""

    kind: SourceKind
    data: str
    label: str  # `images[2]`: how messages point at it
    declared_mime: str | None = None


def sources(items: object, argument: str, most: int) -> list[Source]:
    """The checked items of the `argument` list (None is no items), at most `most` of them."""
    if items is None:
        return []
    if not isinstance(items, (list, tuple)):
        raise InvalidArgumentError(
            f"`{argument}` must be a list: paths, URLs, base64 strings, or "
            f'{{"data": …, "type": "path"|"url"|"base64"}} objects; got {type(items).__name__}.'
        )
    if len(items) > most:
        raise InvalidArgumentError(f"`{argument}` holds {len(items)} items; send at most {most} in one call.")
    return [_source(item, f"{argument}[{index}]") for index, item in enumerate(items)]


def _source(item: object, label: str) -> Source:
    if isinstance(item, str):
        return _detected(item, label)
    if not isinstance(item, dict):
        raise InvalidArgumentError(
            f'{label} must be a string or {{"data": …, "type": "path"|"url"|"base64"}}; got {type(item).__name__}.'
        )
    extra = sorted(str(key) for key in item if key not in ("data", "type"))
    if extra:
        raise InvalidArgumentError(f'{label} has unknown keys {extra}; give only "data" and "type".')
    data, kind = item.get("data"), item.get("type")
    if not isinstance(data, str) or not data.strip():
        raise InvalidArgumentError(f'{label}: "data" must be a non-empty string (a path, a URL or base64).')
    if kind not in ITEM_TYPES:
        raise InvalidArgumentError(f'{label}: "type" must be one of: {", ".join(ITEM_TYPES)}; got {kind!r}.')
    return _typed(data.strip(), kind, label)


def _typed(data: str, kind: str, label: str) -> Source:
    if kind == "path":
        return Source("path", data, label)
    if data[:5].lower() == "data:":  # a data URL is a URL, and base64 with its type attached
        return data_url(data, label)
    if kind == "url":
        return _url(data, label)
    return Source("base64", data, label)


def _detected(data: str, label: str) -> Source:
    text = data.strip()
    if not text:
        raise InvalidArgumentError(f"{label} is an empty string; give a path, a URL or base64 data.")
    if text[:5].lower() == "data:":
        return data_url(text, label)
    if _SCHEME.match(text):
        return _url(text, label)
    if len(text) > _LONGEST_PATH:
        return Source("base64", text, label)
    if _exists(text) or (_LOOKS_LIKE_PATH.fullmatch(text) and not _decodes(text)):
        return Source("path", text, label)
    return Source("base64", text, label)


def _exists(text: str) -> bool:
    if "\n" in text or "\x00" in text:
        return False
    try:
        return Path(text).expanduser().exists()
    except (OSError, RuntimeError):  # a name too long, a loop of symlinks: not a usable path
        return False


def _decodes(text: str) -> bool:
    try:
        _b64decode(text)
    except (binascii.Error, ValueError):
        return False
    return True


def _url(data: str, label: str) -> Source:
    parts = urlsplit(data)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidArgumentError(
            f"{label}: only http:// and https:// URLs are passed on, not {parts.scheme or 'this'}://; "
            "for a local file give its path."
        )
    if not parts.hostname or len(data) > _LONGEST_URL or any(ch.isspace() or ord(ch) < 32 for ch in data):
        raise InvalidArgumentError(f"{label} is not a well-formed URL; give a full http(s):// address.")
    return Source("url", data, label)


def data_url(data: str, label: str) -> Source:
    match = _DATA_URL.fullmatch(data)
    if match is None:
        raise InvalidArgumentError(f"{label} is not a well-formed data URL (data:<type>;base64,<data>).")
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    if "base64" not in params:
        raise InvalidArgumentError(f"{label}: a data URL must be base64-encoded (data:<type>;base64,<data>).")
    return Source("data_url", match["data"], label, declared_mime=canonical_mime(match["mime"]) or None)


def decode(source: Source, most: int) -> bytes:
    """The bytes of a base64 or data-URL source, refused before decoding when over `most` bytes."""
    text = _WHITESPACE.sub("", source.data)
    if len(text) // 4 * 3 > most:
        raise InvalidArgumentError(
            f"{source.label} holds about {human_size(len(text) // 4 * 3)} of base64 data; "
            f"the most accepted is {human_size(most)}."
        )
    try:
        data = _b64decode(text)
    except (binascii.Error, ValueError):
        raise InvalidArgumentError(
            f"{source.label} is not valid base64 (nor a path, a URL or a data URL); "
            'give a path, an http(s) URL, a data: URL, or standard base64 with {"type": "base64"}.'
        ) from None
    if not data:
        raise InvalidArgumentError(f"{source.label} holds no data.")
    return data


def _b64decode(text: str) -> bytes:
    """Standard or URL-safe base64, whitespace and missing padding tolerated, anything else refused."""
    text = _WHITESPACE.sub("", text).replace("-", "+").replace("_", "/")
    if len(text) % 4 == 1:
        raise ValueError("base64 of impossible length")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def human_size(size: int) -> str:
    """`23.1 MB`, `512 KB`, `80 bytes` (binary units, as the settings' defaults are)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"
