"""Images for vision models: true format from the bytes, downscaled when too large, never fetched.

JPEG, PNG, GIF and WebP are accepted, told by their magic bytes; anything else is refused with
what it is. An image over the byte limit or with a side over the side limit is downscaled with
Pillow (aspect ratio kept, EXIF orientation applied) and re-encoded in its own format (JPEG at
quality 85, WebP at 85, PNG lossless); a GIF that must change (animated, or too large) is sent as
its first frame in PNG. A JPEG or WebP whose EXIF says it is turned is sent upright, since
models see pixels, not EXIF. Pillow is imported only when an image has to be looked at (it
costs ~30 ms), and its decompression-bomb protection stays on.
"""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media.attachment import Attachment
from mcp_server_openrouter.media.paths import read_local
from mcp_server_openrouter.media.sniff import describe, image_mime
from mcp_server_openrouter.media.sources import Source, decode, human_size, sources

if TYPE_CHECKING:
    from PIL.Image import Image

logger = logging.getLogger(__name__)

MAX_IMAGES = 10
MOST_BYTES_FACTOR = 5
"""An image up to this many times the byte limit is downscaled; a larger one is refused unread."""
JPEG_QUALITY = 85
WEBP_QUALITY = 85

_PIL_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
_ORIENTATION_TAG = 0x0112
_SWAPS_SIDES = frozenset({5, 6, 7, 8})  # orientations whose upright image is the stored one turned 90°
_ATTEMPTS = 8


class _CannotFit(Exception):
    """Downscaling did not bring an image under the byte limit (worded without the image's name)."""


@dataclass(frozen=True)
class Raw:
    """An item's bytes and how to name it: `name` in notes and parts, `source` in messages."""

    data: bytes
    name: str
    source: str
    declared_mime: str | None = None


def load_images(items: object, *, roots: Sequence[Path], max_bytes: int, max_side: int) -> list[Attachment]:
    """The `images` argument as `image_url` parts: URLs as given, everything else as checked data URLs."""
    return [image_attachment(source, roots, max_bytes, max_side) for source in sources(items, "images", MAX_IMAGES)]


def image_attachment(source: Source, roots: Sequence[Path], max_bytes: int, max_side: int) -> Attachment:
    if source.kind == "url":  # passed on as it is: the server never fetches a URL
        return Attachment({"type": "image_url", "image_url": {"url": source.data}}, "image", None, "URL", None)
    words = f"(images up to {MOST_BYTES_FACTOR}× OPENROUTER_MCP_MAX_IMAGE_BYTES are downscaled)"
    raw = read_raw(source, roots, max_bytes * MOST_BYTES_FACTOR, words)
    return prepared_image(raw, source.label, max_bytes, max_side)


def read_raw(source: Source, roots: Sequence[Path], most: int, limit_words: str) -> Raw:
    """The bytes of a path, base64 or data-URL source (not a URL), at most `most` of them."""
    if source.kind == "path":
        local = read_local(source.data, source.label, roots, most, limit_words)
        return Raw(local.data, local.name, local.shown)
    return Raw(decode(source, most), "base64", "base64", source.declared_mime)


def prepared_image(raw: Raw, label: str, max_bytes: int, max_side: int) -> Attachment:
    """An image's bytes checked, fitted to the limits and labelled with their true type."""
    mime = image_mime(raw.data)
    if mime is None:
        raise InvalidArgumentError(
            f"{label} ({raw.name}) is {describe(raw.data)}, not an image; send JPEG, PNG, GIF or WebP "
            "(the format is read from the content, not the name)."
        )
    data, sent_mime, changes = _fitted(raw.data, mime, label, raw.name, max_bytes, max_side)
    if raw.declared_mime and raw.declared_mime != mime:
        changes.insert(0, f"labelled {raw.declared_mime} but is {mime}, sent as {sent_mime}")
    note = f"{noted_name(raw, label)}: {', '.join(changes)}" if changes else None
    logger.debug("image %s: %s, %d bytes%s", label, sent_mime, len(data), " (changed)" if changes else "")
    url = f"data:{sent_mime};base64,{base64.b64encode(data).decode('ascii')}"
    return Attachment({"type": "image_url", "image_url": {"url": url}}, "image", sent_mime, raw.source, len(data), note)


def noted_name(raw: Raw, label: str) -> str:
    """How notes name an item: the file's name, or `images[1] (base64)`."""
    return f"{label} (base64)" if raw.source == "base64" else raw.name


