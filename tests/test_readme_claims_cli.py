"""README claims about the commands, the installed program and its processes, with no other test
that could fail for them. In-process through `cli.main` where the claim is about a command's
output, as real processes where it is about what a process loads or launches.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from starlette.types import ASGIApp, Receive, Scope, Send

from mcp_server_openrouter import __version__
from mcp_server_openrouter.app import open_app
from mcp_server_openrouter.chat import ChatRequest
from mcp_server_openrouter.cli import build_parser, main
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

from .helpers import FAKE_KEY, make_settings
from .test_cli import LIVE_KEY, clean_env, run
from .test_e2e_stdio import server_command, server_env

COMMANDS = [
    "serve",
    "demo",
    "simulate",
    "models",
    "cache",
    "config-path",
    "init",
    "install",
    "uninstall",
    "doctor",
    "bench",
    "usage",
    "account",
    "dashboard",
]
TOOLS = {
    "chat_with_model",
    "chat_with_vision",
    "get_job_result",
    "cancel_job",
    "list_available_models",
    "list_vision_models",
    "get_model_info",
    "refresh_model_cache",
    "estimate_cost",
    "benchmark_models",
    "ask_panel",
    "get_usage_stats",
}


def python(script: str, *args: str) -> str:
    """Run `script` in a fresh interpreter (so `sys.modules` starts empty) and return its stdout."""
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


# -- The program and its commands --------------------------------------------------------------


def test_both_commands_are_one_program_of_the_documented_distribution_for_python_3_10_and_later() -> None:
    dist = importlib.metadata.distribution("mcp-server-openrouter")
    scripts = {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert scripts == {
        "openrouter-mcp": "mcp_server_openrouter.cli:main",
        "mcp-server-openrouter": "mcp_server_openrouter.cli:main",
    }
    assert dist.metadata["Requires-Python"] == ">=3.10"
    assert importlib.util.find_spec("mcp_server_openrouter") is not None


def test_mcp_server_openrouter_runs_the_same_program_as_openrouter_mcp() -> None:
    script = Path(sys.executable).with_name("mcp-server-openrouter")
    assert script.is_file(), "the console script is installed beside the interpreter"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"openrouter-mcp {__version__}"


@pytest.mark.anyio
async def test_serve_is_the_stdio_server_the_bare_command_runs(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    command, args = server_command()
    params = StdioServerParameters(
        command=command, args=[*args, "serve"], env=server_env(base_url, tmp_path), cwd=tmp_path
    )
    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert names == TOOLS
    assert simulator.events == []  # it started without touching the network


@pytest.mark.parametrize("command", [["models"], ["cache"]])
def test_the_models_and_cache_commands_have_help_too(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: openrouter-mcp {command[0]}")


@pytest.mark.parametrize("command", ["init", "install", "uninstall", "doctor", "bench", "dashboard"])
def test_the_setup_and_bench_commands_have_help_naming_their_options(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    usage = capsys.readouterr().out
    assert usage.startswith(f"usage: openrouter-mcp {command}")
    documented = {
        "init": ["--key"],
        "install": ["--print", "--scope", "--dry-run", "--with-key", "claude-desktop", "claude-code", "vscode"],
        "uninstall": ["--scope", "--dry-run", "claude-desktop", "claude-code"],
        "doctor": [],
        "bench": [
            *("--prompt", "--runs", "--delay", "--max-tokens", "--temperature", "--system", "--max-cost"),
            *("--sequential", "--out", "--name", "--json"),
        ],
        "dashboard": ["--port", "--no-browser"],
    }[command]
    assert all(option in usage for option in documented), command


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_prints_the_version(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"openrouter-mcp {__version__}"


def test_simulate_listens_on_127_0_0_1_port_8765_unless_told_otherwise() -> None:
    args = build_parser().parse_args(["simulate"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    args = build_parser().parse_args(["simulate", "--port", "9000", "--host", "0.0.0.0"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


def test_serve_http_listens_on_127_0_0_1_port_8000_at_mcp_unless_told_otherwise() -> None:
    from mcp_server_openrouter.server.http import DEFAULT_HOST, DEFAULT_PORT, HttpOptions

    args = build_parser().parse_args(["serve", "--http"])
    assert (args.host, args.port, args.per_user_keys) == (None, None, False)  # serve fills in the defaults below
    assert (DEFAULT_HOST, DEFAULT_PORT) == ("127.0.0.1", 8000)
    assert HttpOptions().url == "http://127.0.0.1:8000/mcp"
    args = build_parser().parse_args(["serve", "--http", "--host", "0.0.0.0", "--port", "9000", "--per-user-keys"])
    assert (args.host, args.port, args.per_user_keys) == ("0.0.0.0", 9000, True)


def test_the_demo_offline_flag_ignores_the_key_and_model_chooses_the_chat_model(tmp_path: Path) -> None:
    simulator = Simulator()  # where the key would send the demo, were --offline ignored
    with serve_in_thread(simulator) as base_url:
        env = clean_env(tmp_path, OPENROUTER_API_KEY=LIVE_KEY, OPENROUTER_BASE_URL=base_url)
        result = run("demo", "--offline", "--model", "openai/gpt-4o-mini", env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "built-in OpenRouter simulator" in result.stdout and "Live mode" not in result.stdout
    assert "openai/gpt-4o-mini via OpenAI" in result.stdout
    assert simulator.events == []


def test_the_live_demo_uses_a_cheap_model_with_few_tokens_and_says_what_it_spent(tmp_path: Path) -> None:
    simulator = Simulator()  # standing in for the real service
    with serve_in_thread(simulator) as base_url:
        env = clean_env(tmp_path, OPENROUTER_API_KEY=LIVE_KEY, OPENROUTER_BASE_URL=base_url)
        result = run("demo", env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    bodies = [e.detail["body"] for e in simulator.events_of("request") if e.path == "/chat/completions"]
    chats = [body for body in bodies if body["model"] != "openai/gpt4o-mini"]  # not the deliberate typo
    assert len(chats) >= 2 and {body["model"] for body in chats} == {"openai/gpt-4o-mini"}
    model = next(m for m in simulator.models if m["id"] == "openai/gpt-4o-mini")
    assert float(model["pricing"]["prompt"]) * 1e6 <= 1.0  # at most $1 per 1M input tokens
    assert all(0 < body.get("max_tokens", 0) <= 100 for body in chats)
    assert "This demo spent $" in " ".join(result.stdout.split())


def models_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert main(["models", *args, "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def test_models_takes_every_documented_filter(
    loopback: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", loopback[1])
    search = ("--search", "claude", "--input-modality", "image", "--output-modality", "text", "--min-context", "150000")
    page = models_json(capsys, *search, "--sort", "context", "--limit", "3")
    later = models_json(capsys, *search, "--sort", "context", "--limit", "2", "--offset", "1")
    assert len(page["models"]) == 3 and [m["id"] for m in later["models"]] == [m["id"] for m in page["models"][1:]]
    assert all("claude" in m["id"] and "vision" in m["capabilities"] for m in page["models"])
    contexts = [m["context_length"] for m in page["models"]]
    assert contexts == sorted(contexts, reverse=True) and min(contexts) >= 150000
    free = models_json(capsys, "--free", "--limit", "100")
    assert free["models"] and all(
        m["input_usd_per_million"] == m["output_usd_per_million"] == 0 for m in free["models"]
    )
    cheap = models_json(capsys, "--provider", "openai", "--supports", "tools,vision", "--max-price", "1,5")
    assert cheap["models"] and all(m["id"].startswith("openai/") for m in cheap["models"])
    assert all({"tools", "vision"} <= set(m["capabilities"]) for m in cheap["models"])
    assert all(m["input_usd_per_million"] <= 1 and m["output_usd_per_million"] <= 5 for m in cheap["models"])


def test_models_refresh_fetches_the_catalogue_again(
    loopback: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator, base_url = loopback
    monkeypatch.setenv("OPENROUTER_BASE_URL", base_url)
    sources = [models_json(capsys, *extra)["source"] for extra in ([], [], ["--refresh"])]
    assert sources == ["network", "file", "network"]
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) == 2


def test_cache_info_shows_both_caches_also_as_json_and_cache_clear_deletes_both(
    loopback: tuple[Simulator, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    simulator, base_url = loopback
    monkeypatch.setenv("OPENROUTER_BASE_URL", base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    settings = Settings()

    async def fill() -> None:
        async with open_app(settings) as app:
            await app.chat.chat(ChatRequest.create(model="openai/gpt-4o-mini", messages="2+2?", seed=1), cache=True)

    models_json(capsys)
    anyio.run(fill)
    assert main(["cache", "info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["ttl_hours"] == 1 and info["catalogue"]["models"] == len(simulator.models)
    assert info["responses"]["entries"] == 1
    assert main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert f"{len(simulator.models)} models from {base_url}" in text and "— 1 replies" in text
    assert main(["cache", "clear"]) == 0
    assert str(settings.model_cache_file) in capsys.readouterr().out
    assert not settings.model_cache_file.exists() and not settings.response_cache_file.exists()


def test_the_key_is_redacted_from_command_output(
    loopback: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simulator, base_url = loopback
    key = "sk-or-v1-cmd.out+put/key=0042"
    message = f"not for {key} (or {quote(key, safe='')})"
    simulator.add_fault(Fault(path="/models", status=400, body={"error": {"message": message, "code": 400}}))
    monkeypatch.setenv("OPENROUTER_BASE_URL", base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    assert main(["models"]) == 1
    captured = capsys.readouterr()
    shown = captured.out + captured.err
    assert "OpenRouter error 400: not for" in shown and "[redacted" in shown
    assert key not in shown and quote(key, safe="") not in shown and "put/key" not in shown


# -- What the processes load and how they run ----------------------------------------------------

ERRORS_WITHOUT_HTTPX = """
import sys
import mcp_server_openrouter.errors
import mcp_server_openrouter.client
print("httpx" in sys.modules)
"""


def test_the_error_tree_and_the_client_package_import_without_httpx() -> None:
    assert python(ERRORS_WITHOUT_HTTPX) == "False"


SERVE_START = """
import importlib.util
import sys

