"""The dashboard's pages as HTML: small server-rendered documents over the package's own CSS and
script (no CDN, no framework). Every value is escaped where it is written; amounts are exact.

Each page has the same frame: the navigation, today's spend (kept live by the script), and
the token for the page's POST forms in a `<meta>` (a value derived from the access token, never
the token itself, and never the OpenRouter key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from mcp_server_openrouter.dashboard.charts import colour_of
from mcp_server_openrouter.dashboard.data import (
    NONE_LABEL,
    SPANS,
    SPLITS,
    CostlyCalls,
    JobLine,
    SpendPage,
    local_time,
)
from mcp_server_openrouter.usage import budget
from mcp_server_openrouter.usage.account import usd_text

BASE = "/dashboard"
NAV = (
    ("spend", "", "Spend"),
    ("calls", "calls", "Costliest calls"),
    ("account", "account", "Account"),
    ("jobs", "jobs", "Jobs"),
    ("reports", "reports", "Benchmarks"),
    ("models", "models", "Models"),
)


def usd(amount: Decimal | None) -> str:
    return "—" if amount is None else budget.usd(amount)


def exact(amount: Decimal | None) -> str:
    """Every decimal OpenRouter reported ("$0.000000000007"), where a rounded amount would read $0.00."""
    return "—" if amount is None else "$" + usd_text(amount)


def link(path: str) -> str:
    return f"{BASE}/{path}"


def frame(title: str, active: str, body: str, *, csrf: str, today: Decimal | None) -> str:
    """A whole page: head, navigation, today's spend, `body`."""
    items = "".join(
        f'<a href="{link(path)}"{" aria-current=page" if name == active else ""}>{label}</a>'
        for name, path, label in NAV
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf" content="{escape(csrf)}">'
        f"<title>{escape(title)} · openrouter-mcp</title>"
        '<link rel="icon" href="data:,">'  # no request for /favicon.ico
        f'<link rel="stylesheet" href="{link("static/dashboard.css")}">'
        f'<script src="{link("static/dashboard.js")}" defer></script>'
        "</head><body>"
        f"<header><strong>openrouter-mcp</strong><nav>{items}</nav>"
        f'<span class="today">Today <span id="today-spend" data-live="today">{usd(today)}</span></span></header>'
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )


