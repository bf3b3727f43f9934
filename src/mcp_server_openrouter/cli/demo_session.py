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

    with ExitStack() as stack:
        env, chat_model = _live_setup(console, settings, model) if live else _offline_setup(console, stack, model)
        errlog = stack.enter_context(tempfile.TemporaryFile("w+"))
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "mcp_server_openrouter", "serve"],
            env={**env, "OPENROUTER_MCP_PROGRESS_INTERVAL": "0.1"},
        )
        walk = Walkthrough(console, chat_model, live)
        started = time.perf_counter()
        async with Client(stdio_client(params, errlog=errlog)) as client:
            await walk.run(client, time.perf_counter() - started)
        walk.print_costs()
    if walk.failed:
        console.print(
            f"[bold red]The demo did not go as it should:[/] {len(walk.failed)} step(s) failed: "
            f"{', '.join(walk.failed)}."
        )
        return 1
    return 0


def _live_setup(console: Console, settings: Settings, model: str | None) -> tuple[dict[str, str], str]:
    from mcp_server_openrouter._redact import strip_url_credentials

    # The SDK passes a child only a safe subset of the environment: every setting (the key and the
    # base URL above all) is handed over explicitly, as our settings resolved it.
    env = settings.as_environment()
    chat_model = model or LIVE_MODEL
    console.print(
        Panel(
            f"Live mode: OPENROUTER_API_KEY is set, so this session talks to "
            f"[bold]{strip_url_credentials(settings.base_url)}[/] "
            f"with [bold]{chat_model}[/] and at most {LIVE_MAX_TOKENS} output tokens per call.\n"
            "It spends a little real money (a fraction of a cent); the total is shown at the end.\n"
            "Run `openrouter-mcp demo --offline` to use the free simulator instead.",
            title="openrouter-mcp demo",
        )
    )
    return env, chat_model


def _offline_setup(console: Console, stack: ExitStack, model: str | None) -> tuple[dict[str, str], str]:
    from mcp_server_openrouter.simulator import Fault, Simulator, serve_in_thread

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
    return env, model or OFFLINE_MODEL


