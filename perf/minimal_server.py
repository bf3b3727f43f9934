"""The baseline for perf/startup.py: the smallest useful `mcp` server, one tool."""

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("minimal")


@mcp.tool()
async def echo(text: str) -> str:
    """Echo the text."""
    return text


if __name__ == "__main__":
    mcp.run()
