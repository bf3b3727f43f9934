"""Keep API keys out of everything that leaves the process: tool results, logs, tracebacks, reports.

Two nets: the configured key's own value (and its URL-encoded form), registered once when the
settings are loaded, whatever its shape (`sk-proj-…`, `gsk_…`, keys with `.`, `+`, `/`, `=`);
and anything shaped like an OpenRouter key (`sk-or-…`), so a key we never configured — one
echoed by an upstream, say — is caught too. URLs are shown without their credentials.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

_KEY_PATTERN = re.compile(r"sk-or-[A-Za-z0-9_\-]{4,}")
REDACTED = "sk-or-…[redacted]"
SECRET_REDACTED = "[redacted key]"
# Shorter values are not worth hunting for: they would redact ordinary words.
_MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
_secrets: tuple[str, ...] = ()


def register_secret(value: str | None) -> None:
    """Redact `value` (and its URL-encoded forms) from now on, wherever it appears."""
    global _secrets
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    forms = {value, quote(value, safe=""), quote_plus(value)}
    with _lock:
        # Longest first, so a form that contains another is replaced whole.
        _secrets = tuple(sorted(set(_secrets) | forms, key=len, reverse=True))


def redact(text: str) -> str:
    """`text` with every registered secret and every `sk-or-…`-shaped string replaced by a marker."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, SECRET_REDACTED)
    if "sk-or-" not in text:
        return text
    return _KEY_PATTERN.sub(REDACTED, text)


def strip_url_credentials(url: str) -> str:
    """The URL without `user:password@` and with its query string (which may hold `?key=`) removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    query = "…" if parts.query else ""
    return redact(urlunsplit((parts.scheme, host, parts.path, query, "")))


class RedactingFilter(logging.Filter):
    """A logging filter that redacts keys from the message and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted; handlers then print this text instead.
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
