"""Local files are read only from the allowed roots, only when regular, never from hidden places."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media import load_files, load_images

from .fixtures import png

posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, FIFOs and HOME are POSIX here")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "ok.png").write_bytes(png())
    return root


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake home directory holding an SSH key and a photo, and `~` pointing at it."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret\n")
    (home / "pictures").mkdir()
    (home / "pictures" / "cat.png").write_bytes(png())
    monkeypatch.setenv("HOME", str(home))
    return home


def refusal(items: list[object], roots: list[Path], *, files: bool = False) -> str:
    with pytest.raises(InvalidArgumentError) as caught:
        load(items, roots, files=files)
    return str(caught.value)


def load(items: list[object], roots: list[Path], *, files: bool) -> None:
    if files:
        load_files(items, roots=roots, max_bytes=1 << 20)
    else:
        load_images(items, roots=roots, max_bytes=1 << 20, max_side=4096)


def test_a_file_under_an_allowed_root_is_read(root: Path) -> None:
    [image] = load_images([str(root / "ok.png")], roots=[root], max_bytes=1 << 20, max_side=4096)
    assert image.mime == "image/png" and image.size == len(png())


def test_climbing_out_of_the_root_with_dot_dot_is_refused_and_names_the_setting(root: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.png").write_bytes(png())
    (root / "sub").mkdir()
    message = refusal([str(root / "sub" / ".." / ".." / "outside.png")], [root])
    assert "outside the directories local files may be read from" in message
    assert "OPENROUTER_ALLOWED_DIRS" in message


@posix_only
def test_a_symlink_in_the_root_pointing_outside_it_is_judged_by_its_target(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(png())
    (root / "link.png").symlink_to(tmp_path / "secret.png")
    message = refusal([{"data": str(root / "link.png"), "type": "path"}], [root])
    assert "resolves to" in message and "secret.png" in message and "OPENROUTER_ALLOWED_DIRS" in message


@posix_only
def test_a_symlink_in_the_root_pointing_inside_it_is_followed(root: Path) -> None:
    (root / "alias.png").symlink_to(root / "ok.png")
    [image] = load_images([str(root / "alias.png")], roots=[root], max_bytes=1 << 20, max_side=4096)
    assert image.mime == "image/png"


@posix_only
def test_etc_passwd_is_outside_the_roots_and_is_refused(root: Path) -> None:
    message = refusal(["/etc/passwd"], [root])
    assert "/etc/passwd is outside the directories" in message


@posix_only
def test_etc_passwd_is_not_an_image_even_when_the_whole_disk_is_allowed() -> None:
    message = refusal([{"data": "/etc/passwd", "type": "path"}], [Path("/")])
    assert "is text, not an image" in message


@posix_only
def test_an_ssh_key_is_refused_even_when_home_is_a_root(home: Path) -> None:
    message = refusal(["~/.ssh/id_rsa"], [home], files=True)
    assert "'.ssh'" in message and "hidden" in message and "OPENROUTER_ALLOWED_DIRS" in message
    assert str(home) not in message  # a home path is shown with ~


@posix_only
def test_a_hidden_directory_under_home_is_refused_even_when_the_root_is_above_home(home: Path) -> None:
    message = refusal([str(home / ".ssh" / "id_rsa")], [home.parent], files=True)
    assert "'.ssh'" in message


def test_a_dotfile_in_the_root_is_refused(root: Path) -> None:
    (root / ".env").write_text("OPENROUTER_API_KEY=sk-or-v1-secret\n")
    message = refusal([{"data": str(root / ".env"), "type": "path"}], [root], files=True)
    assert "'.env'" in message and "sk-or" not in message


@posix_only
def test_a_home_path_is_shown_with_a_tilde(home: Path) -> None:
    [image] = load_images(["~/pictures/cat.png"], roots=[home], max_bytes=1 << 20, max_side=4096)
    assert image.source == f"~{os.sep}pictures{os.sep}cat.png"


def test_a_directory_is_refused(root: Path) -> None:
    (root / "album").mkdir()
    message = refusal([{"data": str(root / "album"), "type": "path"}], [root])
    assert "is a directory, not a regular file" in message


@posix_only
def test_a_fifo_is_refused_without_blocking(root: Path) -> None:
    os.mkfifo(root / "pipe.png")
    message = refusal([str(root / "pipe.png")], [root])
    assert "is a FIFO (named pipe), not a regular file" in message


@posix_only
def test_a_device_is_refused() -> None:
    message = refusal([{"data": "/dev/null", "type": "path"}], [Path("/dev")], files=True)
    assert "is a device, not a regular file" in message


def test_a_missing_file_is_reported_as_missing(root: Path) -> None:
    message = refusal([{"data": str(root / "nope.png"), "type": "path"}], [root])
    assert message.startswith("images[0]: no such file:") and "nope.png" in message


def test_a_bare_string_that_looks_like_a_missing_path_is_missing_not_bad_base64(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(root)
    assert "no such file" in refusal([str(root / "nope.png")], [root])
    assert "no such file" in refusal(["holiday.jpg"], [root])


def test_a_missing_file_outside_the_roots_is_reported_as_outside_not_as_missing(root: Path, tmp_path: Path) -> None:
    message = refusal([{"data": str(tmp_path / "elsewhere" / "x.png"), "type": "path"}], [root])
    assert "outside the directories" in message and "no such file" not in message


def test_a_relative_path_is_taken_from_the_working_directory(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(root)
    [image] = load_images(["ok.png"], roots=[root], max_bytes=1 << 20, max_side=4096)
    assert image.mime == "image/png"


def test_no_roots_allow_nothing(root: Path) -> None:
    assert "(none)" in refusal([str(root / "ok.png")], [])


def test_a_file_over_the_file_limit_is_refused_and_names_the_setting(root: Path) -> None:
    (root / "big.txt").write_text("x" * 5000)
    with pytest.raises(InvalidArgumentError, match="OPENROUTER_MCP_MAX_FILE_BYTES") as caught:
        load_files([str(root / "big.txt")], roots=[root], max_bytes=4096)
    assert "4 KB" in str(caught.value)


def test_an_image_far_over_the_image_limit_is_refused_unread(root: Path) -> None:
    (root / "huge.png").write_bytes(png() + bytes(60_000))
    with pytest.raises(InvalidArgumentError, match="OPENROUTER_MCP_MAX_IMAGE_BYTES"):
        load_images([str(root / "huge.png")], roots=[root], max_bytes=10_000, max_side=4096)


@posix_only
def test_a_symlink_swapped_in_after_the_check_is_not_followed(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "secret.txt").write_text("top secret\n")
    real_open = os.open

    def swap_then_open(path: object, flags: int, *args: int) -> int:
        if Path(str(path)) == root / "ok.png":  # the attacker wins the race
            (root / "ok.png").unlink()
            (root / "ok.png").symlink_to(tmp_path / "secret.txt")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", swap_then_open)
    message = refusal([str(root / "ok.png")], [root], files=True)
    assert "cannot be opened (Too many levels of symbolic links)" in message and "top secret" not in message
