"""What every tool module shares: declaring tools, reaching the app, errors, results.

A tool is a plain `async def` at module level: it validates through the domain layer, calls
one domain function on the `AppContext` it gets from the request context, and renders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.errors import OpenRouterMCPError, StreamError
from mcp_server_openrouter.server._sdk import declare_tool

AppCtx = Context[AppContext, Any]
F = TypeVar("F", bound=Callable[..., Any])

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
WRITES = ToolAnnotations(read_only_hint=False, open_world_hint=True)
IDEMPOTENT = ToolAnnotations(read_only_hint=False, idempotent_hint=True, open_world_hint=True)


class ToolSet:
    """The tools of one module, declared with `@tools.add(annotations)`."""

    def __init__(self) -> None:
        self._entries: list[tuple[Callable[..., Any], ToolAnnotations]] = []

    def add(self, annotations: ToolAnnotations) -> Callable[[F], F]:
        def register(fn: F) -> F:
            self._entries.append((fn, annotations))
            return fn

        return register

    def declare(self) -> list[Tool]:
        return [declare_tool(fn, annotations) for fn, annotations in self._entries]


def app_of(ctx: AppCtx) -> AppContext:
    return ctx.request_context.lifespan_context


@contextmanager
def tool_errors() -> Iterator[None]:
    """Turn domain and HTTP errors into `ToolError` (never a traceback, never the key)."""
    try:
        yield
    except OpenRouterMCPError as exc:
        message = str(exc)
        if isinstance(exc, StreamError) and exc.partial_text:
            message += f"\n\nPartial reply received before the error:\n{exc.partial_text}"
        raise ToolError(redact(message)) from None


def result(text: str, structured: dict[str, Any]) -> CallToolResult:
    """A tool result: text for the model to read, structured content for programs."""
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)