class Walkthrough:
    """The demo's steps over one MCP session; remembers what each chat cost and which steps failed."""

    def __init__(self, console: Console, chat_model: str, live: bool) -> None:
        self.console = console
        self.chat_model = chat_model
        self.live = live
        self.records: list[CallRecord] = []
        self.failed: list[str] = []

    async def run(self, client: Any, ready_seconds: float) -> None:
        info = client.server_info
        name = f"{info.name} {info.version}" if info else "server"
        self.console.rule("[bold]1. Connect")
        self.console.print(
            f"Launched [bold]openrouter-mcp serve[/] over stdio; {name} ready in {ready_seconds * 1000:.0f} ms."
        )
        await self.list_tools(client)
        await self.find_a_model(client)
        await self.model_info(client)
        await self.chats(client)
        await self.streamed_chat(client)
        await self.a_mistake(client)

    async def list_tools(self, client: Any) -> None:
        self.console.rule("[bold]2. List tools")
        tools = (await client.list_tools()).tools
        table = Table("tool", "purpose", "read-only")
        for tool in tools:
            read_only = bool(tool.annotations and tool.annotations.read_only_hint)
            table.add_row(tool.name, tool.description or "", "yes" if read_only else "no")
        self.console.print(table)

    async def find_a_model(self, client: Any) -> None:
        self.console.rule("[bold]3. Find a model: vision + tools, at most $1 in / $5 out per 1M, cheapest first")
        search = {"supports": ["vision", "tools"], "max_price_per_million": [1, 5], "sort": "price", "limit": 6}
        result = await client.call_tool("list_available_models", search)
        if result.is_error:
            self.failed.append("find a model")
        lines = _text(result).splitlines()
        self.console.print(lines[0], highlight=False)
        for line in lines[1:]:
            self.console.print(Text(f"  {line}"), no_wrap=True, overflow="ellipsis")

    async def model_info(self, client: Any) -> None:
        self.console.rule(f"[bold]4. Everything about {self.chat_model}")
        result = await client.call_tool("get_model_info", {"model": self.chat_model})
        if result.is_error:
            self.failed.append("model info")
        for line in _text(result).splitlines()[:11]:
            self.console.print(Text(f"  {line}"), no_wrap=True, overflow="ellipsis")

    def _arguments(self, **arguments: Any) -> dict[str, Any]:
        if self.live:
            arguments["max_tokens"] = LIVE_MAX_TOKENS
        return {"model": self.chat_model, **arguments}

    async def chats(self, client: Any) -> None:
        self.console.rule("[bold]5. Chat (temperature 0, cache=true)")
        question = [{"role": "user", "content": "In one sentence: what is the Model Context Protocol?"}]
        arguments = self._arguments(messages=question, temperature=0, cache=True)
        self.show_reply("chat", await client.call_tool("chat_with_model", arguments))
        self.console.rule("[bold]6. The same question again: answered from the response cache")
        self.show_reply("same chat, cached", await client.call_tool("chat_with_model", arguments))

    async def streamed_chat(self, client: Any) -> None:
        self.console.rule("[bold]7. Streamed chat with live progress")
        arguments = self._arguments(stream=True, messages="Write two short sentences about rivers.")
        notifications = 0
        with Live(Text("waiting…"), console=self.console, refresh_per_second=12, transient=True) as live_view:

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                nonlocal notifications
                notifications += 1
                live_view.update(Text(f"progress: {int(progress)} tokens · …{message or ''}"))

            result = await client.call_tool("chat_with_model", arguments, progress_callback=on_progress)
        self.console.print(f"{notifications} progress notifications arrived while the tokens streamed in.")
        self.show_reply("streamed chat", result)

    async def a_mistake(self, client: Any) -> None:
        self.console.rule("[bold]8. A mistake, and the help it gets")
        wrong = self.chat_model.replace("-", "", 1) if "-" in self.chat_model else self.chat_model + "x"
        self.console.print(f"chat_with_model(model={wrong!r}) →")
        result = await client.call_tool("chat_with_model", {"model": wrong, "messages": "hi"})
        title = "ToolError" if result.is_error else "reply"
        self.console.print(Panel(Text(_text(result)), style="yellow", title=title))
        if not result.is_error or "Did you mean" not in _text(result):
            self.failed.append("a mistake and its help")

    def show_reply(self, step: str, result: Any) -> None:
        if result.is_error:
            self.console.print(Panel(Text(_text(result)), style="red", title="error"))
            self.failed.append(step)
            self.records.append(CallRecord(step, "-", "-", None))
            return
        data = result.structured_content or {}
        title = Text(f"{data.get('model')} via {data.get('provider')}")
        self.console.print(Panel(Text(data.get("text", "")), title=title))
        usage = data.get("usage") or {}
        cost = data.get("cost_usd")
        # The tool's own footer line: model, finish reason, tokens, cost (or "cached"), generation id.
        self.console.print(_text(result).rsplit("\n\n— ", 1)[-1], highlight=False)
        self.records.append(
            CallRecord(
                step,
                str(data.get("requested_model")),
                f"{usage.get('prompt_tokens')}/{usage.get('completion_tokens')}",
                None if cost is None else Decimal(str(cost)),
            )
        )

    def print_costs(self) -> None:
        self.console.rule("[bold]9. What it cost")
        table = Table("call", "model", "tokens in/out", "cost (USD)")
        total = Decimal(0)
        for record in self.records:
            cost = "?" if record.cost is None else f"${format_usd(record.cost, 8)}"
            table.add_row(record.step, record.model, record.tokens, cost)
            total += record.cost or 0
        self.console.print(table)
        if self.live:
            self.console.print(f"This demo spent [bold]${format_usd(total, 8)}[/] of your OpenRouter credits.")
        else:
            self.console.print(
                f"Simulated cost: ${format_usd(total, 8)} (priced like the real models; nothing was charged)."
            )


def _text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)
