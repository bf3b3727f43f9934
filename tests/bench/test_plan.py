"""What a benchmark checks before it spends anything: arguments, model ids, and its worst-case cost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mcp_server_openrouter.bench import BenchService, plan_benchmark
from mcp_server_openrouter.bench.plan import guard_spending, known_models, worst_case_cost
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.errors import BudgetExceededError, InvalidArgumentError
from mcp_server_openrouter.simulator import Simulator

from .helpers import FAST, OTHER, chat_bodies

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"models": []}, "list of 1–10 model ids"),
        ({"models": "openai/gpt-4o-mini"}, "list of 1–10 model ids"),
        ({"models": [f"m/{n}" for n in range(11)]}, "list of 1–10 model ids"),
        ({"models": [FAST, FAST]}, "twice"),
        ({"models": [FAST, 3]}, r"`models\[1\]` must be a model id string"),
        ({"prompt": " "}, "`prompt` must be a non-empty string"),
        ({"runs": 0}, "`runs` must be an integer from 1 to 10"),
        ({"runs": 11}, "`runs` must be an integer from 1 to 10"),
        ({"delay_seconds": -1}, "`delay_seconds` must be between 0 and 60"),
        ({"temperature": 3}, "`temperature` must be between 0 and 2"),
        ({"max_tokens": 0}, "`max_tokens` must be a positive integer"),
        ({"system": ""}, "`system` must be a non-empty string"),
    ],
)
def test_bad_arguments_are_refused_saying_what_to_pass(arguments: dict[str, object], said: str) -> None:
    values: dict[str, object] = {"models": [FAST], "prompt": "Say hi"}
    values.update(arguments)
    with pytest.raises(InvalidArgumentError, match=said):
        plan_benchmark(**values)


def test_every_model_gets_the_same_request_with_its_own_id() -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="Say hi", system="Be brief.", max_tokens=50, temperature=0)
    body = plan.request_for(OTHER).body()
    assert body == {
        "model": OTHER,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi"}],
        "max_tokens": 50,
        "temperature": 0,
    }


async def test_unknown_models_are_all_named_with_their_closest_ids_before_anything_is_sent(
    service: BenchService, simulator: Simulator
) -> None:
    plan = plan_benchmark(models=[FAST, "openai/gpt4o", "anthropic/claude-3"], prompt="Say hi")
    with pytest.raises(InvalidArgumentError) as refused:
        await service.benchmark(plan)
    message = str(refused.value)
    assert "'openai/gpt4o' (did you mean openai/gpt-4o" in message
    assert "'anthropic/claude-3' (did you mean anthropic/claude-3" in message
    assert "Nothing was sent" in message and chat_bodies(simulator) == []


async def test_the_worst_case_is_max_tokens_at_the_completion_price_plus_the_prompt_at_its_price(
    service: BenchService,
) -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="x" * 400, max_tokens=1000, runs=3)
    models = await known_models(service.catalog, plan.models)
    # gpt-4o-mini: 100 prompt tokens at $0.15/1M + 1000 at $0.60/1M; gpt-4.1-nano: $0.10 and $0.40 per 1M.
    each_run = Decimal("0.000015") + Decimal("0.0006") + Decimal("0.00001") + Decimal("0.0004")
    assert worst_case_cost(models, plan.request, plan.runs) == each_run * 3


async def test_without_max_tokens_the_worst_case_lets_each_model_write_its_most(service: BenchService) -> None:
    plan = plan_benchmark(models=[FAST], prompt="abcd")
    models = await known_models(service.catalog, plan.models)
    # the catalogue's top_provider.max_completion_tokens for gpt-4o-mini is 16,384
    assert worst_case_cost(models, plan.request, 1) == Decimal("0.00000015") + 16384 * Decimal("0.0000006")


async def test_a_benchmark_that_could_cost_more_than_max_cost_usd_is_refused_before_sending(
    service: BenchService, simulator: Simulator
) -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=5, max_tokens=1000)
    with pytest.raises(BudgetExceededError, match=r"could cost up to \$0\.005002, more than max_cost_usd=\$0\.005\."):
        await service.benchmark(plan, max_cost_usd=Decimal("0.005"))
    assert chat_bodies(simulator) == []
    report = await service.benchmark(plan, max_cost_usd=Decimal("0.006"))
    assert report.worst_case_usd is not None and report.worst_case_usd <= 0.006
    assert len(chat_bodies(simulator)) == 10


async def test_a_router_priced_per_request_cannot_be_held_to_max_cost_usd(service: BenchService) -> None:
    plan = plan_benchmark(models=["openrouter/auto"], prompt="Say hi", max_tokens=10)
    models = await known_models(service.catalog, plan.models)
    assert worst_case_cost(models, plan.request, 1) is None
    with pytest.raises(BudgetExceededError, match="price varies"):
        guard_spending(None, Decimal(1), what="The benchmark")
    guard_spending(None, None, what="The benchmark")  # no limit asked: nothing to hold it to


async def test_the_catalogue_is_consulted_once_for_all_the_models(service: BenchService, simulator: Simulator) -> None:
    catalog: CatalogService = service.catalog
    await known_models(catalog, [FAST, OTHER])
    await known_models(catalog, [FAST])
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) == 1
