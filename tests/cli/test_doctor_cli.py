"""`openrouter-mcp doctor`, in process: exit 0 on a good setup, 1 with a fix for each problem, never the key."""

from __future__ import annotations

import json

import pytest

from mcp_server_openrouter.cli import main
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY
from .conftest import Machine


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["doctor"])
    captured = capsys.readouterr()
    assert FAKE_KEY not in captured.out + captured.err
    return status, captured.out


def set_up(machine: Machine, base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    machine.user_env.parent.mkdir(parents=True)
    machine.user_env.write_text(f"OPENROUTER_BASE_URL={base_url}\nOPENROUTER_API_KEY={FAKE_KEY}\n")
    assert main(["install", "claude-desktop"]) == 0
    capsys.readouterr()


def problems(report: str) -> list[tuple[str, str]]:
    """Each PROBLEM line with the fix line under it."""
    lines = report.splitlines()
    return [(line.strip(), lines[i + 1].strip()) for i, line in enumerate(lines) if line.strip().startswith("PROBLEM")]


def test_a_good_setup_passes_every_check_and_exits_0(
    machine: Machine, loopback: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    set_up(machine, loopback[1], capsys)
    status, report = doctor(capsys)
    assert status == 0 and report.endswith("No problems found.\n")
    key = f"OPENROUTER_API_KEY = sk-or-…[redacted] (22 characters) (from the user config .env ({machine.user_env}))"
    assert key in report
    assert f"OPENROUTER_BASE_URL = {loopback[1]} (from the user config .env" in report
    assert "answers: first request" in report and "ok       the key is valid. Key: spent today $" in report
    # The account check of `openrouter-mcp account`: an ordinary key may not read the balance, which is no problem.
    assert "no spending limit" in report and "info     Balance: not shown: " in report
    assert "OPENROUTER_MCP_CACHE_DIR: " in report and " is writable" in report
    assert "runs `" in report and "the server will read the key from the user config .env" in report


def test_a_broken_setup_exits_1_and_gives_the_fix_for_each_problem(
    machine: Machine, loopback: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    simulator, base_url = loopback
    set_up(machine, base_url, capsys)
    simulator.revoked.add(FAKE_KEY)
    config = json.loads(machine.desktop_config.read_text())
    config["mcpServers"]["openrouter"]["command"] = str(machine.home / "deleted-venv" / "bin" / "openrouter-mcp")
    machine.desktop_config.write_text(json.dumps(config))
    status, report = doctor(capsys)
    found = problems(report)
    assert status == 1 and len(found) == 2 and report.endswith("2 problem(s), 0 warning(s).\n")
    (key, key_fix), (command, command_fix) = found
    assert "was refused" in key and key_fix.startswith("fix: create a key at https://openrouter.ai/settings/keys")
    assert "which does not exist" in command and command_fix.startswith("fix: openrouter-mcp install claude-desktop")


def test_an_unreachable_base_url_and_no_key_are_problems(
    machine: Machine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1")
    status, report = doctor(capsys)
    assert status == 1 and "cannot reach http://127.0.0.1:9/api/v1" in report
    assert "OPENROUTER_BASE_URL, set in the environment" in report
    assert "no MCP client configuration found" in report


def test_without_a_key_the_service_is_still_checked_and_init_is_the_fix(
    machine: Machine,
    loopback: tuple[Simulator, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", loopback[1])
    status, report = doctor(capsys)
    assert status == 1 and "answers: first request" in report
    assert problems(report) == [
        (
            "PROBLEM  no API key is set: tools that call OpenRouter will refuse to run",
            "fix: run `openrouter-mcp init` (it asks for the key, checks it and saves it in the user config .env)",
        )
    ]
