from __future__ import annotations

import logging

import pytest

from mcp_server_openrouter._redact import RedactingFilter, redact


def test_keys_are_redacted_wherever_they_appear() -> None:
    text = "header Bearer sk-or-v1-0123456789abcdef and again sk-or-v1-zz_-99"
    assert redact(text) == "header Bearer sk-or-…[redacted] and again sk-or-…[redacted]"


def test_text_without_a_key_is_returned_unchanged() -> None:
    assert redact("nothing to see") == "nothing to see"


def test_log_records_are_redacted_after_formatting(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="test-redaction"):
        logger.info("sending with key %s", "sk-or-v1-abcdef0123456789")
    assert caplog.messages == ["sending with key sk-or-…[redacted]"]


@pytest.fixture
def registered() -> str:
    from mcp_server_openrouter import _redact

    key = "gsk_live+key/with=odd.chars"
    _redact.register_secret(key)  # forgotten after the test (conftest)
    return key


def test_the_configured_key_is_redacted_whatever_its_shape_and_encoding(registered: str) -> None:
    from urllib.parse import quote

    text = f"echo: Bearer {registered}; in a URL: ?key={quote(registered, safe='')}"
    cleaned = redact(text)
    assert registered not in cleaned and quote(registered, safe="") not in cleaned
    assert cleaned == "echo: Bearer [redacted key]; in a URL: ?key=[redacted key]"


def test_urls_are_shown_without_credentials_or_query() -> None:
    from mcp_server_openrouter._redact import strip_url_credentials

    assert strip_url_credentials("https://user:s3cret-token@example.com:8443/api/v1?key=abc") == (
        "https://example.com:8443/api/v1?…"
    )
    assert strip_url_credentials("https://openrouter.ai/api/v1") == "https://openrouter.ai/api/v1"


def test_logged_tracebacks_are_redacted_too(registered: str, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test-redaction-traceback")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.ERROR, logger="test-redaction-traceback"):
        try:
            raise ValueError(f"Illegal header value b'Bearer {registered}'")
        except ValueError:
            logger.exception("request failed")
    record = caplog.records[-1]
    assert record.exc_text is not None and registered not in record.exc_text
    assert "[redacted key]" in record.exc_text and caplog.text.count(registered) == 0


def test_a_registered_openrouter_key_gets_the_same_marker_as_the_pattern_gives(registered: str) -> None:
    from mcp_server_openrouter import _redact

    _redact.register_secret("sk-or-v1-odd.key+shape")
    assert redact("Bearer sk-or-v1-odd.key+shape") == "Bearer sk-or-…[redacted]"
    assert redact(f"Bearer {registered}") == "Bearer [redacted key]"


def test_a_registered_key_leaves_no_tail_of_a_longer_token_behind(registered: str) -> None:
    from mcp_server_openrouter import _redact

    _redact.register_secret("sk-or-v1-abc")  # a short key that starts a longer key-shaped string
    assert redact("key sk-or-v1-abcdef0123456789 end") == "key sk-or-…[redacted] end"
    assert redact(f"key {registered}XYZ_42 end") == "key [redacted key] end"


def test_a_key_shape_around_a_registered_secret_is_caught_whole(registered: str) -> None:
    from mcp_server_openrouter import _redact

    _redact.register_secret("inner.secret-value")
    assert redact("sk-or-v1-zz" + "inner.secret-value") == "sk-or-…[redacted][redacted key]"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # A key pasted into the userinfo without percent-encoding its "/" (or "?", "#").
        ("https://user:gsk_a+Key/with=odd.chars_01@proxy.example/v1?key=abc", "https://proxy.example/v1?…"),
        ("https://gsk_a+Key/with=odd@proxy.example/v1", "https://proxy.example/v1"),
        ("https://user:pa?ss@host.example/v1", "https://host.example/v1"),
        ("https://user:pa#ss@host.example:99/v1", "https://host.example:99/v1"),
        # An "@" only after "?" cannot tell a password from a query: the scheme alone is shown.
        ("https://user:12?ss@host.example/v1", "https://…"),
        ("http://localhost:notaport/v1", "http://…"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
        ("http://[::1/v1", "http://…"),
    ],
)
def test_urls_with_unencoded_credentials_never_show_a_piece_of_them(url: str, shown: str) -> None:
    from mcp_server_openrouter._redact import strip_url_credentials

    assert strip_url_credentials(url) == shown
