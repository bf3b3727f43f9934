"""Smaller JSON schemas for tools/list: every byte there is spent in each client's context.

pydantic writes a `title` on every property and spells an optional field as
`anyOf: [T, null]` with `default: null`. We never send nulls (structured content is dumped
with `exclude_none`) and accept omitted arguments, so both are noise: dropping them roughly
halves the tool list without changing what is accepted or returned. A `default` of null or
false says nothing a model would not assume of an optional argument, so it goes too; other
defaults (`true`, numbers, strings) stay, since they tell what omitting the argument means.
"""

from __future__ import annotations

from typing import Any

_NULL = {"type": "null"}


def compact_schema(schema: Any, *, descriptions: bool = True) -> Any:
    """The schema without titles and null options, with its `$defs` references inlined (and without
    descriptions, when not wanted)."""
    if isinstance(schema, dict) and isinstance(schema.get("$defs"), dict):
        definitions = schema["$defs"]
        schema = _inline({k: v for k, v in schema.items() if k != "$defs"}, definitions, depth=0)
    compacted = _compact(schema)
    return compacted if descriptions else _without_descriptions(compacted)


def _without_descriptions(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_without_descriptions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: (
            {name: _without_descriptions(sub) for name, sub in value.items()}
            if key in ("properties", "$defs") and isinstance(value, dict)
            else _without_descriptions(value)
        )
        for key, value in schema.items()
        if not (key == "description" and isinstance(value, str))
    }


def _inline(schema: Any, definitions: dict[str, Any], depth: int) -> Any:
    # Inlined refs are simpler for clients and faster to validate (jsonschema resolves each `$ref`).
    if depth > 20:
        raise ValueError("recursive schema: keep its $defs")
    if isinstance(schema, list):
        return [_inline(item, definitions, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(definitions[ref.removeprefix("#/$defs/")], definitions, depth + 1)
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return {key: _inline(value, definitions, depth) for key, value in schema.items()}


def _compact(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_compact(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs") and isinstance(value, dict):
            result[key] = {name: _compact(sub) for name, sub in value.items()}
        else:
            result[key] = _compact(value)
    options = result.get("anyOf")
    if isinstance(options, list) and _NULL in options and result.get("default", ...) is None:
        rest = [option for option in options if option != _NULL]
        del result["anyOf"], result["default"]
        if len(rest) == 1 and isinstance(rest[0], dict):
            result = {**rest[0], **result}
        else:
            result["anyOf"] = rest
    if "default" in result and (result["default"] is None or result["default"] is False):  # not 0
        del result["default"]
    return result
