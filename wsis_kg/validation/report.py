"""SHACL validation reports: read pyshacl's report graph once, render it for people and programs.

The report graph itself (W3C SHACL vocabulary) is the authoritative answer and is what the Turtle
and JSON-LD renderings serialise (with rdflib). The text, HTML and simple JSON renderings group
the results by focus node and show, for each: severity, property path, offending value and the
shape's message.

Simple JSON shape (``application/json``)::

    {"conforms": false, "violations": 1, "warnings": 0, "infos": 0,
     "results": [{"focusNode": "https://…", "path": "https://…/symbol", "value": "…",
                  "severity": "Violation", "message": "…", "sourceShape": "https://…",
                  "constraint": "http://www.w3.org/ns/shacl#MinCountConstraintComponent"}]}

``path`` is the predicate IRI for a simple path, otherwise a SPARQL property path with
``<IRI>``s; ``value``, ``path`` and ``message`` are null when the result has none.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from wsis_kg.namespaces import PREFIXES
from wsis_kg.rdf.formats import REPORT_FORMATS, Format

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
#: Output formats of ``wsis-kg validate --format`` (the registry's report formats) by name.
FORMATS: dict[str, Format] = {f.name: f for f in REPORT_FORMATS}


@dataclass
class Result:
    """One sh:ValidationResult, flattened for display."""

    focus: Node
    path: Node | None
    value: Node | None
    severity: str
    messages: list[str]
    source_shape: Node | None
    component: Node | None
    path_text: str | None = None
    #: The shape for people: a node shape's name, or "NodeShape → path" for a property shape.
    shape_label: str = ""
    #: The sh:ValidationResult node in the report graph.
    node: Node | None = None


@dataclass
class ValidationReport:
    """A SHACL report graph and its results, plus what was validated and how long it took."""

    graph: Graph
    conforms: bool
    results: list[Result] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def violations(self) -> int:
        return sum(r.severity == "Violation" for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.severity == "Warning" for r in self.results)

    @property
    def infos(self) -> int:
        return sum(r.severity == "Info" for r in self.results)

    def by_focus(self) -> dict[Node, list[Result]]:
        """Results grouped by focus node; groups and results in a stable order."""
        groups: dict[Node, list[Result]] = defaultdict(list)
        for r in self.results:
            groups[r.focus].append(r)
        return {k: sorted(v, key=_result_key) for k, v in sorted(groups.items(),
                                                                  key=lambda kv: str(kv[0]))}

    def summary(self) -> str:
        state = "conforms" if self.conforms else "does not conform"
        return (f"{state}: {self.violations} violation{'s' * (self.violations != 1)}, "
                f"{self.warnings} warning{'s' * (self.warnings != 1)}, "
                f"{self.infos} info{'s' * (self.infos != 1)}")


def _result_key(r: Result) -> tuple:
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return (order.get(r.severity, 3), r.path_text or "", str(r.value or ""), r.messages)


def from_graph(graph: Graph, **kwargs) -> ValidationReport:
    """Read a SHACL report graph (as pyshacl returns it) into a :class:`ValidationReport`."""
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport, any=True)
    conforms = graph.value(report, SH.conforms) if report is not None else None
    results = []
    for node in graph.objects(report, SH.result) if report is not None else ():
        path = graph.value(node, SH.resultPath)
        sev = graph.value(node, SH.resultSeverity)
        results.append(Result(
            focus=graph.value(node, SH.focusNode),
            path=path,
            value=graph.value(node, SH.value),
            severity=SEVERITIES.get(sev, str(sev)),
            messages=sorted(str(m) for m in graph.objects(node, SH.resultMessage)),
            source_shape=graph.value(node, SH.sourceShape),
            component=graph.value(node, SH.sourceConstraintComponent),
            path_text=path_to_text(graph, path) if path is not None else None,
            node=node,
        ))
    ok = bool(conforms.toPython()) if isinstance(conforms, Literal) else not results
    return ValidationReport(graph=graph, conforms=ok, results=results, **kwargs)


def label_shapes(report: ValidationReport, shapes: Graph) -> None:
    """Name blank property shapes by the node shape that holds them (for the text and HTML)."""
    for r in report.results:
        shape = r.source_shape
        if isinstance(shape, BNode):
            parent = shapes.value(predicate=SH.property, object=shape, any=True)
            p = shapes.value(shape, SH.path)
            where = path_to_text(shapes, p) if p is not None else "?"
            r.shape_label = f"{short(parent)} (property {where})" if parent is not None else ""
        elif shape is not None:
            r.shape_label = short(shape)


def path_to_text(g: Graph, path: Node, *, compact: bool = True) -> str:
    """A SHACL property path in SPARQL property-path syntax (``wsis:cites/^dcterms:isPartOf``)."""
    name = (lambda n: short(n)) if compact else (lambda n: f"<{n}>")
    if isinstance(path, URIRef):
        return name(path)
    if g.value(path, RDF.first) is not None:
        # Unary operators bind tighter than "/", and alternatives come parenthesised.
        return "/".join(path_to_text(g, p, compact=compact) for p in Collection(g, path))
    for pred, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                      (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
        inner = g.value(path, pred)
        if inner is not None:
            return fmt.format(_wrap(path_to_text(g, inner, compact=compact)))
    alts = g.value(path, SH.alternativePath)
    if alts is not None:
        return "(" + "|".join(path_to_text(g, p, compact=compact)
                              for p in Collection(g, alts)) + ")"
    return str(path)


def _wrap(text: str) -> str:
    """Parenthesise a path expression inside another one, unless it is a single term."""
    single = (text.startswith("<") and text.endswith(">") and text.count("<") == 1) or (
        not any(c in text for c in "/|^*+?()<>") and ":" in text)
    return text if single or (text.startswith("(") and text.endswith(")")) else f"({text})"


_SHORT = sorted(((iri, p) for p, iri in PREFIXES.items()), key=lambda x: -len(x[0]))


def short(node: Node | None) -> str:
    """A term for people: prefixed name when a project prefix fits, else <IRI> or "literal"."""
    if node is None:
        return "—"
    if isinstance(node, URIRef):
        s = str(node)
        for iri, p in _SHORT:
            if s.startswith(iri) and "/" not in s[len(iri):] and "#" not in s[len(iri):]:
                return f"{p}:{s[len(iri):]}"
        return f"<{s}>"
    if isinstance(node, BNode):
        return "[]"
    if isinstance(node, Literal):
        text = str(node)
        text = text if len(text) <= 120 else text[:117] + "…"
        return json.dumps(text, ensure_ascii=False) + (f"@{node.language}" if node.language
                                                        else "")
    return str(node)


def to_text(report: ValidationReport) -> str:
    """Plain text for the terminal: one block per focus node."""
    head = ", ".join(report.sources) or "input"
    lines = [f"{head}: {report.summary()} ({report.seconds:.2f} s)"]
    for focus, results in report.by_focus().items():
        lines.append("")
        lines.append(short(focus) if not isinstance(focus, BNode) else "[blank node]")
        for r in results:
            lines.append(f"  {r.severity:<9} {r.path_text or '(node)'}"
                         + (f"  value: {short(r.value)}" if r.value is not None else ""))
            for m in r.messages or ["(no message)"]:
                lines.append(f"            {m}")
            shape = r.shape_label or short(r.source_shape)
            lines.append(f"            [{short(r.component)} in {shape}]")
    return "\n".join(lines) + "\n"


def to_json(report: ValidationReport) -> dict:
    """The simple JSON shape documented in the module docstring."""
    def iri(n: Node | None) -> str | None:
        return None if n is None else (f"_:{n}" if isinstance(n, BNode) else str(n))

    results = []
    for focus, rs in report.by_focus().items():
        for r in rs:
            path = None
            if r.path is not None:
                path = (str(r.path) if isinstance(r.path, URIRef)
                        else path_to_text(report.graph, r.path, compact=False))
            results.append({
                "focusNode": iri(focus), "path": path, "value": iri(r.value),
                "severity": r.severity, "message": "; ".join(r.messages) or None,
                "sourceShape": iri(r.source_shape), "constraint": iri(r.component),
            })
    return {"conforms": report.conforms, "violations": report.violations,
            "warnings": report.warnings, "infos": report.infos, "results": results}


def render(report: ValidationReport, fmt: str) -> str:
    """The report as ``text``, ``turtle``, ``jsonld``, ``json`` or ``html`` (a whole page)."""
    if fmt == "text":
        return to_text(report)
    if fmt == "json":
        return json.dumps(to_json(report), ensure_ascii=False, indent=1) + "\n"
    rdf = FORMATS.get(fmt)
    if rdf is not None and rdf.rdflib == "json-ld":
        return report_graph(report).serialize(format=rdf.rdflib, indent=1)
    if rdf is not None and rdf.rdflib:
        return report_graph(report).serialize(format=rdf.rdflib)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown report format {fmt!r}")


def report_graph(report: ValidationReport) -> Graph:
    g = report.graph
    g.bind("sh", SH)
    for p, iri in PREFIXES.items():
        g.bind(p, iri)
    return g


def to_html(report: ValidationReport, **context) -> str:
    """A standalone HTML page (``validate.html``) showing the report readably."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("wsis_kg.web", "templates"),
                      autoescape=select_autoescape())
    env.globals.update(short=short)
    return env.get_template("report_standalone.html").render(report=report, **context)
