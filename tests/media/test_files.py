"""Files: PDFs as `file` parts, text inlined, WAV/MP3 as audio, images as images; the rest refused."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media import MAX_FILES, Attachment, load_files

from .fixtures import MP3, MP3_BARE, b64, data_of, decoded, pdf, png, wav


def one(item: object, root: Path, max_bytes: int = 1 << 20) -> Attachment:
    [attachment] = load_files([item], roots=[root], max_bytes=max_bytes)
    return attachment


def write(root: Path, name: str, data: bytes) -> str:
    (root / name).write_bytes(data)
    return str(root / name)


def test_a_pdf_goes_as_a_file_part_with_its_name_and_a_pdf_data_url(tmp_path: Path) -> None:
    attachment = one(write(tmp_path, "report.pdf", pdf()), tmp_path)
    assert attachment.part["type"] == "file" and attachment.part["file"]["filename"] == "report.pdf"
    assert attachment.part["file"]["file_data"].startswith("data:application/pdf;base64,")
    assert data_of(attachment.part["file"]["file_data"]) == pdf()
    assert (attachment.kind, attachment.mime, attachment.size) == ("file", "application/pdf", len(pdf()))


def test_a_pdf_is_told_by_its_content_not_its_name(tmp_path: Path) -> None:
    attachment = one(write(tmp_path, "scan.dat", pdf()), tmp_path)
    assert attachment.mime == "application/pdf" and attachment.part["file"]["filename"] == "scan.dat.pdf"


def test_a_base64_pdf_is_named_document_pdf(tmp_path: Path) -> None:
    attachment = one({"data": b64(pdf()), "type": "base64"}, tmp_path)
    assert attachment.part["file"]["filename"] == "document.pdf" and attachment.source == "base64"


def test_a_pdf_url_is_passed_on_for_openrouter_to_fetch(tmp_path: Path) -> None:
    url = "https://example.com/papers/attention%20is%20all.pdf"
    attachment = one(url, tmp_path)
    assert attachment.part == {"type": "file", "file": {"filename": "attention is all.pdf", "file_data": url}}
    assert (attachment.kind, attachment.mime, attachment.source, attachment.size) == ("file", None, "URL", None)


def test_a_url_that_is_not_a_pdf_is_refused_because_nothing_is_downloaded(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"only a URL of a PDF .* never downloads URLs"):
        one("https://example.com/notes.txt", tmp_path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.md", "# Title\n\nSome *text* — with ünïcode.\n"),
        ("table.csv", "a,b\n1,2\n"),
        ("data.json", json.dumps({"k": [1, 2]})),
        ("script.py", "def f() -> int:\n\treturn 1\n"),
        ("README", "no extension at all\n"),
    ],
)
def test_a_text_file_is_inlined_under_its_name(tmp_path: Path, name: str, content: str) -> None:
    attachment = one(write(tmp_path, name, content.encode("utf-8")), tmp_path)
    assert attachment.part == {"type": "text", "text": f"--- {name} ---\n{content}"}
    assert (attachment.kind, attachment.mime) == ("text", "text/plain")


def test_a_binary_file_named_txt_is_refused_saying_what_it_is(tmp_path: Path) -> None:
    path = write(tmp_path, "archive.txt", b"PK\x03\x04" + bytes(100))
    with pytest.raises(InvalidArgumentError, match=r"archive\.txt\) is a ZIP archive.*; files can be PDF"):
        one(path, tmp_path)


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="unrecognised binary data"):
        one(write(tmp_path, "latin.txt", "café\x00".encode("latin-1") + bytes(range(128, 256))), tmp_path)


def test_a_wav_goes_as_input_audio(tmp_path: Path) -> None:
    attachment = one(write(tmp_path, "voice.wav", wav()), tmp_path)
    assert attachment.part == {"type": "input_audio", "input_audio": {"data": b64(wav()), "format": "wav"}}
    assert (attachment.kind, attachment.mime) == ("audio", "audio/wav")


@pytest.mark.parametrize("data", [MP3, MP3_BARE], ids=["id3-tag", "frame-only"])
def test_an_mp3_goes_as_input_audio(tmp_path: Path, data: bytes) -> None:
    attachment = one(write(tmp_path, "song.bin", data), tmp_path)
    assert attachment.part["input_audio"] == {"data": b64(data), "format": "mp3"}
    assert attachment.mime == "audio/mpeg"


def test_an_mp3_data_url_called_audio_mp3_is_not_a_relabel(tmp_path: Path) -> None:
    assert one(f"data:audio/mp3;base64,{b64(MP3)}", tmp_path).note is None


def test_a_data_url_that_lies_about_a_file_is_sent_as_what_it_is_with_a_note(tmp_path: Path) -> None:
    attachment = one(f"data:text/plain;base64,{b64(pdf())}", tmp_path)
    assert attachment.mime == "application/pdf"
    assert attachment.note == "files[0] (base64): labelled text/plain but is application/pdf, sent as application/pdf"


def test_an_image_given_as_a_file_goes_as_an_image(tmp_path: Path) -> None:
    [attachment] = load_files(
        [write(tmp_path, "wide.png", png(400, 200))], roots=[tmp_path], max_bytes=1 << 20, max_image_side=100
    )
    assert attachment.kind == "image" and attachment.mime == "image/png"
    assert decoded(attachment.part["image_url"]["url"]).size == (100, 50)


def test_a_base64_file_over_the_limit_is_refused_before_decoding(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match="the most accepted is 1 KB"):
        one(b64(b"x" * 5000), tmp_path, max_bytes=1024)


def test_more_files_than_allowed_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=f"`files` holds {MAX_FILES + 1} items"):
        load_files(["a.pdf"] * (MAX_FILES + 1), roots=[tmp_path], max_bytes=1024)


def test_logs_name_files_but_never_hold_their_contents(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mcp_server_openrouter")
    one(write(tmp_path, "diary.txt", b"my secret thoughts"), tmp_path)
    one(write(tmp_path, "a.png", png()), tmp_path)
    assert caplog.records and "secret" not in caplog.text and b64(png()) not in caplog.text
