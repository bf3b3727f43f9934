"""One job: a chat call running in the server's task group, outliving the tool call that began it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import anyio

from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.chat.result import ChatResult

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[JobStatus] = frozenset({"done", "failed", "cancelled"})


@dataclass(eq=False)
class Job:
    """A job's live state, in the process running it.

    `parts` collects the reply's text as it streams in; `result` is the whole reply once done,
    `error` the failure if it failed. Whoever waits for the job may `listen` to its progress:
    the newest caller hears it, and when it stops listening the one before it hears it again.
    """

    job_id: str
    requested_model: str
    created_at: float
    streamed: bool
    background: bool = False
    owner: str = ""  # the hash of the caller's key: only that caller may see the job
    status: JobStatus = "queued"
    parts: list[str] = field(default_factory=list)
    result: ChatResult | None = None
    error: Exception | None = None
    note: str | None = None
    finished_at: float | None = None
    done: anyio.Event = field(default_factory=anyio.Event, repr=False)
    _scope: anyio.CancelScope | None = field(default=None, repr=False)
    _cancel_requested: bool = field(default=False, repr=False)
    _listeners: list[ProgressCallback] = field(default_factory=list, repr=False)
    _settled: bool = field(default=False, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def text(self) -> str:
        """The whole reply when done, else what has arrived so far."""
        if self.result is not None:
            return self.result.text
        partial = getattr(self.error, "partial_text", "")
        so_far = "".join(self.parts)
        return partial if isinstance(partial, str) and len(partial) > len(so_far) else so_far

    def add_text(self, fragment: str) -> None:
        self.parts.append(fragment)

    def cancel(self) -> None:
        """Stop the job: its task is cancelled, which closes the upstream stream at once.

        Once the reply is complete (`settle`) there is nothing left to stop: a paid reply is
        never turned into a cancelled one.
        """
        if self._settled:
            return
        self._cancel_requested = True
        if self._scope is not None:
            self._scope.cancel()

    def settle(self) -> None:
        """The upstream reply is complete: a later `cancel` changes nothing."""
        self._settled = True

    def listen(self, listener: ProgressCallback) -> None:
        self._listeners.append(listener)

    def unlisten(self, listener: ProgressCallback) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def unlisten_all(self) -> None:
        self._listeners.clear()

    async def report(self, progress: float, total: float | None, message: str) -> None:
        """Pass progress to the newest caller waiting for the job, if anyone."""
        if not self._listeners:
            return
        listener = self._listeners[-1]
        try:
            await listener(progress, total, message)
        except Exception:  # a caller that went away must not fail the job
            self.unlisten(listener)

    async def note_wait(self, message: str) -> None:
        """A wait before the request goes out (queued, paced, rate limited): shown with the status."""
        self.note = message


JobWork = Callable[[Job], Awaitable[ChatResult]]
"""What a job runs: given the job (to add text and report progress), the chat's result."""
