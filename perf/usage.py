"""What the usage ledger costs: recording a call, and a `get_usage_stats` over 100k rows.

Recording: the same chat through the client against the simulator (in process, so network
noise does not drown a millisecond), with the ledger's recorder as its metering hook and
without, alternately; the difference of the medians is what recording adds to a call
(target: < 1 ms). The ledger write alone is timed too.

Reports: 100k rows over 30 days (8 models, 3 tools, 2% errors) written into a fresh ledger;
then the report of the last 30 local days by model, tool and day, in UTC and in Asia/Kolkata
(UTC+05:30, where day boundaries fall inside hours, the slowest case), from the daily and
hourly totals — against a plain scan of the rows, the baseline measured in the same run
(target: < 50 ms). Last, the worst case of the totals: 100k rows each with a model of its own.

    python perf/usage.py [--calls 200] [--runs 9] [--rows 100000]
"""

from __future__ import annotations

import argparse
import functools
import random
import sqlite3
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import httpx
from mcp import Client

from _common import median_ms, report
from mcp_server_openrouter._constants import USAGE_LEDGER_FILENAME
from mcp_server_openrouter.client import OpenRouterClient, key_id
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator
from mcp_server_openrouter.storage import UsageRow
from mcp_server_openrouter.storage.ledger import COLUMNS, SQLiteLedger, row_values
from mcp_server_openrouter.usage.context import tool_scope
from mcp_server_openrouter.usage.recorder import UsageRecorder
from mcp_server_openrouter.usage.stats import UsageQuery, usage_report

KEY = "sk-or-v1-bench"
BENCH_KEY = key_id(KEY)
BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 20}
MODELS = [f"{vendor}/model-{n}" for vendor, n in zip("abcdabcd", range(8), strict=True)]


async def recording(directory: Path, calls: int) -> None:
    simulator = Simulator()
    ledger = SQLiteLedger(directory / "record.sqlite3")
    recorder = UsageRecorder(ledger, client_for=lambda key: None)
    transport = httpx.ASGITransport(app=simulator.app)
    base = "http://simulator.test/api/v1"
    plain = OpenRouterClient(api_key=KEY, base_url=base, transport=transport)
    recorded = plain.with_options(on_request=recorder)
    with_ledger: list[float] = []
    without: list[float] = []
    writes: list[float] = []
    with tool_scope("chat_with_model"):
        for client in (plain, recorded):  # warm both paths (imports, the ledger file, the pool)
            await client.chat(BODY)
        for _ in range(calls):
            for client, samples in ((plain, without), (recorded, with_ledger)):
                started = time.perf_counter()
                await client.chat(BODY)
                samples.append(time.perf_counter() - started)
            row = UsageRow(at=time.time(), key_id="bench", requested_model="m/x", cost=Decimal("0.000012"))
            started = time.perf_counter()
            await ledger.record(row)
            writes.append(time.perf_counter() - started)
    await plain.aclose()
    report(
        f"recording a call ({calls} chats each way, alternating; in-process simulator)",
        [
            ("chat without the ledger (baseline)", without),
            ("chat, recorded in the ledger", with_ledger),
            ("ledger write alone", writes),
        ],
    )
    print(f"  added by recording: {median_ms(with_ledger) - median_ms(without):+.2f} ms (median difference)")


def fill(path: Path, rows: int, *, every_model: bool = False) -> SQLiteLedger:
    """`rows` rows over the last 30 days, written in time order as a server appends them."""
    ledger = SQLiteLedger(path)
    anyio.run(ledger.record, UsageRow(at=0.0, key_id="other", requested_model="m/x"))  # creates the schema
    chance, now = random.Random(7), time.time()
    weights = [1 / (n + 1) for n in range(len(MODELS))]  # a few models carry most calls
    values = []
    for at in sorted(now - chance.random() * 30 * 86_400 for _ in range(rows)):
        if every_model:
            number = chance.randrange(385)
            model = f"vendor-{number % 40}/model-{number}"
        else:
            model = chance.choices(MODELS, weights)[0]
        failed = chance.random() < 0.02
        values.append(
            row_values(
                UsageRow(
                    at=at,
                    key_id=BENCH_KEY,
                    requested_model=model,
                    served_model=None if failed else model + "-2026",
                    provider=None if failed else model.split("/")[0].upper(),
                    tool=chance.choice(["chat_with_model", "chat_with_vision", "get_job_result"]),
                    generation_id=None if failed else "gen-0123456789-abcdefghijklmnopqrst",
                    prompt_tokens=chance.randrange(10, 4000),
                    completion_tokens=chance.randrange(1, 1500),
                    cost=None if failed else Decimal(chance.randrange(1, 10**9)).scaleb(-12),
                    latency=chance.random() * 5,
                    status="error" if failed else "ok",
                    http_status=429 if failed else 200,
                )
            )
        )
    insert = f"INSERT INTO usage ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    ledger.db.run_sync(lambda db: db.executemany(insert, values), write=True)
    return ledger


