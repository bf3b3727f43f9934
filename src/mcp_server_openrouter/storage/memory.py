"""In-memory structures shared by the domain caches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _one(key: object, value: object) -> int:
    return 1


class LRUCache(Generic[K, V]):
    """A mapping bounded by entries and by total weight; the least recently used goes first.

    `weigh(key, value)` estimates an entry's size (in bytes, say). Counting entries alone is
    not enough when one entry can be huge: thirty 4 MB search strings in the keys of a
    256-entry cache once held 141 MB.
    """

    def __init__(
        self,
        max_items: int,
        *,
        max_weight: int | None = None,
        weigh: Callable[[K, V], int] = _one,
    ) -> None:
        self.max_items = max_items
        self.max_weight = max_weight
        self._weigh = weigh
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self.weight = 0

    def get(self, key: K) -> V | None:
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(key, value)
        if self.max_items <= 0 or (self.max_weight is not None and weight > self.max_weight):
            return  # never kept: it would push out everything else
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self._items[key] = (value, weight)
        self.weight += weight
        while len(self._items) > self.max_items or (self.max_weight is not None and self.weight > self.max_weight):
            _, (_, dropped) = self._items.popitem(last=False)
            self.weight -= dropped

    def clear(self) -> None:
        self._items.clear()
        self.weight = 0

    def __len__(self) -> int:
        return len(self._items)
