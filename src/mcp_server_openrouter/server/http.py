"""Streamable HTTP: the same tools for MCP clients on other machines (`openrouter-mcp serve --http`).

The SDK's session manager speaks the protocol at `/mcp`; `HttpGate`, in front of it, decides
who may use it:

* `/healthz` answers `{"status": "ok", "version": …}` to anyone (a load balancer's or Docker's
  health check has no token); it tells nothing else.
* With `MCP_HTTP_TOKEN` set (required on any address but loopback), every other request needs
  `Authorization: Bearer <token>`, compared in constant time; otherwise 401.
* `/dashboard` and below go to the dashboard (`dashboard/web.py`), which checks the same token
  itself, also from the cookie a browser gets for it (a browser sends no `Authorization` header),
  and the same Host names; without `MCP_HTTP_TOKEN` it has a random token of its own, logged in its URL.
* DNS rebinding: the SDK's Host and Origin checks, allowing the loopback names, the bound
  address and `MCP_HTTP_ALLOWED_HOSTS` (421 for a Host, 403 for an Origin not among them).
* Per-user keys: each request's own OpenRouter key comes in `X-OpenRouter-Key` (never in
  `Authorization`, which is the server's token: the two are never confused). The gate puts it
  in `app.caller_key` around the request — the SDK hands the request's context variables to the
  handler it runs, and the tool layer reads them through `caller_of` — and binds the MCP session
  to the key's hash, so a session opened with one key answers "not found" to any other. Neither
  secret is ever logged.

`serve` runs it with uvicorn on a socket the command bound, until told to stop: the sessions
end first (calls in flight close their upstream streams, jobs are cancelled), then connections.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mcp_server_openrouter import __version__
from mcp_server_openrouter.app import CallerKey, caller_key
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server._tooling import KEY_HEADER

if TYPE_CHECKING:
    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

logger = logging.getLogger(__name__)

MCP_PATH = "/mcp"
DASHBOARD_PATH = "/dashboard"
HEALTH_PATH = "/healthz"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# A stop waits at most this long for responses still being written once the sessions have ended.
GRACEFUL_SHUTDOWN_SECONDS = 5


@dataclass(frozen=True)
class HttpOptions:
    """Where to listen and who may come in."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str | None = field(default=None, repr=False)
    per_user_keys: bool = False
    allowed_hosts: tuple[str, ...] = ()
    # Without MCP_HTTP_TOKEN the dashboard still needs one: a random one, shown in its URL.
    own_dashboard_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)

    @classmethod
    def of(cls, settings: Settings, *, host: str, port: int, per_user_keys: bool) -> HttpOptions:
        return cls(host, port, settings.token(), per_user_keys, settings.extra_allowed_hosts())

    @property
    def url(self) -> str:
        return f"http://{_bracketed(self.host)}:{self.port}{MCP_PATH}"

    @property
    def dashboard_token(self) -> str:
        # With per-user keys every user holds MCP_HTTP_TOKEN, and the dashboard is the operator's.
        if self.token is None or self.per_user_keys:
            return self.own_dashboard_token
        return self.token

    def dashboard_url(self) -> str:
        """Where the dashboard is: with its token when it is the dashboard's own, never MCP_HTTP_TOKEN."""
        page = f"http://{_bracketed(self.host)}:{self.port}{DASHBOARD_PATH}/"
        if self.dashboard_token == self.own_dashboard_token:
            return f"{page}?token={self.own_dashboard_token}"
        return f"{page} (open it with ?token=<MCP_HTTP_TOKEN>)"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_problem(options: HttpOptions) -> str | None:
    """Why the server must not start with these options (reachable from other machines without a token)."""
    if options.token is not None or is_loopback(options.host):
        return None
    return (
        f"refusing to serve on {options.host}: an address other than loopback is reachable from other machines, "
        "and anyone reaching it could spend on this server's key. Set MCP_HTTP_TOKEN (at least 16 characters; "
        "clients send it as 'Authorization: Bearer <token>'), or bind --host 127.0.0.1."
    )


def security_settings(options: HttpOptions) -> TransportSecuritySettings:
    """The SDK's DNS-rebinding protection: Host and Origin must name this server.

    Any port is accepted with an allowed name: the port a client sees may differ from the bound one
    (Docker's `-p 9000:8000`, a proxy), and rebinding is an attack through a hostile name, not a port.
    """
    if "*" in options.allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    names = list(_LOOPBACK_NAMES)
    if options.host in ("0.0.0.0", "::", ""):
        names.append(socket.gethostname())
    elif not is_loopback(options.host):
        names.append(_bracketed(options.host))
    hosts: list[str] = []
    for name in [*names, *options.allowed_hosts]:
        hosts.extend([name] if _has_port(name) else [_bracketed(name), f"{_bracketed(name)}:*"])
    hosts = list(dict.fromkeys(hosts))
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins)


def _has_port(name: str) -> bool:
    if name.startswith("["):
        return "]:" in name
    return name.count(":") == 1


