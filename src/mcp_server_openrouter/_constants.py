"""Constants shared across the package, kept in one place."""

from __future__ import annotations

APP_NAME = "openrouter-mcp"
PACKAGE_NAME = "mcp-server-openrouter"
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_APP_URL = "https://pypi.org/project/mcp-server-openrouter/"
DEFAULT_APP_TITLE = "openrouter-mcp"

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_RETRIES = 2
# A stream's overall deadline: generous (long reasoning runs), but a keep-alive-only upstream must end.
DEFAULT_MAX_STREAM_SECONDS = 30 * 60.0
# A retry is only worth it when the wait is short; a daily cap resets at midnight UTC.
MAX_RETRY_WAIT_SECONDS = 30.0
DEFAULT_PROGRESS_INTERVAL_SECONDS = 0.25

MODEL_CACHE_FILENAME = "openrouter_model_cache.json"
RESPONSE_CACHE_FILENAME = "openrouter_responses.sqlite3"
CREDITS_URL = "https://openrouter.ai/settings/credits"
KEYS_URL = "https://openrouter.ai/settings/keys"

# Roles OpenRouter's chat endpoint accepts in `messages`.
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
# Suffixes OpenRouter accepts after a model id; the base id is what the catalogue lists.
MODEL_VARIANTS = (":free", ":nitro", ":floor", ":online", ":thinking", ":extended", ":beta")
