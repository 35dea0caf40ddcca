"""The store interface (:class:`GraphStore`) and the embedded Oxigraph store (memory or disk).

:func:`wsis_kg.store.open_store` chooses a store from the settings.
"""

from __future__ import annotations

import os
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from wsis_kg.errors import InputSyntaxError
from wsis_kg.sparql.lexer import has_keyword, insert_bound, repeatable_update


class GraphStore(ABC):
    """The operations the build, the endpoints and the dumps need from a store."""

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: list[str] | None = None,
        named_graph_uris: list[str] | None = None,
        base_iri: str | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Evaluate a SPARQL query (no time limit here: see ``wsis_kg.sparql.service``)."""

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...

    @abstractmethod
    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str | None, *, source: str = "") -> None:
        """Add the triples/quads of ``data``; triples go to ``graph`` (None: default graph)."""

    @abstractmethod
    def clear_graph(self, graph: str) -> None: ...

    @abstractmethod
    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    @abstractmethod
    def named_graphs(self) -> list[str]: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""


class OxigraphStore(GraphStore):
    """pyoxigraph ``Store``: in memory (``path=None``) or a RocksDB directory (one process)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.ox = ox.Store(str(path)) if path else ox.Store()
        #: Checkpoints taken for the query processes: directory, when superseded (None: current).
        self._checkpoints: list[tuple[Path, float | None]] = []

    @classmethod
    def around(cls, store: ox.Store) -> OxigraphStore:
        """An in-memory store object around an existing pyoxigraph store (a disk store's
        in-memory mirror, which forked children may read where RocksDB may not be); a
        :class:`DiskSnapshot` is one already."""
        if isinstance(store, OxigraphStore):
            return store
        self = cls.__new__(cls)
        self.path, self.ox = None, store
        return self

    def snapshot(self, mirror_max_triples: int, *, keep_seconds: float = 600.0) -> ox.Store:
        """What the query processes of an on-disk store fork from, as of now.

        RocksDB's read-write handle must not be used by a forked child, so the service reads
        from a snapshot, taken again after every write: up to ``mirror_max_triples`` quads an
        in-memory copy (the fastest to query, ≈400 MiB per million quads); above, a
        **checkpoint** of the store (:meth:`checkpoint`) that each process opens read-only,
        which costs only RocksDB's caches, so a store of tens of millions of quads is served
        within a bounded memory (docs/performance.md). ``keep_seconds``: how long a superseded
        checkpoint is kept for the processes still reading it (at least the longest query or
        job).
        """
        if self.path is None:
            return self.ox
        if len(self) > mirror_max_triples:
            return self.checkpoint(keep_seconds)  # type: ignore[return-value]  # quacks like one
        mirror = ox.Store()
        mirror.bulk_extend(self.ox.quads_for_pattern(None, None, None, None))
        return mirror

    def checkpoint(self, keep_seconds: float = 600.0) -> DiskSnapshot:
        """A RocksDB checkpoint of the store, in ``<store>.snapshots/`` beside it: hard links
        to its files (≈3 ms at 10M quads), a directory no process ever writes.

        Why not the store's own directory: its read-write handle (this process) compacts in
        the background, deleting and rewriting files; a read-only handle opened on it then
        failed ("IO error: No such file or directory: While open a file for random read:
        ….sst" — the DESCRIBE answered 502 at 10M), and pyoxigraph calls such a handle
        undefined behaviour. Superseded checkpoints are deleted ``keep_seconds`` after the
        next one (their processes are retired by then); a previous run's, at the first one.
        """
        assert self.path is not None
        root = snapshots_dir(self.path)
        if not self._checkpoints:
            if root.exists():
                shutil.rmtree(root, ignore_errors=True)  # a previous run's: nothing reads them
            # A store fresh from a bulk load is many unmerged files, and a checkpoint keeps it
            # so: queries read 3–6× slower (10M quads, measured). Compact once, at the first
            # checkpoint (21.5 s at 10M after a bulk load; 0 s for a store compacted before).
            self.ox.optimize()
        root.mkdir(parents=True, exist_ok=True)
        target = root / f"{time.time_ns():x}"
        self.ox.backup(str(target))
        now = time.monotonic()
        kept: list[tuple[Path, float | None]] = []
        for path, superseded in self._checkpoints:
            superseded = now if superseded is None else superseded
            if now - superseded > keep_seconds:
                shutil.rmtree(path, ignore_errors=True)
            else:
                kept.append((path, superseded))
        self._checkpoints = [*kept, (target, None)]
        return DiskSnapshot(target)

    def query(self, sparql, *, default_graph_uris=None, named_graph_uris=None, base_iri=None):
        return self.ox.query(sparql, **dataset_kwargs(sparql, default_graph_uris,
                                                      named_graph_uris, base_iri))

    def update(self, sparql, *, base_iri=None):
        self.ox.update(sparql, base_iri=base_iri)

    def load(self, data, fmt, graph, *, source=""):
        to_graph = ox.NamedNode(graph) if graph else ox.DefaultGraph()
        try:
            self.ox.bulk_load(data, format=fmt, to_graph=to_graph)
        except SyntaxError as e:
            raise syntax_error_from(e, source) from None

    def clear_graph(self, graph):
        self.ox.remove_graph(ox.NamedNode(graph))

    def quads(self, graph=None):
        g = ox.NamedNode(graph) if graph else None
        return iter(self.ox.quads_for_pattern(None, None, None, g))

    def named_graphs(self):
        return sorted(g.value for g in self.ox.named_graphs() if isinstance(g, ox.NamedNode))

    def __len__(self):
        return len(self.ox)

    def close(self):
        if self.path:
            self.ox.flush()
            self.drop_checkpoints()

    def drop_checkpoints(self) -> None:
        """Delete every checkpoint taken (the service is closing: nothing reads them)."""
        for path, _ in self._checkpoints:
            shutil.rmtree(path, ignore_errors=True)
        self._checkpoints = []


