"""MCP tool declarations: a thin layer over the domain functions.

Each tool validates through the domain layer and turns its errors into `ToolError`,
whose message the calling model reads. Nothing here talks HTTP directly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.catalog import format_lines
from mcp_server_openrouter.chat import ChatResult, build_body
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.service import OpenRouterService

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Chat with any OpenRouter model. Use list_available_models to find model ids and prices; "
    "chat_with_model replies with the text plus the answering model, tokens and cost in USD."
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


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn domain and HTTP errors into `ToolError` (never a traceback, never the key)."""
    from mcp_server_openrouter.client import OpenRouterError, StreamError

    try:
        yield
    except (InvalidArgumentError, OpenRouterError) as exc:
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

    mcp: MCPServer[Any] = MCPServer(
        "openrouter",
        title="OpenRouter",
        version=__version__,
        instructions=INSTRUCTIONS,
        website_url=c.DEFAULT_APP_URL,
        lifespan=lifespan,
        log_level=settings.log_level,
    )

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=False, open_world_hint=True))
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
    ) -> Annotated[CallToolResult, ChatResult]:
        """Chat with any OpenRouter model; returns the reply, tokens and cost in USD."""
        with tool_errors():
            body = build_body(
                model, messages, max_tokens=max_tokens, temperature=temperature, top_p=top_p, stop=stop, seed=seed
            )

            async def on_progress(progress: float, message: str) -> None:
                await ctx.report_progress(progress, None, message)

            result = await service.chat(body, stream=stream, on_progress=on_progress if stream else None)
        return CallToolResult(
            content=[TextContent(type="text", text=f"{result.text}\n\n— {result.footer()}")],
            structured_content=result.model_dump(mode="json", exclude_none=True),
        )

    @mcp.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def list_available_models(
        provider: Annotated[str | None, Field(description="Provider prefix, e.g. openai or anthropic/.")] = None,
    ) -> str:
        """List OpenRouter models: id | name | context | $ per 1M tokens in/out."""
        with tool_errors():
            models, catalog = await service.list_models(provider)
        scope = f"from {provider.strip()!r}" if provider else "in all"
        return f"{len(models)} models {scope} (catalogue: {len(catalog)}):\n{format_lines(models)}"

    return mcp
