"""ask_panel: the same request to several models at once, and a judge that ranks the anonymised answers."""

from __future__ import annotations

from collections.abc import MutableSequence
from typing import Any

import pytest
from mcp import Client

from mcp_server_openrouter.bench import BenchService, plan_panel
from mcp_server_openrouter.bench.panel import verdict_format
from mcp_server_openrouter.catalog.model import Model
from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import structured_of, text_of
from .helpers import FAST, OTHER, THIRD, chat_bodies

pytestmark = pytest.mark.anyio

JUDGE = "openai/gpt-4o"
PLAIN_JUDGE = "openai/gpt-4"  # no response_format among its supported_parameters


def reverse(items: MutableSequence[Any]) -> None:
    """An injected shuffle the test can follow: the judge reads the answers in reverse order."""
    items.reverse()


async def test_every_member_answers_with_its_latency_and_cost_and_a_failing_one_is_listed(
    client: Client, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(model=OTHER, status=400, body={"error": {"message": "refused today", "code": 400}}))
    result = await client.call_tool("ask_panel", {"models": [FAST, OTHER, THIRD], "prompt": "Name a colour"})
    assert not result.is_error, text_of(result)
    answers = structured_of(result)["answers"]
    assert [(a["model"], a["ok"]) for a in answers] == [(FAST, True), (OTHER, False), (THIRD, True)]
    assert answers[0]["text"].startswith(f"[simulated {FAST}]") and answers[0]["cost_usd"] > 0
    assert answers[0]["latency_s"] >= 0 and "refused today" in answers[1]["error"]
    total = structured_of(result)["total_cost_usd"]
    assert total == pytest.approx(answers[0]["cost_usd"] + answers[2]["cost_usd"])
    text = text_of(result)
    assert f"## {OTHER}: failed" in text and "refused today" in text and "2 answered" in text
    assert sorted(body["model"] for body in chat_bodies(simulator)) == sorted([FAST, OTHER, THIRD])


async def test_the_judge_reads_anonymised_answers_and_its_structured_ranking_names_the_models(
    service: BenchService, simulator: Simulator
) -> None:
    plan = plan_panel(models=[FAST, THIRD], prompt="Name a colour", judge_model=JUDGE, criteria="brevity")
    panel = await service.panel(plan, answer_chars=4000, shuffle=reverse)
    judge_body = chat_bodies(simulator)[-1]
    assert judge_body["model"] == JUDGE
    schema = judge_body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["ranking"]["items"]["properties"]["answer"]["enum"] == ["A", "B"]
    asked = judge_body["messages"][0]["content"]
    assert FAST not in asked and THIRD not in asked  # neither the labels nor the answers give a model away
    assert "Criteria: brevity." in asked and "Name a colour" in asked
    assert asked.index("Answer A") < asked.index("Answer B")
    verdict = panel.verdict
    assert verdict is not None and verdict.error is None and verdict.cost_usd and verdict.cost_usd > 0
    # The simulator's judge ranks the first label of the enum; in reverse order that is the last member.
    assert [(entry.label, entry.model) for entry in verdict.ranking] == [("A", THIRD), ("B", FAST)]
    assert verdict.ranking[1].reason == "(not ranked by the judge)" and verdict.best_answer
    member_costs = sum(answer.cost_usd or 0 for answer in panel.answers)
    assert panel.total_cost_usd == pytest.approx(member_costs + verdict.cost_usd)  # the judge's cost is counted


async def test_a_judge_without_structured_outputs_that_answers_in_prose_leaves_the_answers_and_says_so(
    service: BenchService,
) -> None:
    plan = plan_panel(models=[FAST, THIRD], prompt="Name a colour", judge_model=PLAIN_JUDGE)
    panel = await service.panel(plan, answer_chars=4000)
    assert [answer.ok for answer in panel.answers] == [True, True]
    assert panel.verdict is not None and panel.verdict.ranking == []
    assert panel.verdict.error is not None and panel.verdict.error.startswith("the judge's reply is not JSON")
    assert panel.verdict.cost_usd  # its reply was paid for, and is counted


