"""The demo walk-through: a real MCP session, printed readably.

It launches the real server over stdio exactly as an MCP client does and calls its tools.
Without a key it first starts the built-in simulator on a free loopback port and points
the server at it, so the whole walk-through runs offline and costs nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import anyio
from rich.console import Console
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mcp_server_openrouter.catalog.model import format_usd
from mcp_server_openrouter.config import Settings

DEMO_KEY = "sk-or-v1-demo-simulator"
OFFLINE_MODEL = "anthropic/claude-sonnet-4.6"
LIVE_MODEL = "openai/gpt-4o-mini"
LIVE_MAX_TOKENS = 80


@dataclass
class CallRecord:
    step: str
    model: str
    tokens: str
    cost: Decimal | None


def run_demo(settings: Settings, *, offline: bool = False, model: str | None = None) -> int:
    console = Console()
    live = settings.api_key is not None and not offline
    try:
        return anyio.run(_demo, console, settings, live, model)
    except Exception as exc:  # the demo reports, it never dumps a traceback
        from mcp_server_openrouter._redact import redact

        console.print(f"[bold red]Demo failed:[/] {redact(str(exc))}")
        return 1


async def _demo(console: Console, settings: Settings, live: bool, model: str | None) -> int:
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

    with ExitStack() as stack:
        env: dict[str, str] = {}
        if live:
            chat_model = model or LIVE_MODEL
            console.print(
                Panel(
                    f"Live mode: OPENROUTER_API_KEY is set, so this session talks to [bold]{settings.base_url}[/] "
                    f"with [bold]{chat_model}[/] and at most {LIVE_MAX_TOKENS} output tokens per call.\n"
                    "It spends a little real money (a fraction of a cent); the total is shown at the end.\n"
                    "Run `openrouter-mcp demo --offline` to use the free simulator instead.",
                    title="openrouter-mcp demo",
                )
            )
        else:
            chat_model = model or OFFLINE_MODEL
            simulator = Simulator()
            # Slow the tokens a little so the streamed step can be watched.
            simulator.add_fault(Fault(token_delay=0.04, keepalives=3, keepalive_interval=0.2, times=None))
            base_url = stack.enter_context(serve_in_thread(simulator))
            # Throw-away cache and data directories: the demo must not replace a real catalogue cache.
            scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="openrouter-mcp-demo-"))
            env = {
                "OPENROUTER_BASE_URL": base_url,
                "OPENROUTER_API_KEY": DEMO_KEY,
                "OPENROUTER_MCP_CACHE_DIR": f"{scratch}/cache",
                "OPENROUTER_MCP_DATA_DIR": f"{scratch}/data",
            }
            console.print(
                Panel(
                    "Offline mode: no OPENROUTER_API_KEY is set, so every reply below comes from the "
                    f"[bold]built-in OpenRouter simulator[/] at {base_url} — no network, no cost.\n"
                    "Set OPENROUTER_API_KEY to run the same session against the real service.",
                    title="openrouter-mcp demo",
                )
            )
        errlog = stack.enter_context(tempfile.TemporaryFile("w+"))
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "mcp_server_openrouter", "serve"],
            env={**env, "OPENROUTER_MCP_PROGRESS_INTERVAL": "0.1"},
        )
        records: list[CallRecord] = []
        started = time.perf_counter()
        async with Client(stdio_client(params, errlog=errlog)) as client:
            ready = time.perf_counter() - started
            info = client.server_info
            name = f"{info.name} {info.version}" if info else "server"
            console.rule("[bold]1. Connect")
            console.print(f"Launched [bold]openrouter-mcp serve[/] over stdio; {name} ready in {ready * 1000:.0f} ms.")

            console.rule("[bold]2. List tools")
            tools = (await client.list_tools()).tools
            table = Table("tool", "purpose", "read-only")
            for tool in tools:
                read_only = bool(tool.annotations and tool.annotations.read_only_hint)
                table.add_row(tool.name, tool.description or "", "yes" if read_only else "no")
            console.print(table)

            console.rule("[bold]3. Find a model: vision + tools, at most $1 in / $5 out per 1M, cheapest first")
            search = {"supports": ["vision", "tools"], "max_price_per_million": [1, 5], "sort": "price", "limit": 6}
            result = await client.call_tool("list_available_models", search)
            lines = _text(result).splitlines()
            console.print(lines[0], highlight=False)
            for line in lines[1:]:
                console.print(Text(f"  {line}"), no_wrap=True, overflow="ellipsis")

            console.rule(f"[bold]4. Everything about {chat_model}")
            result = await client.call_tool("get_model_info", {"model": chat_model})
            for line in _text(result).splitlines()[:11]:
                console.print(Text(f"  {line}"), no_wrap=True, overflow="ellipsis")

            console.rule("[bold]5. Chat (temperature 0, cache=true)")
            arguments: dict[str, Any] = {
                "model": chat_model,
                "messages": [{"role": "user", "content": "In one sentence: what is the Model Context Protocol?"}],
                "temperature": 0,
                "cache": True,
            }
            if live:
                arguments["max_tokens"] = LIVE_MAX_TOKENS
            result = await client.call_tool("chat_with_model", arguments)
            records.append(_show_reply(console, "chat", result))

            console.rule("[bold]6. The same question again: answered from the response cache")
            result = await client.call_tool("chat_with_model", arguments)
            records.append(_show_reply(console, "same chat, cached", result))

            console.rule("[bold]7. Streamed chat with live progress")
            arguments = {"model": chat_model, "stream": True, "messages": "Write two short sentences about rivers."}
            if live:
                arguments["max_tokens"] = LIVE_MAX_TOKENS
            notifications = 0
            with Live(Text("waiting…"), console=console, refresh_per_second=12, transient=True) as live_view:

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    nonlocal notifications
                    notifications += 1
                    live_view.update(Text(f"progress: {int(progress)} tokens · …{message or ''}"))

                result = await client.call_tool("chat_with_model", arguments, progress_callback=on_progress)
            console.print(f"{notifications} progress notifications arrived while the tokens streamed in.")
            records.append(_show_reply(console, "streamed chat", result))

            console.rule("[bold]8. A mistake, and the help it gets")
            wrong = chat_model.replace("-", "", 1) if "-" in chat_model else chat_model + "x"
            console.print(f"chat_with_model(model={wrong!r}) →")
            result = await client.call_tool("chat_with_model", {"model": wrong, "messages": "hi"})
            console.print(Panel(Text(_text(result)), style="yellow", title="ToolError" if result.is_error else "reply"))

        console.rule("[bold]9. What it cost")
        table = Table("call", "model", "tokens in/out", "cost (USD)")
        total = Decimal(0)
        for record in records:
            table.add_row(
                record.step,
                record.model,
                record.tokens,
                "?" if record.cost is None else f"${format_usd(record.cost, 8)}",
            )
            total += record.cost or 0
        console.print(table)
        if live:
            console.print(f"This demo spent [bold]${format_usd(total, 8)}[/] of your OpenRouter credits.")
        else:
            console.print(
                f"Simulated cost: ${format_usd(total, 8)} (priced like the real models; nothing was charged)."
            )
    return 0


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def _show_reply(console: Console, step: str, result: Any) -> CallRecord:
    if result.is_error:
        console.print(Panel(Text(_text(result)), style="red", title="error"))
        return CallRecord(step, "-", "-", None)
    data = result.structured_content or {}
    console.print(Panel(Text(data.get("text", "")), title=Text(f"{data.get('model')} via {data.get('provider')}")))
    usage = data.get("usage") or {}
    cost = data.get("cost_usd")
    # The tool's own footer line: model, finish reason, tokens, cost (or "cached"), generation id.
    console.print(_text(result).rsplit("\n\n— ", 1)[-1], highlight=False)
    return CallRecord(
        step,
        str(data.get("requested_model")),
        f"{usage.get('prompt_tokens')}/{usage.get('completion_tokens')}",
        None if cost is None else Decimal(str(cost)),
    )
