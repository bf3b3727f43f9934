"""A fake of OpenRouter's API as rough as the real one, shipped with the package.

In process (tests that parse; `httpx.ASGITransport` buffers the whole body, so nothing
there streams in time)::

    sim = Simulator()
    transport = httpx.ASGITransport(app=sim.app)

On a loopback port (timing, keep-alives, cancellation, a connection reset mid-body; also
the demo and the benchmarks)::

    with serve_in_thread(sim) as base_url: ...

or from the shell: `openrouter-mcp simulate --port 8765`.

What it does like the real service: several tokens a chunk, reasoning before content,
tool calls streamed name first and arguments in pieces, web citations, images, Anthropic's
dated reply `model`, prompt caching, BYOK and server-tool costs, keys with dated usage and
optional caps, `/generation` that 404s for a while, partial billing of broken streams, and
every error of the reference by name (`NAMED_FAULTS`) or scripted (`Fault`).
`Simulator.events_of` / `wait_for_event` read its log of what happened.
"""

from __future__ import annotations

from mcp_server_openrouter.simulator._app import Event, Simulator
from mcp_server_openrouter.simulator._catalog import build_catalog
from mcp_server_openrouter.simulator._faults import Fault
from mcp_server_openrouter.simulator._ledger import KeyAccount
from mcp_server_openrouter.simulator._named_faults import NAMED_FAULTS, named_fault
from mcp_server_openrouter.simulator._reply import describe
from mcp_server_openrouter.simulator._serve import serve_forever, serve_in_thread

__all__ = [
    "NAMED_FAULTS",
    "Event",
    "Fault",
    "KeyAccount",
    "Simulator",
    "build_catalog",
    "describe",
    "named_fault",
    "serve_forever",
    "serve_in_thread",
]
