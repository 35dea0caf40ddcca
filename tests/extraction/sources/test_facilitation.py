"""Curated facilitations (data/curated/facilitation*.ttl) agree with the extracted rows.

Each facilitation cites a table row, annex row or text block that exists in the extracted
graph, and the agent's acronym or name is printed in that row's cell.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.namespaces import ID, WSIS

ROOT = Path(__file__).resolve().parents[3]
PRINTED = {  # how each agent is printed in the cells
    "itu": "ITU", "unesco": "UNESCO", "undp": "UNDP", "un-desa": "UN/DESA", "unctad": "UNCTAD",
    "who": "WHO", "ilo": "ILO", "wmo": "WMO", "fao": "FAO", "unep": "UNEP",
    "un-habitat": "UN-Habitat", "ecosoc": "ECOSOC", "wto": "WTO",
    "un-regional-commissions": "UN RCs", "regional-political-bodies": "Regional political bodies",
    "gaid": "Global Alliance on ICT and Development",
}


@pytest.fixture(scope="module")
def curated() -> tuple[Graph, Graph]:
    adopted = Graph().parse(ROOT / "data/curated/facilitation.ttl")
    proposed = Graph().parse(ROOT / "data/curated/facilitation-proposals.ttl")
    return adopted, proposed


def test_graph_headers() -> None:
    for name, graph in (("facilitation.ttl", "itu-brochure-implementing-action-plan"),
                        ("facilitation-proposals.ttl", "tunis-draft-implementation-mechanism")):
        first = (ROOT / "data/curated" / name).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# graph: <https://w3id.org/wsis-kg/graph/{graph}>"


def test_counts(curated: tuple[Graph, Graph]) -> None:
    adopted, proposed = curated
    facs = lambda g, st: [f for f in g.subjects(RDF.type, WSIS.Facilitation)  # noqa: E731
                          if (f, WSIS.status, st) in g]
    assert len(facs(adopted, WSIS.Adopted)) == 18 + 2 + 6 + 3
    annex_a = [f for f in facs(proposed, WSIS.Proposed)
               if (f, WSIS.proposedBy, ID["org/russian-federation"]) in proposed]
    annex_b = [f for f in facs(proposed, WSIS.Proposed)
               if (f, WSIS.proposedBy, ID["org/ghana"]) in proposed]
    assert len(annex_a) == 34 and len(annex_b) == 38
    assert {proposed.value(f, WSIS.role) for f in annex_a + annex_b} == {WSIS.Coordinator}
    c7 = {str(adopted.value(f, WSIS.agent)).rsplit("/", 1)[1]
          for f in adopted.subjects(WSIS.role, WSIS.Facilitator)
          if str(adopted.value(f, WSIS.actionLine)).rsplit("/", 1)[1].startswith("C7-")}
    assert c7 == {"un-desa", "unctad", "unesco", "who", "ilo", "wmo", "fao"}


def test_sources_exist_and_name_the_agent(curated: tuple[Graph, Graph], poa: Graph,
                                          tunis: Graph, brochure: Graph) -> None:
    extracted = poa + tunis + brochure
    for g in curated:
        for f in g.subjects(RDF.type, WSIS.Facilitation):
            src = g.value(f, DCTERMS.source)
            assert isinstance(src, URIRef)
            assert (src, WSIS.inDocument, None) in extracted, src
            cell = str(extracted.value(src, WSIS.text))
            agent = str(g.value(f, WSIS.agent)).rsplit("/", 1)[1]
            assert PRINTED[agent] in cell, (f, cell)
            target = g.value(f, WSIS.actionLine) or g.value(f, WSIS.planSection)
            assert target is not None, f
            assert (target, None, None) in extracted or "/action-line/" in str(target), target
            if (src, RDF.type, WSIS.TableRow) not in extracted:
                continue
            if g.value(f, WSIS.actionLine):
                assert (src, WSIS.mentions, g.value(f, WSIS.actionLine)) in extracted
            else:
                assert (src, DCTERMS.references, g.value(f, WSIS.planSection)) in extracted


def test_no_facilitation_for_empty_cells(curated: tuple[Graph, Graph]) -> None:
    _, proposed = curated
    sources = {str(o) for o in proposed.objects(None, DCTERMS.source)}
    base = str(ID["doc/tunis-draft-implementation-mechanism"])
    for row in ("annex/b/row/C9", "annex/b/row/C7-e-government", "annex/b/row/C7-e-business",
                "annex/a/row/C7"):
        assert f"{base}/{row}" not in sources
