"""No failure reaches the client as a bare "Error executing tool", and no paid reply is lost."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from mcp_server_openrouter.catalog.service import CatalogService
from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from .helpers import make_settings, structured_of, text_of

pytestmark = pytest.mark.anyio

QUESTION = {"model": "openai/gpt-4o-mini", "messages": "What is 2+2?", "temperature": 0, "cache": True}


async def test_a_reply_is_returned_when_the_response_cache_cannot_be_created(
    tmp_path: Path, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    in_the_way = tmp_path / "not-a-directory"
    in_the_way.write_text("a file where the cache directory should be")
    settings = make_settings(tmp_path, cache_dir=in_the_way)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        first = await client.call_tool("chat_with_model", QUESTION)
        second = await client.call_tool("chat_with_model", QUESTION)
    assert not first.is_error and not second.is_error
    assert structured_of(first)["text"] and structured_of(second)["cached"] is False
    assert len(simulator.events_of("request")) == 2  # asked twice, billed twice, nothing lost
    assert any("response cache" in message for message in caplog.messages)


async def test_a_tampered_cache_entry_is_a_miss_not_a_failure(tmp_path: Path, simulator: Simulator) -> None:
    settings = make_settings(tmp_path)
    transport = httpx.ASGITransport(app=simulator.app)
    async with Client(create_server(settings, transport=transport)) as client:
        await client.call_tool("chat_with_model", QUESTION)
        with closing(sqlite3.connect(settings.response_cache_file)) as db, db:
            db.execute("UPDATE responses SET created = 'yesterday', result = '{\"text\": 5}'")
        again = await client.call_tool("chat_with_model", QUESTION)
    assert not again.is_error and structured_of(again)["cached"] is False
    assert len(simulator.events_of("request")) == 2


async def test_an_unexpected_failure_says_what_broke_instead_of_a_bare_error(
    tmp_path: Path, simulator: Simulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: CatalogService, *args: Any, **kwargs: Any) -> Any:
        raise KeyError("pricing")

    monkeypatch.setattr(CatalogService, "list_models", broken)
    settings = make_settings(tmp_path)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool("list_available_models", {"provider": "openai"})
    text = text_of(result)
    assert result.is_error
    assert "list_available_models failed unexpectedly (KeyError: 'pricing')" in text and "bug" in text
    assert "Traceback" not in text
    assert any("failed unexpectedly" in message for message in caplog.messages)  # the traceback is logged


async def test_a_local_file_failure_names_the_file_and_what_to_check(
    tmp_path: Path, simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def denied(self: CatalogService, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", "/srv/cache/openrouter_model_cache.json")

    monkeypatch.setattr(CatalogService, "model_details", denied)
    settings = make_settings(tmp_path)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool("get_model_info", {"model": "openai/gpt-4o-mini"})
    text = text_of(result)
    assert result.is_error
    assert "/srv/cache/openrouter_model_cache.json: Permission denied" in text and "config-path" in text


async def test_a_reply_that_quotes_the_key_reaches_the_client_redacted(tmp_path: Path, simulator: Simulator) -> None:
    import json

    from .helpers import FAKE_KEY

    settings = make_settings(tmp_path)
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as client:
        result = await client.call_tool(
            "chat_with_model", {"model": "openai/gpt-4o-mini", "messages": f"Is {FAKE_KEY} my key?"}
        )
    assert not result.is_error
    structured = json.dumps(structured_of(result))
    assert "You said" in text_of(result)  # the simulator quotes the prompt back...
    assert FAKE_KEY not in text_of(result) and FAKE_KEY not in structured  # ...but never the key
    assert "sk-or-…[redacted]" in text_of(result)


def test_a_cancelled_jobs_text_so_far_is_kept_in_the_error_the_caller_reads() -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    from mcp_server_openrouter.errors import JobCancelledError
    from mcp_server_openrouter.server._tooling import tool_errors

    with pytest.raises(ToolError) as caught, tool_errors("chat_with_model"):
        raise JobCancelledError("job job_x was cancelled (cancel_job).", partial_text="Rivers begin as")
    assert str(caught.value).endswith("Partial reply received before the error:\nRivers begin as")
