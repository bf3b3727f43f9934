"""Smaller JSON schemas for tools/list: every byte there is spent in each client's context.

pydantic writes a `title` on every property and spells an optional field as
`anyOf: [T, null]` with `default: null`. We never send nulls (structured content is dumped
with `exclude_none`) and accept omitted arguments, so both are noise: dropping them roughly
halves the tool list without changing what is accepted or returned.
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}


def compact_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            result[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            result[key] = compact_schema(value)
    options = result.get("anyOf")
    if isinstance(options, list) and _NULL in options and result.get("default", ...) is None:
        rest = [option for option in options if option != _NULL]
        del result["anyOf"], result["default"]
        if len(rest) == 1 and isinstance(rest[0], dict):
            result = {**rest[0], **result}
        else:
            result["anyOf"] = rest
    return result