import anyio

seen = {}

def fake_run(func, *args, backend_options=None, **kwargs):
    seen.update(backend_options or {})
    return 0

anyio.run = fake_run  # stop where `serve` would start serving stdio
from mcp_server_openrouter.cli import main

assert main(["serve"]) == 0
print(seen.get("use_uvloop"), importlib.util.find_spec("uvloop") is not None, "rich" in sys.modules)
"""


def test_the_server_runs_on_uvloop_where_it_is_installed(tmp_path: Path) -> None:
    use_uvloop, installed, _ = python(SERVE_START).split()
    assert use_uvloop == installed


def test_rich_is_loaded_at_start_up_only_by_the_sdks_own_log_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    import mcp.server.mcpserver.utilities.logging as sdk_logging

    from mcp_server_openrouter.server import create_server

    calls: list[str] = []
    monkeypatch.setattr(sdk_logging, "configure_logging", lambda level="INFO": calls.append(level))
    monkeypatch.setattr("mcp.server.mcpserver.server.configure_logging", lambda level="INFO": calls.append(level))
    for name in [n for n in sys.modules if n == "rich" or n.startswith("rich.")]:
        monkeypatch.delitem(sys.modules, name)
    create_server(make_settings(tmp_path))
    assert calls and not any(n == "rich" or n.startswith("rich.") for n in sys.modules)


MODELS_JSON_FROM_FILE = """
import sys
from mcp_server_openrouter.cli import main