class WriteLog(GraphStore):
    """A store being written that records each change, so that the change can be made again
    on another copy of the same quads: the in-memory mirror of a disk store, which otherwise
    has to be copied whole after every write (12.5 s at 1M quads, measured: reading RocksDB is
    the cost). Reads and writes go to ``store``; :meth:`replay` repeats the writes.

    ``repeatable`` turns False at the first change whose repetition could differ (an update
    that :func:`~wsis_kg.sparql.lexer.repeatable_update` refuses, a load); the caller then
    copies the store as before. ``grows_by``: the most quads the changes can have added
    (:func:`~wsis_kg.sparql.lexer.insert_bound`; None: only a count can tell).
    """

    def __init__(self, store: GraphStore) -> None:  # noqa: D107
        self.store = store
        self.changes: list[Callable[[GraphStore], None]] = []
        self.repeatable = True
        self.grows_by: int | None = 0

    def replay(self, target: GraphStore) -> None:
        """Make every recorded change again, in order, on ``target``."""
        for change in self.changes:
            change(target)

    def update(self, sparql, *, base_iri=None):
        self.store.update(sparql, base_iri=base_iri)
        if repeatable_update(sparql):
            self.changes.append(lambda st: st.update(sparql, base_iri=base_iri))
            more = insert_bound(sparql)
            self.grows_by = None if more is None or self.grows_by is None else self.grows_by + more
        else:
            self.repeatable = False

    def load(self, data, fmt, graph, *, source=""):
        self.store.load(data, fmt, graph, source=source)
        self.repeatable = False  # its blank nodes would be other ones the second time

    def clear_graph(self, graph):
        self.store.clear_graph(graph)
        self.changes.append(lambda st: st.clear_graph(graph))

    def query(self, sparql, *, default_graph_uris=None, named_graph_uris=None, base_iri=None):
        return self.store.query(sparql, default_graph_uris=default_graph_uris,
                                named_graph_uris=named_graph_uris, base_iri=base_iri)

    def quads(self, graph=None):
        return self.store.quads(graph)

    def named_graphs(self):
        return self.store.named_graphs()

    def __len__(self):
        return len(self.store)

    def __bool__(self) -> bool:
        return True  # not ``len``: counting a store reads all of it


def snapshots_dir(path: Path) -> Path:
    """Where the checkpoints of the store at ``path`` are taken: beside it (hard links need
    the same file system)."""
    return path.with_name(path.name + ".snapshots")


class DiskSnapshot(OxigraphStore):
    """A read-only handle on a checkpoint of an on-disk store, opened by the process that
    reads it.

    A forked query process or job closes every file it inherited from the server (RocksDB's
    among them: a child reading through its parent's handle hung or got "Bad file
    descriptor"), so each process opens its own handle at its first read. It sees the store as
    it was at the checkpoint; the service takes a new one after every write and retires the
    processes of the previous one.
    """

    def __init__(self, path: Path) -> None:  # noqa: D107 - no super(): nothing opened yet
        self.path = path
        self._handle: ox.Store | None = None
        self._pid = 0
        self._checkpoints = []

    @property  # type: ignore[override]
    def ox(self) -> ox.Store:
        if self._handle is None or self._pid != os.getpid():
            self._handle = ox.Store.read_only(str(self.path))
            self._pid = os.getpid()
        return self._handle

    def quads_for_pattern(self, *pattern: Any) -> Iterator[ox.Quad]:
        """pyoxigraph's own call, for the callers that treat a snapshot as a pyoxigraph store."""
        return iter(self.ox.quads_for_pattern(*pattern))

    def close(self) -> None:
        self._handle = None


def has_dataset_clause(sparql: str) -> bool:
    """Whether the query names its own dataset (FROM / FROM NAMED), cheaply, without parsing.

    FROM must be a keyword token of the query: in a string, comment, IRI or name it is not a
    dataset clause, and reading it as one would take the union default graph away.
    """
    return has_keyword(sparql, "FROM")


def dataset_kwargs(sparql: str, default_graph_uris=None, named_graph_uris=None,
                   base_iri: str | None = None, *,
                   union_default_graph: bool = True) -> dict[str, Any]:
    """pyoxigraph ``Store.query`` arguments for the SPARQL 1.1 dataset rules of this project.

    * protocol dataset given (``default-graph-uri`` / ``named-graph-uri``): exactly that dataset
      (a missing part is empty, as the SPARQL Protocol says), overriding FROM in the query;
    * else the query's own FROM / FROM NAMED;
    * else the default graph is the union of all graphs (``union_default_graph``; else the
      store's own default graph), all named graphs are available.
    """
    kwargs: dict[str, Any] = {"base_iri": base_iri}
    if default_graph_uris or named_graph_uris:
        kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris or ()]
        kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris or ()]
    elif union_default_graph and not has_dataset_clause(sparql):
        kwargs["use_default_graph_as_union"] = True
    return kwargs


def syntax_error_from(e: SyntaxError, source: str) -> InputSyntaxError:
    """Turn a pyoxigraph/rdflib parse error into our error with line and column."""
    line = getattr(e, "lineno", None)
    col = getattr(e, "offset", None)
    msg = getattr(e, "msg", None) or str(e)
    where = f"{source}:" if source else ""
    if line:
        where += f"{line}:{col or 0}: "
    return InputSyntaxError(f"{where}{msg}", source=source or None, line=line, column=col)
