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
