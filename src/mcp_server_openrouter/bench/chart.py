"""The report's picture: latency, throughput and cost per model as horizontal bars, in SVG.

Written by hand rather than with matplotlib: a bar chart is a few dozen rectangles and labels,
while matplotlib (with numpy) is a ~40 MB install and ~0.5 s of import for one picture. SVG is
text, so it is small, scales to any screen, opens in every browser, and a test can parse it back.
Every piece of text (model ids come from the caller) is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.sax.saxutils import escape, quoteattr

from mcp_server_openrouter.bench.figures import ModelFigures
from mcp_server_openrouter.bench.report import BenchmarkReport, usd

WIDTH = 760
LABEL_WIDTH = 250
BAR_SPACE = 390
ROW = 22
PANEL_HEAD = 30
GAP = 14
TOP = 44
LABEL_CHARS = 38
FIRST_TOKEN = "#3b6fb6"
REST = "#9dbbe3"
THROUGHPUT = "#3c9a5f"
COST = "#c9822b"


def _label(model: str) -> str:
    return model if len(model) <= LABEL_CHARS else model[: LABEL_CHARS - 1] + "…"


def _text(x: float, y: float, text: str, **attributes: str) -> str:
    extra = "".join(f" {name.replace('_', '-')}={quoteattr(value)}" for name, value in attributes.items())
    return f'<text x="{x:.1f}" y="{y:.1f}"{extra}>{escape(text)}</text>'


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 0.0):.1f}" height="{height:.1f}" fill="{fill}"/>'


def _panel(
    top: float,
    title: str,
    models: list[ModelFigures],
    value: Callable[[ModelFigures], float | None],
    shown: Callable[[float], str],
    colour: str,
    first_part: Callable[[ModelFigures], float | None] | None = None,
) -> tuple[list[str], float]:
    """One panel: its title, then a bar per model scaled to the panel's largest value."""
    parts = [_text(10, top + 18, title, font_weight="bold")]
    known = [v for m in models if (v := value(m)) is not None]
    largest = max(known, default=0.0) or 1.0
    y = top + PANEL_HEAD
    for figures in models:
        parts.append(_text(LABEL_WIDTH - 8, y + 15, _label(figures.model), text_anchor="end"))
        amount = value(figures)
        if amount is None:
            parts.append(_text(LABEL_WIDTH + 4, y + 15, "no data", fill="#888"))
        else:
            width = BAR_SPACE * amount / largest
            first = first_part(figures) if first_part is not None else None
            if first is not None:
                head = BAR_SPACE * min(first, amount) / largest
                parts += [
                    _rect(LABEL_WIDTH, y + 3, head, ROW - 6, FIRST_TOKEN),
                    _rect(LABEL_WIDTH + head, y + 3, width - head, ROW - 6, REST),
                ]
            else:
                parts.append(_rect(LABEL_WIDTH, y + 3, width, ROW - 6, colour))
            parts.append(_text(LABEL_WIDTH + width + 6, y + 15, shown(amount)))
        y += ROW
    return parts, y + GAP


def svg_chart(report: BenchmarkReport) -> str:
    """The chart of a report's medians, as a standalone SVG document."""
    models = report.models
    runs = report.runs_per_model
    title = f"{len(models)} model{'s' if len(models) != 1 else ''}, {runs} run{'s' if runs != 1 else ''} each: medians"
    body: list[str] = [_text(10, 24, title, font_size="16", font_weight="bold")]
    top: float = TOP
    panels: list[tuple[str, Callable[[ModelFigures], float | None], Callable[[float], str], str]] = [
        (
            "Throughput (completion tokens a second after the first)",
            lambda m: m.tokens_per_s.median if m.tokens_per_s else None,
            lambda v: f"{v:.1f}",
            THROUGHPUT,
        ),
        ("Cost per run (USD)", lambda m: m.cost_usd.median if m.cost_usd else None, usd, COST),
    ]
    latency, top = _panel(
        top,
        "Latency (s): first token (dark), then the rest of the answer",
        models,
        lambda m: m.latency_s.median if m.latency_s else None,
        lambda v: f"{v:.2f} s",
        REST,
        first_part=lambda m: m.first_token_s.median if m.first_token_s else None,
    )
    body += latency
    for heading, value, shown, colour in panels:
        drawn, top = _panel(top, heading, models, value, shown, colour)
        body += drawn
    height = int(top + 6)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">\n'
        f"<title>{escape('Benchmark: ' + title)}</title>\n"
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )
