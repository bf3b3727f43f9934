"""Settings come from the environment, then `.env` files, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from mcp_server_openrouter.config import Settings, user_config_dir


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
