"""How attachments join a request: on the last user message after its text, and what the model must take."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media import PDF_ENGINES, Attachment, attach, file_parser_plugin, input_modalities

IMAGE = Attachment({"type": "image_url", "image_url": {"url": "https://x/a.png"}}, "image", None, "URL", None)
PDF = Attachment(
    {"type": "file", "file": {"filename": "a.pdf", "file_data": "https://x/a.pdf"}}, "file", None, "URL", None
)
AUDIO = Attachment(
    {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}, "audio", "audio/wav", "a.wav", 3
)
TEXT = Attachment({"type": "text", "text": "--- a.md ---\nhi"}, "text", "text/plain", "a.md", 15)


def conversation() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"},
        {"role": "user", "content": "What is in this picture?"},
        {"role": "assistant", "content": "(prefill)"},
    ]


def test_parts_go_after_the_text_of_the_last_user_message() -> None:
    messages = conversation()
    result = attach(messages, [IMAGE, TEXT])
    assert result[3]["content"] == [
        {"type": "text", "text": "What is in this picture?"},
        IMAGE.part,
        TEXT.part,
    ]
    assert result[:3] == messages[:3] and result[4] == messages[4]


def test_attaching_leaves_the_given_messages_as_they_were() -> None:
    messages = conversation()
    before = copy.deepcopy(messages)
    result = attach(messages, [IMAGE])
    assert messages == before and result is not messages


def test_a_list_content_is_extended_with_the_parts() -> None:
    parts = [{"type": "text", "text": "compare"}, {"type": "image_url", "image_url": {"url": "https://x/b.png"}}]
    result = attach([{"role": "user", "content": parts}], [IMAGE])
    assert result[0]["content"] == [*parts, IMAGE.part] and len(parts) == 2


def test_an_empty_or_missing_text_gives_only_the_parts() -> None:
    assert attach([{"role": "user", "content": ""}], [IMAGE])[0]["content"] == [IMAGE.part]
    assert attach([{"role": "user"}], [IMAGE])[0]["content"] == [IMAGE.part]


def test_without_a_user_message_attaching_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match='has none; add a message with "role": "user"'):
        attach([{"role": "system", "content": "s"}], [IMAGE])


def test_no_attachments_change_nothing() -> None:
    messages = conversation()
    assert attach(messages, []) == messages


def test_the_model_must_take_images_files_and_audio_but_text_needs_nothing() -> None:
    assert input_modalities([IMAGE, PDF, AUDIO, TEXT]) == {"image", "file", "audio"}
    assert input_modalities([TEXT]) == set()


def test_the_file_parser_plugin_comes_with_a_pdf_or_a_chosen_engine() -> None:
    assert file_parser_plugin([IMAGE, TEXT], None) is None
    assert file_parser_plugin([PDF], None) == {"id": "file-parser"}
    assert file_parser_plugin([PDF], "pdf-text") == {"id": "file-parser", "pdf": {"engine": "pdf-text"}}
    assert file_parser_plugin([], "mistral-ocr") == {"id": "file-parser", "pdf": {"engine": "mistral-ocr"}}
    assert PDF_ENGINES == ("pdf-text", "mistral-ocr", "native")


def test_an_unknown_pdf_engine_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidArgumentError, match="`pdf_engine` must be one of: pdf-text, mistral-ocr, native"):
        file_parser_plugin([PDF], "tesseract")
