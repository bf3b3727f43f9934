"""The chat tool."""

from __future__ import annotations

import json
from typing import Annotated, Any

from mcp.types import CallToolResult, ImageContent, InputRequiredResult
from pydantic import Field, WithJsonSchema

from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.chat import ChatAnswer
from mcp_server_openrouter.chat.compose import compose
from mcp_server_openrouter.chat.extras import ToolCall
from mcp_server_openrouter.chat.result import format_usd_float
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.server._confirm import AskFirst, confirmer
from mcp_server_openrouter.server._tooling import WRITES, AppCtx, ToolSet, app_of, caller_of, result
from mcp_server_openrouter.usage.budget import CallLimits, cost_limit

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
    "description": "OpenAI chat messages, or a prompt string.",
}

# `model`, `messages` and OpenRouter's structured options are typed `object` on purpose: our checks
# (`ChatRequest`, `chat.options`) word the errors ("provider has no option 'sortt'; use: …"), not
# pydantic's with links to its docs. Each is described in one line: every byte here is read by the model.
ModelId = Annotated[
    object,
    WithJsonSchema({"type": "string", "description": "OpenRouter model id, e.g. openai/gpt-4o-mini."}),
]
# Optional where a default may be configured (OPENROUTER_DEFAULT_MODEL); `compose` says what to do if not.
OptionalModelId = Annotated[
    object | None,
    WithJsonSchema({"type": "string", "description": "OpenRouter model id, e.g. openai/gpt-4o-mini."}),
]
Messages = Annotated[object, WithJsonSchema(_MESSAGES_SCHEMA)]


def _described(schema: dict[str, object], description: str) -> WithJsonSchema:
    return WithJsonSchema({**schema, "description": description})


_OBJECT: dict[str, object] = {"type": "object"}
ModelList = Annotated[
    object | None,
    _described({"type": "array", "items": {"type": "string"}}, "Tried in order if the model cannot answer."),
]
Provider = Annotated[
    object | None,
    _described(_OBJECT, "Routing: sort, order, only, ignore, allow_fallbacks, data_collection, zdr, max_price."),
]
Reasoning = Annotated[
    object | None,
    _described(_OBJECT, '{"effort": "low|medium|high"} or {"max_tokens": N}.'),
]
ResponseFormat = Annotated[object | None, _described(_OBJECT, "json_object or json_schema; the reply is parsed.")]
Tools = Annotated[
    object | None,
    _described({"type": "array", "items": _OBJECT}, "OpenAI function tools; returns tool_calls."),
]
ToolChoice = Annotated[object | None, _described({}, "auto, none, required, or a function choice.")]
# Checked by our validators too (pydantic's messages carry links to its docs, and a loose "yes" is no bool).
Penalty = Annotated[object | None, WithJsonSchema({"type": "number"})]
SystemPrompt = Annotated[object | None, WithJsonSchema({"type": "string"})]
PdfEngine = Annotated[object | None, _described({"type": "string"}, "pdf-text, mistral-ocr or native.")]
Modalities = Annotated[
    object | None, _described({"type": "array", "items": {"type": "string"}}, '["image", "text"] asks for images.')
]
SaveImages = Annotated[object, _described({"type": "boolean"}, "Also save returned images to the data dir.")]
RequireParameters = Annotated[object, _described({"type": "boolean"}, "false: drop options the model lacks.")]
_SOURCES = "Paths, URLs, base64 or data URLs, or {data, type}."
Images = Annotated[object | None, _described({"type": "array"}, f"{_SOURCES} On the last user message.")]
Files = Annotated[object | None, _described({"type": "array"}, "PDFs, text or audio, given as images are.")]
MaxCost = Annotated[float | None, Field(description="Max worst-case USD cost.")]
# A chat tool answers, or (MCP 2026-07-28) asks the client to confirm a costly call first.
ChatToolResult = Annotated[CallToolResult, ChatAnswer] | InputRequiredResult


