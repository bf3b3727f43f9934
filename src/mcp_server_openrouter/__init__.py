"""openrouter-mcp: an MCP server that gives any MCP client every model on OpenRouter.

The public surface is small on purpose: the server is reached through its command
(`openrouter-mcp`) or `python -m mcp_server_openrouter`; the modules below are the
building blocks, each usable without MCP.
"""

__version__ = "0.1.0"
