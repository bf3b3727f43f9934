"""`EndableInput`: the server's stdin relayed through a pipe it can end itself (see `cli/_stdin.py`).

Each test stands a pipe in for the client's stdin, so the test process's own fd 0 is never
touched. Reads wait with `select` under a timeout: nothing here can block for ever.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from collections.abc import Iterator

import pytest

from mcp_server_openrouter.cli._stdin import EndableInput

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the relay is POSIX-only")

WAIT = 5.0


def read(fd: int, size: int = 1 << 20) -> bytes:
    """The next bytes of `fd` (b"" at end of file), failing if none arrive within `WAIT` seconds."""
    ready, _, _ = select.select([fd], [], [], WAIT)
    assert ready, f"nothing to read within {WAIT} s"
    return os.read(fd, size)


def read_exactly(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = read(fd, size - len(data))
        assert chunk, f"end of file after {len(data)} of {size} bytes"
        data += chunk
    return data


@pytest.fixture
def client_pipe() -> Iterator[tuple[int, int]]:
    """(the server's end, the client's end) of a pipe standing in for stdin."""
    server_end, client_end = os.pipe()
    yield server_end, client_end
    os.close(server_end)
    with contextlib.suppress(OSError):  # the test may have closed it
        os.close(client_end)


def test_what_the_client_writes_reaches_the_reader_whole_and_in_order(client_pipe: tuple[int, int]) -> None:
    server_end, client_end = client_pipe
    message = b"".join(b'{"jsonrpc": "2.0", "id": %d}\n' % i for i in range(5000))  # ~130 KB: several chunks
    with EndableInput(server_end):
        written = 0
        received = b""
        while written < len(message):  # write and read in turn: neither pipe may fill up and block
            written += os.write(client_end, message[written : written + 16384])
            received += read_exactly(server_end, written - len(received))
        assert received == message


def test_ending_it_gives_the_reader_end_of_file_though_the_client_keeps_its_pipe_open(
    client_pipe: tuple[int, int],
) -> None:
    server_end, client_end = client_pipe
    with EndableInput(server_end) as relay:
        os.write(client_end, b"first\n")
        assert read(server_end) == b"first\n"
        relay.end()
        assert read(server_end) == b""
        relay.end()  # ending twice is harmless
        os.write(client_end, b"late\n")  # copied nowhere
        assert read(server_end) == b""


def test_the_client_closing_its_pipe_is_end_of_file_for_the_reader(client_pipe: tuple[int, int]) -> None:
    server_end, client_end = client_pipe
    with EndableInput(server_end):
        os.write(client_end, b"last\n")
        os.close(client_end)
        assert read_exactly(server_end, 5) == b"last\n"
        assert read(server_end) == b""


def test_leaving_the_block_ends_the_input(client_pipe: tuple[int, int]) -> None:
    server_end, client_end = client_pipe
    with EndableInput(server_end):
        os.write(client_end, b"only\n")
        assert read(server_end) == b"only\n"
    assert read(server_end) == b""
