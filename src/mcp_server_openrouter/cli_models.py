"""`openrouter-mcp models` and `openrouter-mcp cache`: the catalogue from the shell."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import anyio

from mcp_server_openrouter._redact import redact
from mcp_server_openrouter.catalog import ModelQuery
from mcp_server_openrouter.catalog_views import age_text, model_list, stale_warning
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.service import OpenRouterService


def _fail(message: str, code: int = 1) -> int:
    sys.stderr.write(f"openrouter-mcp: {redact(message)}\n")
    return code


def _price_argument(value: str | None) -> object:
    if value is None:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise InvalidArgumentError(f"--max-price takes one or two numbers like 1.5 or 1.5,6; got {value!r}.") from None
    return numbers[0] if len(numbers) == 1 else numbers


def _query(args: argparse.Namespace) -> ModelQuery:
    supports = [name.strip() for item in args.supports or [] for name in item.split(",") if name.strip()]
    return ModelQuery.build(
        provider=args.provider,
        search=args.search,
        input_modality=args.input_modality,
        output_modality=args.output_modality,
        supports=supports or None,
        max_price_per_million=_price_argument(args.max_price),
        min_context=args.min_context,
        free_only=args.free,
        sort=args.sort,
        limit=args.limit,
        offset=args.offset,
    )


def models_command(args: argparse.Namespace, settings: Settings) -> int:
    from mcp_server_openrouter.client import OpenRouterError

    try:
        query = _query(args)
    except InvalidArgumentError as exc:
        return _fail(str(exc), 2)

    async def fetch() -> Any:
        service = OpenRouterService(settings)
        try:
            return await service.list_models(query, refresh=args.refresh)
        finally:
            await service.aclose()

    try:
        page, snapshot = anyio.run(fetch)
    except (InvalidArgumentError, OpenRouterError) as exc:
        return _fail(str(exc))
    now = time.time()
    text, structured = model_list(page, snapshot, now)
    if args.json:
        print(json.dumps(structured, indent=2))
        return 0

    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if snapshot.stale_reason:
        console.print(stale_warning(snapshot, now).strip(), style="yellow", highlight=False)
    header = next(line for line in text.splitlines() if not line.startswith("Warning:"))
    # The id is what you type next: it is never cut. On a narrow terminal the name goes first.
    show_name = console.width >= 130
    table = Table(title=header, caption="in/out: USD per 1M tokens", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True, min_width=max((len(m.id) for m in page.models), default=2))
    if show_name:
        table.add_column("name")
    table.add_column("context", justify="right", no_wrap=True)
    table.add_column("in", justify="right", no_wrap=True)
    table.add_column("out", justify="right", no_wrap=True)
    table.add_column("can do")
    for model in page.models:
        cells = [
            model.id,
            f"{model.context_length:,}" if model.context_length else "?",
            model.prompt_price.label(),
            model.completion_price.label(),
            ", ".join(model.capabilities),
        ]
        if show_name:
            cells.insert(1, model.name)
        table.add_row(*cells)
    if page.models:
        console.print(table)
    else:
        console.print(text, highlight=False)
    return 0


def cache_command(action: str, settings: Settings, *, as_json: bool = False) -> int:
    service = OpenRouterService(settings)
    if action == "clear":
        removed = [
            str(path)
            for path, cleared in (
                (service.catalog_cache.file.path, service.catalog_cache.file.clear()),
                (service.responses.path, service.responses.clear()),
            )
            if cleared
        ]
        print("Removed: " + ", ".join(removed) if removed else "Nothing to remove: the caches are empty.")
        return 0
    info: dict[str, Any] = {
        "ttl_hours": service.settings.cache_ttl_hours,
        "catalogue": service.catalog_cache.file.describe(),
        "responses": service.responses.describe(),
    }
    if as_json:
        print(json.dumps(info, indent=2))
        return 0
    catalogue: dict[str, Any] = info["catalogue"]
    ttl = service.settings.cache_ttl_hours
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
    return 0
