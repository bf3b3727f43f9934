"""Every error the package raises on purpose, in one tree (importable without httpx).

The hierarchy::

    OpenRouterMCPError                   base of everything below
    ├── InvalidArgumentError             an argument the caller can fix (also a ValueError)
    ├── storage.sqlite.SchemaTooNewError a database written by a newer version (also an sqlite3
    │                                    error; kept there so this module needs no sqlite3)
    ├── UnsafeSettingsError              a less trusted .env tried to redirect the key (start-up)
    ├── setup._errors.SetupError         a client's config cannot be changed safely (install,
    │   │                                uninstall); nothing written. Kept beside the installers
    │   └── AmbiguousConfigError         several Claude Desktop packages, none with a config file
    ├── ReplyNotJSONError                asked for JSON (response_format), the reply is not (keeps the text)
    ├── SpendingRefusedError             a call refused before sending: it could cost too much
    │   ├── BudgetExceededError          its worst case would cross a budget, max_cost_usd or the key's limit
    │   └── NotConfirmedError            it needs the user's confirmation, declined or not possible
    ├── LedgerError                      the usage ledger could not be read or written
    ├── JobError                         a background job could not be found, started or finished
    │   ├── UnknownJobError              no such job id (never existed, or expired; also invalid input)
    │   ├── TooManyJobsError             too many jobs running at once
    │   └── JobEndedEarlyError           it failed or was cancelled with text the caller must still get
    │       └── JobCancelledError        cancelled (cancel_job) while the caller waited for it
    └── OpenRouterError                  every failure of a call to OpenRouter
        ├── MissingAPIKeyError           no key configured; nothing was sent
        │   └── MalformedAPIKeyError     a key HTTP cannot carry (space, line break, curly quote)
        ├── APIConnectionError           the request never got an answer
        │   ├── APITimeoutError          ...because it took too long
        │   └── ReplyLostError           sent, but the reply was lost: maybe processed and billed,
        │       └── ReplyTimeoutError    never retried (also an APITimeoutError)
        └── APIStatusError               OpenRouter answered with an error (status, code, metadata)
            ├── BadRequestError          400: malformed request, context too long
            │   └── InvalidModelError    400: "<id> is not a valid model ID"
            ├── AuthenticationError      401: missing, wrong or revoked key
            ├── InsufficientCreditsError 402: add credits or ask for fewer max_tokens
            ├── PermissionDeniedError    403: moderation (with reasons) or account access
            ├── NotFoundError            404: no endpoint serves this model / capability
            ├── RequestTimeoutError      408
            ├── RateLimitError           429 from OpenRouter itself, with the reset time
            ├── ProviderError            "Provider returned error": the upstream's status and reason
            ├── ServiceUnavailableError  502 / 503 / 504
            │   └── GatewayError         520–524 from the edge (Cloudflare), retried like 502–504
            ├── RedirectError            3xx: the base URL redirects (never followed)
            └── ResponseError            an error at HTTP 200: an `error` body, no choices,
                └── StreamError          or an error in the middle of a stream (keeps the partial text)
                    └── ChoiceError      the provider's error inside a reply's choice (streamed or not)

The MCP layer turns each into a `ToolError` and the CLI prints it: every message says what
was wrong and what to do, keeps OpenRouter's own words, and never contains the API key.
`client._errors.status_error` builds the right `APIStatusError` from a response.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter._redact import redact

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})


class OpenRouterMCPError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidArgumentError(OpenRouterMCPError, ValueError):
    """An argument the caller can fix (wrong type, out of range, unknown model id)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class UnsafeSettingsError(OpenRouterMCPError, ValueError):
    """A less trusted `.env` tried to redirect the key, or to choose where its data is kept."""


