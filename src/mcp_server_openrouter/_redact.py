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
from typing import Any
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
    # The substring checks first: most text holds no key, and `in` is far cheaper than the regex.
    if secrets and any(form in text for form, _ in secrets):
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


def redact_structure(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with `redact` applied to every string in it."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_structure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_structure(item) for item in value]
    return value


def strip_url_credentials(url: str) -> str:
    """The URL without `user:password@` and with its query string (which may hold `?key=`) removed.

    Credentials typed without percent-encoding (a `/`, `?` or `#` inside the password) make a URL
    parser read part of them as the host, the port or the path. Such URLs are cut at their last
    `@`; one still ambiguous (an `@` only after a `?` or `#`) or unreadable shows its scheme only.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return _cut_at_credentials(url)
    if "@" in parts.path or (not parts.netloc and "@" in url):
        return _cut_at_credentials(url)
    if "@" not in parts.netloc and ("@" in parts.query or "@" in parts.fragment):
        return f"{parts.scheme}://…" if parts.scheme else _UNSHOWN
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address
    if port is not None:
        host = f"{host}:{port}"
    query = "…" if parts.query else ""
    return redact(urlunsplit((parts.scheme, host, parts.path, query, "")))


_UNSHOWN = "(a URL that cannot be shown safely)"
_LOOSE_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?:.*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.\-]+)(?P<port>:[0-9]+)?(?P<path>/[^?#@]*)?(?P<query>\?[^#]*)?(?:#.*)?",
    re.DOTALL,
)


def _cut_at_credentials(url: str) -> str:
    match = _LOOSE_URL.fullmatch(url.strip())
    if match is None:
        scheme = url.strip().partition("://")[0]
        return f"{scheme}://…" if scheme.isalpha() else _UNSHOWN
    query = "?…" if match["query"] else ""
    return redact(f"{match['scheme']}://{match['host'].lower()}{match['port'] or ''}{match['path'] or ''}{query}")


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
