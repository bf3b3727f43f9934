"""Serving the simulator on a loopback port: `serve_in_thread` (tests, the demo) and `serve_forever` (`simulate`).

uvicorn runs with `_connections.protocol_class`, so a route can reset a client's
connection in the middle of a body (a dropped stream is then a real TCP reset).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mcp_server_openrouter.simulator._app import Simulator
from mcp_server_openrouter.simulator._connections import protocol_class


def _bound_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit this on Linux: without it Nagle's algorithm and delayed ACKs
    # add ~40 ms to a response written in two parts (headers, then body).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    # Listening before uvicorn starts means clients can connect at once: no readiness polling.
    sock.listen(128)
    return sock


def _uvicorn_server(simulator: Simulator, log_level: str) -> object:
    import uvicorn

    config = uvicorn.Config(
        simulator.app,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=protocol_class(simulator.connections),
    )
    return uvicorn.Server(config)


@contextmanager
def serve_in_thread(simulator: Simulator | None = None, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve the simulator on loopback in a background thread; yields its base URL."""
    import uvicorn

    simulator = simulator if simulator is not None else Simulator()
    sock = _bound_socket(host, port)
    server = _uvicorn_server(simulator, "warning")
    assert isinstance(server, uvicorn.Server)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="openrouter-simulator")
    thread.start()
    try:
        yield f"http://{host}:{sock.getsockname()[1]}/api/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve_forever(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve until interrupted (the `simulate` command)."""
    import logging

    import uvicorn

    sock = _bound_socket(host, port)
    url = f"http://{host}:{sock.getsockname()[1]}/api/v1"
    logging.getLogger(__name__).info(
        "OpenRouter simulator listening on %s — point OPENROUTER_BASE_URL at it (any sk-or-… key works)", url
    )
    server = _uvicorn_server(Simulator(), "info")
    assert isinstance(server, uvicorn.Server)
    server.run(sockets=[sock])
