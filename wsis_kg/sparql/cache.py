"""The answer cache: serialised answers reused while the store has not changed.

Every write to a local store goes through :meth:`wsis_kg.sparql.service.QueryService.write`,
which starts a new store *generation*; keys carry the generation, so a write ends every reuse.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from wsis_kg.sparql.evaluate import QueryRequest, QueryResult
from wsis_kg.sparql.guard import INLINE_TEXT_BYTES, MEMO_BYTES, mentions_remote
from wsis_kg.sparql.lexer import has_keyword
from wsis_kg.sparql.memo import text_memo

#: Functions whose value changes from one evaluation to the next: such answers are never reused.
VOLATILE_FUNCTIONS = ("RAND", "NOW", "UUID", "STRUUID", "BNODE")


def cacheable(req: QueryRequest) -> bool:
    """Whether two evaluations of ``req`` on the same store give the same bytes.

    Not when the text may reach another endpoint (SERVICE: its data changes without our writes)
    or calls a volatile function (RAND, NOW, UUID, STRUUID, BNODE), found by the one SPARQL
    lexer (a word inside a string or comment is no call). Nor when the text is longer than
    :data:`~wsis_kg.sparql.guard.INLINE_TEXT_BYTES`: tokenising it in the serving process
    would cost more than the answer saves.
    """
    return len(req.sparql) <= INLINE_TEXT_BYTES and _cacheable_text(req.sparql)


@text_memo(max_bytes=MEMO_BYTES)
def _cacheable_text(sparql: str) -> bool:
    # Memoised: a request asks several times (cache key, ETag), and clients repeat queries.
    return not (mentions_remote(sparql) or has_keyword(sparql, *VOLATILE_FUNCTIONS))


class ResultCache:
    """Least-recently-used serialised answers, bounded in bytes, valid for one store generation.

    Keyed by everything that decides the answer's bytes: the store generation, the query text,
    the dataset parameters, the base IRI, the project-prefix switch and what negotiation sees
    (``Accept`` and ``format=``). Only complete successful answers are stored (never errors,
    timeouts or answers over the cap, which raise). Writes clear it, and an answer computed
    while a write happened is not stored (its generation is no longer current).
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        #: One answer may use at most an eighth of the cache.
        self.max_entry = self.max_bytes // 8
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple, QueryResult] = OrderedDict()
        self._size = 0
        self.hits = self.misses = 0

    @staticmethod
    def _cost(key: tuple, res: QueryResult) -> int:
        """The answer's bytes and the key's: its query text and every other string in it."""
        return len(res.body) + sum(len(k) for k in key if isinstance(k, str)) \
            + sum(len(u) for k in key if isinstance(k, tuple) for u in k) + 256

    def get(self, key: tuple, *, count_miss: bool = True) -> QueryResult | None:
        """The answer stored under ``key`` (now most recently used); ``count_miss=False`` for a
        look-up that is followed by a counted one when it fails (the web fast path)."""
        with self._lock:
            res = self._items.get(key)
            if res is None:
                self.misses += count_miss
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return res

    def put(self, key: tuple, res: QueryResult) -> None:
        cost = self._cost(key, res)
        if cost > self.max_entry:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= self._cost(key, old)
            self._items[key] = res
            self._size += cost
            while self._size > self.max_bytes and self._items:
                k, v = self._items.popitem(last=False)
                self._size -= self._cost(k, v)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def status(self) -> dict[str, int]:
        return {"entries": len(self._items), "bytes": self._size, "max_bytes": self.max_bytes,
                "hits": self.hits, "misses": self.misses}
