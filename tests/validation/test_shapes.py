"""shapes/wsis-shapes.ttl: a conforming fixture, and for every shape a fixture that makes it fire.

Each ``tests/fixtures/shapes/<Shape>-invalid.ttl`` is validated together with ``valid.ttl``
(which it may refer to) and the ontology (so that sh:targetClass and sh:class follow
rdfs:subClassOf). Its ``# expect: <focus IRI> <shape>`` lines list exactly the results it must
produce: the test fails on a missing result *and* on an unexpected one, so each fixture proves
the shape it is named after fires, and nothing else does. ``<shape>`` is the local name of the
result's sh:sourceShape (``OrganisationShape-prefLabel``) and the result message must be the
shape's (or SPARQL constraint's) sh:message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef

from wsis_kg.validation.validate import compiled_shapes

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "shapes"
SHAPES_FILE = ROOT / "shapes" / "wsis-shapes.ttl"
ONTOLOGY_FILE = ROOT / "ontology" / "wsis.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")
WSISS = "https://w3id.org/wsis-kg/shapes/"
EXPECT = re.compile(r"^#\s*expect:\s*<([^>]+)>\s+(\S+)\s*$", re.MULTILINE)
INVALID = sorted(FIXTURES.glob("*-invalid.ttl"))


@dataclass(frozen=True)
class Result:
    focus: str
    shape: str
    severity: str
    message: str
    value: str = ""
    path: str = ""
    component: str = ""


@cache
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE)


@cache
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


def local(node) -> str:
    return str(node).removeprefix(WSISS) if isinstance(node, URIRef) else "_:bnode"


@cache
def run(*files: Path, compiled: bool = False) -> list[Result]:
    """Results of the fixture files (+ ontology); ``compiled``: with the shapes in the form
    wsis_kg.validation.validate gives pyshacl
    (:func:`wsis_kg.validation.validate.compiled_shapes`)."""
    data = Graph()
    for f in files:
        data.parse(f, format="turtle")
    shapes = compiled_shapes(shapes_graph()) if compiled else shapes_graph()
    _conforms, report, _text = validate(
        data, shacl_graph=shapes, ont_graph=ontology_graph(), inference="none",
        allow_warnings=True)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        out.append(Result(
            focus=str(report.value(r, SH.focusNode)),
            shape=local(report.value(r, SH.sourceShape)),
            severity=str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            message=str(report.value(r, SH.resultMessage)),
            value=str(report.value(r, SH.value)),
            path=str(report.value(r, SH.resultPath)),
            component=str(report.value(r, SH.sourceConstraintComponent)),
        ))
    return out


def declared_messages(shape: str) -> list[str]:
    """sh:message of a shape, or of its SPARQL constraints (with {?var} placeholders, if any)."""
    node = URIRef(WSISS + shape)
    g = shapes_graph()
    msgs = [str(m) for m in g.objects(node, SH.message)]
    for c in g.objects(node, SH.sparql):
        msgs += [str(m) for m in g.objects(c, SH.message)]
    return msgs


def matches(template: str, message: str) -> bool:
    pattern = "^" + re.sub(r"\\\{\\\?\w+\\\}", ".+", re.escape(template)) + "$"
    return re.match(pattern, message, re.DOTALL) is not None


def describe(results: list[Result]) -> str:
    return "\n".join(f"  # expect: <{r.focus}> {r.shape}   [{r.severity}] {r.message}"
                     for r in sorted(results, key=lambda r: (r.shape, r.focus)))


def test_shapes_file_parses_and_has_header():
    g = shapes_graph()
    head = URIRef("https://w3id.org/wsis-kg/shapes")
    OWL = Namespace("http://www.w3.org/2002/07/owl#")
    assert (head, RDF.type, OWL.Ontology) in g
    assert (head, OWL.versionIRI, URIRef("https://w3id.org/wsis-kg/shapes/1.0.0")) in g
    assert (head, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"),
            Literal("wsiss")) in g
    assert (head, URIRef("http://purl.org/dc/terms/license"),
            URIRef("https://creativecommons.org/licenses/by/4.0/")) in g


def constraint_shapes() -> list[URIRef]:
    """Shapes that report results: those with an sh:message (node or property shapes)."""
    g = shapes_graph()
    return sorted({s for s in g.subjects(SH.message, None) if isinstance(s, URIRef)})


def test_every_constraint_has_english_message_and_severity():
    g = shapes_graph()
    bad = []
    for s in constraint_shapes() + list(g.objects(None, SH.sparql)):
        msgs = list(g.objects(s, SH.message))
        if not any(isinstance(m, Literal) and m.language == "en" for m in msgs):
            bad.append(f"{s}: no sh:message@en")
        if g.value(s, SH.severity) not in (SH.Violation, SH.Warning, SH.Info):
            bad.append(f"{s}: no sh:severity")
    for ps in g.objects(None, SH.property):
        if not list(g.objects(ps, SH.message)):
            bad.append(f"{ps}: property shape without sh:message")
    assert not bad, "\n".join(bad)


def test_node_shapes_are_named_after_their_class():
    g = shapes_graph()
    for shape, cls in g.subject_objects(SH.targetClass):
        name = str(cls).rsplit("/", 1)[-1]
        # wsiss:<Class>Shape, or a qualified rule on that class (wsiss:Proposed<Class>Shape)
        assert local(shape).endswith(f"{name}Shape"), f"{shape} targets {cls}"
    named = {local(s) for s, _c in g.subject_objects(SH.targetClass)}
    classes = {str(c).rsplit("/", 1)[-1] for c in g.objects(None, SH.targetClass)}
    assert {f"{c}Shape" for c in classes} <= named


def test_valid_fixture_conforms():
    results = run(FIXTURES / "valid.ttl")
    assert not results, "valid.ttl should conform, but:\n" + describe(results)


def test_valid_fixture_covers_every_node_shape():
    """Every node shape has at least one focus node in valid.ttl (so valid.ttl proves a pass)."""
    data = Graph().parse(FIXTURES / "valid.ttl") + ontology_graph()
    g = shapes_graph()
    missing = []
    for shape, cls in g.subject_objects(SH.targetClass):
        q = f"ASK {{ ?x a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* <{cls}> }}"
        if not data.query(q).askAnswer:
            missing.append(str(shape))
    for shape, prop in g.subject_objects(SH.targetObjectsOf):
        if not list(data.objects(None, prop)) and shape not in {URIRef(m) for m in missing}:
            # one of the listed properties having values is enough
            props = list(g.objects(shape, SH.targetObjectsOf))
            if not any(list(data.objects(None, p)) for p in props):
                missing.append(str(shape))
    assert not missing, f"no focus node in valid.ttl for {sorted(set(missing))}"


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_fires_its_shape(fixture: Path):
    expected = set(EXPECT.findall(fixture.read_text(encoding="utf-8")))
    shape_name = fixture.stem.removesuffix("-invalid")
    assert expected, f"{fixture.name} has no '# expect: <focus> <shape>' lines"
    assert any(s == shape_name or s.startswith(shape_name + "-") for _f, s in expected), \
        f"{fixture.name} expects nothing from {shape_name}"
    results = run(FIXTURES / "valid.ttl", fixture)
    got = {(r.focus, r.shape) for r in results}
    missing, extra = expected - got, got - expected
    assert not missing and not extra, (
        f"{fixture.name}: missing {sorted(missing)}; unexpected:\n"
        + describe([r for r in results if (r.focus, r.shape) in extra]))
    for r in results:
        templates = declared_messages(r.shape)
        assert any(matches(t, r.message) for t in templates), \
            f"{r.shape} on {r.focus}: message {r.message!r} is not one of {templates}"


def test_every_shape_and_message_is_exercised_by_some_invalid_fixture():
    expected_shapes = set()
    for f in INVALID:
        expected_shapes |= {s for _focus, s in EXPECT.findall(f.read_text(encoding="utf-8"))}
    names = {local(s) for s in constraint_shapes()}
    g = shapes_graph()
    assert not names - expected_shapes, f"never fired: {sorted(names - expected_shapes)}"
    node_shapes = {local(s) for s in g.subjects(RDF.type, SH.NodeShape)}
    fixtures = {f.stem.removesuffix("-invalid") for f in INVALID}
    missing = sorted(node_shapes - fixtures)
    assert not missing, f"no <Shape>-invalid.ttl for {missing}"


@pytest.mark.slow
@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_compiled_shapes_give_the_same_results(fixture: Path):
    """wsis_kg.validation.validate runs pyshacl on compiled shapes (property shapes carry their node
    shape's targets): every result (focus, shape, severity, message, value, path, constraint)
    must be the same, as often, as with the shapes file itself."""
    def key(results):
        return sorted((r.focus, r.shape, r.severity, r.message, r.value, r.path, r.component)
                      for r in results)
    original = run(FIXTURES / "valid.ttl", fixture)
    assert original
    assert key(run(FIXTURES / "valid.ttl", fixture, compiled=True)) == key(original)


def test_compiled_shapes_move_targets_to_property_shapes():
    g = compiled_shapes(shapes_graph())
    wsiss = Namespace(WSISS)
    assert (wsiss["DocumentPartShape"], SH.property, None) not in g
    assert (wsiss["DocumentPartShape-text"], SH.targetClass,
            URIRef("https://w3id.org/wsis-kg/def/DocumentPart")) in g
    assert compiled_shapes(shapes_graph()) is g  # cached
