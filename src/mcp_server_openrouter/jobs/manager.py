"""Starting, finding, waiting for and cancelling jobs; forgetting finished ones in time.

Jobs run in the app's task group, so they outlive the tool call that started them and end
with the server (their streams closed). Finished jobs are kept `ttl_seconds` and at most
`max_jobs` of them (the oldest go first); ids of forgotten jobs are remembered a while longer
so that asking for one says "expired" rather than "unknown". The store gets a record at each
change of status, so another process sharing it can answer for this one's jobs.

Each job belongs to the caller that started it (`owner_of()`: the hash of the caller's key).
To anyone else it does not exist: finding, waiting for, cancelling or listing it answers as for
an id that never was, so a job id guessed or overheard reveals nothing, not even that it exists.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable

import anyio
import anyio.lowlevel
from anyio.abc import TaskGroup

from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.errors import TooManyJobsError, UnknownJobError
from mcp_server_openrouter.jobs.job import Job, JobWork
from mcp_server_openrouter.storage import JobRecord, JobStore

logger = logging.getLogger(__name__)

# How many forgotten ids are remembered, to say "expired" instead of "unknown".
_EXPIRED_IDS_KEPT = 1000


def describe_failure(error: Exception) -> str:
    """A failed job's reason, as the caller reads it (the error's own message)."""
    return str(error) or type(error).__name__


class JobManager:
    def __init__(
        self,
        store: JobStore,
        *,
        tasks: TaskGroup | None,
        ttl_seconds: float,
        max_jobs: int,
        clock: Callable[[], float],
        owner_of: Callable[[], str] = lambda: "",
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.ttl_seconds = ttl_seconds
        self.max_jobs = max_jobs
        self._clock = clock
        self._owner_of = owner_of
        self._jobs: dict[str, Job] = {}
        self._expired: OrderedDict[str, str] = OrderedDict()  # forgotten id -> its owner

    @property
    def available(self) -> bool:
        """Jobs need a task group that outlives calls: the server's (CLI commands have none)."""
        return self.tasks is not None

    def start(self, work: JobWork, *, requested_model: str, streamed: bool, background: bool = False) -> Job:
        """Start `work` as a job in the task group and return it at once (status "queued").

        Background jobs are limited to `max_jobs` running at once (a foreground call has its
        caller waiting, and the upstream queue bounds it anyway).
        """
        if self.tasks is None:
            raise RuntimeError("jobs need the app's task group")
        self._prune()
        running = sum(job.background and not job.finished for job in self._jobs.values())
        if background and running >= self.max_jobs:
            raise TooManyJobsError(
                f"{running} background job{'s are' if running != 1 else ' is'} running, the most this server keeps "
                f"at once (OPENROUTER_MCP_MAX_JOBS={self.max_jobs}); wait for one with get_job_result or stop one "
                "with cancel_job."
            )
        job = Job(
            job_id=f"job_{secrets.token_urlsafe(9)}",
            requested_model=requested_model,
            created_at=self._clock(),
            streamed=streamed,
            background=background,
            owner=self._owner_of(),
        )
        self._jobs[job.job_id] = job
        self.tasks.start_soon(self._run, job, work, name=f"openrouter job {job.job_id}")
        return job

    async def _run(self, job: Job, work: JobWork) -> None:
        try:
            await self._save(job)
            with anyio.CancelScope() as scope:
                job._scope = scope
                if job._cancel_requested:  # cancelled before it began: never sent
                    scope.cancel()
                    await anyio.lowlevel.checkpoint()
                job.status = "running"
                await self._save(job)
                try:
                    job.result = await work(job)
                    job.status = "done"
                except Exception as exc:  # every failure is the job's outcome, never the task group's
                    job.error = exc
                    job.status = "failed"
            # A failure raised while being cancelled (a stream closed under it) is the cancellation.
            if scope.cancelled_caught or (job._cancel_requested and job.status == "failed"):
                job.status = "cancelled"
        finally:
            if not job.finished:  # the server is shutting down: the task group cancelled us
                job.status = "cancelled"
            job.finished_at = self._clock()
            job.unlisten_all()
            # Saved before waiters wake (one may `forget` the job at once); shielded, since the
            # server may be shutting down, but bounded: a shared store that hangs must not hold up the exit.
            with anyio.move_on_after(1.0, shield=True):
                await self._save(job)
            job.done.set()

    async def _save(self, job: Job) -> None:
        try:
            await self.store.save(record_of(job))
        except Exception as exc:  # the job's result is still here; only other processes miss it
            logger.warning("could not save job %s to the job store: %s", job.job_id, type(exc).__name__)

    def knows(self, job_id: str) -> bool:
        """Whether this process has (or recently had) the caller's job."""
        self._prune()
        owner = self._owner_of()
        job = self._jobs.get(job_id)
        return job.owner == owner if job is not None else self._expired.get(job_id) == owner

    def get(self, job_id: str) -> Job:
        """The caller's job with this id, or `UnknownJobError` saying whether it expired or never was."""
        self._prune()
        owner = self._owner_of()
        job = self._jobs.get(job_id)
        if job is not None and job.owner == owner:
            return job
        shown = job_id if len(job_id) <= 40 else job_id[:40] + "…"
        if job is None and self._expired.get(job_id) == owner:
            raise UnknownJobError(
                f"job {shown!r} has expired: finished jobs are kept {self.ttl_seconds:g} s "
                f"(OPENROUTER_MCP_JOB_TTL) and at most {self.max_jobs} of them (OPENROUTER_MCP_MAX_JOBS)."
            )
        raise UnknownJobError(
            f"no job {shown!r} here: use the job_id a chat call returned (like job_AbC…), from this "
            "server process; the openrouter://jobs resource lists recent jobs."
        )

    async def stored(self, job_id: str) -> JobRecord | None:
        """The caller's job started by another process sharing the store, if the store has it."""
        record = await self.store.get(job_id)
        return record if record is not None and record.owner == self._owner_of() else None

    async def wait(self, job: Job, seconds: float) -> None:
        """Wait until the job has finished, at most `seconds`."""
        with anyio.move_on_after(seconds):
            await job.done.wait()

    async def wait_with_caller(self, job: Job, seconds: float, on_progress: ProgressCallback | None) -> None:
        """Wait for a job on behalf of the tool call that started it, at most `seconds`: the caller hears
        its progress meanwhile, and a caller that cancels (or goes away) cancels the job, whose result
        nobody would read."""
        if on_progress is not None:
            job.listen(on_progress)
        try:
            await self.wait(job, seconds)
        except BaseException:
            job.cancel()
            raise
        finally:
            if on_progress is not None:
                job.unlisten(on_progress)

    def forget(self, job: Job) -> None:
        """Drop a finished job at once (a foreground call whose answer fitted in one page)."""
        self._jobs.pop(job.job_id, None)
        if self.tasks is not None:
            self.tasks.start_soon(self._forget_stored, [job.job_id])

    def recent(self, limit: int = 50) -> list[Job]:
        """The caller's jobs in this process, newest first."""
        self._prune()
        owner = self._owner_of()
        mine = [job for job in self._jobs.values() if job.owner == owner]
        return sorted(mine, key=lambda job: job.created_at, reverse=True)[:limit]

    def _prune(self) -> None:
        now = self._clock()
        finished = [job for job in self._jobs.values() if job.finished]
        finished.sort(key=lambda job: job.finished_at or 0.0)
        too_old = [job for job in finished if now - (job.finished_at or now) > self.ttl_seconds]
        keep = [job for job in finished if job not in too_old]
        gone = too_old + keep[: max(len(keep) - self.max_jobs, 0)]
        for job in gone:
            del self._jobs[job.job_id]
            self._expired[job.job_id] = job.owner
        while len(self._expired) > _EXPIRED_IDS_KEPT:
            self._expired.popitem(last=False)
        if gone and self.tasks is not None:
            self.tasks.start_soon(self._forget_stored, [job.job_id for job in gone])

    async def _forget_stored(self, job_ids: list[str]) -> None:
        try:
            await self.store.forget(job_ids)
        except Exception as exc:  # in the task group: a failure here must not end the server
            logger.warning("could not drop %d jobs from the job store: %s", len(job_ids), type(exc).__name__)


def record_of(job: Job) -> JobRecord:
    """What the store keeps of a job (and what views are built from)."""
    return JobRecord(
        job_id=job.job_id,
        requested_model=job.requested_model,
        status=job.status,
        created_at=job.created_at,
        finished_at=job.finished_at,
        text=job.text,
        reply=None if job.result is None else job.result.model_dump(mode="json", exclude={"text"}),
        error=None if job.error is None else describe_failure(job.error),
        note=job.note,
        owner=job.owner,
    )
