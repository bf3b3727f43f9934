"""The app context's lifetime: what it owns ends with it (see `app.open_app`)."""

from __future__ import annotations

import anyio
import anyio.lowlevel
import httpx
import pytest

from mcp_server_openrouter.app import open_app
from mcp_server_openrouter.config import Settings

pytestmark = pytest.mark.anyio


async def test_a_cancelled_run_ends_the_apps_background_tasks_and_closes_its_client(
    settings: Settings, transport: httpx.ASGITransport
) -> None:
    ended = anyio.Event()

    async def background_work() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            ended.set()

    with anyio.CancelScope() as run:  # what SIGTERM cancels in `serve`
        async with open_app(settings, transport=transport) as app:
            client = app.get_client()
            assert app.tasks is not None
            app.tasks.start_soon(background_work)
            await anyio.lowlevel.checkpoint()
            run.cancel()
            await anyio.sleep_forever()
    assert ended.is_set()  # no task outlives the context...
    assert client._http.is_closed  # ...and its connections are closed
