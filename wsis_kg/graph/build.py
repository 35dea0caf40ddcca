"""Build the graph: ontology + shapes + data into named graphs, reasoner, shape check, counts.

The same inputs always give the same store content (see ``wsis_kg.graph.dump`` for the byte-stable
dump). Each data file names its named graph in a ``# graph: <IRI>`` header line.

Because of that, a start on an empty store (:func:`open_or_build`) reads the built graph and its
report from the cache (:mod:`wsis_kg.graph.cache`) when one was written for the same inputs,
code, library versions and build options, and writes one after building otherwise.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import pyoxigraph as ox

import wsis_kg
from wsis_kg.errors import BuildError
from wsis_kg.graph import cache, reasoning
from wsis_kg.graph.consistency import check_consistency
from wsis_kg.namespaces import GRAPH, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SHAPES
from wsis_kg.settings import Settings
from wsis_kg.store import GraphStore, open_store
from wsis_kg.validation import validate

Progress = Callable[[str], None]
GRAPH_HEADER = re.compile(r"^#\s*graph:\s*<?(\S+?)>?\s*$", re.MULTILINE)
#: The kind of the cache entries holding a built graph (N-Quads) and its report.
CACHE_KIND = "graph"


@dataclass
class BuildReport:
    """What a build loaded and found; printed by ``wsis-kg build`` and at serve start."""

    triples_per_graph: dict[str, int] = field(default_factory=dict)
    entities_per_class: dict[str, int] = field(default_factory=dict)
    inferred: int = 0
    conforms: bool = True
    violations: int = 0
    warnings: int = 0
    #: HermiT's verdict on ontology + data (None: not run).
    consistent: bool | None = None
    reasoner_lines: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The cache entry this report and the graph were read from ("" when built).
    cached_from: str = ""

    @property
    def total(self) -> int:
        return sum(self.triples_per_graph.values())

    def lines(self) -> list[str]:
        how = (f"read from the cache in {self.seconds:.2f}s ({self.cached_from})"
               if self.cached_from else f"built in {self.seconds:.1f}s")
        out = [f"{self.total} quads in {len(self.triples_per_graph)} named graphs "
               f"({self.inferred} inferred) {how}"]
        out += [f"  {n:>7}  {g}" for g, n in sorted(self.triples_per_graph.items())]
        out.append("entities per class:")
        out += [f"  {n:>7}  {c}" for c, n in sorted(self.entities_per_class.items())]
        out += self.reasoner_lines
        out.append(f"shapes: {'conforms' if self.conforms else 'DOES NOT CONFORM'} "
                   f"({self.violations} violations, {self.warnings} warnings)")
        return out


def graph_of(path: Path) -> str:
    """The named graph a data file declares in its ``# graph:`` header."""
    head = path.read_text(encoding="utf-8")[:4000]
    m = GRAPH_HEADER.search(head)
    if not m:
        raise BuildError(f"{path}: no '# graph: <IRI>' header line naming its named graph")
    iri = m.group(1)
    return iri if "://" in iri else str(GRAPH[iri])


def load_file(store: GraphStore, path: Path, graph: str) -> None:
    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.TURTLE
    store.load(path.read_bytes(), fmt, graph, source=str(path))


def input_files(settings: Settings) -> list[tuple[Path, str]]:
    """The files a build loads, each with the named graph it goes to, in load order."""
    return [
        *((p, str(GRAPH_ONTOLOGY)) for p in sorted(settings.ontology_dir.glob("*.ttl"))),
        *((p, str(GRAPH_SHAPES)) for p in sorted(settings.shapes_dir.glob("*.ttl"))),
        *((p, graph_of(p)) for p in settings.data_files()),
    ]


def build(settings: Settings, store: GraphStore, progress: Progress | None = None,
          *, reason: bool = True, check_shapes: bool = True,
          consistency: bool = False) -> BuildReport:
    """Load everything into ``store`` (emptied of the graphs it rebuilds) and report.

    ``consistency`` also runs HermiT (Java, a few seconds) over the ontology and all data
    files; an inconsistent graph fails the build, since every answer would be suspect.
    """
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    report = BuildReport()
    files = input_files(settings)
    for g in {g for _, g in files} | {str(GRAPH_INFERRED)}:
        store.clear_graph(g)
    for i, (path, graph) in enumerate(files, 1):
        say(f"[{i}/{len(files)}] loading {path.relative_to(settings.project_root)}")
        load_file(store, path, graph)
    if reason:
        say("reasoning: materialising inferred triples into " + str(GRAPH_INFERRED))
        report.inferred = reasoning.materialise(store)
    if consistency:
        say("reasoning: HermiT consistency check of ontology + data")
        result = check_consistency([p for p, g in files if g != str(GRAPH_SHAPES)])
        report.consistent = result.ok
        report.reasoner_lines = result.lines()
        if not result.ok:
            raise BuildError("the ontology and data are inconsistent: "
                             + "; ".join(result.lines()))
    if check_shapes:
        say("checking the data against shapes/")
        result = validate.validate_store(store, settings)
        report.conforms = result.conforms
        report.violations = result.violations
        report.warnings = result.warnings
    report.triples_per_graph = count_graphs(store)
    report.entities_per_class = count_classes(store)
    report.seconds = time.monotonic() - t0
    return report


