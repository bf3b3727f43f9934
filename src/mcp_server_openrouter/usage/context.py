"""Which tool a request is made for, without every tool having to say so to the client.

The MCP layer sets `current_tool` around each tool call; the ledger's recorder reads it when
the client meters a request. A context variable follows the call into the tasks it starts
(anyio copies the context when a task is spawned), so a background job's requests are still
counted under the tool that started it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

current_tool: ContextVar[str | None] = ContextVar("current_tool", default=None)


@contextmanager
def tool_scope(name: str) -> Iterator[None]:
    """Requests made inside the block (and tasks it starts) are counted under `name`."""
    token = current_tool.set(name)
    try:
        yield
    finally:
        current_tool.reset(token)
