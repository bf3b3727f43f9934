"""Command line: `openrouter-mcp [serve|demo|simulate|config-path]`.

With no command it serves MCP over stdio, which is what MCP clients launch. In that mode
stdout carries JSON-RPC only: everything else goes to stderr through `logging`.
Heavy modules are imported inside each command so `--help` and start-up stay fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mcp_server_openrouter import __version__
from mcp_server_openrouter import _constants as c

if TYPE_CHECKING:
    from mcp_server_openrouter.config import Settings


def _parser() -> argparse.ArgumentParser:
    # The catalogue module is light (no pydantic, no httpx): its choices are the single source.
    from mcp_server_openrouter.catalog import CAPABILITIES, MODALITIES, SORTS

    parser = argparse.ArgumentParser(
        prog=c.APP_NAME,
        description="MCP server for every model on OpenRouter. With no command, serves MCP over stdio.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "serve",
        help="serve MCP over stdio (the default)",
        description="Serve MCP over stdio; this is what MCP clients launch. Settings come from the "
        "environment and .env files (see the README).",
    )

    demo = commands.add_parser(
        "demo",
        help="walk through a live MCP session (offline simulator unless OPENROUTER_API_KEY is set)",
        description="Launch the real server over stdio as an MCP client does and walk through a short "
        "session. Without OPENROUTER_API_KEY everything runs against the built-in offline simulator.",
    )
    demo.add_argument("--offline", action="store_true", help="use the simulator even if a key is set")
    demo.add_argument("--model", help="model for the chat steps (default: a cheap one)")

    simulate = commands.add_parser(
        "simulate",
        help="run the OpenRouter simulator on a loopback port",
        description="Serve the fake OpenRouter API (for tests, demos and benchmarks) until interrupted.",
    )
    simulate.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    simulate.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")

    models = commands.add_parser(
        "models",
        help="find models: filter, sort and page the catalogue",
        description="List models from the (cached) catalogue, like the list_available_models tool.",
    )
    models.add_argument("--provider", help="provider prefix, e.g. openai or anthropic")
    models.add_argument("--search", help="words to find in ids, names and descriptions")
    models.add_argument("--input-modality", choices=MODALITIES, help="required input modality")
    models.add_argument("--output-modality", choices=MODALITIES, help="required output modality")
    models.add_argument(
        "--supports",
        action="append",
        metavar="CAPS",
        help=f"required capabilities, comma-separated or repeated: {', '.join(CAPABILITIES)}",
    )
    models.add_argument("--max-price", metavar="IN[,OUT]", help="most USD per 1M input (and output) tokens")
    models.add_argument("--min-context", type=int, metavar="TOKENS", help="least context length")
    models.add_argument("--free", action="store_true", help="only models that cost nothing")
    models.add_argument("--sort", choices=SORTS, help="order (default: provider, then name)")
    models.add_argument("--limit", type=int, help="models per page (default 50, at most 100)")
    models.add_argument("--offset", type=int, help="skip this many matches (paging)")
    models.add_argument("--refresh", action="store_true", help="fetch a fresh catalogue first")
    models.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")

    cache = commands.add_parser(
        "cache",
        help="inspect or clear the model and response caches",
        description="Show or delete the catalogue cache file and the response cache.",
    )
    cache.add_argument("action", choices=["info", "clear"], help="info: show what is cached; clear: delete it")
    cache.add_argument("--json", action="store_true", help="print JSON (with info)")

    commands.add_parser(
        "config-path",
        help="print where settings are read from",
        description="Print the .env files read (in increasing priority) and the cache and data directories.",
    )
    return parser


def configure_logging(level: str) -> None:
    """Log to stderr only, with API keys redacted from every record."""
    from mcp_server_openrouter._redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise on a client's stderr.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings_or_exit() -> Settings:
    """The settings, or a readable list of what is wrong and exit status 2 (never a traceback)."""
    from pydantic import ValidationError

    from mcp_server_openrouter.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        sys.stderr.write("openrouter-mcp: invalid settings:\n" + "\n".join(lines) + "\n")
        raise SystemExit(2) from None


def serve() -> int:
    from mcp_server_openrouter.server import create_server

    settings = _settings_or_exit()
    configure_logging(settings.log_level)
    if settings.api_key is None:
        logging.getLogger(__name__).warning(
            "OPENROUTER_API_KEY is not set: tools that call OpenRouter will say how to set it"
        )
    import anyio

    server = create_server(settings)
    # uvloop (installed where it has wheels) takes ~0.4 ms off every tool call: see bench/latency.py.
    anyio.run(server.run_stdio_async, backend_options={"use_uvloop": _has_uvloop()})
    return 0


def _has_uvloop() -> bool:
    from importlib.util import find_spec

    return find_spec("uvloop") is not None


def simulate(host: str, port: int) -> int:
    from mcp_server_openrouter.simulator import serve_forever

    configure_logging("INFO")
    serve_forever(host, port)
    return 0


def config_path() -> int:
    from mcp_server_openrouter.config import env_files

    settings = _settings_or_exit()
    for path in env_files():
        state = "found" if path.is_file() else "absent"
        print(f".env ({state}): {path.resolve()}")
    print(f"cache dir: {settings.cache_dir}")
    print(f"data dir: {settings.data_dir}")
    print(f"reports dir: {settings.resolved_reports_dir}")
    print(f"base url: {settings.base_url}")
    print(f"api key: {'set' if settings.api_key else 'not set'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command in (None, "serve"):
            return serve()
        if args.command == "demo":
            from mcp_server_openrouter.demo import run_demo

            return run_demo(_settings_or_exit(), offline=args.offline, model=args.model)
        if args.command == "simulate":
            return simulate(args.host, args.port)
        if args.command == "config-path":
            return config_path()
        if args.command == "models":
            from mcp_server_openrouter.cli_models import models_command

            return models_command(args, _settings_or_exit())
        if args.command == "cache":
            from mcp_server_openrouter.cli_models import cache_command

            return cache_command(args.action, _settings_or_exit(), as_json=args.json)
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command}")
