"""What the commands share: checked settings, stderr logging, failure messages."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp_server_openrouter.config import Settings


def configure_logging(level: str) -> None:
    """Log to stderr only, with API keys redacted from every record."""
    from mcp_server_openrouter._redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise on a client's stderr.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def settings_or_exit() -> Settings:
    """The settings, or a readable list of what is wrong and exit status 2 (never a traceback)."""
    from pydantic import ValidationError

    from mcp_server_openrouter.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        sys.stderr.write("openrouter-mcp: invalid settings:\n" + "\n".join(lines) + "\n")
        raise SystemExit(2) from None


def fail(message: str, code: int = 1) -> int:
    """Say what went wrong on stderr (key redacted) and return the exit status."""
    from mcp_server_openrouter._redact import redact

    sys.stderr.write(f"openrouter-mcp: {redact(message)}\n")
    return code
