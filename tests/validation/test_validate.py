"""Validation of new data in the context of the graph (fixture project: small shapes + graph)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from wsis_kg.errors import BadRequest
from wsis_kg.graph.build import build
from wsis_kg.rdf.parse import parse_bytes, parse_file
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.validate import validate_new_data, validate_store, validate_with_shapes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "validate"
INPUTS = FIXTURES / "inputs"
ID = "https://w3id.org/wsis-kg/id/"
DEF = "https://w3id.org/wsis-kg/def/"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def vsettings() -> Settings:
    return Settings(project_root=FIXTURES / "project", build_on_start=False)


@pytest.fixture(scope="module")
def vstore(vsettings: Settings) -> OxigraphStore:
    store = OxigraphStore()
    build(vsettings, store, check_shapes=False)
    return store


def check(name: str, vsettings, store, **kw):
    return validate_new_data([parse_file(INPUTS / name)], vsettings, store, **kw)


def test_new_resolution_citing_a_known_one_conforms(vsettings, vstore) -> None:
    report = check("good.ttl", vsettings, vstore)
    assert report.conforms and report.violations == 0 and not report.results
    assert report.sources == [str(INPUTS / "good.ttl")]


def test_same_data_without_the_graph_has_unknown_references(vsettings) -> None:
    report = check("good.ttl", vsettings, None)
    assert report.violations == 5  # ecosoc, A/RES/66/184 (twice), itu, C1 unknown without context


def test_unknown_references_and_counts_are_reported(vsettings, vstore) -> None:
    report = check("bad.ttl", vsettings, vstore)
    got = {(str(r.focus).removeprefix(ID), str(r.path).removeprefix(DEF),
            str(r.component).removeprefix(SH), r.severity) for r in report.results}
    assert got == {
        ("resolution/E-RES-2099-1", "adoptedBy", "ClassConstraintComponent", "Violation"),
        ("resolution/E-RES-2099-1", "cites", "ClassConstraintComponent", "Violation"),
        ("resolution/E-RES-2099-1", "symbol", "MaxCountConstraintComponent", "Violation"),
        ("resolution/E-RES-2099-1", "http://purl.org/dc/terms/title",
         "MinCountConstraintComponent", "Warning"),
        ("facilitation/adopted/C99/itu", "actionLine", "ClassConstraintComponent", "Violation"),
        # the cited IRI itself, through the sh:targetObjectsOf shape
        ("resolution/A-RES-99-999", "None", "ClassConstraintComponent", "Violation"),
    }
    assert (report.violations, report.warnings, report.conforms) == (5, 1, False)
    values = {str(r.value) for r in report.results if r.value is not None}
    assert {ID + "org/no-such-org", ID + "action-line/C99",
            ID + "resolution/A-RES-99-999"} <= values
    assert all(r.messages for r in report.results)


def test_referenced_nodes_are_judged_only_as_references(vsettings, vstore) -> None:
    # good.ttl points to organisations without skos:altLabel (an OrganisationShape warning)
    # and cites a known resolution: neither is the new data's problem.
    report = check("good.ttl", vsettings, vstore)
    assert report.conforms and not report.results


def test_warnings_alone_are_not_violations(vsettings, vstore) -> None:
    report = check("warning-only.ttl", vsettings, vstore)
    assert (report.violations, report.warnings) == (0, 1)


def test_new_data_may_refer_to_itself(vsettings, vstore) -> None:
    assert check("cites-new.ttl", vsettings, vstore).conforms


def test_existing_description_counts_for_redescribed_nodes(vsettings, vstore) -> None:
    report = check("redescribe-existing.ttl", vsettings, vstore)
    assert [(r.path.rsplit("/", 1)[-1], r.component.rsplit("#", 1)[-1])
            for r in report.results] == [("symbol", "MaxCountConstraintComponent")]


def test_replaced_graph_is_not_context(vsettings) -> None:
    store = OxigraphStore()
    build(vsettings, store, check_shapes=False)
    g = "https://example.org/graph/mine"
    store.update(f"INSERT DATA {{ GRAPH <{g}> {{ <{ID}resolution/E-RES-2010-3> "
                 f"<{DEF}symbol> \"old\" }} }}")
    assert check("good.ttl", vsettings, store).violations == 1  # two symbols
    assert check("good.ttl", vsettings, store, exclude_graph=g).conforms


def test_only_the_new_data_is_reported(vsettings) -> None:
    store = OxigraphStore()
    build(vsettings, store, check_shapes=False)
    # An existing, broken resolution in the graph is not the new data's problem.
    store.update(f"INSERT DATA {{ GRAPH <https://example.org/g> {{ <{ID}resolution/broken> a "
                 f"<{DEF}Resolution> }} }}")
    assert check("good.ttl", vsettings, store).conforms
    assert not validate_store(store, vsettings).conforms


def test_blank_node_subjects_are_checked(vsettings, vstore) -> None:
    data = parse_bytes(f"[] a <{DEF}Facilitation> ; <{DEF}agent> <{ID}org/itu> .",
                       format_from_name_ttl())
    report = validate_new_data([data], vsettings, vstore)
    assert report.violations == 1 and "action line" in report.results[0].messages[0]


def format_from_name_ttl():
    from wsis_kg.rdf.parse import format_from_name

    return format_from_name("turtle")


def test_store_validation_of_the_fixture_graph(vsettings, vstore) -> None:
    result = validate_store(vstore, vsettings)
    assert (result.conforms, result.violations) == (True, 0)


def test_caller_shapes_replace_the_project_shapes() -> None:
    shapes = parse_file(INPUTS / "custom-shapes.ttl")
    report = validate_with_shapes([parse_file(INPUTS / "good.ttl")], shapes)
    assert report.violations == 1
    assert report.results[0].messages == ["Give the session number."]


def test_broken_shapes_are_a_bad_request() -> None:
    shapes = parse_file(FIXTURES.parent.parent / "conformance" / "shacl" / "sparql"
                        / "pre-binding" / "unsupported-sparql-001.ttl")
    with pytest.raises(BadRequest) as e:
        validate_with_shapes([parse_file(INPUTS / "good.ttl")], shapes)
    assert "shapes cannot be used" in e.value.detail


def test_report_graph_matches_the_filtered_results(vsettings, vstore) -> None:
    report = check("bad.ttl", vsettings, vstore)
    g: Graph = report.graph
    results = list(g.objects(None, URIRef(SH + "result")))
    assert len(results) == len(report.results) == 6


COMPILE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
ex:A a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:A-p , [ sh:path ex:q ; sh:minCount 1 ] .
ex:A-p a sh:PropertyShape ; sh:path ex:p ; sh:minCount 1 .
ex:B a sh:NodeShape ; sh:targetClass ex:D ; sh:property ex:shared .
ex:B2 a sh:NodeShape ; sh:targetNode ex:x ; sh:property ex:shared .
ex:shared a sh:PropertyShape ; sh:path ex:s ; sh:maxCount 1 .
ex:Used a sh:NodeShape ; sh:targetClass ex:E ; sh:property ex:Used-p .
ex:Used-p a sh:PropertyShape ; sh:path ex:u ; sh:minCount 1 .
ex:Other a sh:NodeShape ; sh:targetClass ex:F ; sh:node ex:Used .
"""


