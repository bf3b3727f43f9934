"""From an HTTP error response (or a 200 carrying `error`) to the right exception of the tree.

The classes live in `mcp_server_openrouter.errors`; this module reads bodies and headers.
Bodies from the edge are hostile input: an HTML page is summarised to its status and
`<title>`, never pasted; only the first `MAX_ERROR_BODY_BYTES` of a body are ever read;
strings in the body kept on the error are redacted like its message.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Any

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    GatewayError,
    InsufficientCreditsError,
    InvalidModelError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTimeoutError,
    ResponseError,
    ServiceUnavailableError,
)

_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: RequestTimeoutError,
    413: BadRequestError,  # the request is too large: shorten it
    422: BadRequestError,  # parameters this model or provider cannot take
    429: RateLimitError,
    500: ServiceUnavailableError,  # an internal error upstream: retried, then "retry shortly"
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    504: ServiceUnavailableError,
    529: ServiceUnavailableError,  # overloaded (Anthropic's status, passed through by some servers)
    # Cloudflare's own: unknown error, origin down, unreachable, TLS handshake, timeout.
    **dict.fromkeys(range(520, 525), GatewayError),
}

MAX_ERROR_BODY_BYTES = 64 * 1024
"""How much of an error body is read; the rest is dropped unread (a 40 MB page stays on the wire)."""

_TITLE = re.compile(r"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


def error_object(body: object) -> Mapping[str, Any] | None:
    """The `error` object of a body, tolerating the bare form `{message, code, metadata}`."""
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, Mapping):
        return error
    if isinstance(error, str):
        return {"message": error}
    if "message" in body and "code" in body:
        return body
    return None


def _reset_at(metadata: Mapping[str, Any], headers: Mapping[str, str], now: float) -> float | None:
    """When a rate limit resets, in epoch seconds: X-RateLimit-Reset, then Retry-After; None if unknown."""
    meta_headers = metadata.get("headers")
    sources: list[Mapping[str, Any]] = [headers]
    if isinstance(meta_headers, Mapping):
        sources.insert(0, meta_headers)
    for source in sources:
        lowered = {str(k).lower(): v for k, v in source.items()}
        reset = _reset_header(lowered.get("x-ratelimit-reset"), now)
        if reset is not None:
            return reset
        retry_after = _retry_after(lowered.get("retry-after"), now)
        if retry_after is not None:
            return retry_after
    return None


def _reset_header(value: object, now: float) -> float | None:
    """X-RateLimit-Reset: OpenRouter sends epoch milliseconds; others send epoch seconds or seconds to wait.

    0 (or less) means unknown, never 1970.
    """
    reset = _to_float(value)
    if reset is None or reset <= 0:
        return None
    if reset > 1e11:
        return reset / 1000
    if reset > 1e9:
        return reset
    return now + reset  # too small for a date after 2001: a number of seconds to wait


def _retry_after(value: object, now: float) -> float | None:
    """Retry-After: seconds to wait, or an HTTP date (RFC 9110)."""
    seconds = _to_float(value)
    if seconds is not None:
        return now + seconds if seconds >= 0 else None
    if not isinstance(value, str):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are always UTC
        when = when.replace(tzinfo=timezone.utc)
    return when.timestamp()


def _to_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def summarize_text(status: int, text: str, content_type: str = "", *, truncated: bool = False) -> str:
    """A message for a body that is not OpenRouter's JSON: an HTML page by its title, text cut short."""
    stripped = text.strip()
    if "html" in content_type.lower() or stripped[:15].lower().startswith(("<!doctype html", "<html")):
        match = _TITLE.search(text)
        title = " ".join(html.unescape(match.group(1)).split())[:200] if match else ""
        page = f"an HTML page titled “{title}”" if title else "an HTML page without a title"
        return f"the server answered HTTP {status} with {page} (from a proxy or the edge, not OpenRouter's API)"
    if not stripped:
        return f"HTTP {status}"
    cut = " …(cut)" if truncated or len(stripped) > 500 else ""
    return f"{stripped[:500]}{cut}"


def redacted(value: object) -> object:
    """`value` (a parsed JSON body) with every string redacted: an upstream may echo the key."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact(str(k)): redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def status_error(
    status: int,
    body: object,
    *,
    headers: Mapping[str, str] | None = None,
    now: float = 0.0,
    text: str = "",
    truncated: bool = False,
) -> APIStatusError:
    """Build the exception for an HTTP error (or a 200 carrying `error`).

    `text` is the body as read (its first `MAX_ERROR_BODY_BYTES`, `truncated` if there was more).
    """
    headers = headers or {}
    body = redacted(body)
    error = error_object(body) or {}
    message = str(
        error.get("message") or summarize_text(status, text, headers.get("content-type", ""), truncated=truncated)
    )
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    metadata = error.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    kwargs: dict[str, Any] = {"status": status, "code": code, "metadata": metadata, "body": body}
    if message == "Provider returned error" or ("raw" in metadata and metadata.get("provider_name")):
        return ProviderError(message, **kwargs)
    if status == 200:
        kwargs["status"] = code or 200
        return ResponseError(message, **kwargs)
    if status == 400 and "not a valid model id" in message.lower():
        return InvalidModelError(message, **kwargs)
    if status == 429:
        return RateLimitError(message, reset_at=_reset_at(metadata, headers, now), **kwargs)
    cls = _STATUS_ERRORS.get(status, APIStatusError)
    return cls(message, **kwargs)
