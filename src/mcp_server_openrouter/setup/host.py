"""The machine being set up: its platform, home, working directory and the OS variables installers need.

Every path the installers and `doctor` compute comes from a `Host`, so tests build one with a
temporary home, any platform and their own variables, and never touch the real home.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Host:
    """`platform` as in `sys.platform` ("darwin", "win32", "linux"); `variables` as `config.host_variables()`."""

    platform: str
    home: Path
    cwd: Path
    variables: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def current(cls) -> Host:
        from mcp_server_openrouter.config import host_variables

        return cls(platform=sys.platform, home=Path.home(), cwd=Path.cwd(), variables=host_variables())

    @property
    def is_windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def is_macos(self) -> bool:
        return self.platform == "darwin"

    def variable(self, name: str) -> str | None:
        value = self.variables.get(name, "").strip()
        return value or None

    def which(self, program: str) -> str | None:
        """The absolute path of `program` on this host's PATH, or None."""
        import shutil  # here: `install --help` (built at every start-up) needs this module, not shutil

        return shutil.which(program, path=self.variable("PATH") or os.defpath)

    def show(self, path: Path) -> str:
        """`path` for people: under home it starts with `~`."""
        try:
            return str(Path("~") / path.relative_to(self.home))
        except ValueError:
            return str(path)
