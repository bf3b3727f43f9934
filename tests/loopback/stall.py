"""An ASGI middleware that makes the simulator's streams stall after a few chunks.

The simulator's faults slow every token alike (`token_delay`), so a stream cannot send some
text and then go quiet. Wrapped with this, a streamed reply forwards its first `chunks`
data chunks, then sends nothing at all, with the connection open, until the client closes it.
"""

from __future__ import annotations

import threading

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Stall:
    """What the stall saw, set from the server's thread: `stalled`, then `disconnected`."""

    def __init__(self) -> None:
        self.stalled = threading.Event()
        self.disconnected = threading.Event()


class StallAfterChunks:
    """Forwards the first `chunks` `data:` chunks of each streamed chat reply, then stalls."""

    def __init__(self, app: ASGIApp, chunks: int, stall: Stall) -> None:
        self.app = app
        self.chunks = chunks
        self.stall = stall

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).endswith("/chat/completions"):
            await self.app(scope, receive, send)
            return
        forwarded = 0

        async def stalling_send(message: Message) -> None:
            nonlocal forwarded
            body = message.get("body", b"") if message["type"] == "http.response.body" else b""
            if isinstance(body, bytes) and body.startswith(b"data: {"):
                if forwarded >= self.chunks:
                    await self._stall(scope, receive)
                forwarded += 1
            await send(message)

        await self.app(scope, receive, stalling_send)

    async def _stall(self, scope: Scope, receive: Receive) -> None:
        self.stall.stalled.set()
        while (await receive())["type"] != "http.disconnect":
            pass
        self.stall.disconnected.set()
        # End the response the way Starlette expects a client that went away to end it.
        spec = tuple(int(part) for part in str(scope.get("asgi", {}).get("spec_version", "2.0")).split("."))
        if spec >= (2, 4):
            raise OSError("the client closed the connection")  # Starlette: ClientDisconnect
        await anyio.sleep_forever()  # Starlette's own disconnect listener cancels the response
