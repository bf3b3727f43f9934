"""End to end over stdio, as an MCP client runs the server: the key goes nowhere it should not.

The real `openrouter-mcp` process is pointed at a hostile upstream (tests/hostile.py) that
repeats the Authorization header in its errors, with a key of another server's shape that holds
`+`, `/`, `=` and `.` (a pattern for `sk-or-…` would miss it, or keep its tail). Every check that
the key is absent is paired with one that the redaction marker is present, so each can fail.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, quote_plus

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp_server_openrouter._redact import SECRET_REDACTED
from mcp_server_openrouter.cli._common import QuietToolFailures
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

from .helpers import text_of
from .hostile import Hostile, Request, response, serve_hostile
from .test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio

KEY = "gsk_Qz7Lv9+Kx9Rm2/Wp3Jh8=Tq5Yd4.Zb6Nc1_0123"


def forms_of(key: str) -> list[str]:
    """The key, its URL-encoded forms, and each piece between its odd characters (a redaction
    that stopped at `+` or `=` would leave one of those pieces behind)."""
    pieces = key.replace("+", " ").replace("/", " ").replace("=", " ").replace(".", " ").split()
    return [key, quote(key, safe=""), quote_plus(key), *(p for p in pieces if len(p) >= 5)]


def assert_no_key(text: str) -> None:
    leaked = [form for form in forms_of(KEY) if form in text]
    assert not leaked, f"the key (or a piece of it) leaked: {leaked}"


def echo_auth_unavailable(request: Request) -> bytes:
    """A 503 that repeats the key: retryable, so the client logs it before trying again."""
    auth = request.headers.get("authorization", "")
    body = {"error": {"message": f"Service unavailable for {auth}", "code": 503}}
    return response(503, json.dumps(body).encode())


def read_all(log: TextIO) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def params_for(env: dict[str, str], cwd: Path) -> StdioServerParameters:
    command, args = server_command()
    return StdioServerParameters(command=command, args=args, env=env, cwd=cwd)


async def run_to_exit(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Start the server as a client would and wait for it to exit on its own (a refusal)."""
    command, args = server_command()
    with anyio.fail_after(30):
        done = await anyio.run_process([command, *args], env={"PATH": "/usr/bin:/bin", **env}, cwd=cwd, check=False)
    assert done.stdout == b"", "nothing but JSON-RPC may reach stdout, and a refusal sends none"
    return done.returncode, done.stderr.decode()


async def test_a_key_echoed_by_the_upstream_never_reaches_a_tool_result_or_stderr(
    tmp_path: Path, stderr_log: TextIO
) -> None:
    hostile = Hostile()  # by default a 401 that repeats the Authorization header
    hostile.answer("chat/completions", echo_auth_unavailable)
    with serve_hostile(hostile) as base_url:
        env = server_env(base_url, tmp_path, key=KEY)
        env["OPENROUTER_MAX_RETRIES"] = "1"
        env["OPENROUTER_MCP_LOG_LEVEL"] = "DEBUG"  # as much logging as there is
        async with Client(stdio_client(params_for(env, tmp_path), errlog=stderr_log)) as client:
            chat = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": "hi"})
            models = await client.call_tool("list_available_models", {"provider": "openai"})
    # The upstream really was sent the key, and really echoed it.
    assert {r.headers.get("authorization") for r in hostile.requests} == {f"Bearer {KEY}"}
    assert [r.path.split("?")[0] for r in hostile.requests].count("/api/v1/chat/completions") == 2  # one retry
    for result in (chat, models):
        assert result.is_error
        assert_no_key(text_of(result))
        assert SECRET_REDACTED in text_of(result)
    stderr = read_all(stderr_log)
    assert_no_key(stderr)
    # The retry is logged by its kind only: the upstream's words (which quoted the key) stay out of the log.
    assert "retrying POST /chat/completions" in stderr and "ServiceUnavailableError" in stderr


async def test_a_working_directory_env_that_redirects_the_key_is_refused_at_start_up(tmp_path: Path) -> None:
    hostile = Hostile()
    project = tmp_path / "cloned-project"
    project.mkdir()
    with serve_hostile(hostile) as base_url:
        (project / ".env").write_text(f"OPENROUTER_BASE_URL={base_url}\n")
        env = server_env("https://openrouter.ai/api/v1", tmp_path, key=KEY)
        del env["OPENROUTER_BASE_URL"]  # the key is in the environment, the base URL only in the project
        code, stderr = await run_to_exit(env, project)
    assert code == 2
    assert "refusing to start" in stderr and str((project / ".env").resolve()) in stderr
    assert "sets OPENROUTER_BASE_URL" in stderr and "Set OPENROUTER_BASE_URL in the environment" in stderr
    assert_no_key(stderr)
    assert hostile.requests == []  # not one request, so not one key, went out


