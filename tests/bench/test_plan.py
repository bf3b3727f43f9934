"""What a benchmark checks before it spends anything: its arguments and model ids (its worst-case cost
is tests/bench/test_spending.py's)."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.bench import BenchService, plan_benchmark
from mcp_server_openrouter.bench.plan import known_models
from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.errors import InvalidArgumentError
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


async def test_the_catalogue_is_consulted_once_for_all_the_models(service: BenchService, simulator: Simulator) -> None:
    catalog: CatalogService = service.catalog
    await known_models(catalog, [FAST, OTHER])
    await known_models(catalog, [FAST])
    assert len([e for e in simulator.events_of("request") if e.path == "/models"]) == 1