def table(headings: Sequence[str], rows: Iterable[Sequence[str]], *, body_id: str = "", numeric: int = 0) -> str:
    """A table of already-escaped cells; the last `numeric` columns are right-aligned."""
    head = "".join(
        f"<th{' class=num' if i >= len(headings) - numeric else ''}>{escape(h)}</th>" for i, h in enumerate(headings)
    )
    lines = [
        "<tr>"
        + "".join(f"<td{' class=num' if i >= len(row) - numeric else ''}>{cell}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    ]
    tbody = f'<tbody id="{body_id}">' if body_id else "<tbody>"
    return f"<table><thead><tr>{head}</tr></thead>{tbody}{''.join(lines)}</tbody></table>"


def choices(path: str, current: dict[str, str], name: str, values: Sequence[str], labels: Sequence[str]) -> str:
    links = []
    for value, label in zip(values, labels, strict=True):
        query = escape(urlencode({**current, name: value}))
        chosen = ' aria-current="true"' if current.get(name) == value else ""
        links.append(f'<a href="{link(path)}?{query}"{chosen}>{escape(label)}</a>')
    return f'<span class="choices">{"".join(links)}</span>'


def spend(page: SpendPage, chart: str, *, days: int) -> str:
    current = {"days": str(days), "by": page.split}
    pickers = choices("", current, "days", [str(d) for d in SPANS], [f"{d} days" for d in SPANS]) + choices(
        "", current, "by", list(SPLITS), [f"by {s}" for s in SPLITS]
    )
    standing = "".join(
        f'<div class="card" data-span="{escape(s.name)}"><h2>{escape(s.name.capitalize())}</h2>'
        f'<p class="big">{usd(s.spent)}</p>'
        + (_budget_bar(s.spent, s.budget) if s.budget is not None else "<p class=muted>no budget set</p>")
        + "</div>"
        for s in page.standing
    )
    totals = page.totals
    summary = (
        f'<p class="total">Total {escape(page.first)} to {escape(page.last)} ({escape(page.time_zone)}): '
        f'<strong id="spend-total" data-pusd="{totals.cost_pusd}">{usd(page.total_cost)}</strong> '
        f'<span class="muted">({totals.calls:,} calls, '
        f"{totals.prompt_tokens:,} tokens in, {totals.completion_tokens:,} out)</span></p>"
    )
    if totals.calls_without_cost:
        summary += (
            f'<p class="muted">{totals.calls_without_cost} call(s) whose cost OpenRouter has not reported yet are '
            "not in it (settled in the background).</p>"
        )
    legend = "".join(
        f'<li><svg class="swatch" width="12" height="12" aria-hidden="true"><rect width="12" height="12" '
        f'fill="{colour_of(i, s.key)}"/></svg>{escape(s.key)} <span class="muted">'
        f"{usd(Decimal(s.total).scaleb(-12))}</span></li>"
        for i, s in enumerate(page.series)
    )
    body = f'<div class="cards">{standing}</div><p>{pickers}</p>{summary}'
    if not page.series:
        return body + "<p class=empty>No calls in these days: the ledger has nothing to show yet.</p>"
    return body + f'<figure>{chart}<figcaption><ul class="legend">{legend}</ul></figcaption></figure>'


def _budget_bar(spent: Decimal, budget: Decimal) -> str:
    share = 1.0 if budget <= 0 else min(float(spent / budget), 1.0)
    over = " over" if spent > budget else ""
    return (
        f'<meter class="budget{over}" min="0" max="1" low="0.75" high="0.9" optimum="0" value="{share:.4f}"></meter>'
        f'<p class="muted">of {usd(budget)} budget · {usd(max(budget - spent, Decimal(0)))} left</p>'
    )


def calls(found: CostlyCalls) -> str:
    rows = [
        [
            escape(local_time(row.at, found.tz)),
            escape(row.served_model or row.requested_model or NONE_LABEL),
            escape(row.provider or NONE_LABEL),
            escape(row.tool or NONE_LABEL),
            escape(row.status),
            f"{row.prompt_tokens or 0:,}",
            f"{row.completion_tokens or 0:,}",
            "—" if row.latency is None else f"{row.latency:.2f} s",
            exact(row.cost),
        ]
        for row in found.rows
    ]
    pickers = choices("calls", {"days": str(found.days)}, "days", [str(d) for d in SPANS], [f"{d} days" for d in SPANS])
    if not rows:
        return f"<p>{pickers}</p><p class=empty>No calls with a known cost in these days.</p>"
    headings = ["When", "Model", "Provider", "Tool", "Status", "Tokens in", "Tokens out", "Latency", "Cost"]
    return f"<p>{pickers}</p>" + table(headings, rows, numeric=4)


def account(lines: Sequence[tuple[str, str]], notes: Sequence[str]) -> str:
    """The account view: (label, value) pairs from `/key` and `/credits`, then why a part is missing."""
    items = "".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in lines)
    listed = "".join(f"<li>{escape(note)}</li>" for note in notes)
    return (
        (f"<dl>{items}</dl>" if items else "")
        + (f'<ul class="notes">{listed}</ul>' if listed else "")
        + '<p class="muted">From OpenRouter (GET /key and /credits), read when this page was opened.</p>'
    )


def job_row(line: JobLine, csrf: str) -> list[str]:
    action = (
        f'<form method="post" action="{link("jobs/" + escape(line.job_id) + "/cancel")}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}"><button type="submit">Cancel</button></form>'
        if line.running
        else ""
    )
    detail = line.error or line.note or ""
    return [
        f"<code>{escape(line.job_id)}</code>",
        escape(line.model),
        f'<span class="status {escape(line.status)}">{escape(line.status)}</span>',
        escape(detail),
        f"{line.elapsed_seconds:.1f} s",
        f"{line.characters:,}",
        action,
    ]


def jobs(lines: Sequence[JobLine], csrf: str, *, message: str = "") -> str:
    notice = f'<p class="notice" role="status">{escape(message)}</p>' if message else ""
    headings = ["Job", "Model", "Status", "Note", "Elapsed", "Characters", ""]
    rows = [job_row(line, csrf) for line in lines]
    # Always there (hidden while there are jobs), so the live list can show it again when they expire.
    empty = f'<p class="empty" id="no-jobs"{" hidden" if rows else ""}>No jobs in this server process.</p>'
    return (
        notice
        + '<p class="muted">Jobs live in the server process that runs them; this list updates by itself.</p>'
        + table(headings, rows, body_id="jobs-body", numeric=2)
        + empty
    )


def clear_caches(csrf: str) -> str:
    return (
        f'<form method="post" action="{link("caches/clear")}" class="inline">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        '<button type="submit">Clear caches</button> '
        '<span class="muted">(the model catalogue and cached replies; the usage ledger is kept)</span></form>'
    )
