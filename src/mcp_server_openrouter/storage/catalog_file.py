"""`openrouter_model_cache.json`: the catalogue store as a local file, read tolerantly, written atomically."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import anyio

from mcp_server_openrouter._redact import redact_structure, strip_url_credentials
from mcp_server_openrouter.storage import StoredCatalog
from mcp_server_openrouter.storage.files import remove_file, tighten_file, write_atomic

logger = logging.getLogger(__name__)

FILE_FORMAT_VERSION = 1


class CatalogFile:
    """A `CatalogStore` in one JSON file holding the raw models, the base URL and the fetch time.

    The raw `/models` list is stored, not our parsed form, so a change in our parser never
    needs a file migration. A corrupt or unreadable file is logged, ignored and later replaced.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    async def load(self, base_url: str) -> StoredCatalog | None:
        return await anyio.to_thread.run_sync(self.load_sync, base_url)

    async def save(self, stored: StoredCatalog) -> None:
        await anyio.to_thread.run_sync(self.save_sync, stored)

    @property
    def location(self) -> str:
        return str(self.path)

    async def clear(self) -> bool:
        return remove_file(self.path)

    async def describe(self) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self._describe)

    def load_sync(self, base_url: str) -> StoredCatalog | None:
        try:
            text = self.path.read_bytes()  # decoded by json.loads, inside the corrupt-file handling
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("model cache %s is unreadable (%s); ignoring it", self.path, exc)
            return None
        tighten_file(self.path)
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != FILE_FORMAT_VERSION:
                raise ValueError("unknown format")
            models = data["models"]
            fetched_at = float(data["fetched_at"])
            if not isinstance(models, list) or not all(isinstance(m, dict) and "id" in m for m in models):
                raise ValueError("`models` is not a list of models")
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            # ValueError covers binary junk (UnicodeDecodeError) too; RecursionError a deeply nested file.
            logger.warning(
                "model cache %s is corrupt (%s); ignoring it, it will be replaced", self.path, type(exc).__name__
            )
            return None
        shown = strip_url_credentials(base_url)
        if data.get("base_url") != shown:
            logger.info("model cache %s is for another base URL than %s; ignoring it", self.path, shown)
            return None
        return StoredCatalog(models, base_url, fetched_at)

    def save_sync(self, stored: StoredCatalog) -> None:
        """Write atomically; a failure is logged, never raised (the memory layer still works)."""
        payload = {
            "version": FILE_FORMAT_VERSION,
            # Never credentials in a file: the URL is stored as it is shown (which is all matching needs).
            "base_url": strip_url_credentials(stored.base_url),
            "fetched_at": stored.fetched_at,
            # An upstream could echo the key inside a model's name or description: never on disk.
            "models": redact_structure(stored.models),
        }
        try:
            write_atomic(self.path, json.dumps(payload, separators=(",", ":")).encode())
        except OSError as exc:
            logger.warning("could not write the model cache %s: %s", self.path, exc)

    def _describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"path": str(self.path), "exists": self.path.is_file()}
        if not info["exists"]:
            return info
        info["bytes"] = self.path.stat().st_size
        try:
            data = json.loads(self.path.read_bytes())
            info.update(base_url=data.get("base_url"), fetched_at=float(data["fetched_at"]), models=len(data["models"]))
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            info["corrupt"] = True
        return info
