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


def test_the_default_roots_never_open_the_whole_disk_when_the_server_starts_in_a_filesystem_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcp_server_openrouter.config import Settings

    home = Path.home().resolve()
    monkeypatch.chdir("/")  # where MCP clients often start servers
    assert Settings(_env_file=None).allowed_roots() == (home,)
    if home.parent != Path("/"):
        monkeypatch.chdir(home.parent)  # above home: as wide as the disk for this user
        assert Settings(_env_file=None).allowed_roots() == (home,)
    monkeypatch.chdir(tmp_path)
    assert Settings(_env_file=None).allowed_roots() == (tmp_path.resolve(), home)


def test_application_settings_under_home_are_refused_unless_allowed_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcp_server_openrouter.errors import InvalidArgumentError
    from mcp_server_openrouter.media import load_files

    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    config.parent.mkdir(parents=True)
    config.write_text('{"mcpServers": {}}')
    with pytest.raises(InvalidArgumentError, match=r"inside ~/Library, where applications keep their settings"):
        load_files([str(config)], roots=[tmp_path], max_bytes=1 << 20)
    (allowed,) = load_files([str(config)], roots=[config.parent], max_bytes=1 << 20)
    assert allowed.kind == "text"


async def test_a_text_file_holding_an_api_key_is_not_sent(client: Client, simulator: Simulator, tmp_path: Path) -> None:
    (tmp_path / "work" / "notes.txt").write_text("deploy with OPENROUTER_API_KEY=sk-or-v1-" + "ab12" * 16)
    result = await client.call_tool(
        "chat_with_model", {"model": VISION, "messages": "hi", "files": [str(tmp_path / "work" / "notes.txt")]}
    )
    assert result.is_error and "looks like an OpenRouter API key" in text_of(result)
    assert "ab12ab12" not in text_of(result) and chats(simulator) == []


async def test_a_fallback_that_cannot_see_is_left_out_of_a_vision_request_with_a_note(
    client: Client, simulator: Simulator, tmp_path: Path
) -> None:
    (tmp_path / "work" / "a.png").write_bytes(png())
    answer = structured_of(
        await client.call_tool(
            "chat_with_vision",
            {
                "model": VISION,
                "messages": "hi",
                "images": [str(tmp_path / "work" / "a.png")],
                "max_tokens": 20,
            },
        )
    )
    assert answer["status"] == "done"
    with_fallbacks = await client.call_tool(
        "chat_with_model",
        {
            "model": VISION,
            "messages": "hi",
            "images": [str(tmp_path / "work" / "a.png")],
            "fallback_models": [TEXT_ONLY, "openai/gpt-4o"],
        },
    )
    assert chats(simulator)[-1]["models"] == [VISION, "openai/gpt-4o"]
    assert any(TEXT_ONLY in note for note in structured_of(with_fallbacks)["notes"])


async def test_a_drawn_reply_is_not_answered_from_the_response_cache_without_its_images(
    client: Client, simulator: Simulator
) -> None:
    ask = {"model": DRAWS, "messages": "Draw", "modalities": ["image", "text"], "temperature": 0, "cache": True}
    first = await client.call_tool("chat_with_model", ask)
    second = await client.call_tool("chat_with_model", ask)
    assert all(any(isinstance(b, ImageContent) for b in r.content) for r in (first, second))
    assert structured_of(second)["cached"] is False and len(chats(simulator)) == 2


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"pdf_engine": 5}, "`pdf_engine` must be one of: pdf-text, mistral-ocr, native"),
        ({"pdf_engine": "ocr"}, "`pdf_engine` must be one of: pdf-text, mistral-ocr, native"),
        ({"modalities": "image"}, "`modalities` must be a non-empty list of strings"),
        ({"modalities": ["video"]}, "`modalities[]` must be one of: text, image"),
        ({"system": 3}, "`system` must be a non-empty string"),
        ({"frequency_penalty": 5}, "`frequency_penalty` must be between -2 and 2"),
        ({"save_images": "yes"}, "`save_images` must be true or false"),
        ({"require_parameters": "no"}, "`require_parameters` must be true or false"),
        ({"fallback_models": "a/b"}, "`fallback_models` must be a non-empty list of strings"),
    ],
)
async def test_odd_arguments_get_our_messages_not_pydantics(
    client: Client, simulator: Simulator, arguments: dict[str, Any], words: str
) -> None:
    result = await client.call_tool("chat_with_model", {"model": VISION, "messages": "hi", **arguments})
    assert result.is_error and words in text_of(result) and "pydantic" not in text_of(result)
    assert chats(simulator) == []


async def test_chat_with_vision_without_an_image_is_refused(client: Client, simulator: Simulator) -> None:
    result = await client.call_tool("chat_with_vision", {"model": VISION, "messages": "hi", "images": []})
    assert result.is_error and "`images` is empty" in text_of(result) and chats(simulator) == []
