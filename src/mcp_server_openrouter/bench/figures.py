"""The figures of a benchmark: per run, per model (median, min and max over its runs), and rankings.

Times are seconds, throughput is completion tokens a second after the first token, costs are
USD from OpenRouter's `usage.cost`, added up as `Decimal` and shown as floats. Only runs that
succeeded count towards a model's figures; its success rate and errors say what the rest did.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from pydantic import BaseModel

from mcp_server_openrouter.bench.runner import RunOutcome

PREVIEW_LINES = 3
PREVIEW_CHARS = 300


class Spread(BaseModel):
    """The median, lowest and highest of one figure over a model's successful runs."""

    median: float
    min: float
    max: float


class ModelFigures(BaseModel):
    model: str
    served_model: str | None = None
    runs: int
    succeeded: int
    success_rate: float
    first_token_s: Spread | None = None
    latency_s: Spread | None = None
    tokens_per_s: Spread | None = None
    cost_usd: Spread | None = None
    completion_tokens: Spread | None = None
    prompt_tokens: int | None = None
    total_cost_usd: float | None = None
    answer_preview: str = ""
    errors: list[str] | None = None


class Ranked(BaseModel):
    model: str
    value: float


class Rankings(BaseModel):
    """Best first. `best_value` adds each model's places in `fastest_total` and `cheapest` (lower is better)."""

    fastest_first_token: list[Ranked] = []
    fastest_total: list[Ranked] = []
    highest_throughput: list[Ranked] = []
    cheapest: list[Ranked] = []
    best_value: list[Ranked] = []


def spread(values: Iterable[float | int | Decimal | None], digits: int = 4) -> Spread | None:
    known = [float(value) for value in values if value is not None]
    if not known:
        return None
    return Spread(
        median=round(statistics.median(known), digits), min=round(min(known), digits), max=round(max(known), digits)
    )


def total_cost(outcomes: Iterable[RunOutcome]) -> Decimal | None:
    """What the runs cost together (failed runs too: a broken stream is billed), None if no cost is known."""
    costs = [outcome.cost for outcome in outcomes if outcome.cost is not None]
    return sum(costs, Decimal(0)) if costs else None


def model_figures(model: str, outcomes: Sequence[RunOutcome]) -> ModelFigures:
    good = [outcome for outcome in outcomes if outcome.ok]
    cost = total_cost(outcomes)
    errors = [f"run {outcome.run}: {outcome.error}" for outcome in outcomes if not outcome.ok]
    return ModelFigures(
        model=model,
        served_model=next((o.served_model for o in good if o.served_model), None),
        runs=len(outcomes),
        succeeded=len(good),
        success_rate=round(len(good) / len(outcomes), 4) if outcomes else 0.0,
        first_token_s=spread(o.first_token_s for o in good),
        latency_s=spread(o.latency_s for o in good),
        tokens_per_s=spread((o.tokens_per_s for o in good), 2),
        cost_usd=spread((o.cost for o in good), 10),
        completion_tokens=spread((o.completion_tokens for o in good), 1),
        prompt_tokens=next((o.prompt_tokens for o in good if o.prompt_tokens is not None), None),
        total_cost_usd=None if cost is None else float(cost),
        answer_preview=preview(good[0].text) if good else "",
        errors=errors or None,
    )


def preview(text: str) -> str:
    """The first few non-empty lines of an answer, for a quick look at its quality."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:PREVIEW_LINES]
    shown = " / ".join(lines)
    return shown if len(shown) <= PREVIEW_CHARS else shown[: PREVIEW_CHARS - 1] + "…"


def rankings(figures: Sequence[ModelFigures]) -> Rankings:
    def ranked(value: Callable[[ModelFigures], float | None], *, highest: bool = False) -> list[Ranked]:
        known = [(f.model, v) for f in figures if (v := value(f)) is not None]
        known.sort(key=lambda item: -item[1] if highest else item[1])
        return [Ranked(model=model, value=v) for model, v in known]

    fastest_total = ranked(lambda f: f.latency_s.median if f.latency_s else None)
    cheapest = ranked(lambda f: f.cost_usd.median if f.cost_usd else None)
    places_total = {r.model: place for place, r in enumerate(fastest_total, 1)}
    places_cost = {r.model: place for place, r in enumerate(cheapest, 1)}
    value_of = {r.model: r.value for r in cheapest}
    value = [
        (model, places_total[model] + places_cost[model], value_of[model])
        for model in places_total
        if model in places_cost
    ]
    value.sort(key=lambda item: (item[1], item[2]))  # a tie goes to the cheaper model
    return Rankings(
        fastest_first_token=ranked(lambda f: f.first_token_s.median if f.first_token_s else None),
        fastest_total=fastest_total,
        highest_throughput=ranked(lambda f: f.tokens_per_s.median if f.tokens_per_s else None, highest=True),
        cheapest=cheapest,
        best_value=[Ranked(model=model, value=places) for model, places, _ in value],
    )
