"""`openrouter-mcp usage`: what the calls made through this server cost, from the usage ledger.

The same report as the `get_usage_stats` tool (without the account view, which needs the
network: `openrouter-mcp account` shows it), as a table for people, or JSON or CSV for scripts.
Costs are exact decimal strings in JSON and CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import TYPE_CHECKING

from mcp_server_openrouter.usage.dates import DEFAULT_DAYS, GROUP_BY

if TYPE_CHECKING:
    from mcp_server_openrouter.usage.stats import UsageReport

HELP = "calls, tokens and cost recorded by this server, by model, day, provider or tool"
DESCRIPTION = (
    "Report the usage ledger: the calls made through this server with the configured key, over local days "
    f"(both ends included; default: the last {DEFAULT_DAYS} days)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    day = "YYYY-MM-DD"
    parser.add_argument(
        "--from", dest="start", metavar=day, help=f"first local day (default: {DEFAULT_DAYS - 1} before --to)"
    )
    parser.add_argument("--to", dest="end", metavar=day, help="last local day, included (default: today)")
    parser.add_argument("--by", choices=GROUP_BY, default="model", help="what each line is (default: model)")
    parser.add_argument("--model", help="only calls that asked for this model or were answered by it")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output (default: table)")


def run(args: argparse.Namespace) -> int:
    import anyio

    from mcp_server_openrouter.app import make_app
    from mcp_server_openrouter.cli._common import fail, settings_or_exit
    from mcp_server_openrouter.errors import InvalidArgumentError, LedgerError
    from mcp_server_openrouter.usage.stats import UsageQuery, usage_report

    settings = settings_or_exit()
    if settings.key() is None:
        return fail(
            "the usage ledger is kept per key: set OPENROUTER_API_KEY to the key your MCP client gives the server "
            "(the ledger holds a hash of it, never the key)."
        )
    now = time.time()
    try:
        names = ("--from", "--to", "--by")
        query = UsageQuery.build(args.start, args.end, args.by, args.model, clock=lambda: now, names=names)
    except InvalidArgumentError as exc:
        return fail(str(exc), 2)
    app = make_app(settings)
    try:
        report = anyio.run(lambda: usage_report(app.ledger, app.key_id, query, now=now))
    except LedgerError as exc:
        return fail(str(exc))
    if args.format == "json":
        print(json.dumps(report.structured().model_dump(mode="json", exclude_none=True), indent=2))
    elif args.format == "csv":
        _print_csv(report)
    else:
        _print_table(report, app.ledger.location)
    return 0


def _print_csv(report: UsageReport) -> None:
    from mcp_server_openrouter.usage.stats import Counts

    columns = [report.query.group_by, *Counts.model_fields]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(report.csv_rows())


def _print_table(report: UsageReport, location: str) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from mcp_server_openrouter.catalog.model import format_usd
    from mcp_server_openrouter.usage.stats import SCOPE, label_of, totals_text

    console = Console()
    console.print(f"{report.heading()}: {totals_text(report.totals)}", highlight=False)
    if report.summary.groups:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(report.query.group_by, no_wrap=True)
        for name in ("calls", "errors", "cancelled", "tokens in", "tokens out", "cost USD"):
            table.add_column(name, justify="right", no_wrap=True)
        for group in report.summary.groups:
            t = group.totals
            table.add_row(
                label_of(group),
                *(f"{n:,}" for n in (t.calls, t.errors, t.cancelled, t.prompt_tokens, t.completion_tokens)),
                format_usd(t.cost, max_decimals=8),
            )
        console.print(table)
    console.print(f"{SCOPE} `openrouter-mcp account` shows OpenRouter's own figures for the key.", highlight=False)
    if not report.summary.groups:
        console.print(f"Ledger: {location}", highlight=False)
