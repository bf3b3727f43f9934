"""Tolerant readers for JSON from the API: a missing or oddly typed field becomes None.

Kept outside `client` so the catalogue can use them without importing httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_decimal(value: object) -> Decimal | None:
    """A price or cost as an exact decimal; floats go through `str` to drop binary noise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value)) if isinstance(value, (int, float, str)) else None
    except InvalidOperation:
        return None
    if number is None or not number.is_finite():
        return None
    return number


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
