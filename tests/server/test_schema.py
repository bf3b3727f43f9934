"""Compact tool schemas: what is dropped says nothing, what stays still means the same."""

from __future__ import annotations

from mcp_server_openrouter.server._schema import compact_schema


def test_null_and_false_defaults_are_dropped_but_informative_ones_stay() -> None:
    schema = {
        "type": "object",
        "properties": {
            "system": {"title": "System", "anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "stream": {"type": "boolean", "default": False},
            "require_parameters": {"type": "boolean", "default": True},
            "offset": {"type": "integer", "default": 0},
            "limit": {"type": "integer", "default": 50},
            "group_by": {"type": "string", "default": "model"},
        },
    }

    properties = compact_schema(schema)["properties"]

    assert properties["system"] == {"type": "string"}
    assert properties["stream"] == {"type": "boolean"}
    assert properties["require_parameters"]["default"] is True
    assert properties["offset"]["default"] == 0  # 0 == False in Python, but it is not false
    assert properties["limit"]["default"] == 50
    assert properties["group_by"]["default"] == "model"
