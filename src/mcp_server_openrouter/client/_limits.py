"""The concurrency limiter: how many upstream requests may be open at once, process-wide.

The client builds an `anyio.CapacityLimiter(max_concurrency)` of its own, shared by its views,
so every request of every tool goes through it; the `limiter` seam takes any async context
manager instead. Each HTTP attempt holds it while it runs (a stream for its whole life) and
lets go while waiting to retry, so a request sleeping off a rate limit does not block others.

anyio's limiter is first come, first served: waiters sit in an ordered queue, a released token
goes to the oldest, and a newcomer cannot take a free token while anyone waits (its
`acquire_nowait` refuses when the queue is not empty). `queue_slot` borrows on behalf of a
fresh object rather than the task, so one task may hold two slots (a lookup inside a stream)
without anyio's "already holding" error, and tells the `on_wait` hook how many are ahead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Protocol

import anyio

from mcp_server_openrouter.client._pacing import tell
from mcp_server_openrouter.client._retry import OnWait


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


def queued_message(ahead: int, capacity: float) -> str:
    """ "queued: 3 requests ahead (OPENROUTER_MAX_CONCURRENCY=8)"."""
    line = "next in line" if ahead == 0 else f"{ahead} request{'s' if ahead != 1 else ''} ahead"
    return f"queued: {line} (OPENROUTER_MAX_CONCURRENCY={capacity:g})"


@asynccontextmanager
async def queue_slot(limiter: Limiter | None, on_wait: OnWait | None) -> AsyncIterator[None]:
    """Hold a place in `limiter` for the block; a request that must wait first tells `on_wait`.

    The hook runs beside the wait rather than before it: the request joins the queue at once,
    so its place is the order it arrived in even when reporting takes a while.
    """
    if limiter is None:
        yield
        return
    if not isinstance(limiter, anyio.CapacityLimiter):
        async with limiter:
            yield
        return
    borrower = object()
    try:
        limiter.acquire_on_behalf_of_nowait(borrower)
    except anyio.WouldBlock:
        await _wait_in_line(limiter, borrower, on_wait)
    try:
        yield
    finally:
        limiter.release_on_behalf_of(borrower)


async def _wait_in_line(limiter: anyio.CapacityLimiter, borrower: object, on_wait: OnWait | None) -> None:
    """Wait for a place, reporting the wait beside it; a place granted is never left held.

    Once the place is ours the report is cancelled (a slow client must not hold a place it is not
    using), and a cancellation that lands between the grant and the caller's `try` gives it back.
    """
    acquired = False
    try:
        message = queued_message(limiter.statistics().tasks_waiting, limiter.total_tokens)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(tell, on_wait, message)
            await limiter.acquire_on_behalf_of(borrower)
            acquired = True
            tasks.cancel_scope.cancel()
    except BaseException:
        if acquired:
            limiter.release_on_behalf_of(borrower)
        raise
