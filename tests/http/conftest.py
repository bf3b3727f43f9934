"""Streamable HTTP fixtures: the server in process on a loopback port, or as the real command;
the official MCP client over HTTP with the headers a user would configure."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
import httpx2
from anyio.abc import Process
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.server.http import HttpOptions, bind_socket, serve

from ..test_e2e_stdio import server_command, server_env

TOKEN = "test-http-token-0123456789"
KEY_A = "sk-or-v1-user-a-aaaaaaaaaaaaaaaa"
KEY_B = "sk-or-v1-user-b-bbbbbbbbbbbbbbbb"


@asynccontextmanager
async def mcp_over_http(url: str, headers: Mapping[str, str] | None = None) -> AsyncIterator[Client]:
    """The official client over Streamable HTTP, sending `headers` with every request."""
    async with (
        httpx2.AsyncClient(headers=dict(headers or {}), timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def user(key: str | None = None, token: str | None = TOKEN) -> dict[str, str]:
    """The headers of a client: the server's token, and with per-user keys the user's own key."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if key is not None:
        headers["X-OpenRouter-Key"] = key
    return headers


@asynccontextmanager
async def http_server(
    settings: Settings,
    transport: httpx.AsyncBaseTransport,
    *,
    token: str | None = TOKEN,
    per_user_keys: bool = False,
    extra_tools: Sequence[Callable[..., Any]] = (),
) -> AsyncIterator[str]:
    """The HTTP server in this process on a free loopback port (upstream: `transport`), with
    `extra_tools` added to ours; its /mcp URL."""
    sock = bind_socket("127.0.0.1", 0)
    options = HttpOptions(port=sock.getsockname()[1], token=token, per_user_keys=per_user_keys)
    server = create_server(settings, transport=transport, remote_clients=True)
    for tool in extra_tools:
        server.add_tool(tool)
    stop = anyio.Event()
    with sock:
        async with anyio.create_task_group() as group:
            group.start_soon(serve, server, options, sock, stop)
            try:
                yield options.url
            finally:
                stop.set()


def ledger_rows(settings: Settings) -> list[tuple[str, str | None]]:
    """(key_id, tool) of every row of the usage ledger, oldest first (none before the first row)."""
    if not settings.usage_file.exists():
        return []
    with sqlite3.connect(settings.usage_file) as db:
        return [(key, tool) for key, tool in db.execute("SELECT key_id, tool FROM usage ORDER BY id")]


@dataclass
class ServerProcess:
    """`openrouter-mcp serve --http` running: its URL, its process and everything it wrote on stderr."""

    url: str
    process: Process
    stderr: list[str] = field(default_factory=list)

    @property
    def log(self) -> str:
        return "".join(self.stderr)


@asynccontextmanager
async def http_server_process(
    base_url: str, tmp_path: Path, *extra_args: str, env: Mapping[str, str] | None = None
) -> AsyncIterator[ServerProcess]:
    """The real command on a free loopback port against the simulator at `base_url`."""
    command, args = server_command()
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **server_env(base_url, tmp_path), **(env or {})}
    argv = [command, *args, "serve", "--http", "--port", "0", *extra_args]
    async with await anyio.open_process(argv, env=environment, cwd=tmp_path) as process:
        assert process.stderr is not None
        stderr = process.stderr
        text = ""
        with anyio.fail_after(30):
            while (found := re.search(r"Streamable HTTP at (\S+/mcp)", text)) is None:
                text += (await stderr.receive()).decode()
        running = ServerProcess(found.group(1), process, [text])

        async def keep_reading() -> None:
            async for chunk in stderr:
                running.stderr.append(chunk.decode())

        async with anyio.create_task_group() as group:
            group.start_soon(keep_reading)
            try:
                yield running
            finally:
                if process.returncode is None:
                    process.terminate()
                with anyio.fail_after(20):
                    await process.wait()
