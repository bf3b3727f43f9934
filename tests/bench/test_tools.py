"""benchmark_models and ask_panel through the MCP client, in process: schemas, progress, reports as
resources, background jobs, and the usage ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp.types import TextResourceContents

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from ..helpers import make_settings, structured_of, text_of
from ..jobs.gate import Gate
from ..usage.ledger_rows import rows_in
from .helpers import FAST, OTHER, chat_bodies

pytestmark = pytest.mark.anyio

BENCH = {"models": [FAST, OTHER], "prompt": "Say hi", "runs": 2}


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured_of(result)


async def read(client: Client, uri: str) -> str:
    contents = (await client.read_resource(uri)).contents
    assert isinstance(contents[0], TextResourceContents)
    return contents[0].text


async def test_the_comparison_tools_fit_their_context_allowance(client: Client) -> None:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    # ask_panel's: what it took before max_cost_usd and background (its description paid for them).
    for name, allowance in (("benchmark_models", 650), ("ask_panel", 449)):
        tool = tools[name]
        read_by_model = json.dumps(
            {"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema}
        )
        assert len(read_by_model.encode()) <= allowance, (name, len(read_by_model.encode()))
        assert set(tool.input_schema["required"]) == {"models", "prompt"}
        assert tool.annotations is not None and tool.annotations.read_only_hint is False
    for name in ("benchmark_models", "ask_panel"):
        assert {"max_cost_usd", "background"} <= set(tools[name].input_schema["properties"])
    output = tools["benchmark_models"].output_schema
    assert output is not None and {"models", "rankings", "runs", "total_cost_usd"} <= set(output["properties"])


async def test_benchmark_models_reports_each_run_and_answers_with_a_table_rankings_and_every_figure(
    client: Client,
) -> None:
    heard: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, total, message))

    result = await client.call_tool("benchmark_models", BENCH, progress_callback=on_progress)
    assert not result.is_error, text_of(result)
    assert [(progress, total) for progress, total, _ in heard] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(message and " runs done: " in message and message.endswith(" s") for _, _, message in heard)
    report = structured_of(result)
    assert [m["model"] for m in report["models"]] == [FAST, OTHER]
    assert all(m["succeeded"] == 2 and m["first_token_s"]["median"] >= 0 for m in report["models"])
    assert len(report["runs"]) == 4 and report["total_cost_usd"] > 0
    assert {r["model"] for r in report["rankings"]["cheapest"]} == {FAST, OTHER}
    text = text_of(result)
    assert "| model | ok | first token s | total s | tokens/s | cost/run | out tokens |" in text
    assert "## Rankings" in text and "## Answers (first lines)" in text and "saved" not in report


async def test_the_faqs_call_works_and_its_made_up_model_id_gets_the_closest_real_ones(
    client: Client, simulator: Simulator
) -> None:
    faq = {"models": ["openai/gpt-4", "anthropic/claude-3-haiku"], "prompt": "Your prompt here", "delay_seconds": 2.0}
    report = await call(client, "benchmark_models", faq)
    assert report["delay_seconds"] == 2.0 and [m["succeeded"] for m in report["models"]] == [1, 1]
    literal = await client.call_tool(
        "benchmark_models", {"models": ["openai/gpt-4", "anthropic/claude-3"], "prompt": "Your prompt here"}
    )
    assert literal.is_error and "'anthropic/claude-3' (did you mean anthropic/claude-3" in text_of(literal)
    assert len(chat_bodies(simulator)) == 2  # the refused call sent nothing


async def test_a_saved_report_is_listed_as_a_resource_and_each_report_is_its_own(
    client: Client, settings: Settings
) -> None:
    report = await call(client, "benchmark_models", {**BENCH, "save_report": "Mini vs. nano"})
    saved = report["saved"]
    assert saved["name"].endswith("-Mini-vs-nano") and saved["uri"] == f"openrouter://reports/{saved['name']}"
    assert Path(saved["directory"]).parent == settings.resolved_reports_dir
    listed = json.loads(await read(client, "openrouter://reports"))["reports"]
    assert [(entry["name"], entry["models"]) for entry in listed] == [(saved["name"], [FAST, OTHER])]
    markdown = await read(client, saved["uri"])
    assert markdown.startswith("# Benchmark of 2 models") and saved["uri"] in markdown
    templates = (await client.list_resource_templates()).resource_templates
    assert "openrouter://reports/{name}" in [t.uri_template for t in templates]
    for wrong in ("openrouter://reports/..%2F..%2Fusage", "openrouter://reports/nothing-here"):
        with pytest.raises(MCPError):
            await client.read_resource(wrong)


async def test_a_report_name_that_is_a_path_is_refused_before_anything_is_sent(
    client: Client, simulator: Simulator, settings: Settings
) -> None:
    result = await client.call_tool("benchmark_models", {**BENCH, "save_report": "../../.ssh/authorized_keys"})
    assert result.is_error and "is a path; give a plain name" in text_of(result)
    assert chat_bodies(simulator) == [] and not settings.resolved_reports_dir.exists()


async def test_a_background_benchmark_answers_with_a_job_whose_result_is_the_report_saved_on_disk(
    client: Client,
) -> None:
    started = await call(client, "benchmark_models", {**BENCH, "background": True})
    assert started["status"] in {"queued", "running"} and started["job_id"].startswith("job_")
    with anyio.fail_after(10):
        done = await call(client, "get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
    assert done["status"] == "done" and done["text"].startswith("# Benchmark of 2 models")
    assert done["result"]["model"] == "benchmark_models" and done["result"]["cost_usd"] > 0
    listed = json.loads(await read(client, "openrouter://reports"))["reports"]
    assert len(listed) == 1 and listed[0]["uri"] in done["text"]


async def test_a_benchmark_past_the_foreground_timeout_becomes_a_job_and_its_report_is_kept(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    settings = make_settings(tmp_path, foreground_timeout_seconds=0.05)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=gate.wrap(simulator.app)))) as client:
        with anyio.fail_after(5):
            answer = await call(client, "benchmark_models", BENCH)
        assert answer["status"] == "running" and "still running after 0.05 s" in answer["note"]
        gate.opened.set()
        with anyio.fail_after(10):
            done = await call(client, "get_job_result", {"job_id": answer["job_id"], "wait_seconds": 30})
        assert done["status"] == "done" and "| openai/gpt-4o-mini | 2/2 |" in done["text"]
        assert len(json.loads(await read(client, "openrouter://reports"))["reports"]) == 1


async def test_cancel_job_stops_a_background_benchmark(tmp_path: Path, simulator: Simulator) -> None:
    gate = Gate()
    transport = httpx.ASGITransport(app=gate.wrap(simulator.app))
    async with Client(create_server(make_settings(tmp_path), transport=transport)) as client:
        started = await call(client, "benchmark_models", {**BENCH, "background": True})
        await gate.arrived.wait()
        with anyio.fail_after(5):
            cancelled = await call(client, "cancel_job", {"job_id": started["job_id"]})
        assert cancelled["status"] == "cancelled"
        assert json.loads(await read(client, "openrouter://reports"))["reports"] == []


async def test_every_request_is_in_the_usage_ledger_under_the_tool_that_made_it(
    client: Client, settings: Settings
) -> None:
    await call(client, "benchmark_models", BENCH)
    await call(client, "ask_panel", {"models": [FAST, OTHER], "prompt": "hi", "judge_model": "openai/gpt-4o"})
    tools = [row.tool for row in rows_in(settings.usage_file)]
    assert tools == ["benchmark_models"] * 4 + ["ask_panel"] * 3


async def test_without_a_key_the_tools_say_where_to_set_it_and_send_nothing(
    tmp_path: Path, simulator: Simulator
) -> None:
    settings = make_settings(tmp_path, api_key=None)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        for tool, arguments in (("benchmark_models", BENCH), ("ask_panel", {"models": [FAST, OTHER], "prompt": "hi"})):
            result = await client.call_tool(tool, arguments)
            assert result.is_error and "OPENROUTER_API_KEY" in text_of(result)
    assert chat_bodies(simulator) == []
