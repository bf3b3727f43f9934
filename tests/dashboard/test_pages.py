"""The dashboard in process (httpx's ASGI transport): who may look, what each page shows, the two
POSTs. Amounts come from a real ledger file filled with rows; nothing about timing is tested here."""

from __future__ import annotations

import re
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

TOKEN = "dashboard-test-token-0123456789"
ACCESS = DashboardAccess(TOKEN)
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 4, 15, 0, tzinfo=ZONE).timestamp()
HOST = "127.0.0.1:8765"


def at(day: int, hour: int = 12) -> float:
    return datetime(2026, 12, day, hour, 0, tzinfo=ZONE).timestamp()


ROWS = [
    # (ended, model, provider, cost)
    (at(4, 9), "openai/gpt-4o", "OpenAI", "0.012345678901"),
    (at(4, 10), "anthropic/claude-sonnet-4", "Anthropic", "0.2"),
    (at(3), "openai/gpt-4o", "Azure", "0.000000000007"),
    (at(1), "google/gemini-2.5-flash", "Google", "1.5"),
    (at(4, 0) - 1, "openai/gpt-4o", "OpenAI", "0.3"),  # 23:59:59 on the 3rd, local time
]


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[AppContext]:
    settings = make_settings(tmp_path, budget_daily_usd=Decimal("1"), budget_monthly_usd=Decimal("10"))
    async with open_app(settings, transport=httpx.ASGITransport(Simulator().app), clock=lambda: NOW) as app:
        for ended, model, provider, cost in ROWS:
            await app.ledger.record(
                UsageRow(
                    at=ended,
                    key_id=key_id(FAKE_KEY),
                    requested_model=model,
                    served_model=model,
                    provider=provider,
                    cost=Decimal(cost),
                    prompt_tokens=10,
                    completion_tokens=5,
                    tool="chat_with_model",
                )
            )
        # Another key's spend is never on this key's dashboard.
        await app.ledger.record(UsageRow(at=at(4), key_id="someone-else", requested_model="x/y", cost=Decimal(7)))
        yield app


def browser(app: AppContext, *, host: str = HOST, signed_in: bool = True) -> httpx.AsyncClient:
    dashboard = Dashboard(lambda: app, ACCESS, clock=lambda: NOW, tz=ZONE)
    cookies = {ACCESS.cookie_name: ACCESS.cookie} if signed_in else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(dashboard), base_url=f"http://{host}", cookies=cookies, follow_redirects=False
    )


async def test_the_url_with_the_token_sets_the_cookie_and_drops_the_token_from_the_address(app: AppContext) -> None:
    async with browser(app, signed_in=False) as client:
        first = await client.get("/dashboard/?token=" + TOKEN + "&days=7")
        assert first.status_code == 303
        assert first.headers["location"] == "/dashboard/?days=7"
        cookie = first.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and TOKEN not in cookie
        page = await client.get(first.headers["location"])
    assert page.status_code == 200 and "Spend" in page.text


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/dashboard/", {}),
        ("/dashboard/api/live", {}),
        ("/dashboard/static/dashboard.js", {}),
        ("/dashboard/?token=wrong-token", {}),
        ("/dashboard/", {"Authorization": "Bearer wrong-token"}),
        ("/dashboard/", {"Cookie": f"{ACCESS.cookie_name}=forged"}),
    ],
)
async def test_a_request_without_the_token_is_refused_with_401(
    app: AppContext, path: str, headers: dict[str, str]
) -> None:
    async with browser(app, signed_in=False) as client:
        response = await client.get(path, headers=headers)
    assert response.status_code == 401
    assert "URL it printed" in response.text


async def test_a_script_may_send_the_token_as_a_bearer_header(app: AppContext) -> None:
    async with browser(app, signed_in=False) as client:
        response = await client.get("/dashboard/api/live", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200 and response.json()["jobs"] == []


async def test_a_hostile_host_name_is_refused_before_the_token_is_looked_at(app: AppContext) -> None:
    async with browser(app, host="attacker.example:8765") as client:
        response = await client.get("/dashboard/")
    assert response.status_code == 421


async def test_a_request_from_another_origin_is_refused(app: AppContext) -> None:
    async with browser(app) as client:
        response = await client.get("/dashboard/", headers={"Origin": "http://attacker.example"})
    assert response.status_code == 403


async def test_the_spend_page_total_is_the_ledgers_exact_total_for_this_key(app: AppContext) -> None:
    async with browser(app) as client:
        page = await client.get("/dashboard/?days=7")
    assert page.status_code == 200
    total = sum(Decimal(cost) for *_, cost in ROWS)
    found = re.search(r'id="spend-total" data-pusd="(\d+)">\$([\d,.]+)<', page.text)
    assert found is not None
    assert Decimal(found[1]).scaleb(-12) == total  # to the pico-dollar
    assert found[2] == "2.01"  # shown to the cent
    assert "x/y" not in page.text  # the other key's model


async def test_the_spend_chart_has_one_series_per_model_and_per_provider_when_asked(app: AppContext) -> None:
    async with browser(app) as client:
        by_model = (await client.get("/dashboard/?days=7")).text
        by_provider = (await client.get("/dashboard/?days=7&by=provider")).text
    assert sorted(re.findall(r'class="series" data-series="([^"]+)"', by_model)) == [
        "anthropic/claude-sonnet-4", "google/gemini-2.5-flash", "openai/gpt-4o",
    ]  # fmt: skip
    assert sorted(re.findall(r'class="series" data-series="([^"]+)"', by_provider)) == [
        "Anthropic", "Azure", "Google", "OpenAI",
    ]  # fmt: skip


async def test_today_this_week_and_this_month_are_shown_against_the_budgets(app: AppContext) -> None:
    async with browser(app) as client:
        page = (await client.get("/dashboard/")).text
    cards = dict(re.findall(r'data-span="([^"]+)"><h2>[^<]+</h2><p class="big">([^<]+)</p>', page))
    # Today (the 4th, Berlin): 0.012345678901 + 0.2; this week from Monday the 30th: all five rows.
    assert cards == {"today": "$0.21234568", "this week": "$2.01", "this month": "$2.01"}
    budgets = re.findall(r"of (\$[\d.]+) budget · (\$[\d.]+) left", page)
    assert budgets == [("$1.00", "$0.78765432"), ("$10.00", "$7.99")], budgets


async def test_the_costliest_calls_come_first(app: AppContext) -> None:
    async with browser(app) as client:
        page = (await client.get("/dashboard/calls?days=7")).text
    costs = re.findall(r"<td class=num>(\$[\d.]+)</td></tr>", page)
    assert costs == ["$1.5", "$0.3", "$0.2", "$0.012345678901", "$0.000000000007"]  # every decimal reported


def test_past_ten_series_the_nine_costliest_are_kept_and_the_rest_summed_as_others() -> None:
    from mcp_server_openrouter.dashboard.data import MAX_SERIES, OTHERS, series_of
    from mcp_server_openrouter.storage import PeriodCost

    days = ["2026-12-03", "2026-12-04"]
    entries = [PeriodCost(days[i % 2], f"m/{i:02}", calls=1, cost_pusd=1000 + i) for i in range(12)]
    shown = series_of(days, entries)
    assert len(shown) == MAX_SERIES and shown[-1].key == OTHERS
    assert [s.key for s in shown[:3]] == ["m/11", "m/10", "m/09"]  # costliest first
    assert sum(s.total for s in shown) == sum(e.cost_pusd for e in entries)  # nothing lost
    exactly_ten = series_of(days, entries[:10])
    assert len(exactly_ten) == 10 and OTHERS not in [s.key for s in exactly_ten]
