"""Chat calls that never die at the client's timeout and never answer past the output budget.

Every chat call from a tool runs as a job in the app's task group. A foreground call waits for
it up to `foreground_timeout` and answers like a plain call; a call still running then answers
with its job id and the text so far (Claude Desktop cuts a tool call at about 60 s, which
would lose a reply already being paid for). `background=true` answers with the job id at once.
A reply longer than one page answers with its first page and the job id for the rest.
A caller that cancels its call cancels the job with it: nobody is left to read the reply.
Before any of it, the spending guard admits the call or refuses it (budgets, `max_cost_usd`,
confirmation); an admitted call holds its worst case until its job ends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import anyio

from mcp_server_openrouter import media
from mcp_server_openrouter.chat.progress import ProgressCallback
from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.result import ChatAnswer, ChatResult
from mcp_server_openrouter.chat.service import ChatService
from mcp_server_openrouter.errors import InvalidArgumentError, JobCancelledError, JobEndedEarlyError
from mcp_server_openrouter.jobs.job import Job
from mcp_server_openrouter.jobs.manager import JobManager, describe_failure
from mcp_server_openrouter.jobs.pages import split_pages
from mcp_server_openrouter.usage.budget import CallLimits, Hold, SpendingGuard


class ChatCalls:
    def __init__(
        self,
        chat: ChatService,
        jobs: JobManager,
        *,
        foreground_timeout: float,
        page_chars: int,
        images_dir: Path | None = None,
        guard: SpendingGuard | None = None,
        key_id_of: Callable[[], str] = lambda: "",
    ) -> None:
        self.chat = chat
        self.jobs = jobs
        self.guard = guard
        self.key_id_of = key_id_of  # whose budget and key limit a call is admitted against: the caller's
        self.foreground_timeout = foreground_timeout
        self.page_chars = page_chars
        self.images_dir = images_dir

    async def call(
        self,
        request: ChatRequest,
        *,
        stream: bool = False,
        cache: bool | None = None,
        background: bool = False,
        on_progress: ProgressCallback | None = None,
        notes: Sequence[str] = (),
        save_images: bool = False,
        limits: CallLimits | None = None,
    ) -> ChatAnswer:
        """`notes` (images resized, parameters dropped) go with the answer; `save_images` keeps the
        images a model returns under the data directory; `limits` are what the call may cost."""
        self._check_options(request, stream=stream, cache=cache, background=background, save_images=save_images)
        hold = await self._admit(request, limits or CallLimits())
        finish = _Finish(list(notes), self.images_dir if save_images else None, hold)
        try:
            if not self.jobs.available:  # no task group to outlive the call (a CLI command): run it here
                with finish:
                    result = await self.chat.chat(request, stream=stream, on_progress=on_progress, cache=cache)
                return self._first_page(await finish(result), None)
            # A background call streams, so its text so far can be read and `cancel_job` stops it at once.
            job = self._start(
                request,
                stream=stream or background,
                cache=False if background else cache,
                background=background,
                finish=finish,
            )
        except BaseException:
            finish.release()  # no job started: nothing will spend what was held
            raise
        if background:
            return self.still_running(job, "started in the background")
        await self.jobs.wait_with_caller(job, self.foreground_timeout, on_progress)
        if not job.finished:
            return self.still_running(job, f"still running after {self.foreground_timeout:g} s")
        return self._outcome(job)

    async def _admit(self, request: ChatRequest, limits: CallLimits) -> Hold | None:
        if self.guard is None:
            return None
        return await self.guard.admit_request(request.body(), self.key_id_of(), limits)

    def _check_options(
        self, request: ChatRequest, *, stream: bool, cache: bool | None, background: bool, save_images: bool
    ) -> None:
        """Options that cannot apply are refused before the call is admitted (or the user asked)."""
        if save_images and self.images_dir is None:
            raise InvalidArgumentError("save_images=true needs a data directory; it is not set up here.")
        if not background:
            self.chat.check_cache_option(request, stream=stream, cache=cache)
            return
        if not self.jobs.available:
            raise InvalidArgumentError("background=true needs the MCP server; run the call in the foreground.")
        if cache:
            raise InvalidArgumentError(
                "cache=true does not apply to background calls (they stream); drop background or cache."
            )

    def _start(
        self, request: ChatRequest, *, stream: bool, cache: bool | None, background: bool, finish: _Finish
    ) -> Job:
        async def work(job: Job) -> ChatResult:
            try:
                result = await self.chat.chat(
                    request,
                    stream=stream,
                    on_progress=job.report,
                    on_text=job.add_text,
                    on_wait=job.note_wait,
                    on_settled=job.settle,
                    cache=cache,
                )
            finally:
                finish.release()  # its cost is in the ledger now
            return await finish(result)

        job = self.jobs.start(work, requested_model=request.model, streamed=stream, background=background)
        finish.release_when(lambda: job.finished)  # also when the job ends without running `work`
        return job

    def _outcome(self, job: Job) -> ChatAnswer:
        if job.status == "done" and job.result is not None:
            return self._first_page(job.result, job)
        pages = split_pages(job.text, self.page_chars)
        if len(pages) == 1:
            self.jobs.forget(job)  # everything the caller may read is in the error below
        elif job.error is not None or job.status == "cancelled":
            # More text than one answer may carry: the first page here, the job kept for the rest.
            what = describe_failure(job.error) if job.error is not None else "it was cancelled (cancel_job)"
            raise JobEndedEarlyError(
                f"job {job.job_id} ended before the reply was complete: {what}. The {len(pages)} pages of text "
                f'received are kept: get_job_result(job_id="{job.job_id}", page=2) for the rest.',
                partial_text=pages[0],
            )
        if job.error is not None:
            raise job.error
        raise JobCancelledError(
            f"job {job.job_id} was cancelled (cancel_job) before the reply was complete.", partial_text=job.text
        )

    def _first_page(self, result: ChatResult, job: Job | None) -> ChatAnswer:
        pages = split_pages(result.text, self.page_chars)
        if job is None or len(pages) == 1:  # without a job (a CLI command) the whole text is the answer
            if job is not None:
                self.jobs.forget(job)  # nothing more to fetch: a foreground call is not kept as a job
            return ChatAnswer(**result.model_dump(), image_data=result.image_data)
        paged = {**result.model_dump(), "text": pages[0]}
        return ChatAnswer(**paged, image_data=result.image_data, job_id=job.job_id, page=1, pages=len(pages))

    def still_running(self, job: Job, why: str) -> ChatAnswer:
        """The answer for a job not finished yet: its id and the first page of the text so far."""
        text = split_pages(job.text, self.page_chars)[0]
        return ChatAnswer(
            text=text,
            model=job.requested_model,
            requested_model=job.requested_model,
            streamed=job.streamed,
            status="queued" if job.status == "queued" else "running",
            job_id=job.job_id,
            note=why if job.note is None else f"{why}; {job.note}",
        )


class _Finish:
    """What happens to a reply once it has arrived: the caller's notes added, images saved; and the
    worst case held for the call, given back when the request has ended."""

    def __init__(self, notes: list[str], images_dir: Path | None, hold: Hold | None = None) -> None:
        self.notes = notes
        self.images_dir = images_dir
        self.hold = hold

    def release(self) -> None:
        if self.hold is not None:
            self.hold.release()

    def release_when(self, ended: Callable[[], bool]) -> None:
        if self.hold is not None:
            self.hold.until(ended)

    def __enter__(self) -> _Finish:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    async def __call__(self, result: ChatResult) -> ChatResult:
        notes = [*self.notes, *(result.notes or [])]
        images = result.images
        if self.images_dir is not None and result.image_data:
            directory = self.images_dir
            try:
                paths = await anyio.to_thread.run_sync(_save, result.image_data, directory)
            except Exception as exc:  # the reply is paid for: return it with the reason, never lose it
                notes.append(f"the images could not be saved ({type(exc).__name__}: {exc})")
            else:
                images = [
                    image.model_copy(update={"saved_to": str(path)})
                    for image, path in zip(images or [], paths, strict=False)
                ]
        return result.model_copy(update={"notes": notes or None, "images": images})


def _save(image_data: list[tuple[str, str]], directory: Path) -> list[Path]:
    parts = [{"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}} for mime, data in image_data]
    saved: list[Path] = media.save_images(parts, directory)
    return saved
