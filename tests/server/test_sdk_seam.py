"""The one place we rely on `mcp` SDK internals, and the session-start warm-up.

If an SDK release changes what `server/_sdk.py` reaches into, these fail loudly instead of
the tool list silently outgrowing its byte budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from pydantic import BaseModel, Field

from mcp_server_openrouter.app import AppContext, open_app
from mcp_server_openrouter.config import Settings
from mcp_server_openrouter.server import create_server, warm_up_when_initialized
from mcp_server_openrouter.server._sdk import SDKChangedError, declare_tool

pytestmark = pytest.mark.anyio


class Answer(BaseModel):
    text: str = Field(description="What a program reads from the README, not from every tools/list.")
    note: str | None = None


async def answer(question: str, hint: str | None = None) -> Answer:
    """Answer a question."""
    return Answer(text=question)


def test_declared_tools_have_compact_input_and_output_schemas() -> None:
    from mcp.types import ToolAnnotations

    tool = declare_tool(answer, ToolAnnotations(read_only_hint=True))
    hint = tool.parameters["properties"]["hint"]
    assert "title" not in hint and "anyOf" not in hint and hint["type"] == "string"
    # The SDK reads the output schema from this internal field when it lists tools.
    output = tool.fn_metadata.output_schema
    assert output is not None and "title" not in output and output["properties"]["note"] == {"type": "string"}
    assert output["properties"]["text"] == {"type": "string"}  # output schemas go without descriptions


async def test_the_listed_output_schema_is_the_compact_one(settings: Settings, transport: httpx.ASGITransport) -> None:
    async with Client(create_server(settings, transport=transport)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    schema = tools["chat_with_model"].output_schema
    assert schema is not None and "title" not in schema and "$defs" not in schema


def test_a_changed_sdk_is_reported_instead_of_silently_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    from mcp.server.mcpserver.tools import Tool
    from mcp.types import ToolAnnotations

    original = Tool.from_function

    def without_metadata(*args: Any, **kwargs: Any) -> Any:
        tool = original(*args, **kwargs)
        object.__setattr__(tool, "fn_metadata", None)
        return tool

    monkeypatch.setattr(Tool, "from_function", without_metadata)
    with pytest.raises(SDKChangedError, match="fn_metadata"):
        declare_tool(answer, ToolAnnotations())


async def test_warm_up_builds_the_client_in_the_background_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mcp_server_openrouter.app as app_module

    builds: list[Settings] = []
    real_build = app_module.build_client

    def counting(settings: Settings, transport: httpx.AsyncBaseTransport | None = None, **options: Any) -> Any:
        builds.append(settings)
        return real_build(settings, transport, **options)

    monkeypatch.setattr(app_module, "build_client", counting)
    async with open_app(settings) as app:
        assert app._client is None  # nothing built at start
        app.warm_up()
        app.warm_up()  # a second call is a no-op
        await app.warmed.wait()
        assert app._client is not None  # built by the warm-up, not by the line below
        assert app.client is app._client
    assert len(builds) == 1


class _FakeRequest:
    def __init__(self, method: str, app: AppContext) -> None:
        self.method = method
        self.lifespan_context = app


@pytest.mark.parametrize(
    ("method", "warms"),
    [("notifications/initialized", True), ("server/discover", True), ("initialize", False), ("tools/list", False)],
)
async def test_the_client_is_warmed_once_a_session_has_started(settings: Settings, method: str, warms: bool) -> None:
    async with open_app(settings) as app:

        async def call_next(ctx: Any) -> None:
            return None

        await warm_up_when_initialized(_FakeRequest(method, app), call_next)  # type: ignore[arg-type]
        assert app._warming is warms  # the warm-up was started, or not
        if warms:
            await app.warmed.wait()
        assert (app._client is not None) is warms


async def test_a_failed_warm_up_is_logged_and_the_next_use_of_the_client_raises_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import mcp_server_openrouter.app as app_module

    def broken(settings: Settings, transport: object = None, **options: object) -> None:
        raise ValueError("no client today")

    monkeypatch.setattr(app_module, "build_client", broken)
    async with open_app(settings) as app:
        app.warm_up()
        await app.warmed.wait()
        assert app._client is None
        with pytest.raises(ValueError, match="no client today"):
            app.get_client()
    assert any("could not prepare the HTTP client" in message for message in caplog.messages)


async def test_the_warm_up_waits_until_no_call_is_in_flight(settings: Settings) -> None:
    import anyio

    async with open_app(settings) as app:
        app.warm_up_idle_seconds = 0.01
        with app.activity():  # a call is being handled
            app.warm_up()
            await anyio.wait_all_tasks_blocked()
            assert not app.warmed.is_set() and app._client is None
        await app.warmed.wait()
        assert app._client is not None


@pytest.mark.parametrize(("setting", "deadline"), [(None, 1800.0), (5.0, 5.0), (0.0, None)])
def test_the_client_gets_the_stream_deadline_from_the_settings(
    tmp_path: Path, setting: float | None, deadline: float | None
) -> None:
    from mcp_server_openrouter.app import build_client

    from ..helpers import make_settings

    overrides = {} if setting is None else {"max_stream_seconds": setting}
    client = build_client(make_settings(tmp_path, **overrides))
    assert client.max_stream_seconds == deadline
