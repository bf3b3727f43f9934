"""The dashboard in a real headless Chromium (Debian's `chromium` and `chromium-driver`, driven by
selenium; nothing is downloaded), served by the real `openrouter-mcp serve --http` process whose
ledger was filled by chats through it against the simulator on loopback.

A screenshot of each page is saved in `artifacts/dashboard/` at the repository's root, to look at.
Where the browser is missing these tests are skipped with the reason; `.ci/run` installs it first.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx
import pytest

from mcp_server_openrouter._constants import USAGE_LEDGER_FILENAME
from mcp_server_openrouter.simulator import Fault, Simulator

from ..helpers import FAKE_KEY, structured_of, text_of
from ..http.conftest import TOKEN, http_server_process, mcp_over_http, user

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.anyio

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"
MODELS = ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash")
# The flags Chromium needs as root in a container with no network: no sandbox, no GPU, and none of
# its own connections to Google's hosts (which the closed network refuses, slowly).
FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
)  # fmt: skip
WAIT_SECONDS = 20
CENT = Decimal("0.01")


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for program in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(program) is None:
            return f"{program} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
    return None


needs_browser = pytest.mark.skipif(_missing() is not None, reason=f"NO BROWSER TESTS: {_missing()}")


@contextmanager
def chromium(profile: Path) -> Iterator[WebDriver]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(WAIT_SECONDS)
        yield driver
    finally:
        driver.quit()


class Page:
    """The browser's blocking calls, run in a worker thread so the event loop (and the MCP client on it) goes on."""

    def __init__(self, driver: WebDriver, origin: str) -> None:
        self.driver = driver
        self.origin = origin

    async def open(self, path: str) -> None:
        await anyio.to_thread.run_sync(self.driver.get, self.origin + path)

    async def text_of(self, selector: str) -> str:
        return await anyio.to_thread.run_sync(lambda: self._find(selector).text)

    async def attribute(self, selector: str, name: str) -> str:
        return await anyio.to_thread.run_sync(lambda: self._find(selector).get_attribute(name) or "")

    async def all_attributes(self, selector: str, name: str) -> list[str]:
        from selenium.webdriver.common.by import By

        def read() -> list[str]:
            return [e.get_attribute(name) or "" for e in self.driver.find_elements(By.CSS_SELECTOR, selector)]

        return await anyio.to_thread.run_sync(read)

    async def script(self, source: str) -> Any:
        return await anyio.to_thread.run_sync(self.driver.execute_script, source)

    async def click(self, selector: str) -> None:
        await anyio.to_thread.run_sync(lambda: self._find(selector).click())

    async def wait_for(self, selector: str, text: str = "") -> str:
        """The text of the first element matching `selector` once it exists (and holds `text`)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        def found(driver: WebDriver) -> str | bool:
            for element in driver.find_elements(By.CSS_SELECTOR, selector):
                if text in element.text:
                    return str(element.text)
            return False  # not yet: the wait polls again

        def wait() -> str:
            return str(WebDriverWait(self.driver, WAIT_SECONDS).until(found))

        return await anyio.to_thread.run_sync(wait)

    async def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await anyio.to_thread.run_sync(self.driver.save_screenshot, str(ARTIFACTS / f"{name}.png"))

    def _find(self, selector: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)


@needs_browser
async def test_the_dashboard_in_chromium_adds_up_the_ledger_and_cancels_a_running_job(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    simulator, base_url = loopback
    async with (
        http_server_process(base_url, tmp_path, env={"MCP_HTTP_TOKEN": TOKEN}) as server,
        mcp_over_http(server.url, user()) as client,
    ):
        origin = server.url.removesuffix("/mcp")
        served = set()  # the model that answered: a dated id per model asked for
        for model in MODELS:
            for stream in (False, True):
                chat = await client.call_tool("chat_with_model", {"model": model, "messages": "hi", "stream": stream})
                assert not chat.is_error, text_of(chat)
                served.add(structured_of(chat)["model"])
        bench = {"models": [MODELS[0], MODELS[1]], "prompt": "Say hi", "runs": 1, "save_report": True}
        assert not (await client.call_tool("benchmark_models", bench)).is_error
        billed = sum((Decimal(str(g["total_cost"])) for g in simulator.generations.values()), Decimal(0))
        (ledger,) = (tmp_path / "data").rglob(USAGE_LEDGER_FILENAME)
        with sqlite3.connect(ledger) as db:
            (in_ledger,) = db.execute("SELECT SUM(cost_pusd) FROM usage").fetchone()
        assert Decimal(in_ledger).scaleb(-12) == billed
        assert len(served) == len(MODELS)

        with chromium(tmp_path / "profile") as driver:
            page = Page(driver, origin)
            await page.open("/dashboard/")
            assert "URL it printed" in await page.text_of("body")  # no token: refused (401)
            await page.open(f"/dashboard/?token={TOKEN}&days=7")
            assert driver.current_url == f"{origin}/dashboard/?days=7"  # the token left the address bar
            total = Decimal(await page.attribute("#spend-total", "data-pusd")).scaleb(-12)
            assert total == Decimal(in_ledger).scaleb(-12)  # the ledger's own total, to the pico-dollar
            shown = Decimal((await page.text_of("#spend-total")).removeprefix("$").replace(",", ""))
            assert shown.quantize(CENT) == total.quantize(CENT)  # what the page says, to the cent
            assert sorted(await page.all_attributes("svg.chart g.series", "data-series")) == sorted(served)
            await page.screenshot("spend")

            await page.open("/dashboard/?days=7&by=provider")
            assert await page.all_attributes("svg.chart g.series", "data-series")
            await page.screenshot("spend-by-provider")
            await page.open("/dashboard/calls")
            await page.screenshot("calls")
            await page.open("/dashboard/account")
            await page.wait_for("dl", "Key limit")
            assert FAKE_KEY not in await page.text_of("body")
            await page.screenshot("account")
            await page.open("/dashboard/reports")
            await page.click("tbody a")
            await page.wait_for("pre.report", MODELS[0])
            assert await page.script("return document.querySelector('img.report-chart').naturalWidth") > 0
            await page.screenshot("report")
            await page.open("/dashboard/models?supports=vision&sort=price")
            assert "of" in await page.wait_for("#model-count")
            await page.screenshot("models")

            # Live: the jobs page, open before the job starts, shows it without a reload.
            await page.open("/dashboard/jobs")
            simulator.add_fault(Fault(extra_words=20000, token_delay=0.01))  # ~a minute of streaming
            arguments = {"model": MODELS[0], "messages": "a long one", "stream": True, "background": True}
            started = structured_of(await client.call_tool("chat_with_model", arguments))
            job_id = started["job_id"]
            await page.wait_for("#jobs-body tr", job_id)
            assert "running" in await page.wait_for("#jobs-body tr", job_id)
            await page.screenshot("jobs-running")
            await page.click("#jobs-body tr button")
            await page.wait_for(".notice", "cancelled")
            assert "cancelled" in await page.wait_for("#jobs-body tr", job_id)
            await page.screenshot("jobs-cancelled")

        job = structured_of(await client.call_tool("get_job_result", {"job_id": job_id}))
    assert job["status"] == "cancelled"
    assert FAKE_KEY not in server.log


async def test_the_dashboard_of_the_http_server_refuses_a_request_without_its_token(
    loopback: tuple[Simulator, str], tmp_path: Path
) -> None:
    _, base_url = loopback
    async with http_server_process(base_url, tmp_path, env={"MCP_HTTP_TOKEN": TOKEN}) as server:
        origin = server.url.removesuffix("/mcp")
        async with httpx.AsyncClient(base_url=origin) as http:
            refused = [(await http.get(path)).status_code for path in ("/dashboard/", "/dashboard/api/live")]
            forged = await http.post("/dashboard/caches/clear", data={"csrf": "guess"}, headers={"Origin": origin})
            allowed = await http.get("/dashboard/api/live", headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused == [401, 401] and forged.status_code == 401
    assert allowed.status_code == 200 and allowed.json()["jobs"] == []
