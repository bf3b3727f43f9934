"""Scripted faults: what the simulator does instead of (or while) answering normally.

A test queues `Fault`s; each matching request consumes one (or it stays, with
`times=None`). Error bodies reproduce the shapes recorded from the real API;
`error_response` and `fault_response` send them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.responses import JSONResponse, Response

MidStreamShape = Literal[1, 2, 3, 4]


@dataclass
class Fault:
    """One scripted behaviour.

    Matching: `path` (e.g. "/chat/completions"), optional `model`.
    Plain errors: `status` with `body` and `headers`.
    Timing: `delay` seconds before answering.
    Streams: `keepalives` before the first token (and `keepalive_interval` between them),
    `token_delay` between tokens, `error_after_tokens` with `error_shape` (1–4, the
    observed mid-stream error shapes) and `error_code`, or `drop_after_tokens` to cut
    the connection without `[DONE]`.
    """

    path: str = "/chat/completions"
    model: str | None = None
    times: int | None = 1
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    keepalives: int | None = None
    keepalive_interval: float = 0.0
    token_delay: float = 0.0
    error_after_tokens: int | None = None
    error_shape: MidStreamShape = 1
    error_code: int = 504
    error_message: str = "Provider timed out after 47709ms"
    drop_after_tokens: int | None = None
    empty_choices: bool = False

    def matches(self, path: str, model: str | None) -> bool:
        return self.path == path and (self.model is None or self.model == model)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def error_body(
    status: int, message: str, metadata: dict[str, Any] | None = None, *, user: bool = True
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": status}
    if metadata is not None:
        error["metadata"] = metadata
    body: dict[str, Any] = {"error": error}
    if user:
        body["user_id"] = "user_2sim000000000000000000000"
    return body


def error_response(status: int, message: str, metadata: dict[str, Any] | None = None, *, user: bool = True) -> Response:
    """An error of the real API's shape (see `error_body`), sent with its status."""
    return JSONResponse(error_body(status, message, metadata, user=user), status_code=status)


def fault_response(fault: Fault) -> Response:
    """The plain error a scripted fault answers with."""
    return JSONResponse(fault.body or {}, status_code=fault.status or 500, headers=fault.headers)


def named_fault(name: str, **overrides: Any) -> Fault:
    """A fault for each error of the reference, by name (see `NAMED_FAULTS`)."""
    if name not in NAMED_FAULTS:
        raise KeyError(f"unknown fault {name!r}; known: {', '.join(sorted(NAMED_FAULTS))}")
    status, body, headers = NAMED_FAULTS[name]
    return Fault(status=status, body=body, headers=dict(headers), **overrides)


_UPSTREAM_400_RAW = (
    '{"error":{"type":"invalid_request_error","code":"invalid_request_error",'
    '"message":"Model supports at most 1 image per prompt.","request_id":"req_sim"}}'
)

NAMED_FAULTS: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {
    "bad_request": (
        400,
        error_body(
            400, "This endpoint's maximum context length is 8192 tokens. However, you requested about 9000 tokens."
        ),
        {},
    ),
    "provider_400": (
        400,
        error_body(
            400, "Provider returned error", {"raw": _UPSTREAM_400_RAW, "provider_name": "Crucible", "is_byok": False}
        ),
        {},
    ),
    "no_auth": (401, error_body(401, "No cookie auth credentials found", user=False), {}),
    "user_not_found": (401, error_body(401, "User not found.", user=False), {}),
    "credits": (
        402,
        error_body(
            402,
            "This request requires more credits, or fewer max_tokens. You requested up to 65536 tokens, but can "
            "only afford 10114. To increase, visit https://openrouter.ai/settings/credits "
            "and upgrade to a paid account",
            {"provider_name": None},
        ),
        {},
    ),
    "moderation": (
        403,
        error_body(
            403,
            "Input flagged by moderation",
            {"reasons": ["harassment"], "flagged_input": "…", "provider_name": "OpenAI", "model_slug": "openai/gpt-4o"},
        ),
        {},
    ),
    "no_endpoints": (404, error_body(404, "No endpoints found for deepseek/deepseek-chat-v3.1:free."), {}),
    "no_tool_endpoints": (
        404,
        error_body(404, "No endpoints found that support the provided 'tool_choice' value.", user=False),
        {},
    ),
    "timeout": (408, error_body(408, "Request timed out"), {}),
    "rate_limit": (
        429,
        error_body(
            429,
            "Rate limit exceeded: limit_rpm/qwen/qwen3-coder/sim. High demand for qwen/qwen3-coder:free on "
            "OpenRouter - limited to 8 requests per minute. Please retry shortly.",
            {
                "headers": {"X-RateLimit-Limit": "8", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "0"},
                "provider_name": None,
            },
        ),
        {},
    ),
    "free_daily_cap": (
        429,
        error_body(
            429,
            "Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day",
            {
                "headers": {
                    "X-RateLimit-Limit": "50",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": "4102444800000",
                }
            },
        ),
        {},
    ),
    "provider_429": (
        429,
        error_body(
            429,
            "Provider returned error",
            {
                "provider_name": "Google",
                "raw": "google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly.",
            },
        ),
        {},
    ),
    "bad_gateway": (502, error_body(502, "Provider returned error: bad gateway"), {}),
    "unavailable": (503, error_body(503, "No instances available"), {}),
    "gateway_timeout": (504, error_body(504, "Upstream timed out"), {}),
    "error_at_200": (200, {"error": {"message": "Internal error in the provider", "code": 500}}, {}),
    "management_only": (403, error_body(403, "Only management keys can perform this operation", user=False), {}),
}
