"""Private files: everything the server writes is `0600` in `0700` directories, written atomically."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) as `0700`; tighten it if it exists with looser permissions."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    if os.name == "posix" and path.stat().st_mode & 0o077:
        # Said out loud: the directory may be one the user chose (OPENROUTER_MCP_CACHE_DIR).
        logger.warning("%s was readable by others; restricting it to its owner (0700)", path)
        path.chmod(DIR_MODE)
    return path


def tighten_file(path: Path) -> None:
    """Make a file we wrote earlier `0600` again if it is readable by others (an older release, a copy)."""
    if os.name != "posix":
        return
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(FILE_MODE)
    except OSError as exc:  # a file we cannot fix is still readable by us; say so and go on
        logger.warning("could not restrict %s to its owner: %s", path, exc)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` as `0600` through a unique temp file and a rename.

    Readers (and other processes writing at the same time) see the old file or the new
    one, never a mix; a failure leaves no temp file behind.
    """
    private_dir(path.parent)
    replace_atomic(path, data)


def replace_atomic(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """`write_atomic` for a file in a directory that is not ours (an MCP client's config): the new file
    gets `mode` and the directory is left as it is."""
    # mkstemp creates the file 0600 already.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode != FILE_MODE and hasattr(os, "fchmod"):  # POSIX; on Windows the mode bits mean little
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def remove_file(path: Path) -> bool:
    """Delete a file; False if there was none."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
