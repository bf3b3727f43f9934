"""Reading httpx responses within bounds, and sorting what a failed attempt ends in.

Used by the HTTP module only (after it has imported httpx); httpx is imported inside the
functions here, as ruff's TID253 asks of every module but `_http.py`.

* `failure_of` turns a network failure into the tree's error by when it happened: before the
  request reached the service (retryable), or after it was sent (a POST may have been billed:
  never retried). httpx texts that quote a header's value are dropped.
* `error_of` reads at most `MAX_ERROR_BODY_BYTES` of an error body (a 3xx is not read at all:
  it becomes `RedirectError`); `not_a_stream` does the same for a streamed request answered
  with a plain body.
* `BodyText` hands a streamed body's text to `ChatStream`, with read failures as `ReadFailedError`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import anyio

from mcp_server_openrouter.client._chat_stream import ReadFailedError
from mcp_server_openrouter.client._errors import MAX_ERROR_BODY_BYTES, error_object, status_error
from mcp_server_openrouter.client._failures import answer_lost, bad_header, not_reached, redirected
from mcp_server_openrouter.client._metering import Meter
from mcp_server_openrouter.errors import APIStatusError, OpenRouterError, ResponseError

if TYPE_CHECKING:
    import httpx


# What a finished stream may still read to keep its connection: a few trailing bytes in practice.
DRAIN_MAX_CHARS = 64 * 1024
DRAIN_TIMEOUT_SECONDS = 0.5


class BodyText:
    """A streamed response's decoded text, piece by piece, for `ChatStream`."""

    def __init__(self, response: httpx.Response) -> None:
        self._pieces = response.aiter_text()
        self._encoding = response.headers.get("content-encoding", "")

    async def aclose(self) -> None:
        """Close httpx's generators now (left to the garbage collector, their finalisers run as
        stray tasks after the call has ended)."""
        close = getattr(self._pieces, "aclose", None)  # typed an iterator; an async generator in fact
        if close is not None:
            await close()

    async def drain(self, *, max_chars: int = DRAIN_MAX_CHARS, within: float = DRAIN_TIMEOUT_SECONDS) -> bool:
        """Read what is left of a finished reply, so httpx can put the connection back in its pool
        (a response closed before the end of its body closes its connection). OpenRouter ends the
        body right after `data: [DONE]`; an upstream that does not gets `within` seconds and `max_chars`,
        then the connection is closed as before. True if the body ended."""
        read = 0
        with anyio.move_on_after(within):
            try:
                while (piece := await self.read()) is not None:
                    read += len(piece)
                    if read > max_chars:
                        return False
            except ReadFailedError:
                return False
            return True
        return False

    async def read(self) -> str | None:
        import httpx

        try:
            return await self._pieces.__anext__()
        except StopAsyncIteration:
            return None
        except httpx.TimeoutException as exc:
            raise ReadFailedError("no data within the read timeout") from exc
        except httpx.DecodingError as exc:
            raise ReadFailedError(f"the reply could not be decoded (Content-Encoding: {self._encoding})") from exc
        except httpx.TransportError as exc:
            raise ReadFailedError(f"connection failed: {type(exc).__name__}") from exc


async def read_bounded(response: httpx.Response, limit: int = MAX_ERROR_BODY_BYTES) -> tuple[bytes, bool]:
    """At most `limit` bytes of the body, and whether there was more (left unread)."""
    body = bytearray()
    async for piece in response.aiter_bytes():
        body += piece
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


def failure_of(
    exc: BaseException, *, base_url: str, meter: Meter, response: httpx.Response | None
) -> OpenRouterError | None:
    """The error a network failure ends an attempt in; None for anything else (to be re-raised).

    Only a failure before the request reached the service is retryable for a POST.
    """
    import httpx

    kind, detail = type(exc).__name__, str(exc)
    not_sent = (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.UnsupportedProtocol,
    )
    if isinstance(exc, not_sent):
        return not_reached(base_url, kind, detail, timed_out=isinstance(exc, httpx.TimeoutException))
    if isinstance(exc, httpx.LocalProtocolError) and "header" in detail.lower():
        return bad_header()  # "Illegal header value b'Bearer …'": its text quotes the value, never kept
    if not isinstance(exc, (httpx.TransportError, httpx.DecodingError)):
        return None
    return answer_lost(
        base_url,
        f"{meter.method} {meter.path}",
        kind,
        "" if isinstance(exc, httpx.LocalProtocolError) else detail,
        timed_out=isinstance(exc, httpx.TimeoutException),
        undecodable=isinstance(exc, httpx.DecodingError),
        idempotent=meter.method == "GET",
        generation_id=meter.generation_id,
        status=response.status_code if response is not None else None,
    )


async def error_of(response: httpx.Response, *, base_url: str, now: float) -> APIStatusError:
    """The typed error for a 3xx or an error status, reading at most `MAX_ERROR_BODY_BYTES`; closes the response."""
    import httpx

    status = response.status_code
    try:
        if status < 400:
            return redirected(base_url, status, _location(response))
        raw, truncated = await read_bounded(response)
    except (httpx.TransportError, httpx.DecodingError) as exc:
        # The status is the answer; only its body is lost.
        message = f"HTTP {status}; its body could not be read ({type(exc).__name__})"
        return status_error(status, None, headers=response.headers, now=now, text=message)
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()
    return error_from(response, raw, now=now, truncated=truncated)


def error_from(
    response: httpx.Response, raw: bytes, *, now: float, truncated: bool = False, status: int | None = None
) -> APIStatusError:
    """The typed error for a body read as `raw`; `status=200` for an error delivered as a success."""
    text = raw.decode(response.encoding or "utf-8", errors="replace")
    try:
        body: object = json.loads(text) if text.strip() else None
    except (ValueError, RecursionError):  # not JSON, or nested too deep to parse
        body = None
    status = response.status_code if status is None else status
    return status_error(status, body, headers=response.headers, now=now, text=text, truncated=truncated)


async def not_a_stream(response: httpx.Response, *, now: float) -> APIStatusError:
    """An error (or a server that ignored `stream`) answered a streamed request with a plain body."""
    import httpx

    try:
        raw, truncated = await read_bounded(response)
    except (httpx.TransportError, httpx.DecodingError) as exc:
        raw, truncated = f"(the body could not be read: {type(exc).__name__})".encode(), False
    error = error_from(response, raw, now=now, truncated=truncated, status=200)
    if error_object(error.body) is not None:
        return error
    kind = response.headers.get("content-type") or "no content type"
    return ResponseError(
        f"the server answered a streamed request with {kind} instead of an event stream (it may not "
        "support streaming, and the request may have been processed); try again without streaming",
        status=200,
        code=502,
    )


def _location(response: httpx.Response) -> str | None:
    """Where a 3xx points, resolved against the request's URL."""
    import httpx

    location = response.headers.get("location")
    if not location:
        return None
    try:
        return str(response.url.join(location))
    except (httpx.InvalidURL, ValueError):
        return str(location)
