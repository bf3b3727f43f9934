"""The chat tool."""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter.chat import ChatAnswer, ChatRequest
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
    background: Annotated[bool, Field(description="Return a job_id at once; see get_job_result.")] = False,
) -> Annotated[CallToolResult, ChatAnswer]:
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

    answer = await app_of(ctx).calls.call(
        request, stream=stream, cache=cache, background=background, on_progress=on_progress
    )
    return result(render_answer(answer), answer.model_dump(mode="json", exclude_none=True))


def render_answer(answer: ChatAnswer) -> str:
    """The text a model reads: the reply and its footer, or how to fetch a reply still coming."""
    if answer.status != "done":
        return running_text(answer.job_id or "", answer.note, answer.text)
    text = f"{answer.text}\n\n— {answer.footer()}"
    if answer.pages and answer.pages > 1:
        text += f"\n— {next_page_hint(answer.job_id or '', 1, answer.pages)}"
    return text


def running_text(job_id: str, note: str | None, so_far: str) -> str:
    head = f"{(note or 'running').capitalize()}. " if note else ""
    text = (
        f'{head}Job {job_id}: call get_job_result(job_id="{job_id}", wait_seconds=50) for the reply '
        "(again until it is done), or cancel_job to stop it."
    )
    return f"{text}\n\nText so far:\n{so_far}" if so_far else text


def next_page_hint(job_id: str, page: int, pages: int) -> str:
    if page >= pages:
        return f"page {page} of {pages} (the last)"
    return f'page {page} of {pages}: the next with get_job_result(job_id="{job_id}", page={page + 1})'
