"""OpenRouter HTTP client, the one door to the upstream: chat (plain and streamed), models,
endpoints, generations, key info and credits.

`OpenRouterClient` lives in the one module that imports httpx; it is loaded on first
access, so importing this package for its errors, stream events (`ChatStream` reads through
an adapter and needs no httpx), response models, retry policy, wait and metering hooks stays
cheap and the server answers `initialize` without httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp_server_openrouter.client._chat_stream import ChatStream
from mcp_server_openrouter.client._errors import MAX_ERROR_BODY_BYTES
from mcp_server_openrouter.client._limits import Limiter
from mcp_server_openrouter.client._metering import OnRequest, RequestRecord
from mcp_server_openrouter.client._models import (
    ChatCompletion,
    Credits,
    Endpoint,
    EndpointPricing,
    Generation,
    KeyInfo,
    ModelEndpoints,
    Usage,
)
from mcp_server_openrouter.client._pacing import key_id
from mcp_server_openrouter.client._retry import OnRetry, OnWait, RetryPolicy
from mcp_server_openrouter.client._streaming import (
    DEFAULT_MAX_STREAM_SECONDS,
    MAX_SSE_LINE_CHARS,
    Delta,
    KeepAlive,
    StreamAccumulator,
    StreamEvent,
)
from mcp_server_openrouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChoiceError,
    GatewayError,
    InsufficientCreditsError,
    InvalidModelError,
    MalformedAPIKeyError,
    MissingAPIKeyError,
    NotFoundError,
    OpenRouterError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RedirectError,
    ReplyLostError,
    ReplyTimeoutError,
    RequestTimeoutError,
    ResponseError,
    ServiceUnavailableError,
    StreamError,
)

if TYPE_CHECKING:
    from mcp_server_openrouter.client._http import OpenRouterClient

_LAZY = {"OpenRouterClient"}


def __getattr__(name: str) -> Any:
    # PEP 562: the httpx-backed classes load only when somebody asks for them.
    if name in _LAZY:
        from mcp_server_openrouter.client import _http

        return getattr(_http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MAX_STREAM_SECONDS",
    "MAX_ERROR_BODY_BYTES",
    "MAX_SSE_LINE_CHARS",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatStream",
    "ChoiceError",
    "Credits",
    "Delta",
    "Endpoint",
    "EndpointPricing",
    "GatewayError",
    "Generation",
    "InsufficientCreditsError",
    "InvalidModelError",
    "KeepAlive",
    "KeyInfo",
    "Limiter",
    "MalformedAPIKeyError",
    "MissingAPIKeyError",
    "ModelEndpoints",
    "NotFoundError",
    "OnRequest",
    "OnRetry",
    "OnWait",
    "OpenRouterClient",
    "OpenRouterError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RedirectError",
    "ReplyLostError",
    "ReplyTimeoutError",
    "RequestRecord",
    "RequestTimeoutError",
    "ResponseError",
    "RetryPolicy",
    "ServiceUnavailableError",
    "StreamAccumulator",
    "StreamError",
    "StreamEvent",
    "Usage",
    "key_id",
]
