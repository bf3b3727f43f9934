"""First paint of the dashboard's spend page over a ledger of 100k rows, against an empty ledger.

The ledgers are perf/usage.py's: 100k rows over the last 30 days (8 models, 4 providers, 2% errors),
and its worst case for the totals tables (every row one of 385 models of 40 providers), each written
straight into a fresh ledger in one transaction (the totals tables are kept by triggers). A real
`openrouter-mcp dashboard --no-browser --port 0` process serves each, and one more an empty ledger:
the baseline, measured in the same run, alternately. Each has its own temporary data, cache and
config dirs and a fake key (the spend page never calls OpenRouter).

* Server: `GET /dashboard/` (30 days by model, the page a browser opens), the same over 90 days by
  provider, and `/dashboard/api/live` (what the page's script polls), with the Bearer token over
  httpx on a kept-alive connection.
* Browser: headless Chromium (Debian's /usr/bin/chromium and /usr/bin/chromedriver, via selenium;
  nothing is downloaded), one browser per dashboard (cookies ignore ports): the token URL opened
  once (it sets the cookie), then `/dashboard/` loaded again and again; the page's own Paint Timing
  (first-paint, first-contentful-paint) and Navigation Timing (responseStart) are read.
* The first visit (realistic and empty ledgers): each dashboard started afresh and, once it answers
  (a 401 to a request without the token), its token URL opened: the 303, then the first spend page
  this process renders (its lazy imports, its first read of the ledger). How long the process took
  to answer is printed too.

Target: first contentful paint of the spend page under 300 ms with 100k rows. Without chromium,
chromedriver or selenium (`pip install selenium`), it says so and prints the server's figures.

    python perf/dashboard.py [--rows 100000] [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from _common import median_ms, report, server_command
from mcp_server_openrouter._constants import USAGE_LEDGER_FILENAME
from usage import KEY, fill

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip
TARGET_MS = 300.0
# The ledgers: perf/usage.py's realistic one, the baseline, and its worst case for the totals.
REALISTIC, EMPTY, WORST = "8 models", "empty", "385 models"
START_TIMEOUT = 60.0
# The page's own timings, once its first contentful paint is recorded (null until then).
TIMINGS = """
const paint = Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
const nav = performance.getEntriesByType("navigation")[0];
if (!nav || paint["first-contentful-paint"] === undefined) return null;
return {fp: paint["first-paint"] ?? null, fcp: paint["first-contentful-paint"], response: nav.responseStart,
        redirects: nav.redirectCount, title: document.title, html: document.documentElement.outerHTML};
"""


@dataclass(frozen=True)
class Dashboard:
    name: str
    origin: str  # http://127.0.0.1:PORT
    token: str
    started_seconds: float  # from spawning the process to its first answer (a 401, to no token)

    @property
    def page(self) -> str:
        return f"{self.origin}/dashboard/"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/dashboard/?token={self.token}"


def environment(home: Path) -> dict[str, str]:
    """This machine's environment without our settings, then the temp dirs and a fake key."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("OPENROUTER", "CACHE_", "MCP_"))}
    for name in ("config", "cache", "data"):
        (home / name).mkdir(mode=0o700, parents=True, exist_ok=True)
    env.update(
        XDG_CONFIG_HOME=str(home / "config"),  # no user .env
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        OPENROUTER_MCP_DATA_DIR=str(home / "data"),
        OPENROUTER_MCP_CACHE_DIR=str(home / "cache"),
        OPENROUTER_API_KEY=KEY,
        OPENROUTER_BASE_URL="http://127.0.0.1:9/api/v1",  # discard: refused at once, never asked by these pages
        OPENROUTER_MCP_LOG_LEVEL="WARNING",
    )
    return env


