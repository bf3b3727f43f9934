"""Review: the spend page's amounts against a sum of the rows themselves, at the edges where a
total goes wrong — a row a millisecond either side of local midnight, days of 23 and 25 hours, zones
off UTC by 30 or 45 minutes, the week starting on Monday across New Year, December into January."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.client import key_id
from mcp_server_openrouter.dashboard import data
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.storage import UsageRow

from ..helpers import FAKE_KEY, make_settings

pytestmark = pytest.mark.anyio

MODELS = ("openai/gpt-4o", "anthropic/claude-sonnet-4")
EDGES = (-0.001, 0.0, 0.001, 3600.0)  # around each local midnight (and an hour in, for 25-hour days)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppContext]:
    async with open_app(make_settings(tmp_path), transport=httpx.ASGITransport(Simulator().app)) as app:
        yield app


def midnight(day: date, zone: ZoneInfo) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


async def fill(app: AppContext, zone: ZoneInfo, first: date, last: date) -> list[tuple[float, str, int]]:
    """Rows around every local midnight from `first` to `last`; (ended, model, pico-dollars) of each."""
    rows = []
    day, number = first, 0
    while day <= last:
        for edge in EDGES:
            number += 1
            ended, model, pico = midnight(day, zone) + edge, MODELS[number % 2], 1_000_003 * number
            cost = Decimal(pico).scaleb(-12)
            await app.ledger.record(UsageRow(at=ended, key_id=key_id(FAKE_KEY), requested_model=model, cost=cost))
            rows.append((ended, model, pico))
        day += timedelta(days=1)
    return rows


def spent(rows: list[tuple[float, str, int]], zone: ZoneInfo, first: date, last: date) -> int:
    return sum(pico for ended, _, pico in rows if first <= datetime.fromtimestamp(ended, zone).date() <= last)


@pytest.mark.parametrize(
    ("zone", "today"),
    [
        ("Europe/Berlin", date(2026, 3, 30)),  # 29 March: 23 hours
        ("Europe/Berlin", date(2026, 10, 27)),  # 25 October: 25 hours
        ("Asia/Kathmandu", date(2026, 6, 10)),  # +05:45
        ("America/St_Johns", date(2026, 11, 3)),  # -03:30, then -02:30 before 1 November
    ],
)
async def test_each_days_bar_is_the_sum_of_that_local_days_rows(app: AppContext, zone: str, today: date) -> None:
    tz = ZoneInfo(zone)
    rows = await fill(app, tz, today - timedelta(days=8), today)
    now = midnight(today, tz) + 7200
    page = await data.spend_page(app, days=7, split="model", now=now, tz=tz)
    first, last = date.fromisoformat(page.days[0]), date.fromisoformat(page.days[-1])
    assert (first, last) == (today - timedelta(days=6), today)
    for index, label in enumerate(page.days):
        day = date.fromisoformat(label)
        shown = {series.key: series.per_day[index] for series in page.series if series.per_day[index]}
        expected = {
            model: total
            for model in MODELS
            if (total := sum(p for t, m, p in rows if m == model and datetime.fromtimestamp(t, tz).date() == day))
        }
        assert shown == expected, label
    assert page.totals.cost_pusd == spent(rows, tz, first, last)


@pytest.mark.parametrize("today", [date(2026, 12, 31), date(2027, 1, 1)])
async def test_the_week_starts_on_monday_across_new_year_and_the_month_on_the_first(
    app: AppContext, today: date
) -> None:
    tz = ZoneInfo("Pacific/Chatham")  # +13:45 in summer: far from UTC, on a quarter hour
    rows = await fill(app, tz, date(2026, 11, 29), today)  # from a Sunday before 1 December
    page = await data.spend_page(app, days=7, split="model", now=midnight(today, tz) + 7200, tz=tz)
    monday, first = date(2026, 12, 28), today.replace(day=1)
    expected = {
        "today": spent(rows, tz, today, today),
        "this week": spent(rows, tz, monday, today),
        "this month": spent(rows, tz, first, today),
    }
    assert {entry.name: int(entry.spent.scaleb(12)) for entry in page.standing} == expected
    assert expected["this week"] > expected["today"] > 0 and expected["this month"] != expected["this week"]
