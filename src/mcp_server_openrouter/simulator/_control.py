"""Control routes of the fake OpenRouter: `/_sim/faults`, `/_sim/events`, `/_sim/reset`.

They do over HTTP what `Simulator.add_fault`, `events_of` and `reset` do in process, for
tests that drive the simulator from another process (a named fault takes the path it is
made for, e.g. `credits_zeros` queues on `/credits`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mcp_server_openrouter.simulator._faults import Fault

if TYPE_CHECKING:
    from mcp_server_openrouter.simulator._app import Simulator


class ControlRoutes:
    """Script faults, read the event log, reset.

    POST `/_sim/faults` takes a `Fault`'s fields, or the `name` of a reference error with
    overrides; DELETE drops every queued fault.
    """

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    async def faults(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.sim.clear_faults()
            return JSONResponse({"faults": 0})
        spec = await request.json()
        name = spec.pop("name", None) if isinstance(spec, dict) else None
        fault = self.sim.add_fault(name, **spec) if name else self.sim.add_fault(Fault(**spec))
        return JSONResponse(fault.to_dict())

    async def events(self, request: Request) -> Response:
        events = self.sim.events_of(request.query_params.get("kind"))
        return JSONResponse({"events": [{"kind": e.kind, "path": e.path, "at": e.at, **e.detail} for e in events]})

    async def reset(self, request: Request) -> Response:
        self.sim.reset()
        return JSONResponse({"ok": True})
