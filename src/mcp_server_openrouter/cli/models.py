"""`openrouter-mcp models`: find models from the shell, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import time
from typing import TYPE_CHECKING

from mcp_server_openrouter.catalog import CAPABILITIES, MODALITIES, SORTS

if TYPE_CHECKING:
    from mcp_server_openrouter.catalog import ModelPage, ModelQuery
    from mcp_server_openrouter.catalog.cache import CatalogSnapshot

HELP = "find models: filter, sort and page the catalogue"
DESCRIPTION = "List models from the (cached) catalogue, like the list_available_models tool."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--provider", help="provider prefix, e.g. openai or anthropic")
    parser.add_argument("--search", help="words to find in ids, names and descriptions")
    parser.add_argument("--input-modality", choices=MODALITIES, help="required input modality")
    parser.add_argument("--output-modality", choices=MODALITIES, help="required output modality")
    parser.add_argument(
        "--supports",
        action="append",
        metavar="CAPS",
        help=f"required capabilities, comma-separated or repeated: {', '.join(CAPABILITIES)}",
    )
    parser.add_argument("--max-price", metavar="IN[,OUT]", help="most USD per 1M input (and output) tokens")
    parser.add_argument("--min-context", type=int, metavar="TOKENS", help="least context length")
    parser.add_argument("--free", action="store_true", help="only models that cost nothing")
    parser.add_argument("--sort", choices=SORTS, help="order (default: provider, then name)")
    parser.add_argument("--limit", type=int, help="models per page (default 50, at most 100)")
    parser.add_argument("--offset", type=int, help="skip this many matches (paging)")
    parser.add_argument("--refresh", action="store_true", help="fetch a fresh catalogue first")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts instead of a table")


def _price_argument(value: str | None) -> object:
    from mcp_server_openrouter.errors import InvalidArgumentError

    if value is None:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise InvalidArgumentError(f"--max-price takes one or two numbers like 1.5 or 1.5,6; got {value!r}.") from None
    return numbers[0] if len(numbers) == 1 else numbers


def _query(args: argparse.Namespace) -> ModelQuery:
    from mcp_server_openrouter.catalog import ModelQuery

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


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.app import open_app
    from mcp_server_openrouter.catalog.views import model_list, stale_warning
    from mcp_server_openrouter.cli._common import fail, settings_or_exit
    from mcp_server_openrouter.errors import InvalidArgumentError, OpenRouterError

    settings = settings_or_exit()
    try:
        query = _query(args)
    except InvalidArgumentError as exc:
        return fail(str(exc), 2)

    async def fetch() -> tuple[ModelPage, CatalogSnapshot]:
        async with open_app(settings) as app:
            return await app.catalog.list_models(query, refresh=args.refresh)

    try:
        page, snapshot = anyio.run(fetch)
    except (InvalidArgumentError, OpenRouterError) as exc:
        return fail(str(exc))
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
