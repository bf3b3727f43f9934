"""A chat completion the fake OpenRouter is producing, and what it costs.

`_chat` builds a `Completion` once it has accepted a request; the whole answer (in
`_chat`) and the stream (in `_chat_stream`) both deliver it and bill it through
`Completion.charge`, which also keeps the record `GET /generation` returns.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import KeyAccount, Simulator
    from mcp_server_openrouter.simulator._faults import Fault


def prices(model: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    """The model's prompt and completion price per token."""
    pricing = model.get("pricing", {})

    def one(key: str) -> Decimal:
        value = Decimal(str(pricing.get(key, "0")))
        return value if value >= 0 else Decimal("0.000001")  # routers bill the model they pick

    return one("prompt"), one("completion")


@dataclass(frozen=True)
class Completion:
    """One accepted request's answer: what it says, for whom, and the fault it plays out."""

    head: dict[str, Any]  # id, model, provider, created: how every body and chunk begins
    tokens: list[str]
    finish: str
    native_finish: str
    prompt_tokens: int
    model: Mapping[str, Any]
    account: KeyAccount
    fault: Fault | None
    author: str

    def charge(self, sim: Simulator, completion_tokens: int, *, streamed: bool, cancelled: bool) -> dict[str, Any]:
        """Bill the account, keep the generation's record, and return the `usage` to send."""
        prompt_price, completion_price = prices(self.model)
        prompt_cost = prompt_price * self.prompt_tokens
        completion_cost = completion_price * completion_tokens
        cost = prompt_cost + completion_cost
        sim.bill(
            self.account,
            cost,
            {
                "id": self.head["id"],
                "model": self.model["id"],
                "total_cost": float(cost),
                "tokens_prompt": self.prompt_tokens,
                "tokens_completion": completion_tokens,
                "native_tokens_prompt": self.prompt_tokens,
                "native_tokens_completion": completion_tokens,
                "native_tokens_reasoning": 0,
                "provider_name": self.head["provider"],
                "streamed": streamed,
                "cancelled": cancelled,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.head["created"])),
                "latency": 120,
                "generation_time": 40 * completion_tokens,
            },
        )
        # Floats, as the real API sends them (binary noise included).
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": self.prompt_tokens + completion_tokens,
            "cost": float(cost),
            "is_byok": False,
            "prompt_tokens_details": {
                "cached_tokens": 0,
                "cache_write_tokens": 0,
                "audio_tokens": 0,
                "video_tokens": 0,
            },
            "cost_details": {
                "upstream_inference_cost": float(cost),
                "upstream_inference_prompt_cost": float(prompt_cost),
                "upstream_inference_completions_cost": float(completion_cost),
            },
            "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0, "audio_tokens": 0},
        }
