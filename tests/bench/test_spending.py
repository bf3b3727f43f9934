"""Benchmarks and panels under the shared spending guard: their worst case (from the estimator every
chat call is admitted with), budgets and max_cost_usd refusing before any request, the user asked
to confirm, the hold kept until the work ends; and a panel that outlives the foreground timeout."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcp_server_openrouter.bench import BenchService, plan_benchmark, plan_panel
from mcp_server_openrouter.bench.plan import known_models
from mcp_server_openrouter.bench.spending import (
    WorstCase,
    benchmark_worst_case,
    guard_spending,
    judge_estimate,
    panel_worst_case,
    request_estimate,
)
from mcp_server_openrouter.errors import SpendingRefusedError
from mcp_server_openrouter.simulator import Fault, Simulator
from mcp_server_openrouter.usage.estimate import estimate_prompt, price_request

from ..helpers import structured_of, text_of
from ..jobs.gate import Gate
from ..server.test_spending_tools import Action, connected
from .helpers import FAST, OTHER, THIRD, chat_bodies

pytestmark = pytest.mark.anyio

JUDGE = "openai/gpt-4o"
# Up to ~$0.002 in all: two models, two runs, at most 1,000 tokens each.
BENCH: dict[str, Any] = {"models": [FAST, OTHER], "prompt": "Say hi", "runs": 2, "max_tokens": 1000}
PANEL: dict[str, Any] = {"models": [FAST, THIRD], "prompt": "Name a colour", "max_tokens": 100, "judge_model": JUDGE}


async def test_a_benchmarks_worst_case_is_each_models_request_priced_as_a_chat_call_times_its_runs(
    service: BenchService,
) -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="x" * 400, max_tokens=1000, runs=3)
    worst = await benchmark_worst_case(service.catalog, plan)
    # 100 tokens of text, 4 for the message, 3 to prime the reply: 107 at $0.15 and $0.10 per 1M;
    # 1,000 out at $0.60 and $0.40 per 1M (gpt-4o-mini, gpt-4.1-nano).
    each_run = 107 * Decimal("0.00000025") + 1000 * Decimal("0.000001")
    assert worst == WorstCase(calls=6, total=each_run * 3)
    for model in plan.models:  # the very estimate a chat call of that request is admitted with
        chat = (await price_request(plan.request_for(model).body(), service.catalog)).worst
        assert chat == await request_estimate(service.catalog, plan.request_for(model))


async def test_without_max_tokens_each_model_may_write_its_most(service: BenchService) -> None:
    worst = await benchmark_worst_case(service.catalog, plan_benchmark(models=[FAST], prompt="abcd"))
    # the catalogue's top_provider.max_completion_tokens for gpt-4o-mini is 16,384
    assert worst.total == 8 * Decimal("0.00000015") + 16384 * Decimal("0.0000006")


async def test_a_router_priced_per_request_cannot_be_held_to_a_limit_and_needs_none_without_one(
    service: BenchService, simulator: Simulator
) -> None:
    plan = plan_benchmark(models=["openrouter/auto"], prompt="Say hi", max_tokens=10)
    worst = await benchmark_worst_case(service.catalog, plan)
    assert worst.total is None and worst.why == "openrouter/auto's price varies by request"
    with pytest.raises(SpendingRefusedError, match="price varies by request, so the worst case of a benchmark"):
        await service.benchmark(plan, max_cost_usd=Decimal(1))
    assert chat_bodies(simulator) == []
    nothing_set = await guard_spending(
        service.guard, worst, service.key_id, max_cost_usd=None, confirm=None, what="a benchmark"
    )
    assert nothing_set.amount == 0 and service.guard is not None and service.guard.held(service.key_id) == 0


async def test_the_judges_worst_case_covers_the_prompt_it_is_really_sent(
    service: BenchService, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(model=FAST, extra_words=4000))  # an answer longer than the judge is shown
    plan = plan_panel(models=[FAST, THIRD], prompt="Name a colour", judge_model=JUDGE)
    found = await known_models(service.catalog, [*plan.models, JUDGE])
    members = [
        await request_estimate(service.catalog, plan.request.model_copy(update={"model": m})) for m in plan.models
    ]
    bound = judge_estimate(plan, found[-1], members)
    await service.panel(plan, answer_chars=4000)
    sent = chat_bodies(simulator)[-1]
    assert sent["model"] == JUDGE
    really = estimate_prompt(sent["messages"], response_format=sent["response_format"]).tokens
    assert really <= bound.prompt_tokens and bound.completion_basis.startswith("the model's max output")
    assert (
        sum(m.worst_case or 0 for m in members) + (bound.worst_case or 0)
        == (await panel_worst_case(service.catalog, plan, found[-1])).total
    )


async def test_a_daily_budget_refuses_a_benchmark_or_a_panel_before_any_chat_request(
    tmp_path: Path, simulator: Simulator
) -> None:
    async with connected(tmp_path, simulator, budget_daily_usd="0.001") as client:
        benchmark = await client.call_tool("benchmark_models", BENCH)
        panel = await client.call_tool("ask_panel", PANEL)
    assert benchmark.is_error and panel.is_error
    said = text_of(benchmark)
    assert "Not sent: a benchmark of 2 models × 2 runs (4 calls) could cost up to $0.0020" in said
    assert "the $0.001 budget (OPENROUTER_BUDGET_DAILY_USD) is spent today" in said
    assert "a panel of 2 models and a judge (3 calls)" in text_of(panel)
    assert chat_bodies(simulator) == []


async def test_a_panel_whose_members_and_judge_together_pass_max_cost_usd_is_refused(
    tmp_path: Path, simulator: Simulator, service: BenchService
) -> None:
    plan = plan_panel(**{key: PANEL[key] for key in ("models", "prompt", "max_tokens", "judge_model")})
    judge = (await known_models(service.catalog, [JUDGE]))[0]
    worst = (await panel_worst_case(service.catalog, plan, judge)).total
    members = sum(
        [
            (await request_estimate(service.catalog, plan.request.model_copy(update={"model": m}))).worst_case
            or Decimal(0)
            for m in plan.models
        ],
        Decimal(0),
    )
    assert worst is not None and members * 10 < worst  # the judge's worst case is most of it
    async with connected(tmp_path, simulator) as client:
        refused = await client.call_tool("ask_panel", {**PANEL, "max_cost_usd": float(members * 10)})
        assert refused.is_error and chat_bodies(simulator) == []
        allowed = await client.call_tool("ask_panel", {**PANEL, "max_cost_usd": float(worst * Decimal("1.01"))})
    assert "Not sent: a panel of 2 models and a judge (3 calls) could cost up to" in text_of(refused)
    assert "above max_cost_usd=" in text_of(refused)
    assert not allowed.is_error, text_of(allowed)
    assert structured_of(allowed)["worst_case_usd"] == float(worst) and len(chat_bodies(simulator)) == 3


@pytest.mark.parametrize("mode", ["auto", "legacy"])  # MCP 2026-07-28 (input_required) and 2025-11-25 (a request)
async def test_a_costly_benchmark_runs_once_the_user_confirms_it_as_a_whole(
    tmp_path: Path, simulator: Simulator, mode: str
) -> None:
    questions: list[str] = []
    async with connected(
        tmp_path, simulator, answers=["accept"], questions=questions, mode=mode, confirm_above_usd="0.001"
    ) as client:
        result = await client.call_tool("benchmark_models", BENCH)
    assert not result.is_error, text_of(result)
    assert structured_of(result)["total_cost_usd"] > 0 and len(chat_bodies(simulator)) == 4
    (question,) = questions  # asked once for the four calls
    assert question.startswith("Send a benchmark of 2 models × 2 runs (4 calls)? It could cost up to $0.0020")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize("answer", ["decline", "cancel"])
async def test_a_declined_benchmark_sends_nothing(
    tmp_path: Path, simulator: Simulator, mode: str, answer: Action
) -> None:
    async with connected(tmp_path, simulator, answers=[answer], mode=mode, confirm_above_usd="0.001") as client:
        result = await client.call_tool("benchmark_models", BENCH)
    assert result.is_error and "Not sent: you did not confirm a benchmark of 2 models" in text_of(result)
    assert chat_bodies(simulator) == []


async def test_a_benchmark_holds_its_worst_case_until_it_ends(tmp_path: Path, simulator: Simulator) -> None:
    gate = Gate()
    async with connected(tmp_path, simulator, gate=gate, budget_daily_usd="0.003") as client:
        started = structured_of(await client.call_tool("benchmark_models", {**BENCH, "background": True}))
        await gate.arrived.wait()
        second = await client.call_tool("benchmark_models", BENCH)
        assert second.is_error and "held by calls still running" in text_of(second)
        gate.opened.set()
        with anyio.fail_after(10):
            done = structured_of(
                await client.call_tool("get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
            )
        assert done["status"] == "done"
        for _ in range(2):  # a finished benchmark, background or not, holds nothing any more
            again = await client.call_tool("benchmark_models", BENCH)
            assert not again.is_error, text_of(again)
    assert len(chat_bodies(simulator)) == 12


async def test_a_cancelled_panel_gives_back_what_it_held(tmp_path: Path, simulator: Simulator) -> None:
    gate = Gate()
    # The panel could cost up to ~$0.165 (the judge may write gpt-4o's 16,384 tokens): one fits, two do not.
    settings: dict[str, Any] = {"budget_daily_usd": "0.25", "foreground_timeout_seconds": 0.05}
    async with connected(tmp_path, simulator, gate=gate, **settings) as client:
        started = structured_of(await client.call_tool("ask_panel", {**PANEL, "background": True}))
        await gate.arrived.wait()
        assert "held by calls still running" in text_of(await client.call_tool("ask_panel", PANEL))
        with anyio.fail_after(5):
            cancelled = structured_of(await client.call_tool("cancel_job", {"job_id": started["job_id"]}))
        assert cancelled["status"] == "cancelled"
        gate.opened.set()
        again = await client.call_tool("ask_panel", PANEL)
    assert not again.is_error, text_of(again)


async def test_a_panel_past_the_foreground_timeout_becomes_a_job_whose_answers_get_job_result_returns(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    heard: list[str] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append(message or "")

    async with connected(tmp_path, simulator, gate=gate, foreground_timeout_seconds=0.05) as client:
        with anyio.fail_after(5):
            answer = await client.call_tool("ask_panel", PANEL)
        running = structured_of(answer)
        assert running["status"] == "running" and "still running after 0.05 s" in running["note"]
        assert text_of(answer).startswith(f"Panel job {running['job_id']}: still running")
        gate.opened.set()
        with anyio.fail_after(10):
            done = structured_of(
                await client.call_tool(
                    "get_job_result", {"job_id": running["job_id"], "wait_seconds": 30}, progress_callback=on_progress
                )
            )
        started = structured_of(await client.call_tool("ask_panel", {**PANEL, "background": True}))
        with anyio.fail_after(10):
            later = structured_of(
                await client.call_tool("get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
            )
    assert done["status"] == "done" and done["result"]["model"] == "ask_panel" and done["result"]["cost_usd"] > 0
    assert done["text"].startswith("Panel of 2 models: 2 answered") and f"## Judge {JUDGE}" in done["text"]
    assert "1. " in done["text"] and "2. " in done["text"]  # the judge's ranking
    assert heard and heard[-1].startswith("3/3 calls done: ")
    assert started["status"] in {"queued", "running"} and later["text"].startswith("Panel of 2 models")
