"""End to end: benchmarks and panels through the real `openrouter-mcp` process (over stdio, and as the
`bench` command), against the simulator on a loopback port with a latency scripted per model."""

from __future__ import annotations

import csv
import json
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextResourceContents

from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import FAKE_KEY, structured_of, text_of
from .test_cli import clean_env, run
from .test_e2e_stdio import server_command, server_env
from .usage.ledger_rows import rows_in

FAST = "openai/gpt-4o-mini"
SLOW = "mistralai/mistral-small"


def scripted(simulator: Simulator) -> None:
    simulator.add_fault(Fault(model=FAST, delay=0.05, times=None))
    simulator.add_fault(Fault(model=SLOW, delay=0.25, token_delay=0.005, times=None))


@pytest.mark.anyio
async def test_a_client_benchmarks_models_over_stdio_and_reads_the_saved_report(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    scripted(simulator)
    command, args = server_command()
    params = StdioServerParameters(command=command, args=args, env=server_env(base_url, tmp_path), cwd=tmp_path)
    messages: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with Client(stdio_client(params, errlog=stderr_log)) as client:
        arguments = {"models": [SLOW, FAST], "prompt": "Say hi", "runs": 2, "save_report": True}
        result = await client.call_tool("benchmark_models", arguments, progress_callback=on_progress)
        assert not result.is_error, text_of(result)
        report = structured_of(result)
        listed = (await client.read_resource("openrouter://reports")).contents
        panel = await client.call_tool(
            "ask_panel", {"models": [SLOW, FAST], "prompt": "Name a colour", "judge_model": "openai/gpt-4o"}
        )
    assert len(messages) == 4 and messages[-1].startswith("4/4 runs done: ")
    fastest = [entry["model"] for entry in report["rankings"]["fastest_first_token"]]
    assert fastest == [FAST, SLOW]  # as scripted: 0.05 s against 0.25 s before the first token
    slow = next(m for m in report["models"] if m["model"] == SLOW)
    assert slow["first_token_s"]["min"] >= 0.25
    saved = report["saved"]
    folder = Path(saved["directory"])
    assert folder.is_relative_to(tmp_path / "data") and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert json.loads(Path(saved["files"]["json"]).read_text())["models"] == report["models"]
    assert len(list(csv.DictReader(Path(saved["files"]["csv"]).read_text().splitlines()))) == 4
    assert ET.parse(saved["files"]["chart"]).getroot().tag.endswith("svg")
    assert isinstance(listed[0], TextResourceContents) and saved["uri"] in listed[0].text
    verdict = structured_of(panel)["verdict"]
    assert not panel.is_error and verdict["judge_model"] == "openai/gpt-4o" and len(verdict["ranking"]) == 2
    stderr_log.seek(0)
    assert FAKE_KEY not in stderr_log.read()


def test_the_bench_command_prints_json_or_a_table_and_saves_the_report_where_it_is_told(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    scripted(simulator)
    env = clean_env(tmp_path, OPENROUTER_API_KEY=FAKE_KEY, OPENROUTER_BASE_URL=base_url)
    out = tmp_path / "my-benchmarks"
    as_json = run("bench", SLOW, FAST, "--prompt", "Say hi", "--runs", "2", "--out", str(out), "--json", env=env)
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert [m["model"] for m in report["models"]] == [SLOW, FAST] and report["runs_per_model"] == 2
    folder = Path(report["saved"]["directory"])
    assert folder.parent == out and sorted(p.name for p in folder.iterdir()) == [
        "chart.svg",
        "report.json",
        "report.md",
        "runs.csv",
    ]
    assert stat.S_IMODE(os.stat(folder / "report.md").st_mode) == 0o600

    table = run("bench", FAST, "--prompt", "Say hi", "--delay", "0.1", "--runs", "2", "--out", env=env)
    assert table.returncode == 0, table.stderr
    assert "first token s" in table.stdout and FAST in table.stdout and "cheapest per run" in table.stdout
    assert "saved: " in table.stdout and "openrouter://reports/" in table.stdout
    assert "2/2 runs done" in table.stderr  # the progress bar's last state
    ledger = rows_in(tmp_path / "data" / "openrouter-mcp" / "usage.sqlite3")
    assert [row.tool for row in ledger] == ["bench"] * 6  # every request, under the command's name


def test_the_bench_command_refuses_bad_input_before_spending(loopback: tuple[Simulator, str], tmp_path: Path) -> None:
    simulator, base_url = loopback
    env = clean_env(tmp_path, OPENROUTER_API_KEY=FAKE_KEY, OPENROUTER_BASE_URL=base_url)
    unknown = run("bench", "openai/gpt4o", "--prompt", "hi", env=env)
    assert unknown.returncode == 2 and "did you mean openai/gpt-4o" in unknown.stderr
    traversal = run("bench", FAST, "--prompt", "hi", "--out", "--name", "../../x", env=env)
    assert traversal.returncode == 2 and "is a path" in traversal.stderr
    assert [e for e in simulator.events_of("request") if e.path == "/chat/completions"] == []
