"""Scripted faults: what the simulator does instead of (or while) answering normally.

A test queues `Fault`s; each matching request consumes one (or it stays, with
`times=None`). A fault with a `status` answers with that error — a JSON body of the
real API's shape, or (`html`) a page from the edge proxy — while one without plays out
in the reply: delays and keep-alives, a stream error after some tokens in one of the
observed shapes, a cut connection, a reply without choices or without `cost`. The
reference errors are named in `_named_faults`; `error_response` and `fault_response`
send error bodies.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from starlette.responses import HTMLResponse, JSONResponse, Response

# 1-4: the four observed mid-stream error shapes (see `_chat_errors`); 5: a choice that finishes
# with "error" and the provider's own reason (`error_native`) but carries no error object.
MidStreamShape = Literal[1, 2, 3, 4, 5]


@dataclass
class Fault:
    """One scripted behaviour.

    Matching: `path` (e.g. "/chat/completions", "/credits"), optional `model`; `times`
    requests take it (None: every one); with `every` N, only one matching request in N takes
    it (the Nth, 2Nth, …; the others pass untouched): `every=5, times=None` is a 20% error rate.
    Plain errors: `status` with `body` and `headers`, or `html` (a `text/html` page, as the
    edge sends for 502/524); `reset_in` writes a rate-limit reset that many seconds after
    the simulator's clock, in epoch milliseconds, into `body.error.metadata.headers`.
    Timing: `delay` seconds before answering.
    Streams: `keepalives` before the first token (and `keepalive_interval` between them),
    `token_delay` seconds a generated token (a chunk of three tokens leaves after three).
    Breaking the reply (counted in completion tokens generated, reasoning included):
    `error_after_tokens` ends it with an error in shape `error_shape` (see `_chat_stream`)
    with `error_code`, `error_message` and, for an error finish, `error_native` (a whole reply
    then carries the error in its choice, at HTTP 200); `error_after_finish` sends the error
    after the finish chunk instead; `length_after_tokens` cuts the reply there with
    `finish_reason: "length"`; `drop_after_tokens` cuts the connection (a TCP reset when
    served on a port). Each is billed for what was generated.
    Replies: `extra_words` makes the reply go on that much longer (a long answer, in lines
    of ten numbered words, cut at `max_tokens` like any other); `empty_choices` answers with
    no choices; `omit_cost` sends the 2025 usage without `cost`; `byok` bills as with the
    caller's own provider key.
    """

    path: str = "/chat/completions"
    model: str | None = None
    times: int | None = 1
    every: int = 1
    status: int | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    html: str | None = None
    reset_in: float | None = None
    delay: float = 0.0
    keepalives: int | None = None
    keepalive_interval: float = 0.0
    token_delay: float = 0.0
    error_after_tokens: int | None = None
    error_shape: MidStreamShape = 1
    error_code: int = 504
    error_message: str = "Provider timed out after 47709ms"
    error_native: str = "error"
    error_after_finish: bool = False
    length_after_tokens: int | None = None
    drop_after_tokens: int | None = None
    extra_words: int = 0
    empty_choices: bool = False
    omit_cost: bool = False
    byok: bool | None = None

    seen: int = field(default=0, repr=False)
    """Matching requests so far (for `every`)."""

    def matches(self, path: str, model: str | None) -> bool:
        return self.path == path and (self.model is None or self.model == model)

    def takes_next(self) -> bool:
        """Count one more matching request; whether this one takes the fault (see `every`)."""
        self.seen += 1
        return self.seen % max(self.every, 1) == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def plays_in_reply(self) -> bool:
        """Whether the fault shapes the reply (rather than replacing it with an error)."""
        return self.status is None


def error_body(
    status: int, message: str, metadata: dict[str, Any] | None = None, *, user: bool = True
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "code": status}
    if metadata is not None:
        error["metadata"] = metadata
    body: dict[str, Any] = {"error": error}
    if user:
        body["user_id"] = "user_2sim000000000000000000000"
    return body


def error_response(status: int, message: str, metadata: dict[str, Any] | None = None, *, user: bool = True) -> Response:
    """An error of the real API's shape (see `error_body`), sent with its status."""
    return JSONResponse(error_body(status, message, metadata, user=user), status_code=status)


def fault_response(fault: Fault, now: float) -> Response:
    """The plain error a scripted fault answers with, `now` being the simulator's clock."""
    status = fault.status or 500
    if fault.html is not None:
        return HTMLResponse(fault.html, status_code=status, headers=fault.headers)
    body = copy.deepcopy(fault.body) if fault.body is not None else {}
    if fault.reset_in is not None:
        error = body.setdefault("error", {})
        headers = error.setdefault("metadata", {}).setdefault("headers", {})
        headers["X-RateLimit-Reset"] = str(int((now + fault.reset_in) * 1000))
    return JSONResponse(body, status_code=status, headers=fault.headers)
