"""Standard input that the server can end itself, so a signal shuts it down like a client leaving.

The MCP SDK reads stdin with `readline` in a worker thread, and a thread blocked in `read()`
cannot be cancelled: on SIGTERM with the client's pipe still open, the server would wait for
the client to write or close it before it could exit. So `serve` puts a pipe of its own on the
descriptor (fd 0) and a daemon thread copies the client's bytes into it; `end()` closes our
pipe, and the SDK's reader sees end of file — the very path of a client that went away, which
cancels the calls in flight and ends the session. The copying thread, still blocked on the
client's pipe, holds nothing and dies with the process (it is a daemon).

POSIX only (`available()`): Windows has no signals to shut down on, and there the SDK reads
its standard input as it always does.
"""

from __future__ import annotations

import os
import sys
import threading
from types import TracebackType

# Big enough for any burst a client writes at once; one read never splits more than it must.
_CHUNK = 64 * 1024


def available() -> bool:
    """Whether the relay can stand in for stdin here (not on Windows)."""
    return sys.platform != "win32"


class EndableInput:
    """While open, `fd` reads what the client writes, through a pipe that `end()` closes.

    Use as a context manager; leaving it ends the input. `fd` then stays at end of file for
    good: it cannot be handed back to the client's pipe, because the copying thread may still
    be blocked reading that pipe and would take the next bytes.
    """

    def __init__(self, fd: int = 0) -> None:
        self.fd = fd
        self._source = -1  # the client's input, read by the thread
        self._sink = -1  # the write end of our pipe, now behind `fd`
        self._lock = threading.Lock()
        self._ended = False

    def __enter__(self) -> EndableInput:
        self._source = os.dup(self.fd)  # not inherited by child processes (os.dup's default)
        read_end, self._sink = os.pipe()
        os.dup2(read_end, self.fd)
        os.close(read_end)
        threading.Thread(target=self._copy, name="openrouter-mcp stdin", daemon=True).start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.end()

    def end(self) -> None:
        """End of file for the reader of `fd`, at once, whatever the client does (idempotent).

        The write end is replaced by the null device rather than closed, so its number stays
        taken: the copying thread may be about to write to it, and a number closed under it
        could be reused by a file another thread opens. The pipe itself closes (its only write
        end is gone), and what the thread still copies goes nowhere.
        """
        with self._lock:
            if self._ended:
                return
            self._ended = True
            null = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, self._sink, inheritable=False)
            finally:
                os.close(null)

    def _copy(self) -> None:
        """Copy the client's bytes into our pipe until either side ends."""
        try:
            while data := os.read(self._source, _CHUNK):
                view = memoryview(data)
                while view:
                    view = view[os.write(self._sink, view) :]
        except OSError:  # the reader is gone, or the client's input failed: both end the input
            pass
        finally:
            with self._lock:
                self._ended = True
                os.close(self._sink)  # the pipe's only write end: its reader sees end of file
            os.close(self._source)