def _fitted(
    data: bytes, mime: str, label: str, name: str, max_bytes: int, max_side: int
) -> tuple[bytes, str, list[str]]:
    """The bytes to send, their MIME type, and what was done to them (nothing when already fit)."""
    from PIL import Image

    try:
        with Image.open(BytesIO(data), formats=_PIL_FORMATS) as image:
            return _fit(image, data, mime, max_bytes, max_side)
    except _CannotFit as exc:
        raise InvalidArgumentError(f"{label} ({name}) {exc}") from None
    except Image.DecompressionBombError:
        raise InvalidArgumentError(
            f"{label} ({name}) has too many pixels to decode safely (over {2 * (Image.MAX_IMAGE_PIXELS or 0):,}); "
            "it looks like a decompression bomb. Send a smaller image."
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InvalidArgumentError(
            f"{label} ({name}) starts like {mime} but cannot be decoded ({exc}); send an intact image."
        ) from None


def _fit(image: Image, data: bytes, mime: str, max_bytes: int, max_side: int) -> tuple[bytes, str, list[str]]:
    frames = int(getattr(image, "n_frames", 1))
    orientation = _orientation(image, mime)
    too_big = len(data) > max_bytes or max(image.size) > max_side
    if not (too_big or frames > 1 or orientation != 1):
        return data, mime, []
    sent_mime = "image/png" if mime == "image/gif" else mime
    stored = image.size
    upright = (stored[1], stored[0]) if orientation in _SWAPS_SIDES else stored
    encoded, size = _shrunk(image, upright, sent_mime, max_bytes, max_side)
    changes: list[str] = []
    if frames > 1:
        changes.append(f"first frame of {frames}")
    elif sent_mime != mime:
        changes.append(f"sent as {sent_mime}")
    if orientation != 1:
        changes.append("turned upright (EXIF orientation)")
    sizes = f"{human_size(len(data))} → {human_size(len(encoded))}"
    if size != upright:
        changes.append(f"resized from {_dims(upright)} to {_dims(size)} ({sizes})")
    elif too_big:
        changes.append(f"re-encoded ({sizes})")
    return encoded, sent_mime, changes


MAX_DECODED_PIXELS = 50_000_000
"""The most pixels an image other than JPEG may have to be downscaled (decoded whole, ~4 bytes each)."""


def _orientation(image: Image, mime: str) -> int:
    """The EXIF orientation (1 = upright). Only JPEG and WebP are asked: a PNG would be decoded to tell."""
    if mime not in ("image/jpeg", "image/webp"):
        return 1
    value = image.getexif().get(_ORIENTATION_TAG, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _shrunk(
    image: Image, upright: tuple[int, int], mime: str, max_bytes: int, max_side: int
) -> tuple[bytes, tuple[int, int]]:
    """`image` upright, at most `max_side` a side, encoded as `mime` within `max_bytes`; and its size."""
    from PIL import Image as PILImage
    from PIL import ImageOps

    scale = min(1.0, max_side / max(upright))
    if image.format != "JPEG" and image.width * image.height > MAX_DECODED_PIXELS:
        # Only JPEG can be decoded at a fraction of its size; anything else this large would sit in
        # memory whole (a 480 KB PNG of 13000×13000 takes 1.6 GB), so it is refused before decoding.
        raise _CannotFit(
            f"is {image.width}×{image.height} pixels, more than {MAX_DECODED_PIXELS // 1_000_000} megapixels "
            "can be decoded safely here; send a smaller image (or a JPEG)."
        )
    if image.format == "JPEG" and scale < 1:
        # Let the JPEG decoder scale by 1/2, 1/4 or 1/8 on the way in (never below the target):
        # a 50-megapixel photo then never sits in memory at full size.
        stored = image.size
        image.draft(image.mode, (math.ceil(stored[0] * scale), math.ceil(stored[1] * scale)))
    prepared = _for_encoding(ImageOps.exif_transpose(image), mime)
    for _ in range(_ATTEMPTS):
        size = (max(1, round(upright[0] * scale)), max(1, round(upright[1] * scale)))
        resized = prepared if size == prepared.size else prepared.resize(size, PILImage.Resampling.LANCZOS)
        encoded = _encode(resized, mime)
        if len(encoded) <= max_bytes:
            return encoded, size
        scale *= min(0.9, math.sqrt(max_bytes / len(encoded)))
    raise _CannotFit(
        f"could not be brought under {human_size(max_bytes)} (OPENROUTER_MCP_MAX_IMAGE_BYTES) by downscaling; "
        "send a smaller image or raise the limit."
    )


def _for_encoding(image: Image, mime: str) -> Image:
    """`image` in a mode its output format takes and resizing handles well (palettes become RGB/RGBA)."""
    alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if mime == "image/jpeg":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA") or (mime == "image/png" and image.mode in ("L", "LA")):
        return image
    return image.convert("RGBA" if alpha else "RGB")


def _encode(image: Image, mime: str) -> bytes:
    buffer = BytesIO()
    if mime == "image/jpeg":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif mime == "image/webp":
        image.save(buffer, "WEBP", quality=WEBP_QUALITY)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _dims(size: tuple[int, int]) -> str:
    return f"{size[0]}×{size[1]}"
