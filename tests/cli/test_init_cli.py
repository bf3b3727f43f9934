"""`openrouter-mcp init`, in process against the simulator on loopback: a key is saved once OpenRouter accepts it."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from mcp_server_openrouter.cli import init as init_command
from mcp_server_openrouter.cli import main
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY
from .conftest import Machine


@pytest.fixture
def service(loopback: tuple[Simulator, str], monkeypatch: pytest.MonkeyPatch) -> Simulator:
    monkeypatch.setenv("OPENROUTER_BASE_URL", loopback[1])
    return loopback[0]


def output(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_a_good_key_is_checked_then_saved_0600_and_never_printed(
    machine: Machine, service: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--key", f"  '{FAKE_KEY}'  "]) == 0
    said = output(capsys)
    assert "The key is valid. Key: spent today $" in said and f"Saved to {machine.user_env}" in said
    assert machine.user_env.read_text() == f"OPENROUTER_API_KEY={FAKE_KEY}\n"  # quotes and spaces dropped
    assert stat.S_IMODE(machine.user_env.stat().st_mode) == 0o600 and FAKE_KEY not in said


def test_a_key_openrouter_refuses_is_a_clear_error_and_nothing_is_written(
    machine: Machine, service: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    service.revoked.add(FAKE_KEY)
    assert main(["init", "--key", FAKE_KEY]) == 1
    said = output(capsys)
    assert "OpenRouter refused this key" in said and "User not found" in said and "nothing was written" in said
    assert "https://openrouter.ai/settings/keys" in said and FAKE_KEY not in said
    assert not machine.user_env.exists()


def test_an_unreachable_service_writes_nothing(machine: Machine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1")
    assert main(["init", "--key", FAKE_KEY]) == 1
    assert not machine.user_env.exists()


def test_a_person_at_a_terminal_is_asked_with_hidden_input(
    machine: Machine, service: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    prompts: list[str] = []

    def ask(prompt: str) -> str:
        prompts.append(prompt)
        return FAKE_KEY

    monkeypatch.setattr(init_command, "interactive", lambda: True)
    monkeypatch.setattr(getpass, "getpass", ask)
    assert main(["init"]) == 0
    assert prompts == [init_command.PROMPT] and FAKE_KEY in machine.user_env.read_text()


@pytest.mark.parametrize("how", ["environment", "stdin"])
def test_without_a_terminal_the_key_comes_from_the_environment_or_stdin(
    machine: Machine, service: Simulator, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "environment":
        monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_KEY)
        arguments = ["init"]
    else:
        monkeypatch.setattr("sys.stdin", io.StringIO(FAKE_KEY + "\n"))
        arguments = ["init", "--key", "-"]
    assert main(arguments) == 0
    assert machine.user_env.read_text() == f"OPENROUTER_API_KEY={FAKE_KEY}\n"


def test_without_a_key_or_a_terminal_it_says_how_to_give_one(
    machine: Machine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 1
    assert "pass --key KEY" in output(capsys) and not machine.user_env.exists()


def test_a_key_with_a_space_inside_is_refused_before_anything_is_sent(
    machine: Machine, service: Simulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--key", "sk-or-v1-abc def-0000"]) == 1
    assert "the key has a space inside it (at character 13 of 21)" in output(capsys)
    assert not machine.user_env.exists()


def test_a_base_url_from_the_working_directory_env_never_receives_the_key(
    machine: Machine, loopback: tuple[Simulator, str], capsys: pytest.CaptureFixture[str]
) -> None:
    Path(".env").write_text(f"OPENROUTER_BASE_URL={loopback[1]}\n")
    assert main(["init", "--key", FAKE_KEY]) == 1
    assert "may not receive a key" in output(capsys) and not machine.user_env.exists()


def test_other_settings_in_the_user_env_are_kept_and_a_key_in_the_shell_is_said_to_win(
    machine: Machine, service: Simulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    machine.user_env.parent.mkdir(parents=True)
    machine.user_env.write_text("CACHE_TTL_HOURS=3\nOPENROUTER_API_KEY=sk-or-v1-old-key-1111\n")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-shell-key-2222")
    assert main(["init", "--key", FAKE_KEY]) == 0
    assert machine.user_env.read_text() == f"CACHE_TTL_HOURS=3\nOPENROUTER_API_KEY={FAKE_KEY}\n"
    assert "in this shell's environment still wins" in output(capsys)
