"""The dashboard's listing pages: saved benchmark reports, and the model catalogue with the same
filters as `list_available_models` (a form whose fields are that tool's arguments)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlencode

from mcp_server_openrouter.catalog import CAPABILITIES, MODALITIES, SORTS, ModelPage
from mcp_server_openrouter.dashboard.pages import link, table

# The catalogue form's text fields: the tool's argument, its label, a placeholder.
TEXT_FILTERS = (
    ("provider", "Provider", "openai"),
    ("search", "Search", "words in id, name, description"),
    ("max_price_per_million", "Max $/1M input", "1.5"),
    ("min_context", "Min context", "128000"),
)


def reports(listed: Sequence[Mapping[str, Any]]) -> str:
    if not listed:
        return (
            "<p class=empty>No saved benchmark reports yet: run benchmark_models with save_report=true, "
            "or <code>openrouter-mcp bench MODEL… --prompt …</code>.</p>"
        )
    rows = []
    for entry in listed:
        name = str(entry.get("name", ""))
        models = entry.get("models") or []
        cost = entry.get("total_cost_usd")
        rows.append(
            [
                f'<a href="{link("reports/" + escape(name))}">{escape(name)}</a>',
                escape(str(entry.get("started_at") or "")),
                escape(", ".join(str(m) for m in models)) if not entry.get("unreadable") else "(unreadable)",
                "—" if cost is None else f"${escape(str(cost))}",
            ]
        )
    return table(["Report", "Started", "Models", "Cost"], rows, numeric=1)


def report(name: str, markdown: str, *, has_chart: bool) -> str:
    chart = (
        f'<figure><img class="report-chart" src="{link("reports/" + escape(name) + "/chart.svg")}" '
        f'alt="Benchmark chart of {escape(name)}"></figure>'
        if has_chart
        else ""
    )
    return f'<p><a href="{link("reports")}">← all reports</a></p>{chart}<pre class="report">{escape(markdown)}</pre>'


def _select(name: str, values: Sequence[str], chosen: str, *, blank: str = "any") -> str:
    options = [f'<option value="">{escape(blank)}</option>'] + [
        f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(v)}</option>' for v in values
    ]
    return f'<label>{escape(name.replace("_", " "))} <select name="{name}">{"".join(options)}</select></label>'


def model_form(values: Mapping[str, str]) -> str:
    fields = [
        f'<label>{escape(label)} <input name="{name}" value="{escape(values.get(name, ""))}" '
        f'placeholder="{escape(hint)}"></label>'
        for name, label, hint in TEXT_FILTERS
    ]
    fields.append(_select("input_modality", MODALITIES, values.get("input_modality", "")))
    fields.append(_select("output_modality", MODALITIES, values.get("output_modality", "")))
    fields.append(_select("supports", CAPABILITIES, values.get("supports", "")))
    fields.append(_select("sort", SORTS, values.get("sort", ""), blank="provider"))
    checked = " checked" if values.get("free_only") in ("true", "on", "1") else ""
    fields.append(f'<label><input type="checkbox" name="free_only" value="true"{checked}> free only</label>')
    return (
        f'<form method="get" class="filters" action="{link("models")}">{"".join(fields)}<button>Filter</button></form>'
    )


def models(values: Mapping[str, str], page: ModelPage | None, *, problem: str = "", stale: str = "") -> str:
    parts = [model_form(values)]
    if problem:
        parts.append(f'<p class="error" role="alert">{escape(problem)}</p>')
    if stale:
        parts.append(f'<p class="notice">{escape(stale)}</p>')
    if page is None:
        return "".join(parts)
    rows = [
        [
            f"<code>{escape(m.id)}</code>",
            escape(m.name),
            escape(", ".join(m.capabilities)),
            f"{m.context_length:,}" if m.context_length else "?",
            escape(m.prompt_price.label()),
            escape(m.completion_price.label()),
        ]
        for m in page.models
    ]
    shown = f"{page.offset + 1}–{page.offset + len(page.models)}" if page.models else "0"
    parts.append(f'<p class="muted" id="model-count">{shown} of {page.total:,} models</p>')
    parts.append(table(["Id", "Name", "Capabilities", "Context", "$/1M in", "$/1M out"], rows, numeric=3))
    if page.next_offset is not None:
        query = escape(urlencode({k: v for k, v in {**values, "offset": str(page.next_offset)}.items() if v}))
        parts.append(f'<p><a href="{link("models")}?{query}">Next page →</a></p>')
    return "".join(parts)
