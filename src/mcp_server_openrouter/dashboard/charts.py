"""The spend chart: one stacked bar per day, one colour per model (or provider), as inline SVG.

Drawn on the server, so the page needs no plotting script and paints at once. Colours are SVG
presentation attributes (not `style`), which the page's Content-Security-Policy allows. Each
series is one `<g class="series" data-series="…">` holding its bars, each with a `<title>`
(the browser's tooltip), so a test or a screen reader finds a series by its name.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.dashboard.data import Series

# Colour-blind-friendly (Okabe–Ito, then Tableau's), one per series; "(others)" is grey.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#4E79A7", "#B07AA1", "#59A14F",
)  # fmt: skip
OTHERS_COLOUR = "#9e9e9e"
WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 44
PICO = Decimal(10) ** 12


def colour_of(index: int, key: str) -> str:
    return OTHERS_COLOUR if key.startswith("(") else PALETTE[index % len(PALETTE)]


def _usd(pico: int) -> str:
    return "$" + format_usd(Decimal(pico) / PICO, max_decimals=6)


def _ticks(top: int) -> list[int]:
    """Steps of 1, 2 or 5 × 10^n pico-dollars from 0 to at least `top`, at most five of them."""
    if top <= 0:
        return [0]
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if step * 5 >= top:
                return list(range(0, -(-top // step) * step + 1, step))
        magnitude *= 10


def stacked_bars(days: list[str], series: list[Series]) -> str:
    """The chart of `series` over `days` (labels YYYY-MM-DD), with a y axis in USD."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    per_day = [sum(s.per_day[i] for s in series) for i in range(len(days))]
    ticks = _ticks(max(per_day, default=0))
    scale = plot_h / (ticks[-1] or 1)
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.7, 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Spend per day" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="11">'
    ]
    for tick in ticks:
        y = TOP + plot_h - tick * scale
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{_usd(tick)}</text>')
    every = max(1, round(len(days) / 12))  # at most ~12 date labels
    for index, day in enumerate(days):
        if index % every == 0 or index == len(days) - 1:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" fill="#555">{day[5:]}</text>'
            )
    base = [0] * len(days)
    for number, entry in enumerate(series):
        name = escape(entry.key)
        parts.append(f'<g class="series" data-series="{name}" fill="{colour_of(number, entry.key)}">')
        for index, pico in enumerate(entry.per_day):
            if pico <= 0:
                continue
            height = pico * scale
            y = TOP + plot_h - (base[index] + pico) * scale
            x = LEFT + slot * index + (slot - bar) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{max(height, 0.5):.1f}">'
                f"<title>{escape(days[index])} · {name}: {_usd(pico)}</title></rect>"
            )
            base[index] += pico
        parts.append("</g>")
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#888"/></svg>'
    )
    return "".join(parts)
