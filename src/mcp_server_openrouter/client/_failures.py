"""Errors for requests that got no usable answer, worded by what is known about them.

The client's HTTP module sorts each failure by when it happened:

* before the request reached the service (connecting, waiting for a pooled connection):
  `not_reached` — nothing was processed, so it is retried;
* after the request was sent (the read timed out, the connection dropped, the body could not
  be decoded): `answer_lost` — a POST may have been processed and billed, so the error says so,
  names the generation when its id is known, and is never retried; a GET is only a read and
  is retried as before;
* a 3xx answer: `redirected` — the base URL points elsewhere; never followed, since following
  would send the key to wherever it points.

No message shows a URL with its credentials or query (`strip_url_credentials`); httpx's own
texts are included only after their URLs are stripped the same way.
"""

from __future__ import annotations

import re

from mcp_server_openrouter._redact import strip_url_credentials
from mcp_server_openrouter.errors import (
    ACTIVITY_URL,
    APIConnectionError,
    APITimeoutError,
    MalformedAPIKeyError,
    RedirectError,
    ReplyLostError,
    ReplyTimeoutError,
)

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")


def scrub_urls(text: str) -> str:
    """`text` with every URL in it shown without credentials or query."""
    return _URL.sub(lambda match: strip_url_credentials(match.group(0)), text)


def _cause(kind: str, detail: str) -> str:
    detail = scrub_urls(detail.strip())
    return f"{kind}: {detail}" if detail else kind


def not_reached(base_url: str, kind: str, detail: str, *, timed_out: bool) -> APIConnectionError:
    """The request never reached the service (connect error or timeout, no free pooled connection)."""
    where = strip_url_credentials(base_url)
    if timed_out:
        return APITimeoutError(
            f"could not connect to {where} in time ({_cause(kind, detail)}); check the network and "
            "OPENROUTER_BASE_URL, or raise OPENROUTER_CONNECT_TIMEOUT"
        )
    return APIConnectionError(
        f"could not reach {where} ({_cause(kind, detail)}); check the network and OPENROUTER_BASE_URL"
    )


def answer_lost(
    base_url: str,
    request: str,
    kind: str,
    detail: str,
    *,
    timed_out: bool = False,
    undecodable: bool = False,
    idempotent: bool,
    generation_id: str | None = None,
    status: int | None = None,
) -> APIConnectionError:
    """The request was sent but its answer was lost; `request` is e.g. "POST /chat/completions"."""
    where = strip_url_credentials(base_url)
    cause = _cause(kind, detail)
    if timed_out:
        what = f"{where} did not answer in time ({cause})"
    elif undecodable:
        what = f"the answer from {where} could not be decoded ({cause}; a proxy may have garbled it)"
    else:
        what = f"the connection to {where} broke before the answer was complete ({cause})"
    if idempotent:
        advice = "try again, or raise OPENROUTER_TIMEOUT" if timed_out else "try again; check the network"
        return (APITimeoutError if timed_out else APIConnectionError)(f"{request}: {what}; {advice}")
    generation = f" (generation {generation_id})" if generation_id else ""
    lookup = f" or GET /generation?id={generation_id}" if generation_id else ""
    message = (
        f"{request}: {what} after the request was sent. OpenRouter may still have processed and billed "
        f"it{generation}, so it was not sent again automatically. Check {ACTIVITY_URL}{lookup} before "
        "sending it again"
    )
    if timed_out:
        message += "; if replies often take this long, raise OPENROUTER_TIMEOUT or stream the reply"
    cls = ReplyTimeoutError if timed_out else ReplyLostError
    return cls(message + ".", generation_id=generation_id, status=status)


def redirected(base_url: str, status: int, location: str | None) -> RedirectError:
    """A 3xx: the base URL redirects (`location` already resolved against the request's URL)."""
    where = strip_url_credentials(base_url)
    target = strip_url_credentials(location) if location else None
    to = f" to {target}" if target else ""
    https = " (an http:// base URL whose server wants https://)" if _only_scheme_differs(base_url, location) else ""
    return RedirectError(
        f"the base URL {where} redirects (HTTP {status}){to}{https}; redirects are not followed, so the key "
        "is never sent to another address",
        location=target,
        status=status,
    )


def _only_scheme_differs(base_url: str, location: str | None) -> bool:
    return bool(location) and base_url.startswith("http://") and str(location).startswith("https://")


def key_problem(key: str) -> str | None:
    """Why `key` cannot go in an Authorization header, or None if it can (never quoting the key)."""
    if any(ch.isspace() for ch in key):
        return "contains a space or a line break"
    if not key.isascii():
        return "contains a non-ASCII character (a curly quote or dash from a copy-paste?)"
    if any(not 0x21 <= ord(ch) <= 0x7E for ch in key):
        return "contains a control character"
    return None


def bad_header() -> MalformedAPIKeyError:
    """httpx refused a header value ("Illegal header value"): its text quotes the value, so it is not kept."""
    return MalformedAPIKeyError(
        "or another request header (OPENROUTER_APP_TITLE, OPENROUTER_APP_URL) has characters an HTTP header "
        "cannot carry"
    )