async def test_a_key_with_a_curly_quote_is_refused_at_start_up_without_being_echoed(tmp_path: Path) -> None:
    env = server_env("https://openrouter.ai/api/v1", tmp_path, key=f"\u201c{KEY}\u201d")
    code, stderr = await run_to_exit(env, tmp_path)
    assert code == 2
    assert "OPENROUTER_API_KEY: the key has the non-ASCII character" in stderr and "U+201C" in stderr
    assert "Traceback" not in stderr
    assert_no_key(stderr)


async def test_the_server_logs_where_its_base_url_came_from_at_start_up(tmp_path: Path, stderr_log: TextIO) -> None:
    hostile = Hostile()
    with serve_hostile(hostile) as base_url:
        # Key and base URL in the same project .env: the same trust, so it is accepted.
        (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={KEY}\nOPENROUTER_BASE_URL={base_url}\n")
        env = server_env(base_url, tmp_path, key=None)
        del env["OPENROUTER_BASE_URL"]
        async with Client(stdio_client(params_for(env, tmp_path), errlog=stderr_log)) as client:
            assert (await client.list_tools()).tools
    stderr = read_all(stderr_log)
    origin = f"the working directory's .env ({(tmp_path / '.env').resolve()})"
    assert f"INFO mcp_server_openrouter.cli.serve: base URL {base_url} (from {origin})" in stderr
    assert f"API key from {origin}" in stderr
    assert_no_key(stderr)


async def test_partial_replies_and_prompts_never_reach_stderr_at_any_level(tmp_path: Path, stderr_log: TextIO) -> None:
    prompt = "Tell the story of the violet pangolin of Quillmoor"
    simulator = Simulator()
    simulator.add_fault(Fault(error_after_tokens=20))
    with serve_in_thread(simulator) as base_url:
        env = server_env(base_url, tmp_path)
        env["OPENROUTER_MCP_LOG_LEVEL"] = "DEBUG"
        async with Client(stdio_client(params_for(env, tmp_path), errlog=stderr_log)) as client:
            broken = await client.call_tool(
                "chat_with_model", {"model": "openai/gpt-4o", "messages": prompt, "stream": True}
            )
            whole = await client.call_tool("chat_with_model", {"model": "openai/gpt-4o", "messages": prompt})
    partial = text_of(broken).split("Partial reply received before the error:\n", 1)[-1]
    assert broken.is_error and "violet pangolin" in partial  # the client got the partial text...
    assert not whole.is_error and "violet pangolin" in text_of(whole)
    stderr = read_all(stderr_log)
    assert "DEBUG" in stderr  # the logs were as loud as they get
    assert "pangolin" not in stderr and "Quillmoor" not in stderr and partial not in stderr
    # ...and the log only its size.
    assert "Tool 'chat_with_model' failed: " in stderr and "characters of error text went to the client" in stderr


async def test_an_upstream_error_that_quotes_the_prompt_never_reaches_stderr_at_any_level(
    tmp_path: Path, stderr_log: TextIO
) -> None:
    def quoting_unavailable(request: Request) -> bytes:
        body = {"error": {"message": f"upstream failed on: {request.body.decode()}", "code": 503}}
        return response(503, json.dumps(body).encode())

    hostile = Hostile()
    hostile.answer("chat/completions", quoting_unavailable)
    with serve_hostile(hostile) as base_url:
        env = server_env(base_url, tmp_path, key=KEY)
        env["OPENROUTER_MAX_RETRIES"] = "1"
        env["OPENROUTER_MCP_LOG_LEVEL"] = "DEBUG"
        async with Client(stdio_client(params_for(env, tmp_path), errlog=stderr_log)) as client:
            result = await client.call_tool(
                "chat_with_model", {"model": "openai/gpt-4o", "messages": "the secret pangolin prompt"}
            )
    assert result.is_error and "secret pangolin prompt" in text_of(result)  # the caller sees the upstream's words
    stderr = read_all(stderr_log)
    assert "retrying POST /chat/completions" in stderr and "pangolin" not in stderr  # the log does not


def test_the_sdks_tool_failure_record_keeps_only_the_size_of_the_error_text() -> None:
    record = logging.LogRecord(
        "mcp.server.mcpserver.server",
        logging.INFO,
        __file__,
        1,
        "Tool %r failed: %r",
        ("chat_with_model", "broke\n\nPartial reply received before the error:\nOnce upon a time"),
        None,
    )
    assert QuietToolFailures().filter(record)
    assert record.getMessage() == (
        "Tool 'chat_with_model' failed: 64 characters of error text went to the client (not logged)"
    )
    other = logging.LogRecord(
        "mcp_server_openrouter.x", logging.INFO, __file__, 1, "Tool %r failed: %r", ("a", "b"), None
    )
    assert QuietToolFailures().filter(other) and other.getMessage() == "Tool 'a' failed: 'b'"
