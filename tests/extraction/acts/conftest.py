"""The acts of the five seed documents, computed once for the tests of this package."""

from __future__ import annotations

import pytest
from rdflib import Graph

from wsis_kg.extraction.acts import acts_for
from wsis_kg.extraction.extract import SOURCES, curated_graph, extract_doc, ontology_graph
from wsis_kg.settings import Settings


@pytest.fixture(scope="session")
def gazetteer(settings: Settings) -> Graph:
    return curated_graph(settings)


@pytest.fixture(scope="session")
def ontology(settings: Settings) -> Graph:
    return ontology_graph(settings)


@pytest.fixture(scope="session")
def seeds(settings: Settings, gazetteer: Graph,
          ontology: Graph) -> dict[str, tuple[Graph, Graph]]:
    """slug → (document graph, its acts)."""
    out = {}
    for doc in SOURCES:
        g = extract_doc(doc, settings, gazetteer, ontology)
        out[doc.slug] = (g, acts_for(g, gazetteer, ontology))
    return out
