"""A hostile upstream for tests: a tiny HTTP/1.1 server on loopback whose answers are scripted.

Unlike the simulator it is deliberately unlike OpenRouter: it echoes the Authorization header
back, answers with HTML pages from "the edge", a lying Content-Encoding, redirects, endless
keep-alives, oversized lines and bodies, and connections dropped or reset after the request
arrived. Each answer is a function from the request to raw bytes, or to an async writer for
answers that unfold over time (the writer gets the connection's reader too, to notice when
the client has gone). Big answers are written piece by piece, never built whole.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Writer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Answer = Callable[[Request], "bytes | Writer"]

PIECE = 64 * 1024


def response(status: int, body: bytes, content_type: str = "application/json", **headers: str) -> bytes:
    # The server closes every connection after one answer, and says so.
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    lines.append("Connection: close")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def head(status: int, content_type: str, **headers: str) -> bytes:
    """A status line and headers for a body of unknown length (the connection's end ends it)."""
    lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(status: int, body: object, content_type: str = "application/json", **headers: str) -> Answer:
    """Always this answer; a body that is not bytes is sent as JSON."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return lambda request: response(status, raw, content_type, **headers)


def reset(writer: asyncio.StreamWriter) -> None:
    """End the connection with a TCP reset (RST), not a clean close."""
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def until_client_leaves(reader: asyncio.StreamReader) -> None:
    """Wait for the client to close its end (it gave up, or was done)."""
    with suppress(ConnectionError):
        while await reader.read(PIECE):
            pass


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


def sse(*data: str) -> bytes:
    """SSE events, one `data:` line each."""
    return b"".join(f"data: {item}\n\n".encode() for item in data)


def chunk(text: str) -> str:
    """A chat-completion chunk carrying `text`, as JSON for an SSE data line."""
    return json.dumps({"id": "gen-hostile", "choices": [{"index": 0, "delta": {"content": text}}]})


def stream_then_reset(chunks: list[str]) -> Answer:
    """Stream these SSE data lines, then reset the connection (RST, not a clean end)."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for data in chunks:
            payload = f"data: {data}\n\n".encode()
            writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        await writer.drain()
        reset(writer)

    return lambda request: write


def drop_after_body(*, rst: bool = False) -> Answer:
    """Read the whole request, then close the connection without a word (or reset it)."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if rst:
            reset(writer)
        else:
            writer.close()

    return lambda request: write


def hold() -> Answer:
    """Read the whole request and never answer, until the client gives up."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await until_client_leaves(reader)

    return lambda request: write


def headers_then_reset(generation_id: str) -> Answer:
    """A 200 with its generation id and a promised body, a few bytes of it, then a reset."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n"
            + f"X-Generation-Id: {generation_id}\r\n\r\n".encode()
            + b'{"id": "'
        )
        await writer.drain()
        reset(writer)

    return lambda request: write


def keepalives_forever(first: bytes, interval: float) -> Answer:
    """An event stream that sends `first`, then only keep-alive comments, until the client leaves."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, "text/event-stream") + first)
        while not writer.is_closing() and not reader.at_eof():
            writer.write(b": OPENROUTER PROCESSING\n\n")
            await writer.drain()
            await asyncio.sleep(interval)  # sleep-ok: the hostile server's own pace, not a wait

    return lambda request: write


def endless_line(first: bytes, size: int) -> Answer:
    """An event stream that sends `first`, then one `data:` line of `size` bytes, written piece by piece."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(head(200, "text/event-stream") + first + b"data: ")
        piece = b"x" * PIECE
        for _ in range(size // PIECE):
            writer.write(piece)
            await writer.drain()

    return lambda request: write


def huge_body(status: int, size: int, content_type: str = "application/json") -> Answer:
    """An answer whose body is `size` bytes (a JSON-looking string), written piece by piece."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(response(status, b"", content_type).replace(b"Length: 0", f"Length: {size}".encode()))
        opening = b'{"error": {"message": "'
        writer.write(opening)
        piece = b"y" * PIECE
        for _ in range((size - len(opening)) // PIECE):
            writer.write(piece)
            await writer.drain()

    return lambda request: write


def gzip_stream_then_garbage(first: bytes, release: threading.Event) -> Answer:
    """A gzip-encoded event stream: `first` compressed and flushed; once the test sets `release`
    (it has read `first`, so the two cannot arrive in one read), bytes that are not gzip."""

    async def write(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        compressor = zlib.compressobj(wbits=zlib.MAX_WBITS | 16)
        body = compressor.compress(first) + compressor.flush(zlib.Z_SYNC_FLUSH)
        writer.write(head(200, "text/event-stream", Content_Encoding="gzip") + body)
        await writer.drain()
        await asyncio.get_running_loop().run_in_executor(None, release.wait, 10)
        writer.write(b"\xff" * 64 + b"this is not deflate data")
        await writer.drain()

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

    def received(self, method: str, path_suffix: str) -> list[Request]:
        """The requests received for this method and path."""
        return [r for r in self.requests if r.method == method and r.path.split("?")[0].endswith(path_suffix)]

    def _pick(self, path: str) -> Answer:
        for suffix, answer in self.answers.items():
            if path.split("?")[0].endswith(suffix):
                return answer
        return self.default

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            block = await reader.readuntil(b"\r\n\r\n")
            request_line, *header_lines = block.decode("latin-1").split("\r\n")
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
                await answer(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client went away; nothing to answer
        finally:
            if not writer.transport.is_closing():
                writer.close()


class _Server:
    """The accept loop and every connection, all ours to end: no `asyncio.Server`, whose shutdown
    can leave a socket accepted at that moment to the garbage collector (and its ResourceWarning)."""

    def __init__(self, hostile: Hostile) -> None:
        self.hostile = hostile
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.connections: list[socket.socket] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def accept(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            connection, _ = await loop.sock_accept(self.listener)
            self.connections.append(connection)  # kept before any await: nothing escapes the shutdown
            task = loop.create_task(self.serve(connection))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def serve(self, connection: socket.socket) -> None:
        reader, writer = await asyncio.open_connection(sock=connection)
        self.writers.append(writer)
        await self.hostile.handle(reader, writer)

    async def shut_down(self, acceptor: asyncio.Task[None]) -> None:
        acceptor.cancel()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(acceptor, *self.tasks, return_exceptions=True)
        for writer in self.writers:
            writer.transport.abort()
        for _ in range(3):  # the aborts end in callbacks of the next loop turns
            await asyncio.sleep(0)  # sleep-ok: yields one loop turn so the aborts complete
        for connection in self.connections:
            connection.close()  # a no-op for those their transport closed
        self.listener.close()


@contextmanager
def serve_hostile(hostile: Hostile) -> Iterator[str]:
    """Serve on a loopback port in a thread; yields a base URL ending in /api/v1.

    On the way out every connection is aborted and every handler ended.
    """
    loop = asyncio.new_event_loop()
    server = _Server(hostile)
    acceptor = loop.create_task(server.accept())
    thread = threading.Thread(target=loop.run_forever, daemon=True, name="hostile-upstream")
    thread.start()
    port = server.listener.getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        asyncio.run_coroutine_threadsafe(server.shut_down(acceptor), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
