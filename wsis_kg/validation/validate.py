"""SHACL validation of new data in the context of the existing graph (pyshacl).

Why not validate ``new data ∪ whole graph``: that re-checks the entire graph every time (slow)
and reports old problems as new ones. Instead pyshacl gets the new data plus a small *context*
fetched by one SPARQL query (everything the store says about nodes the data describes, the types
of nodes it points to, the ontology axioms), with the project's reasoner applied to that scratch
graph (:func:`with_context`). Two pyshacl passes then check only what the new data is
responsible for: its own nodes against every shape that targets them, and the nodes it merely
points to against the ``sh:targetObjectsOf`` shapes alone ("is this a known document?").

With caller-supplied shapes (``POST /validate`` with ``shapes``, the W3C suite) the data is
validated against those shapes alone, exactly as a plain SHACL processor would.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyshacl import Validator
from pyshacl.errors import (
    ConstraintLoadError,
    ReportableRuntimeError,
    ShapeLoadError,
    ValidationFailure,
)
from pyshacl.graph_abstraction import DataGraph
from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.plugins.sparql.parser import expandUnicodeEscapes
from rdflib.term import Node

from wsis_kg.errors import BadRequest, Forbidden, ForbiddenService
from wsis_kg.graph import reasoning
from wsis_kg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SHAPES, PREFIXES
from wsis_kg.rdf.parse import (
    RDFLIB_LOCK,
    ParsedInput,
    bind_prefixes,
    parse_file,
    to_rdflib,
    to_rdflib_term,
)
from wsis_kg.settings import Settings
from wsis_kg.sparql import guard
from wsis_kg.sparql.lexer import tokenize
from wsis_kg.store.embedded import GraphStore, OxigraphStore
from wsis_kg.validation.report import SH, Result, ValidationReport, from_graph, label_shapes

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
        g = Graph()
        bind_prefixes(g, PREFIXES)  # pyshacl names terms in messages: known prefixes are fast
        for p in files:
            parsed = parse_file(p)
            to_rdflib(parsed.quads, g)
            bind_prefixes(g, parsed.prefixes)
        _shapes_cache.clear()
        _shapes_cache[key] = g
    return g


class _FastFocusValidator(Validator):
    """pyshacl's Validator, with the focus nodes given as a set of terms.

    pyshacl tests every target of every shape for membership in its ``focus_nodes`` option; as
    a list this was a quarter of the validation time for a 2,000-triple input. The nodes are
    also kept out of that option, where pyshacl reads an IRI not starting with ``http:``,
    ``https:``, ``urn:`` or ``file:`` as a CURIE (``<ex:a>`` failed with a TypeError, and
    ``<wsis:a>`` would have been expanded to another node).
    """

    def __init__(self, *args, focus: Sequence[URIRef] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._focus = frozenset(focus) if focus else None

    def make_executor(self):
        executor = super().make_executor()
        if self._focus:
            executor.focus_nodes = self._focus
        return executor


def prepare(settings: Settings) -> None:
    """Parse and compile the project shapes now, in the serving process: validations run in
    forked jobs, which then share them (the same blank nodes in every report, and no child
    pays for the parse)."""
    compiled_shapes(project_shapes(settings))


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_compiled_cache: dict[int, tuple[Graph, Graph]] = {}


def compiled_shapes(shapes: Graph) -> Graph:
    """``shapes`` in the form pyshacl validates fastest, with exactly the same results.

    pyshacl checks a node shape's ``sh:property`` shapes one focus node at a time (a full shape
    evaluation per node and property shape: 9 × 238 for the document parts of a 2,000-triple
    resolution), but a shape that has targets of its own once for all its focus nodes. So a
    property shape that only one node shape holds gets that node shape's targets instead of
    the ``sh:property`` link: the same focus nodes, value nodes, results, ``sh:sourceShape``,
    severities and messages (a property shape's results never depend on its parent). Left as
    they are: node shapes another shape refers to (``sh:node``, ``sh:or`` …), implicit class
    targets, deactivated shapes, property shapes with targets or more than one parent.

    The copy is held in rdflib's ``SimpleMemory`` store (no graph contexts: pyshacl reads the
    shapes graph thousands of times per run) and cached per shapes graph.
    """
    hit = _compiled_cache.get(id(shapes))
    if hit is not None and hit[0] is shapes:
        return hit[1]
    g = Graph(store="SimpleMemory")
    for t in shapes:
        g.add(t)
    for prefix, ns in shapes.namespaces():
        g.bind(prefix, ns, replace=True)
    class_types = {RDFS.Class, OWL.Class}
    for node in set(g.subjects(SH.property, None)):
        targets = [(p, o) for p in _TARGETS for o in g.objects(node, p)]
        if (not targets or any(True for _ in g.subject_predicates(node))
                or (node, SH.deactivated, None) in g
                or class_types & set(g.objects(node, RDF.type))):
            continue
        for prop in list(g.objects(node, SH.property)):
            if (sum(1 for _ in g.subject_predicates(prop)) != 1
                    or any((prop, p, None) in g for p in _TARGETS)):
                continue
            for p, o in targets:
                g.add((prop, p, o))
            g.remove((node, SH.property, prop))
    _compiled_cache.clear()
    _compiled_cache[id(shapes)] = (shapes, g)
    return g


def run_pyshacl(data: Graph, shapes: Graph, *, focus: Sequence[URIRef] | None = None,
                use_shapes: Sequence[URIRef] | None = None,
                sources: Sequence[str] = (), compile_shapes: bool = True) -> ValidationReport:
    """pyshacl with our fixed options: no inference, SHACL-SPARQL on, full report.

    ``compile_shapes``: validate with :func:`compiled_shapes` (same results, several times faster);
    off for caller-supplied shapes, which are run exactly as given. ``use_shapes`` then names
    shapes of the compiled graph.
    """
    t0 = time.perf_counter()
    # pyshacl's Validator never follows owl:imports (only its entry points can be asked to).
    options = {"inference": "none", "advanced": True, "inplace": True, "allow_warnings": False,
               "allow_infos": False, "abort_on_first": False,
               "use_shapes": list(use_shapes) if use_shapes else None}
    # pyshacl hands SPARQL text to rdflib's parser, which is not thread-safe (concurrent
    # requests answered 500): shapes that hold SPARQL are run under the one rdflib lock.
    lock = RDFLIB_LOCK if sparql_constructs(shapes) else nullcontext()
    try:
        with lock:
            validator = _FastFocusValidator(
                DataGraph.from_rdflib(data),
                shacl_graph=compiled_shapes(shapes) if compile_shapes else shapes,
                options=options, focus=focus)
            _conforms, report_graph, _text = validator.run()
    except ValidationFailure as e:  # e.g. SPARQL a SHACL processor must refuse
        raise BadRequest(f"the shapes cannot be used: {_pyshacl_message(e)}") from None
    except (ShapeLoadError, ConstraintLoadError, ReportableRuntimeError) as e:
        raise BadRequest(f"the shapes cannot be used: {_pyshacl_message(e)}") from None
    report = from_graph(report_graph, sources=list(sources), seconds=time.perf_counter() - t0)
    label_shapes(report, shapes)
    return report


def _pyshacl_message(e: Exception) -> str:
    return " ".join(str(getattr(e, "message", None) or e).split())[:500]


#: Parameters SHACL switches on only with the literal ``true`` (RDF term equality).
_SWITCHES = frozenset("http://www.w3.org/ns/shacl#" + n
                      for n in ("uniqueLang", "deactivated", "closed",
                                "qualifiedValueShapesDisjoint"))
_TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


def shapes_graph(shapes: ParsedInput) -> Graph:
    """Caller-supplied shapes as pyshacl gets them, switch parameters compared as RDF terms.

    SHACL turns ``sh:uniqueLang``, ``sh:deactivated``, ``sh:closed`` and
    ``sh:qualifiedValueShapesDisjoint`` on only with the term ``"true"^^xsd:boolean``;
    ``"1"^^xsd:boolean`` is another term and leaves them off (W3C test
    core/property/uniqueLang-002). rdflib would normalise ``"1"`` to ``true``, so such triples
    are dropped here, on the parsed terms, before conversion.
    """
    kept = [q for q in shapes.quads
            if not (q.predicate.value in _SWITCHES and q.object != _TRUE)]
    g = to_rdflib(kept)
    bind_prefixes(g, shapes.prefixes)
    return g


def validate_with_shapes(inputs: Sequence[ParsedInput], shapes: ParsedInput, *,
                         allow_sparql: bool = True) -> ValidationReport:
    """Validate against caller-supplied shapes only (no project context): plain SHACL.

    The shapes are checked first (:func:`check_caller_shapes`): ``allow_sparql`` is False for
    callers the service does not know (no write token), whose shapes may then hold no SPARQL.
    """
    graph = shapes_graph(shapes)
    check_caller_shapes(graph, allow_sparql=allow_sparql)
    data = Graph()
    for i in inputs:
        to_rdflib(i.quads, data)
        bind_prefixes(data, i.prefixes)
    return run_pyshacl(data, graph, sources=[i.source for i in inputs], compile_shapes=False)


#: Shape terms that carry SPARQL text (SHACL-SPARQL constraints, validators, targets and
#: functions; SHACL-AF rules), which rdflib evaluates with no allow-list: SERVICE and
#: ``FROM <url>`` reach the network and ``file:`` URLs, and a small query can run for long.
_SPARQL_TEXT = (SH.select, SH.ask, SH.construct, SH.update)
#: The classes and links of those constructs, named when shapes are refused.
_SPARQL_TERMS = (SH.sparql, *_SPARQL_TEXT)
_SPARQL_CLASSES = (SH.SPARQLConstraint, SH.SPARQLTarget, SH.SPARQLTargetType, SH.SPARQLRule,
                   SH.SPARQLAskValidator, SH.SPARQLSelectValidator, SH.SPARQLFunction)
#: What pyshacl pastes into ``PREFIX label: <namespace>`` lines must stay a label and an IRI
#: (anything else could inject SPARQL that no single text shows).
_PREFIX_LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*|")
_NAMESPACE = re.compile(r"[^\s<>\"{}|^`\\]*")
#: SPARQL keywords that make rdflib load a graph from a URL.
_LOADING_WORDS = frozenset({"FROM", "USING", "WITH"})


def sparql_constructs(shapes: Graph) -> list[str]:
    """The SPARQL-based SHACL constructs in ``shapes`` (``sh:select``, ``sh:SPARQLRule`` …).

    Prefix declarations (``sh:prefixes``, ``sh:declare``) alone are not SPARQL.
    """
    found = [p for p in _SPARQL_TERMS if (None, p, None) in shapes]
    found += [c for c in _SPARQL_CLASSES if (None, RDF.type, c) in shapes]
    return ["sh:" + str(t).rsplit("#", 1)[1] for t in found]


def check_caller_shapes(shapes: Graph, *, allow_sparql: bool) -> None:
    """Refuse caller-supplied shapes that could reach out of the process or hold SPARQL unasked.

    Core SHACL is always run. SPARQL-based constructs are refused (403, naming them) unless
    ``allow_sparql`` (a caller with a write token, or the CLI); even then every SPARQL text must
    pass the SPARQL guard's scan: no SERVICE or LOAD (rdflib would perform them past the
    allow-list), no FROM / USING / WITH (rdflib loads those graphs from their URLs), and
    prefix declarations that are a plain label and IRI.
    """
    found = sparql_constructs(shapes)
    if not found:
        return
    if not allow_sparql:
        raise Forbidden(
            f"the shapes cannot be used without a write token: they hold SPARQL-based SHACL "
            f"({', '.join(found)}), which this service runs only for callers with "
            "'Authorization: Bearer <token>'; core SHACL shapes need none", constructs=found)
    for label in shapes.objects(None, SH.prefix):
        if not _PREFIX_LABEL.fullmatch(str(label)):
            raise BadRequest(f"the shapes cannot be used: sh:prefix {str(label)[:80]!r} is not "
                             "a prefix label")
    for ns in shapes.objects(None, SH.namespace):
        if not _NAMESPACE.fullmatch(str(ns)):
            raise BadRequest(f"the shapes cannot be used: sh:namespace {str(ns)[:80]!r} is not "
                             "an IRI")
    for p in _SPARQL_TEXT:
        for text in shapes.objects(None, p):
            # The text rdflib parses: it decodes \u escapes anywhere before reading keywords.
            query = expandUnicodeEscapes(str(text))
            # Keywords as rdflib reads them: words, and prefix labels (``FROM:g`` is FROM :g).
            loads = {t.text.split(":", 1)[0].upper() for t in tokenize(query)
                     if t.kind in ("word", "pname")} & _LOADING_WORDS
            if guard.mentions_remote(query):
                what = "SERVICE or LOAD"
            elif loads:
                what = " / ".join(sorted(loads))
            else:
                continue
            raise ForbiddenService(
                f"the shapes cannot be used: the SPARQL of sh:{str(p).rsplit('#', 1)[1]} "
                f"holds {what}; SPARQL in shapes may read only the data and shapes graphs",
                construct=what)


def validate_new_data(
    inputs: Sequence[ParsedInput] | Iterable[ox.Quad],
    settings: Settings,
    store: GraphStore | None,
    *,
    exclude_graph: str | None = None,
    shapes: Graph | None = None,
    sources: Sequence[str] = (),
) -> ValidationReport:
    """Validate new data against ``shapes/`` with the store as reference context.

    ``exclude_graph``: a graph the write will replace (its old content is not context).
    """
    t0 = time.perf_counter()
    if isinstance(inputs, Sequence) and all(isinstance(i, ParsedInput) for i in inputs):
        quads = [q for i in inputs for q in i.quads]
        sources = [i.source for i in inputs]
    else:
        quads, sources = list(inputs), list(sources)
    shapes = shapes if shapes is not None else project_shapes(settings)
    new = to_rdflib(quads)
    subjects: set[Node] = set(new.subjects())
    object_shapes = set(shapes.subjects(SH.targetObjectsOf, None))
    data = (with_context(quads, store, exclude_graph, shapes, new)
            if store is not None else new)
    # What the new data points to through sh:targetObjectsOf predicates (asserted or inferred,
    # e.g. wsis:cites from wsis:recalls) and does not describe itself.
    pointers = [(s, p, o) for p in set(shapes.objects(None, SH.targetObjectsOf))
                for s, o in data.subject_objects(p) if s in subjects and o not in subjects]
    objects: set[Node] = {o for _s, _p, o in pointers}
    # The targetObjectsOf shapes as pyshacl gets them (property shapes may carry targets).
    compiled_object_shapes = set(compiled_shapes(shapes).subjects(SH.targetObjectsOf, None))
    if not subjects:  # empty input: nothing to check
        report = empty_report(sources)
    elif any(isinstance(n, BNode) for n in subjects) or (objects and any(
            isinstance(n, BNode) for n in object_shapes | compiled_object_shapes | objects)):
        # pyshacl restricts only to IRI focus nodes and IRI shapes: one unrestricted run.
        report = run_pyshacl(data, shapes, sources=sources)
        _keep_only(report, lambda r: r.focus in subjects or (
            r.focus in objects and _root_shape(shapes, r.source_shape) in object_shapes))
    else:
        # 1. the new data's own nodes against every shape that targets them
        report = run_pyshacl(data, shapes, sources=sources, focus=sorted(subjects))
        _keep_only(report, lambda r: r.focus in subjects)
        # 2. the nodes it only points to, against the targetObjectsOf shapes alone (is the
        #    reference known and of the right kind; their own description is not ours to judge),
        #    in a graph of just those pointers and what the data says about the nodes (their
        #    types): the other targets of these shapes were checked in pass 1 or are not ours.
        if objects:
            refs = Graph()
            bind_prefixes(refs, PREFIXES)
            for t in pointers:
                refs.add(t)
            for o in objects:
                for t in data.triples((o, None, None)):
                    refs.add(t)
            more = run_pyshacl(refs, shapes, use_shapes=sorted(compiled_object_shapes))
            _merge(report, more, lambda r: r.focus in objects)
    report.seconds = time.perf_counter() - t0
    return report


def _merge(report: ValidationReport, other: ValidationReport,
           keep: Callable[[Result], bool]) -> None:
    """Add ``other``'s kept results (graph and list) to ``report``."""
    g = report.graph
    report_node = g.value(predicate=RDF.type, object=SH.ValidationReport, any=True)
    for r in other.results:
        if keep(r):
            _copy_tree(other.graph, g, r.node)
            g.add((report_node, SH.result, r.node))
            report.results.append(r)
    report.conforms = not report.results
    g.set((report_node, SH.conforms, Literal(report.conforms)))


