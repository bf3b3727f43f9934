"""The concurrency-limiter seam: how many upstream requests may be open at once.

The client takes any async context manager; `anyio.CapacityLimiter(n)` is the usual one.
Each HTTP attempt holds it while it runs (a stream for its whole life) and lets go while
waiting to retry, so a request sleeping off a rate limit does not block the others.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol


class Limiter(Protocol):
    """Anything usable as `async with limiter:`, such as `anyio.CapacityLimiter`."""

    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> bool | None: ...
