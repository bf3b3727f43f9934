"""OpenRouter HTTP client, the one door to the upstream: chat (plain and streamed), models,
endpoints, generations, key info and credits.

`OpenRouterClient` and `ChatStream` live in the one module that imports httpx; they are
loaded on first access, so importing this package for its errors, stream events, response
models, retry policy or metering records stays cheap and the server answers `initialize`
without httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
from mcp_server_openrouter.client._retry import OnRetry, RetryPolicy
from mcp_server_openrouter.client._streaming import Delta, KeepAlive, StreamAccumulator, StreamEvent
from mcp_server_openrouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditsError,
    InvalidModelError,
    MissingAPIKeyError,
    NotFoundError,
    OpenRouterError,
    PermissionDeniedError,
    ProviderError,
    RateLimitError,
    RequestTimeoutError,
    ResponseError,
    ServiceUnavailableError,
    StreamError,
)

if TYPE_CHECKING:
    from mcp_server_openrouter.client._http import ChatStream, OpenRouterClient

_LAZY = {"ChatStream", "OpenRouterClient"}


def __getattr__(name: str) -> Any:
    # PEP 562: the httpx-backed classes load only when somebody asks for them.
    if name in _LAZY:
        from mcp_server_openrouter.client import _http

        return getattr(_http, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatStream",
    "Credits",
    "Delta",
    "Endpoint",
    "EndpointPricing",
    "Generation",
    "InsufficientCreditsError",
    "InvalidModelError",
    "KeepAlive",
    "KeyInfo",
    "Limiter",
    "MissingAPIKeyError",
    "ModelEndpoints",
    "NotFoundError",
    "OnRequest",
    "OnRetry",
    "OpenRouterClient",
    "OpenRouterError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RequestRecord",
    "RequestTimeoutError",
    "ResponseError",
    "RetryPolicy",
    "ServiceUnavailableError",
    "StreamAccumulator",
    "StreamError",
    "StreamEvent",
    "Usage",
]
