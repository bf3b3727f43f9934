"""What each dashboard address answers: read the app (`data`), render (`pages`, `listings`).

`web.Dashboard` has checked who is asking before any of these runs; a view only reads, apart
from the two POSTs (cancel a job, clear the caches), which `web` has also checked for the form
token.
"""

from __future__ import annotations

import logging
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from html import escape

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mcp_server_openrouter.app import AppContext
from mcp_server_openrouter.bench.reports import FILES, list_reports, read_report, report_folder
from mcp_server_openrouter.catalog import ModelQuery
from mcp_server_openrouter.dashboard import data, listings, pages
from mcp_server_openrouter.dashboard.charts import stacked_bars
from mcp_server_openrouter.errors import InvalidArgumentError, OpenRouterMCPError
from mcp_server_openrouter.usage.account import account_view

logger = logging.getLogger(__name__)

# How long cancelling waits for the job to end (its stream closes within milliseconds).
CANCEL_WAIT_SECONDS = 5.0
MODEL_FILTERS = (
    "provider", "search", "input_modality", "output_modality", "supports",
    "max_price_per_million", "min_context", "free_only", "sort", "offset",
)  # fmt: skip


@dataclass(frozen=True)
class Visit:
    """One request to a page: who answers it (the app), when, and the form token for its forms."""

    request: Request
    app: AppContext
    csrf: str
    now: float
    tz: tzinfo | None = None
    form: dict[str, str] = field(default_factory=dict)

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    async def html(
        self, title: str, active: str, body: str, *, status: int = 200, today: Decimal | None = None
    ) -> HTMLResponse:
        """The page in its frame; `today`: today's spend when the view has read it already."""
        if today is None:
            with suppress(OpenRouterMCPError):  # unreadable: the frame shows "—"
                today = await data.today_spent(self.app, now=self.now, tz=self.tz)
        return HTMLResponse(pages.frame(title, active, body, csrf=self.csrf, today=today), status_code=status)


async def spend(visit: Visit) -> Response:
    days = data.span_of(visit.query("days"))
    split = visit.query("by", "model")
    split = split if split in data.SPLITS else "model"
    page = await data.spend_page(visit.app, days=days, split=split, now=visit.now, tz=visit.tz)
    body = pages.spend(page, stacked_bars(page.days, page.series), days=days)
    return await visit.html("Spend", "spend", body, today=page.standing[0].spent)  # read with the page's spans


async def calls(visit: Visit) -> Response:
    found = await data.costliest_calls(visit.app, days=data.span_of(visit.query("days")), now=visit.now, tz=visit.tz)
    return await visit.html("Costliest calls", "calls", pages.calls(found))


async def account(visit: Visit) -> Response:
    view = await account_view(visit.app.get_client)
    lines: list[tuple[str, str]] = []
    if view.key is not None:
        key = view.key
        spent = (("today", key.usage_daily), ("this week", key.usage_weekly), ("this month", key.usage_monthly))
        lines.extend((f"Key spent {name} (UTC)", pages.usd(amount)) for name, amount in spent if amount is not None)
        if key.usage is not None:
            lines.append(("Key spent in all", pages.usd(key.usage)))
        lines.append(("Key limit", "none" if key.limit is None else pages.usd(key.limit)))
        if key.limit_remaining is not None:
            lines.append(("Limit left", pages.usd(key.limit_remaining)))
        if key.limit_reset:
            lines.append(("Limit resets", key.limit_reset))
        if key.is_free_tier is not None:
            lines.append(("Tier", "free" if key.is_free_tier else "paid"))
    if view.credits is not None and view.balance is not None:
        lines.append(("Credits bought (whole account)", pages.usd(view.credits.total_credits)))
        lines.append(("Balance (whole account)", pages.usd(view.balance)))
    return await visit.html("Account", "account", pages.account(lines, view.notes))


async def jobs(visit: Visit) -> Response:
    message = {
        "cancelled": "The job was cancelled.",
        "finished": "The job had already finished.",
        "stopping": "The job is being stopped; its status will change here.",
    }.get(visit.query("done"), "")
    return await visit.html("Jobs", "jobs", pages.jobs(data.job_lines(visit.app), visit.csrf, message=message))


async def live(visit: Visit) -> Response:
    """What the page's script refreshes: today's spend and the jobs."""
    today = await data.today_spent(visit.app, now=visit.now, tz=visit.tz)
    lines = data.job_lines(visit.app)
    return JSONResponse({"today": pages.usd(today), "jobs": [line.as_json() for line in lines]})