assert main(["models", "--provider", "openai", "--json"]) == 0
print(sorted(name for name in ("httpx", "rich") if name in sys.modules), file=sys.stderr)
"""


def test_models_json_from_the_file_cache_loads_neither_httpx_nor_rich(tmp_path: Path) -> None:
    import time

    from mcp_server_openrouter.simulator import build_catalog
    from mcp_server_openrouter.storage import StoredCatalog
    from mcp_server_openrouter.storage.catalog_file import CatalogFile

    settings = make_settings(tmp_path)
    stored = StoredCatalog(build_catalog()[:20], "https://openrouter.ai/api/v1", time.time())
    CatalogFile(settings.model_cache_file).save_sync(stored)
    env = clean_env(tmp_path, OPENROUTER_MCP_CACHE_DIR=str(settings.cache_dir))
    done = subprocess.run(
        [sys.executable, "-c", MODELS_JSON_FROM_FILE], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["source"] == "file"
    assert done.stderr.strip().splitlines()[-1] == "[]"


class Peers:
    """ASGI middleware that records the client address (host, port) of every HTTP request."""

    def __init__(self, app: ASGIApp, seen: list[tuple[str, int]]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("client"):
            host, port = scope["client"]
            self.seen.append((str(host), int(port)))
        await self.app(scope, receive, send)


@pytest.mark.anyio
async def test_the_http_client_is_pooled_with_keep_alive(tmp_path: Path) -> None:
    simulator, peers = Simulator(), list[tuple[str, int]]()
    simulator.app.add_middleware(Peers, seen=peers)
    with serve_in_thread(simulator) as base_url:
        async with open_app(make_settings(tmp_path, base_url=base_url)) as app:
            for prompt in ("one", "two", "three"):
                await app.chat.chat(ChatRequest.create(model="openai/gpt-4o-mini", messages=prompt))
    assert len(peers) == 3 and len(set(peers)) == 1  # three requests over one connection


def test_the_simulator_sets_tcp_nodelay_on_the_sockets_it_serves() -> None:
    from mcp_server_openrouter.simulator._serve import _bound_socket

    sock = _bound_socket("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()
