"""All configuration in one place: environment variables, overridden by CLI flags.

No other module reads the environment; they receive a :class:`Settings`.
Every field documents its environment variable and default; the README's settings table
describes the same names and is written by hand, so a new field needs a row there too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from wsis_kg.namespaces import BASE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "WSIS_KG_"


def _parse_tokens(raw: str) -> dict[str, str]:
    """``principal:token,principal2:token2`` → {token: principal}."""
    tokens: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        principal, sep, token = part.partition(":")
        if not sep or not token:
            raise ValueError(f"{ENV_PREFIX}TOKENS entry {part!r} is not principal:token")
        tokens[token] = principal
    return tokens


def _parse_list(raw: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in raw.split(",") if p.strip())


@dataclass(frozen=True)
class Settings:
    """Service and build configuration (env var ``WSIS_KG_<FIELD>``)."""

    #: ``memory`` (default), a directory for an on-disk Oxigraph store, or an http(s) URL of a
    #: remote SPARQL 1.1 store: a server root means oxigraph serve (``/query``, ``/update``,
    #: ``/store``); see docs/remote-stores.md for the other layouts.
    store: str = "memory"
    #: Remote mode: SPARQL Update URL (derived from ``store`` when unset; when set, ``store`` is
    #: the query endpoint exactly as written).
    store_update_url: str | None = None
    #: Remote mode: Graph Store Protocol URL (derived when unset; ``none``: load with SPARQL
    #: Update).
    store_gsp_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    #: Public base of the minted IRIs as seen by clients (maps ``<base>X`` to ``<root>/X``).
    public_base: str = BASE
    #: Seconds after which a query is stopped (503).
    query_timeout: float = 30.0
    #: Maximum rows (or triples) a query may return before it is refused (503, never truncated).
    result_limit: int = 100_000
    #: Bytes of query answers kept in the in-process cache (0: off); cleared by every write.
    query_cache_bytes: int = 64 * 1024 * 1024
    #: An on-disk store of at most this many quads is served from an in-memory copy (about
    #: 400 MiB per million quads, measured); a larger one from a read-only handle on the disk
    #: (memory bounded by RocksDB's caches). See docs/performance.md, "Memory at 10M".
    mirror_max_triples: int = 2_000_000
    #: Maximum request body in bytes (413 above, chunked or not; a body is never cut).
    max_body_bytes: int = 10 * 1024 * 1024
    #: Seconds a client has to send a request's headers and whole body (408 after, connection
    #: closed); the body is read before a request thread is given the request.
    request_read_timeout: float = 10.0
    #: Requests a second each client address may make, on average (0: no limit; 429 above).
    rate_limit: float = 0.0
    #: Requests a client may make at once above ``rate_limit`` (the token bucket's size).
    rate_burst: int = 100
    #: Proxies in front of the service whose ``X-Forwarded-For`` is believed (0: the header is
    #: ignored and the client is the socket's peer); with 1 (one nginx) the client is the
    #: address that proxy appended, so rate limits and logs key on the real client.
    trusted_proxies: int = 0
    #: Directory the online backups (``POST /admin/backup``) are written into, each in a new
    #: directory named by the time; empty: online backups are off (404).
    backup_dir: str = ""
    #: Online backups kept in ``backup_dir``: after each new one the oldest beyond this many
    #: are removed (0: all are kept; the operator prunes).
    backup_keep: int = 0
    #: Deepest nesting of JSON-LD objects/arrays and RDF/XML elements read from callers (400
    #: above): the parsers recurse per level, so deep input could exhaust a thread's stack.
    max_nesting: int = 256
    #: Bearer tokens for the update, ingest and Graph Store endpoints: {token: principal}.
    tokens: dict[str, str] = field(default_factory=dict)
    #: Client side: the bearer token ``wsis-kg ingest`` sends to a running service.
    token: str | None = None
    #: Endpoints SERVICE and LOAD may reach, each with everything below it (matched at a URL
    #: boundary); empty means none.
    service_allowlist: tuple[str, ...] = ()
    #: HTTP server of ``wsis-kg serve``: ``granian`` (default) or ``gunicorn``.
    server: str = "granian"
    #: Memory allocator of ``wsis-kg serve``: ``jemalloc`` (default, when installed: pyoxigraph
    #: runs 10–50 % faster on it) or ``system`` (glibc's malloc).
    allocator: str = "jemalloc"
    #: Log every request to stdout, one JSON line each (costs about 0.3 ms a request).
    access_log: bool = False
    #: Query worker processes (the pre-forked, killable processes of the query pool), whatever
    #: the HTTP server; the server itself runs one worker process.
    workers: int = 2
    #: Memory (MiB) each query process and each job may allocate beyond what it shares with the
    #: server (``RLIMIT_AS`` in the child); above it the child dies and the answer is 503 with
    #: ``killed: memory``. 0: no limit.
    worker_memory_mb: int = 1024
    #: Seconds a query waits for a free query process before 503 + ``Retry-After`` (no longer
    #: queue holding request threads).
    query_queue_wait: float = 0.5
    #: Seconds a query of a bounded shape (one triple pattern, ``ASK {}``, ``DESCRIBE`` of named
    #: resources) may spend counting its answer in the serving process; within it the query is
    #: answered there, without the hop to a query process; past it, a query process answers
    #: (0: every query goes to one).
    inline_query_budget: float = 0.005
    #: Seconds after which a running query is *long*: its process leaves the ``workers``
    #: places, and drops to the lowest CPU priority (then is retired) once another query comes.
    query_long_after: float = 0.2
    #: Long queries running at once, in query processes beyond ``workers``; a further query
    #: that becomes long is stopped (503 + ``Retry-After``).
    long_queries: int = 2
    #: Costly jobs (validation, parsing caller RDF, the guard's parse of large queries, dumps)
    #: running at once, each in a killable child; one more is refused (503 + ``Retry-After``).
    jobs: int = 2
    #: Seconds after which a job is stopped (503, ``killed: time``).
    job_timeout: float = 60.0
    #: Largest resolution text ``wsis-kg import-resolution`` reads, in bytes of text (UTF-8);
    #: a .zip may hold at most 20 times this, uncompressed.
    import_max_bytes: int = 2 * 1024 * 1024
    #: Full-text search (``/search``, ``/suggest``): an SQLite FTS5 index of texts and names,
    #: built in the background at start and kept in step with every write. Off: no index.
    search: bool = True
    #: A search whose words are in too many subjects for FTS5's BM25 (``graph.search``
    #: ``BM25_BUDGET``) ranks the first this many matches, in index order, so a very common
    #: word stays fast; a filter or a rarer word gives a fully ranked answer.
    search_rank_window: int = 200
    #: Build the graph at start when the store is empty.
    build_on_start: bool = True
    #: Directory of derived artefacts (the built, reasoned and checked graph), keyed by a hash
    #: of their inputs, so a start with unchanged inputs reads them instead of building.
    #: ``from_env`` defaults it to ``$XDG_CACHE_HOME/wsis-kg`` (``~/.cache/wsis-kg``); empty
    #: or ``off``: no cache (the default of a ``Settings`` made in code, e.g. by tests).
    cache_dir: str = ""
    #: Project root holding ontology/, shapes/, data/, queries/.
    project_root: Path = PROJECT_ROOT

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults ← ``WSIS_KG_*`` environment ← explicit overrides (CLI flags, tests)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(str(f.type), raw)
        values.setdefault("cache_dir", str(default_cache_dir(env)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def cache_path(self) -> Path | None:
        """The cache directory, or None when the cache is off."""
        off = self.cache_dir.strip().lower() in ("", "off", "none", "false", "0")
        return None if off else Path(self.cache_dir).expanduser()

    @property
    def ontology_dir(self) -> Path:
        return self.project_root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.project_root / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.project_root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.project_root / "queries"

    def data_files(self) -> list[Path]:
        """The Turtle/TriG files of ``data/`` that the build loads, in a stable order."""
        d = self.data_dir
        return sorted(p for sub in ("extracted", "curated") for p in (d / sub).glob("*.tt[lg]"))


def default_cache_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_CACHE_HOME/wsis-kg``, else ``~/.cache/wsis-kg`` (the XDG base directory rule)."""
    xdg = env.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "wsis-kg"


#: How an environment string becomes a field's value, by the field's declared type.
_CONVERTERS: dict[str, Any] = {
    "int": int,
    "float": float,
    "bool": lambda raw: raw.strip().lower() in ("1", "true", "yes", "on"),
    "Path": Path,
    "dict[str, str]": _parse_tokens,
    "tuple[str, ...]": _parse_list,
}


def _convert(field_type: str, raw: str) -> Any:
    """``raw`` as a value of the declared ``field_type`` (a string: annotations are lazy)."""
    return _CONVERTERS.get(field_type, str)(raw)
