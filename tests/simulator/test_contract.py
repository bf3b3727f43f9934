"""Contract: for every recorded capture, the simulator's payload in the same scenario has the same keys with
the same value types (it may add keys), recursively — so the simulator cannot drift from the real shapes.

Each capture is mapped by hand to a scenario: the request (model, parameters, key), the fault if
one is needed, and the part of the answer the capture holds. A capture without a scenario fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import CAPTURES, FAKE_KEY, SIM_BASE_URL
from .wire import Wire

pytestmark = pytest.mark.anyio
HELLO = [{"role": "user", "content": "Hello! Please introduce yourself in one sentence."}]
LONG = "Distributed systems trade consistency against availability when the network partitions. " * 60
TOOL = {
    "type": "function",
    "function": {
        "name": "divide",
        "parameters": {
            "type": "object",
            "properties": {"numerator": {"type": "number"}, "denominator": {"type": "number"}},
        },
    },
}


def marked(text: str, role: str) -> dict[str, Any]:
    return {"role": role, "content": [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]}


@dataclass(frozen=True)
class Scenario:
    """A request to the simulator, what it needs first, and the part of the answer a capture holds."""

    path: str = "chat/completions"
    body: dict[str, Any] | None = None  # POSTed when given, else a GET
    fault: str | None = None
    key: str | None = FAKE_KEY
    before: list[dict[str, Any]] = field(default_factory=list)  # requests sent first (e.g. to fill a cache)
    pick: Callable[[Any], Any] = lambda answer: answer


def chat(model: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": HELLO, **extra}


def model_entry(model_id: str) -> Callable[[Any], Any]:
    return lambda answer: next(m for m in answer["data"] if m["id"] == model_id)


SCENARIOS: dict[str, Scenario] = {
    "chat-nonstream__pydantic-ai__claude-sonnet-4-5__2026-05-26__bedrock-end_turn.json": Scenario(
        body=chat("anthropic/claude-sonnet-4-5", tool_choice="auto")
    ),
    "chat-nonstream__pydantic-ai__claude-sonnet-4.6__2026-03-08__cache-read-write.json": Scenario(
        before=[chat("anthropic/claude-sonnet-4.6", messages=[marked(LONG, "system"), *HELLO])],
        body=chat(
            "anthropic/claude-sonnet-4.6",
            messages=[marked(LONG, "system"), marked(LONG, "user")],
            max_completion_tokens=100,
            provider={"allow_fallbacks": False, "order": ["anthropic"]},
        ),
    ),
    "chat-nonstream__pydantic-ai__deepseek-chat__2026-08-14__web-annotations.json": Scenario(
        body=chat("deepseek/deepseek-chat", plugins=[{"id": "web"}])
    ),
    "chat-nonstream__pydantic-ai__gemini-2.5-flash__2025-12-03__byok-tool-calls.json": Scenario(
        key="sk-or-v1-byok-google", body=chat("google/gemini-2.5-flash", tools=[TOOL], tool_choice="required")
    ),
    "chat-nonstream__pydantic-ai__gemini-2.5-flash__2026-03-08__length-MAX_TOKENS.json": Scenario(
        body=chat("google/gemini-2.5-flash", max_completion_tokens=5)
    ),
    "chat-nonstream__pydantic-ai__gpt-4o-mini__2026-07-24__server-tool.json": Scenario(
        body=chat("openai/gpt-4o-mini", plugins=[{"id": "web"}])
    ),
    "chat-nonstream__pydantic-ai__gpt-5-mini__2025-11-10__no-cost.json": Scenario(
        body=chat("openai/gpt-5-mini"), fault="no_cost"
    ),
    "chat-nonstream__pydantic-ai__gpt-5-mini__2025-11-10__usage-include.json": Scenario(
        body=chat("openai/gpt-5-mini", usage={"include": True})
    ),
    "chat-nonstream__pydantic-ai__mistral-small__2025-11-02__tool-calls.json": Scenario(
        body=chat("mistralai/mistral-small", tools=[TOOL], tool_choice="auto"), fault="no_cost"
    ),
    "chat-stream__pydantic-ai__claude-sonnet-4.6__2026-03-08__usage-empty-choices.sse": Scenario(
        body=chat("anthropic/claude-sonnet-4.6", stream=True, stream_options={"include_usage": True})
    ),
    "chat-stream__pydantic-ai__gpt-4.1-mini__2026-08-11__usage-repeats-finish.sse": Scenario(
        body=chat("openai/gpt-4.1-mini", stream=True, plugins=[{"id": "web"}])
    ),
    "chat-stream__pydantic-ai__gpt-4o-mini__2026-07-24__keepalives-usage-repeats-finish.sse": Scenario(
        body=chat("openai/gpt-4o-mini", stream=True, plugins=[{"id": "web"}])
    ),
    "chat-stream__pydantic-ai__o3__2025-11-03__usage-dummy-choice.sse": Scenario(
        body=chat("openai/o3", stream=True, stream_options={"include_usage": True})
    ),
    "error-400-upstream__issues__provider-returned-error__2026-06-01.json": Scenario(
        body=chat("moonshotai/kimi-k2"), fault="provider_400"
    ),
    "error-400__issues__not-a-valid-model-id__2026-03-19.json": Scenario(body=chat("minimax-m2.5:free")),
    "error-401__code-quotes__user-not-found__2026.json": Scenario(body=chat("openai/gpt-4o"), key="not-a-key"),
    "error-401__issues__no-auth-credentials__2025-07-17.json": Scenario(body=chat("openai/gpt-4o"), key=None),
    "error-401__issues__no-cookie-auth-credentials__2025-12-03.json": Scenario(body=chat("openai/gpt-4o"), key=None),
    "error-402__issues__requires-more-credits__2026-04-13.json": Scenario(
        body=chat("anthropic/claude-opus-4.1", max_tokens=150_000)
    ),
    "error-404__issues__no-endpoints-capability__2025-08-13.json": Scenario(
        body=chat("deepseek/deepseek-r1", tools=[TOOL], tool_choice="required")
    ),
    "error-404__issues__no-endpoints-found__2025-11-21.json": Scenario(body=chat("deepseek/deepseek-chat-v3.1:free")),
    "error-429-openrouter__code-quotes__limit-rpm__2026-07-08.json": Scenario(
        body=chat("qwen/qwen3-coder:free"), fault="rate_limit", pick=lambda answer: answer["error"]
    ),
    "error-429-upstream__pydantic-ai__gemini-2.0-flash-exp-free__2025.json": Scenario(
        body=chat("google/gemma-3-27b-it:free"), fault="provider_429"
    ),
    "key__issues__simonw-llm-openrouter-24__2025-03-10.json": Scenario(path="auth/key", pick=lambda a: a["data"]),
    "models-entry__code-quote__qwen3-8b__2026-09-08.json": Scenario(path="models", pick=model_entry("qwen/qwen3-8b")),
    "models-list__llm-openrouter__2026-08-04.json": Scenario(path="models"),
}

CAPTURE_FILES = sorted(p.name for p in CAPTURES.iterdir() if p.suffix in {".json", ".sse"})


def mismatches(real: Any, simulated: Any, where: str = "$") -> list[str]:
    """Where `simulated` lacks a key of `real` or holds another type (a null in `real` allows anything)."""
    if real is None:
        return []
    if not _same_type(real, simulated):
        return [f"{where}: {type(real).__name__} in the capture, {type(simulated).__name__} simulated"]
    if isinstance(real, dict):
        found: list[str] = []
        for key, value in real.items():
            found += (
                mismatches(value, simulated[key], f"{where}.{key}") if key in simulated else [f"{where}.{key}: missing"]
            )
        return found
    if isinstance(real, list) and real:
        return _list_mismatches(real, simulated, where)
    return []


def _same_type(real: Any, simulated: Any) -> bool:
    if isinstance(real, bool) or isinstance(simulated, bool):
        return isinstance(real, bool) and isinstance(simulated, bool)
    if isinstance(real, (int, float)):
        return isinstance(simulated, (int, float))
    return isinstance(simulated, type(real))


def _list_mismatches(real: list[Any], simulated: list[Any], where: str) -> list[str]:
    """Each recorded element must have a simulated counterpart of the same shape."""
    if not simulated:
        return [f"{where}: a non-empty list in the capture, empty simulated"]
    found: list[str] = []
    for index, item in enumerate(real):
        attempts: list[list[str]] = [mismatches(item, other, f"{where}[{index}]") for other in simulated]
        if all(attempts):
            found += sorted(attempts, key=len)[0]  # the closest element's differences
    return found


def chunk_kind(chunk: dict[str, Any]) -> str:
    """What a stream chunk is, so each recorded chunk meets simulated ones of its kind."""
    if "usage" in chunk:
        return "usage"
    if "error" in chunk:
        return "error"
    if not chunk.get("choices"):
        return "no choices"
    choice = chunk["choices"][0]
    delta = choice.get("delta") or {}
    if choice.get("finish_reason"):
        return "finish"
    if delta.get("reasoning_details"):
        return "reasoning " + ",".join(sorted(d.get("type", "") for d in delta["reasoning_details"]))
    if delta.get("tool_calls"):
        return "tool call"
    return "content" if delta.get("content") else "empty delta"


def stream_mismatches(real: Wire, simulated: Wire) -> list[str]:
    found: list[str] = []
    if real.comments and not simulated.comments:
        found.append("no keep-alive comments")
    if real.events[-1] == "[DONE]" and simulated.events[-1] != "[DONE]":
        found.append("no [DONE] at the end")
    kinds = [chunk_kind(c) for c in simulated.chunks]
    for index, chunk in enumerate(real.chunks):
        kind = chunk_kind(chunk)
        same_kind = [c for c, k in zip(simulated.chunks, kinds, strict=True) if k == kind]
        if not same_kind:
            found.append(f"chunk {index}: no simulated chunk is {kind!r}")
        for other in same_kind:
            found += mismatches(chunk, other, f"chunk {index} ({kind})")
    order = [k for i, k in enumerate(map(chunk_kind, real.chunks)) if i == 0 or chunk_kind(real.chunks[i - 1]) != k]
    remaining = iter(kinds)
    if not all(kind in remaining for kind in order):
        found.append(f"chunks come in another order: {order} recorded, {kinds} simulated")
    return sorted(set(found))


async def answer_of(simulator: Simulator, scenario: Scenario) -> Any:
    headers = {"Authorization": f"Bearer {scenario.key}"} if scenario.key else {}
    transport = httpx.ASGITransport(app=simulator.app)
    async with httpx.AsyncClient(transport=transport, base_url=SIM_BASE_URL + "/", headers=headers) as http:
        for body in scenario.before:
            assert (await http.post(scenario.path, json=body)).status_code == 200
        if scenario.fault:
            simulator.add_fault(scenario.fault)
        if scenario.body is None:
            response = await http.get(scenario.path)
        else:
            response = await http.post(scenario.path, json=scenario.body)
    if response.headers["content-type"].startswith("text/event-stream"):
        return Wire.parse(response.text)
    return scenario.pick(response.json())


def test_every_capture_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(CAPTURE_FILES)


@pytest.mark.parametrize("name", CAPTURE_FILES)
async def test_the_simulated_payload_has_the_shape_of_the_capture(name: str, simulator: Simulator) -> None:
    recorded = (CAPTURES / name).read_text(encoding="utf-8")
    simulated = await answer_of(simulator, SCENARIOS[name])
    if name.endswith(".sse"):
        assert isinstance(simulated, Wire), f"{name}: the simulator did not stream"
        assert stream_mismatches(Wire.parse(recorded), simulated) == []
    elif name.startswith("models-list"):
        real = json.loads(recorded)
        assert mismatches({k: v for k, v in real.items() if k != "data"}, simulated) == []
        for entry in real["data"]:
            assert mismatches(entry, model_entry(entry["id"])(simulated), entry["id"]) == []
    else:
        assert mismatches(json.loads(recorded), simulated) == []


def test_the_comparison_notices_a_missing_key_a_wrong_type_and_a_missing_element_shape() -> None:
    real = {"usage": {"cost": 0.1, "details": [{"a": 1}, {"b": "x"}]}, "model": "m", "refusal": None}
    assert mismatches(real, {**real, "extra": 1}) == []
    assert mismatches(real, {"usage": {"cost": "0.1", "details": [{"a": 2, "b": "y"}]}, "model": "m"}) == [
        "$.usage.cost: float in the capture, str simulated",
        "$.refusal: missing",
    ]
    assert mismatches(real, {**real, "usage": {"cost": 1, "details": [{"a": 1}]}}) == ["$.usage.details[1].b: missing"]
    assert mismatches({"flag": False}, {"flag": 0}) == ["$.flag: bool in the capture, int simulated"]
