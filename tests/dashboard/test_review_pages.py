"""Review findings on the dashboard's pages in process: what a query string may put in a page, a saved
report that is damaged or has no chart, and the times of the costliest calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.dashboard.web import Dashboard, DashboardAccess
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.storage import UsageRow

from ..helpers import FAKE_KEY, make_settings

pytestmark = pytest.mark.anyio

ACCESS = DashboardAccess("dashboard-review-token-0123456789")
ORIGIN = "http://127.0.0.1:8765"
ZONE = ZoneInfo("Asia/Tokyo")  # not the machine's zone (UTC in CI): a time shown in the wrong zone shows


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppContext]:
    async with open_app(make_settings(tmp_path), transport=httpx.ASGITransport(Simulator().app)) as app:
        yield app


def browser(app: AppContext, *, now: float | None = None) -> httpx.AsyncClient:
    clock = (lambda: now) if now is not None else app.clock
    dashboard = Dashboard(lambda: app, ACCESS, clock=clock, tz=ZONE)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(dashboard, raise_app_exceptions=False),
        base_url=ORIGIN,
        headers={"Authorization": f"Bearer {ACCESS.token}"},
    )


def saved_report(app: AppContext, name: str, markdown: bytes) -> None:
    folder = app.settings.resolved_reports_dir / name
    folder.mkdir(parents=True)
    (folder / "report.md").write_bytes(markdown)


async def test_a_query_parameter_is_never_written_into_the_page_as_html(app: AppContext) -> None:
    async with browser(app) as client:
        page = await client.get("/dashboard/models", params={"cleared": '<b id="injected">1</b>'})
    assert page.status_code == 200
    assert 'id="injected"' not in page.text and "Caches cleared" not in page.text


async def test_a_report_without_a_chart_answers_404_not_a_server_error(app: AppContext) -> None:
    saved_report(app, "no-chart", b"# A report whose chart was never written")
    async with browser(app) as client:
        page = await client.get("/dashboard/reports/no-chart")
        chart = await client.get("/dashboard/reports/no-chart/chart.svg")
    assert page.status_code == 200 and "report-chart" not in page.text
    assert chart.status_code == 404 and "no chart" in chart.text


async def test_a_report_that_cannot_be_read_says_so_instead_of_a_server_error(app: AppContext) -> None:
    saved_report(app, "damaged", b"\xff\xfe not UTF-8")
    async with browser(app) as client:
        page = await client.get("/dashboard/reports/damaged")
    assert page.status_code == 503
    assert "could not be read" in page.text and "damaged" in page.text


async def test_the_costliest_calls_show_their_times_in_the_dashboards_time_zone(app: AppContext) -> None:
    ended = datetime(2026, 6, 1, 23, 30, tzinfo=ZONE).timestamp()  # 14:30 UTC
    row = UsageRow(at=ended, key_id=key_id(FAKE_KEY), requested_model="openai/gpt-4o", cost=Decimal("0.5"))
    await app.ledger.record(row)
    async with browser(app, now=ended + 60) as client:
        page = await client.get("/dashboard/calls", params={"days": "7"})
    assert "2026-06-01 23:30:00" in page.text
