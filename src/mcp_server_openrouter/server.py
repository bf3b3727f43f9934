"""MCP tool declarations: a thin layer over the domain functions.

Each tool validates through the domain layer and turns its errors into `ToolError`,
whose message the calling model reads. Nothing here talks HTTP directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter import __version__, catalog_views
from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import redact
from mcp_server_openrouter._schema import compact_schema
from mcp_server_openrouter.cache import CatalogSnapshot
from mcp_server_openrouter.catalog import CAPABILITIES, MODALITIES, SORTS, ModelPage, ModelQuery
from mcp_server_openrouter.catalog_views import ModelInfo, ModelList
from mcp_server_openrouter.chat import ChatResult, build_body
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.service import OpenRouterService

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)
_F = TypeVar("_F", bound=Callable[..., Any])

INSTRUCTIONS = (
    "Chat with any OpenRouter model. Find model ids, capabilities and prices with list_available_models "
    "(filters, paging) or get_model_info; chat_with_model replies with the text plus the answering model, "
    "tokens and cost in USD."
)

_MESSAGES_SCHEMA = {
    "anyOf": [
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"role": {"type": "string"}, "content": {}},
                "required": ["role"],
            },
            "minItems": 1,
        },
        {"type": "string"},
    ],
    "description": 'OpenAI-style [{"role": "user", "content": "…"}], or a plain prompt string.',
}

ModelId = Annotated[
    object,
    WithJsonSchema({"type": "string", "description": "OpenRouter model id, e.g. openai/gpt-4o-mini."}),
]
Messages = Annotated[object, WithJsonSchema(_MESSAGES_SCHEMA)]
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


def _model_list_result(page: ModelPage, snapshot: CatalogSnapshot) -> CallToolResult:
    text, structured = catalog_views.model_list(page, snapshot, time.time())
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=structured,
    )


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn domain and HTTP errors into `ToolError` (never a traceback, never the key)."""
    try:
        yield
    except InvalidArgumentError as exc:
        raise ToolError(redact(str(exc))) from None
    except Exception as exc:
        # Imported here, not on entry: the client (and httpx) load only when a call needs them.
        from mcp_server_openrouter.client import OpenRouterError, StreamError

        if not isinstance(exc, OpenRouterError):
            raise
        message = str(exc)
        if isinstance(exc, StreamError) and exc.partial_text:
            message += f"\n\nPartial reply received before the error:\n{exc.partial_text}"
        raise ToolError(redact(message)) from None


def create_server(
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> MCPServer[Any]:
    """Build the MCP server. `transport` lets tests route HTTP to the in-process simulator."""
    settings = settings if settings is not None else Settings()
    service = OpenRouterService(settings, transport=transport)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await service.aclose()

    tools: list[Tool] = []

    def tool(annotations: ToolAnnotations) -> Callable[[_F], _F]:
        def register(fn: _F) -> _F:
            declared = Tool.from_function(fn, annotations=annotations)
            declared.parameters = compact_schema(declared.parameters)
            # FuncMetadata fields are read live; results are still validated against the model.
            declared.fn_metadata.output_schema = compact_schema(declared.fn_metadata.output_schema)
            tools.append(declared)
            return fn

        return register

    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=True)

    @tool(ToolAnnotations(read_only_hint=False, open_world_hint=True))
    async def chat_with_model(
        model: ModelId,
        messages: Messages,
        ctx: Context,
        stream: Annotated[bool, Field(description="Stream, with progress notifications.")] = False,
        max_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: str | list[str] | None = None,
        seed: int | None = None,
        cache: Annotated[bool | None, Field(description="Reuse an identical reply (temperature 0 or seed).")] = None,
    ) -> Annotated[CallToolResult, ChatResult]:
        """Chat with any OpenRouter model; returns the reply, tokens and cost in USD."""
        with tool_errors():
            body = build_body(
                model, messages, max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, seed=seed
            )

            async def on_progress(progress: float, message: str) -> None:
                await ctx.report_progress(progress, None, message)

            result = await service.chat(body, stream=stream, on_progress=on_progress if stream else None, cache=cache)
        return CallToolResult(
            content=[TextContent(type="text", text=f"{result.text}\n\n— {result.footer()}")],
            structured_content=result.model_dump(mode="json", exclude_none=True),
        )

    @tool(read_only)
    async def list_available_models(
        provider: Annotated[str | None, Field(description="e.g. openai, anthropic")] = None,
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
        with tool_errors():
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
            page, snapshot = await service.list_models(query, refresh=refresh)
        return _model_list_result(page, snapshot)

    @tool(read_only)
    async def list_vision_models(
        provider: Annotated[str | None, Field(description="e.g. openai, anthropic")] = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Annotated[CallToolResult, ModelList]:
        """List models that accept images as input (same as supports=["vision"])."""
        with tool_errors():
            query = ModelQuery.build(provider=provider, supports=["vision"], limit=limit, offset=offset)
            page, snapshot = await service.list_models(query)
        return _model_list_result(page, snapshot)

    @tool(read_only)
    async def get_model_info(model: ModelId) -> Annotated[CallToolResult, ModelInfo]:
        """Everything about one model: prices, limits, modalities, parameters, providers."""
        with tool_errors():
            details = await service.model_details(model)
        text, info = catalog_views.model_info(details.model, details.endpoints, details.endpoints_error)
        warning = catalog_views.stale_warning(details.snapshot, time.time()) if details.snapshot.stale_reason else ""
        return CallToolResult(
            content=[TextContent(type="text", text=warning + text)],
            structured_content=info.model_dump(mode="json", exclude_none=True),
        )

    @tool(ToolAnnotations(read_only_hint=False, idempotent_hint=True, open_world_hint=True))
    async def refresh_model_cache() -> str:
        """Fetch the model catalogue from OpenRouter now, replacing both cache layers."""
        with tool_errors():
            snapshot = await service.catalog(refresh=True)
        if snapshot.stale_reason:
            raise ToolError(catalog_views.stale_warning(snapshot, time.time()).strip())
        return f"Catalogue refreshed: {len(snapshot.catalog)} models from {settings.base_url}."

    return MCPServer(
        "openrouter",
        title="OpenRouter",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url=c.DEFAULT_APP_URL,
        lifespan=lifespan,
        log_level=settings.log_level,
        tools=tools,
    )
