"""The `bench` command's arguments, in process (its runs end to end are in tests/test_e2e_bench.py)."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.cli import main


def test_bench_has_help_naming_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: openrouter-mcp bench")
    for option in ("MODEL", "--prompt", "--runs", "--delay", "--out", "--name", "--max-cost", "--json"):
        assert option in shown


def test_bench_needs_a_prompt_and_refuses_bad_numbers_before_anything_starts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["bench", "openai/gpt-4o-mini"])
    assert exited.value.code == 2 and "--prompt" in capsys.readouterr().err
    assert main(["bench", "openai/gpt-4o-mini", "--prompt", "hi", "--runs", "11"]) == 2
    assert "`runs` must be an integer from 1 to 10" in capsys.readouterr().err
