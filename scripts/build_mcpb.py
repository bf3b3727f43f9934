"""Build the Claude Desktop extension: `dist/openrouter-mcp-VERSION.mcpb`, installed with one click.

    python scripts/build_mcpb.py [--out DIR]

An MCP bundle is a zip with a `manifest.json` (MCPB manifest 0.4). Ours is of server type `uv`:
it carries no copy of the package, only a `pyproject.toml` pinning `mcp-server-openrouter==VERSION`
(the host installs it, and a Python, with uv) and a two-line entry point, `src/server.py`, that
serves MCP over stdio. The API key is a `sensitive` user setting, passed to the server as
`OPENROUTER_API_KEY`. The tools the manifest lists are read from this checkout's own server
(`tools/list` over stdio), so the list never drifts from the code.

Run it with the project's virtualenv (`.venv/bin/python scripts/build_mcpb.py`): it needs the
package's dependencies, and takes the package itself from `src/` of this checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DISTRIBUTION = "mcp-server-openrouter"
ENTRY_POINT = "src/server.py"
# A fixed date for every member, so the same checkout builds the same bytes.
ZIP_DATE = (2025, 1, 1, 0, 0, 0)

SERVER_PY = '''"""Entry point of the openrouter-mcp extension: the pinned mcp-server-openrouter, over stdio."""

from mcp_server_openrouter.cli import main

raise SystemExit(main(["serve"]))
'''

PYPROJECT = """[project]
name = "openrouter-mcp-extension"
version = "{version}"
description = "Claude Desktop extension running mcp-server-openrouter {version}"
requires-python = ">=3.10"
dependencies = ["{distribution}=={version}"]

[tool.uv]
package = false
"""


def repo_version() -> str:
    """The package version of this checkout, read from its source (not from whatever is installed)."""
    text = (ROOT / "src" / "mcp_server_openrouter" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if found is None:
        raise SystemExit("src/mcp_server_openrouter/__init__.py has no __version__ line")
    return found.group(1)


async def server_tools() -> list[dict[str, str]]:
    """Name and first line of description of each tool, from this checkout's server over stdio.

    The server runs as a client would start it, with no key, in empty directories, so nothing of
    this machine's settings (or network) plays a part.
    """
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    with tempfile.TemporaryDirectory() as home:
        env = {name: value for name, value in os.environ.items() if not name.startswith(("OPENROUTER_", "CACHE_"))}
        env.update(
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            XDG_CONFIG_HOME=f"{home}/config",
            XDG_CACHE_HOME=f"{home}/cache",
            XDG_DATA_HOME=f"{home}/data",
            OPENROUTER_MCP_LOG_LEVEL="WARNING",
        )
        params = StdioServerParameters(command=sys.executable, args=["-m", "mcp_server_openrouter"], env=env, cwd=home)
        # The server's log (it warns that no key is set) is shown only if listing the tools fails.
        with tempfile.TemporaryFile("w+") as log:
            try:
                async with Client(stdio_client(params, errlog=log)) as client:
                    tools = (await client.list_tools()).tools
            except Exception:
                log.seek(0)
                sys.stderr.write(log.read())
                raise
    return [{"name": tool.name, "description": (tool.description or "").strip().splitlines()[0]} for tool in tools]


def manifest(version: str, tools: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "manifest_version": "0.4",
        "name": "openrouter-mcp",
        "display_name": "OpenRouter",
        "version": version,
        "description": "Every model on OpenRouter from Claude: chat, stream, compare, see what each call cost.",
        "long_description": (
            "Chat with any of the 300+ models on OpenRouter, send them images and PDFs, find models by "
            "capability and price, and see the model, provider, tokens and cost of every reply. "
            f"Runs `{DISTRIBUTION}` {version} from PyPI."
        ),
        "author": {"name": "openrouter-mcp contributors"},
        "license": "MIT",
        "keywords": ["openrouter", "llm", "models", "chat", "mcp"],
        "server": {
            "type": "uv",
            "entry_point": ENTRY_POINT,
            "mcp_config": {
                "command": "uv",
                "args": ["run", "--directory", "${__dirname}", ENTRY_POINT],
                "env": {"OPENROUTER_API_KEY": "${user_config.api_key}"},
            },
        },
        "user_config": {
            "api_key": {
                "type": "string",
                "title": "OpenRouter API key",
                "description": "Your key from https://openrouter.ai/settings/keys (sk-or-v1-…).",
                "sensitive": True,
                "required": True,
            }
        },
        "tools": tools,
        "tools_generated": False,
        "compatibility": {"platforms": ["darwin", "win32", "linux"], "runtimes": {"python": ">=3.10"}},
    }


def build(out_dir: Path, version: str, tools: list[dict[str, str]]) -> Path:
    """Writes the bundle (to a temporary file renamed into place: never a half-written one)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"openrouter-mcp-{version}.mcpb"
    members = {
        "manifest.json": json.dumps(manifest(version, tools), indent=2, ensure_ascii=False) + "\n",
        "pyproject.toml": PYPROJECT.format(version=version, distribution=DISTRIBUTION),
        ENTRY_POINT: SERVER_PY,
    }
    fd, temporary = tempfile.mkstemp(dir=out_dir, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name, text in members.items():
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.external_attr = 0o644 << 16
                bundle.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def main() -> None:
    import anyio

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="directory for the bundle (default: dist/)")
    args = parser.parse_args()
    version = repo_version()
    tools = anyio.run(server_tools)
    target = build(args.out, version, tools)
    sys.stdout.write(f"{target} ({len(tools)} tools, {target.stat().st_size} bytes)\n")


if __name__ == "__main__":
    main()
