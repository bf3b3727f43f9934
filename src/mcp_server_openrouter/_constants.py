"""Constants shared across the package, kept in one place."""

from __future__ import annotations

APP_NAME = "openrouter-mcp"
PACKAGE_NAME = "mcp-server-openrouter"
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_APP_URL = "https://pypi.org/project/mcp-server-openrouter/"
DEFAULT_APP_TITLE = "openrouter-mcp"

DEFAULT_TIMEOUT_SECONDS = 300.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_RETRIES = 3
# A stream's overall deadline: generous (long reasoning runs), but a keep-alive-only upstream must end.
DEFAULT_MAX_STREAM_SECONDS = 30 * 60.0
# All the waiting one call may do for retries; a daily cap resets at midnight UTC, and making a
# tool call hang for hours helps nobody.
MAX_RETRY_WAIT_SECONDS = 60.0
# Upstream requests open at once, process-wide; more wait their turn (first come, first served).
DEFAULT_MAX_CONCURRENCY = 8
# OpenRouter's published limit for `:free` models; kept client-side so a burst does not burn the
# free daily quota on 429s.
DEFAULT_FREE_REQUESTS_PER_MINUTE = 20
# Below Claude Desktop's ~60 s tool-call cut-off: a longer call turns itself into a job.
DEFAULT_FOREGROUND_TIMEOUT_SECONDS = 50.0
# A tool answer's size budget (Claude Code refuses tool output above ~25k tokens).
DEFAULT_MAX_OUTPUT_TOKENS = 20_000
# Finished jobs are kept this long, and at most this many.
DEFAULT_JOB_TTL_SECONDS = 3600.0
DEFAULT_MAX_JOBS = 100
DEFAULT_PROGRESS_INTERVAL_SECONDS = 0.25

MODEL_CACHE_FILENAME = "openrouter_model_cache.json"
RESPONSE_CACHE_FILENAME = "openrouter_responses.sqlite3"
USAGE_LEDGER_FILENAME = "usage.sqlite3"
CREDITS_URL = "https://openrouter.ai/settings/credits"
KEYS_URL = "https://openrouter.ai/settings/keys"

# Roles OpenRouter's chat endpoint accepts in `messages`.
MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
# Suffixes OpenRouter accepts after a model id; the base id is what the catalogue lists.
MODEL_VARIANTS = (":free", ":nitro", ":floor", ":online", ":thinking", ":extended", ":beta")

# Images larger than this (bytes) or with a side longer than this (pixels) are downscaled before sending.
DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_IMAGE_SIDE = 4096
# Local files other than images (PDF, text, audio) larger than this are refused.
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
# OpenRouter's `models` fallbacks: tried in order after the model.
MAX_FALLBACK_MODELS = 3
