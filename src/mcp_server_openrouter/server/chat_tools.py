"""The chat tool."""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter.chat import ChatRequest, ChatResult
from mcp_server_openrouter.server._tooling import WRITES, AppCtx, ToolSet, app_of, result

tools = ToolSet()

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

# `model` and `messages` are typed `object` on purpose: `ChatRequest` validates them with our
# messages ("messages[0] has role 'wizard'; use one of …"), not pydantic's with links to its docs.
ModelId = Annotated[
    object,
    WithJsonSchema({"type": "string", "description": "OpenRouter model id, e.g. openai/gpt-4o-mini."}),
]
Messages = Annotated[object, WithJsonSchema(_MESSAGES_SCHEMA)]


@tools.add(WRITES)
async def chat_with_model(
    model: ModelId,
    messages: Messages,
    ctx: AppCtx,
    stream: Annotated[bool, Field(description="Stream, with progress notifications.")] = False,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
    cache: Annotated[bool | None, Field(description="Reuse an identical reply (temperature 0 or seed).")] = None,
) -> Annotated[CallToolResult, ChatResult]:
    """Chat with any OpenRouter model; returns the reply, tokens and cost in USD."""
    request = ChatRequest.create(
        model=model,
        messages=messages,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        stop=stop,
        seed=seed,
    )

    async def on_progress(progress: float, total: float | None, message: str) -> None:
        await ctx.report_progress(progress, total, message)

    reply = await app_of(ctx).chat.chat(
        request, stream=stream, on_progress=on_progress if stream else None, cache=cache
    )
    return result(f"{reply.text}\n\n— {reply.footer()}", reply.model_dump(mode="json", exclude_none=True))
