"""OpenRouter HTTP client: chat (plain and streamed), models, generations, key info.

Importing this package imports httpx; the server imports it lazily, on the first tool
call that needs the network, to keep start-up fast.
"""

from mcp_server_openrouter.client._errors import (
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
from mcp_server_openrouter.client._http import ChatStream, KeepAlive, OpenRouterClient, StreamEvent
from mcp_server_openrouter.client._models import ChatCompletion, Usage
from mcp_server_openrouter.client._streaming import Delta, StreamAccumulator

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatStream",
    "Delta",
    "InsufficientCreditsError",
    "InvalidModelError",
    "KeepAlive",
    "MissingAPIKeyError",
    "NotFoundError",
    "OpenRouterClient",
    "OpenRouterError",
    "PermissionDeniedError",
    "ProviderError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseError",
    "ServiceUnavailableError",
    "StreamAccumulator",
    "StreamError",
    "StreamEvent",
    "Usage",
]