@tools.add(WRITES)
async def chat_with_model(
    messages: Messages,
    ctx: AppCtx,
    model: OptionalModelId = None,
    stream: Annotated[bool, Field(description="Stream, with progress notifications.")] = False,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    stop: str | list[str] | None = None,
    seed: int | None = None,
    cache: Annotated[bool | None, Field(description="Reuse an identical reply (temperature 0 or seed).")] = None,
    background: Annotated[bool, Field(description="Return a job_id at once.")] = False,
    system: SystemPrompt = None,
    fallback_models: ModelList = None,
    provider: Provider = None,
    reasoning: Reasoning = None,
    response_format: ResponseFormat = None,
    tools: Tools = None,
    tool_choice: ToolChoice = None,
    web_search: Annotated[bool, Field(description="Use the web plugin; cites sources.")] = False,
    frequency_penalty: Penalty = None,
    presence_penalty: Penalty = None,
    images: Images = None,
    files: Files = None,
    pdf_engine: PdfEngine = None,
    modalities: Modalities = None,
    save_images: SaveImages = False,
    require_parameters: RequireParameters = True,
    max_cost_usd: MaxCost = None,
) -> ChatToolResult:
    """Chat with any OpenRouter model; returns the reply, tokens and cost in USD."""
    return await _chat(
        ctx,
        stream=stream,
        cache=cache,
        background=background,
        save_images=v.boolean(save_images, "save_images"),
        images=images,
        files=files,
        pdf_engine=pdf_engine,
        require_parameters=v.boolean(require_parameters, "require_parameters"),
        modalities=modalities,
        model=model,
        messages=messages,
        system=system,
        fallback_models=fallback_models,
        web_search=web_search,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        stop=stop,
        seed=seed,
        provider=provider,
        reasoning=reasoning,
        response_format=response_format,
        tools=tools,
        tool_choice=tool_choice,
        frequency_penalty=frequency_penalty,
        presence_penalty=presence_penalty,
        max_cost_usd=max_cost_usd,
    )


@tools.add(WRITES)
async def chat_with_vision(
    messages: Messages,
    images: Images,
    ctx: AppCtx,
    model: OptionalModelId = None,
    stream: bool = False,
    max_tokens: int | None = None,
    temperature: float | None = None,
    background: bool = False,
    max_cost_usd: MaxCost = None,
) -> ChatToolResult:
    """Ask a vision model about images; chat_with_model takes images too."""
    if not images:
        raise InvalidArgumentError(
            "`images` is empty: chat_with_vision needs at least one image (a path, URL or base64)."
        )
    return await _chat(
        ctx,
        stream=stream,
        cache=None,
        background=background,
        save_images=False,
        images=images,
        model=model,
        messages=messages,
        max_tokens=max_tokens,
        temperature=temperature,
        max_cost_usd=max_cost_usd,
    )


async def _chat(
    ctx: AppCtx,
    *,
    stream: bool,
    cache: bool | None,
    background: bool,
    save_images: bool,
    max_cost_usd: object,
    **arguments: Any,
) -> CallToolResult | InputRequiredResult:
    """One chat call of either tool: compose the request (options, files, checks), have the spending
    guard admit it (asking the user when it could cost a lot), then run it."""
    app = app_of(ctx)
    limits = CallLimits(max_cost_usd=cost_limit(max_cost_usd, "max_cost_usd"), confirm=confirmer(ctx))
    composed = await compose(app.catalog, app.media_limits, defaults=app.chat_defaults, **arguments)

    async def on_progress(progress: float, total: float | None, message: str) -> None:
        await ctx.report_progress(progress, total, message)

    try:
        answer = await app.calls.call(
            composed.request,
            stream=stream,
            cache=cache,
            background=background,
            on_progress=on_progress,
            notes=composed.notes,
            save_images=save_images,
            limits=limits,
        )
    except AskFirst as ask:
        return ask.result  # nothing was sent; the client asks its user and calls again
    session = app.usage.session_cost(caller_of(ctx).key_id)
    return answer_result(answer.model_copy(update={"session_cost_usd": float(session)}))


def answer_result(answer: ChatAnswer) -> CallToolResult:
    """The tool result: the text, then any images the model drew as MCP image content."""
    rendered = result(render_answer(answer), answer.model_dump(mode="json", exclude_none=True))
    rendered.content.extend(ImageContent(type="image", data=data, mime_type=mime) for mime, data in answer.image_data)
    return rendered


def render_answer(answer: ChatAnswer) -> str:
    """The text a model reads: the reply and its footer, or how to fetch a reply still coming."""
    session = "" if answer.session_cost_usd is None else f"session so far: ${format_usd_float(answer.session_cost_usd)}"
    if answer.status != "done":
        text = running_text(answer.job_id or "", answer.note, answer.text)
        return f"{text}\n\n— {session}" if session else text
    text = f"{answer.text}{extras_text(answer)}\n\n— {answer.footer()}" + (f" · {session}" if session else "")
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


def extras_text(answer: ChatAnswer) -> str:
    """What the reply carries besides its text, for a model to read: calls, sources, reasoning, notes."""
    parts = [_call_line(call) for call in answer.tool_calls or []]
    if answer.citations:
        parts.append("sources: " + "; ".join(f"{c.title or c.url} <{c.url}>" for c in answer.citations))
    if answer.images:
        parts.append(f"{len(answer.images)} image(s) attached below")
    if answer.reasoning:
        parts.append(f"reasoning:\n{answer.reasoning}")
    parts.extend(f"note: {note}" for note in answer.notes or [])
    return "".join(f"\n\n[{part}]" for part in parts)


def _call_line(call: ToolCall) -> str:
    arguments = json.dumps(call.arguments, ensure_ascii=False)
    return f"tool call {call.name}({arguments})" + (f" id={call.id}" if call.id else "")
