"""`openrouter-mcp usage` and `openrouter-mcp account`: reports read back from JSON and CSV, local
days, refused dates, and the account view of each kind of key."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.cli import main
from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread
from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.ledger import SQLiteLedger
from mcp_server_openrouter.usage.dates import day_start

from ..helpers import FAKE_KEY, make_settings
from ..test_cli import clean_env, run
from ..usage.local_time import local_time_zone

MODELS = ("openai/gpt-4o-mini", "anthropic/claude-haiku-4.5", "openai/gpt-4o-mini")
MANAGEMENT_KEY = "sk-or-v1-mgmt-key"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The commands' settings: the test key, and the data directory the servers below write to."""
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENROUTER_MCP_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def billed(tmp_path: Path, data_dir: Path) -> Decimal:
    """Three chats through the server (the ledger records them); what the simulator billed for them."""
    simulator = Simulator()

    async def chat() -> None:
        settings = make_settings(tmp_path, data_dir=data_dir)
        async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
            for model in MODELS:
                assert not (await client.call_tool("chat_with_model", {"model": model, "messages": "hi"})).is_error

    anyio.run(chat)
    return sum((Decimal(str(g["total_cost"])) for g in simulator.generations.values()), Decimal(0))


def command(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_usage_as_json_parses_back_to_the_exact_totals(billed: Decimal, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = command(capsys, "usage", "--format", "json")

    report = json.loads(out)
    assert status == 0 and report["group_by"] == "model" and report["totals"]["calls"] == 3
    assert Decimal(report["totals"]["cost_usd"]) == billed
    assert {line["key"]: line["calls"] for line in report["groups"]} == {
        "openai/gpt-4o-mini": 2,
        "anthropic/claude-4.5-haiku-20251001": 1,
    }
    assert "account" not in report  # the report is offline; `account` reads OpenRouter


def test_usage_as_csv_has_one_row_per_line_and_sums_to_the_totals(
    billed: Decimal, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = command(capsys, "usage", "--by", "tool", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and out.startswith("tool,calls,errors,cancelled,prompt_tokens,completion_tokens,")
    assert [(row["tool"], row["calls"]) for row in rows] == [("chat_with_model", "3")]
    assert sum(Decimal(row["cost_usd"]) for row in rows) == billed


def test_usage_as_a_table_names_each_model_with_the_totals_and_what_the_ledger_covers(
    billed: Decimal, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = command(capsys, "usage")

    out = " ".join(out.split())  # rich wraps lines to the terminal's width
    assert status == 0
    assert "by model: 3 calls;" in out and "openai/gpt-4o-mini" in out and "anthropic/claude-4.5-haiku" in out
    assert "calls made through this server with this key" in out and "openrouter-mcp account" in out


def test_usage_by_day_counts_local_days_across_a_clock_change(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = SQLiteLedger(data_dir / "usage.sqlite3")
    with local_time_zone(monkeypatch, "Europe/Berlin"):
        for day in (date(2026, 10, 24), date(2026, 10, 25)):  # Berlin: 24 hours, then 25
            for at in (day_start(day), day_start(day + timedelta(days=1)) - 0.5):
                row = UsageRow(at=at, key_id=key_id(FAKE_KEY), requested_model="m/x", cost=Decimal("0.1"))
                anyio.run(ledger.record, row)
        status, out, _ = command(
            capsys, "usage", "--from", "2026-10-23", "--to", "2026-10-26", "--by", "day", "--format", "csv"
        )

    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0
    assert [(row["day"], row["calls"], row["cost_usd"]) for row in rows] == [
        ("2026-10-24", "2", "0.2"),
        ("2026-10-25", "2", "0.2"),
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "2026-13-01"], "--from '2026-13-01' is not a real date (month must be in 1..12)"),
        (["--from", "12/01/2026"], "--from must be a date written YYYY-MM-DD"),
        (["--from", "2026-12-02", "--to", "2026-12-01"], "--to 2026-12-01 is before --from 2026-12-02"),
        (["--from", "2025-01-01", "--to", "2026-12-01"], "is 700 days; a report covers at most 366 days"),
    ],
)
def test_bad_dates_end_the_command_with_the_reason_and_status_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    status, out, err = command(capsys, "usage", *arguments)

    assert status == 2 and out == "" and message in err


def test_usage_without_a_key_says_the_ledger_is_kept_per_key(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY")

    status, out, err = command(capsys, "usage")

    assert status == 1 and out == "" and "the usage ledger is kept per key: set OPENROUTER_API_KEY" in err


@pytest.fixture
def openrouter(monkeypatch: pytest.MonkeyPatch) -> Iterator[Simulator]:
    """The simulator on loopback, standing in for OpenRouter (the commands make real requests)."""
    simulator = Simulator()
    with serve_in_thread(simulator) as base_url:
        monkeypatch.setenv("OPENROUTER_BASE_URL", base_url)
        yield simulator


def test_account_shows_an_ordinary_keys_spending_and_why_the_balance_is_missing(
    data_dir: Path, openrouter: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = command(capsys, "account")

    assert status == 0
    assert "Key: spent today $0.00, this week $" in out and "$1.00 in all" in out  # a new simulated key's past
    assert "management keys only" in out and "403: Only management keys can perform this operation" in out
    assert openrouter.events_of("request") == []  # no chat: the view spends nothing


def test_account_shows_a_management_keys_balance_as_json(
    data_dir: Path, openrouter: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", MANAGEMENT_KEY)

    status, out, _ = command(capsys, "account", "--json")

    account = json.loads(out)
    assert status == 0 and account["is_management_key"] is True and account["notes"] == []
    assert Decimal(account["balance_usd"]) == Decimal(account["total_credits_usd"]) == 10


def test_account_without_a_key_or_with_a_refused_key_ends_with_status_1(
    data_dir: Path, openrouter: Simulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    openrouter.add_fault(Fault(path="/key", status=401, body={"error": {"message": "User not found.", "code": 401}}))
    status, out, err = command(capsys, "account")
    assert status == 1 and "/key) is missing: OpenRouter error 401: User not found." in out

    monkeypatch.delenv("OPENROUTER_API_KEY")
    status, out, err = command(capsys, "account")
    assert status == 1 and out == "" and "No OpenRouter API key is configured" in err


def test_the_installed_commands_answer_csv_and_json_end_to_end(tmp_path: Path) -> None:
    simulator = Simulator()
    with serve_in_thread(simulator) as base_url:
        env = clean_env(tmp_path, OPENROUTER_API_KEY=MANAGEMENT_KEY, OPENROUTER_BASE_URL=base_url)
        usage = run("usage", "--format", "csv", env=env)
        account = run("account", "--json", env=env)
        refused = run("usage", "--to", "2020-01-01", "--from", "2020-02-01", env=env)

    assert usage.returncode == 0 and list(csv.DictReader(io.StringIO(usage.stdout))) == []
    assert account.returncode == 0 and Decimal(json.loads(account.stdout)["balance_usd"]) == 10
    assert refused.returncode == 2 and "--to 2020-01-01 is before --from 2020-02-01" in refused.stderr
    assert MANAGEMENT_KEY not in usage.stdout + account.stdout + account.stderr
