"""A memo of functions of one query text, bounded by the bytes the texts take.

``functools.lru_cache`` bounds by count: 4,096 texts of 8 MB each is 32 GB. Here every entry
costs its text's length times ``weight`` (what is kept per byte of text: 1 for a flag, more
for a token list), the whole memo at most ``max_bytes``, and a text costing more than an eighth
of it is computed but not kept.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

R = TypeVar("R")

#: Extra bytes an entry costs besides its text (the key, the node, the value's own object).
OVERHEAD = 200


class TextMemo:
    """A least-recently-used memo of ``fn(text)``, bounded in bytes."""

    def __init__(self, fn: Callable[[str], R], *, max_bytes: int, weight: int = 1) -> None:
        self.fn = fn
        self.max_bytes = max_bytes
        self.weight = weight
        self._items: OrderedDict[str, R] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        functools.update_wrapper(self, fn)

    def _cost(self, text: str) -> int:
        return len(text) * self.weight + OVERHEAD

    def __call__(self, text: str) -> R:
        with self._lock:
            if text in self._items:
                self._items.move_to_end(text)
                return self._items[text]
        value = self.fn(text)
        cost = self._cost(text)
        if cost > self.max_bytes // 8:
            return value
        with self._lock:
            if text not in self._items:
                self._items[text] = value
                self.bytes += cost
            while self.bytes > self.max_bytes and self._items:
                old, _ = self._items.popitem(last=False)
                self.bytes -= self._cost(old)
        return value

    def cache_clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def text_memo(*, max_bytes: int, weight: int = 1) -> Callable[[Callable[[str], R]], TextMemo]:
    """Decorator form of :class:`TextMemo`."""
    return lambda fn: TextMemo(fn, max_bytes=max_bytes, weight=weight)
