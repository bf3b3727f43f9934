"""The ledger's recorder: one row per chat request, from the client's metering hook."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from mcp_server_openrouter.client import OpenRouterClient, key_id
from mcp_server_openrouter.errors import RateLimitError
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.simulator._faults import Fault
from mcp_server_openrouter.storage.ledger import SQLiteLedger
from mcp_server_openrouter.usage.context import tool_scope
from mcp_server_openrouter.usage.recorder import UsageRecorder

from ..helpers import FAKE_KEY, FakeClock, make_client, no_sleep
from .ledger_rows import rows_in

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"
CHAT = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}], "max_tokens": 20}


class Metered:
    """A simulator on a fake clock, a ledger, a recorder and a client metered by it."""

    def __init__(self, tmp_path: Path, tasks: anyio.abc.TaskGroup | None) -> None:
        self.clock = FakeClock(1_800_000_000.0)
        self.simulator = Simulator(clock=self.clock, generation_delay=3.0)
        self.ledger = SQLiteLedger(tmp_path / "data" / "usage.sqlite3")
        self.slept: list[float] = []
        self.recorder = UsageRecorder(
            self.ledger, client_for=self.client_for, tasks=tasks, clock=self.clock, sleep=self.sleep
        )
        self.client: OpenRouterClient = make_client(
            httpx.ASGITransport(app=self.simulator.app), on_request=self.recorder, max_retries=0
        )

    def client_for(self, key: str) -> OpenRouterClient | None:
        return self.client if key == key_id(FAKE_KEY) else None

    async def sleep(self, seconds: float) -> None:
        # The settlement's pauses move the simulator's clock, so `/generation` becomes ready.
        self.slept.append(seconds)
        self.clock.now += seconds


@pytest.fixture
async def metered(tmp_path: Path) -> AsyncIterator[Metered]:
    async with anyio.create_task_group() as tasks:
        setup = Metered(tmp_path, tasks)
        yield setup
        await setup.recorder.settled()
        await setup.client.aclose()


async def test_a_chat_is_recorded_under_its_tool_with_the_model_provider_tokens_and_cost(metered: Metered) -> None:
    with tool_scope("chat_with_model"):
        completion = await metered.client.chat(CHAT)

    (row,) = rows_in(metered.ledger.path)
    assert row.tool == "chat_with_model"
    assert row.key_id == key_id(FAKE_KEY) and FAKE_KEY not in repr(row)
    assert row.requested_model == MODEL
    assert row.served_model == completion.model and row.provider == completion.provider
    assert completion.usage is not None
    assert row.prompt_tokens == completion.usage.prompt_tokens
    assert row.completion_tokens == completion.usage.completion_tokens
    assert row.cost == completion.usage.cost
    assert row.generation_id == completion.id
    assert row.status == "ok" and row.error_kind is None and row.http_status == 200
    assert row.at == metered.clock.now and not row.streamed


async def test_a_streamed_chat_records_its_time_to_first_token(metered: Metered) -> None:
    async with metered.client.stream_chat(CHAT) as stream:
        async for _ in stream.events():
            pass
        completion = stream.completion()

    (row,) = rows_in(metered.ledger.path)
    assert row.streamed and row.status == "ok"
    assert row.first_token is not None and row.latency is not None and 0 <= row.first_token <= row.latency
    assert completion.usage is not None and row.cost == completion.usage.cost


async def test_requests_that_cost_nothing_are_not_recorded(metered: Metered) -> None:
    await metered.client.list_models()
    await metered.client.key_info()

    assert not metered.ledger.path.exists() or rows_in(metered.ledger.path) == []


async def test_a_refused_request_is_recorded_as_an_error_with_its_kind_and_no_cost(metered: Metered) -> None:
    metered.simulator.add_fault(Fault(status=429, reset_in=30))

    with pytest.raises(RateLimitError):
        await metered.client.chat(CHAT)

    (row,) = rows_in(metered.ledger.path)
    assert (row.status, row.error_kind, row.http_status, row.cost) == ("error", "RateLimitError", 429, None)


async def test_a_reply_without_a_cost_is_settled_from_generation_once_openrouter_has_it(metered: Metered) -> None:
    metered.simulator.add_fault(Fault(omit_cost=True))

    completion = await metered.client.chat(CHAT)
    await metered.recorder.settled()

    (row,) = rows_in(metered.ledger.path)
    generation = metered.simulator.generations[str(completion.id)]
    assert row.cost == Decimal(str(generation["total_cost"]))
    # `/generation` answers 404 for 3 s after the generation: the first tries find nothing.
    assert sum(metered.slept) >= 3.0
    assert metered.recorder.session_cost(key_id(FAKE_KEY)) == row.cost


async def test_a_generation_that_never_appears_leaves_the_row_unsettled_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with anyio.create_task_group() as tasks:
        metered = Metered(tmp_path, tasks)
        metered.simulator.generation_delay = 10_000.0
        metered.simulator.add_fault(Fault(omit_cost=True))
        with caplog.at_level(logging.WARNING):
            await metered.client.chat(CHAT)
            await metered.recorder.settled()
        await metered.client.aclose()

    (row,) = rows_in(metered.ledger.path)
    assert row.cost is None
    assert "still not known" in caplog.text


async def test_resume_settles_the_rows_a_stopped_process_left_without_a_cost(tmp_path: Path) -> None:
    stopped = Metered(tmp_path, tasks=None)  # no task group: nothing is settled in the background
    stopped.simulator.add_fault(Fault(omit_cost=True))
    await stopped.client.chat(CHAT)
    assert rows_in(stopped.ledger.path)[0].cost is None
    stopped.clock.now += 60  # the generation is ready by now

    async with anyio.create_task_group() as tasks:
        restarted = UsageRecorder(
            stopped.ledger, client_for=stopped.client_for, tasks=tasks, clock=stopped.clock, sleep=stopped.sleep
        )
        assert await restarted.resume(key_id(FAKE_KEY)) == 1
        await restarted.settled()
    await stopped.client.aclose()

    assert rows_in(stopped.ledger.path)[0].cost is not None


async def test_a_ledger_that_cannot_be_written_loses_the_row_not_the_reply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    metered = Metered(tmp_path, tasks=None)
    metered.ledger.path.parent.write_text("a file where the data directory should be")

    with caplog.at_level(logging.WARNING):
        completion = await metered.client.chat(CHAT)
    await metered.client.aclose()

    assert completion.text
    assert "was not recorded" in caplog.text
    assert "hello" not in caplog.text  # never the prompt


async def test_the_session_cost_is_the_exact_sum_of_this_process_costs(metered: Metered) -> None:
    costs = []
    for _ in range(3):
        completion = await metered.client.chat(CHAT)
        assert completion.usage is not None and completion.usage.cost is not None
        costs.append(completion.usage.cost)

    assert metered.recorder.session_cost(key_id(FAKE_KEY)) == sum(costs, Decimal(0))
    assert metered.recorder.session_cost("another key") == 0


async def test_a_row_settled_both_live_and_by_resume_counts_once_in_the_session(tmp_path: Path) -> None:
    async with anyio.create_task_group() as tasks:
        metered = Metered(tmp_path, tasks)
        go = anyio.Event()
        paused = metered.sleep

        async def held_sleep(seconds: float) -> None:  # both settlements wait here until the test lets go
            await go.wait()
            await paused(seconds)

        metered.recorder.sleep = held_sleep
        metered.simulator.add_fault(Fault(omit_cost=True))
        await metered.client.chat(CHAT)  # its settlement is scheduled, and waits
        # The warm-up's resume runs while that settlement is still waiting: the row is already being settled.
        await metered.recorder.resume(key_id(FAKE_KEY))
        go.set()
        await metered.recorder.settled()
        await metered.client.aclose()

    (row,) = rows_in(metered.ledger.path)
    assert row.cost is not None
    assert metered.recorder.session_cost(key_id(FAKE_KEY)) == row.cost


async def test_costs_settled_for_a_stopped_process_are_not_this_sessions(tmp_path: Path) -> None:
    stopped = Metered(tmp_path, tasks=None)
    stopped.simulator.add_fault(Fault(omit_cost=True))
    await stopped.client.chat(CHAT)
    stopped.clock.now += 60

    async with anyio.create_task_group() as tasks:
        restarted = UsageRecorder(
            stopped.ledger, client_for=stopped.client_for, tasks=tasks, clock=stopped.clock, sleep=stopped.sleep
        )
        await restarted.resume(key_id(FAKE_KEY))
        await restarted.settled()
    await stopped.client.aclose()

    assert rows_in(stopped.ledger.path)[0].cost is not None
    assert restarted.session_cost(key_id(FAKE_KEY)) == 0


class HeldGenerations:
    """ASGI middleware: `GET /generation` waits until the test lets it go (`asked` says one is waiting)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.asked = anyio.Event()
        self.go = anyio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/generation"):
            self.asked.set()
            await self.go.wait()
        await self.app(scope, receive, send)


