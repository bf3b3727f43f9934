"""Keep API keys out of everything that leaves the process: logs, errors, reports."""

from __future__ import annotations

import logging
import re

_KEY_PATTERN = re.compile(r"sk-or-[A-Za-z0-9_\-]{4,}")
REDACTED = "sk-or-…[redacted]"


def redact(text: str) -> str:
    """Replace anything shaped like an OpenRouter key with a marker."""
    if "sk-or-" not in text:
        return text
    return _KEY_PATTERN.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts keys from the final message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
