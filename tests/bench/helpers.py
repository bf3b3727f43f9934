"""Plain helpers of the comparison tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mcp_server_openrouter.bench.runner import RunOutcome
from mcp_server_openrouter.simulator import Simulator

# Non-reasoning models whose simulated streams start with a one-token chunk (OpenAI's chunk sizes).
FAST = "openai/gpt-4o-mini"
OTHER = "openai/gpt-4.1-nano"
THIRD = "mistralai/mistral-small"


def chat_bodies(simulator: Simulator) -> list[dict[str, Any]]:
    """The bodies of the chat requests the simulator received, in order."""
    return [event.detail["body"] for event in simulator.events_of("request") if event.path == "/chat/completions"]


def outcome(model: str, run: int = 1, **figures: Any) -> RunOutcome:
    """A successful run with the given figures (a failed one with `ok=False, error=…`)."""
    values: dict[str, Any] = {"model": model, "run": run, "ok": True}
    values.update(figures)
    if "cost" in values and values["cost"] is not None:
        values["cost"] = Decimal(str(values["cost"]))
    return RunOutcome(**values)
