"""`openrouter-mcp serve` options that belong to --http, checked before anything starts."""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator

import pytest

from mcp_server_openrouter.cli import main


@pytest.fixture(autouse=True)
def _leave_the_test_process_as_it_was() -> Iterator[None]:
    """`serve` takes SIGTERM and the root logger for itself: give them back to pytest."""
    handler, root = signal.getsignal(signal.SIGTERM), logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    signal.signal(signal.SIGTERM, handler)
    root.handlers[:], root.level = handlers, level


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["serve", "--port", "9000"], "go with --http"),
        (["serve", "--per-user-keys"], "go with --http"),
        (["serve", "--http", "--port", "70000"], "--port 70000 is not a port"),
        (["serve", "--http", "--port", "-1"], "--port -1 is not a port"),
    ],
)
def test_options_that_cannot_work_are_refused_with_a_reason(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert said in capsys.readouterr().err


def test_serving_on_every_interface_without_a_token_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--http", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0" in err and "MCP_HTTP_TOKEN" in err
