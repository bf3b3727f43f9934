"""`openrouter-mcp init`: ask for the API key (hidden), check it with OpenRouter, save it for every client.

The key goes into the user config `.env` (`0600`), which the server reads whichever client starts
it and from whatever directory. It is checked first with `GET /key`, which spends nothing; a key
OpenRouter refuses is not saved.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from mcp_server_openrouter import _constants as c

if TYPE_CHECKING:
    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.setup.probe import Probe

HELP = "save your OpenRouter API key for every MCP client (checked first)"
DESCRIPTION = (
    "Ask for your OpenRouter API key (input hidden), check it with OpenRouter (GET /key, which spends nothing) "
    "and save it in the user config .env with permissions 0600, where the server finds it whichever client "
    "starts it. Without a terminal, give the key with --key or OPENROUTER_API_KEY."
)
GET_A_KEY = f"Create a key at {c.KEYS_URL}"
PROMPT = f"OpenRouter API key (from {c.KEYS_URL}; input hidden): "


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key",
        metavar="KEY",
        help="the key, or - to read it from stdin (a key on the command line lands in your shell history); "
        "default: OPENROUTER_API_KEY from the environment, else asked for",
    )


def run(args: argparse.Namespace) -> int:
    from mcp_server_openrouter.cli._common import fail, settings_or_exit
    from mcp_server_openrouter.config import ENVIRONMENT, Trust

    settings = settings_or_exit()
    raw = args.key
    if raw == "-":
        raw = sys.stdin.readline()
    elif raw is None and settings.api_key is not None and settings.origin("api_key") == ENVIRONMENT:
        raw = settings.key()
    elif raw is None and interactive():
        import getpass

        raw = getpass.getpass(PROMPT)
    if raw is None:
        how = "pass --key KEY (or --key - to read it from stdin), or set OPENROUTER_API_KEY"
        return fail(f"no key given and no terminal to ask in: {how}. {GET_A_KEY}")
    key = _cleaned(raw)
    if key is None:
        return fail(f"the key is empty. {GET_A_KEY}")
    if settings.origin("base_url").trust < Trust.USER_FILE:
        return fail(
            f"OPENROUTER_BASE_URL comes from {settings.origin('base_url')}, which may not receive a key kept in the "
            "user config .env (it may have come with a project you cloned). Run init from another directory, "
            "or set OPENROUTER_BASE_URL in the environment"
        )
    import anyio

    found = anyio.run(_probe, settings, key)
    problem = _problem_with(found, settings)
    if problem is not None:
        return fail(f"{problem}; nothing was written")
    return _save(settings, key, found)


def interactive() -> bool:
    """Whether a person is at the keyboard to be asked (stdin is a terminal)."""
    return sys.stdin.isatty()


def _cleaned(raw: str) -> str | None:
    """The key as the server will read it (quotes and spaces around it dropped), or a clear error."""
    from pydantic import ValidationError

    from mcp_server_openrouter.config import Settings
    from mcp_server_openrouter.errors import InvalidArgumentError

    try:
        # Through Settings, so the key is cleaned, checked and registered for redaction exactly as at start-up.
        return Settings(_env_file=None, api_key=raw).key()
    except ValidationError as exc:
        reasons = [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_input=False)]
        raise InvalidArgumentError("; ".join(reasons)) from None


async def _probe(settings: Settings, key: str) -> Probe:
    from mcp_server_openrouter.app import build_client
    from mcp_server_openrouter.setup.probe import probe

    async with build_client(settings) as client:
        return await probe(client.with_options(api_key=key))


def _problem_with(found: Probe, settings: Settings) -> str | None:
    from mcp_server_openrouter._redact import strip_url_credentials

    url = strip_url_credentials(settings.base_url)
    if not found.reachable:
        return f"could not reach {url} to check the key ({found.error}); run init again once it answers"
    if found.key_refused:
        return f"OpenRouter refused this key ({found.error}). {GET_A_KEY}, or copy it again"
    if found.error is not None:
        return f"could not check the key with {url}: {found.error}"
    return None


def _save(settings: Settings, key: str, found: Probe) -> int:
    from mcp_server_openrouter._redact import redact
    from mcp_server_openrouter.config import ENVIRONMENT, Trust
    from mcp_server_openrouter.setup.userenv import save_key

    if found.account is not None and found.account.key is not None:
        print(redact(f"The key is valid. {found.account.lines()[0]}"))  # the key's line of `openrouter-mcp account`
    path = save_key(key)
    print(f"Saved to {path} (readable by you only).")
    origin = settings.origin("api_key")
    if settings.api_key is not None and settings.key() != key and origin.trust != Trust.USER_FILE:
        where = "this shell's environment" if origin == ENVIRONMENT else str(origin)
        print(f"Note: OPENROUTER_API_KEY in {where} still wins over the saved key where it is set.")
    print("Next: openrouter-mcp install claude-desktop (or claude-code, or --print CLIENT); openrouter-mcp doctor")
    return 0
