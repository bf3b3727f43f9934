"""What the commands share: checked settings, stderr logging, failure messages."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from mcp_server_openrouter.config import Settings

# The MCP SDK logs every failed tool call at INFO with the whole error text, which can hold a
# partial reply or an upstream message quoting the prompt. `QuietToolFailures` rewrites it.
_SDK_TOOL_FAILED = "Tool %r failed: %r"


class QuietToolFailures(logging.Filter):
    """Keep the SDK's "tool failed" records to the tool's name and the size of the error text.

    The text itself went to the client; logs (which some MCP hosts write to disk) never hold
    prompt or reply text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if (
            record.name.startswith("mcp.")
            and record.msg == _SDK_TOOL_FAILED
            and isinstance(record.args, tuple)
            and len(record.args) == 2
        ):
            tool, text = record.args
            record.msg = "Tool %r failed: %d characters of error text went to the client (not logged)"
            record.args = (tool, len(str(text)))
        return True


def configure_logging(level: str) -> None:
    """Log to stderr only, with API keys redacted from every record and no prompt or reply text."""
    from mcp_server_openrouter._redact import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietToolFailures())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; that is noise on a client's stderr.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def settings_or_exit() -> Settings:
    """The settings, or a readable list of what is wrong and exit status 2 (never a traceback).

    Neither message ever quotes a value: a value may be the key, or a URL holding it.
    """
    from pydantic import ValidationError

    from mcp_server_openrouter._redact import redact
    from mcp_server_openrouter.config import Settings, UnsafeSettingsError

    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {_setting_of(e)}: {_reason_of(e)}" for e in exc.errors(include_url=False, include_input=False)]
        sys.stderr.write(redact("openrouter-mcp: invalid settings:\n" + "\n".join(lines) + "\n"))
        raise SystemExit(2) from None
    except UnsafeSettingsError as exc:
        sys.stderr.write(redact(f"openrouter-mcp: refusing to start: {exc}\n"))
        raise SystemExit(2) from None


def _setting_of(error: ErrorDetails) -> str:
    """The environment variable an error is about (OPENROUTER_API_KEY, not openrouter_api_key)."""
    from mcp_server_openrouter.config import env_name

    location = error["loc"]
    if not location:
        return "settings"
    return ".".join([env_name(str(location[0])), *(str(part) for part in location[1:])])


def _reason_of(error: ErrorDetails) -> str:
    message = error["msg"]
    return message.removeprefix("Value error, ")


def fail(message: str, code: int = 1) -> int:
    """Say what went wrong on stderr (key redacted) and return the exit status."""
    from mcp_server_openrouter._redact import redact

    sys.stderr.write(f"openrouter-mcp: {redact(message)}\n")
    return code
