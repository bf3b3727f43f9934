"""`openrouter-mcp dashboard` and the dashboard of `serve --http`, as the real processes."""

from __future__ import annotations

import re
import signal
from pathlib import Path
from typing import TextIO

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter.dashboard.web import DashboardAccess
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, structured_of
from ..http.conftest import http_server_process
from ..test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("stop", "exit_status"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
async def test_the_dashboard_command_prints_a_url_with_a_token_that_opens_it_and_stops_on_a_signal(
    loopback: tuple[Simulator, str], tmp_path: Path, stop: signal.Signals, exit_status: int
) -> None:
    _, base_url = loopback
    command, args = server_command()
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **server_env(base_url, tmp_path)}
    argv = [command, *args, "dashboard", "--no-browser"]
    async with await anyio.open_process(argv, env=environment, cwd=tmp_path) as process:
        assert process.stdout is not None and process.stderr is not None
        printed = ""
        with anyio.fail_after(30):
            while (
                found := re.search(r"Dashboard: (http://127\.0\.0\.1:\d+)(/dashboard/\?token=\S+)\n", printed)
            ) is None:
                printed += (await process.stdout.receive()).decode()
        origin, path = found.groups()
        async with httpx.AsyncClient(base_url=origin) as browser, httpx.AsyncClient(base_url=origin) as stranger:
            opened = await browser.get(path, follow_redirects=True)
            elsewhere = await stranger.get("/dashboard/")
        process.send_signal(stop)
        with anyio.fail_after(20):
            status = await process.wait()
        stderr = (await process.stderr.receive()).decode() if status != exit_status else ""
    assert opened.status_code == 200 and "<h1>Spend</h1>" in opened.text
    assert str(opened.url) == f"{origin}/dashboard/"  # the token left the address
    assert elsewhere.status_code == 401  # another program without the token
    assert status == exit_status, stderr
    assert FAKE_KEY not in printed


async def test_the_dashboard_port_must_be_a_port(tmp_path: Path) -> None:
    command, args = server_command()
    result = await anyio.run_process([command, *args, "dashboard", "--port", "70000"], check=False, cwd=tmp_path)
    assert result.returncode == 2 and b"--port 70000 is not a port" in result.stderr


async def test_the_http_server_without_a_token_logs_a_dashboard_url_with_one_of_its_own(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    _, base_url = loopback
    async with http_server_process(base_url, tmp_path) as server:
        origin = server.url.removesuffix("/mcp")
        # Logged before the line the fixture waits for.
        found = re.search(r"dashboard at (\S+/dashboard/\?token=\S+)", server.log)
        assert found is not None, server.log
        async with httpx.AsyncClient() as browser, httpx.AsyncClient() as stranger:
            opened = await browser.get(found.group(1), follow_redirects=True)
            refused = await stranger.get(f"{origin}/dashboard/")
    assert opened.status_code == 200 and "<h1>Spend</h1>" in opened.text
    assert refused.status_code == 401
    token = found.group(1).rpartition("token=")[2]
    assert server.log.count(token) == 1  # the line announcing the URL, not the request lines after it
    assert "token=[redacted]" in server.log


def test_without_a_display_the_command_prints_the_url_instead_of_starting_a_text_browser(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys
    import webbrowser

    from mcp_server_openrouter.cli import dashboard

    opened: list[str] = []

    def open_in_browser(url: str) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(webbrowser, "open", open_in_browser)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    dashboard._open_browser("http://127.0.0.1:1/dashboard/?token=t")
    assert opened == [] and "No display here" in capsys.readouterr().out
    monkeypatch.setenv("DISPLAY", ":0")
    dashboard._open_browser("http://127.0.0.1:1/dashboard/?token=t")
    assert opened == ["http://127.0.0.1:1/dashboard/?token=t"]


async def test_a_stdio_server_told_a_dashboard_port_shows_its_own_jobs_there_and_cancels_them(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    command, args = server_command()
    env = {**server_env(base_url, tmp_path), "OPENROUTER_MCP_DASHBOARD_PORT": "0"}
    server = StdioServerParameters(command=command, args=args, env=env, cwd=tmp_path)
    with anyio.fail_after(60):
        async with Client(stdio_client(server, errlog=stderr_log)) as client:
            stderr_log.seek(0)
            found = re.search(
                r"dashboard of this server \(its jobs too\) at (http://127\.0\.0\.1:\d+)\S+token=(\S+)",
                stderr_log.read(),
            )
            assert found is not None
            origin, token = found.groups()
            simulator.add_fault(Fault(extra_words=20000, token_delay=0.01))  # a reply that takes a minute
            arguments = {"model": "openai/gpt-4o-mini", "messages": "a long one", "stream": True, "background": True}
            job_id = structured_of(await client.call_tool("chat_with_model", arguments))["job_id"]
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=origin, headers=headers) as http:
                live = (await http.get("/dashboard/api/live")).json()
                cancelled = await http.post(
                    f"/dashboard/jobs/{job_id}/cancel", data={"csrf": DashboardAccess(token).csrf}
                )
            job = structured_of(await client.call_tool("get_job_result", {"job_id": job_id}))
    assert [(j["job_id"], j["status"]) for j in live["jobs"]] == [(job_id, "running")]
    assert cancelled.status_code == 303 and job["status"] == "cancelled"
    stderr_log.seek(0)
    assert FAKE_KEY not in stderr_log.read()


async def test_a_stdio_server_whose_dashboard_port_is_taken_refuses_to_start_saying_so(tmp_path: Path) -> None:
    from mcp_server_openrouter.server.http import bind_socket

    command, args = server_command()
    with bind_socket("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OPENROUTER_MCP_DASHBOARD_PORT": str(port)}
        result = await anyio.run_process([command, *args], env=env, cwd=tmp_path, check=False)
    assert result.returncode == 2 and f"OPENROUTER_MCP_DASHBOARD_PORT {port} is taken".encode() in result.stderr
    assert result.stdout == b""  # stdout stays the protocol's
