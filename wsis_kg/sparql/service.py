"""The query service: queries with limits, every write serialised, and the reads the web needs.

A query runs with a time limit that really stops the work, a result cap and no network. It is
evaluated by :mod:`wsis_kg.sparql.evaluate`; against the embedded store it runs in one of the
pre-forked query processes of :mod:`wsis_kg.sparql.pool` (killed at the deadline), and repeated
answers come from :mod:`wsis_kg.sparql.cache`.

Writes (SPARQL Update, ingest, Graph Store) all go through :meth:`QueryService.write`: it holds
the write lock and changes the store in this process. Only when the change succeeded does it
bump the store *generation*, empty the answer cache and retire the query processes forked
before, so the next answer sees the write; a write that fails leaves the store, the cache and
the processes as they were.

Store kinds:

* in-memory Oxigraph (default): workers fork from it directly;
* on-disk Oxigraph: RocksDB is neither fork-safe nor shareable between processes, so the
  service keeps an in-memory *mirror* of the disk store and workers fork from the mirror; writes
  go to the disk store, and the mirror makes the same change when it is repeatable
  (:class:`~wsis_kg.store.embedded.WriteLog`) or is copied again from the disk;
* remote endpoint: queries run in the request thread; the remote endpoint's own timeout and the
  HTTP client timeout bound them (nothing local to kill).

A query whose cost is bounded by its answer (one triple pattern, ``ASK {}``:
:mod:`wsis_kg.sparql.bounded`) is answered in the serving process when counting its answer
takes less than ``Settings.inline_query_budget``, without the hop to a query process; it goes to
one (its time limit counted from there: at most the budget later) when it takes longer or a
write is under way.

SERVICE and LOAD are checked *before* anything runs, by :mod:`wsis_kg.sparql.guard` (pyoxigraph
would otherwise perform the HTTP call itself).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import os
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any, Literal, TypeVar

import pyoxigraph as ox

from wsis_kg.errors import ResultTooLarge, StoreError, WsisError
from wsis_kg.extraction.importer.editor import ImportedText, import_texts
from wsis_kg.graph.search import Entry, SearchService, touched_by_update
from wsis_kg.graph.search import changes as index_changes
from wsis_kg.rdf.parse import ParsedInput, parse_bytes
from wsis_kg.settings import Settings
from wsis_kg.sparql import bounded
from wsis_kg.sparql.cache import ResultCache, cacheable
from wsis_kg.sparql.evaluate import QueryRequest, QueryResult, evaluate, syntax_error
from wsis_kg.sparql.guard import (
    INLINE_TEXT_BYTES,
    check_remote_access,
    guard_update,
    may_mention_remote,
)
from wsis_kg.sparql.jobs import JobRunner
from wsis_kg.sparql.lexer import check_nesting
from wsis_kg.sparql.pool import WorkerPool
from wsis_kg.sparql.waiting import offload, on_loop
from wsis_kg.store.embedded import DiskSnapshot, GraphStore, OxigraphStore, WriteLog
from wsis_kg.validation import ingest
from wsis_kg.validation.ingest import WriteResult
from wsis_kg.validation.report import ValidationReport
from wsis_kg.validation.validate import prepare as prepare_validation
from wsis_kg.validation.validate import validate_new_data, validate_with_shapes

__all__ = ["QueryRequest", "QueryResult", "QueryService"]

T = TypeVar("T")
R = TypeVar("R")

#: Identifies this serving process, so an ETag never survives a restart (generation restarts
#: at 0 and an in-memory store may hold other data then).
_BOOT = os.urandom(8).hex()


#: Every quad of the store: the default graph's triples and each named graph's.
_COUNT_QUADS = QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION "
                            "{ GRAPH ?g { ?s ?p ?o } } }", format="tsv", union_default_graph=False)


class QueryService:
    """Runs queries with limits and serialises every write to the store.

    ``workers``: the size of the query process pool (default: ``Settings.workers``, at least 1).
    """

    def __init__(self, settings: Settings, store: GraphStore, *, workers: int | None = None,
                 prewarm: bool = True) -> None:
        self.settings = settings
        self.store = store
        self.write_lock = threading.RLock()
        #: Writes begun and finished: a read made in this process is kept only when no write
        #: was under way or began while it ran (both counts equal, and unchanged after).
        self._writes_begun = 0
        self._writes_done = 0
        #: Queries answered in this process / given to a query process after the budget.
        self.inline_answers = 0
        self.inline_handed_over = 0
        self._mirror: ox.Store | None = None
        #: Writes the mirror repeated / in-memory copies of the disk store taken (mirror mode).
        self.mirror_replays = 0
        self.mirror_copies = 0
        #: Repeated writes after which the mirror had to be counted (its text could not tell).
        self.mirror_counts = 0
        #: Never fewer than the in-memory mirror's quads: counted at each copy, then raised by
        #: what each repeated write's text can add (:func:`~wsis_kg.sparql.lexer.insert_bound`).
        self._mirror_quads = 0
        self.pool: WorkerPool | None = None
        prepare_validation(settings)  # before any fork: every child shares the parsed shapes
        if isinstance(store, OxigraphStore):
            if store.path is None:
                self.mode = "fork"
                source: Callable[[], ox.Store] = lambda: store.ox  # noqa: E731
            else:
                self.mode = "mirror"
                self._refresh_mirror()
                source = lambda: self._mirror  # noqa: E731
            size = workers if workers is not None else max(1, settings.workers)
            self.pool = WorkerPool(source, size, settings.result_limit, self.write_lock,
                                   memory_mb=settings.worker_memory_mb,
                                   queue_wait=settings.query_queue_wait,
                                   long_after=settings.query_long_after,
                                   long_slots=settings.long_queries)
            if prewarm:
                self.pool.prewarm(1)
        else:
            self.mode = "inline"
        #: Costly work a caller decides (validation, parsing, large guard parses, dumps):
        #: each in a killable, memory-limited child, a few at once.
        self.jobs = JobRunner(slots=settings.jobs, memory_mb=settings.worker_memory_mb,
                              fork_lock=self.write_lock)
        #: The service's own costly reads (the search index's full re-read): one at a time,
        #: apart from the callers' slots and counts, so they never refuse a caller's job.
        self._own_jobs = JobRunner(slots=1, memory_mb=settings.worker_memory_mb,
                                   fork_lock=self.write_lock)
        #: Answers by (generation, request); only with a local store, whose every write goes
        #: through :meth:`write` (a remote store changes behind our back).
        self.cache: ResultCache | None = (
            ResultCache(settings.query_cache_bytes)
            if self.pool is not None and settings.query_cache_bytes > 0 else None)
        #: The quads counted for the health check: (generation being counted, its count).
        self._counted: tuple[int, int | None] | None = None
        self._count_done = threading.Condition(threading.Lock())
        #: The full-text index (``/search``), kept in step by :meth:`write`.
        self.search: SearchService | None = (
            SearchService(store, self.write_lock, rank_window=settings.search_rank_window,
                          read_all=self._index_changes if self.pool is not None else None)
            if settings.search else None)

    # -- queries ----------------------------------------------------------------------------
    def cache_key(self, req: QueryRequest) -> tuple | None:
        """What decides ``req``'s answer bytes, with the store generation; None: not reusable."""
        if self.pool is None or not cacheable(req):
            return None
        return (self.pool.generation, req.sparql, req.default_graph_uris, req.named_graph_uris,
                req.base_iri, req.project_prefixes, req.union_default_graph, req.accept or "",
                req.format or "")

    def etag(self, req: QueryRequest) -> str | None:
        """A strong validator for ``req``'s answer now: same value ⇔ same bytes would be sent.

        Derived from the request and the store generation (no evaluation needed, so a
        conditional GET that matches is answered without running the query).
        """
        key = self.cache_key(req)
        if key is None:
            return None
        return hashlib.blake2b(repr((_BOOT, key)).encode(), digest_size=12).hexdigest()

    def cached(self, req: QueryRequest) -> QueryResult | None:
        """``req``'s answer if the cache holds it now, else None (nothing is run).

        Safe without :func:`check_remote_access`: a cached query has no SERVICE or LOAD.
        """
        if self.cache is None:
            return None
        key = self.cache_key(req)
        return None if key is None else self.cache.get(key, count_miss=False)

    def query(self, req: QueryRequest | str, *, timeout: float | None = None) -> QueryResult:
        """Answer a query within the time limit and result cap, or raise a WsisError."""
        if isinstance(req, str):
            req = QueryRequest(req)
        timeout = self.settings.query_timeout if timeout is None else timeout
        check_nesting(req.sparql, self.settings.max_nesting)
        self._guarded(check_remote_access, req.sparql, timeout)
        if self.pool is None:  # unbounded, here or over the network: never on the loop
            return offload(evaluate, self.store, req, self.settings.result_limit)
        key = self.cache_key(req) if self.cache is not None else None
        if key is not None:
            hit = self.cache.get(key)  # type: ignore[union-attr]
            if hit is not None:
                return hit
        self.pool.yield_cpu()  # a query in this process too: long ones give it the CPUs
        result = self._inline(req, timeout)
        if result is None:
            result = self.pool.run(req, timeout)
        if key is not None and key[0] == self.pool.generation:
            self.cache.put(key, result)  # type: ignore[union-attr]
        return result

    def _inline(self, req: QueryRequest, timeout: float) -> QueryResult | None:
        """``req``'s answer evaluated in this process when it is bounded by its answer
        (:mod:`wsis_kg.sparql.bounded`) and counted within the budget; None: a query process
        answers it (not bounded, over the budget, or a write under way)."""
        budget = min(self.settings.inline_query_budget, timeout / 2)
        if (budget <= 0 or len(req.sparql) > INLINE_TEXT_BYTES
                or bounded.shape(req.sparql) is None):
            return None
        done = self._writes_done
        if self._writes_begun != done:
            return None  # a query process is forked under the write lock: it waits
        store = self._mirror if self._mirror is not None else self.store.ox  # type: ignore[attr-defined]
        try:
            result = bounded.run(store, req, self.settings.result_limit, budget)
        except WsisError:
            if self._writes_begun != done:
                return None
            raise
        if self._writes_begun != done:
            return None  # may have read part of a write
        if result is None:
            self.inline_handed_over += 1
        else:
            self.inline_answers += 1
        return result

    def _guarded(self, check: Callable[[str, tuple[str, ...]], R], sparql: str,
                 timeout: float) -> R:
        """The guard's ``check`` of ``sparql``: in this process for ordinary texts, in a job
        for a large text mentioning SERVICE/LOAD (rdflib's parser takes minutes on some)."""
        allow = self.settings.service_allowlist
        if on_loop() and may_mention_remote(sparql):
            # the guard's full parse can take a while: on a request thread, not on the loop
            return offload(self._guarded, check, sparql, timeout)
        if len(sparql) > INLINE_TEXT_BYTES and may_mention_remote(sparql):
            return self.jobs.run(check, sparql, allow, what="Checking the SERVICE/LOAD targets",
                                 timeout=min(timeout, self.settings.job_timeout))
        return check(sparql, allow)

    # -- jobs -------------------------------------------------------------------------------
    def run_job(self, fn: Callable[..., R], *args: Any, what: str,
                reads_store: bool = False, timeout: float | None = None) -> R:
        """``fn(*args)`` in a killable, memory-limited child (:mod:`wsis_kg.sparql.jobs`).

        ``reads_store``: the child reads the store, so it is forked under the write lock (never
        from a half-written store). 503 when it is stopped at a limit or none is free.
        """
        return self.jobs.run(fn, *args, what=what, fork_lock=reads_store,
                             timeout=self.settings.job_timeout if timeout is None else timeout)

    def parse(self, data: bytes | str, fmt: Any, *, source: str,
              base_iri: str | None = None) -> ParsedInput:
        """Caller RDF parsed in a job (a hostile document cannot pin the serving process);
        400 with line and column when it is not valid."""
        quads, prefixes = self.run_job(_parse_parts, data, fmt, source, base_iri,
                                       self.settings.max_nesting,
                                       what=f"Parsing {source}")
        return ParsedInput(quads, source, fmt, prefixes)

    def import_texts(self, texts: Sequence[tuple[str, str]], **header: str | None
                     ) -> list[ImportedText]:
        """Resolution texts (name, text) imported in a job: the importer's cost is the
        caller's, so it gets the time, memory and concurrency limits of every costly path.
        ``header``: the symbol, date, title or body an editor gave (one text only)."""
        return self.run_job(functools.partial(import_texts, **header), list(texts),
                            self.settings, what="The import")

    # -- writes -----------------------------------------------------------------------------
    def write(self, fn: Callable[[GraphStore], T], *, touches: Iterable[str] | None = None,
              graphs: Sequence[str | None] | None = None) -> T:
        """Run ``fn(store)`` as the only writer; afterwards every query sees its changes.

        Everything that changes the store (SPARQL Update, ingest, Graph Store Protocol) must
        call this, so that query workers forked before the change are retired. ``fn`` makes
        its change in one transaction (one SPARQL Update request: Oxigraph applies all of it
        or none of it) or raises before changing anything, so a failed ``fn`` changed nothing:
        the generation, the answer cache, the query processes and the mirror stay as they
        were (a refused write costs no re-fork and no mirror copy). Only an unforeseen
        exception (not a :class:`WsisError`) is treated as a possible partial change.
        ``touches``: the subject and graph IRIs ``fn`` can change, so the search index re-reads
        only those (None: unknown, the index re-reads every indexed subject). ``graphs``: the
        only graphs ``fn`` can change (None: the default graph), so an in-memory mirror takes
        just those again from the disk when the write cannot be repeated on it.
        """
        with self.write_lock:
            self._writes_begun += 1
            try:
                log = WriteLog(self.store) if isinstance(self._mirror, ox.Store) else None
                try:
                    result = fn(self.store if log is None else log)
                except WsisError:
                    raise  # refused on purpose, before or instead of the one transaction
                except BaseException:
                    self._changed(None)  # an unforeseen failure may have left a partial change
                    raise
                self._changed(touches, log, graphs)
                return result
            finally:
                self._writes_done += 1

    def _changed(self, touches: Iterable[str] | None, log: WriteLog | None = None,
                 graphs: Sequence[str | None] | None = None) -> None:
        """After a successful write (under the write lock): retire what saw the old store."""
        if self.search is not None:
            self.search.after_write(touches)
        if self.mode == "mirror" and not self._replayed(log, graphs):
            self._refresh_mirror()
        if self.pool is not None:
            self.pool.new_generation()
        if self.cache is not None:
            self.cache.clear()
            with contextlib.suppress(Exception):
                self.pool.prewarm(1)  # type: ignore[union-attr]  # the writer pays the fork

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Execute SPARQL Update (already authorised by the caller), SERVICE/LOAD checked first."""
        check_nesting(sparql, self.settings.max_nesting, "update")
        sparql = self._guarded(guard_update, sparql, self.settings.query_timeout)

        def run(store: GraphStore) -> None:
            try:
                store.update(sparql, base_iri=base_iri)
            except SyntaxError as e:
                raise syntax_error(e, "update") from None
            except WsisError:
                raise
            except (OSError, ValueError, RuntimeError) as e:
                raise StoreError(f"The update failed: {e}") from None

        self.write(run, touches=touched_by_update(sparql) if base_iri is None else None)

    def write_graph(self, quads: Sequence[ox.Quad], *, graph: str | None,
                    mode: Literal["replace", "append"], principal: str,
                    source: str) -> WriteResult:
        """Validate and write a graph with its provenance (Graph Store PUT/POST, ingest)."""
        def check(quads: list[ox.Quad], settings: Settings, store: GraphStore,
                  **kw: Any) -> ValidationReport:
            # Under the write lock (``write`` holds it): the child sees the store written to.
            return self.run_job(functools.partial(validate_new_data, **kw), quads, settings,
                                self._readable(), what="The validation", reads_store=True)

        touches = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
        touches.update((graph or "", ingest.agent_iri(principal)))  # "": the default graph
        return ingest.write_graph(self.store, self.settings, quads, graph=graph, mode=mode,
                                  principal=principal, source=source,
                                  writer=functools.partial(
                                      self.write, touches=touches,
                                      graphs=ingest.written_graphs(graph)),
                                  check=check)

    def delete_graph(self, graph: str | None) -> bool:
        """Drop a graph and its provenance record; False when there was no such graph."""
        return ingest.delete_graph(self.store, graph, writer=functools.partial(
            self.write, touches=None if graph is None else {graph}))

    # -- reads other than queries -----------------------------------------------------------
    # Each read the web layer needs, with its limit: a Graph Store GET is a query (time limit
    # and result cap); dumps and the ontology/shapes documents are whole-graph downloads bounded
    # by the dataset itself; sizes are one query (limits apply, sizes 0 when it is refused).

    def has_graph(self, graph: str | None) -> bool:
        """Whether ``graph`` exists (None: the default graph, which always does)."""
        return ingest.graph_exists(self.store, graph)

    def graph(self, graph: str | None, *, timeout: float | None = None) -> list[ox.Triple]:
        """The triples of ``graph`` (None: the store's own default graph), for a Graph Store
        GET: a query like any other, so the time limit and the result cap apply (503 above)."""
        limit = self.settings.result_limit
        if self.pool is None:
            # A remote store: its own and the HTTP client's timeouts bound the read.
            triples = [q.triple for q in itertools.islice(self.store.quads(graph), limit + 1)]
            if len(triples) > limit:
                raise ResultTooLarge(f"The graph has more than {limit} triples; it is refused "
                                     "rather than truncated. Query it with SPARQL and LIMIT/"
                                     "OFFSET to page through it.", limit=limit)
            return triples
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph is not None else "?s ?p ?o"
        req = QueryRequest(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", format="nt",
                           union_default_graph=False)
        body = self.query(req, timeout=timeout).body
        return list(ox.parse(body, ox.RdfFormat.N_TRIPLES))

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """A SELECT's rows as {variable: term} (unbound variables left out), under the limits
        of every query: what the pages and the dataset description read."""
        body = self.query(QueryRequest(sparql, format="tsv")).body
        solutions = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in solutions]

    def construct(self, sparql: str) -> list[ox.Triple]:
        """A CONSTRUCT's or DESCRIBE's triples, under the limits of every query."""
        body = self.query(QueryRequest(sparql, format="nt")).body
        return list(ox.parse(body, ox.RdfFormat.N_TRIPLES))

    def describe(self, iri: str) -> list[ox.Triple]:
        """The Concise Bounded Description of ``iri``, each triple once across named graphs."""
        return list(dict.fromkeys(self.construct(f"DESCRIBE <{iri}>")))

    def uses(self, iri: str) -> bool:
        """Whether the graph uses ``iri`` at all: as subject, object or named graph."""
        return bool(self.select(
            f"SELECT ?x WHERE {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} "
            f"UNION {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} BIND(1 AS ?x) }} LIMIT 1"))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (of ``graph``): for dumps and the ontology and shapes documents, which are
        whole-dataset downloads, bounded by the dataset and built once per generation.

        From the in-memory mirror in mirror mode: a forked dump job must not read RocksDB."""
        if self._mirror is not None:
            g = ox.NamedNode(graph) if graph else None
            return iter(self._mirror.quads_for_pattern(None, None, None, g))
        return self.store.quads(graph)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph (the service description); counted by one query under the
        time limit, every size 0 when that query is refused."""
        req = QueryRequest("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                           "GROUP BY ?g", format="tsv")
        try:
            rows = ox.parse_query_results(self.query(req).body, ox.QueryResultsFormat.TSV)
            return {str(r["g"].value): int(r["n"].value) for r in rows}
        except WsisError:
            return dict.fromkeys(self.store.named_graphs(), 0)

    def size(self, *, wait: float = 1.0) -> tuple[int | None, int]:
        """(quads, named graphs) of the store, for the health check.

        A local store's quads are counted once per store generation, by a query process:
        counting them here would hold this process's GIL (1M quads: 0.08 s in memory, 0.16 s
        on disk, measured; ten times that at 10M) on a route anyone may call without limit.
        The count is waited for up to ``wait`` seconds; None while it still runs (or when it
        was refused), and the next call has it.
        """
        graphs = len(self.store.named_graphs())
        if self.pool is None:
            return len(self.store), graphs  # the remote engine counts, under its own limits
        gen = self.pool.generation
        with self._count_done:
            if self._counted is None or self._counted[0] != gen:
                self._counted = (gen, None)
                threading.Thread(target=self._count_quads, args=(gen,), daemon=True,
                                 name="wsis-kg-count").start()
            self._count_done.wait_for(
                lambda: self._counted is None or self._counted != (gen, None), timeout=wait)
            counted = self._counted
        return (counted[1] if counted is not None and counted[0] == gen else None), graphs

    def _count_quads(self, gen: int) -> None:
        """The thread behind :meth:`size`: count generation ``gen``'s quads by one query."""
        n: int | None = None
        with contextlib.suppress(WsisError):
            # the pool itself: not the answer cache, which holds callers' answers
            answer = self.pool.run(_COUNT_QUADS, self.settings.query_timeout)  # type: ignore[union-attr]
            rows = ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)
            n = int(next(iter(rows))["n"].value)
        with self._count_done:
            if self._counted == (gen, None):
                # refused (time limit, no query process): the next health check tries again
                self._counted = None if n is None else (gen, n)
            self._count_done.notify_all()

    def content_version(self) -> Hashable:
        """A value that changes whenever the store's content changes (keys of derived caches:
        dumps, VoID). A local store changes only through :meth:`write`; a remote one also
        behind our back, so its size and graphs stand in."""
        if self.pool is not None:
            return ("gen", self.pool.generation, id(self.store))
        return ("len", len(self.store), tuple(self.store.named_graphs()))

    def validate(self, inputs: Sequence[Any]) -> ValidationReport:
        """Check new data against the shapes in the context of the graph, writing nothing
        (bounded by the request body cap; the context read is limited to what the data
        mentions)."""
        return self.run_job(validate_new_data, list(inputs), self.settings, self._readable(),
                            what="The validation", reads_store=True)

    def validate_with_shapes(self, inputs: Sequence[ParsedInput], shapes: ParsedInput, *,
                             allow_sparql: bool) -> ValidationReport:
        """Check data against caller shapes alone, in a job (SHACL-SPARQL shapes can cost
        minutes: the job is stopped at its time limit). ``allow_sparql``: the caller holds a
        write token (see :func:`wsis_kg.validation.validate.check_caller_shapes`)."""
        return self.run_job(functools.partial(validate_with_shapes, allow_sparql=allow_sparql),
                            list(inputs), shapes, what="The validation")

    # -- misc -------------------------------------------------------------------------------
    def _index_changes(self, digests: dict[str, int]) -> tuple[list[Entry], list[str]]:
        """The search index's re-read of every subject, in a job: the serving process only
        applies what changed (reading 1M quads here held its GIL for ≈4.5 s, measured)."""
        return self._own_jobs.run(index_changes, self._readable(), digests,
                                  what="Reading the store for the search index",
                                  fork_lock=True, timeout=self.settings.job_timeout)

    def _readable(self) -> GraphStore:
        """The store a forked job may read: RocksDB is not fork-safe (a child reading it got
        "Bad file descriptor"), so in mirror mode the in-memory mirror, which every successful
        write refreshes."""
        return OxigraphStore.around(self._mirror) if self._mirror is not None else self.store

    def _replayed(self, log: WriteLog | None, graphs: Sequence[str | None] | None = None
                  ) -> bool:
        """Whether the in-memory mirror now holds the write recorded in ``log``, made again on
        it (its cost is the write's, not the store's), or else the ``graphs`` it alone
        changed, taken again from the disk (their size's cost: a Graph Store write of data
        with blank nodes); False: copy the whole disk store instead (the write could come out
        otherwise the second time and its graphs are unknown, the repetition failed, or the
        mirror grew past ``mirror_max_triples``).

        The mirror changes in place: the query processes and jobs forked from it were forked
        under the write lock and hold their own pages, and a read in this process sees one
        version of it (pyoxigraph's in-memory store reads a snapshot)."""
        if log is None or not isinstance(self._mirror, ox.Store) or (
                not log.repeatable and graphs is None):
            return False
        try:
            if log.repeatable:
                log.replay(OxigraphStore.around(self._mirror))
                grows = log.grows_by
            else:
                grows = self._take_graphs(graphs)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - whatever it was, the copy below is exact
            return False
        limit = self.settings.mirror_max_triples
        # Counting holds the GIL for ≈0.1–0.4 s at 1M quads: only when a bound cannot tell.
        size = None if grows is None else self._mirror_quads + grows
        if size is None or size > limit:
            self.mirror_counts += 1
            size = len(self._mirror)
            if size > limit:
                return False  # the copy becomes a checkpoint on disk
        self._mirror_quads = size
        self.mirror_replays += 1
        return True

    def _take_graphs(self, graphs: Sequence[str | None]) -> int:
        """Replace the mirror's ``graphs`` (None: the default graph) with the disk store's,
        quad for quad (blank nodes keep their labels); returns how many quads that added."""
        mirror, disk = self._mirror, self.store.ox  # type: ignore[attr-defined]
        assert isinstance(mirror, ox.Store)
        added = 0
        for g in graphs:
            node = ox.DefaultGraph() if g is None else ox.NamedNode(g)
            old = sum(1 for _ in mirror.quads_for_pattern(None, None, None, node))
            new = list(disk.quads_for_pattern(None, None, None, node))
            if g is None:
                mirror.clear_graph(node)
            else:
                mirror.remove_graph(node)
                if disk.contains_named_graph(node):
                    mirror.add_graph(node)  # an empty named graph exists too
            mirror.extend(new)
            added += len(new) - old
        return added

    def _refresh_mirror(self) -> None:
        assert isinstance(self.store, OxigraphStore)
        s = self.settings
        # a superseded checkpoint outlives every query and job that may still read it
        keep = 2 * max(s.query_timeout, s.job_timeout) + 60
        if isinstance(self._mirror, DiskSnapshot):
            # Served from checkpoints (a large store): whether it still is large is counted in
            # a job, not here, where counting holds the GIL (0.16 s per million quads on disk).
            snap = self.store.checkpoint(keep)
            try:
                n = self.jobs.run(len, snap, what="Counting the store", timeout=s.job_timeout)
            except WsisError:
                n = None
            if n is not None and n > s.mirror_max_triples:
                self._mirror = snap
                return
        self._mirror = self.store.snapshot(s.mirror_max_triples, keep_seconds=keep)
        if isinstance(self._mirror, ox.Store):
            self.mirror_copies += 1
            self._mirror_quads = len(self._mirror)

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode, "query_timeout": self.settings.query_timeout,
                               "result_limit": self.settings.result_limit}
        if self.pool is not None:
            out.update(workers=self.pool.size, live_workers=self.pool.live_workers,
                       generation=self.pool.generation, forked=self.pool.stats.forked,
                       killed_on_timeout=self.pool.stats.killed_on_timeout,
                       killed_on_memory=self.pool.stats.killed_on_memory,
                       busy=self.pool.stats.busy, long_queries=self.pool.stats.long_queries,
                       answered_inline=self.inline_answers,
                       inline_handed_over=self.inline_handed_over)
        if self.mode == "mirror":
            out["mirror"] = {"in_memory": isinstance(self._mirror, ox.Store),
                             "writes_repeated": self.mirror_replays,
                             "counted_after": self.mirror_counts,
                             "copies": self.mirror_copies}
        out["jobs"] = self.jobs.status()
        if self.cache is not None:
            out["cache"] = self.cache.status()
        if self.search is not None:
            out["search"] = self.search.status()
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        if isinstance(self.store, OxigraphStore):
            self.store.drop_checkpoints()  # the query processes that read them are gone


def _parse_parts(data: bytes | str, fmt: Any, source: str, base_iri: str | None,
                 max_nesting: int) -> tuple[list[ox.Quad], dict[str, str]]:
    """What a parse job sends back (the format object does not pickle; the caller knows it)."""
    parsed = parse_bytes(data, fmt, source=source, base_iri=base_iri, max_nesting=max_nesting)
    return parsed.quads, parsed.prefixes
