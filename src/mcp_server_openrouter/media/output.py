"""Saving the images a model returned (OpenRouter's `message.images`), privately and without surprises.

Each image must be a base64 data URL whose bytes are really a JPEG, PNG, GIF or WebP (a URL is
never fetched); all are checked before any is written. Files are `0600` in a `0700` directory,
named by the server — an optional caller's name reduced to a safe base, a UTC timestamp, a short
random part and the extension of the true type — and never overwrite anything: each name is
claimed with an exclusive create before the bytes are written atomically over the claim.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media.sniff import EXTENSIONS, describe, image_mime
from mcp_server_openrouter.media.sources import data_url, decode
from mcp_server_openrouter.storage.files import FILE_MODE, private_dir, write_atomic

MOST_RETURNED_BYTES = 64 * 1024 * 1024
"""A returned image larger than this is not saved (a model's images are a few megabytes)."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_LONGEST_BASE = 60
_CLAIM_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_TRIES = 10


def save_images(images: Sequence[Mapping[str, Any]], directory: Path, *, name: str | None = None) -> list[Path]:
    """Write each returned image under `directory` with a fresh safe name; the paths, in order."""
    decoded = [_returned_image(item, index) for index, item in enumerate(images)]
    if not decoded:
        return []
    private_dir(directory)
    prefix = safe_base(name)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    return [_write_new(directory, f"{prefix}{stamp}", EXTENSIONS[mime], data) for data, mime in decoded]


def safe_base(name: str | None) -> str:
    """A caller's name as a safe file-name prefix ("My cat.png" → "My-cat-"; "../../x" → "x-"), or ""."""
    if name is None:
        return ""
    if not isinstance(name, str):
        raise InvalidArgumentError(f"The name for saved images must be a string, got {type(name).__name__}.")
    base = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, _extension = base.rpartition(".")
    if dot and stem.strip("."):  # drop an extension: the true type chooses it
        base = stem
    base = _UNSAFE.sub("-", base).strip("-_")[:_LONGEST_BASE].strip("-_")
    return f"{base}-" if base else ""


def _returned_image(item: object, index: int) -> tuple[bytes, str]:
    label = f"images[{index}] returned by the model"
    url = _url_of(item)
    if url is None:
        raise InvalidArgumentError(f'{label} has no "image_url": {{"url": …}}; nothing was saved.')
    if url[:5].lower() != "data:":
        raise InvalidArgumentError(f"{label} is not a base64 data URL (URLs are never fetched); nothing was saved.")
    data = decode(data_url(url, label), MOST_RETURNED_BYTES)
    mime = image_mime(data)
    if mime is None:
        raise InvalidArgumentError(
            f"{label} is {describe(data)}, not a JPEG, PNG, GIF or WebP image; nothing was saved."
        )
    return data, mime


def _url_of(item: object) -> str | None:
    if not isinstance(item, Mapping):
        return None
    image_url = item.get("image_url")
    url = image_url.get("url") if isinstance(image_url, Mapping) else image_url
    return url if isinstance(url, str) else None


def _write_new(directory: Path, stem: str, extension: str, data: bytes) -> Path:
    """`data` in a new file `<stem>-<random><extension>`: the name is claimed first, so nothing is overwritten."""
    for _ in range(_TRIES):
        path = directory / f"{stem}-{secrets.token_hex(3)}{extension}"
        try:
            fd = os.open(path, _CLAIM_FLAGS, FILE_MODE)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            write_atomic(path, data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise OSError(f"no free file name for a new image in {directory} after {_TRIES} tries")
