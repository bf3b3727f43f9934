"""Images a model returned are saved privately, under safe generated names, never over another file."""

from __future__ import annotations

import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media import save_images

from .fixtures import b64, jpeg_turned, png

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
GENERATED = re.compile(r"\d{8}-\d{6}-[0-9a-f]{6}")


def returned(data: bytes, mime: str = "image/png") -> dict[str, Any]:
    """One entry of OpenRouter's `message.images`."""
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64(data)}"}}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_returned_images_are_written_0600_in_a_0700_directory_with_generated_names(tmp_path: Path) -> None:
    previous = os.umask(0)  # so anything not made private on purpose would be world-readable
    try:
        paths = save_images([returned(png()), returned(jpeg_turned(), "image/jpeg")], tmp_path / "images")
    finally:
        os.umask(previous)
    assert [p.read_bytes() for p in paths] == [png(), jpeg_turned()]
    assert all(p.parent == tmp_path / "images" for p in paths) and mode(tmp_path / "images") == 0o700
    assert [mode(p) for p in paths] == [0o600, 0o600]
    assert GENERATED.fullmatch(paths[0].stem) and paths[0].suffix == ".png" and paths[1].suffix == ".jpg"
    assert paths[0] != paths[1]


def test_the_extension_is_the_true_type_not_the_label(tmp_path: Path) -> None:
    [path] = save_images([returned(png(), "image/jpeg")], tmp_path)
    assert path.suffix == ".png"


@pytest.mark.parametrize(
    ("name", "prefix"),
    [
        ("sunset", "sunset-"),
        ("My cat!.jpg", "My-cat-"),
        ("../../etc/passwd", "passwd-"),
        ("..\\..\\windows\\evil.png", "evil-"),
        (".bashrc", "bashrc-"),
        ("...", ""),
        ("x" * 200, "x" * 60 + "-"),
    ],
)
def test_a_callers_name_is_reduced_to_a_safe_base_inside_the_directory(tmp_path: Path, name: str, prefix: str) -> None:
    [path] = save_images([returned(png())], tmp_path / "out", name=name)
    assert path.parent == tmp_path / "out" and path.name.startswith(prefix)
    assert GENERATED.fullmatch(path.stem[len(prefix) :]) and path.suffix == ".png"


def test_an_existing_file_is_never_overwritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter(["aaaaaa", "bbbbbb"])
    monkeypatch.setattr(secrets, "token_hex", lambda _n: next(draws))
    monkeypatch.setattr(time, "strftime", lambda *_args: "20260101-000000")
    precious = tmp_path / "same-20260101-000000-aaaaaa.png"
    precious.write_bytes(b"precious")
    [path] = save_images([returned(png())], tmp_path, name="same")
    assert path.name == "same-20260101-000000-bbbbbb.png" and path.read_bytes() == png()
    assert precious.read_bytes() == b"precious"


def test_a_returned_image_that_is_not_an_image_is_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    images = [returned(png()), returned(b"#!/bin/sh\nrm -rf ~\n")]
    with pytest.raises(InvalidArgumentError, match=r"images\[1\] returned by the model is text, not a JPEG"):
        save_images(images, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}, "not a base64 data URL"),
        ({"type": "image_url"}, 'has no "image_url"'),
        ({"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}, "not valid base64"),
    ],
)
def test_a_returned_image_without_usable_data_is_refused(tmp_path: Path, image: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        save_images([image], tmp_path)


def test_nothing_to_save_creates_nothing(tmp_path: Path) -> None:
    assert save_images([], tmp_path / "out") == [] and not (tmp_path / "out").exists()