async def test_a_failing_judge_does_not_fail_the_panel(service: BenchService, simulator: Simulator) -> None:
    simulator.add_fault(Fault(model=JUDGE, status=400, body={"error": {"message": "judge is away", "code": 400}}))
    panel = await service.panel(plan_panel(models=[FAST, THIRD], prompt="hi", judge_model=JUDGE), answer_chars=4000)
    assert [answer.ok for answer in panel.answers] == [True, True]
    assert panel.verdict is not None and "judge is away" in (panel.verdict.error or "")


async def test_with_no_answer_to_judge_the_judge_is_not_asked(service: BenchService, simulator: Simulator) -> None:
    for model in (FAST, THIRD):
        simulator.add_fault(Fault(model=model, status=400, body={"error": {"message": "no", "code": 400}}))
    panel = await service.panel(plan_panel(models=[FAST, THIRD], prompt="hi", judge_model=JUDGE), answer_chars=4000)
    assert panel.verdict is not None and "nothing to judge" in (panel.verdict.error or "")
    assert JUDGE not in [body["model"] for body in chat_bodies(simulator)]


async def test_each_answer_is_bounded_and_says_it_was_cut(service: BenchService, simulator: Simulator) -> None:
    simulator.add_fault(Fault(model=FAST, extra_words=400))
    panel = await service.panel(plan_panel(models=[FAST, THIRD], prompt="hi"), answer_chars=500)
    assert len(panel.answers[0].text) == 500 and panel.answers[0].truncated
    assert not panel.answers[1].truncated


async def test_the_verdict_format_follows_what_the_judge_supports(service: BenchService) -> None:
    snapshot = await service.catalog.snapshot()
    structured: Model | None = snapshot.catalog.get(JUDGE)
    plain: Model | None = snapshot.catalog.get(PLAIN_JUDGE)
    fmt = verdict_format(["A", "B"], structured)
    assert fmt is not None and fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert verdict_format(["A"], plain) is None  # asked for JSON in the prompt alone


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"models": [FAST]}, "list of 2–8 model ids"),
        ({"models": [f"m/{n}" for n in range(9)]}, "list of 2–8 model ids"),
        ({"prompt": ""}, "empty string"),
        ({"judge_model": ""}, "`judge_model` must be a model id"),
        ({"criteria": " "}, "`criteria` must be a non-empty string"),
    ],
)
async def test_bad_panel_arguments_are_refused_saying_what_to_pass(arguments: dict[str, object], said: str) -> None:
    values: dict[str, object] = {"models": [FAST, THIRD], "prompt": "hi"}
    values.update(arguments)
    with pytest.raises(InvalidArgumentError, match=said):
        plan_panel(**values)


async def test_an_unknown_judge_is_refused_before_any_member_is_asked(
    service: BenchService, simulator: Simulator
) -> None:
    with pytest.raises(InvalidArgumentError, match="openai/gpt-4o"):
        await service.panel(plan_panel(models=[FAST, THIRD], prompt="hi", judge_model="openai/gpt4o"), answer_chars=9)
    assert chat_bodies(simulator) == []


async def test_the_prompt_may_be_a_conversation_which_every_member_and_the_judge_receive(
    service: BenchService, simulator: Simulator
) -> None:
    conversation = [
        {"role": "system", "content": "Answer in one word."},
        {"role": "user", "content": "Name a colour"},
    ]
    plan = plan_panel(models=[FAST, THIRD], prompt=conversation, judge_model=JUDGE)
    await service.panel(plan, answer_chars=4000)
    *members, judge = chat_bodies(simulator)
    assert all(body["messages"] == conversation for body in members)
    assert "system: Answer in one word.\nuser: Name a colour" in judge["messages"][0]["content"]
