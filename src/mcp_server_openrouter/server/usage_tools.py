"""The usage tool: calls, tokens and cost from this server's ledger, and the key's account view.

The account view (`/key`, `/credits`) belongs to this tool rather than one of its own: every
tool costs context in every client.
"""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import WithJsonSchema

from mcp_server_openrouter.server._tooling import READ_ONLY, AppCtx, ToolSet, app_of, caller_of, result
from mcp_server_openrouter.usage.account import account_view
from mcp_server_openrouter.usage.dates import GROUP_BY
from mcp_server_openrouter.usage.stats import UsageQuery, UsageStats, usage_report

tools = ToolSet()

# Typed `object` so our checks word the errors (not pydantic's, with links to its docs).
Day = Annotated[object, WithJsonSchema({"type": "string", "format": "date"})]  # YYYY-MM-DD
GroupBy = Annotated[object, WithJsonSchema({"enum": list(GROUP_BY)})]
Model = Annotated[object, WithJsonSchema({"type": "string"})]


@tools.add(READ_ONLY)
async def get_usage_stats(
    ctx: AppCtx,
    start_date: Day = None,
    end_date: Day = None,
    group_by: GroupBy = "model",
    model: Model = None,
) -> Annotated[CallToolResult, UsageStats]:
    """Calls, tokens and cost via this server (local dates, default last 30 days); key balance."""
    app = app_of(ctx)
    now = app.clock()
    query = UsageQuery.build(start_date, end_date, group_by, model, clock=lambda: now)
    report = await usage_report(
        app.ledger, caller_of(ctx).key_id, query, now=now
    )  # the caller's key, per user over HTTP
    account = await account_view(app.get_client)
    return result(report.text(account), report.structured(account).model_dump(mode="json", exclude_none=True))
