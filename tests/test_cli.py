"""The command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import pytest

from mcp_server_openrouter import __version__

from .test_e2e_stdio import server_command


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    command, prefix = server_command()
    return subprocess.run(
        [command, *prefix, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENROUTER", "CACHE_TTL"))}
    env.update(
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        COLUMNS="120",
        **extra,
    )
    return env


def test_version_prints_the_package_version() -> None:
    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"openrouter-mcp {__version__}"


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"], ["simulate"], ["config-path"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: openrouter-mcp")


def test_the_module_entry_point_is_the_same_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mcp_server_openrouter", "--version"], capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == f"openrouter-mcp {__version__}"


def test_config_path_names_the_dotenv_files_and_hides_the_key(tmp_path: Path) -> None:
    result = run("config-path", env=clean_env(tmp_path, OPENROUTER_API_KEY="sk-or-v1-hidden-value"))
    assert result.returncode == 0
    assert str(tmp_path / "config" / "openrouter-mcp" / ".env") in result.stdout
    assert "api key: set" in result.stdout and "hidden-value" not in result.stdout


@pytest.mark.parametrize("command", [["config-path"], ["models"], ["cache", "info"], ["demo"]])
def test_invalid_settings_are_reported_without_a_traceback(tmp_path: Path, command: list[str]) -> None:
    result = run(*command, env=clean_env(tmp_path, CACHE_TTL_HOURS="soon"))
    assert result.returncode == 2
    assert "invalid settings" in result.stderr and "CACHE_TTL_HOURS: Input should be a valid number" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_offline_demo_walks_through_a_whole_session(tmp_path: Path) -> None:
    result = run("demo", env=clean_env(tmp_path), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "built-in OpenRouter simulator" in out
    for step in (
        "1. Connect",
        "2. List tools",
        "3. Find a model",
        "4. Everything about",
        "5. Chat",
        "6. The same question again",
        "7. Streamed chat",
        "8. A mistake",
        "9. What it cost",
    ):
        assert step in out
    assert "progress notifications arrived" in out
    assert "cached: no charge" in out
    flat = " ".join(out.replace("│", " ").split())
    assert "Did you mean: anthropic/claude-sonnet-4.6," in flat
    assert "Simulated cost: $0.000" in out


@pytest.mark.anyio
async def test_simulate_serves_the_fake_api_on_a_loopback_port(tmp_path: Path) -> None:
    command, prefix = server_command()
    async with await anyio.open_process(
        [command, *prefix, "simulate", "--port", "0"], env=clean_env(tmp_path)
    ) as process:
        assert process.stderr is not None
        text = ""
        with anyio.fail_after(30):
            while "listening on " not in text or "\n" not in text.split("listening on ", 1)[1]:
                text += (await process.stderr.receive()).decode()
        url = text.split("listening on ", 1)[1].split()[0]
        async with httpx.AsyncClient() as client:
            models = (await client.get(f"{url}/models")).json()["data"]
        process.terminate()
    assert url.startswith("http://127.0.0.1:") and len(models) >= 300


def test_models_says_plainly_when_the_service_cannot_be_reached(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = clean_env(tmp_path, OPENROUTER_BASE_URL=f"http://127.0.0.1:{port}/api/v1", OPENROUTER_MAX_RETRIES="0")
    result = run("models", "--provider", "openai", env=env)
    assert result.returncode == 1
    assert "openrouter-mcp: could not reach" in result.stderr and "OPENROUTER_BASE_URL" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_models_prints_json_for_scripts_and_a_table_for_people(tmp_path: Path) -> None:
    from mcp_server_openrouter.simulator import Simulator, serve_in_thread

    with serve_in_thread(Simulator()) as base_url:
        env = clean_env(tmp_path, OPENROUTER_BASE_URL=base_url)
        as_json = run("models", "--supports", "vision", "--supports", "tools", "--max-price", "1,5", "--json", env=env)
        table = run("models", "--provider", "anthropic", "--sort", "price", "--limit", "3", env=env)
        bad = run("models", "--max-price", "cheap", env=env)
        info = run("cache", "info", env=env)
        cleared = run("cache", "clear", env=env)
        after = run("cache", "info", env=env)
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and data["total_matches"] > 0
    assert all({"vision", "tools"} <= set(m["capabilities"]) for m in data["models"])
    assert table.returncode == 0
    assert "anthropic/claude-3-haiku" in table.stdout and "Models 1–3 of" in table.stdout
    assert bad.returncode == 2 and "--max-price takes one or two numbers" in bad.stderr
    assert f"models from {base_url}" in info.stdout
    assert "Removed: " in cleared.stdout and "Catalogue: none yet" in after.stdout


LAZY_IMPORT_CHECK = """
import sys
import anyio
from mcp_server_openrouter.app import open_app
from mcp_server_openrouter.catalog import ModelQuery
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server