async def test_settling_a_cost_never_takes_a_place_in_the_chat_queue(tmp_path: Path) -> None:
    async with anyio.create_task_group() as tasks:
        metered = Metered(tmp_path, tasks)
        held = HeldGenerations(metered.simulator.app)
        # One request at a time: a settlement holding the queue's only place would stall every chat.
        metered.client = make_client(
            httpx.ASGITransport(app=held), on_request=metered.recorder, max_retries=0, max_concurrency=1
        )
        metered.simulator.add_fault(Fault(omit_cost=True))
        await metered.client.chat(CHAT)
        await held.asked.wait()  # its settlement is asking OpenRouter, and OpenRouter is slow to answer

        with anyio.fail_after(5):
            completion = await metered.client.chat(CHAT)
        held.go.set()
        await metered.recorder.settled()
        await metered.client.aclose()

    assert completion.text
    assert all(row.cost is not None for row in rows_in(metered.ledger.path))


async def test_a_retried_429_is_an_error_row_then_the_row_of_the_retry(metered: Metered) -> None:
    metered.client = make_client(
        httpx.ASGITransport(app=metered.simulator.app),
        on_request=metered.recorder,
        max_retries=1,
        sleep=no_sleep,
        clock=metered.clock,
    )
    metered.simulator.add_fault(Fault(status=429, reset_in=1))

    completion = await metered.client.chat(CHAT)

    first, retry = rows_in(metered.ledger.path)
    assert (first.status, first.http_status, first.attempt, first.cost) == ("error", 429, 1, None)
    assert completion.usage is not None
    assert (retry.status, retry.attempt, retry.cost) == ("ok", 2, completion.usage.cost)
