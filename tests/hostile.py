"""A hostile upstream for tests: a tiny HTTP/1.1 server on loopback whose answers are scripted.

Unlike the simulator it is deliberately unlike OpenRouter: it echoes the Authorization header
back, answers with HTML pages from "the edge", a lying Content-Encoding, redirects, endless
keep-alives, oversized lines, and connections reset in the middle of a body. Each answer is a
function from the request to raw bytes (or to an async writer for streams), set per path.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]
Answer = Callable[[Request], "bytes | Writer"]


def response(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def echo_auth(request: Request) -> bytes:
    """A 401 whose message repeats the key it was sent, as some OpenAI-compatible servers do."""
    auth = request.headers.get("authorization", "")
    return response(
        401, json.dumps({"error": {"message": f"Incorrect API key provided: {auth}", "code": 401}}).encode()
    )


def html_error(status: int, title: str) -> Answer:
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{'<p>edge</p>' * 200}</body></html>"
    return lambda request: response(status, page.encode(), "text/html; charset=UTF-8")


def redirect(location: str, status: int = 301) -> Answer:
    return lambda request: response(status, b"", "text/plain", Location=location)


def bad_encoding(request: Request) -> bytes:
    return response(200, b"this is not gzip at all", Content_Encoding="gzip")


def stream_then_reset(chunks: list[str]) -> Answer:
    """Stream these SSE data lines, then reset the connection (RST, not a clean end)."""

    async def write(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for data in chunks:
            payload = f"data: {data}\n\n".encode()
            writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await writer.drain()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    return lambda request: write


@dataclass
class Hostile:
    """The server's script and what it received."""

    answers: dict[str, Answer] = field(default_factory=dict)
    default: Answer = echo_auth
    requests: list[Request] = field(default_factory=list)

    def answer(self, path_suffix: str, answer: Answer) -> None:
        """Answer requests whose path ends with `path_suffix` (e.g. "chat/completions")."""
        self.answers[path_suffix] = answer

    def _pick(self, path: str) -> Answer:
        for suffix, answer in self.answers.items():
            if path.split("?")[0].endswith(suffix):
                return answer
        return self.default

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, path, _ = request_line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines if h)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            request = Request(method, path, headers, body)
            self.requests.append(request)
            answer = self._pick(path)(request)
            if isinstance(answer, bytes):
                writer.write(answer)
                await writer.drain()
            else:
                await answer(writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away; nothing to answer
        finally:
            if not writer.transport.is_closing():
                writer.close()


@contextmanager
def serve_hostile(hostile: Hostile) -> Iterator[str]:
    """Serve on a loopback port in a thread; yields a base URL ending in /api/v1."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, asyncio.base_events.Server] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(hostile.handle, "127.0.0.1", 0)
        started.set()

    def run() -> None:
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True, name="hostile-upstream")
    thread.start()
    started.wait(10)
    server = holder["server"]
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
