"""The errors of the reference and the recorded captures, by name: `NAMED_FAULTS`.

Each name maps to a `Fault` template; `named_fault(name, **overrides)` returns a fresh
copy to queue. Most answer a request with an error status and the recorded body; some
play out inside the reply (a cut connection, an error after the finish, a choice that
finishes with "error"), some shape a success (`no_cost`, `byok`, `credits_zeros`).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from mcp_server_openrouter.simulator._faults import Fault, error_body

_UPSTREAM_400_RAW = (
    '{"error":{"type":"invalid_request_error","code":"invalid_request_error",'
    '"message":"Model supports at most 1 image per prompt.","request_id":"req_sim"}}'
)
_OVERLOADED_RAW = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":null}'

_CLOUDFLARE_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)
_CLOUDFLARE_524 = (
    '<!DOCTYPE html>\n<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->\n'
    '<html class="no-js" lang="en-US">\n<head>\n<title>openrouter.ai | 524: A timeout occurred</title>\n'
    '<meta charset="UTF-8" />\n</head>\n<body>\n<div id="cf-wrapper">\n'
    '<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">524</span></h1>\n'
    '<h2 class="cf-subheadline">A timeout occurred</h2>\n'
    "<p>The origin web server timed out responding to this request.</p>\n"
    '<span class="cf-footer-item">Cloudflare Ray ID: <strong>9a1b2c3d4e5f6a7b</strong></span>\n'
    "</div>\n</body>\n</html>\n"
)
_EDGE_HEADERS = {"Server": "cloudflare", "CF-RAY": "9a1b2c3d4e5f6a7b-IAD"}


def _status(status: int, body: dict[str, Any], **fields: Any) -> Fault:
    return Fault(status=status, body=body, **fields)


NAMED_FAULTS: dict[str, Fault] = {
    "bad_request": _status(
        400,
        error_body(
            400, "This endpoint's maximum context length is 8192 tokens. However, you requested about 9000 tokens."
        ),
    ),
    "provider_400": _status(
        400,
        error_body(
            400, "Provider returned error", {"raw": _UPSTREAM_400_RAW, "provider_name": "Crucible", "is_byok": False}
        ),
    ),
    "no_auth": _status(401, error_body(401, "No cookie auth credentials found", user=False)),
    "user_not_found": _status(401, error_body(401, "User not found.", user=False)),
    "credits": _status(
        402,
        error_body(
            402,
            "This request requires more credits, or fewer max_tokens. You requested up to 65536 tokens, but can "
            "only afford 10114. To increase, visit https://openrouter.ai/settings/credits "
            "and upgrade to a paid account",
            {"provider_name": None},
        ),
    ),
    "moderation": _status(
        403,
        error_body(
            403,
            "Input flagged by moderation",
            {"reasons": ["harassment"], "flagged_input": "…", "provider_name": "OpenAI", "model_slug": "openai/gpt-4o"},
        ),
    ),
    "no_endpoints": _status(404, error_body(404, "No endpoints found for deepseek/deepseek-chat-v3.1:free.")),
    "no_tool_endpoints": _status(
        404,
        error_body(
            404,
            "No endpoints found that support the provided 'tool_choice' value. To learn more about provider "
            "routing, visit: https://openrouter.ai/docs/provider-routing",
            user=False,
        ),
    ),
    "timeout": _status(408, error_body(408, "Request timed out")),
    "payload_too_large": _status(413, error_body(413, "Request entity too large", user=False)),
    "unprocessable": _status(
        422, error_body(422, "Invalid request: messages[0].content must be a string or an array of content parts")
    ),
    # OpenRouter's own per-model limit: the reset (epoch ms, seconds away) only in metadata.headers.
    "rate_limit": _status(
        429,
        error_body(
            429,
            "Rate limit exceeded: limit_rpm/qwen/qwen3-coder-480b-a35b-07-25/sim. High demand for "
            "qwen/qwen3-coder:free on OpenRouter - limited to 8 requests per minute. Please retry shortly.",
            {"headers": {"X-RateLimit-Limit": "8", "X-RateLimit-Remaining": "0"}, "provider_name": None},
        ),
        reset_in=20.0,
    ),
    "free_daily_cap": _status(
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
    ),
    "provider_429": _status(
        429,
        error_body(
            429,
            "Provider returned error",
            {
                "provider_name": "Google",
                "raw": "google/gemini-2.0-flash-exp:free is temporarily rate-limited upstream. Please retry shortly.",
            },
        ),
    ),
    "internal": _status(500, error_body(500, "Internal Server Error", user=False)),
    "bad_gateway": _status(502, error_body(502, "Provider returned error: bad gateway")),
    "unavailable": _status(503, error_body(503, "No instances available")),
    "gateway_timeout": _status(504, error_body(504, "Upstream timed out")),
    "overloaded": _status(
        529,
        error_body(
            529, "Provider returned error", {"raw": _OVERLOADED_RAW, "provider_name": "Anthropic", "is_byok": False}
        ),
    ),
    "edge_502": Fault(status=502, html=_CLOUDFLARE_502, headers=dict(_EDGE_HEADERS)),
    "edge_524": Fault(status=524, html=_CLOUDFLARE_524, headers=dict(_EDGE_HEADERS)),
    "error_at_200": _status(200, {"error": {"message": "Internal error in the provider", "code": 500}}),
    "management_only": _status(
        403, error_body(403, "Only management keys can perform this operation", user=False), path="/credits"
    ),
    # The 2026 quirk: an ordinary key's /credits answers 200 with zeros instead of 403.
    "credits_zeros": _status(200, {"data": {"total_credits": 0, "total_usage": 0}}, path="/credits"),
    # Played out inside the reply.
    "dropped_connection": Fault(drop_after_tokens=6),
    "error_after_length": Fault(
        length_after_tokens=12,
        error_after_finish=True,
        error_shape=3,
        error_code=502,
        error_message="Upstream error from Google: stream terminated unexpectedly",
    ),
    "malformed_function_call": Fault(error_after_tokens=0, error_shape=5, error_native="MALFORMED_FUNCTION_CALL"),
    "choice_error_at_200": Fault(
        error_after_tokens=8,
        error_shape=4,
        error_code=502,
        error_message="Upstream error from Together: connection reset by peer",
    ),
    "no_cost": Fault(omit_cost=True),
    "byok": Fault(byok=True),
}


def named_fault(name: str, **overrides: Any) -> Fault:
    """A fresh copy of the fault called `name` (see `NAMED_FAULTS`), with `overrides` applied."""
    if name not in NAMED_FAULTS:
        raise KeyError(f"unknown fault {name!r}; known: {', '.join(sorted(NAMED_FAULTS))}")
    template = NAMED_FAULTS[name]
    fresh = dataclasses.replace(
        template,
        body=copy.deepcopy(template.body),
        headers=dict(template.headers),
    )
    return dataclasses.replace(fresh, **overrides) if overrides else fresh
