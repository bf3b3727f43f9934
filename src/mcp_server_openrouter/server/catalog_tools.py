"""The catalogue tools: find models, one model's details, refresh the cache."""

from __future__ import annotations

import time
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter.catalog import CAPABILITIES, MODALITIES, SORTS, ModelPage, ModelQuery, views
from mcp_server_openrouter.catalog.cache import CatalogSnapshot
from mcp_server_openrouter.catalog.views import ModelInfo, ModelList
from mcp_server_openrouter.server._tooling import (
    IDEMPOTENT,
    READ_ONLY,
    AppCtx,
    ToolSet,
    app_of,
    result,
)
from mcp_server_openrouter.server.chat_tools import ModelId

tools = ToolSet()

# Enumerations in the schema guide the calling model; the values are validated by the domain layer.
Modality = Annotated[object, WithJsonSchema({"enum": list(MODALITIES)})]
Capabilities = Annotated[object, WithJsonSchema({"type": "array", "items": {"enum": list(CAPABILITIES)}})]
Sort = Annotated[object, WithJsonSchema({"enum": list(SORTS)})]
MaxPrice = Annotated[
    object,
    WithJsonSchema(
        {
            "anyOf": [{"type": "number"}, {"type": "array", "items": {"type": "number"}, "maxItems": 2}],
            "description": "USD per 1M input tokens, or [input, output].",
        }
    ),
]
Provider = Annotated[str | None, Field(description="e.g. openai, anthropic")]


def _model_list_result(page: ModelPage, snapshot: CatalogSnapshot) -> CallToolResult:
    text, structured = views.model_list(page, snapshot, time.time())
    return result(text, structured, structure_redacted=True)  # summaries come from redacted models


@tools.add(READ_ONLY)
async def list_available_models(
    ctx: AppCtx,
    provider: Provider = None,
    search: Annotated[str | None, Field(description="Words to find in id, name, description.")] = None,
    input_modality: Modality = None,
    output_modality: Modality = None,
    supports: Capabilities = None,
    max_price_per_million: MaxPrice = None,
    min_context: int | None = None,
    free_only: bool = False,
    sort: Sort = None,
    limit: int | None = None,
    offset: int | None = None,
    refresh: Annotated[bool, Field(description="Fetch a fresh catalogue first.")] = False,
) -> Annotated[CallToolResult, ModelList]:
    """Find models by provider, capability, price, context; one line each with $/1M in/out."""
    query = ModelQuery.build(
        provider=provider,
        search=search,
        input_modality=input_modality,
        output_modality=output_modality,
        supports=supports,
        max_price_per_million=max_price_per_million,
        min_context=min_context,
        free_only=free_only,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    page, snapshot = await app_of(ctx).catalog.list_models(query, refresh=refresh)
    return _model_list_result(page, snapshot)


@tools.add(READ_ONLY)
async def list_vision_models(
    ctx: AppCtx,
    provider: Provider = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Annotated[CallToolResult, ModelList]:
    """List models that accept images as input (same as supports=["vision"])."""
    query = ModelQuery.build(provider=provider, supports=["vision"], limit=limit, offset=offset)
    page, snapshot = await app_of(ctx).catalog.list_models(query)
    return _model_list_result(page, snapshot)


@tools.add(READ_ONLY)
async def get_model_info(model: ModelId, ctx: AppCtx) -> Annotated[CallToolResult, ModelInfo]:
    """One model's prices, limits, modalities, parameters and providers."""
    details = await app_of(ctx).catalog.model_details(model)
    text, info = views.model_info(details.model, details.endpoints, details.endpoints_error)
    warning = views.stale_warning(details.snapshot, time.time()) if details.snapshot.stale_reason else ""
    return result(warning + text, info.model_dump(mode="json", exclude_none=True))


@tools.add(IDEMPOTENT)
async def refresh_model_cache(ctx: AppCtx) -> str:
    """Refetch the model catalogue now."""
    app = app_of(ctx)
    snapshot = await app.catalog.snapshot(refresh=True)
    if snapshot.stale_reason:
        raise ToolError(views.stale_warning(snapshot, time.time()).strip())
    return f"Catalogue refreshed: {len(snapshot.catalog)} models from {app.settings.base_url}."
