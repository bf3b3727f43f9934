"""Why a key or a base URL cannot be used, worded for the person fixing it (never quoting the value)."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from mcp_server_openrouter import _constants as c


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a base URL (a host or port that does not parse), never quoting it."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        host = None
    if host and "@" not in parts.path and not any(ch.isspace() for ch in url):
        return None
    return (
        "OPENROUTER_BASE_URL is not a URL a request can go to (its host or port does not parse). A user name "
        "or password inside it must be percent-encoded (/ as %2F, ? as %3F, # as %23, @ as %40)"
    )


def key_problem(key: str) -> str | None:
    """Why the key cannot be a key (whitespace, control or non-ASCII characters), never quoting it."""
    for position, char in enumerate(key, start=1):
        if "!" <= char <= "~":
            continue
        where = f"at character {position} of {len(key)}"
        again = f"copy the key again from {c.KEYS_URL}"
        if char.isspace():
            what = "a line break" if char in "\r\n" else "a space" if char == " " else "whitespace"
            return f"the key has {what} inside it ({where}); a key has none: {again}"
        if char.isascii():
            return f"the key has a control character U+{ord(char):04X} {where}: {again}"
        name = unicodedata.name(char, "unnamed character")
        return (
            f"the key has the non-ASCII character {char!r} (U+{ord(char):04X} {name}) {where}: keys are "
            f"plain ASCII. A copy-paste through a document or chat app often adds curly quotes; remove it, or {again}"
        )
    return None