async def main() -> None:
    settings = Settings(_env_file=None, cache_dir=sys.argv[1])
    create_server(settings)
    async with open_app(settings) as app:
        page, snapshot = await app.catalog.list_models(ModelQuery.build(provider="openai"))
        assert snapshot.source == "file" and page.total > 0, snapshot
    loaded = ("httpx", "mcp_server_openrouter.client._http", "mcp_server_openrouter.simulator")
    print(sorted(name for name in loaded if name in sys.modules))

anyio.run(main)
"""


def test_start_up_and_a_cached_catalogue_call_never_load_the_http_client(tmp_path: Path) -> None:
    from mcp_server_openrouter.simulator import build_catalog
    from mcp_server_openrouter.storage import StoredCatalog
    from mcp_server_openrouter.storage.catalog_file import CatalogFile

    stored = StoredCatalog(build_catalog()[:5], "https://openrouter.ai/api/v1", time.time())
    CatalogFile(tmp_path / "openrouter_model_cache.json").save_sync(stored)
    script = tmp_path / "check.py"
    script.write_text(LAZY_IMPORT_CHECK)
    result = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cache_clear_that_cannot_delete_says_what_and_where_without_a_traceback(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache-dir"
    (cache_dir / "openrouter_model_cache.json").mkdir(parents=True)  # a directory where the file should be
    env = clean_env(tmp_path, OPENROUTER_MCP_CACHE_DIR=str(cache_dir))
    result = run("cache", "clear", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "openrouter-mcp: could not use" in result.stderr and "openrouter_model_cache.json" in result.stderr


LIVE_KEY = "sk-or-v1-live-demo-0000"


def test_the_live_demo_reaches_the_service_with_the_key_and_base_url(tmp_path: Path) -> None:
    from mcp_server_openrouter.simulator import Simulator, serve_in_thread

    simulator = Simulator()  # standing in for the real service, on loopback
    started = time.time()
    with serve_in_thread(simulator) as base_url:
        env = clean_env(tmp_path, OPENROUTER_API_KEY=LIVE_KEY, OPENROUTER_BASE_URL=base_url)
        result = run("demo", env=env, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Live mode" in result.stdout and "of your OpenRouter credits" in result.stdout
    chats = [e for e in simulator.events_of("request") if e.path == "/chat/completions"]
    assert len(chats) >= 3  # chat, streamed chat, the mistake (the repeat is answered from the cache)
    # The simulator answers only authorised requests, and bills them to the key that sent them.
    # (A simulated key has spent before; what counts is the spend since the demo started.)
    assert set(simulator.accounts) == {LIVE_KEY} and simulator.accounts[LIVE_KEY].usage_since(started) > 0
    assert LIVE_KEY not in result.stdout + result.stderr


def test_a_demo_step_that_fails_makes_the_demo_exit_non_zero(tmp_path: Path) -> None:
    from mcp_server_openrouter.simulator import Simulator, serve_in_thread

    simulator = Simulator()
    simulator.revoked.add(LIVE_KEY)  # every authenticated call now answers 401
    with serve_in_thread(simulator) as base_url:
        env = clean_env(tmp_path, OPENROUTER_API_KEY=LIVE_KEY, OPENROUTER_BASE_URL=base_url)
        result = run("demo", env=env, timeout=120)
    assert result.returncode == 1
    assert "step(s) failed: chat, same chat, cached, streamed chat" in " ".join(result.stdout.split())
