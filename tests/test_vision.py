"""Images, files and image output through the chat tools, in process: what the model receives
(the simulator reports each attachment's true type and size), what is refused before spending,
and images a model draws coming back as MCP image content."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.types import ImageContent

from mcp_server_openrouter.server import create_server
from mcp_server_openrouter.simulator import Simulator

from .helpers import make_settings, structured_of, text_of
from .media.fixtures import pdf, png

pytestmark = pytest.mark.anyio

VISION = "openai/gpt-4o-mini"
TEXT_ONLY = "deepseek/deepseek-chat"
DRAWS = "google/gemini-2.5-flash-image"


@pytest.fixture
async def client(tmp_path: Path, simulator: Simulator) -> AsyncIterator[Client]:
    settings = make_settings(tmp_path, allowed_dirs=str(tmp_path / "work"))
    (tmp_path / "work").mkdir()
    async with Client(create_server(settings, transport=httpx.ASGITransport(app=simulator.app))) as connected:
        yield connected


def chats(simulator: Simulator) -> list[dict[str, Any]]:
    return [e.detail["body"] for e in simulator.events_of("request") if e.path.endswith("/chat/completions")]


async def test_chat_with_vision_sends_a_local_png_with_its_true_type_after_the_question(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    picture = tmp_path / "work" / "photo.jpg"  # named .jpg, but it is a PNG: the bytes decide
    picture.write_bytes(png())
    result = await client.call_tool(
        "chat_with_vision",
        {"model": VISION, "messages": "What is in this picture?", "images": [{"data": str(picture), "type": "path"}]},
    )
    assert not result.is_error, text_of(result)
    (body,) = chats(simulator)
    text, image = body["messages"][-1]["content"]
    assert text == {"type": "text", "text": "What is in this picture?"}
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert f"attachments: image/png {len(png())} B" in structured_of(result)["text"]


async def test_an_image_for_a_model_without_image_input_is_refused_before_spending(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    (tmp_path / "work" / "a.png").write_bytes(png())
    result = await client.call_tool(
        "chat_with_vision", {"model": TEXT_ONLY, "messages": "hi", "images": [str(tmp_path / "work" / "a.png")]}
    )
    assert result.is_error
    assert f"{TEXT_ONLY} does not take image input" in text_of(result) and "list_vision_models" in text_of(result)
    assert chats(simulator) == []


@pytest.mark.parametrize("where", ["/etc/passwd", "../secret.png", "outside"])
async def test_a_file_outside_the_allowed_directories_is_refused_and_nothing_is_sent(
    client: Client, simulator: Simulator, tmp_path: Path, where: str
) -> None:
    (tmp_path / "secret.png").write_bytes(png())
    path = {"outside": str(tmp_path / "secret.png"), "../secret.png": str(tmp_path / "work" / ".." / "secret.png")}
    result = await client.call_tool(
        "chat_with_vision",
        {"model": VISION, "messages": "hi", "images": [{"data": path.get(where, where), "type": "path"}]},
    )
    assert result.is_error and "OPENROUTER_ALLOWED_DIRS" in text_of(result)
    assert chats(simulator) == []


async def test_a_pdf_goes_as_a_file_part_with_the_file_parser_plugin(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    (tmp_path / "work" / "report.pdf").write_bytes(pdf())
    result = await client.call_tool(
        "chat_with_model",
        {
            "model": TEXT_ONLY,  # the file-parser reads PDFs for any model
            "messages": "Summarise it",
            "files": [str(tmp_path / "work" / "report.pdf")],
            "pdf_engine": "pdf-text",
        },
    )
    assert not result.is_error, text_of(result)
    (body,) = chats(simulator)
    part = body["messages"][-1]["content"][-1]
    assert part["type"] == "file" and part["file"]["filename"] == "report.pdf"
    assert body["plugins"] == [{"id": "file-parser", "pdf": {"engine": "pdf-text"}}]
    assert f"application/pdf {len(pdf())} B" in structured_of(result)["text"]


async def test_a_model_that_draws_returns_images_as_mcp_image_content_and_saves_them_when_asked(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    result = await client.call_tool(
        "chat_with_model",
        {"model": DRAWS, "messages": "Draw a cat", "modalities": ["image", "text"], "save_images": True},
    )
    assert not result.is_error, text_of(result)
    pictures = [block for block in result.content if isinstance(block, ImageContent)]
    assert pictures and pictures[0].mime_type.startswith("image/")
    (image,) = structured_of(result)["images"]
    saved = Path(image["saved_to"])
    assert saved.parent == tmp_path / "data" / "images" and saved.is_file()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    assert "data" not in image  # the pixels travel as image content, not inside the JSON


async def test_image_output_from_a_model_that_cannot_draw_is_refused_before_spending(
    client: Client, simulator: Simulator
) -> None:
    result = await client.call_tool("chat_with_model", {"model": VISION, "messages": "Draw", "modalities": ["image"]})
    assert result.is_error and f"{VISION} cannot output image" in text_of(result) and DRAWS in text_of(result)
    assert chats(simulator) == []


async def test_an_option_the_model_lacks_is_refused_with_models_that_have_it_or_dropped_when_allowed(
    client: Client, simulator: Simulator
) -> None:
    thinking = {"model": "openai/gpt-4o-mini", "messages": "hi", "reasoning": {"effort": "high"}}
    refused = await client.call_tool("chat_with_model", thinking)
    assert refused.is_error and "does not support `reasoning`" in text_of(refused)
    assert "require_parameters=false" in text_of(refused) and chats(simulator) == []
    dropped = await client.call_tool("chat_with_model", {**thinking, "require_parameters": False})
    assert not dropped.is_error
    assert "reasoning" not in chats(simulator)[-1]
    assert any("does not support reasoning" in note for note in structured_of(dropped)["notes"])


async def test_fallback_models_answer_when_the_first_cannot_and_the_answer_names_who_replied(
    client: Client, simulator: Simulator
) -> None:
    simulator.add_fault("unavailable", model=VISION)
    answer = structured_of(
        await client.call_tool(
            "chat_with_model", {"model": VISION, "messages": "hi", "fallback_models": ["mistralai/mistral-small"]}
        )
    )
    assert answer["requested_model"] == VISION and answer["model"].startswith("mistralai/mistral-small")


async def test_a_background_drawing_brings_its_images_with_the_finished_job(client: Client) -> None:
    started = structured_of(
        await client.call_tool(
            "chat_with_model", {"model": DRAWS, "messages": "Draw", "modalities": ["image", "text"], "background": True}
        )
    )
    done = await client.call_tool("get_job_result", {"job_id": started["job_id"], "wait_seconds": 10})
    assert structured_of(done)["status"] == "done"
    assert any(isinstance(block, ImageContent) for block in done.content)
