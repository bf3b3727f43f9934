"""The one place that reaches into the `mcp` SDK's internals (pinned `mcp<3`).

`Tool.from_function` builds the input schema (`Tool.parameters`, public) and the output schema
(`Tool.fn_metadata.output_schema`, an internal field the SDK reads live when it lists tools).
We replace both with compact versions (output schemas also without descriptions: programs read
them, and the README documents the fields). If an SDK release moves that field, `compact_tool`
raises at start-up and `tests/server/test_sdk_seam.py` fails loudly, instead of the tool list
silently growing past its byte budget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver.tools import Tool
from mcp.types import ToolAnnotations

from mcp_server_openrouter.server._schema import compact_schema


class SDKChangedError(RuntimeError):
    """The `mcp` SDK no longer has what this module relies on."""


def declare_tool(fn: Callable[..., Any], annotations: ToolAnnotations) -> Tool:
    """A tool for `fn` with compact input and output schemas."""
    tool = Tool.from_function(fn, annotations=annotations)
    tool.parameters = compact_schema(tool.parameters)
    metadata = getattr(tool, "fn_metadata", None)
    if metadata is None or not hasattr(metadata, "output_schema"):
        raise SDKChangedError("mcp's Tool no longer has fn_metadata.output_schema; update server/_sdk.py")
    # FuncMetadata fields are read live; results are still validated against the (full) model.
    metadata.output_schema = compact_schema(metadata.output_schema, descriptions=False)
    return tool
