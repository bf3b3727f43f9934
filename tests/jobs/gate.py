"""An ASGI wrapper that holds chat requests until a test opens it (in-process, no timing)."""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class Gate:
    """Chat requests wait at the gate until `opened` is set; `arrived` says one is waiting."""

    def __init__(self) -> None:
        self.arrived = anyio.Event()
        self.opened = anyio.Event()
        self.held = 0

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def gated(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and str(scope["path"]).endswith("/chat/completions"):
                self.held += 1
                self.arrived.set()
                await self.opened.wait()
            await app(scope, receive, send)

        return gated