async def cancel_job(visit: Visit) -> Response:
    job = visit.app.jobs.get(visit.request.path_params["job_id"])  # UnknownJobError: not this key's job
    outcome = "finished"
    if not job.finished:
        job.cancel()
        await visit.app.jobs.wait(job, CANCEL_WAIT_SECONDS)
        outcome = "stopping" if not job.finished else "cancelled" if job.status == "cancelled" else "finished"
    logger.info("dashboard: job %s %s", job.job_id, outcome)
    return RedirectResponse(f"{pages.link('jobs')}?done={outcome}", status_code=303)


async def clear_caches(visit: Visit) -> Response:
    removed = await visit.app.clear_caches()
    logger.info("dashboard: cleared %d cache(s)", len(removed))
    return RedirectResponse(f"{pages.link('models')}?cleared={len(removed)}", status_code=303)


async def reports(visit: Visit) -> Response:
    listed = await anyio.to_thread.run_sync(list_reports, visit.app.settings.resolved_reports_dir)
    return await visit.html("Benchmark reports", "reports", listings.reports(listed))


async def report(visit: Visit) -> Response:
    name = visit.request.path_params["name"]
    directory = visit.app.settings.resolved_reports_dir
    try:
        markdown = await anyio.to_thread.run_sync(read_report, directory, name)
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable(name, exc) from None
    has_chart = await anyio.Path(directory / name / FILES["chart"]).is_file()
    return await visit.html(f"Benchmark {name}", "reports", listings.report(name, markdown, has_chart=has_chart))


async def report_chart(visit: Visit) -> Response:
    name = visit.request.path_params["name"]
    folder = await anyio.to_thread.run_sync(report_folder, visit.app.settings.resolved_reports_dir, name)
    try:
        chart = await anyio.Path(folder / FILES["chart"]).read_bytes()
    except FileNotFoundError:
        raise InvalidArgumentError(f"the saved report {name!r} has no chart.") from None
    except OSError as exc:
        raise _unreadable(name, exc) from None
    return Response(chart, media_type="image/svg+xml")


def _unreadable(name: str, exc: Exception) -> OpenRouterMCPError:
    # Not the file's text or path: the class says enough (a damaged file, a permission).
    return OpenRouterMCPError(f"the saved report {name!r} could not be read ({type(exc).__name__}).")


async def models(visit: Visit) -> Response:
    values = {name: visit.query(name).strip() for name in MODEL_FILTERS if visit.query(name).strip()}
    cleared = visit.query("cleared")  # how many caches the redirect after clearing says it removed
    stale, problem = "", ""
    page = None
    try:
        query = ModelQuery.build(**_model_arguments(values))
        page, snapshot = await visit.app.catalog.list_models(query)
        if snapshot.stale_reason:
            stale = f"This is a saved copy of the catalogue: {snapshot.stale_reason}"
    except InvalidArgumentError as exc:
        problem = str(exc)
    body = listings.models(values, page, problem=problem, stale=stale) + pages.clear_caches(visit.csrf)
    if cleared.isascii() and cleared.isdigit():  # a number, never the query's text as HTML
        body = f'<p class="notice" role="status">Caches cleared ({int(cleared)} removed).</p>' + body
    return await visit.html("Models", "models", body, status=400 if problem else 200)


def _model_arguments(values: dict[str, str]) -> dict[str, object]:
    """The form's text as `list_available_models`' arguments (numbers as numbers)."""
    arguments: dict[str, object] = {k: v for k, v in values.items() if k not in ("free_only",)}
    arguments["free_only"] = values.get("free_only") in ("true", "on", "1")
    for name in ("min_context", "offset"):
        if name in values:
            arguments[name] = _number(values[name], name, integer=True)
    if "max_price_per_million" in values:
        arguments["max_price_per_million"] = _number(values["max_price_per_million"], "max_price_per_million")
    if "supports" in values:
        arguments["supports"] = [values["supports"]]
    return arguments


def _number(text: str, name: str, *, integer: bool = False) -> object:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise InvalidArgumentError(f"`{name}` must be {kind}; got {text!r}.") from None


async def failure(visit: Visit, exc: OpenRouterMCPError) -> Response:
    """A page saying what went wrong (a bad name, an unknown job, a ledger that cannot be read)."""
    status = 404 if isinstance(exc, InvalidArgumentError) else 503
    if visit.request.url.path.endswith("/api/live"):
        return JSONResponse({"error": str(exc)}, status_code=status)
    body = f'<p class="error" role="alert">{escape(str(exc))}</p>'
    return await visit.html("Something went wrong", "", body, status=status)
