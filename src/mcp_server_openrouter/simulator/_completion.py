"""A chat completion the fake OpenRouter is producing, and the pieces both deliveries render.

`_chat` builds a `Completion` once it has accepted a request; the whole answer (`_chat`)
and the stream (`_chat_stream`) both deliver its `Plan` and bill what they generated
through `Completion.charge` — once, whether the reply completed, failed, was cut off or
was cancelled — which also keeps the record `GET /generation` returns. The helpers below
render the parts of a message (reasoning details, tool calls) the same way for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcp_server_openrouter.simulator._billing import Tokens, bill, generation_record, usage_object
from mcp_server_openrouter.simulator._extras import token_id
from mcp_server_openrouter.simulator._reply import Plan, Unit, native_finish

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator
    from mcp_server_openrouter.simulator._faults import Fault
    from mcp_server_openrouter.simulator._ledger import KeyAccount


@dataclass
class Completion:
    """One accepted request's answer: what it says, for whom, and the fault it plays out."""

    head: dict[str, Any]  # id, provider, model, created: how every body and chunk begins
    plan: Plan
    prompt_tokens: int
    cached_tokens: int
    written_tokens: int
    model: Mapping[str, Any]
    account: KeyAccount
    fault: Fault | None
    author: str
    byok: bool = False
    peer: tuple[str, int] | None = None  # the client's address, to reset its connection
    usage: dict[str, Any] | None = None  # set once billed

    def tokens(self, units: list[Unit]) -> Tokens:
        return Tokens(
            prompt=self.prompt_tokens,
            cached=self.cached_tokens,
            written=self.written_tokens,
            completion=sum(u.tokens for u in units),
            reasoning=sum(u.tokens for u in units if u.kind == "reasoning"),
            images=sum(u.tokens for u in units if u.kind == "images"),
            web_results=self.plan.web_results,
        )

    def charge(
        self,
        sim: Simulator,
        units: list[Unit],
        *,
        streamed: bool,
        cancelled: bool = False,
        finish: str | None = None,
    ) -> dict[str, Any]:
        """Bill what was generated (`units`) once, keep the generation's record, and return `usage`."""
        if self.usage is not None:
            return self.usage
        tokens = self.tokens(units)
        charged = bill(self.model, tokens, byok=self.byok)
        native = None if finish is None else self.native_for(finish)
        record = generation_record(
            self.head,
            str(self.model["id"]),
            tokens,
            charged,
            streamed=streamed,
            cancelled=cancelled,
            finish=finish,
            native_finish=native,
        )
        sim.bill(self.account, charged.cost, record)
        self.usage = usage_object(tokens, charged, omit_cost=bool(self.fault and self.fault.omit_cost))
        return self.usage

    def native_for(self, finish: str) -> str:
        if finish == "error":
            return self.fault.error_native if self.fault else "error"
        return native_finish(self.author, finish)

    def error_object(self) -> dict[str, Any]:
        """The error a scripted mid-reply failure reports (integer code, typed metadata)."""
        fault = self.fault
        code = fault.error_code if fault else 502
        return {
            "code": code,
            "message": fault.error_message if fault else "Upstream error",
            "metadata": {
                "error_type": "timeout" if code in (408, 504) else "provider_unavailable",
                "provider_name": self.head["provider"],
            },
        }

    # -- parts of a message, as both deliveries send them ------------------------------------

    def encrypted_reasoning(self) -> dict[str, Any]:
        seed = str(self.head["id"])
        return {
            "type": "reasoning.encrypted",
            "data": "gAAAAAB" + token_id(seed + "/blob", 160),
            "id": "rs_" + token_id(seed + "/rs", 48).lower(),
            "format": self.plan.reasoning_format,
            "index": 0,
        }

    def reasoning_details(self, text: str, *, last: bool) -> list[dict[str, Any]]:
        """The `reasoning_details` that carry `text` (the whole thought, or one streamed piece)."""
        style, fmt = self.plan.reasoning_style, self.plan.reasoning_format
        if style == "summary":
            return [{"type": "reasoning.summary", "summary": text, "format": fmt, "index": 0}]
        detail: dict[str, Any] = {"type": "reasoning.text", "text": text, "format": fmt, "index": 0}
        if last and self.author == "anthropic":
            detail["signature"] = "Eq" + token_id(str(self.head["id"]) + "/sig", 86) + "=="
        return [detail]

    def tool_call(self, call: int, arguments: str) -> dict[str, Any]:
        planned = self.plan.calls[call]
        return {
            "index": call,
            "id": planned.id,
            "type": "function",
            "function": {"name": planned.name, "arguments": arguments},
        }

    def message(self, units: list[Unit]) -> dict[str, Any]:
        """The whole answer's `message` for the units generated."""
        plan = self.plan
        thought = "".join(u.text for u in units if u.kind == "reasoning")
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(u.text for u in units if u.kind == "content"),
            "refusal": None,
            "reasoning": thought if thought and plan.reasoning_shown and plan.reasoning_style != "encrypted" else None,
        }
        if thought and plan.reasoning_shown:
            details = [] if plan.reasoning_style == "encrypted" else self.reasoning_details(thought, last=True)
            if plan.reasoning_style in ("summary", "encrypted"):
                details.append(self.encrypted_reasoning())
            message["reasoning_details"] = details
        calls = sorted({u.call for u in units if u.kind == "tool"})
        if calls:
            message["tool_calls"] = [
                self.tool_call(c, "".join(u.text for u in units if u.kind == "args" and u.call == c)) for c in calls
            ]
        if any(u.kind == "annotations" for u in units):
            message["annotations"] = plan.annotations
        if any(u.kind == "images" for u in units):
            message["images"] = plan.images
        return message