class OpenRouterError(OpenRouterMCPError):
    """Base class of every error of a call to OpenRouter."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class MissingAPIKeyError(OpenRouterError):
    def __init__(self) -> None:
        super().__init__(
            "No OpenRouter API key is configured. Set OPENROUTER_API_KEY in the environment, in a .env file "
            "(working directory or the user config directory shown by `openrouter-mcp config-path`), "
            'or in your MCP client\'s server config ("env": {"OPENROUTER_API_KEY": "sk-or-…"}). '
            f"Create a key at {c.KEYS_URL}."
        )


class APIConnectionError(OpenRouterError):
    retryable = True


class APITimeoutError(APIConnectionError):
    pass


class APIStatusError(OpenRouterError):
    """OpenRouter answered with an error.

    `status` is the HTTP status (the provider's own for "Provider returned error"),
    `code` the integer code in the body, `metadata` the body's `error.metadata`.
    """

    hint: str = ""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        metadata: Mapping[str, Any] | None = None,
        body: object = None,
    ) -> None:
        self.status = status
        self.code = code if code is not None else status
        self.metadata: Mapping[str, Any] = metadata or {}
        self.body = body
        self.upstream_message = redact(message)
        text = f"OpenRouter error {self.code}: {self.upstream_message}"
        if self.hint:
            text = f"{text} — {self.hint}"
        super().__init__(text)

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status in RETRYABLE_STATUSES


class BadRequestError(APIStatusError):
    hint = "check the request's parameters (or shorten the conversation if the context is too long)"


class InvalidModelError(BadRequestError):
    hint = "check the model id; `list_available_models` shows the valid ones"


class AuthenticationError(APIStatusError):
    hint = f"the API key was missing, wrong or revoked; set a valid OPENROUTER_API_KEY (create one at {c.KEYS_URL})"


class InsufficientCreditsError(APIStatusError):
    hint = f"add credits at {c.CREDITS_URL}, or pass a smaller max_tokens"


class PermissionDeniedError(APIStatusError):
    """403: moderation flagged the input (`reasons`), or the account may not do this."""

    @property
    def reasons(self) -> list[str]:
        reasons = self.metadata.get("reasons")
        return [str(r) for r in reasons] if isinstance(reasons, list) else []

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.reasons:
            return f"the input was flagged by moderation ({', '.join(self.reasons)}); rephrase it or use another model"
        return "the key may not use this model or endpoint"


class NotFoundError(APIStatusError):
    hint = "no provider serves this model with these parameters; try another model or drop the unsupported parameter"


class RequestTimeoutError(APIStatusError):
    hint = "the request timed out upstream; try again"


class RateLimitError(APIStatusError):
    """429 from OpenRouter itself. `reset_at` is the epoch second when the limit resets, if known."""

    def __init__(self, message: str, *, reset_at: float | None = None, **kwargs: Any) -> None:
        self.reset_at = reset_at
        super().__init__(message, **kwargs)

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.reset_at is not None:
            from datetime import datetime, timezone

            when = datetime.fromtimestamp(self.reset_at, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            return f"rate limited; the limit resets at {when}"
        return "rate limited; wait a little and try again, or pick a paid (non-:free) model"


class ProviderError(APIStatusError):
    """The upstream provider failed; `reason` is what the provider said (parsed from `metadata.raw`)."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        metadata: Mapping[str, Any] = kwargs.get("metadata") or {}
        self.provider_name = metadata.get("provider_name") or "the provider"
        self.reason = provider_reason(metadata.get("raw"))
        if self.reason:
            message = f"{self.provider_name} returned an error: {self.reason}"
        else:
            message = f"{message} ({self.provider_name})"
        super().__init__(message, **kwargs)

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.status == 429:
            return "the provider is rate limiting; retry shortly or choose another model"
        if self.retryable:
            return "the provider failed; retry, or choose another model"
        return "the provider rejected the request; adjust it as the reason says"


class ServiceUnavailableError(APIStatusError):
    hint = "no provider is available right now; retry shortly or choose another model"


class ResponseError(APIStatusError):
    """An error delivered at HTTP 200: an `error` body or a reply without choices."""

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.code in RETRYABLE_STATUSES


class StreamError(ResponseError):
    """An error in the middle of a stream. `partial_text` is what arrived before it."""

    def __init__(self, message: str, *, partial_text: str = "", **kwargs: Any) -> None:
        self.partial_text = partial_text
        super().__init__(message, **kwargs)

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.partial_text:
            return f"the stream broke after {len(self.partial_text)} characters; the partial text is kept"
        return "the stream broke before any text arrived; try again"


def provider_reason(raw: object) -> str:
    """The provider's own words from `metadata.raw`: a string, often JSON to parse a second time."""
    if raw is None:
        return ""
    parsed: object = raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return raw.strip()
    return _find_message(parsed) or (raw.strip() if isinstance(raw, str) else json.dumps(raw)[:500])


def _find_message(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, Mapping):
        for key in ("message", "error", "detail", "msg"):
            found = _find_message(value.get(key))
            if found:
                return found
    return ""


# -- added for hostile upstreams and faults (issue #9) ------------------------------------

ACTIVITY_URL = "https://openrouter.ai/activity"


class MalformedAPIKeyError(MissingAPIKeyError):
    """The configured key cannot be sent in an HTTP header; nothing was sent. Never shows the key."""

    def __init__(self, problem: str = "has characters an HTTP header cannot carry") -> None:
        OpenRouterError.__init__(
            self,
            f"The configured OpenRouter API key {problem}, so it cannot be sent; nothing was sent. Copy the key "
            f"again from {c.KEYS_URL} and set OPENROUTER_API_KEY to exactly that (no quotes, spaces or line breaks).",
        )


class ReplyLostError(APIConnectionError):
    """The request was sent, but its reply was lost (connection dropped, read timed out, body undecodable).

    OpenRouter may still have processed, and billed, the request, so it is never retried
    automatically. `generation_id` is its id when the response headers had arrived.
    """

    retryable = False

    def __init__(self, message: str, *, generation_id: str | None = None, status: int | None = None) -> None:
        self.generation_id = generation_id
        self.status = status
        super().__init__(message)


class ReplyTimeoutError(ReplyLostError, APITimeoutError):
    """A `ReplyLostError` because no answer came within the read timeout."""


class GatewayError(ServiceUnavailableError):
    """520–524: the edge (Cloudflare) got no good answer from the service; retried like 502–504."""

    hint = "OpenRouter's edge could not reach the service; retry shortly"

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return True


class RedirectError(APIStatusError):
    """3xx: the base URL answers with a redirect. Never followed: it would carry the key elsewhere.

    `location` is where it points, without credentials or query.
    """

    hint = "set OPENROUTER_BASE_URL to the address it redirects to if you trust it (often https:// instead of http://)"

    def __init__(self, message: str, *, location: str | None = None, **kwargs: Any) -> None:
        self.location = location
        super().__init__(message, **kwargs)


class ChoiceError(StreamError):
    """The provider reported an error inside a 200 reply's choice, streamed or not.

    `provider` is who failed, `code` their code, `partial_text` what arrived before the error.
    """

    def __init__(self, message: str, *, provider: str | None = None, **kwargs: Any) -> None:
        self.provider = provider
        super().__init__(message, **kwargs)

    @property
    def hint(self) -> str:  # type: ignore[override]
        if self.partial_text:
            return f"the reply ended in an error after {len(self.partial_text)} characters; the partial text is kept"
        return "the provider failed before any text arrived; retry, or choose another model"


class SpendingRefusedError(OpenRouterMCPError):
    """A call was refused before anything was sent, because of what it could cost."""


class BudgetExceededError(SpendingRefusedError):
    """The call's worst-case cost would cross a budget, the call's `max_cost_usd` or the key's limit."""


class NotConfirmedError(SpendingRefusedError):
    """The call costs more than `OPENROUTER_CONFIRM_ABOVE_USD` and the user did not (or could not) confirm."""


class LedgerError(OpenRouterMCPError):
    """The usage ledger could not be read or written (locked, unwritable, from a newer release)."""


class JobError(OpenRouterMCPError):
    """A background job could not be found, started or finished."""


class UnknownJobError(JobError, InvalidArgumentError):
    """No job has this id here: it never existed, or its result has expired."""


class TooManyJobsError(JobError):
    """More jobs are running than the server keeps at once."""


class JobEndedEarlyError(JobError):
    """A job ended (failed or cancelled) before its reply was complete; `partial_text` is the first
    page of what arrived (the job keeps the rest for `get_job_result`)."""

    def __init__(self, message: str, *, partial_text: str = "") -> None:
        super().__init__(redact(message))
        self.partial_text = partial_text


class JobCancelledError(JobEndedEarlyError):
    """The job was cancelled (by `cancel_job`) while its caller waited for it."""


class ReplyNotJSONError(OpenRouterMCPError):
    """The caller asked for JSON output and the reply is not JSON; `partial_text` is the raw reply."""

    def __init__(self, message: str, *, partial_text: str = "") -> None:
        super().__init__(redact(message))
        self.partial_text = partial_text
