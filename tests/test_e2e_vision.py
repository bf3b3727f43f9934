"""End to end over stdio with the real `openrouter-mcp` process and the simulator on loopback:
a vision call with a local PNG, a question about a PDF, a drawing returned as MCP image content,
fallbacks answered by the second model, and JSON-schema output parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import ImageContent

from mcp_server_openrouter.simulator import Simulator

from .helpers import structured_of, text_of
from .media.fixtures import pdf, png
from .test_e2e_stdio import server_command, server_env

pytestmark = pytest.mark.anyio


async def test_vision_files_drawing_fallbacks_and_json_over_stdio(
    loopback: tuple[Simulator, str], tmp_path: Path, stderr_log: TextIO
) -> None:
    simulator, base_url = loopback
    work = tmp_path / "work"
    work.mkdir()
    (work / "cat.png").write_bytes(png())
    (work / "report.pdf").write_bytes(pdf())
    command, args = server_command()
    env = {**server_env(base_url, tmp_path), "OPENROUTER_ALLOWED_DIRS": str(work)}
    params = StdioServerParameters(command=command, args=args, env=env, cwd=work)  # relative paths: from here
    simulator.add_fault("unavailable", model="openai/gpt-4o")

    async def call(client: Client, tool: str, arguments: dict[str, Any]) -> Any:
        result = await client.call_tool(tool, arguments)
        assert not result.is_error, text_of(result)
        return result

    with anyio.fail_after(30):
        async with Client(stdio_client(params, errlog=stderr_log)) as client:
            seen = await call(
                client,
                "chat_with_vision",
                {"model": "openai/gpt-4o-mini", "messages": "What is it?", "images": ["cat.png"]},
            )
            read = await call(
                client,
                "chat_with_model",
                {"model": "openai/gpt-4o-mini", "messages": "Sum up", "files": ["report.pdf"]},
            )
            drawn = await call(
                client,
                "chat_with_model",
                {"model": "google/gemini-2.5-flash-image", "messages": "Draw", "modalities": ["image", "text"]},
            )
            fell_back = await call(
                client,
                "chat_with_model",
                {"model": "openai/gpt-4o", "messages": "hi", "fallback_models": ["anthropic/claude-haiku-4.5"]},
            )
            schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
            shaped = await call(
                client,
                "chat_with_model",
                {
                    "model": "openai/gpt-4o-mini",
                    "messages": "Answer in JSON",
                    "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
                },
            )
    assert f"attachments: image/png {len(png())} B" in structured_of(seen)["text"]
    assert f"application/pdf {len(pdf())} B" in structured_of(read)["text"]
    assert any(isinstance(block, ImageContent) for block in drawn.content)
    assert structured_of(fell_back)["model"].startswith("anthropic/claude")
    assert set(structured_of(shaped)["parsed"]) == {"answer"}
