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
    #: Maximum request body in bytes (413 above, chunked or not; a body is never cut).
    max_body_bytes: int = 10 * 1024 * 1024
    #: Seconds a client has to send a request's headers and whole body (408 after, connection
    #: closed); the body is read before a request thread is given the request.
    request_read_timeout: float = 10.0
    #: Requests a second each client address may make, on average (0: no limit; 429 above).
    rate_limit: float = 0.0
    #: Requests a client may make at once above ``rate_limit`` (the token bucket's size).
    rate_burst: int = 100
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
    #: Build the graph at start when the store is empty.
    build_on_start: bool = True
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
            values[f.name] = _convert(f.name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

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


def _convert(name: str, raw: str) -> Any:
    if name == "tokens":
        return _parse_tokens(raw)
    if name == "service_allowlist":
        return _parse_list(raw)
    if name in ("port", "result_limit", "max_body_bytes", "max_nesting", "workers",
                "query_cache_bytes", "rate_burst"):
        return int(raw)
    if name in ("query_timeout", "request_read_timeout", "rate_limit"):
        return float(raw)
    if name in ("build_on_start", "access_log"):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if name == "project_root":
        return Path(raw)
    return raw
