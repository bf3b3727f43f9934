"""Reading a local file a caller named, only from the allowed roots, and only if it is safe to.

The order matters: `~` is expanded and symlinks resolved *before* the root is checked (a link in
an allowed directory pointing at `/etc/passwd` is judged by where it points); no component below
the root or the home directory may start with "." (`~/.ssh/id_rsa`, `~/.aws/credentials`,
`./.env` are refused even when home is a root); only regular files are opened, checked with
`os.stat` first and opened with `O_NONBLOCK` so a FIFO never blocks. The resolved path is opened
with `O_NOFOLLOW` and the open file is checked to be the one examined, so a symlink swapped in
after the check is not followed. Nothing outside the roots is ever opened, and a missing file
outside them is reported as outside (its absence is nobody's business).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mcp_server_openrouter.errors import InvalidArgumentError
from mcp_server_openrouter.media.sources import human_size

SETTING = "OPENROUTER_ALLOWED_DIRS"
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LocalFile:
    data: bytes
    name: str  # the file's own name, as the caller gave it (`photo.jpg`)
    shown: str  # the path for messages, home written as `~`


def read_local(raw: str, label: str, roots: Sequence[Path], most: int, limit_words: str) -> LocalFile:
    """The bytes of the file at `raw` if it is a regular file under one of `roots` and at most `most` bytes."""
    home = _home()
    given = Path(raw).expanduser()
    shown = shown_path(given, home)
    try:
        resolved = given.resolve()
    except (OSError, RuntimeError) as exc:  # a loop of symlinks
        raise InvalidArgumentError(f"{label}: {shown} cannot be resolved ({_reason(exc)}).") from None
    resolved_roots = _resolved(roots)
    _check_inside(resolved, resolved_roots, home, label, shown)
    status = _stat(resolved, label, shown)
    data = _read(resolved, status, label, shown, most, limit_words)
    return LocalFile(data, given.name, shown)


def shown_path(path: Path, home: Path | None = None) -> str:
    """`path` for messages: under the home directory it starts with `~`, so a home path is never shown whole."""
    home = home or _home()
    try:
        relative = path.relative_to(home)
    except ValueError:
        pass
    else:
        return "~" if relative == Path() else f"~{os.sep}{relative}"
    return str(path)


def _home() -> Path:
    try:
        return Path.home().resolve()
    except (OSError, RuntimeError):  # no home directory at all: nothing is under it
        return Path(os.sep, "nonexistent-home")


def _resolved(roots: Sequence[Path]) -> list[Path]:
    return [root for root in map(_resolved_root, roots) if root is not None]


def _resolved_root(root: Path) -> Path | None:
    try:
        return Path(root).expanduser().resolve()
    except (OSError, RuntimeError):  # a root that cannot be resolved allows nothing
        return None


def _check_inside(resolved: Path, roots: Sequence[Path], home: Path, label: str, shown: str) -> None:
    where = shown_path(resolved, home)
    root = next((r for r in roots if resolved == r or r in resolved.parents), None)
    if root is None:
        target = f"{shown} (which resolves to {where})" if where != shown else shown
        allowed = ", ".join(shown_path(r, home) for r in roots) or "none"
        raise InvalidArgumentError(
            f"{label}: {target} is outside the directories local files may be read from ({allowed}). "
            f"Copy the file into one of them, or add its directory to {SETTING} "
            f"(separated by {os.pathsep!r})."
        )
    private = _private_part(resolved, root, home)
    if private:
        raise InvalidArgumentError(
            f"{label}: {where} is inside ~/{private}, where applications keep their settings and keys "
            f"(Claude Desktop's configuration may hold the API key); it is read only when {SETTING} names a "
            "directory inside it. Copy the file somewhere else, or allow that directory."
        )
    hidden = _hidden_part(resolved, root) or _hidden_part(resolved, home)
    if hidden:
        raise InvalidArgumentError(
            f"{label}: {where} is inside {hidden!r}, a hidden (dot) file or directory; those are never read, "
            f"even under {SETTING} (they hold keys and credentials). Copy the file somewhere visible."
        )


# Directories under home where applications keep settings, caches and keys (macOS, Windows).
_PRIVATE_UNDER_HOME = ("Library", "AppData")


def _private_part(path: Path, root: Path, home: Path) -> str | None:
    """The private directory under home that `path` is in, unless the allowed root is inside it."""
    try:
        first = path.relative_to(home).parts[:1]
    except ValueError:
        return None
    if not first or first[0] not in _PRIVATE_UNDER_HOME:
        return None
    private = home / first[0]
    return None if root == private or private in root.parents else first[0]


def _hidden_part(path: Path, base: Path) -> str | None:
    try:
        parts = path.relative_to(base).parts
    except ValueError:
        return None
    return next((part for part in parts if part.startswith(".")), None)


def _stat(path: Path, label: str, shown: str) -> os.stat_result:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise InvalidArgumentError(f"{label}: no such file: {shown}. Check the path (and that `~` is yours).") from None
    except OSError as exc:
        raise InvalidArgumentError(f"{label}: {shown} cannot be read ({_reason(exc)}).") from None
    if not stat.S_ISREG(status.st_mode):
        raise InvalidArgumentError(f"{label}: {shown} is {_kind(status.st_mode)}, not a regular file; give a file.")
    return status


def _read(path: Path, status: os.stat_result, label: str, shown: str, most: int, limit_words: str) -> bytes:
    _check_size(status.st_size, label, shown, most, limit_words)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise InvalidArgumentError(f"{label}: {shown} cannot be opened ({_reason(exc)}).") from None
    with os.fdopen(fd, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if (opened.st_dev, opened.st_ino) != (status.st_dev, status.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise InvalidArgumentError(f"{label}: {shown} changed while it was being opened; try again.")
        data = _read_at_most(handle.fileno(), most + 1)
    _check_size(len(data), label, shown, most, limit_words)  # it may have grown since the stat
    return data


def _read_at_most(fd: int, most: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while total < most:
        chunk = os.read(fd, min(_CHUNK, most - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _check_size(size: int, label: str, shown: str, most: int, limit_words: str) -> None:
    if size > most:
        raise InvalidArgumentError(
            f"{label}: {shown} is {human_size(size)}; the most accepted is {human_size(most)} {limit_words}."
        )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _reason(exc: BaseException) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
