"""The SPARQL materialisation of wsis_kg.graph.reasoning on a small fixture store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.graph.reasoning import materialise
from wsis_kg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY
from wsis_kg.store.embedded import OxigraphStore

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "reasoning" / "small.trig"
WSIS = "https://w3id.org/wsis-kg/def/"
ID = "https://w3id.org/wsis-kg/id/"
RES = ID + "resolution/A-RES-66-184"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def make_store() -> OxigraphStore:
    store = OxigraphStore()
    store.load((ROOT / "ontology" / "wsis.ttl").read_bytes(), ox.RdfFormat.TURTLE,
               str(GRAPH_ONTOLOGY))
    store.load(FIXTURE.read_bytes(), ox.RdfFormat.TRIG, None)
    return store


def snapshot(store: OxigraphStore, graph: str | None = None) -> set[tuple[str, str, str, str]]:
    """Quads without blank nodes (their labels differ between two loads of one file)."""
    return {(str(q.subject), str(q.predicate), str(q.object), str(q.graph_name))
            for q in store.quads(graph)
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def inferred(store: OxigraphStore) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in store.quads(str(GRAPH_INFERRED))}


def t(s: str, p: str, o: str) -> tuple[str, str, str]:
    """A triple as pyoxigraph prints it (IRIs in <>)."""
    return (f"<{s}>", f"<{p}>", f"<{o}>")


TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def reasoned() -> tuple[OxigraphStore, int]:
    store = make_store()
    return store, materialise(store)


def test_returns_size_of_inferred_graph(reasoned):
    store, n = reasoned
    assert n == len(inferred(store)) > 0


def test_types_follow_subclass_chain(reasoned):
    store, _ = reasoned
    got = inferred(store)
    para = RES + "/preamble/1"
    for cls in (WSIS + "Paragraph", WSIS + "DocumentPart",
                "http://data.europa.eu/eli/ontology#LegalResourceSubdivision"):
        assert t(para, TYPE, cls) in got
    assert t(ID + "org/itu", TYPE, WSIS + "Organisation") in got
    assert t(ID + "org/itu", TYPE, "http://www.w3.org/ns/org#Organization") in got
    assert t(RES, TYPE, WSIS + "Document") in got
    # the ontology's own individuals are typed too
    assert t(WSIS + "Moderator", TYPE, "http://www.w3.org/ns/org#Role") in got


def test_no_blank_node_classes(reasoned):
    store, _ = reasoned
    assert not [x for x in inferred(store) if x[1] == f"<{TYPE}>" and x[2].startswith("_:")]


def test_subproperties(reasoned):
    store, _ = reasoned
    got = inferred(store)
    para, cited = RES + "/preamble/1", ID + "resolution/A-RES-65-141"
    assert t(para, WSIS + "cites", cited) in got
    assert t(para, "http://purl.org/dc/terms/references", cited) in got
    mention = (RES + "/para/5/a/i", "http://purl.org/dc/terms/references",
               ID + "action-line/C7-e-health")
    assert t(*mention) in got


def test_inverse_of_skos_broader_and_is_part_of(reasoned):
    store, _ = reasoned
    got = inferred(store)
    assert t(ID + "action-line/C7", "http://www.w3.org/2004/02/skos/core#narrower",
             ID + "action-line/C7-e-health") in got
    assert t(RES, "http://purl.org/dc/terms/hasPart", RES + "/para/5") in got


def test_in_document_from_is_part_of_chain(reasoned):
    store, _ = reasoned
    got = inferred(store)
    assert t(RES + "/para/5/a", WSIS + "inDocument", RES) in got
    assert t(RES + "/para/5/a/i", WSIS + "inDocument", RES) in got
    # parts with an asserted wsis:inDocument get no second one
    assert not [x for x in got if x[0] == f"<{RES}/para/5>" and x[1] == f"<{WSIS}inDocument>"]


def test_document_level_citations(reasoned):
    store, _ = reasoned
    got = inferred(store)
    cited = ID + "resolution/A-RES-65-141"
    # from a citation of the resolution itself (via wsis:recalls ⊑ wsis:cites) ...
    assert t(RES, WSIS + "cites", cited) in got
    # ... never a document citing itself (para 5 cites para 4 of the same resolution), nor an
    # unknown IRI (A/RES/99/999 para 1 is neither a known part nor a document)
    assert t(RES, WSIS + "cites", RES) not in got
    doc_cites = {x for x in got if x[0] == f"<{RES}>" and x[1] == f"<{WSIS}cites>"}
    assert doc_cites == {t(RES, WSIS + "cites", cited)}


def test_paragraph_citation_alone_gives_document_citation():
    store = make_store()
    store.update(f"""DELETE DATA {{ GRAPH <https://w3id.org/wsis-kg/graph/A-RES-66-184> {{
        <{RES}/preamble/1> <{WSIS}recalls> <{ID}resolution/A-RES-65-141> }} }}""")
    materialise(store)
    assert t(RES, WSIS + "cites", ID + "resolution/A-RES-65-141") in inferred(store)


def test_nothing_written_outside_inferred_graph_and_no_duplicates(reasoned):
    store, _ = reasoned
    fresh = make_store()
    before = snapshot(fresh)
    after = {q for q in snapshot(store) if q[3] != f"<{GRAPH_INFERRED}>"}
    assert after == before
    assert len(store) - len(inferred(store)) == len(fresh)
    asserted = {q[:3] for q in before}
    assert not inferred(store) & asserted


def test_idempotent(reasoned):
    store, n = reasoned
    first = inferred(store)
    assert materialise(store) == n
    assert inferred(store) == first


# ---------------------------------------------------------------- on the real build

def test_build_infers_document_level_citations_of_the_resolutions(built_store):
    q = f"""SELECT ?cited WHERE {{ GRAPH <{GRAPH_INFERRED}> {{
        <{ID}resolution/A-RES-66-184> <{WSIS}cites> ?cited }} }}"""
    cited = {r["cited"].value.removeprefix(ID) for r in built_store.query(q)}
    assert {"resolution/A-RES-65-141", "resolution/E-RES-2009-7"} <= cited
    assert "resolution/A-RES-66-184" not in cited


def test_build_inferred_graph_repeats_nothing_asserted(built_store):
    q = f"""ASK {{ GRAPH <{GRAPH_INFERRED}> {{ ?s ?p ?o }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{GRAPH_INFERRED}>) }}"""
    assert not built_store.query(q)


def test_in_document_follows_a_document_subclass_the_ontology_adds():
    """Which classes are documents is read from the ontology (``rdfs:subClassOf*``): a class
    added below wsis:Publication makes the parts of its instances parts of that document."""
    store = make_store()
    brief, part = ID + "doc/brief", ID + "doc/brief/para/1"
    store.update(f"""INSERT DATA {{
      GRAPH <{GRAPH_ONTOLOGY}> {{ <{WSIS}PolicyBrief> <{RDFS}subClassOf> <{WSIS}Publication> }}
      GRAPH <https://w3id.org/wsis-kg/graph/brief> {{
        <{brief}> a <{WSIS}PolicyBrief> .
        <{part}> <http://purl.org/dc/terms/isPartOf> <{brief}> }} }}""")
    materialise(store)
    got = inferred(store)
    assert t(part, WSIS + "inDocument", brief) in got
    assert t(brief, RDF_TYPE, WSIS + "Document") in got
