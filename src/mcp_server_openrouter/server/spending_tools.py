"""The spending tool: `estimate_cost`, a chat call's estimated prompt and worst case before sending.

Asking the user before a costly call is `_confirm.py`'s; the budgets are `usage.budget`'s.
"""

from __future__ import annotations

from typing import Annotated, Any

from mcp.types import CallToolResult
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.chat.request import a_model_id, normalize_messages
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.server._tooling import READ_ONLY, AppCtx, ToolSet, app_of, result
from mcp_server_openrouter.usage.quote import CostQuote, estimate_call, quote_structured, quote_text

tools = ToolSet()

# Typed loosely, like the chat tools' (our checks word the errors); every byte here is read by the model.
Model = Annotated[object, WithJsonSchema({"type": "string"})]
EstimateMessages = Annotated[list[Any] | None, Field(description="Or OpenAI messages.")]


@tools.add(READ_ONLY)
async def estimate_cost(
    model: Model,
    ctx: AppCtx,
    prompt: str | None = None,
    messages: EstimateMessages = None,
    max_tokens: int | None = None,
) -> Annotated[CallToolResult, CostQuote]:
    """Worst-case cost of a chat call before sending it; up to 5 cheaper similar models."""
    model_id = a_model_id(model, "model")
    if (prompt is None) == (messages is None):
        raise InvalidArgumentError("Give either `prompt` (a string) or `messages` (an OpenAI message list), not both.")
    checked = normalize_messages(prompt, "prompt") if messages is None else normalize_messages(messages)
    limit = None if max_tokens is None else v.positive_int(max_tokens, "max_tokens")
    call = await estimate_call(app_of(ctx).catalog, model_id, checked, limit)
    return result(quote_text(call), quote_structured(call).model_dump(mode="json", exclude_none=True))
