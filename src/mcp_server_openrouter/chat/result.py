"""What one chat call returns: the reply, who answered, tokens and cost (the tool's output schema)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.chat.extras import (
    Citation,
    ImageOut,
    ToolCall,
    citations_of,
    images_of,
    parsed_json,
    tool_calls_of,
)
from mcp_server_openrouter.errors import ReplyNotJSONError

if TYPE_CHECKING:
    from mcp_server_openrouter.client import ChatCompletion


class TokenUsage(BaseModel):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    total_tokens: int | None = None
    reasoning_tokens: int | None = Field(default=None, description="Included in completion_tokens.")
    cached_tokens: int | None = Field(default=None, description="Prompt tokens read from the provider's cache.")


class ReplyInfo(BaseModel):
    """Who answered one chat call, why it stopped, and what it cost: everything but the text."""

    model: str = Field(description="The model that answered (may be a dated slug or a fallback).")
    requested_model: str
    provider: str | None = None
    finish_reason: str | None = None
    usage: TokenUsage | None = None
    cost_usd: float | None = Field(default=None, description="What OpenRouter charged for this call.")
    generation_id: str | None = None
    streamed: bool = False
    cached: bool = Field(default=False, description="Answered from the local response cache, at no cost.")
    tool_calls: list[ToolCall] | None = None
    reasoning: str | None = Field(default=None, description="The model's reasoning, when `reasoning` was asked.")
    citations: list[Citation] | None = None
    parsed: Any = Field(default=None, description="The reply as JSON, when `response_format` asked for it.")
    images: list[ImageOut] | None = None
    notes: list[str] | None = None

    def footer(self) -> str:
        """One line under the reply: who answered, why it stopped, tokens, cost, id."""
        parts = [self.model + (f" via {self.provider}" if self.provider else "")]
        if self.finish_reason:
            parts.append(f"finish: {self.finish_reason}")
        if self.usage and self.usage.prompt_tokens is not None and self.usage.completion_tokens is not None:
            parts.append(f"tokens: {self.usage.prompt_tokens} in, {self.usage.completion_tokens} out")
        if self.cached:
            parts.append("cached: no charge")
        else:
            parts.append("cost: unknown" if self.cost_usd is None else f"cost: ${format_usd_float(self.cost_usd)}")
        if self.generation_id:
            parts.append(self.generation_id)
        return " · ".join(parts)


class ChatResult(ReplyInfo):
    """The reply of one chat call and what it cost."""

    text: str
    # Sent as MCP image content, not in the structured answer (nor in its schema).
    image_data: SkipJsonSchema[list[tuple[str, str]]] = Field(default_factory=list, exclude=True, repr=False)
    """(MIME type, base64) of each image the model returned: sent as MCP image content, never as JSON."""


class ChatAnswer(ChatResult):
    """What a chat tool answers: the reply, or a job still running, and the reply's pages."""

    status: Literal["done", "queued", "running"] = "done"
    job_id: str | None = Field(default=None, description="For get_job_result / cancel_job.")
    page: int | None = None
    pages: int | None = Field(default=None, description="More than 1: get_job_result(job_id, page=N).")
    note: str | None = None
    session_cost_usd: float | None = Field(
        default=None, description="What this server's calls with this key have cost since it started."
    )


def format_usd_float(amount: float) -> str:
    return format_usd(Decimal(str(amount)), max_decimals=8)


def summarize(
    completion: ChatCompletion,
    requested_model: str,
    *,
    streamed: bool,
    with_reasoning: bool = False,
    want_json: bool = False,
) -> ChatResult:
    usage = completion.usage
    text = completion.text
    if not text and completion.refusal:
        text = f"[refused] {completion.refusal}"
    images = images_of(completion.images)
    result = ChatResult(
        text=text,
        model=completion.model or requested_model,
        requested_model=requested_model,
        provider=completion.provider,
        finish_reason=completion.finish_reason,
        usage=None
        if usage is None
        else TokenUsage(
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            total_tokens=usage.total_tokens,
            reasoning_tokens=usage.reasoning_tokens or None,
            cached_tokens=usage.cached_tokens or None,
        ),
        cost_usd=None if usage is None or usage.cost is None else float(usage.cost),
        generation_id=completion.id,
        streamed=streamed,
        tool_calls=tool_calls_of(completion.tool_calls) or None,
        reasoning=completion.reasoning if with_reasoning else None,
        citations=citations_of(completion.annotations) or None,
        images=[ImageOut(mime_type=mime, bytes=len(data) * 3 // 4) for mime, data in images] or None,
        image_data=images,
    )
    if want_json and text:
        result.parsed = _parsed(result)
    return result


def _parsed(result: ChatResult) -> Any:
    """The reply as JSON; if it is not, the error says what the reply cost and, if cut short, why."""
    try:
        return parsed_json(result.text)
    except ReplyNotJSONError as exc:
        cut = " It was cut at max_tokens: ask for more." if result.finish_reason == "length" else ""
        raise ReplyNotJSONError(f"{exc}{cut} ({result.footer()})", partial_text=exc.partial_text) from None
