"""Chat completions as plain domain code: the validated request (`request`), running it
(`run`, with progress from `progress`), the result (`result`), and the service the tools
call (`service`: response cache, unknown-model help). Nothing here knows about MCP."""

from mcp_server_openrouter.chat.request import ChatRequest
from mcp_server_openrouter.chat.result import ChatAnswer, ChatResult, ReplyInfo, TokenUsage

__all__ = ["ChatAnswer", "ChatRequest", "ChatResult", "ReplyInfo", "TokenUsage"]
