"""What every tool module shares: declaring tools, reaching the app, errors, results.

A tool is a plain `async def` at module level: it validates through the domain layer, calls
one domain function on the `AppContext` it gets from the request context, and renders.
Whose usage, jobs and key a call is about comes from `caller_of(ctx)`, never from the settings.
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from mcp_server_openrouter._redact import redact, redact_structure
from mcp_server_openrouter.app import AppContext, caller_key
from mcp_server_openrouter.errors import (
    JobEndedEarlyError,
    MissingAPIKeyError,
    OpenRouterMCPError,
    ReplyNotJSONError,
    StreamError,
)
from mcp_server_openrouter.server._sdk import declare_tool
from mcp_server_openrouter.usage.context import tool_scope

if TYPE_CHECKING:
    from mcp_server_openrouter.client import OpenRouterClient

logger = logging.getLogger(__name__)

AppCtx = Context[AppContext, Any]
F = TypeVar("F", bound=Callable[..., Any])

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=True)
WRITES = ToolAnnotations(read_only_hint=False, open_world_hint=True)
IDEMPOTENT = ToolAnnotations(read_only_hint=False, idempotent_hint=True, open_world_hint=True)

# Per-user HTTP mode: the header that carries each user's own OpenRouter key. `Authorization` is
# only ever the server's MCP_HTTP_TOKEN, so the two secrets can never be taken for each other.
KEY_HEADER = "X-OpenRouter-Key"
NO_CALLER_KEY = (
    f"This server uses each user's own OpenRouter key, and this request carried none: send it in the "
    f'{KEY_HEADER} header (in your MCP client\'s entry for this server: "headers": {{"{KEY_HEADER}": "sk-or-…"}}). '
    "The Authorization header is for the server's MCP_HTTP_TOKEN, not for your key."
)


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
        return [declare_tool(_guarded(fn), annotations) for fn, annotations in self._entries]


def _guarded(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`fn` with every failure mapped to a `ToolError` that says what broke (never a bare
    "Error executing tool", never a traceback on the wire). Signature and hints are kept
    (`functools.wraps`), so the SDK builds the same schemas and still injects the context.
    Requests made during the call are recorded in the usage ledger under the tool's name."""

    @functools.wraps(fn)
    async def guarded(*args: Any, **kwargs: Any) -> Any:
        with tool_scope(fn.__name__), tool_errors(fn.__name__):
            return await fn(*args, **kwargs)

    return guarded


def app_of(ctx: AppCtx) -> AppContext:
    return ctx.request_context.lifespan_context


@dataclass(frozen=True)
class Caller:
    """Who a tool call is for: the hash of their key (what usage rows and jobs are kept under) and
    the client holding that key."""

    key_id: str
    app: AppContext

    def client(self) -> OpenRouterClient:
        return self.app.get_client()


def caller_of(ctx: AppCtx) -> Caller:
    """The caller of this tool call. Over stdio (and HTTP with the server's key) that is the configured
    key; with per-user keys it is the key the HTTP request brought (set by `server/http.py`). Every tool
    that reads or writes per-key state (usage, budgets, jobs) asks here, never `app.key_id`."""
    app = app_of(ctx)
    return Caller(app.caller_key_id(), app)


@contextmanager
def tool_errors(tool: str) -> Iterator[None]:
    """Turn every failure into a `ToolError` that says what broke and what to do (never the key)."""
    try:
        yield
    except ToolError:
        raise
    except OpenRouterMCPError as exc:
        message = str(exc)
        if isinstance(exc, MissingAPIKeyError) and caller_key.get() is not None:
            message = NO_CALLER_KEY  # not "set OPENROUTER_API_KEY": the key is the user's to send
        elif isinstance(exc, ReplyNotJSONError):
            message += f"\n\nThe reply as received:\n{exc.partial_text}"
        elif isinstance(exc, StreamError | JobEndedEarlyError) and exc.partial_text:
            message += f"\n\nPartial reply received before the error:\n{exc.partial_text}"
        raise ToolError(redact(message)) from None
    except OSError as exc:
        logger.warning("%s: %s", tool, exc)
        where = f" {exc.filename}" if exc.filename else ""
        raise ToolError(
            redact(
                f"{tool} could not use a local file{where}: {exc.strerror or exc}. Check that the cache and "
                "data directories (`openrouter-mcp config-path`) exist and are writable."
            )
        ) from None
    except Exception as exc:
        # A bug. The log says where; the traceback (whose values may hold prompt or reply text, which
        # hosts may write to disk) only at DEBUG. The caller gets a short reason.
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f" at {Path(frame.filename).name}:{frame.lineno}" if frame else ""
        logger.error("%s failed unexpectedly: %s%s", tool, type(exc).__name__, where)
        logger.debug("%s failed unexpectedly", tool, exc_info=exc)
        raise ToolError(
            redact(
                f"{tool} failed unexpectedly ({type(exc).__name__}: {exc}). This is a bug in openrouter-mcp; "
                "the details are in the server's log. Trying again may work."
            )
        ) from None


def result(text: str, structured: dict[str, Any], *, structure_redacted: bool = False) -> CallToolResult:
    """A tool result: text for the model to read, structured content for programs, keys redacted.

    Upstream text (a reply, a model's description) could quote the key back. Walking a page of
    100 models costs ~0.4 ms, so pages built from models (redacted once when the catalogue is
    parsed) pass `structure_redacted=True`; the text is always checked (~10 µs).
    """
    return CallToolResult(
        content=[TextContent(type="text", text=redact(text))],
        structured_content=structured if structure_redacted else redact_structure(structured),
    )
