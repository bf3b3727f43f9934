"""Account routes of the fake OpenRouter: `GET /generation`, `GET /key` (also `/auth/key`), `GET /credits`.

They read what the chat route billed: each key's usage and the record of each generation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcp_server_openrouter.simulator._faults import error_response, fault_response, named_fault

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
        found = self.sim.generations.get(request.query_params.get("id", ""))
        if found is None:
            return error_response(404, "Generation not found", user=False)
        return JSONResponse({"data": found})

    async def key(self, request: Request) -> Response:
        admitted = await self.sim.admit(request, fault_path="/key")
        if isinstance(admitted, Response):
            return admitted
        account = admitted.account
        usage = float(account.usage)
        return JSONResponse(
            {
                "data": {
                    "label": account.label,
                    "limit": float(account.credits),
                    "limit_remaining": float(account.credits - account.usage),
                    "limit_reset": None,
                    "usage": usage,
                    "usage_daily": usage,
                    "usage_weekly": usage,
                    "usage_monthly": usage,
                    "is_free_tier": False,
                    "is_management_key": account.management,
                    "rate_limit": {"requests": 40, "interval": "10s"},
                }
            }
        )

    async def credits(self, request: Request) -> Response:
        admitted = await self.sim.admit(request)
        if isinstance(admitted, Response):
            return admitted
        account = admitted.account
        if not account.management:
            return fault_response(named_fault("management_only"))
        return JSONResponse({"data": {"total_credits": float(account.credits), "total_usage": float(account.usage)}})