def _copy_tree(src: Graph, dst: Graph, node: Node) -> None:
    for _s, p, o in src.triples((node, None, None)):
        dst.add((node, p, o))
        if isinstance(o, BNode):
            _copy_tree(src, dst, o)


def _root_shape(shapes: Graph, shape: Node | None) -> Node | None:
    parent = shapes.value(predicate=SH.property, object=shape, any=True)
    return parent if parent is not None else shape


_NEW = ox.NamedNode("urn:x-wsis-kg:new")
_CONTEXT = ox.NamedNode("urn:x-wsis-kg:context")


def with_context(quads: Sequence[ox.Quad], store: GraphStore,
                 exclude_graph: str | None, shapes: Graph | None = None,
                 new: Graph | None = None) -> Graph:
    """New data + context from the store + what the project's reasoner infers from both.

    The reasoner (``wsis_kg.graph.reasoning``) runs on a small scratch store so the shapes see the
    same kind of graph the build validates (asserted + inferred), at the cost of milliseconds.
    Of the context and the inferences, only what the shapes can see is kept: ``rdf:type``
    triples of classes the shapes mention (``sh:targetClass``, ``sh:class``: types are
    materialised, so no other class matters, and pyshacl tests every type of a value against
    the class) and triples of predicates they mention (paths, ``sh:targetObjectsOf``). That
    halves the graph pyshacl works on. Shapes that may read any triple (SPARQL, SHACL-AF,
    ``sh:closed``) get all of it. The new data itself is always kept whole.
    """
    described = {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
    referenced = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    scratch = OxigraphStore()
    scratch.ox.extend(ox.Quad(q.subject, q.predicate, q.object, _NEW) for q in quads)
    onto = ox.NamedNode(str(GRAPH_ONTOLOGY))
    scratch.ox.extend(ox.Quad(t.subject, t.predicate, t.object,
                              onto if t.predicate.value in _AXIOMS else _CONTEXT)
                      for t in context_triples(store, described, referenced,
                                               exclude_graph=exclude_graph))
    reasoning.materialise(scratch)
    if new is None:
        new = to_rdflib(quads)
    data = new  # the new data is already converted: add the rest to it
    bind_prefixes(data, PREFIXES)
    wanted = ({str(t) for t in shapes.objects() if isinstance(t, URIRef)}
              if shapes is not None and not _reads_any_triple(shapes) else None)
    rdf_type = str(RDF.type)
    add, conv = data.add, to_rdflib_term
    for q in scratch.ox.quads_for_pattern(None, None, None, None):
        if q.graph_name == onto or q.graph_name == _NEW:  # axioms: types are materialised
            continue
        if wanted is not None and (q.object.value if q.predicate.value == rdf_type
                                   else q.predicate.value) not in wanted:
            continue
        add((conv(q.subject), conv(q.predicate), conv(q.object)))
    return data


#: Shape terms under which a shape may read triples of any predicate or type.
_OPEN_ENDED = (*_SPARQL_TERMS, SH.closed, SH.target, SH.rule, SH.expression,
               SH.targetValidator, SH.validator, SH.nodeValidator, SH.propertyValidator)


def _reads_any_triple(shapes: Graph) -> bool:
    return any((None, p, None) in shapes for p in _OPEN_ENDED)


_AXIOMS = {str(RDFS.subClassOf), str(RDFS.subPropertyOf), "http://www.w3.org/2002/07/owl#inverseOf"}


def empty_report(sources: Sequence[str] = ()) -> ValidationReport:
    g = Graph()
    node = BNode()
    g.add((node, RDF.type, SH.ValidationReport))
    g.add((node, SH.conforms, Literal(True)))
    return from_graph(g, sources=list(sources))


def context_triples(store: GraphStore, described: set[ox.NamedNode],
                    referenced: set[ox.NamedNode], *, exclude_graph: str | None = None):
    """What the shapes need from the store, in one query (per chunk of IRIs).

    * ``described`` (subjects of the new data): everything the store already says about them,
      since the new data adds to those descriptions, and the types of what they point to;
    * ``referenced`` (IRIs the new data only points to): their ``rdf:type`` (for ``sh:class``);
    * the ontology axioms the reasoner uses (subclass, subproperty, inverse).

    The shapes graph, ``graph/inferred`` (pyshacl derives the same types from the axioms, and
    stale inferences about re-described nodes would mislead) and ``exclude_graph`` are left out.
    """
    skip = ", ".join(f"<{g}>" for g in (GRAPH_SHAPES, GRAPH_INFERRED, exclude_graph) if g)
    items = [("d", n) for n in sorted(described, key=lambda n: n.value)]
    items += [("r", n) for n in sorted(referenced - described, key=lambda n: n.value)]
    chunks = [items[i:i + _CONTEXT_CHUNK] for i in range(0, len(items), _CONTEXT_CHUNK)] or [[]]
    for n, chunk in enumerate(chunks):
        d = " ".join(str(x) for k, x in chunk if k == "d")
        r = " ".join(str(x) for k, x in chunk if k == "r")
        parts = []
        if d:
            parts.append(f"{{ VALUES ?s {{ {d} }} GRAPH ?g {{ ?s ?p ?o }} "
                         f"FILTER(?g NOT IN ({skip})) }}")
            # ... and the types of what those existing descriptions point to.
            parts.append(f"{{ VALUES ?x {{ {d} }} GRAPH ?g {{ ?x ?q ?s }} FILTER(isIRI(?s)) "
                         f"GRAPH ?g2 {{ ?s <{RDF.type}> ?o }} "
                         f"FILTER(?g NOT IN ({skip}) && ?g2 NOT IN ({skip})) "
                         f"BIND(<{RDF.type}> AS ?p) }}")
        if r:
            parts.append(f"{{ VALUES ?s {{ {r} }} GRAPH ?g {{ ?s <{RDF.type}> ?o }} "
                         f"FILTER(?g NOT IN ({skip})) BIND(<{RDF.type}> AS ?p) }}")
        if n == 0:
            axioms = ", ".join(f"<{a}>" for a in sorted(_AXIOMS))
            parts.append(f"{{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} "
                         f"FILTER(?p IN ({axioms}) && isIRI(?o)) }}")
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {' UNION '.join(parts)} }}"
        yield from store.query(q)


def _keep_only(report: ValidationReport, keep: Callable[[Result], bool]) -> None:
    """Drop the results that are not about the new data (from the graph and the list)."""
    g = report.graph
    report_node = g.value(predicate=RDF.type, object=SH.ValidationReport, any=True)
    for r in report.results:
        if not keep(r):
            g.remove((report_node, SH.result, r.node))
            _remove_tree(g, r.node)
    kept = [r for r in report.results if keep(r)]
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
    # Asserted + inferred data; the ontology's axioms are already applied in graph/inferred.
    q = (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
         f"FILTER(?g NOT IN (<{GRAPH_SHAPES}>, <{GRAPH_ONTOLOGY}>)) }}")
    data = Graph()
    for t in store.query(q):
        data.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate),
                  to_rdflib_term(t.object)))
    report = run_pyshacl(data, shapes)
    # Warnings are advice: the build "conforms" when nothing violates the shapes.
    return StoreValidation(report.violations == 0, report.violations, report.warnings)
