"""From an HTTP error response (or a 200 carrying `error`) to the right exception of the tree.

The classes live in `mcp_server_openrouter.errors`; this module reads bodies and headers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mcp_server_openrouter.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
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
    429: RateLimitError,
    502: ServiceUnavailableError,
    503: ServiceUnavailableError,
    504: ServiceUnavailableError,
}


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
    """When a rate limit resets, in epoch seconds: X-RateLimit-Reset (ms), then Retry-After (s)."""
    meta_headers = metadata.get("headers")
    sources: list[Mapping[str, Any]] = [headers]
    if isinstance(meta_headers, Mapping):
        sources.insert(0, meta_headers)
    for source in sources:
        lowered = {str(k).lower(): v for k, v in source.items()}
        reset = _to_float(lowered.get("x-ratelimit-reset"))
        if reset is not None:
            # Milliseconds since the epoch; tolerate seconds from other OpenAI-compatible servers.
            return reset / 1000 if reset > 1e11 else reset
        retry_after = _to_float(lowered.get("retry-after"))
        if retry_after is not None:
            return now + retry_after
    return None


def _to_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def status_error(
    status: int,
    body: object,
    *,
    headers: Mapping[str, str] | None = None,
    now: float = 0.0,
    text: str = "",
) -> APIStatusError:
    """Build the exception for an HTTP error (or a 200 carrying `error`)."""
    error = error_object(body) or {}
    message = str(error.get("message") or text.strip()[:500] or f"HTTP {status}")
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
        return RateLimitError(message, reset_at=_reset_at(metadata, headers or {}, now), **kwargs)
    cls = _STATUS_ERRORS.get(status, APIStatusError)
    return cls(message, **kwargs)
