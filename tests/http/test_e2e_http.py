"""End to end: `openrouter-mcp serve --http` as a process, the official client over Streamable HTTP,
and the simulator on a loopback port."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import anyio
import httpx
import pytest
from mcp.shared.exceptions import MCPError

from mcp_server_openrouter.server.http import GRACEFUL_SHUTDOWN_SECONDS
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, structured_of
from .conftest import KEY_A, KEY_B, TOKEN, http_server_process, mcp_over_http, user

pytestmark = pytest.mark.anyio

TOKEN_ENV = {"MCP_HTTP_TOKEN": TOKEN}
OTHER_SHAPE = "gsk_user-c-0123456789abcdef"


async def test_a_client_with_the_token_lists_the_tools_and_chats_over_http(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    async with (
        http_server_process(loopback[1], tmp_path, env=TOKEN_ENV) as server,
        mcp_over_http(server.url, user()) as client,
    ):
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert {"chat_with_model", "get_job_result", "list_available_models"} <= names
        result = await client.call_tool("chat_with_model", {"model": "mistralai/mistral-small", "messages": "Bonjour"})
        assert not result.is_error
        assert structured_of(result)["text"].startswith("[simulated mistralai/mistral-small]")
        assert structured_of(result)["cost_usd"] > 0
    assert FAKE_KEY not in server.log and TOKEN not in server.log


async def test_requests_without_the_token_or_with_a_wrong_one_get_401(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
    async with http_server_process(loopback[1], tmp_path, env=TOKEN_ENV) as server, httpx.AsyncClient() as http:
        missing = await http.post(server.url, json=initialize)
        wrong = await http.post(server.url, json=initialize, headers=user(token="x" * len(TOKEN)))
        not_bearer = await http.post(server.url, json=initialize, headers={"Authorization": f"Basic {TOKEN}"})
        # The official client reports the 401 as an MCP error inside its task groups.
        refused = pytest.RaisesExc(MCPError, match="error response")
        with pytest.RaisesGroup(refused, flatten_subgroups=True):
            async with mcp_over_http(server.url, user(token="wrong-token-0123456789")) as client:
                await client.list_tools()
    assert [missing.status_code, wrong.status_code, not_bearer.status_code] == [401, 401, 401]
    assert "Authorization: Bearer" in missing.json()["error"]
    assert "not this server's MCP_HTTP_TOKEN" in wrong.json()["error"]
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert loopback[0].events_of("request") == []  # nothing reached the tools


async def test_healthz_answers_without_a_token_with_the_version_and_no_secrets(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    from mcp_server_openrouter import __version__

    async with http_server_process(loopback[1], tmp_path, env=TOKEN_ENV) as server, httpx.AsyncClient() as http:
        health = await http.get(server.url.replace("/mcp", "/healthz"))
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "version": __version__}


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
async def test_a_non_loopback_address_without_a_token_refuses_to_start(
    loopback: tuple[Simulator, str], tmp_path: Path, host: str
) -> None:
    from ..test_e2e_stdio import server_command, server_env

    command, args = server_command()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **server_env(loopback[1], tmp_path)}
    with anyio.fail_after(30):
        done = await anyio.run_process(
            [command, *args, "serve", "--http", "--host", host, "--port", "0"], env=env, cwd=tmp_path, check=False
        )
    stderr = done.stderr.decode()
    assert done.returncode == 2
    assert f"refusing to serve on {host}" in stderr and "MCP_HTTP_TOKEN" in stderr
    assert "Streamable HTTP at" not in stderr  # it never listened


@pytest.mark.parametrize(("sent", "status"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
async def test_a_signal_stops_the_server_closing_a_stream_in_flight(
    loopback: tuple[Simulator, str], tmp_path: Path, sent: signal.Signals, status: int
) -> None:
    simulator, base_url = loopback
    simulator.add_fault(Fault(token_delay=0.5))  # a reply far longer than the test
    first_token = anyio.Event()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        if progress >= 1:
            first_token.set()

    async with (
        http_server_process(base_url, tmp_path, env=TOKEN_ENV) as server,
        mcp_over_http(server.url, user()) as client,
        anyio.create_task_group() as group,
    ):

        async def call() -> None:
            arguments = {"model": "openai/gpt-4o", "messages": "a long story", "stream": True}
            try:
                await client.call_tool("chat_with_model", arguments, progress_callback=on_progress)
            except Exception:  # the server went away under the call: what this test does
                return

        group.start_soon(call)
        with anyio.fail_after(20):
            await first_token.wait()
        signalled = time.monotonic()
        server.process.send_signal(sent)
        with anyio.fail_after(20):
            code = await server.process.wait()
        exited = time.monotonic()
        group.cancel_scope.cancel()
    event = await anyio.to_thread.run_sync(simulator.wait_for_event, "stream_cancelled", 20.0)
    assert event is not None, "the simulator never saw the stream closed"
    # The sessions end before the connections: the upstream stream closes at once, not after
    # uvicorn's graceful wait for responses (which an open SSE stream would hold for its whole bound).
    assert event.at - signalled < 1.0 and exited - signalled < GRACEFUL_SHUTDOWN_SECONDS
    assert code == status
    assert f"{sent.name} received" in server.log and "Traceback" not in server.log


async def test_per_user_keys_never_appear_in_the_log(loopback: tuple[Simulator, str], tmp_path: Path) -> None:
    env = {**TOKEN_ENV, "OPENROUTER_MCP_LOG_LEVEL": "DEBUG"}
    async with http_server_process(loopback[1], tmp_path, "--per-user-keys", env=env) as server:
        for key in (KEY_A, KEY_B):
            async with mcp_over_http(server.url, user(key)) as client:
                plain = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "hi"})
                streamed = await client.call_tool(
                    "chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "hi", "stream": True}
                )
                assert not plain.is_error and not streamed.is_error
        # A key of another shape (not caught by the `sk-or-` pattern), which the upstream refuses (401).
        async with mcp_over_http(server.url, user(OTHER_SHAPE)) as client:
            failed = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o-mini", "messages": "hi"})
            assert failed.is_error and OTHER_SHAPE not in str(failed.content)
    assert "DEBUG" in server.log  # the log was as talkative as it gets
    for secret in (KEY_A, KEY_B, OTHER_SHAPE, TOKEN, FAKE_KEY):
        assert secret not in server.log
