"""`openrouter-mcp cache info|clear`: what the model and response caches hold; delete them."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

HELP = "inspect or clear the model and response caches"
DESCRIPTION = "Show or delete the catalogue cache file and the response cache."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["info", "clear"], help="info: show what is cached; clear: delete it")
    parser.add_argument("--json", action="store_true", help="print JSON (with info)")


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.app import make_app
    from mcp_server_openrouter.cli._common import settings_or_exit

    app = make_app(settings_or_exit())
    if args.action == "clear":
        removed = anyio.run(app.clear_caches)
        print("Removed: " + ", ".join(removed) if removed else "Nothing to remove: the caches are empty.")
        return 0
    info: dict[str, Any] = {
        "ttl_hours": app.settings.cache_ttl_hours,
        "catalogue": anyio.run(app.catalog_store.describe),
        "responses": anyio.run(app.responses.describe),
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    _print_info(info)
    return 0


def _print_info(info: dict[str, Any]) -> None:
    from mcp_server_openrouter.catalog.views import age_text

    catalogue: dict[str, Any] = info["catalogue"]
    ttl = info["ttl_hours"]
    print(f"Freshness (CACHE_TTL_HOURS): {ttl:g} h" + (" — caching is disabled" if ttl == 0 else ""))
    if catalogue["exists"]:
        if catalogue.get("corrupt"):
            print(f"Catalogue: {catalogue['path']} is corrupt; it will be replaced on the next fetch")
        else:
            age = age_text(time.time() - catalogue["fetched_at"])
            print(
                f"Catalogue: {catalogue['path']} — {catalogue['models']} models from {catalogue['base_url']}, "
                f"fetched {age}, {catalogue['bytes']:,} bytes"
            )
    else:
        print(f"Catalogue: none yet ({catalogue['path']})")
    responses: dict[str, Any] = info["responses"]
    if responses["exists"]:
        entries = responses.get("entries", "?")
        print(f"Responses: {responses['path']} — {entries} replies, {responses['bytes']:,} bytes")
    else:
        print(f"Responses: none ({responses['path']})")
