"""Jobs belong to the key that started them: to any other caller they do not exist."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from anyio.abc import TaskGroup

from mcp_server_openrouter.chat import ChatResult
from mcp_server_openrouter.errors import UnknownJobError
from mcp_server_openrouter.jobs import Job, JobManager
from mcp_server_openrouter.storage.jobs import MemoryJobStore

from ..helpers import FakeClock

pytestmark = pytest.mark.anyio


class Callers:
    """Who is calling now (the hash of their key), switched by the test."""

    def __init__(self) -> None:
        self.current = "alice"

    def __call__(self) -> str:
        return self.current


@pytest.fixture
async def tasks() -> AsyncIterator[TaskGroup]:
    async with anyio.create_task_group() as group:
        yield group
        group.cancel_scope.cancel()


async def reply(job: Job) -> ChatResult:
    return ChatResult(text="alice's reply", model="m", requested_model="m")


def message_of(jobs: JobManager, job_id: str) -> str:
    with pytest.raises(UnknownJobError) as caught:
        jobs.get(job_id)
    return str(caught.value).replace(job_id, "<id>")


async def test_another_caller_cannot_find_list_or_read_the_stored_record_of_a_job(tasks: TaskGroup) -> None:
    callers, store = Callers(), MemoryJobStore()
    jobs = JobManager(store, tasks=tasks, ttl_seconds=60, max_jobs=10, clock=FakeClock(1000.0), owner_of=callers)
    job = jobs.start(reply, requested_model="m", streamed=False, background=True)
    with anyio.fail_after(5):
        await job.done.wait()
    assert job.owner == "alice" and (await store.get(job.job_id)) is not None
    callers.current = "bob"
    assert not jobs.knows(job.job_id)
    assert message_of(jobs, job.job_id) == message_of(jobs, "job_neverWas123")  # not even that it exists
    assert await jobs.stored(job.job_id) is None  # nor through the store another replica would read
    assert jobs.recent() == []
    callers.current = "alice"
    assert jobs.knows(job.job_id) and jobs.get(job.job_id) is job and jobs.recent() == [job]
    stored = await jobs.stored(job.job_id)
    assert stored is not None and stored.owner == "alice"


async def test_an_expired_job_is_expired_to_its_owner_and_unknown_to_anyone_else(tasks: TaskGroup) -> None:
    callers, clock = Callers(), FakeClock(1000.0)
    jobs = JobManager(MemoryJobStore(), tasks=tasks, ttl_seconds=60, max_jobs=10, clock=clock, owner_of=callers)
    job = jobs.start(reply, requested_model="m", streamed=False, background=True)
    with anyio.fail_after(5):
        await job.done.wait()
    clock.now += 61
    assert "has expired" in message_of(jobs, job.job_id)
    callers.current = "bob"
    assert message_of(jobs, job.job_id) == message_of(jobs, "job_neverWas123")
    assert not jobs.knows(job.job_id)
