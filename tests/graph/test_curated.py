"""The curated files of the gazetteer area point only at things the graph describes.

Every ``id/`` IRI that action lines, targets, organisations, events, places, initiatives,
figures, levels and cited documents refer to (sources, paragraphs, places, organisers, ...) must
be the subject of some triple in data/, so no citation dangles after an extractor changes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from wsis_kg.graph.build import graph_of
from wsis_kg.namespaces import ID, WSIS

ROOT = Path(__file__).resolve().parents[2]
MINE = ["action-lines", "targets", "organisations", "stakeholder-groups", "events", "places",
        "initiatives", "figures", "levels", "documents"]


@pytest.fixture(scope="module")
def described() -> set[URIRef]:
    g = Graph()
    for p in sorted((ROOT / "data").glob("*/*.ttl")):
        g.parse(p, format="turtle")
    return {s for s in g.subjects() if isinstance(s, URIRef)}


@pytest.mark.parametrize("name", MINE)
def test_no_dangling_references(name: str, described: set[URIRef]) -> None:
    path = ROOT / "data" / "curated" / f"{name}.ttl"
    assert graph_of(path).startswith("https://w3id.org/wsis-kg/graph/")
    g = Graph().parse(path, format="turtle")
    dangling = sorted({str(o) for o in g.objects() if isinstance(o, URIRef)
                       and str(o).startswith(str(ID)) and o not in described})
    assert not dangling, f"{path.name} refers to IRIs nothing describes: {dangling}"


# ---------------------------------------------------------------- one place for each fact

#: The words by which a comment states a role of data/curated/roles.ttl (per wsis:bodyRole).
ROLE_WORDS = {
    "Chair": r"\bchair", "RotatingChair": r"\bchair", "Secretariat": r"\bsecretariat",
    "Host": r"\bhost", "Organiser": r"\borgani[sz](?:e|ing)", "CoOrganiser": r"\bcollaborat",
    "Convener": r"\bconven", "Overseer": r"\boversee", "FocalPoint": r"\bfocal point",
}
#: The words by which a comment states an outcome of data/curated/outcomes.ttl.
OUTCOME_WORDS = r"\b(?:agreed|establish|adopted|decided|request)"


def _curated(*names: str) -> Graph:
    g = Graph()
    for n in names:
        g.parse(ROOT / "data" / "curated" / f"{n}.ttl", format="turtle")
    return g


def _comments(g: Graph, s: URIRef) -> list[str]:
    return [str(c) for c in g.objects(s, RDFS.comment)]


def test_comments_do_not_restate_modelled_roles_or_outcomes() -> None:
    """A role (roles.ttl) or an outcome (outcomes.ttl) is stated once, as data: the
    ``rdfs:comment`` of its holder, of the body or event it is held in, or of the event that
    produced the outcome may define the thing, not restate the fact ("Host of the second phase
    …", "ITU, UNESCO and UNDP are its rotating chairs", "Agreed to carry out …")."""
    described = _curated("organisations", "events")
    facts = _curated("roles", "outcomes")
    labels = _curated("organisations", "events", "stakeholder-groups")
    problems = []
    for a in facts.subjects(RDF.type, WSIS.RoleAssignment):
        word = ROLE_WORDS[str(facts.value(a, WSIS.bodyRole)).rsplit("/", 1)[-1]]
        for s in (facts.value(a, WSIS.holder), facts.value(a, WSIS.roleIn)):
            problems += [f"{s}: {c!r} restates {a}" for c in _comments(described, s)
                         if re.search(word, c, re.IGNORECASE)]
    for o in facts.subjects(WSIS.outcomeOf, None):
        event = facts.value(o, WSIS.outcomeOf)
        problems += [f"{event}: {c!r} restates {o}" for c in _comments(described, event)
                     if re.search(OUTCOME_WORDS, c, re.IGNORECASE)]
        # what the outcome is about may not restate it either, naming its event
        names = [str(n).lower() for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
                 for n in labels.objects(event, p)]
        for about in facts.objects(o, WSIS.about):
            problems += [f"{about}: {c!r} restates {o}" for c in _comments(described, about)
                         if re.search(OUTCOME_WORDS, c, re.IGNORECASE)
                         and any(n in c.lower() for n in names)]
    assert not problems, "\n".join(sorted(problems))
