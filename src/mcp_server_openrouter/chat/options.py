"""Checks of OpenRouter's structured chat options: routing (`provider`), `reasoning`,
`response_format`, `tools`, `tool_choice`, fallback `models`, `plugins` and `modalities`.

Each mirrors the API (so OpenRouter's documentation applies as it is) and refuses what the
API would refuse, or silently ignore, with a message that says what to pass instead. Values
are returned as given: only what the caller wrote is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mcp_server_openrouter import _constants as c
from mcp_server_openrouter import _validate as v
from mcp_server_openrouter.errors import InvalidArgumentError

PROVIDER_SORTS = ("price", "throughput", "latency")
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
TOOL_CHOICES = ("auto", "none", "required")
MAX_FALLBACKS = c.MAX_FALLBACK_MODELS
_PRICE_KEYS = ("prompt", "completion", "request", "image")


def _mapping(value: object, name: str, example: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"`{name}` must be an object, like {example}.")
    return value


def _only_keys(value: Mapping[str, Any], name: str, allowed: Sequence[str]) -> None:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidArgumentError(f"`{name}` has no option {unknown[0]!r}; use: {', '.join(allowed)}.")


def _strings(value: object, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise InvalidArgumentError(f"`{name}` must be a non-empty list of strings.")
    return value


def fallback_models(value: object, name: str) -> list[str]:
    """OpenRouter's `models`: tried in order when the first cannot answer."""
    models = _strings(value, name)
    if len(models) > MAX_FALLBACKS:
        raise InvalidArgumentError(f"`{name}` takes at most {MAX_FALLBACKS} models, got {len(models)}.")
    return [model.strip() for model in models]


def provider_preferences(value: object, name: str) -> dict[str, Any]:
    prefs = _mapping(value, name, '{"sort": "price", "ignore": ["DeepInfra"]}')
    flags = ("allow_fallbacks", "require_parameters", "zdr")
    lists = ("order", "only", "ignore", "quantizations")
    _only_keys(prefs, name, (*lists, *flags, "sort", "data_collection", "max_price"))
    for key in lists:
        if key in prefs:
            _strings(prefs[key], f"{name}.{key}")
    for key in flags:
        if key in prefs:
            v.boolean(prefs[key], f"{name}.{key}")
    if "sort" in prefs:
        v.one_of(prefs["sort"], f"{name}.sort", PROVIDER_SORTS)
    if "data_collection" in prefs:
        v.one_of(prefs["data_collection"], f"{name}.data_collection", ("allow", "deny"))
    if "max_price" in prefs:
        prices = _mapping(prefs["max_price"], f"{name}.max_price", '{"prompt": 1, "completion": 2}')
        _only_keys(prices, f"{name}.max_price", _PRICE_KEYS)
        for key, price in prices.items():
            v.number_between(price, f"{name}.max_price.{key}", 0.0, 1e6)
    return dict(prefs)


def reasoning_options(value: object, name: str) -> dict[str, Any]:
    options = _mapping(value, name, '{"effort": "high"} or {"max_tokens": 2000}')
    _only_keys(options, name, ("effort", "max_tokens", "exclude", "enabled"))
    if "effort" in options and "max_tokens" in options:
        raise InvalidArgumentError(f"`{name}` takes `effort` or `max_tokens`, not both.")
    if "effort" in options:
        v.one_of(options["effort"], f"{name}.effort", REASONING_EFFORTS)
    if "max_tokens" in options:
        v.positive_int(options["max_tokens"], f"{name}.max_tokens")
    for key in ("exclude", "enabled"):
        if key in options:
            v.boolean(options[key], f"{name}.{key}")
    return dict(options)


def response_format(value: object, name: str) -> dict[str, Any]:
    example = '{"type": "json_schema", "json_schema": {"name": "answer", "schema": {...}}}'
    fmt = _mapping(value, name, example)
    kind = fmt.get("type")
    if kind == "json_object":
        _only_keys(fmt, name, ("type",))
    elif kind == "json_schema":
        _only_keys(fmt, name, ("type", "json_schema"))
        spec = _mapping(fmt.get("json_schema"), f"{name}.json_schema", '{"name": "answer", "schema": {...}}')
        _only_keys(spec, f"{name}.json_schema", ("name", "schema", "strict", "description"))
        if not isinstance(spec.get("name"), str) or not isinstance(spec.get("schema"), Mapping):
            raise InvalidArgumentError(f"`{name}.json_schema` needs a `name` string and a `schema` object.")
    else:
        raise InvalidArgumentError(f'`{name}.type` must be "json_object" or "json_schema", like {example}.')
    return dict(fmt)


def tool_definitions(value: object, name: str) -> list[dict[str, Any]]:
    example = '[{"type": "function", "function": {"name": "get_weather", "parameters": {...}}}]'
    if not isinstance(value, list) or not value:
        raise InvalidArgumentError(f"`{name}` must be a non-empty list of tools, like {example}.")
    for index, tool in enumerate(value):
        where = f"{name}[{index}]"
        entry = _mapping(tool, where, example)
        function = entry.get("function")
        if entry.get("type") != "function" or not isinstance(function, Mapping):
            raise InvalidArgumentError(f'{where} must be {{"type": "function", "function": {{...}}}}.')
        if not isinstance(function.get("name"), str) or not function["name"]:
            raise InvalidArgumentError(f"{where}.function needs a `name`.")
        if "parameters" in function and not isinstance(function["parameters"], Mapping):
            raise InvalidArgumentError(f"{where}.function.parameters must be a JSON schema object.")
    return [dict(tool) for tool in value]


def tool_choice(value: object, name: str) -> str | dict[str, Any]:
    if isinstance(value, str):
        return v.one_of(value, name, TOOL_CHOICES)
    choice = _mapping(value, name, '"auto" or {"type": "function", "function": {"name": "get_weather"}}')
    function = choice.get("function")
    if choice.get("type") != "function" or not isinstance(function, Mapping) or not function.get("name"):
        raise InvalidArgumentError(f'`{name}` must be "auto", "none", "required" or a function by name.')
    return dict(choice)


def plugins(value: object, name: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(p, Mapping) and isinstance(p.get("id"), str) for p in value):
        raise InvalidArgumentError(f'`{name}` must be a list of plugins like [{{"id": "web"}}].')
    return [dict(plugin) for plugin in value]


def modalities(value: object, name: str) -> list[str]:
    kinds = _strings(value, name)
    for kind in kinds:
        v.one_of(kind, f"{name}[]", ("text", "image"))
    return kinds


def penalty(value: object, name: str) -> float:
    return v.number_between(value, name, -2.0, 2.0)
