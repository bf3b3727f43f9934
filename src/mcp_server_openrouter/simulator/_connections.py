"""The open connections of a simulator served on a port, so a route can reset one mid-body.

An ASGI app cannot reach its socket, so `serve_in_thread` runs uvicorn with a protocol
class (`protocol_class`) that registers each connection's transport under the client's
address — the `client` of the request's scope. `Connections.reset` then aborts it with
SO_LINGER 0: the kernel sends a TCP RST, and the client sees "connection reset by peer"
in the middle of the body, as when an edge proxy or a provider drops a stream. In process
(`httpx.ASGITransport`) nothing is registered and `reset` returns False.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from typing import Any


class Connections:
    """Transports by client address (host, port); used from the server's event loop."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, int], asyncio.BaseTransport] = {}
        self._lock = threading.Lock()
        self.opened = 0  # connections accepted so far (a client that reuses its pool opens few)

    def add(self, transport: asyncio.BaseTransport) -> None:
        peer = _peer(transport)
        with self._lock:
            self.opened += 1
            if peer is not None:
                self._open[peer] = transport

    def discard(self, transport: asyncio.BaseTransport) -> None:
        peer = _peer(transport)
        with self._lock:
            if peer is not None and self._open.get(peer) is transport:
                del self._open[peer]

    def reset(self, peer: tuple[str, int]) -> bool:
        """Abort the connection from `peer` with a TCP reset; False if it is not one of ours."""
        with self._lock:
            transport = self._open.pop(peer, None)
        if transport is None:
            return False
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if isinstance(transport, asyncio.Transport):
            transport.abort()
        else:
            transport.close()
        return True


def _peer(transport: asyncio.BaseTransport) -> tuple[str, int] | None:
    info = transport.get_extra_info("peername")
    return (str(info[0]), int(info[1])) if isinstance(info, tuple) and len(info) >= 2 else None


def protocol_class(connections: Connections) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol, registering every connection in `connections`."""
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class RegisteringProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            connections.add(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            connections.discard(self.transport)
            super().connection_lost(exc)

    return RegisteringProtocol
