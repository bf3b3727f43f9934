"""One chat request from a tool's arguments: the options checked, local images and files read
(safely, in a worker thread) and attached to the last user message, and the model's abilities
checked against what the request needs — all before anything is sent or spent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter import media
from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.capabilities import check_request
from mcp_server_openrouter.chat.request import ChatRequest, build_request, normalize_messages
from mcp_server_openrouter.errors import InvalidArgumentError


@dataclass(frozen=True)
class MediaLimits:
    """Where local files may be read from, and how large they may be."""

    roots: Sequence[Path]
    max_image_bytes: int
    max_image_side: int
    max_file_bytes: int


@dataclass(frozen=True)
class ChatDefaults:
    """What a call that leaves them out gets: OPENROUTER_DEFAULT_MODEL, OPENROUTER_FALLBACK_MODELS."""

    model: str | None = None
    fallbacks: tuple[str, ...] = ()

    def apply(self, arguments: dict[str, Any]) -> None:
        if arguments.get("model") is None:
            if self.model is None:
                raise InvalidArgumentError(
                    '`model` is missing: name one (e.g. "openai/gpt-4o-mini"; list_available_models lists them) '
                    "or set OPENROUTER_DEFAULT_MODEL."
                )
            arguments["model"] = self.model
        given = arguments.get("fallback_models")
        if given == []:  # an explicit "no fallbacks", even when some are configured
            arguments["fallback_models"] = None
        elif given is None and self.fallbacks:
            arguments["fallback_models"] = list(self.fallbacks)


@dataclass
class Composed:
    request: ChatRequest
    notes: list[str] = field(default_factory=list)


async def compose(
    catalog: CatalogService,
    limits: MediaLimits,
    *,
    defaults: ChatDefaults = ChatDefaults(),
    images: object = None,
    files: object = None,
    pdf_engine: object = None,
    require_parameters: bool = True,
    **arguments: Any,
) -> Composed:
    """The checked request and the notes for the caller (images resized, parameters dropped)."""
    defaults.apply(arguments)
    attachments: list[media.Attachment] = []
    if images is not None or files is not None:
        normalize_messages(arguments.get("messages"))  # a bad message list is reported before any file is read
        attachments = await anyio.to_thread.run_sync(_load, limits, images, files)
        _refuse_keys(attachments)
    engine = None if pdf_engine is None else v.one_of(pdf_engine, "pdf_engine", media.PDF_ENGINES)
    plugin = media.file_parser_plugin(attachments, engine)
    if attachments:
        arguments["messages"] = media.attach(normalize_messages(arguments["messages"]), attachments)
    request = build_request(extra_plugins=[plugin] if plugin else (), **arguments)
    inputs = media.input_modalities(attachments)
    if engine != "native":
        inputs.discard("file")  # OpenRouter's file-parser reads PDFs for any model, unless asked for native
    checked, dropped = await check_request(request, catalog, inputs=inputs, require_parameters=require_parameters)
    notes = [a.note for a in attachments if a.note] + dropped
    return Composed(checked, notes)


def _load(limits: MediaLimits, images: object, files: object) -> list[media.Attachment]:
    loaded = media.load_images(
        images, roots=limits.roots, max_bytes=limits.max_image_bytes, max_side=limits.max_image_side
    )
    loaded += media.load_files(
        files,
        roots=limits.roots,
        max_bytes=limits.max_file_bytes,
        max_image_bytes=limits.max_image_bytes,
        max_image_side=limits.max_image_side,
    )
    return loaded


def _refuse_keys(attachments: Sequence[media.Attachment]) -> None:
    """A text file holding an API key (ours, or any `sk-or-…`) is never sent to a model."""
    for attachment in attachments:
        text = attachment.part.get("text")
        if attachment.kind == "text" and isinstance(text, str) and redact(text) != text:
            raise InvalidArgumentError(
                f"{attachment.source} holds what looks like an OpenRouter API key, so it is not sent to a model. "
                "Remove the key from a copy of the file and attach that."
            )
