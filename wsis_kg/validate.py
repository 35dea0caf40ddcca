"""SHACL validation of new data in the context of the existing graph (pyshacl).

Why not validate ``new data ∪ whole graph``: that re-checks the entire graph every time (slow)
and reports old problems as new ones. Instead the data graph handed to pyshacl is the new data
plus a small *context*: every triple the store holds about the IRIs the new data mentions (one
level, enough for ``sh:class`` and for existing descriptions of re-described nodes) and the
``rdfs:subClassOf`` axioms (so a ``wsis:UNSpecialisedAgency`` is a ``wsis:Organisation``),
fetched by one SPARQL query. Only focus nodes that come from the new data are validated and
reported: its subjects, and the objects it gives to ``sh:targetObjectsOf`` predicates.

With caller-supplied shapes (``POST /validate`` with ``shapes``, the W3C suite) the data is
validated against those shapes alone, exactly as a plain SHACL processor would.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as pyshacl_validate
from pyshacl.errors import (
    ConstraintLoadError,
    ReportableRuntimeError,
    ShapeLoadError,
    ValidationFailure,
)
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from wsis_kg.errors import BadRequest
from wsis_kg.namespaces import GRAPH_ONTOLOGY, GRAPH_SHAPES
from wsis_kg.rdfinput import ParsedInput, bind_prefixes, to_rdflib, to_rdflib_term
from wsis_kg.report import SH, ValidationReport, from_graph, label_shapes
from wsis_kg.settings import Settings
from wsis_kg.store import GraphStore

#: IRIs per VALUES block of the context query (keeps the query text small).
_CONTEXT_CHUNK = 2000


@dataclass
class StoreValidation:
    conforms: bool
    violations: int
    warnings: int


_shapes_cache: dict[tuple, Graph] = {}


def project_shapes(settings: Settings) -> Graph:
    """The shapes of ``shapes/*.ttl``, parsed once per change of the files."""
    files = sorted(Path(settings.shapes_dir).glob("*.ttl"))
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    g = _shapes_cache.get(key)
    if g is None:
        from wsis_kg.rdfinput import parse_file

        g = Graph()
        for p in files:
            to_rdflib(parse_file(p).quads, g)
        _shapes_cache.clear()
        _shapes_cache[key] = g
    return g


def run_pyshacl(data: Graph, shapes: Graph, *, focus: Sequence[URIRef] | None = None,
                sources: Sequence[str] = ()) -> ValidationReport:
    """pyshacl with our fixed options: no inference, SHACL-SPARQL on, full report."""
    t0 = time.perf_counter()
    try:
        _conforms, report_graph, _text = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, inplace=True,
            allow_warnings=False, allow_infos=False, focus_nodes=list(focus) if focus else None)
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as e:
        # Broken shapes (e.g. SPARQL a SHACL processor must refuse): the caller's input error.
        raise BadRequest(f"the shapes cannot be used: {_pyshacl_message(e)}") from None
    if isinstance(report_graph, ValidationFailure):  # pyshacl returns, not raises, this one
        raise BadRequest(f"the shapes cannot be used: {_pyshacl_message(report_graph)}")
    report = from_graph(report_graph, sources=list(sources), seconds=time.perf_counter() - t0)
    label_shapes(report, shapes)
    return report


def _pyshacl_message(e: Exception) -> str:
    return " ".join(str(getattr(e, "message", None) or e).split())[:500]


def validate_with_shapes(inputs: Sequence[ParsedInput], shapes: Graph) -> ValidationReport:
    """Validate against caller-supplied shapes only (no project context): plain SHACL."""
    data = Graph()
    for i in inputs:
        to_rdflib(i.quads, data)
        bind_prefixes(data, i.prefixes)
    return run_pyshacl(data, shapes, sources=[i.source for i in inputs])


def validate_new_data(
    inputs: Sequence[ParsedInput] | Iterable[ox.Quad],
    settings: Settings,
    store: GraphStore | None,
    *,
    exclude_graph: str | None = None,
    shapes: Graph | None = None,
) -> ValidationReport:
    """Validate new data against ``shapes/`` with the store as reference context.

    ``exclude_graph``: a graph the write will replace (its old content is not context).
    """
    t0 = time.perf_counter()
    if isinstance(inputs, Sequence) and all(isinstance(i, ParsedInput) for i in inputs):
        quads = [q for i in inputs for q in i.quads]
        sources = [i.source for i in inputs]
    else:
        quads, sources = list(inputs), []
    shapes = shapes if shapes is not None else project_shapes(settings)
    data = to_rdflib(quads)
    focus = _focus_nodes(data, shapes)
    if store is not None:
        mentioned = {t for q in quads for t in (q.subject, q.object)
                     if isinstance(t, ox.NamedNode)}
        for s, p, o in context_triples(store, mentioned, exclude_graph=exclude_graph):
            data.add((s, p, o))
    if not focus:  # empty input: nothing to check
        report = empty_report(sources)
    else:
        # pyshacl can only restrict to IRI focus nodes; blank ones need the unrestricted run.
        restrict = None if any(isinstance(f, BNode) for f in focus) else sorted(focus)
        report = run_pyshacl(data, shapes, sources=sources, focus=restrict)
        _keep_only(report, focus)
    report.seconds = time.perf_counter() - t0
    return report


def empty_report(sources: Sequence[str] = ()) -> ValidationReport:
    g = Graph()
    node = BNode()
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, SH.conforms, Literal(True)))
    return from_graph(g, sources=list(sources))


def _focus_nodes(data: Graph, shapes: Graph) -> set[Node]:
    """Nodes the new data is responsible for: its subjects and targetObjectsOf objects."""
    nodes: set[Node] = set(data.subjects())
    for pred in set(shapes.objects(None, SH.targetObjectsOf)):
        nodes.update(data.objects(None, pred))
    return nodes


def context_triples(store: GraphStore, iris: set[ox.NamedNode], *,
                    exclude_graph: str | None = None):
    """What the store says about ``iris`` (one level) plus all rdfs:subClassOf axioms."""
    skip = [f"<{GRAPH_SHAPES}>"] + ([f"<{exclude_graph}>"] if exclude_graph else [])
    iri_list = sorted(iris, key=lambda n: n.value)
    chunks = [iri_list[i:i + _CONTEXT_CHUNK] for i in range(0, len(iri_list), _CONTEXT_CHUNK)]
    chunks = chunks or [[]]
    for n, chunk in enumerate(chunks):
        values = " ".join(str(x) for x in chunk)
        sub = (f"UNION {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?c <{RDFS.subClassOf}> ?d }} "
               f"BIND(?c AS ?s) BIND(<{RDFS.subClassOf}> AS ?p) BIND(?d AS ?o) }}"
               if n == 0 else "")
        q = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ VALUES ?s {{ {values} }} "
             f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({', '.join(skip)})) }} {sub} }}")
        for t in store.query(q):
            yield to_rdflib_term(t.subject), to_rdflib_term(t.predicate), to_rdflib_term(t.object)


def _keep_only(report: ValidationReport, focus: set[Node]) -> None:
    """Drop results whose focus node is not from the new data (graph and list alike)."""
    g = report.graph
    report_node = g.value(predicate=RDF.type, object=SH.ValidationReport, any=True)
    for node in list(g.objects(report_node, SH.result)):
        fn = g.value(node, SH.focusNode)
        if fn in focus:
            continue
        g.remove((report_node, SH.result, node))
        _remove_tree(g, node)
    kept = [r for r in report.results if r.focus in focus]
    report.results = kept
    report.conforms = not kept
    g.set((report_node, SH.conforms, Literal(report.conforms)))


def _remove_tree(g: Graph, node: Node) -> None:
    """Remove ``node``'s triples and those of blank nodes only it points to (its CBD)."""
    for _s, _p, o in list(g.triples((node, None, None))):
        g.remove((node, _p, o))
        if isinstance(o, BNode) and (None, None, o) not in g:
            _remove_tree(g, o)


def validate_store(store: GraphStore, settings: Settings) -> StoreValidation:
    """Validate the asserted data of the store (plus inferred types) against ``shapes/``."""
    shapes = project_shapes(settings)
    if len(shapes) == 0:
        return StoreValidation(True, 0, 0)
    q = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
         f"FILTER(?g != <{GRAPH_SHAPES}>) }}")
    data = Graph()
    for t in store.query(q):
        data.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate),
                  to_rdflib_term(t.object)))
    report = run_pyshacl(data, shapes)
    return StoreValidation(report.conforms, report.violations, report.warnings)
