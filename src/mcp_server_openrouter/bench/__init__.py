"""Comparing models for real: benchmarks (time to first token, latency, throughput, cost, rankings,
saved reports with a chart) and panels (one request to several models, and a judge that ranks
them). Plain async functions over the app's client and catalogue; nothing here knows about MCP.

`plan` checks the arguments, `spending` reckons the worst case and asks the app's spending guard
(budgets, confirmation) before anything is sent, `runner` runs and times the requests,
`figures` and `report` turn outcomes into figures and documents, `chart` draws them, `reports`
saves and finds them, `panel` asks and judges, `service` ties it together for tools and commands.
"""

from mcp_server_openrouter.bench.panel import PanelPlan, PanelResult, plan_panel
from mcp_server_openrouter.bench.plan import BenchPlan, plan_benchmark
from mcp_server_openrouter.bench.report import BenchmarkReport, render_markdown
from mcp_server_openrouter.bench.reports import REPORTS_URI, list_reports, read_report
from mcp_server_openrouter.bench.service import Admitted, BenchService

__all__ = [
    "REPORTS_URI",
    "Admitted",
    "BenchPlan",
    "BenchService",
    "BenchmarkReport",
    "PanelPlan",
    "PanelResult",
    "list_reports",
    "plan_benchmark",
    "plan_panel",
    "read_report",
    "render_markdown",
]
