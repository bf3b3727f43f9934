"""The dashboard as an ASGI app at `/dashboard`: `openrouter-mcp dashboard` serves it alone on
loopback; `serve --http` serves it beside `/mcp`, over the same process's app (its jobs too).

Who may look (`DashboardAccess`), checked on every request before anything is read:

* The Host must be one of the allowed names (loopback's, and in HTTP mode the server's own and
  `MCP_HTTP_ALLOWED_HOSTS`): a page from a hostile name that resolves to 127.0.0.1 (DNS
  rebinding) gets 421. An `Origin`, when sent, must be one of those names too (403).
* The access token: a random one printed with the URL (`?token=…`, as notebook servers do), or
  in HTTP mode its `MCP_HTTP_TOKEN`. A URL carrying it sets an HttpOnly, SameSite=Strict cookie
  holding a value derived from it and redirects to the same page without it, so the token
  leaves the address bar and the history. The cookie's name is derived from the token too:
  browsers keep cookies by host, not port, so two dashboards on 127.0.0.1 would otherwise
  overwrite each other's. The token is redacted from logs (uvicorn's access log writes each
  URL). Scripts may send `Authorization: Bearer <token>`. Anything else gets 401.
* The page changes only two things, each a POST: cancelling a job and clearing the caches. A
  POST needs the page's form token (another value derived from the access token) and, from a
  browser, an allowed `Origin`; a page on another site can neither read nor forge one.

The OpenRouter key never reaches a page: nothing shown holds it, and every page is redacted too.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, Router
from starlette.types import Message, Receive, Scope, Send

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.dashboard import views
from mcp_server_openrouter.dashboard.pages import BASE
from mcp_server_openrouter.errors import OpenRouterMCPError

if TYPE_CHECKING:
    from mcp_server_openrouter.app import AppContext

logger = logging.getLogger(__name__)

COOKIE = "openrouter_mcp_dashboard"
LOOPBACK_HOSTS = ("127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*")
STATIC = {"dashboard.css": "text/css; charset=utf-8", "dashboard.js": "text/javascript; charset=utf-8"}
MAX_FORM_BYTES = 4096
HEADERS = {
    # The page loads only its own files; no frame may hold it; nothing is cached; no other site is sent
    # a referrer ("no-referrer" would also make a form's POST send `Origin: null`, which is refused).
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}


_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"]+")


class AccessLogScrubber(logging.Filter):
    """Takes the access token out of the request lines uvicorn logs (`GET /dashboard/?token=…`).

    Not a registered secret: the line that announces the dashboard's URL must keep it, since that
    line is where the user finds it (a stdio server's dashboard has no other place to say it).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = _TOKEN_IN_QUERY.sub(r"\1[redacted]", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


@dataclass(frozen=True)
class DashboardAccess:
    """The access token and the Host names the dashboard answers to (None: any, as the operator asked)."""

    token: str = field(repr=False)
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_HOSTS

    def _derived(self, purpose: bytes) -> str:
        return hmac.new(self.token.encode(), purpose, hashlib.sha256).hexdigest()

    @property
    def cookie_name(self) -> str:
        return f"{COOKIE}_{self._derived(b'openrouter-mcp dashboard cookie name')[:12]}"

    @property
    def cookie(self) -> str:
        return self._derived(b"openrouter-mcp dashboard cookie")

    @property
    def csrf(self) -> str:
        return self._derived(b"openrouter-mcp dashboard form")

    def url(self, origin: str) -> str:
        """The address to open: `origin` (http://host:port) and the page, with the token."""
        return f"{origin}{BASE}/?{urlencode({'token': self.token})}"

    def host_allowed(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        name = host.lower()
        for allowed in (allowed.lower() for allowed in self.allowed_hosts):  # DNS names ignore case
            if allowed.endswith(":*"):
                if name.rpartition(":")[0] == allowed[:-2] and name.rpartition(":")[2].isdigit():
                    return True
            elif name == allowed:
                return True
        return False

    def origin_allowed(self, origin: str) -> bool:
        scheme, _, rest = origin.partition("://")
        return scheme in ("http", "https") and bool(rest) and self.host_allowed(rest)

    def token_matches(self, given: str) -> bool:
        # Constant time: how long a comparison takes must not tell how much of a guess was right.
        return hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())


@dataclass
class Dashboard:
    """The ASGI app: the checks above, then the pages (`views`) over the app `app_of` returns."""

    app_of: Callable[[], AppContext | None]
    access: DashboardAccess
    clock: Callable[[], float] = time.time
    tz: tzinfo | None = None
    router: Router = field(init=False)

    def __post_init__(self) -> None:
        page = self._page
        self.router = Router(
            routes=[
                Route(BASE, lambda request: RedirectResponse(f"{BASE}/", status_code=307)),
                Route(f"{BASE}/", page(views.spend)),
                Route(f"{BASE}/calls", page(views.calls)),
                Route(f"{BASE}/account", page(views.account)),
                Route(f"{BASE}/jobs", page(views.jobs)),
                Route(f"{BASE}/reports", page(views.reports)),
                Route(f"{BASE}/reports/{{name}}", page(views.report)),
                Route(f"{BASE}/reports/{{name}}/chart.svg", page(views.report_chart)),
                Route(f"{BASE}/models", page(views.models)),
                Route(f"{BASE}/api/live", page(views.live)),
                Route(f"{BASE}/static/{{name}}", _static),
                Route(f"{BASE}/jobs/{{job_id}}/cancel", page(views.cancel_job, post=True), methods=["POST"]),
                Route(f"{BASE}/caches/clear", page(views.clear_caches, post=True), methods=["POST"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        send = _with_security_headers(send)
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.router(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> Response | None:
        """Why this request is refused (a response), or None: it may go on."""
        host = headers.get("host", "")
        if not self.access.host_allowed(host):
            logger.warning("dashboard: refused a request for Host %r (DNS rebinding protection)", host[:100])
            return _problem(421, "This dashboard does not answer to that host name; open the URL it printed.")
        origin = headers.get("origin")
        if origin is not None and not self.access.origin_allowed(origin):
            logger.warning("dashboard: refused a request from Origin %r", origin[:100])
            return _problem(403, "Requests from another site are refused.")
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = query.pop("token", None)
        if given is not None:
            if not self.access.token_matches(given):
                return _problem(401, "That token is not this dashboard's; open the URL it printed.")
            # The token leaves the address bar: the cookie carries the session from now on.
            clean = scope["path"] + (f"?{urlencode(query)}" if query else "")
            redirect = RedirectResponse(clean, status_code=303)
            redirect.set_cookie(
                self.access.cookie_name, self.access.cookie, httponly=True, samesite="strict", path=BASE, secure=False
            )
            return redirect
        if self._signed_in(headers):
            if scope["method"] == "POST" and origin is None and "authorization" not in headers:
                return _problem(403, "A change must come from the dashboard's own page (no Origin was sent).")
            return None
        return _problem(401, "Open the dashboard with the URL it printed (it carries the access token).")

    def _signed_in(self, headers: Headers) -> bool:
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and given.strip():
            return self.access.token_matches(given.strip())
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == self.access.cookie_name and hmac.compare_digest(
                value.encode("latin-1", "replace"), self.access.cookie.encode()
            ):
                return True
        return False

    def _page(
        self, view: Callable[[views.Visit], Awaitable[Response]], *, post: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            app = self.app_of()
            if app is None:
                return _problem(503, "The server is starting; reload in a moment.")
            form: dict[str, str] = {}
            if post:
                body = await _form_body(request)
                if body is None:
                    return _problem(413, "That form is too large.")
                form = dict(parse_qsl(body.decode("utf-8", "replace")))
                given = form.get("csrf") or request.headers.get("x-csrf-token", "")
                if not hmac.compare_digest(given.encode("utf-8", "replace"), self.access.csrf.encode()):
                    return _problem(403, "The form token is missing or wrong; reload the page and try again.")
            visit = views.Visit(request, app, self.access.csrf, self.clock(), self.tz, form)
            try:
                response = await view(visit)
            except OpenRouterMCPError as exc:
                response = await views.failure(visit, exc)
            return _redacted(response)

        return endpoint


async def _form_body(request: Request) -> bytes | None:
    """The POST's body, or None past `MAX_FORM_BYTES`, read no further (`request.body()` reads it all first)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    return bytes(body)


async def _static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in STATIC:
        return _problem(404, "No such file.")
    content = resources.files("mcp_server_openrouter.dashboard").joinpath("static").joinpath(name).read_bytes()
    return Response(content, media_type=STATIC[name])


def _problem(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status)


def _with_security_headers(send: Send) -> Send:
    """`send`, adding `HEADERS` to every response: pages, files, redirects and the router's own 404s alike."""
    extra = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in HEADERS.items()]

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def _redacted(response: Response) -> Response:
    if isinstance(response, HTMLResponse | JSONResponse | PlainTextResponse):
        # A last guard: whatever a page shows, the key's value is not in it.
        body = bytes(response.body)
        cleaned = redact(body.decode("utf-8", "replace")).encode("utf-8")
        if cleaned != body:
            response.body = cleaned
            response.headers["content-length"] = str(len(cleaned))
    return response