def open_or_build(settings: Settings, progress: Progress | None = None, *,
                  on_build: Callable[[BuildReport], None] | None = None,
                  **options: bool) -> GraphStore:
    """The store the settings name (``WSIS_KG_STORE`` / ``--store``), with the graph in it.

    An empty store is built first (``options`` go to :func:`build`; ``on_build`` receives the
    report) unless ``build_on_start`` is off: the server, ``query``, ``validate`` and ``dump``
    all start from a store this way, so a built directory or endpoint is reused everywhere and
    an empty one is filled the same way everywhere.
    """
    store = open_store(settings)
    if settings.build_on_start and len(store) == 0:
        report = build_or_read_cache(settings, store, progress, **options)
        if on_build is not None:
            on_build(report)
    return store


def cache_key(settings: Settings, **options: bool) -> str:
    """The key of the graph a build with ``options`` derives: every file it loads, the source
    texts the extracted data come from, the package's code and the libraries' versions."""
    root = settings.project_root
    sources = sorted(p for p in (settings.data_dir / "sources").rglob("*") if p.is_file())
    package = Path(wsis_kg.__file__).parent
    return cache.input_key([p for p, _ in input_files(settings)] + sources, root=root,
                           code=sorted(package.rglob("*.py")), options=options)


def build_or_read_cache(settings: Settings, store: GraphStore,
                        progress: Progress | None = None, *, reason: bool = True,
                        check_shapes: bool = True, consistency: bool = False) -> BuildReport:
    """:func:`build` into the empty embedded ``store``, or read the same graph and report from
    the cache (``settings.cache_dir``) when an entry for the same inputs exists.

    A remote or non-empty store is always built: the cache holds what a build gives in an
    empty store, and a remote endpoint keeps its own data between starts.
    """
    options = {"reason": reason, "check_shapes": check_shapes, "consistency": consistency}
    directory = settings.cache_path
    if directory is None or settings.is_remote or len(store) != 0:
        return build(settings, store, progress, **options)
    say = progress or (lambda _msg: None)
    t0 = time.monotonic()
    key = cache_key(settings, **options)
    entry = cache.read(directory, CACHE_KIND, key)
    if entry is not None:
        store.load(entry.payload, ox.RdfFormat.N_QUADS, None, source=str(entry.path))
        report = report_from(entry.meta)
        report.cached_from, report.seconds = str(entry.path), time.monotonic() - t0
        return report
    report = build(settings, store, progress, **options)
    payload = ox.serialize(store.quads(), format=ox.RdfFormat.N_QUADS) or b""
    written = cache.write(directory, CACHE_KIND, key, payload, asdict(report))
    say(f"cache: built graph written to {written}" if written
        else f"cache: {directory} is not writable; the next start builds again")
    return report


def report_from(meta: dict[str, Any]) -> BuildReport:
    """A :class:`BuildReport` from its cached form (``asdict``), ignoring unknown keys."""
    names = {f.name for f in fields(BuildReport)}
    return BuildReport(**{k: v for k, v in meta.items() if k in names})


def build_store(settings: Settings, progress: Progress | None = None,
                **options: bool) -> BuildReport:
    """Build the graph into the store the settings name (``wsis-kg build``), then close it."""
    store = open_store(settings)
    try:
        return build(settings, store, progress, **options)
    finally:
        store.close()


def count_graphs(store: GraphStore) -> dict[str, int]:
    q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {str(r["g"].value): int(r["n"].value) for r in store.query(q)}


def count_classes(store: GraphStore) -> dict[str, int]:
    q = f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{
      GRAPH ?g {{ ?s a ?c }} FILTER(?g NOT IN (<{GRAPH_ONTOLOGY}>, <{GRAPH_SHAPES}>,
      <{GRAPH_INFERRED}>)) }} GROUP BY ?c"""
    return {str(r["c"].value): int(r["n"].value) for r in store.query(q)}
