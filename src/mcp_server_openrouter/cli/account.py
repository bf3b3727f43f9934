"""`openrouter-mcp account`: the key's spending, limit and the account's balance, without spending.

It reads OpenRouter's `/key` and `/credits` (the view `get_usage_stats` adds to its report).
A balance that the key may not read is explained, not an error; no key, or a `/key` that
cannot be read (a wrong key, no network), ends with a message and exit status 1.
"""

from __future__ import annotations

import argparse
import json

HELP = "the key's spending and limit and the account's balance, from OpenRouter (spends nothing)"
DESCRIPTION = (
    "Show what OpenRouter says of the configured key (GET /key: spending today, this week and month, limit, "
    "free tier) and, for management keys, the account's balance (GET /credits)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.cli._common import fail, settings_or_exit
    from mcp_server_openrouter.errors import MissingAPIKeyError
    from mcp_server_openrouter.usage.account import AccountView, account_view

    settings = settings_or_exit()
    if settings.key() is None:
        return fail(str(MissingAPIKeyError()))

    async def read() -> AccountView:
        async with open_app(settings) as app:
            return await account_view(app.get_client)

    view = anyio.run(read)
    if args.json:
        print(json.dumps(view.structured().model_dump(mode="json", exclude_none=True), indent=2))
    else:
        print("\n".join(view.lines()))
    return 0 if view.key is not None else 1
