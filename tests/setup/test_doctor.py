"""The doctor's checks as plain functions: the service and key (through the simulator), directories, clients."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.setup import doctor
from mcp_server_openrouter.setup.client_check import KeyPlaces, Ran, about_clients
from mcp_server_openrouter.setup.clients import KnownConfig, known_configs
from mcp_server_openrouter.setup.findings import Finding, Level
from mcp_server_openrouter.setup.host import Host
from mcp_server_openrouter.setup.probe import Probe, probe
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, make_client, make_settings


def levels(findings: list[Finding]) -> list[Level]:
    return [finding.level for finding in findings]


def text(findings: list[Finding]) -> str:
    return "\n".join(f"{f.text} {f.fix or ''}" for f in findings)


@pytest.mark.anyio
async def test_a_good_key_is_valid_with_its_credit_and_the_latency_of_two_requests(
    transport: httpx.ASGITransport, settings: Settings
) -> None:
    found = await probe(make_client(transport), monotonic=iter(range(0, 100, 1)).__next__)
    assert found.reachable and (found.first_ms, found.again_ms) == (1000, 1000)
    findings = doctor.about_service(found, settings)
    # The key's line and the balance are the account check's (`openrouter-mcp account`), word for word.
    assert found.account is not None and found.account.key is not None
    assert [f.text for f in findings[1:]] == [
        f"the key is valid. {found.account.lines()[0]}",
        *found.account.lines()[1:],
    ]
    assert levels(findings)[:2] == [Level.OK, Level.OK] and "Key: spent today $" in findings[1].text
    assert "no spending limit" in findings[1].text and "management keys only" in findings[2].text  # an ordinary key


@pytest.mark.anyio
async def test_a_revoked_key_is_a_problem_whose_fix_is_a_new_key_and_init(
    simulator: Simulator, transport: httpx.ASGITransport, settings: Settings
) -> None:
    simulator.revoked.add(FAKE_KEY)
    found = await probe(make_client(transport))
    assert found.reachable and found.key_refused and found.account is None
    findings = doctor.about_service(found, settings)
    assert levels(findings) == [Level.OK, Level.PROBLEM]
    assert "was refused" in findings[1].text and "openrouter-mcp init" in (findings[1].fix or "")


@pytest.mark.anyio
async def test_an_unreachable_base_url_is_a_problem_that_names_where_the_url_was_set(tmp_path: Path) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/v1"
    async with make_client(httpx.AsyncHTTPTransport(), base_url=url) as client:
        found = await probe(client)
    assert not found.reachable
    findings = doctor.about_service(found, make_settings(tmp_path, base_url=url))
    assert levels(findings) == [Level.PROBLEM]
    assert "OPENROUTER_BASE_URL, set in the program's arguments" in text(findings)


def test_a_key_with_nothing_left_is_a_problem_and_the_balance_note_stays(settings: Settings) -> None:
    from decimal import Decimal

    from mcp_server_openrouter.client import KeyInfo
    from mcp_server_openrouter.usage.account import AccountView

    spent = KeyInfo(label="team", limit=Decimal(5), limit_remaining=Decimal(0), usage=Decimal(5))
    account = AccountView(key=spent, notes=["Balance: not shown: an ordinary key."])
    findings = doctor.about_service(Probe(reachable=True, first_ms=5, account=account), settings)
    assert levels(findings) == [Level.OK, Level.PROBLEM, Level.INFO]
    assert findings[1].text == "the key is valid but has nothing left. Key: $5.00 in all; limit $5.00, $0.00 left."
    assert findings[1].fix is not None and "raise the key's limit" in findings[1].fix
    assert findings[2].text == "Balance: not shown: an ordinary key."


def test_a_key_whose_account_cannot_be_read_after_all_is_a_problem(settings: Settings) -> None:
    from mcp_server_openrouter.usage.account import AccountView

    account = AccountView(notes=["Account: not shown: OpenRouter did not answer within 10 s."])
    findings = doctor.about_service(Probe(reachable=True, first_ms=5, account=account), settings)
    assert levels(findings) == [Level.OK, Level.PROBLEM]
    assert findings[1].text == "could not check the key: Account: not shown: OpenRouter did not answer within 10 s."
    assert findings[1].fix == "run `openrouter-mcp doctor` again"


def test_settings_say_where_each_came_from_and_never_show_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    Path(".env").write_text("OPENROUTER_TIMEOUT=42\n")
    findings = doctor.about_settings(Settings(), [Path(".env")])
    shown = text(findings)
    assert FAKE_KEY not in shown
    assert "OPENROUTER_API_KEY = sk-or-…[redacted] (22 characters) (from the environment)" in shown
    assert "OPENROUTER_TIMEOUT = 42.0 (from the working directory's .env" in shown
    assert "OPENROUTER_BASE_URL = https://openrouter.ai/api/v1 (from the default)" in shown


def test_a_directory_that_cannot_be_created_is_a_problem_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    settings = make_settings(tmp_path, cache_dir=tmp_path / "a-file" / "cache")
    findings = doctor.about_directories(settings)
    assert levels(findings) == [Level.PROBLEM, Level.OK]
    assert "is not writable" in findings[0].text
    assert "set OPENROUTER_MCP_CACHE_DIR to a directory" in text(findings)


def desktop(host: Host, entry: dict[str, object]) -> KnownConfig:
    config = known_configs(host)[0]
    config.path.parent.mkdir(parents=True, exist_ok=True)
    config.path.write_text(json.dumps({"mcpServers": {"openrouter": entry, "other": {"command": "x"}}}))
    return config


def test_a_client_whose_command_works_and_finds_the_key_is_fine(host: Host) -> None:
    config = desktop(host, {"command": sys.executable, "args": ["-m", "mcp_server_openrouter"]})
    asked: list[list[str]] = []

    def run(argv: list[str]) -> Ran:
        asked.append(argv)
        return Ran(True, "openrouter-mcp 9.9")

    findings = about_clients(host, [config], version="9.9", keys=KeyPlaces(user_env=True, environment=False), run=run)
    assert levels(findings) == [Level.OK, Level.OK] and asked == [[sys.executable, "-m", "mcp_server_openrouter"]]


def test_a_missing_command_is_a_problem_whose_fix_reinstalls(host: Host, tmp_path: Path) -> None:
    config = desktop(host, {"command": str(tmp_path / "gone" / "openrouter-mcp"), "args": []})
    findings = about_clients(host, [config], version="1", keys=KeyPlaces(True, False), run=lambda argv: Ran(True, ""))
    assert levels(findings) == [Level.PROBLEM] and "does not exist" in findings[0].text
    assert findings[0].fix is not None and findings[0].fix.startswith("openrouter-mcp install claude-desktop")


def test_a_command_by_name_in_a_desktop_app_is_a_warning_and_one_that_fails_a_problem(host: Host) -> None:
    from .conftest import add_program

    add_program(host, "uvx", "")
    config = desktop(host, {"command": "uvx", "args": ["mcp-server-openrouter"]})
    findings = about_clients(
        host, [config], version="1", keys=KeyPlaces(True, False), run=lambda argv: Ran(False, "No solution found")
    )
    assert levels(findings) == [Level.WARNING, Level.PROBLEM] and "may not share your shell's PATH" in findings[0].text
    assert "`uvx mcp-server-openrouter --version` failed: No solution found" in findings[1].text


def test_an_older_version_is_a_warning_and_a_key_only_in_the_shell_does_not_reach_a_desktop_app(host: Host) -> None:
    config = desktop(host, {"command": sys.executable, "args": ["-m", "mcp_server_openrouter"]})
    findings = about_clients(
        host, [config], version="2.0", keys=KeyPlaces(False, True), run=lambda argv: Ran(True, "openrouter-mcp 1.0")
    )
    assert levels(findings) == [Level.WARNING, Level.PROBLEM]
    assert "runs openrouter-mcp 1.0; this is 2.0" in findings[0].text and findings[1].fix is not None
    assert "openrouter-mcp init" in findings[1].fix


def test_unreadable_configs_and_configs_without_us_are_reported_as_such(host: Host) -> None:
    configs = known_configs(host)
    configs[0].path.parent.mkdir(parents=True)
    configs[0].path.write_text("{oops")
    (host.home / ".claude.json").write_text(json.dumps({"mcpServers": {"github": {"command": "gh"}}}))
    findings = about_clients(host, configs, version="1", keys=KeyPlaces(True, False))
    assert levels(findings) == [Level.PROBLEM, Level.INFO]
    assert "not valid JSON" in findings[0].text and "has no openrouter-mcp server" in findings[1].text