@contextmanager
def running_dashboard(name: str, home: Path) -> Iterator[Dashboard]:
    """`openrouter-mcp dashboard` over `home`'s dirs (run there: no ./.env), until SIGTERM."""
    errors = (home / "stderr.log").open("w+b")
    started = time.perf_counter()
    process = subprocess.Popen(
        [*server_command(), "dashboard", "--no-browser", "--port", "0"],
        cwd=home,
        env=environment(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    assert process.stdout is not None
    watchdog = threading.Timer(START_TIMEOUT, process.kill)  # a hung start ends the read below
    watchdog.start()
    try:
        line = ""
        while not line.startswith("Dashboard: "):
            line = process.stdout.readline()
            if not line:
                errors.seek(0)
                raise RuntimeError(f"the {name} dashboard did not start:\n{errors.read().decode(errors='replace')}")
        watchdog.cancel()
        url = urlsplit(line.removeprefix("Dashboard: ").strip())
        origin = f"{url.scheme}://{url.netloc}"
        # Its socket listens before it prints the URL: this waits in the backlog until it serves.
        if httpx.get(f"{origin}/dashboard/", timeout=START_TIMEOUT).status_code != 401:
            raise RuntimeError(f"the {name} dashboard answered a request without its token")
        elapsed = time.perf_counter() - started
        yield Dashboard(name, origin, parse_qs(url.query)["token"][0], elapsed)
    finally:
        watchdog.cancel()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        errors.close()


def check_page(dashboard: Dashboard, html: str) -> None:
    """The page measured is the spend page with what its ledger holds, not an error or a sign-in."""
    expected = "No calls in these days" if dashboard.name == EMPTY else '<svg class="chart"'
    if "<h1>Spend</h1>" not in html or expected not in html:
        raise RuntimeError(f"the {dashboard.name} dashboard did not show its spend page:\n{html[:500]}")


Samples = dict[tuple[str, str], list[float]]  # (what, which ledger): seconds


def report_against_empty(title: str, samples: Samples) -> None:
    """`report`, then each ledger's median as a multiple of the empty ledger's (the baseline)."""
    report(title, [(f"{name}: {what}", times) for (what, name), times in samples.items()])
    for (what, name), times in samples.items():
        if name != EMPTY and (what, EMPTY) in samples:
            ratio = median_ms(times) / median_ms(samples[(what, EMPTY)])
            print(f"    {name}: {what:<{30 - len(name)}} {ratio:6.2f}x the empty ledger")


def server_times(dashboards: list[Dashboard], runs: int) -> None:
    addresses = [("spend 30 d by model", ""), ("spend 90 d by provider", "?days=90&by=provider")]
    addresses.append(("/api/live", "api/live"))
    samples: Samples = {}
    with ExitStack() as stack:
        clients = [
            stack.enter_context(httpx.Client(headers={"Authorization": f"Bearer {d.token}"}, timeout=60))
            for d in dashboards
        ]
        for dashboard, client in zip(dashboards, clients, strict=True):  # warm: imports, the database's pages
            for _, path in addresses:
                client.get(dashboard.page + path).raise_for_status()
        for _ in range(runs):
            for what, path in addresses:
                for dashboard, client in zip(dashboards, clients, strict=True):
                    started = time.perf_counter()
                    response = client.get(dashboard.page + path)
                    samples.setdefault((what, dashboard.name), []).append(time.perf_counter() - started)
                    response.raise_for_status()
                    if not path:
                        check_page(dashboard, response.text)
    report_against_empty(
        f"server: GET /dashboard/… with the Bearer token, loopback ({runs} runs each, alternating)", samples
    )


def browser_missing() -> str | None:
    """Why the browser figures cannot be taken here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            return f"{path} is not installed (Debian: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


def new_browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGS:
        options.add_argument(argument)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def timings(browser: Any, url: str) -> dict[str, Any]:
    """Load `url` and return the page's paint and navigation timings (ms from navigation start)."""
    browser.get(url)
    deadline = time.monotonic() + 5
    while (found := browser.execute_script(TIMINGS)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: no first-contentful-paint within 5 s of the load")
        time.sleep(0.01)
    result: dict[str, Any] = found
    return result


def browser_times(dashboards: list[Dashboard], browsers: dict[str, Any], runs: int) -> Samples:
    """Repeated loads of the spend page in each dashboard's browser, alternately."""
    for dashboard in dashboards:
        timings(browsers[dashboard.name], dashboard.token_url)  # sets the cookie
        timings(browsers[dashboard.name], dashboard.page)  # warm: a fresh browser's first load is slower
    samples: Samples = {}
    for _ in range(runs):
        for dashboard in dashboards:
            found = timings(browsers[dashboard.name], dashboard.page)
            check_page(dashboard, found["html"])
            for key, what in (("response", "responseStart"), ("fp", "first-paint"), ("fcp", "first-contentful-paint")):
                if found[key] is not None:
                    samples.setdefault((what, dashboard.name), []).append(found[key] / 1000)
    report_against_empty(
        f"browser: /dashboard/ reloaded in headless Chromium ({runs} loads each, alternating)", samples
    )
    return samples


def first_visits(homes: dict[str, Path], browsers: dict[str, Any] | None, runs: int) -> Samples:
    """Each dashboard started `runs` times; its token URL opened once it answers."""
    samples: Samples = {}
    for _ in range(runs):
        for name, home in homes.items():
            with running_dashboard(name, home) as dashboard:
                samples.setdefault(("spawn until it answers", name), []).append(dashboard.started_seconds)
                if browsers is None:
                    with httpx.Client(headers={"Authorization": f"Bearer {dashboard.token}"}, timeout=60) as client:
                        started = time.perf_counter()
                        response = client.get(dashboard.page)
                        samples.setdefault(("first GET /dashboard/", name), []).append(time.perf_counter() - started)
                    check_page(dashboard, response.text)
                    continue
                found = timings(browsers[name], dashboard.token_url)
                check_page(dashboard, found["html"])
                if found["redirects"] != 1:
                    raise RuntimeError(f"the token URL was not redirected once: {found['redirects']}")
                samples.setdefault(("first-contentful-paint", name), []).append(found["fcp"] / 1000)
    how = "token URL, 303, page, in the browser" if browsers else "the first request, over httpx"
    report_against_empty(f"first visit of a fresh process ({how}; {runs} starts each, alternating)", samples)
    return samples


def main(rows: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        homes = {name: Path(directory) / name.replace(" ", "-") for name in (REALISTIC, EMPTY, WORST)}
        for home in homes.values():
            environment(home)  # makes the dirs
        for name, wide in ((REALISTIC, False), (WORST, True)):
            started = time.perf_counter()
            fill(homes[name] / "data" / USAGE_LEDGER_FILENAME, rows, every_model=wide).db.close()
            print(f"{name}: wrote {rows:,} rows over the last 30 days in {time.perf_counter() - started:.1f} s")
        missing = browser_missing()
        if missing:
            print(f"\n!!! NO BROWSER FIGURES: {missing}; only the server's figures follow. !!!")
        with ExitStack() as stack:
            browsers = None if missing else {name: new_browser() for name in homes}
            for browser in (browsers or {}).values():
                stack.callback(browser.quit)
            # The worst case's first visit is its reload and a little more: not worth 9 more starts.
            first = first_visits({name: homes[name] for name in (REALISTIC, EMPTY)}, browsers, runs)
            dashboards = [stack.enter_context(running_dashboard(name, home)) for name, home in homes.items()]
            server_times(dashboards, runs)
            reloads = None if browsers is None else browser_times(dashboards, browsers, runs)
        if reloads is None:
            print(f"\n!!! NO BROWSER FIGURES ({missing}): the {TARGET_MS:.0f} ms target was NOT checked. !!!")
            return
        print(f"\ntarget: first contentful paint of the spend page over {rows:,} rows under {TARGET_MS:.0f} ms")
        for label, samples in (
            (f"{REALISTIC}, reload", reloads[("first-contentful-paint", REALISTIC)]),
            (f"{REALISTIC}, first visit", first[("first-contentful-paint", REALISTIC)]),
            (f"{WORST}, reload", reloads[("first-contentful-paint", WORST)]),
        ):
            verdict = "met" if median_ms(samples) < TARGET_MS else "NOT met"
            print(f"  {label:<34} median {median_ms(samples):7.1f} ms, max {max(samples) * 1000:7.1f}: {verdict}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    arguments = parser.parse_args()
    main(arguments.rows, arguments.runs)
