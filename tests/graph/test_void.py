"""VoID/DCAT description and JSON-LD context, straight from a store (no web layer)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from wsis_kg.graph import void
from wsis_kg.graph.build import build
from wsis_kg.graph.dump import DUMP_FORMATS
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "web"
BASE = "https://w3id.org/wsis-kg/"


def _store():
    settings = Settings(project_root=FIXTURE, build_on_start=False)
    store = OxigraphStore()
    build(settings, store, reason=False, check_shapes=False)
    return settings, store


def _select(store):
    def run(q):
        sols = store.query(q)
        names = [v.value for v in sols.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in sols]
    return run


def test_stats_count_graphs_triples_and_classes():
    _, store = _store()
    stats = void.dataset_stats(_select(store))
    assert stats["quads"] == len(store)
    assert stats["triples"] == len({q.triple for q in store.quads()})
    assert stats["classes"][BASE + "def/Facilitation"] == 2
    assert set(stats["graphs"]) == set(store.named_graphs())


def test_description_names_endpoint_dumps_and_subsets():
    settings, store = _store()
    triples = void.describe_dataset(store, settings, service_root="http://h.test/kg",
                                    select=_select(store))
    by_pred: dict[str, list] = {}
    for t in triples:
        by_pred.setdefault(t.predicate.value, []).append(t.object)
    assert ox.NamedNode("http://h.test/kg/sparql") in by_pred[void.VOID + "sparqlEndpoint"]
    assert len(by_pred[void.VOID + "dataDump"]) == len(DUMP_FORMATS)
    assert len(by_pred[void.VOID + "subset"]) == len(store.named_graphs())
    assert ox.NamedNode(void.DATA_LICENCE) in by_pred[void.DCT + "license"]


def test_context_types_properties_by_kind():
    _, store = _store()
    ctx = void.jsonld_context(_select(store), {"wsis": BASE + "def/"})["@context"]
    assert ctx["agent"] == {"@id": BASE + "def/agent", "@type": "@id"}
    assert ctx["text"] == {"@id": BASE + "def/text", "@language": "en"}
    assert ctx["acronym"] == BASE + "def/acronym"
    assert ctx["Facilitation"] == BASE + "def/Facilitation"
