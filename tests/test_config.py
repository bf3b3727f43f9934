"""Settings come from the environment, then `.env` files, then defaults."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from pydantic import ValidationError

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.config import (
    ARGUMENTS,
    DEFAULT,
    ENVIRONMENT,
    Settings,
    Trust,
    UnsafeSettingsError,
    env_name,
    file_origin,
    user_config_dir,
)


def test_defaults_point_at_openrouter_with_no_key() -> None:
    settings = Settings()
    assert settings.api_key is None
    assert settings.base_url == "https://openrouter.ai/api/v1"
    assert settings.cache_ttl_hours == 1
    assert settings.model_cache_file.name == "openrouter_model_cache.json"


@pytest.mark.parametrize("raw", ["  sk-or-v1-abc  ", '"sk-or-v1-abc"', "'sk-or-v1-abc'", ' " sk-or-v1-abc " '])
def test_spaces_and_quotes_around_the_key_in_a_dotenv_file_are_stripped(tmp_path: Path, raw: str) -> None:
    (tmp_path / ".env").write_text(f"OPENROUTER_API_KEY={raw}\n")
    assert Settings().key() == "sk-or-v1-abc"


def test_an_empty_key_counts_as_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "   ")
    assert Settings().api_key is None


def test_a_real_environment_variable_beats_the_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-from-file\n")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-from-env")
    assert Settings().key() == "sk-or-v1-from-env"


def test_the_user_config_dotenv_is_read_and_the_working_directory_one_wins() -> None:
    config = user_config_dir()
    config.mkdir(parents=True)
    (config / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-user\nCACHE_TTL_HOURS=5\n")
    assert Settings().key() == "sk-or-v1-user"
    Path(".env").write_text("OPENROUTER_API_KEY=sk-or-v1-project\n")
    settings = Settings()
    assert settings.key() == "sk-or-v1-project"
    assert settings.cache_ttl_hours == 5


def test_the_base_url_loses_its_trailing_slash_and_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://localhost:1234/v1/")
    assert Settings().base_url == "http://localhost:1234/v1"
    monkeypatch.setenv("OPENROUTER_BASE_URL", "localhost:1234")
    with pytest.raises(ValidationError, match="must start with http"):
        Settings()


def test_cache_ttl_zero_is_allowed_and_negative_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_TTL_HOURS", "0")
    assert Settings().cache_ttl_hours == 0
    monkeypatch.setenv("CACHE_TTL_HOURS", "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_directories_follow_the_platform_and_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings()
    assert settings.cache_dir == tmp_path / "cache" / "openrouter-mcp"
    assert settings.resolved_reports_dir == tmp_path / "data" / "openrouter-mcp" / "reports"
    monkeypatch.setenv("OPENROUTER_MCP_CACHE_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("OPENROUTER_MCP_REPORTS_DIR", str(tmp_path / "reports"))
    settings = Settings()
    assert settings.model_cache_file == tmp_path / "elsewhere" / "openrouter_model_cache.json"
    assert settings.resolved_reports_dir == tmp_path / "reports"


def test_the_key_is_hidden_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-v1-very-secret")
    settings = Settings()
    assert "very-secret" not in repr(settings) and "very-secret" not in str(settings.model_dump())


# --- Where settings come from, and whom they are trusted to redirect ---------------------------

ENV_KEY = "gsk_env+Key/with=odd.chars_0123"


def user_env(text: str) -> Path:
    path = user_config_dir() / ".env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def project_env(text: str) -> Path:
    path = Path(".env")
    path.write_text(text)
    return path.resolve()


def test_a_working_directory_env_may_not_redirect_a_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    path = project_env("OPENROUTER_BASE_URL=https://collector.example/v1\n")
    with pytest.raises(UnsafeSettingsError) as refused:
        Settings()
    message = str(refused.value)
    assert str(path) in message and "OPENROUTER_BASE_URL" in message
    assert "comes from the environment" in message and "Set OPENROUTER_BASE_URL in the environment" in message
    assert ENV_KEY not in message and "collector.example" not in message


def test_a_working_directory_env_may_not_redirect_a_key_from_the_user_config_env() -> None:
    user = user_env(f"OPENROUTER_API_KEY={ENV_KEY}\n")
    project_env("OPENROUTER_BASE_URL=https://collector.example/v1\n")
    with pytest.raises(UnsafeSettingsError) as refused:
        Settings()
    # The way out names both places that are trusted as much as the key's own.
    message = str(refused.value)
    assert "in the environment" in message and f"or in the user config .env ({user.resolve()})" in message


@pytest.mark.parametrize(
    "line",
    [
        "OPENROUTER_MCP_CACHE_DIR=./cache",
        "OPENROUTER_MCP_DATA_DIR=./data",
        "OPENROUTER_MCP_REPORTS_DIR=./reports",
        "openrouter_base_url=https://collector.example/v1",  # names are not case-sensitive
        "base_url=https://collector.example/v1",  # nor only the documented ones (populate_by_name)
    ],
)
def test_directories_and_every_spelling_of_a_guarded_setting_follow_the_same_rule(
    monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    project_env(line + "\n")
    with pytest.raises(UnsafeSettingsError, match=r"working directory's \.env .* sets OPENROUTER_"):
        Settings()


def test_several_guarded_settings_from_one_file_are_named_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    project_env("OPENROUTER_BASE_URL=https://collector.example/v1\nOPENROUTER_MCP_CACHE_DIR=./c\n")
    with pytest.raises(UnsafeSettingsError, match="sets OPENROUTER_BASE_URL and OPENROUTER_MCP_CACHE_DIR"):
        Settings()


def test_the_user_config_env_may_not_redirect_a_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The rule is "at least as trusted as the key's own place", and the environment ranks above it.
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    user = user_env("OPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    with pytest.raises(UnsafeSettingsError) as refused:
        Settings()
    message = str(refused.value)
    assert str(user.resolve()) in message and "is less trusted than the environment" in message
    assert "or in the user config .env" not in message  # that would not help


def test_a_working_directory_env_that_sets_both_key_and_base_url_is_accepted() -> None:
    path = project_env(f"OPENROUTER_API_KEY={ENV_KEY}\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    settings = Settings()
    assert settings.base_url == "http://localhost:1234/v1"
    assert settings.base_url_origin.trust is Trust.PROJECT_FILE and settings.base_url_origin.path == path
    assert settings.origin("api_key").trust is Trust.PROJECT_FILE


def test_a_more_trusted_base_url_is_accepted_with_a_less_trusted_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://localhost:1234/v1")
    user_env("OPENROUTER_MCP_CACHE_DIR=/tmp/somewhere\n")
    project_env(f"OPENROUTER_API_KEY={ENV_KEY}\n")
    settings = Settings()
    assert settings.base_url_origin is ENVIRONMENT
    assert settings.origin("cache_dir").trust is Trust.USER_FILE


def test_the_user_config_env_may_redirect_its_own_key() -> None:
    user_env(f"OPENROUTER_API_KEY={ENV_KEY}\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    assert Settings().base_url_origin.trust is Trust.USER_FILE


def test_a_working_directory_env_that_repeats_the_default_base_url_redirects_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    project_env('OPENROUTER_BASE_URL="https://openrouter.ai/api/v1/"\n')
    assert Settings().base_url_origin is DEFAULT


def test_a_working_directory_env_that_repeats_the_key_may_set_the_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whoever wrote that file knows the key already: following it exposes nothing new.
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    project_env(f"OPENROUTER_API_KEY={ENV_KEY}\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    settings = Settings()
    assert settings.origin("api_key") is ENVIRONMENT and settings.base_url_origin.trust is Trust.PROJECT_FILE


def test_a_working_directory_env_with_another_key_may_not_redirect_the_environment_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    project_env("OPENROUTER_API_KEY=gsk_some_other_key_000\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    with pytest.raises(UnsafeSettingsError):
        Settings()


def test_without_a_key_a_working_directory_env_may_set_the_base_url() -> None:
    project_env("OPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    assert Settings().base_url_origin.trust is Trust.PROJECT_FILE


def test_origins_name_the_environment_and_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://localhost:1234/v1")
    settings = Settings()
    assert str(settings.base_url_origin) == "the environment" and str(settings.origin("data_dir")) == "the default"
    with pytest.raises(KeyError):
        settings.origin("timeout_seconds")


def test_settings_given_as_arguments_rank_with_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    project_env("OPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    with pytest.raises(UnsafeSettingsError):
        Settings(api_key=ENV_KEY)
    assert Settings(_env_file=None, api_key=ENV_KEY, base_url="http://x.test").base_url_origin is ARGUMENTS


def test_an_env_file_that_is_both_the_working_directory_and_the_user_config_one_counts_as_the_user_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = user_env(f"OPENROUTER_API_KEY={ENV_KEY}\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")
    monkeypatch.chdir(user.parent)
    assert file_origin(Path(".env")).trust is Trust.USER_FILE
    assert Settings().base_url_origin.trust is Trust.USER_FILE


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_env_file_as_secret_managers_provide_is_read_once_and_its_origin_recorded() -> None:
    fifo = Path(".env").resolve()
    os.mkfifo(fifo)
    read = threading.Event()

    def write_once() -> None:
        fifo.write_text(f"OPENROUTER_API_KEY={ENV_KEY}\nOPENROUTER_BASE_URL=http://localhost:1234/v1\n")

    def unblock_a_second_reader() -> None:
        # Were the FIFO opened a second time, the reader would wait for a writer forever: end it.
        if not read.wait(5):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=write_once, daemon=True).start()
    threading.Thread(target=unblock_a_second_reader, daemon=True).start()
    settings = Settings()
    read.set()
    assert settings.key() == ENV_KEY and settings.base_url_origin.trust is Trust.PROJECT_FILE


# --- The key itself: redacted from the moment it is read, refused when it cannot be a key ---------


def test_the_configured_key_is_redacted_as_soon_as_settings_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "gsk_loaded+at=start/up.0042"
    monkeypatch.setenv("OPENROUTER_API_KEY", key)
    assert redact(f"upstream said: Bearer {key}") == f"upstream said: Bearer {key}"  # not a known key yet
    Settings()
    assert redact(f"upstream said: Bearer {key}") == "upstream said: Bearer [redacted key]"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("gsk_abc def_0123456789", "has a space inside it (at character 8 of 22)"),
        ("gsk_abc\tdef_0123456789", "has whitespace inside it"),
        ("\u201cgsk_abcdef_0123456789\u201d", "U+201C LEFT DOUBLE QUOTATION MARK) at character 1"),
        ("gsk_abcdéf_0123456789", "U+00E9 LATIN SMALL LETTER E WITH ACUTE"),
        ("gsk_abc\x07def_0123456789", "control character U+0007"),
    ],
)
def test_a_key_with_whitespace_or_non_ascii_inside_is_refused_without_being_quoted(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", raw)
    with pytest.raises(ValidationError) as refused:
        Settings()
    text = str(refused.value)
    assert expected in text and "abc" not in text and "0123456789" not in text


def test_settings_or_exit_names_the_variable_and_never_echoes_the_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_server_openrouter.cli._common import settings_or_exit

    monkeypatch.setenv("OPENROUTER_API_KEY", "\u2018gsk_pasted_from_a_chat_0042\u2019")
    with pytest.raises(SystemExit) as exited:
        settings_or_exit()
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert err.startswith("openrouter-mcp: invalid settings:\n  OPENROUTER_API_KEY: the key has the non-ASCII")
    assert "pasted_from_a_chat" not in err and "Value error" not in err


def test_settings_or_exit_refuses_an_unsafe_env_file_readably(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_server_openrouter.cli._common import settings_or_exit

    monkeypatch.setenv("OPENROUTER_API_KEY", ENV_KEY)
    path = project_env("OPENROUTER_BASE_URL=https://collector.example/v1\n")
    with pytest.raises(SystemExit) as exited:
        settings_or_exit()
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.startswith("openrouter-mcp: refusing to start: ")
    assert str(path) in err and "OPENROUTER_BASE_URL" in err and ENV_KEY not in err and "Traceback" not in err


def test_other_invalid_settings_never_quote_their_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "ftp://user:hunter2-secret@example.com")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "hunter2" not in str(refused.value)


def test_env_name_gives_the_documented_variable() -> None:
    assert env_name("base_url") == "OPENROUTER_BASE_URL"
    assert env_name("openrouter_mcp_cache_dir") == "OPENROUTER_MCP_CACHE_DIR"
    assert env_name("CACHE_TTL_HOURS") == "CACHE_TTL_HOURS"


def test_config_path_says_where_the_base_url_and_the_key_came_from_without_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_server_openrouter.cli import main

    monkeypatch.setenv("OPENROUTER_BASE_URL", f"https://user:{quote(ENV_KEY, safe='')}@proxy.example/v1?key=abc")
    user_env(f"OPENROUTER_API_KEY={ENV_KEY}\n")
    assert main(["config-path"]) == 0
    out = capsys.readouterr().out
    assert "base url: https://proxy.example/v1?… (from the environment)" in out
    assert f"api key: set (from the user config .env ({(user_config_dir() / '.env').resolve()}))" in out
    assert "gsk_env" not in out and "user:" not in out


def test_a_base_url_with_unencoded_credentials_is_refused_without_quoting_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcp_server_openrouter.cli import main

    # The "/" in the key ends the host part early: "gsk_env+Key" would be read as a port.
    monkeypatch.setenv("OPENROUTER_BASE_URL", f"https://user:{ENV_KEY}@proxy.example/v1")
    with pytest.raises(SystemExit) as exited:
        main(["config-path"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "OPENROUTER_BASE_URL: OPENROUTER_BASE_URL is not a URL" in err
    assert "percent-encoded (/ as %2F" in err and "gsk_env" not in err and "odd.chars" not in err


def test_the_settings_as_environment_variables_give_the_same_settings_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Settings(
        _env_file=None,
        api_key="sk-or-v1-child-process-0000",
        base_url="http://127.0.0.1:9/api/v1",
        timeout_seconds=12.5,
        max_retries=4,
        cache_responses=True,
        cache_dir=tmp_path / "c",
        reports_dir=tmp_path / "r",
        log_level="DEBUG",
    )
    for name, value in original.as_environment().items():
        monkeypatch.setenv(name, value)
    child = Settings(_env_file=None)
    assert child.model_dump() == original.model_dump()
    assert child.key() == original.key()