def _bracketed(host: str) -> str:
    """An IPv6 address as a Host header writes it."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class HttpGate:
    """ASGI middleware in front of the MCP endpoint: health, the bearer token, the caller's key."""

    def __init__(self, app: ASGIApp, options: HttpOptions, dashboard: ASGIApp | None = None) -> None:
        self.app = app
        self.options = options
        self.dashboard = dashboard
        self._token = options.token.encode() if options.token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        if scope["path"] == HEALTH_PATH:
            await _health(scope, receive, send)
            return
        path = scope["path"]
        if self.dashboard is not None and (path == DASHBOARD_PATH or path.startswith(DASHBOARD_PATH + "/")):
            # The dashboard checks the same token itself, also from its cookie (a browser sends no header).
            await self.dashboard(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(headers)
        if refusal is not None:
            status, reason = refusal
            client = scope.get("client")
            logger.warning("refused a request from %s: %s", client[0] if client else "an unknown address", reason)
            extra = {"WWW-Authenticate": 'Bearer realm="openrouter-mcp"'} if status == 401 else None
            await JSONResponse({"error": reason}, status_code=status, headers=extra)(scope, receive, send)
            return
        send = _hint_on_misdirected(send, headers.get("host", ""))
        if not self.options.per_user_keys:
            await self.app(scope, receive, send)
            return
        with _as_caller(headers.get(KEY_HEADER, "").strip() or None) as caller:
            if caller.api_key is not None:
                # The SDK keeps a session to the principal that opened it: another key gets "not found".
                scope = {**scope, "user": _principal(caller.key_id)}
            await self.app(scope, receive, send)

    def _refusal(self, headers: Headers) -> tuple[int, str] | None:
        if self._token is not None:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not given.strip():
                return 401, "this server needs a bearer token: send 'Authorization: Bearer <MCP_HTTP_TOKEN>'"
            # Constant time: how long a comparison takes must not tell how much of a guess was right.
            if not hmac.compare_digest(given.strip().encode("latin-1"), self._token):
                return 401, "the bearer token is not this server's MCP_HTTP_TOKEN"
        if not self.options.per_user_keys and KEY_HEADER.lower() in headers:
            return 400, (
                f"this server answers with its own OpenRouter key and takes no {KEY_HEADER} header; drop the header "
                "(or ask its operator to start it with --per-user-keys, so each user brings their own key)"
            )
        return None


def _hint_on_misdirected(send: Send, host: str) -> Send:
    """`send`, saying in the log what to do when the SDK refuses the Host (421): its own line says only that."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 421:
            logger.warning(
                "refused a request for Host %r; if clients reach this server by that name, add it to "
                "MCP_HTTP_ALLOWED_HOSTS (comma-separated)",
                host[:100],
            )
        await send(message)

    return sending


@contextlib.contextmanager
def _as_caller(api_key: str | None) -> Iterator[CallerKey]:
    caller = CallerKey.of(api_key)
    token = caller_key.set(caller)
    try:
        yield caller
    finally:
        caller_key.reset(token)


def _principal(key_id: str) -> AuthenticatedUser:
    return AuthenticatedUser(AccessToken(token=key_id, client_id=key_id, scopes=[]))


async def _health(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["method"] not in ("GET", "HEAD"):
        response = JSONResponse({"error": "use GET"}, status_code=405, headers={"Allow": "GET, HEAD"})
    else:
        response = JSONResponse({"status": "ok", "version": __version__})
    await response(scope, receive, send)


@dataclass(frozen=True)
class HttpApp:
    """The gated ASGI app and the session manager whose `run()` must enclose serving it."""

    app: ASGIApp
    manager: StreamableHTTPSessionManager


def http_app(server: MCPServer[Any], options: HttpOptions) -> HttpApp:
    from mcp_server_openrouter.dashboard.web import Dashboard, DashboardAccess
    from mcp_server_openrouter.server import running_app

    security = security_settings(options)
    starlette = server.streamable_http_app(
        streamable_http_path=MCP_PATH, transport_security=security, host=options.host
    )
    hosts = tuple(security.allowed_hosts) if security.enable_dns_rebinding_protection else None
    dashboard = Dashboard(lambda: running_app(server), DashboardAccess(options.dashboard_token, hosts))
    return HttpApp(HttpGate(starlette, options, dashboard), server.session_manager)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket: bound before the server starts, so `--port 0` can say which port it got."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Without it Nagle's algorithm and delayed ACKs add ~40 ms to a response written in parts.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(server: MCPServer[Any], options: HttpOptions, sock: socket.socket, stop: anyio.Event) -> None:
    """Serve on `sock` until `stop` is set (or uvicorn ends by itself).

    The session manager's run encloses uvicorn's, so it ends first: every session's calls are
    cancelled (their upstream streams closed) and the app context closes (jobs cancelled, client
    closed); the responses then end and uvicorn finds its connections closing.
    """
    gated = http_app(server, options)
    web = web_server(gated.app)
    async with anyio.create_task_group() as group, gated.manager.run():

        async def run_web() -> None:
            try:
                await web.serve(sockets=[sock])
            finally:
                stop.set()

        group.start_soon(run_web)
        await stop.wait()
        web.should_exit = True


def web_server(app: ASGIApp) -> uvicorn.Server:
    """uvicorn for `app`, on sockets the caller bound, leaving signals to the command."""
    import uvicorn

    from mcp_server_openrouter.dashboard.web import AccessLogScrubber

    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, AccessLogScrubber) for f in access_log.filters):
        access_log.addFilter(AccessLogScrubber())  # a dashboard URL's token is not kept in the log

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield  # the command handles SIGTERM and SIGINT itself (see cli/serve.py)

    config = uvicorn.Config(
        app,
        lifespan="off",  # the session manager's run is entered by `serve`
        log_config=None,  # uvicorn's records go to our stderr handler, keys redacted
        ws="none",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return Server(config)
