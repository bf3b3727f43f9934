"""The job manager: jobs run in a task group, end in a status, and are forgotten in time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import anyio
import pytest
from anyio.abc import TaskGroup

from mcp_server_openrouter.chat import ChatResult
from mcp_server_openrouter.errors import InsufficientCreditsError, TooManyJobsError, UnknownJobError
from mcp_server_openrouter.jobs import Job, JobManager
from mcp_server_openrouter.storage.jobs import MemoryJobStore

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio

REPLY = ChatResult(text="the reply", model="m", requested_model="m", cost_usd=0.001)


@pytest.fixture
async def tasks() -> AsyncIterator[TaskGroup]:
    async with anyio.create_task_group() as group:
        yield group
        group.cancel_scope.cancel()


def manager(
    tasks: TaskGroup, clock: FakeClock, *, max_jobs: int = 10, store: MemoryJobStore | None = None
) -> JobManager:
    return JobManager(store or MemoryJobStore(), tasks=tasks, ttl_seconds=60, max_jobs=max_jobs, clock=clock)


async def reply(job: Job) -> ChatResult:
    return REPLY


async def finished(jobs: JobManager, job: Job) -> Job:
    with anyio.fail_after(5):
        await job.done.wait()
    return jobs.get(job.job_id)


async def test_a_job_runs_to_done_with_its_result_and_the_store_keeps_its_record(tasks: TaskGroup) -> None:
    store = MemoryJobStore()
    jobs = manager(tasks, FakeClock(1000.0), store=store)
    job = jobs.start(reply, requested_model="m", streamed=False)
    assert job.status == "queued" and job.job_id.startswith("job_")
    assert (await finished(jobs, job)).status == "done"
    assert job.result == REPLY and job.text == "the reply"
    record = await store.get(job.job_id)
    assert record is not None and record.status == "done" and record.text == "the reply"
    assert record.reply is not None and record.reply["cost_usd"] == 0.001 and "text" not in record.reply


async def test_a_failing_job_keeps_its_error_and_leaves_the_task_group_running(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0))

    async def fails(job: Job) -> ChatResult:
        job.add_text("half a rep")
        raise InsufficientCreditsError("add credits", status=402)

    job = await finished(jobs, jobs.start(fails, requested_model="m", streamed=True))
    assert job.status == "failed" and isinstance(job.error, InsufficientCreditsError)
    assert job.text == "half a rep"
    # The group is alive: another job still runs.
    assert (await finished(jobs, jobs.start(reply, requested_model="m", streamed=False))).status == "done"


async def test_cancelling_a_job_stops_its_work_and_keeps_the_text_so_far(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0))
    started, stopped = anyio.Event(), anyio.Event()

    async def forever(job: Job) -> ChatResult:
        job.add_text("so far")
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            stopped.set()
        raise AssertionError("unreachable")

    job = jobs.start(forever, requested_model="m", streamed=True)
    await started.wait()
    job.cancel()
    assert (await finished(jobs, job)).status == "cancelled"
    assert stopped.is_set() and job.text == "so far"


async def test_a_job_cancelled_before_it_began_never_runs(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0))
    ran = False

    async def work(job: Job) -> ChatResult:
        nonlocal ran
        ran = True
        return REPLY

    job = jobs.start(work, requested_model="m", streamed=False)
    job.cancel()
    assert (await finished(jobs, job)).status == "cancelled" and not ran


async def test_closing_the_task_group_cancels_running_jobs() -> None:
    started = anyio.Event()

    async def forever(job: Job) -> ChatResult:
        started.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async with anyio.create_task_group() as group:
        jobs = manager(group, FakeClock(1000.0))
        job = jobs.start(forever, requested_model="m", streamed=True)
        await started.wait()
        group.cancel_scope.cancel()
    assert job.status == "cancelled" and job.done.is_set()


async def test_a_finished_job_expires_after_its_time_and_then_says_so(tasks: TaskGroup) -> None:
    clock = FakeClock(1000.0)
    jobs = manager(tasks, clock)
    job = await finished(jobs, jobs.start(reply, requested_model="m", streamed=False))
    clock.now += 59
    assert jobs.get(job.job_id) is job
    clock.now += 2
    with pytest.raises(UnknownJobError, match=r"has expired: finished jobs are kept 60 s \(OPENROUTER_MCP_JOB_TTL\)"):
        jobs.get(job.job_id)


async def test_an_id_never_given_out_is_called_unknown_not_expired(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0))
    with pytest.raises(UnknownJobError, match=r"no job 'job_nope' here: use the job_id a chat call returned"):
        jobs.get("job_nope")


async def test_only_the_newest_finished_jobs_are_kept_past_the_limit(tasks: TaskGroup) -> None:
    clock = FakeClock(1000.0)
    jobs = manager(tasks, clock, max_jobs=2)
    done = []
    for _ in range(3):
        done.append(await finished(jobs, jobs.start(reply, requested_model="m", streamed=False)))
        clock.now += 1
    assert [job.job_id for job in jobs.recent()] == [done[2].job_id, done[1].job_id]
    with pytest.raises(UnknownJobError, match="has expired"):
        jobs.get(done[0].job_id)


async def test_no_more_background_jobs_start_than_the_limit_while_they_all_run(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0), max_jobs=2)
    release = anyio.Event()

    async def held(job: Job) -> ChatResult:
        await release.wait()
        return REPLY

    running = [jobs.start(held, requested_model="m", streamed=True, background=True) for _ in range(2)]
    with pytest.raises(TooManyJobsError, match=r"2 background jobs are running.*OPENROUTER_MCP_MAX_JOBS=2"):
        jobs.start(held, requested_model="m", streamed=True, background=True)
    running.append(jobs.start(held, requested_model="m", streamed=False))  # a foreground call is not held back
    release.set()
    with anyio.fail_after(5):
        for job in running:
            await job.done.wait()
    assert jobs.start(reply, requested_model="m", streamed=False)


async def test_progress_reaches_the_newest_listener_and_returns_to_the_one_before_when_it_leaves(
    tasks: TaskGroup,
) -> None:
    jobs = manager(tasks, FakeClock(1000.0))
    heard: list[tuple[str, float]] = []
    steps = [anyio.Event() for _ in range(3)]
    sent = [anyio.Event() for _ in range(3)]

    def listener(name: str) -> Callable[[float, float | None, str], Awaitable[None]]:
        async def hear(progress: float, total: float | None, message: str) -> None:
            heard.append((name, progress))

        return hear

    async def broken(progress: float, total: float | None, message: str) -> None:
        raise anyio.BrokenResourceError

    async def work(job: Job) -> ChatResult:
        for index, value in enumerate((1.5, 2.5, 3.5)):
            await steps[index].wait()
            await job.report(value, None, "")
            sent[index].set()
        return REPLY

    job = jobs.start(work, requested_model="m", streamed=True)
    first, second = listener("first"), listener("second")
    job.listen(first)
    job.listen(second)
    steps[0].set()
    await sent[0].wait()
    job.unlisten(second)  # the second caller's short wait ended: the first hears again
    steps[1].set()
    await sent[1].wait()
    job.listen(broken)  # a caller that went away is dropped, and the job goes on
    steps[2].set()
    await finished(jobs, job)
    assert heard == [("second", 1.5), ("first", 2.5)]
    assert job.status == "done"


async def test_a_cancel_that_arrives_once_the_reply_is_complete_changes_nothing(tasks: TaskGroup) -> None:
    jobs = manager(tasks, FakeClock(1000.0))
    settled, go = anyio.Event(), anyio.Event()

    async def work(job: Job) -> ChatResult:
        job.settle()  # the whole reply has arrived (paid for)...
        settled.set()
        await go.wait()  # ...and the last progress notification is still being sent
        return REPLY

    job = jobs.start(work, requested_model="m", streamed=True)
    await settled.wait()
    job.cancel()
    go.set()
    assert (await finished(jobs, job)).status == "done" and job.result == REPLY