def test_compiled_shapes_give_property_shapes_their_parents_targets() -> None:
    from rdflib import Namespace

    from wsis_kg.validation.validate import compiled_shapes

    ex, sh = Namespace("https://example.org/"), Namespace(SH)
    g = compiled_shapes(Graph().parse(data=COMPILE_SHAPES, format="turtle"))
    assert (ex.A, sh.property, None) not in g  # both moved, the blank one too
    assert (ex["A-p"], sh.targetClass, ex.C) in g
    assert len(list(g.subjects(sh.targetClass, ex.C))) == 3
    # two parents: each validates it for its own focus nodes, so it stays
    assert (ex.B, sh.property, ex.shared) in g and (ex.shared, sh.targetClass, None) not in g
    # a node shape another shape refers to (sh:node) keeps its property shapes
    assert (ex.Used, sh.property, ex["Used-p"]) in g


def test_compiled_shapes_report_the_same(vsettings) -> None:
    data = Graph().parse(data="""@prefix ex: <https://example.org/> .
        ex:a a ex:C . ex:x ex:s 1, 2 . ex:f a ex:F . ex:e a ex:E .""", format="turtle")
    shapes = Graph().parse(data=COMPILE_SHAPES, format="turtle")
    from wsis_kg.validation.validate import run_pyshacl

    def key(report):
        return sorted((str(r.focus), str(r.path), str(r.source_shape)) for r in report.results)
    fast, plain = (run_pyshacl(data, shapes, compile_shapes=c) for c in (True, False))
    assert fast.violations == plain.violations == 5
    assert key(fast) == key(plain)


