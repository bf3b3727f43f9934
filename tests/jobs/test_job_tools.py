"""Jobs through the MCP tools, in process: background calls, calls that outlive the foreground
timeout, pages of long replies, polling, cancelling, the jobs resource, and the errors."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest
from mcp import Client
from mcp.types import TextResourceContents

from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import make_settings, structured_of, text_of
from .gate import Gate

pytestmark = pytest.mark.anyio

MODEL = "openai/gpt-4o-mini"
ASK = {"model": MODEL, "messages": "Say hi", "temperature": 0.5}


@asynccontextmanager
async def connected(
    tmp_path: Path, simulator: Simulator, gate: Gate | None = None, **settings: Any
) -> AsyncIterator[Client]:
    app = simulator.app if gate is None else gate.wrap(simulator.app)
    server = create_server(make_settings(tmp_path, **settings), transport=httpx.ASGITransport(app=app))
    async with Client(server) as client:
        yield client


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, text_of(result)
    return structured_of(result)


async def test_a_background_call_answers_at_once_with_a_job_that_finishes_with_the_reply_and_its_cost(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    async with connected(tmp_path, simulator, gate) as client:
        with anyio.fail_after(5):
            started = await call(client, "chat_with_model", {**ASK, "background": True})
        assert started["status"] in {"queued", "running"} and started["job_id"].startswith("job_")
        assert started["text"] == "" and "cost_usd" not in started
        await gate.arrived.wait()
        running = await call(client, "get_job_result", {"job_id": started["job_id"]})
        assert running["status"] == "running" and "result" not in running
        gate.opened.set()
        with anyio.fail_after(5):
            done = await call(client, "get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
        foreground = await call(client, "chat_with_model", ASK)
    assert done["status"] == "done" and (done["page"], done["pages"]) == (1, 1)
    assert done["text"] == foreground["text"]
    assert done["result"]["cost_usd"] > 0 and done["result"]["streamed"] is True
    assert done["result"]["usage"]["completion_tokens"] > 0
    assert gate.held == 2


async def test_a_call_that_outlives_the_foreground_timeout_becomes_a_job_and_finishes(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    async with connected(tmp_path, simulator, gate, foreground_timeout_seconds=0.05) as client:
        with anyio.fail_after(5):
            result = await client.call_tool("chat_with_model", ASK)
        answer = structured_of(result)
        assert answer["status"] == "running" and answer["job_id"]
        assert "still running after 0.05 s" in answer["note"]
        assert f'get_job_result(job_id="{answer["job_id"]}", wait_seconds=50)' in text_of(result)
        gate.opened.set()
        with anyio.fail_after(5):
            done = await call(client, "get_job_result", {"job_id": answer["job_id"], "wait_seconds": 30})
    assert done["status"] == "done" and done["text"].startswith(f"[simulated {MODEL}]")
    assert done["result"]["streamed"] is False  # the call runs as asked; only its waiting changed
    assert gate.held == 1  # one request upstream: the job is the same call, not a second one


async def test_a_reply_longer_than_the_output_budget_comes_in_pages_that_join_to_the_exact_reply(
    tmp_path: Path, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(extra_words=3000))
    async with connected(tmp_path, simulator, max_output_tokens=1000) as client:
        first = await client.call_tool("chat_with_model", ASK)
        answer = structured_of(first)
        pages = [answer["text"]]
        assert answer["page"] == 1 and answer["pages"] > 2 and answer["cost_usd"] > 0
        assert f'get_job_result(job_id="{answer["job_id"]}", page=2)' in text_of(first)
        assert len(text_of(first)) <= 1000 * 4
        for page in range(2, answer["pages"] + 1):
            later = await call(client, "get_job_result", {"job_id": answer["job_id"], "page": page})
            pages.append(later["text"])
        beyond = await client.call_tool("get_job_result", {"job_id": answer["job_id"], "page": answer["pages"] + 1})
    whole = "".join(pages)
    assert whole.endswith("word3000") and whole.count("word") == 3000
    assert len(whole) > 3 * 3600
    assert beyond.is_error and f"page {answer['pages'] + 1} does not exist" in text_of(beyond)
    assert len(simulator.events_of("request")) == 1


async def test_a_short_foreground_reply_leaves_no_job_behind(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator) as client:
        answer = await call(client, "chat_with_model", ASK)
        listed = await jobs_resource(client)
    assert "job_id" not in answer and answer["status"] == "done"
    assert listed == []


async def test_cancel_job_stops_a_background_job_and_the_jobs_resource_lists_it(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    async with connected(tmp_path, simulator, gate) as client:
        started = await call(client, "chat_with_model", {**ASK, "background": True})
        await gate.arrived.wait()
        with anyio.fail_after(5):
            cancelled = await call(client, "cancel_job", {"job_id": started["job_id"]})
        again = await call(client, "cancel_job", {"job_id": started["job_id"]})
        listed = await jobs_resource(client)
    assert cancelled["status"] == "cancelled" and again["status"] == "cancelled"
    assert [(job["job_id"], job["status"], job["requested_model"]) for job in listed] == [
        (started["job_id"], "cancelled", MODEL)
    ]


async def test_a_failed_background_job_reports_the_reason_in_its_status(tmp_path: Path, simulator: Simulator) -> None:
    simulator.add_fault("credits")
    async with connected(tmp_path, simulator) as client:
        started = await call(client, "chat_with_model", {**ASK, "background": True})
        with anyio.fail_after(5):
            result = await client.call_tool("get_job_result", {"job_id": started["job_id"], "wait_seconds": 30})
    failed = structured_of(result)
    assert failed["status"] == "failed" and "credits" in failed["error"].lower()
    assert text_of(result).startswith(f"Job {started['job_id']} failed after")


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"job_id": "job_unknown"}, "no job 'job_unknown' here"),
        ({"job_id": "job_x", "wait_seconds": 51}, "`wait_seconds` must be between 0 and 50, got 51"),
        ({"job_id": "job_x", "wait_seconds": "soon"}, "`wait_seconds` must be between 0 and 50, got 'soon'"),
        ({"job_id": "job_x", "page": 0}, "`page` must be an integer from 1 to 1000000, got 0"),
        ({"job_id": "job_x", "page": True}, "`page` must be an integer from 1 to 1000000, got True"),
        ({"job_id": "job_" + "x" * 5000}, "no job 'job_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' here"),
    ],
)
async def test_bad_job_arguments_get_a_clear_error(
    tmp_path: Path, simulator: Simulator, arguments: dict[str, Any], words: str
) -> None:
    async with connected(tmp_path, simulator) as client:
        result = await client.call_tool("get_job_result", arguments)
        cancel = await client.call_tool("cancel_job", {"job_id": "job_unknown"})
    assert result.is_error and words in text_of(result)
    assert cancel.is_error and "no job 'job_unknown' here" in text_of(cancel)


async def test_background_with_cache_is_refused_before_anything_is_sent(tmp_path: Path, simulator: Simulator) -> None:
    async with connected(tmp_path, simulator) as client:
        result = await client.call_tool("chat_with_model", {**ASK, "temperature": 0, "cache": True, "background": True})
    assert result.is_error and "cache=true does not apply to background calls" in text_of(result)
    assert simulator.events_of("request") == []


async def test_cancelling_a_foreground_call_cancels_its_job(tmp_path: Path, simulator: Simulator) -> None:
    gate = Gate()
    async with connected(tmp_path, simulator, gate) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:
                group.start_soon(client.call_tool, "chat_with_model", ASK)
                await gate.arrived.wait()
                group.cancel_scope.cancel()
            listed: list[dict[str, Any]] = []
            while not listed or listed[0]["status"] != "cancelled":
                listed = await jobs_resource(client)
                await anyio.lowlevel.checkpoint()
    assert [job["status"] for job in listed] == ["cancelled"]


async def jobs_resource(client: Client) -> list[dict[str, Any]]:
    contents = (await client.read_resource("openrouter://jobs")).contents
    assert isinstance(contents[0], TextResourceContents)
    jobs: list[dict[str, Any]] = json.loads(contents[0].text)["jobs"]
    return jobs


@pytest.mark.parametrize("stream", [False, True])
async def test_a_call_waiting_to_retry_says_so_in_progress_and_then_answers(
    tmp_path: Path, simulator: Simulator, stream: bool
) -> None:
    # A reset already past: the retry waits 0 s, and the caller still hears why it waits.
    simulator.add_fault(
        Fault(status=429, body={"error": {"message": "Rate limit exceeded", "code": 429}}, headers={"Retry-After": "0"})
    )
    heard: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, message))

    async with connected(tmp_path, simulator) as client:
        result = await client.call_tool("chat_with_model", {**ASK, "stream": stream}, progress_callback=on_progress)
    assert not result.is_error and structured_of(result)["status"] == "done"
    assert heard[0] == (0.25, "rate limited, retrying in 0.0 s")
    assert all(a[0] < b[0] for a, b in itertools.pairwise(heard))
    assert len(simulator.events_of("request")) == 2


async def test_a_call_queued_behind_the_concurrency_limit_says_so_in_progress_and_in_its_job_note(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    heard: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        heard.append(message)

    async with connected(tmp_path, simulator, gate, max_concurrency=1) as client:
        first = await call(client, "chat_with_model", {**ASK, "background": True})
        await gate.arrived.wait()
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:

                async def second() -> None:
                    answer = await client.call_tool("chat_with_model", ASK, progress_callback=on_progress)
                    assert not answer.is_error

                group.start_soon(second)
                while not heard:
                    await anyio.lowlevel.checkpoint()
                listed = await jobs_resource(client)
                gate.opened.set()
        done = await call(client, "get_job_result", {"job_id": first["job_id"], "wait_seconds": 30})
    assert heard[0] == "queued: next in line (OPENROUTER_MAX_CONCURRENCY=1)"
    queued = [job for job in listed if job["job_id"] != first["job_id"]]
    assert queued[0]["note"] == "queued: next in line (OPENROUTER_MAX_CONCURRENCY=1)"
    assert done["status"] == "done"


async def test_a_foreground_call_whose_job_is_cancelled_by_cancel_job_answers_with_an_error_saying_so(
    tmp_path: Path, simulator: Simulator
) -> None:
    gate = Gate()
    answers: list[Any] = []
    async with connected(tmp_path, simulator, gate) as client:
        with anyio.fail_after(5):
            async with anyio.create_task_group() as group:

                async def foreground() -> None:
                    answers.append(await client.call_tool("chat_with_model", ASK))

                group.start_soon(foreground)
                await gate.arrived.wait()
                (running,) = await jobs_resource(client)  # the only way to learn a foreground call's job id
                await call(client, "cancel_job", {"job_id": running["job_id"]})
    (answer,) = answers
    assert answer.is_error and f"job {running['job_id']} was cancelled (cancel_job)" in text_of(answer)


async def test_a_foreground_call_that_fails_after_more_than_a_page_answers_with_the_first_page_and_keeps_the_rest(
    tmp_path: Path, simulator: Simulator
) -> None:
    simulator.add_fault(Fault(extra_words=5000, error_after_tokens=4000))
    async with connected(tmp_path, simulator, max_output_tokens=1000) as client:
        failed = await client.call_tool("chat_with_model", {**ASK, "stream": True})
        message = text_of(failed)
        job_id = message.split("job ", 1)[1].split(" ", 1)[0]
        rest = await call(client, "get_job_result", {"job_id": job_id, "page": 2})
    assert failed.is_error and len(message) < 1000 * 4 + 600
    assert f'get_job_result(job_id="{job_id}", page=2) for the rest' in message
    assert "Partial reply received before the error:\n[simulated" in message
    assert rest["status"] == "failed" and rest["pages"] >= 3 and rest["text"]
