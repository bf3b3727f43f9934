"""Keep API keys out of everything that leaves the process: tool results, logs, tracebacks, reports.

Two nets: the configured key's own value (and its URL-encoded form), registered once when the
settings are loaded, whatever its shape (`sk-proj-…`, `gsk_…`, keys with `.`, `+`, `/`, `=`);
and anything shaped like an OpenRouter key (`sk-or-…`), so a key we never configured — one
echoed by an upstream, say — is caught too. URLs are shown without their credentials.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

_KEY_CHARS = r"[A-Za-z0-9_\-]"
_KEY_PATTERN = re.compile(rf"sk-or-{_KEY_CHARS}{{4,}}")
REDACTED = "sk-or-…[redacted]"
SECRET_REDACTED = "[redacted key]"
# Shorter values are not worth hunting for: they would redact ordinary words.
_MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
# (form, marker) pairs, longest form first.
_secrets: tuple[tuple[str, str], ...] = ()


def register_secret(value: str | None) -> None:
    """Redact `value` (and its URL-encoded forms) from now on, wherever it appears.

    An OpenRouter-shaped key gets the same marker as the pattern gives (`sk-or-…[redacted]`), so
    output does not depend on whether the key was registered; any other key `[redacted key]`.
    """
    global _secrets
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    marker = REDACTED if value.startswith("sk-or-") else SECRET_REDACTED
    forms = {(form, marker) for form in (value, quote(value, safe=""), quote_plus(value))}
    with _lock:
        # Longest first, so a form that contains another is replaced whole.
        _secrets = tuple(sorted(set(_secrets) | forms, key=lambda pair: len(pair[0]), reverse=True))


def redact(text: str) -> str:
    """`text` with every registered secret and every `sk-or-…`-shaped string replaced by a marker.

    A registered secret takes the key characters that follow it along (`sk-or-v1-abc` registered
    must not leave `def…` of `sk-or-v1-abcdef…` behind); then the `sk-or-` pattern runs, so a key
    shape that surrounds a registered secret is caught too.
    """
    secrets = _secrets
    if secrets:
        pattern, markers = _secret_pattern(secrets)
        text = pattern.sub(lambda match: markers[(match.lastindex or 1) - 1], text)
    if "sk-or-" not in text:
        return text
    return _KEY_PATTERN.sub(REDACTED, text)


@functools.lru_cache(maxsize=4)
def _secret_pattern(secrets: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One regex for all registered forms (longest first, one group each) and each group's marker."""
    alternatives = "|".join(f"({re.escape(form)})" for form, _ in secrets)
    return re.compile(f"(?:{alternatives}){_KEY_CHARS}*"), tuple(marker for _, marker in secrets)


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
