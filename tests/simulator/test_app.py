"""The simulator serves the shapes of the real API (checked against the captures' traits)."""

from __future__ import annotations

import httpx
import pytest

from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, FakeClock
from .wire import AUTH, Wire

pytestmark = pytest.mark.anyio


def test_the_catalogue_is_large_varied_and_deterministic() -> None:
    models = Simulator().models
    assert models == Simulator().models
    assert len(models) >= 300
    assert len({m["id"].split("/")[0] for m in models}) >= 40
    ids = [m["id"] for m in models]
    assert len(ids) == len(set(ids))
    by_id = {m["id"]: m for m in models}
    assert by_id["openrouter/auto"]["pricing"] == {"prompt": "-1", "completion": "-1"}
    assert by_id["qwen/qwen3-8b:free"]["pricing"] == {}  # zero prices are left out
    assert isinstance(by_id["anthropic/claude-sonnet-4.6"]["pricing"]["overrides"], list)
    assert by_id["anthropic/claude-sonnet-4.6"]["canonical_slug"] == "anthropic/claude-4.6-sonnet-20260217"
    assert by_id["openai/gpt-4.1-mini"]["canonical_slug"] == "openai/gpt-4.1-mini-2025-04-14"
    assert by_id["openai/gpt-4o"]["canonical_slug"] == "openai/gpt-4o"
    assert by_id["anthropic/claude-sonnet-4.6"]["links"]["details"].endswith("/claude-4.6-sonnet-20260217/endpoints")
    assert sum("image" in m["architecture"]["input_modalities"] for m in models) >= 30
    assert any("image" in m["architecture"]["output_modalities"] for m in models)
    assert all(isinstance(v, str) for m in models for k, v in m["pricing"].items() if k != "overrides")


async def test_models_filter_by_output_modality_and_parameter(http: httpx.AsyncClient, simulator: Simulator) -> None:
    everything = (await http.get("models", params={"output_modalities": "all"})).json()
    assert everything["total_count"] == len(simulator.models) and everything["links"] == {"next": None}
    images = (await http.get("models", params={"output_modalities": "image"})).json()["data"]
    assert images and all("image" in m["architecture"]["output_modalities"] for m in images)
    tools = (await http.get("models", params={"supported_parameters": "tools"})).json()["data"]
    assert tools and all("tools" in m["supported_parameters"] for m in tools)


async def test_endpoints_list_providers_with_prices_and_quantization(http: httpx.AsyncClient) -> None:
    data = (await http.get("models/anthropic/claude-sonnet-4.6/endpoints")).json()["data"]
    assert data["id"] == "anthropic/claude-sonnet-4.6"
    endpoint = data["endpoints"][0]
    assert {"provider_name", "context_length", "pricing", "quantization", "uptime_last_30m"} <= set(endpoint)
    assert (await http.get("models/acme/none/endpoints")).status_code == 404


@pytest.mark.parametrize(
    ("model", "shape"),
    [
        ("anthropic/claude-haiku-4.5", "empty-choices"),
        ("openai/gpt-4o-mini", "repeats-finish"),
        ("google/gemini-2.5-flash", "dummy-choice"),
    ],
)
async def test_streams_end_with_each_observed_usage_chunk_shape(
    http: httpx.AsyncClient, model: str, shape: str
) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    response = await http.post("chat/completions", json=body, headers=AUTH)
    assert response.headers["content-type"].startswith("text/event-stream")
    wire = Wire.parse(response.text)
    assert wire.events[0] == ": OPENROUTER PROCESSING" and wire.events[-1] == "[DONE]"
    usage_chunk = wire.chunks[-1]
    assert "usage" in usage_chunk
    choices = usage_chunk["choices"]
    if shape == "empty-choices":
        assert choices == []
    elif shape == "repeats-finish":
        assert choices[0]["finish_reason"] == "stop"
    else:
        assert choices[0]["finish_reason"] is None and choices[0]["delta"]["content"] == ""
    assert all(c["choices"][0]["delta"]["role"] == "assistant" for c in wire.chunks if c["choices"])


async def test_native_finish_reasons_use_the_providers_own_words(http: httpx.AsyncClient) -> None:
    body = {"model": "google/gemini-2.5-flash", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 3}
    choice = (await http.post("chat/completions", json=body, headers=AUTH)).json()["choices"][0]
    assert choice["finish_reason"] == "length" and choice["native_finish_reason"] == "MAX_TOKENS"


async def test_replies_describe_what_was_received(http: httpx.AsyncClient) -> None:
    body = {
        "model": "openai/gpt-4o",
        "messages": [
            {"role": "system", "content": "be brief"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA=="}},
                ],
            },
        ],
        "temperature": 0.2,
    }
    text = (await http.post("chat/completions", json=body, headers=AUTH)).json()["choices"][0]["message"]["content"]
    assert "Received 2 messages (roles: system, user; parts: image_url×1, text×2)" in text
    assert "parameters: temperature" in text and 'You said: "what is this"' in text


async def test_the_key_reflects_the_calls_made(http: httpx.AsyncClient) -> None:
    before = (await http.get("key", headers=AUTH)).json()["data"]
    body = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    reply = (await http.post("chat/completions", json=body, headers=AUTH)).json()
    key = (await http.get("key", headers=AUTH)).json()["data"]
    assert key["usage"] == pytest.approx(before["usage"] + reply["usage"]["cost"])
    assert key["usage_daily"] == pytest.approx(before["usage_daily"] + reply["usage"]["cost"])
    assert key["label"].startswith("sk-or-v1-tes") and FAKE_KEY not in key["label"]


async def test_missing_and_unknown_keys_get_the_real_401_messages(http: httpx.AsyncClient) -> None:
    body = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    missing = await http.post("chat/completions", json=body)
    assert missing.status_code == 401 and missing.json() == {
        "error": {"message": "No cookie auth credentials found", "code": 401}
    }
    wrong = await http.post("chat/completions", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.json()["error"]["message"] == "User not found."


async def test_faults_can_be_scripted_and_events_read_over_http(http: httpx.AsyncClient) -> None:
    await http.post("_sim/faults", json={"name": "unavailable", "times": 1})
    body = {"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
    assert (await http.post("chat/completions", json=body, headers=AUTH)).status_code == 503
    assert (await http.post("chat/completions", json=body, headers=AUTH)).status_code == 200
    events = (await http.get("_sim/events", params={"kind": "request"})).json()["events"]
    assert len(events) == 2 and events[0]["body"] == body
    assert events[0]["at"] <= events[1]["at"]  # the simulator's monotonic clock when each was logged
    await http.post("_sim/reset")
    assert (await http.get("_sim/events")).json()["events"] == []


async def test_events_are_stamped_with_the_simulators_monotonic_clock() -> None:
    monotonic = FakeClock(100.0)
    simulator = Simulator(monotonic=monotonic)
    simulator.log("request", "/models")
    monotonic.now = 100.25
    simulator.log("stream_cancelled", "/chat/completions", tokens=3)
    assert [e.at for e in simulator.events_of()] == [100.0, 100.25]
