"""End to end: the real `openrouter-mcp` process over stdio, the official MCP client,
and the simulator on a loopback port."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextContent

from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import FAKE_KEY, structured_of

pytestmark = pytest.mark.anyio


def server_command() -> tuple[str, list[str]]:
    """The installed console script, as an MCP client launches it (else `python -m`)."""
    script = Path(sys.executable).with_name("openrouter-mcp")
    if script.is_file():
        return str(script), []
    found = shutil.which("openrouter-mcp")
    return (found, []) if found else (sys.executable, ["-m", "mcp_server_openrouter"])


def server_env(base_url: str, tmp_path: Path, key: str | None = FAKE_KEY) -> dict[str, str]:
    env = {
        "OPENROUTER_BASE_URL": base_url,
        "OPENROUTER_MCP_PROGRESS_INTERVAL": "0",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    if key is not None:
        env["OPENROUTER_API_KEY"] = key
    return env


def initialize_request(client_name: str) -> dict[str, Any]:
    """The first JSON-RPC message of a hand-written client."""
    return {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": client_name, "version": "0"},
        },
    }


@pytest.fixture
async def session(loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO) -> AsyncIterator[Client]:
    command, args = server_command()
    params = StdioServerParameters(command=command, args=args, env=server_env(loopback[1], tmp_path), cwd=tmp_path)
    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        yield client


async def test_a_client_lists_the_tools_and_chats_over_stdio(
    session: Client, loopback: tuple[Simulator, str], stderr_log: TextIO
) -> None:
    names = {t.name for t in (await session.list_tools()).tools}
    assert {"chat_with_model", "list_available_models"} <= names
    assert loopback[0].events == []  # start-up and tools/list touched no network
    result = await session.call_tool("chat_with_model", {"model": "mistralai/mistral-small", "messages": "Bonjour"})
    assert not result.is_error
    assert structured_of(result)["text"].startswith("[simulated mistralai/mistral-small]")
    assert structured_of(result)["cost_usd"] > 0
    stderr_log.seek(0)
    assert FAKE_KEY not in stderr_log.read()


async def test_streaming_over_stdio_sends_progress_notifications_ending_at_the_exact_token_count(
    session: Client,
) -> None:
    values: list[float] = []
    totals: list[float | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        values.append(progress)
        totals.append(total)

    result = await session.call_tool(
        "chat_with_model",
        {"model": "google/gemini-2.5-flash", "messages": "Stream please", "stream": True, "max_tokens": 500},
        progress_callback=on_progress,
    )
    assert not result.is_error
    tokens = structured_of(result)["usage"]["completion_tokens"]
    assert len(values) >= 2 and values == sorted(set(values))  # strictly increasing
    assert values[-1] == tokens  # the last one is the exact count from the usage chunk
    assert set(totals) == {500}  # max_tokens is the total, so clients can draw a bar


async def test_cancelling_a_streamed_call_closes_the_upstream_request(
    session: Client, loopback: tuple[Simulator, str]
) -> None:
    simulator, _ = loopback
    simulator.add_fault(Fault(token_delay=0.5))  # ~15 s of tokens: far longer than the test
    first_token = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if progress >= 1:
            first_token.set()

    async with anyio.create_task_group() as group:

        async def call() -> None:
            await session.call_tool(
                "chat_with_model",
                {"model": "openai/gpt-4o", "messages": "a long story", "stream": True},
                progress_callback=on_progress,
            )

        group.start_soon(call)
        with anyio.fail_after(20):
            await first_token.wait()
        group.cancel_scope.cancel()

    event = await anyio.to_thread.run_sync(simulator.wait_for_event, "stream_cancelled", 20.0)
    assert event is not None, "the simulator never saw the stream closed"
    assert 1 <= event.detail["tokens"] < 10
    assert simulator.events_of("stream_completed") == []
    # The session is still usable after the cancellation.
    assert (await session.list_tools()).tools


async def test_errors_reach_the_client_as_tool_errors_over_stdio(
    session: Client, loopback: tuple[Simulator, str]
) -> None:
    result = await session.call_tool("chat_with_model", {"model": "anthropic/claude-sonet-4.6", "messages": "hi"})
    assert result.is_error
    first = result.content[0]
    assert isinstance(first, TextContent) and "Did you mean: anthropic/claude-sonnet-4.6" in first.text
    simulator = loopback[0]
    simulator.add_fault("unavailable", times=None, path="/models")  # OpenRouter's catalogue is down
    fetches_before = len([e for e in simulator.events_of("request") if e.path == "/models"])
    result = await session.call_tool("list_available_models", {"provider": "openai", "refresh": True})
    assert not result.is_error  # answered from the copy fetched earlier in the session...
    first = result.content[0]
    assert isinstance(first, TextContent) and "could not be refreshed" in first.text  # ...and it says so
    assert isinstance(result.structured_content, dict) and result.structured_content["stale_reason"]
    # The refresh did go to the failing catalogue (with its retries) before falling back.
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) > fetches_before


async def test_the_server_starts_without_a_key_and_says_how_to_set_one(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    command, args = server_command()
    params = StdioServerParameters(
        command=command, args=args, env=server_env(loopback[1], tmp_path, key=None), cwd=tmp_path
    )
    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        assert (await client.list_tools()).tools
        result = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
    first = result.content[0]
    assert result.is_error and isinstance(first, TextContent) and "OPENROUTER_API_KEY" in first.text
    assert loopback[0].events_of("request") == []  # nothing was sent, and nothing at start-up


async def test_stdout_carries_nothing_but_json_rpc_for_a_whole_session(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    command, args = server_command()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **server_env(loopback[1], tmp_path)}
    env["OPENROUTER_MCP_LOG_LEVEL"] = "DEBUG"  # as noisy as it gets: logs must still stay off stdout
    requests = [
        initialize_request("raw-test"),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {
                "name": "chat_with_model",
                "_meta": {"progressToken": "p1"},
                "arguments": {"model": "openai/gpt-4o-mini", "messages": "hi", "stream": True},
            },
        },
        {
            "jsonrpc": "2.0",
            "id": 4,
            "method": "tools/call",
            "params": {"name": "chat_with_model", "arguments": {"model": "nope/nothing", "messages": "hi"}},
        },
        {
            "jsonrpc": "2.0",
            "id": 5,
            "method": "tools/call",
            "params": {"name": "list_available_models", "arguments": {"provider": "qwen"}},
        },
    ]
    answered: set[int] = set()
    lines: list[str] = []
    async with await anyio.open_process([command, *args], env=env, cwd=tmp_path) as process:
        assert process.stdin is not None and process.stdout is not None
        for request in requests:
            await process.stdin.send((json.dumps(request) + "\n").encode())
        buffer = b""
        with anyio.fail_after(30):
            while answered != {1, 2, 3, 4, 5}:
                buffer += await process.stdout.receive()
                *complete, buffer = buffer.split(b"\n")
                for raw in complete:
                    lines.append(raw.decode())
                    message = json.loads(raw)  # every line must be JSON...
                    assert message["jsonrpc"] == "2.0"  # ...and JSON-RPC
                    if "id" in message and "result" in message:
                        answered.add(message["id"])
        await process.stdin.aclose()
        assert process.stderr is not None
        with anyio.fail_after(20):  # the server exits once stdin closes: read its whole stderr
            chunks = [chunk async for chunk in process.stderr]
        stderr = b"".join(chunks).decode()
    assert any('"notifications/progress"' in line for line in lines)
    assert buffer == b""
    assert "DEBUG" in stderr  # the logs went somewhere: to stderr
    assert FAKE_KEY not in stderr and FAKE_KEY not in "".join(lines)


async def test_the_catalogue_tools_work_over_stdio(session: Client) -> None:
    result = await session.call_tool(
        "list_available_models", {"supports": ["tools", "reasoning"], "min_context": 100000, "sort": "newest"}
    )
    assert not result.is_error
    data = structured_of(result)
    assert data["catalogue_size"] >= 300 and data["total_matches"] > 0
    assert all(m["context_length"] >= 100000 for m in data["models"])
    info = await session.call_tool("get_model_info", {"model": data["models"][0]["id"]})
    assert not info.is_error and structured_of(info)["providers"]


async def test_a_restarted_server_answers_from_the_file_cache(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    command, args = server_command()
    params = StdioServerParameters(command=command, args=args, env=server_env(base_url, tmp_path), cwd=tmp_path)
    sources: list[str] = []
    for _ in range(2):
        async with Client(stdio_client(params, errlog=stderr_log)) as client:
            result = await client.call_tool("list_available_models", {"provider": "openai"})
            sources.append(structured_of(result)["source"])
    assert sources == ["network", "file"]
    assert len([e for e in simulator.events if e.path == "/models"]) == 1
    assert (tmp_path / "cache" / "openrouter-mcp" / "openrouter_model_cache.json").is_file()
