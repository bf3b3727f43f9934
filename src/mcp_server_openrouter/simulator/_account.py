"""Account routes of the fake OpenRouter: `GET /generation`, `GET /key` (also `/auth/key`), `GET /credits`.

They read what the chat route billed, as the real ones do: `/key` (wrapped in `data`)
reports the calling key's cap (`limit: null` when uncapped, `limit_reset`), what the cap
leaves, and its usage over its lifetime and the current UTC day, week and month;
`/generation` finds a generation of the calling key only once its stats are ready (404
"Generation not found" for `generation_delay` seconds after it ended), then the full
record; `/credits` is for management keys (403 for the others, or — scripted with the
`credits_zeros` fault — the misleading 200 with zeros some keys got in 2026).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcp_server_openrouter.simulator._faults import error_response, fault_response
from mcp_server_openrouter.simulator._named_faults import named_fault

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator


class AccountRoutes:
    """A generation's stats, the calling key's limits and usage, and (for management keys) the credits."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def generation(self, request: Request) -> Response:
        admitted = await self.sim.admit(request, fault_path="/generation")
        if isinstance(admitted, Response):
            return admitted
        found = self.sim.generation_for(request.query_params.get("id", ""), admitted.account)
        if found is None:
            return error_response(404, "Generation not found", user=False)
        return JSONResponse({"data": found})

    async def key(self, request: Request) -> Response:
        admitted = await self.sim.admit(request, fault_path="/key")
        if isinstance(admitted, Response):
            return admitted
        account, now = admitted.account, self.sim.clock()
        remaining = account.limit_remaining(now)
        return JSONResponse(
            {
                "data": {
                    "label": account.label,
                    "limit": None if account.limit is None else float(account.limit),
                    "limit_remaining": None if remaining is None else float(remaining),
                    "limit_reset": account.limit_reset,
                    "include_byok_in_limit": False,
                    "usage": float(account.usage),
                    "usage_daily": float(account.window_usage("daily", now)),
                    "usage_weekly": float(account.window_usage("weekly", now)),
                    "usage_monthly": float(account.window_usage("monthly", now)),
                    "byok_usage": 0,
                    "byok_usage_daily": 0,
                    "byok_usage_weekly": 0,
                    "byok_usage_monthly": 0,
                    "is_free_tier": account.is_free_tier,
                    "is_management_key": account.management,
                    "rate_limit": {"requests": 40, "interval": "10s"},
                    "expires_at": None,
                }
            }
        )

    async def credits(self, request: Request) -> Response:
        admitted = await self.sim.admit(request, fault_path="/credits")
        if isinstance(admitted, Response):
            return admitted
        account = admitted.account
        if not account.management:
            return fault_response(named_fault("management_only"), self.sim.clock())
        return JSONResponse({"data": {"total_credits": float(account.credits), "total_usage": float(account.usage)}})
