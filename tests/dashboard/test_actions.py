"""The dashboard's two changes (cancel a job, clear the caches) and how it fails, in process."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.chat.result import ChatResult
from mcp_server_openrouter.dashboard.web import Dashboard, DashboardAccess
from mcp_server_openrouter.jobs import Job
from mcp_server_openrouter.simulator import Simulator

from ..helpers import FAKE_KEY, make_settings

pytestmark = pytest.mark.anyio

TOKEN = "dashboard-actions-token-0123456789"
ORIGIN = "http://127.0.0.1:8765"
ACCESS = DashboardAccess(TOKEN)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppContext]:
    async with open_app(make_settings(tmp_path), transport=httpx.ASGITransport(Simulator().app)) as app:
        yield app


def browser(app: AppContext | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(Dashboard(lambda: app, ACCESS)),
        base_url=ORIGIN,
        cookies={ACCESS.cookie_name: ACCESS.cookie},
        headers={"Origin": ORIGIN},
    )


async def never_ending(job: Job) -> ChatResult:
    await anyio.sleep_forever()
    raise AssertionError("unreachable")


async def test_cancelling_a_running_job_from_the_page_stops_it(app: AppContext) -> None:
    job = app.jobs.start(never_ending, requested_model="openai/gpt-4o-mini", streamed=True, background=True)
    async with browser(app) as client:
        listed = await client.get("/dashboard/jobs")
        assert job.job_id in listed.text and 'name="csrf"' in listed.text
        response = await client.post(f"/dashboard/jobs/{job.job_id}/cancel", data={"csrf": ACCESS.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard/jobs?done=cancelled"
    assert job.status == "cancelled"


@pytest.mark.parametrize(
    ("form", "headers", "status"),
    [
        ({}, {}, 403),  # no form token
        ({"csrf": "guessed"}, {}, 403),  # a wrong one
        ({"csrf": ACCESS.csrf}, {"Origin": "http://evil.example"}, 403),  # from another site
    ],
)
async def test_a_forged_cancel_is_refused_and_the_job_runs_on(
    app: AppContext, form: dict[str, str], headers: dict[str, str], status: int
) -> None:
    job = app.jobs.start(never_ending, requested_model="openai/gpt-4o-mini", streamed=True, background=True)
    async with browser(app) as client:
        response = await client.post(f"/dashboard/jobs/{job.job_id}/cancel", data=form, headers=headers)
    assert response.status_code == status
    assert not job.finished
    job.cancel()


async def test_a_post_without_an_origin_is_refused_unless_it_brings_the_token(app: AppContext) -> None:
    async with browser(app) as client:
        del client.headers["Origin"]
        refused = await client.post("/dashboard/caches/clear", data={"csrf": ACCESS.csrf})
        scripted = await client.post(
            "/dashboard/caches/clear", data={"csrf": ACCESS.csrf}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert refused.status_code == 403 and "no Origin" in refused.text
    assert scripted.status_code == 303


async def test_cancelling_a_job_that_is_not_there_says_so(app: AppContext) -> None:
    async with browser(app) as client:
        response = await client.post("/dashboard/jobs/job_nope/cancel", data={"csrf": ACCESS.csrf})
    assert response.status_code == 404 and "no job &#x27;job_nope&#x27; here" in response.text


async def test_clearing_the_caches_empties_the_catalogue_file_and_memory(app: AppContext) -> None:
    await app.catalog.snapshot()  # fetched: in memory and in the file
    assert app.settings.model_cache_file.exists()
    async with browser(app) as client:
        response = await client.post("/dashboard/caches/clear", data={"csrf": ACCESS.csrf})
        assert response.status_code == 303 and "cleared=" in response.headers["location"]
        assert not app.settings.model_cache_file.exists()
        assert (await app.catalog.snapshot()).source == "network"  # not the copy that was in memory
        shown = await client.get(response.headers["location"])
    assert "Caches cleared (1 removed)" in shown.text


async def test_the_catalogue_page_filters_as_list_available_models_does(app: AppContext) -> None:
    async with browser(app) as client:
        page = await client.get("/dashboard/models", params={"provider": "anthropic", "sort": "price"})
        wrong = await client.get("/dashboard/models", params={"min_context": "lots"})
    ids = re.findall(r"<td><code>([^<]+)</code></td>", page.text)
    assert ids and all(model.startswith("anthropic/") for model in ids)
    assert wrong.status_code == 400 and "`min_context` must be a whole number; got &#x27;lots&#x27;" in wrong.text


@pytest.mark.parametrize("name", ["..%2F..%2Fetc", "%2E%2E", "nope-no-such-report"])
async def test_a_report_name_that_is_not_a_saved_report_is_refused(app: AppContext, name: str) -> None:
    async with browser(app) as client:
        page = await client.get(f"/dashboard/reports/{name}")
        chart = await client.get(f"/dashboard/reports/{name}/chart.svg")
    assert page.status_code == 404 and chart.status_code == 404


async def test_every_answer_carries_the_security_headers_and_never_the_key(app: AppContext) -> None:
    async with browser(app) as client:
        pages = [await client.get(path) for path in ("/dashboard/", "/dashboard/account", "/dashboard/api/live")]
        css = await client.get("/dashboard/static/dashboard.css")
        missing = await client.get("/dashboard/static/../app.py")
    for response in [*pages, css]:
        assert response.status_code == 200
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert FAKE_KEY not in response.text
    assert missing.status_code == 404


async def test_a_page_asked_for_before_the_server_has_started_says_to_reload() -> None:
    async with browser(None) as client:
        response = await client.get("/dashboard/")
    assert response.status_code == 503 and "reload" in response.text


async def test_a_job_slow_to_stop_is_reported_as_stopping_not_as_finished(
    app: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcp_server_openrouter.dashboard import views

    monkeypatch.setattr(views, "CANCEL_WAIT_SECONDS", 0.01)
    release = anyio.Event()

    async def slow_to_stop(job: Job) -> ChatResult:
        with anyio.CancelScope(shield=True):  # an upstream close that hangs
            await release.wait()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    job = app.jobs.start(slow_to_stop, requested_model="openai/gpt-4o-mini", streamed=True, background=True)
    await anyio.wait_all_tasks_blocked()
    async with browser(app) as client:
        response = await client.post(f"/dashboard/jobs/{job.job_id}/cancel", data={"csrf": ACCESS.csrf})
        shown = await client.get(response.headers["location"])
    assert response.headers["location"] == "/dashboard/jobs?done=stopping"
    assert "The job is being stopped" in shown.text
    release.set()
    await job.done.wait()
    assert job.status == "cancelled"
