"""Shared argument checks: each takes the raw value and the argument's name, returns the value
or raises `InvalidArgumentError` with a message that says what to pass instead.

Used by `ModelQuery.build` directly and by `ChatRequest` through pydantic validators, so an
option is checked (and its message worded) the same way wherever it appears. These checks refuse
`bool` where a number is expected (`True` is not 1) — but note that over MCP the SDK first
coerces arguments to the tool's declared types (a JSON `true` for an `int` argument arrives as 1),
as it always has; arguments declared `object` reach these checks untouched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeGuard

from mcp_server_openrouter.errors import InvalidArgumentError


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def integer(value: object, name: str) -> int:
    if not _is_int(value):
        raise InvalidArgumentError(f"`{name}` must be an integer, got {value!r}.")
    return value  # type: ignore[return-value]


def positive_int(value: object, name: str) -> int:
    if not _is_int(value) or value <= 0:  # type: ignore[operator]
        raise InvalidArgumentError(f"`{name}` must be a positive integer, got {value!r}.")
    return value  # type: ignore[return-value]


def non_negative_int(value: object, name: str, unit: str = "") -> int:
    if not _is_int(value) or value < 0:  # type: ignore[operator]
        raise InvalidArgumentError(f"`{name}` must be a non-negative integer{unit}, got {value!r}.")
    return value  # type: ignore[return-value]


def int_between(value: object, name: str, low: int, high: int) -> int:
    if not _is_int(value) or not low <= value <= high:  # type: ignore[operator]
        raise InvalidArgumentError(f"`{name}` must be an integer from {low} to {high}, got {value!r}.")
    return value  # type: ignore[return-value]


def is_number(value: object) -> TypeGuard[int | float]:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number_between(value: object, name: str, low: float, high: float, *, above_low: bool = False) -> float:
    """A finite number in [low, high] (or (low, high] with `above_low`); ints stay ints."""
    number = value if is_number(value) else math.nan
    if not ((low < number if above_low else low <= number) and number <= high):
        allowed = f"greater than {low:g} and at most {high:g}" if above_low else f"between {low:g} and {high:g}"
        raise InvalidArgumentError(f"`{name}` must be {allowed}, got {value!r}.")
    return number


def boolean(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"`{name}` must be true or false.")
    return value


def one_of(value: object, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise InvalidArgumentError(f"`{name}` must be one of: {', '.join(choices)}; got {value!r}.")
    return str(value)
