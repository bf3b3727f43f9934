"""`init` writes the key into the user config .env: only its line changes, 0600, and Settings reads it back."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.setup._errors import SetupError
from mcp_server_openrouter.setup.userenv import has_key, save_key, user_env_file, with_key

from ..helpers import FAKE_KEY


def test_the_key_replaces_only_its_own_line_and_repeats_are_dropped() -> None:
    text = (
        "# mine\nOPENROUTER_BASE_URL=http://localhost:1/v1\nexport openrouter_api_key = old\nOPENROUTER_API_KEY=older\n"
    )
    assert (
        with_key(text, FAKE_KEY)
        == f"# mine\nOPENROUTER_BASE_URL=http://localhost:1/v1\nOPENROUTER_API_KEY={FAKE_KEY}\n"
    )
    assert with_key("", FAKE_KEY) == f"OPENROUTER_API_KEY={FAKE_KEY}\n"
    assert with_key("# OPENROUTER_API_KEY=commented\n", FAKE_KEY).count("\n") == 2


@pytest.mark.parametrize("key", [FAKE_KEY, "sk-or-v1-with#hash", "gsk_it's-quoted", "k\"e\\y-both-'-x"])
def test_a_saved_key_reads_back_through_settings_exactly(tmp_path: Path, key: str) -> None:
    path = save_key(key, tmp_path / "config" / ".env")
    assert Settings(_env_file=path).key() == key


def test_the_user_env_is_written_0600_in_a_0700_directory_and_other_settings_survive() -> None:
    path = user_env_file()
    path.parent.mkdir(parents=True)
    path.write_text("CACHE_TTL_HOURS=2\n")
    assert not has_key()
    save_key(FAKE_KEY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    settings = Settings()
    assert settings.key() == FAKE_KEY and settings.cache_ttl_hours == 2 and has_key()


def test_a_user_env_that_is_a_pipe_is_not_replaced(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / ".env"
    os.mkfifo(fifo)
    with pytest.raises(SetupError, match="not a regular file"):
        save_key(FAKE_KEY, fifo)
    assert fifo.is_fifo()
