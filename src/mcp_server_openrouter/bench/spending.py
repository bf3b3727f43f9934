"""What a benchmark or a panel could cost at most, and the one place it asks whether it may.

The worst case of each request comes from `usage.estimate`, the estimator every chat call is
admitted with (prompt tokens estimated, the completion bound, the catalogue's prices and tiers):
a benchmark is each model's request times its runs; a panel is each member's request plus the
judge's. The judge's prompt is only known once the members have answered, so it is bounded
before: the judge's own prompt (instructions, the request, the labels and its response format),
plus each member's answer at its most — its completion bound, and never more than the
`JUDGED_CHARS` characters the judge is shown (the estimator counts at most one token a character).

`guard_spending` gives that total to the app's spending guard once, before anything is sent:
the daily and monthly budgets, the key's remaining limit, `max_cost_usd` and the confirmation
threshold all apply to the whole benchmark or panel. The `Hold` it returns is released when
the work ends.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal

from mcp_server_openrouter.bench.panel import JUDGED_CHARS, PanelPlan, judge_request
from mcp_server_openrouter.bench.plan import BenchPlan
from mcp_server_openrouter.bench.runner import RunOutcome
from mcp_server_openrouter.catalog.model import Model
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.errors import SpendingRefusedError
from mcp_server_openrouter.usage.budget import CONFIRM, DAILY, MONTHLY, Confirm, Hold, SpendingGuard
from mcp_server_openrouter.usage.estimate import (
    CostEstimate,
    PromptEstimate,
    estimate_prompt,
    price_request,
    worst_case,
)


@dataclass(frozen=True)
class WorstCase:
    """The most some calls could cost together; `total` is None when one of them cannot be bounded (`why`)."""

    calls: int
    total: Decimal | None
    why: str | None = None

    @classmethod
    def of(cls, estimates: list[tuple[CostEstimate, int]]) -> WorstCase:
        """The sum of each estimate times how often it is sent."""
        calls = sum(times for _, times in estimates)
        for estimate, _ in estimates:
            if estimate.worst_case is None:
                return cls(calls, None, estimate.why)
        return cls(calls, sum(((e.worst_case or Decimal(0)) * times for e, times in estimates), Decimal(0)))


async def request_estimate(catalog: CatalogService, request: ChatRequest) -> CostEstimate:
    """One request's worst case, exactly as a chat call's is reckoned."""
    return (await price_request(request.body(), catalog)).worst


async def benchmark_worst_case(catalog: CatalogService, plan: BenchPlan) -> WorstCase:
    """Every model's request, `plan.runs` times each."""
    return WorstCase.of([(await request_estimate(catalog, plan.request_for(m)), plan.runs) for m in plan.models])


async def panel_worst_case(catalog: CatalogService, plan: PanelPlan, judge: Model | None) -> WorstCase:
    """Every member's request, and the judge's at its largest (see the module docstring)."""
    members = [await request_estimate(catalog, plan.request.model_copy(update={"model": m})) for m in plan.models]
    estimates = [(member, 1) for member in members]
    if judge is not None:
        estimates.append((judge_estimate(plan, judge, members), 1))
    return WorstCase.of(estimates)


def judge_estimate(plan: PanelPlan, judge: Model, members: list[CostEstimate]) -> CostEstimate:
    """The judge's request with every member's answer at its longest."""
    labels = zip(string.ascii_uppercase, plan.models, strict=False)
    empty = [(label, RunOutcome(model=model, run=1, ok=True)) for label, model in labels]
    request = judge_request(plan, empty, judge)
    shell = estimate_prompt(request.messages, response_format=request.response_format)
    answers = sum(min(m.completion_tokens or JUDGED_CHARS, JUDGED_CHARS) for m in members)
    return worst_case(judge, PromptEstimate(shell.tokens + answers), request.max_tokens)


def benchmark_what(plan: BenchPlan) -> str:
    """The benchmark in a few words, as the refusals and the confirmation question name it."""
    models, runs, calls = _count(len(plan.models), "model"), _count(plan.runs, "run"), _count(plan.total_runs, "call")
    return f"a benchmark of {models} × {runs} ({calls})"


def panel_what(plan: PanelPlan) -> str:
    judge = plan.judge_model is not None
    calls = _count(len(plan.models) + judge, "call")
    return f"a panel of {len(plan.models)} models{' and a judge' if judge else ''} ({calls})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


async def guard_spending(
    guard: SpendingGuard | None,
    worst: WorstCase,
    key_id: str,
    *,
    max_cost_usd: Decimal | None,
    confirm: Confirm | None,
    what: str,
) -> Hold:
    """Admit the whole of `what` or refuse it before anything is sent (`BudgetExceededError`,
    `NotConfirmedError`, `SpendingRefusedError`); what is held for it, to release when it ends
    (with no limit set, nothing is checked and the hold holds nothing)."""
    if guard is None or not guard.active(max_cost_usd):
        return Hold(key_id, Decimal(0))
    if worst.total is None:
        limits = [name for name, value in ((DAILY, guard.daily), (MONTHLY, guard.monthly)) if value is not None]
        limits += ["max_cost_usd"] * (max_cost_usd is not None) + [CONFIRM] * (guard.confirm_above is not None)
        raise SpendingRefusedError(
            f"Not started: {worst.why}, so the worst case of {what} cannot be checked against {', '.join(limits)}. "
            "Name models with a fixed price, or pass max_tokens."
        )
    return await guard.admit(worst.total, key_id, max_cost_usd=max_cost_usd, confirm=confirm, what=what)