SCAN = """
    SELECT COALESCE(served_model, requested_model), COUNT(*), SUM(status = 'error'), SUM(status = 'cancelled'),
        SUM(prompt_tokens), SUM(completion_tokens), SUM(reasoning_tokens), SUM(cached_tokens), SUM(cost_pusd)
    FROM usage WHERE key_id = ? AND at >= ? AND at < ? GROUP BY 1
"""


async def mcp_tool(data_dir: Path, runs: int) -> list[float]:
    """The whole tool: the report, its rendering and validation, and `/key` and `/credits` (in process)."""
    settings = Settings(
        _env_file=None, api_key=KEY, base_url="http://simulator.test/api/v1", data_dir=data_dir, log_level="WARNING"
    )
    samples = []
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=Simulator().app))) as client:
        for _ in range(runs + 1):
            started = time.perf_counter()
            result = await client.call_tool("get_usage_stats", {})
            samples.append(time.perf_counter() - started)
            assert not result.is_error, result
    return samples[1:]  # the first builds the HTTP client


async def reports(ledger: SQLiteLedger, runs: int, title: str, *, tool: bool) -> None:
    rows: list[tuple[str, list[float]]] = []
    now = time.time()
    scan: list[float] = []
    query = UsageQuery.build(clock=lambda: now)
    for _ in range(runs):
        started = time.perf_counter()
        await ledger.db.run(lambda db: db.execute(SCAN, (BENCH_KEY, query.dates.since, query.dates.until)).fetchall())
        scan.append(time.perf_counter() - started)
    rows.append(("plain scan of the rows (baseline)", scan))
    for zone_name in ("UTC", "Asia/Kolkata"):
        zone = ZoneInfo(zone_name)
        for group_by in ("model", "tool", "day"):
            query = UsageQuery.build(group_by=group_by, clock=lambda: now, tz=zone)
            samples = []
            for _ in range(runs):
                started = time.perf_counter()
                done = await usage_report(ledger, BENCH_KEY, query, now=now)
                done.text()
                samples.append(time.perf_counter() - started)
            rows.append((f"report by {group_by}, {zone_name}", samples))
    if tool:
        rows.append(("get_usage_stats, MCP in process", await mcp_tool(ledger.path.parent, runs)))
    report(title, rows)
    baseline = median_ms(scan)
    for name, samples in rows[1:]:
        print(f"    {name:<34} {median_ms(samples) / baseline:6.3f}x the scan")


def main(calls: int, runs: int, count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        anyio.run(recording, Path(directory), calls)
        for wide, title in ((False, "realistic"), (True, "worst case: 385 models × 40 providers, evenly")):
            started = time.perf_counter()
            ledger = fill(Path(directory) / title[:5] / USAGE_LEDGER_FILENAME, count, every_model=wide)
            with sqlite3.connect(ledger.path) as db:
                hours = db.execute("SELECT COUNT(*) FROM usage_hours").fetchone()[0]
            print(f"\nwrote {count:,} rows in {time.perf_counter() - started:.1f} s ({hours:,} hourly totals)")
            title = f"usage report over {count:,} rows, last 30 days ({title})"
            anyio.run(functools.partial(reports, ledger, runs, title, tool=not wide))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rows", type=int, default=100_000)
    arguments = parser.parse_args()
    main(arguments.calls, arguments.runs, arguments.rows)
