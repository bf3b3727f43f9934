"""The `bench` command in process: its arguments, and the spending guard before it sends anything
(its runs end to end are in tests/test_e2e_bench.py)."""

from __future__ import annotations

import json

import pytest

from mcp_server_openrouter.cli import main
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY
from .helpers import FAST, OTHER, chat_bodies

# Two models, one run each, at most 1,000 tokens: up to ~$0.001 in all.
BENCH = ["bench", FAST, OTHER, "--prompt", "Say hi", "--max-tokens", "1000", "--json"]


@pytest.fixture
def served(loopback: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """The command's settings pointed at a simulator on loopback."""
    simulator, base_url = loopback
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", base_url)
    return simulator


def test_bench_has_help_naming_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: openrouter-mcp bench")
    for option in ("MODEL", "--prompt", "--runs", "--delay", "--out", "--name", "--max-cost", "--yes", "--json"):
        assert option in shown


def test_bench_needs_a_prompt_and_refuses_bad_numbers_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "openai/gpt-4o-mini"])
    assert exited.value.code == 2 and "--prompt" in capsys.readouterr().err
    assert main(["bench", "openai/gpt-4o-mini", "--prompt", "hi", "--runs", "11"]) == 2
    assert "`runs` must be an integer from 1 to 10" in capsys.readouterr().err


def test_above_the_confirmation_threshold_bench_runs_only_with_yes(
    served: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENROUTER_CONFIRM_ABOVE_USD", "0.001")
    assert main(BENCH) == 1
    refused = capsys.readouterr()
    assert refused.out == "" and chat_bodies(served) == []
    assert '"Send a benchmark of 2 models × 1 run (2 calls)? It could cost up to $0.001' in refused.err
    assert "run it again with --yes to confirm, or raise or unset OPENROUTER_CONFIRM_ABOVE_USD" in refused.err
    assert main([*BENCH, "--yes"]) == 0
    confirmed = capsys.readouterr()
    assert [m["model"] for m in json.loads(confirmed.out)["models"]] == [FAST, OTHER]
    assert "Send a benchmark of 2 models × 1 run (2 calls)?" in confirmed.err and "Yes (--yes)." in confirmed.err
    assert len(chat_bodies(served)) == 2


def test_bench_is_refused_past_the_daily_budget_before_anything_is_sent_even_with_yes(
    served: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENROUTER_BUDGET_DAILY_USD", "0.0005")
    assert main([*BENCH, "--yes"]) == 1
    said = capsys.readouterr().err
    assert "Not sent: a benchmark of 2 models × 1 run (2 calls) could cost up to $0.001" in said
    assert "(OPENROUTER_BUDGET_DAILY_USD) is spent today" in said and chat_bodies(served) == []
    assert main(["bench", FAST, "--prompt", "hi", "--max-cost", "-1"]) == 2
    assert "`--max-cost` must be a number of US dollars" in capsys.readouterr().err