@pytest.fixture(scope="module")
def project_store() -> tuple[Settings, OxigraphStore]:
    settings = Settings(build_on_start=False)
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return settings, store


def test_project_shapes_check_mentions_and_citations_by_union_class(project_store) -> None:
    """The real shapes: a mention or citation target is known when the graph types it with any
    class of the wsis:MentionableThing / wsis:DocumentOrPart unions (materialised in context)."""
    settings, store = project_store
    res = f"{ID}resolution/A-RES-99-1"
    data = parse_bytes(f"""
        @prefix wsis: <{DEF}> . @prefix dcterms: <http://purl.org/dc/terms/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{res}> a wsis:Resolution ; dcterms:title "Test"@en ; wsis:symbol "A/RES/99/1" ;
            wsis:adoptedBy <{ID}org/un-general-assembly> ;
            wsis:adoptionDate "2099-01-01"^^xsd:date .
        <{res}/para/1> a wsis:OperativeParagraph ; wsis:inDocument <{res}> ;
            dcterms:isPartOf <{res}> ; wsis:number "1" ; wsis:leadingVerb "Recalls" ;
            wsis:text "Recalls …"@en ;
            wsis:mentions <{ID}org/itu> , <{ID}action-line/C7-e-health> ,
                <{ID}doc/geneva-plan-of-action/para/12> , <{ID}org/no-such-org> ;
            wsis:recalls <{ID}resolution/A-RES-66-184> , <{ID}org/itu> .
        """, format_from_name_ttl())
    report = validate_new_data([data], settings, store)
    got = sorted((str(r.focus).removeprefix(ID), str(r.source_shape).rsplit("/", 1)[-1])
                 for r in report.results)
    assert got == [("org/itu", "CitationTargetShape"), ("org/no-such-org", "MentionTargetShape")]
    assert all(r.messages and r.messages[0].startswith(("A citation", "A text mentions"))
               for r in report.results)


def test_switches_are_compared_as_rdf_terms(tmp_path) -> None:
    """sh:uniqueLang "1"^^xsd:boolean is not the term true: the constraint stays off."""
    data = tmp_path / "d.ttl"
    data.write_text('<http://ex/i> <http://ex/m> "HI"@en, "Hi"@en .\n')
    for value, violations in (('"1"^^xsd:boolean', 0), ("true", 1)):
        shapes = tmp_path / "s.ttl"
        shapes.write_text(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
            "<http://ex/s> a sh:PropertyShape ; sh:targetNode <http://ex/i> ;\n"
            f"  sh:path <http://ex/m> ; sh:uniqueLang {value} .\n")
        report = validate_with_shapes([parse_file(data)], parse_file(shapes))
        assert report.violations == violations, value
