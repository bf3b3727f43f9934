"""Running a benchmark in process: runs and delays, progress, failures kept to their model."""

from __future__ import annotations

import pytest

from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.bench import plan_benchmark
from mcp_server_openrouter.bench.runner import RunOutcome, run_benchmark
from mcp_server_openrouter.simulator import Fault, Simulator

from .helpers import FAST, OTHER, THIRD, chat_bodies

pytestmark = pytest.mark.anyio


class Sleeps:
    """An injected sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_each_model_runs_its_runs_one_after_another_with_the_delay_between_them(
    app: AppContext, simulator: Simulator
) -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=3, delay_seconds=2.5)
    sleeps = Sleeps()
    runs = await run_benchmark(plan, app.client, sleep=sleeps)
    assert sleeps.waits == [2.5] * 4  # between runs 1-2 and 2-3 of each model; none before the first
    assert {model: [o.run for o in outcomes] for model, outcomes in runs.outcomes.items()} == {
        FAST: [1, 2, 3],
        OTHER: [1, 2, 3],
    }
    bodies = chat_bodies(simulator)
    assert len(bodies) == 6 and all(body["stream"] is True for body in bodies)  # timed over streaming
    assert all(o.ok and o.cost and o.completion_tokens for outcomes in runs.outcomes.values() for o in outcomes)


async def test_no_delay_is_waited_when_none_is_asked_or_there_is_one_run(app: AppContext) -> None:
    sleeps = Sleeps()
    await run_benchmark(plan_benchmark(models=[FAST], prompt="hi", runs=3), app.client, sleep=sleeps)
    await run_benchmark(plan_benchmark(models=[FAST], prompt="hi", delay_seconds=9), app.client, sleep=sleeps)
    assert sleeps.waits == []


async def test_a_failing_model_is_listed_with_its_errors_and_the_others_finish(
    app: AppContext, simulator: Simulator
) -> None:
    simulator.add_fault(
        Fault(model=OTHER, status=503, body={"error": {"message": "all down", "code": 503}}, times=None)
    )
    # Its first run breaks mid-stream, in the shape that still reports the usage (and cost) of what was sent.
    simulator.add_fault(Fault(model=THIRD, error_after_tokens=4, error_shape=3, times=1))
    plan = plan_benchmark(models=[FAST, OTHER, THIRD], prompt="Say hi", runs=2)
    runs = await run_benchmark(plan, app.get_client())
    assert [o.ok for o in runs.outcomes[FAST]] == [True, True]
    assert [o.ok for o in runs.outcomes[OTHER]] == [False, False]
    assert "all down" in (runs.outcomes[OTHER][0].error or "")
    broken, whole = runs.outcomes[THIRD]
    assert not broken.ok and "Provider timed out" in (broken.error or "") and whole.ok
    assert broken.cost is not None and broken.cost > 0  # billed for the tokens it generated
    assert broken.text  # the partial text is kept with the error


async def test_progress_is_reported_after_every_finished_run(app: AppContext) -> None:
    heard: list[tuple[int, int, str]] = []

    async def on_run(outcome: RunOutcome, done: int, total: int) -> None:
        heard.append((done, total, outcome.model))

    plan = plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=2)
    await run_benchmark(plan, app.client, on_run=on_run)
    assert [(done, total) for done, total, _ in heard] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert sorted(model for _, _, model in heard) == sorted([FAST, FAST, OTHER, OTHER])


async def test_a_progress_report_that_fails_does_not_end_the_benchmark(app: AppContext) -> None:
    async def broken(outcome: RunOutcome, done: int, total: int) -> None:
        raise RuntimeError("the client went away")

    runs = await run_benchmark(plan_benchmark(models=[FAST], prompt="hi", runs=2), app.client, on_run=broken)
    assert [o.ok for o in runs.outcomes[FAST]] == [True, True]


async def test_one_model_after_another_when_parallel_is_false(app: AppContext, simulator: Simulator) -> None:
    plan = plan_benchmark(models=[FAST, OTHER], prompt="Say hi", runs=2, parallel=False)
    await run_benchmark(plan, app.client)
    assert [body["model"] for body in chat_bodies(simulator)] == [FAST, FAST, OTHER, OTHER]
