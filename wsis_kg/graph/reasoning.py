"""Materialise the inferences queries rely on into graph/inferred, by SPARQL Update.

Why SPARQL rules and not the DL reasoner: the service must answer "all documents that cite
resolution X" or "all organisations" with plain SPARQL, over any SPARQL 1.1 store (embedded or
remote), and a build must stay fast and deterministic. A handful of RDFS/OWL-RL-style rules
gives exactly the entailments the queries need; HermiT (``wsis_kg.graph.consistency``) is used
separately to check that ontology and data are consistent.

Rules (each reads the asserted named graphs, the ontology and what earlier rounds inferred; all
write only into ``graph/inferred``; run to a fixpoint):

* ``rdf:type`` along ``rdfs:subClassOf*`` of the ontology graph (our classes and the external
  classes they are aligned with; blank-node class expressions are skipped);
* property values along ``rdfs:subPropertyOf*`` (``wsis:recalls`` ⇒ ``wsis:cites`` ⇒
  ``dcterms:references``);
* ``owl:inverseOf`` pairs declared in the ontology (``skos:broader``/``skos:narrower``,
  ``dcterms:isPartOf``/``dcterms:hasPart``);
* ``?part wsis:inDocument ?doc`` for parts that only have a ``dcterms:isPartOf`` chain (up to
  a part that has one, or to an instance of ``wsis:Document`` or of a subclass the ontology
  states);
* document-level citations: a part that cites X makes its document cite X's document (or X
  itself when X is typed, or inferred to be, a ``wsis:Document``); citations inside one
  document give nothing, and an IRI that is neither a known part nor a document is skipped.

A triple already asserted anywhere is never repeated in graph/inferred, so that graph holds only
what the rules add. The graph is cleared first: running twice gives the same result.
"""

from __future__ import annotations

from wsis_kg.namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SHAPES
from wsis_kg.store.embedded import GraphStore

INFERRED = f"<{GRAPH_INFERRED}>"
ONTOLOGY = f"<{GRAPH_ONTOLOGY}>"
SHAPES = f"<{GRAPH_SHAPES}>"
MAX_ROUNDS = 10

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX wsis: <https://w3id.org/wsis-kg/def/>
"""

# Every rule: INSERT into graph/inferred what the WHERE derives, unless some graph (asserted or
# inferred) already holds that triple. ``?g*`` ranges over all graphs except the shapes graph
# (shapes mention classes and properties but state nothing about the data).
_NOT_SHAPES = f"FILTER(?g1 != {SHAPES})"


def _rule(head: str, body: str) -> str:
    return f"""{PREFIXES}
INSERT {{ GRAPH {INFERRED} {{ {head} }} }}
WHERE {{
  {body}
  FILTER NOT EXISTS {{ GRAPH ?seen {{ {head} }} }}
}}"""


RULES: dict[str, str] = {
    "subclass types": _rule(
        "?x rdf:type ?super .",
        f"""GRAPH ?g1 {{ ?x rdf:type ?c }} {_NOT_SHAPES}
  GRAPH {ONTOLOGY} {{ ?c rdfs:subClassOf+ ?super }}
  FILTER(isIRI(?super) && ?super != ?c)""",
    ),
    "subproperty values": _rule(
        "?s ?super ?o .",
        f"""GRAPH {ONTOLOGY} {{ ?p rdfs:subPropertyOf+ ?super }}
  FILTER(isIRI(?super) && ?super != ?p)
  GRAPH ?g1 {{ ?s ?p ?o }} {_NOT_SHAPES}""",
    ),
    "inverse properties": _rule(
        "?o ?q ?s .",
        f"""GRAPH {ONTOLOGY} {{ {{ ?p owl:inverseOf ?q }} UNION {{ ?q owl:inverseOf ?p }} }}
  FILTER(isIRI(?p) && isIRI(?q))
  GRAPH ?g1 {{ ?s ?p ?o }} {_NOT_SHAPES}
  FILTER(!isLiteral(?o))""",
    ),
    "document of nested parts": _rule(
        "?part wsis:inDocument ?doc .",
        f"""GRAPH ?g1 {{ ?part dcterms:isPartOf ?parent }} {_NOT_SHAPES}
  FILTER NOT EXISTS {{ GRAPH ?g2 {{ ?part wsis:inDocument ?any }} FILTER(?g2 != {INFERRED}) }}
  {{ GRAPH ?g3 {{ ?parent wsis:inDocument ?doc }} }}
  UNION
  {{ GRAPH ?g4 {{ ?parent rdf:type ?t }}
     GRAPH {ONTOLOGY} {{ ?t rdfs:subClassOf* wsis:Document }}
     BIND(?parent AS ?doc) }}""",
    ),
    "document-level citations": _rule(
        "?citingDoc wsis:cites ?citedDoc .",
        f"""GRAPH ?g1 {{ ?part wsis:cites ?cited }} {_NOT_SHAPES}
  GRAPH ?g2 {{ ?part wsis:inDocument ?citingDoc }}
  {{ GRAPH ?g3 {{ ?cited wsis:inDocument ?citedDoc }} }}
  UNION
  {{ GRAPH ?g4 {{ ?cited rdf:type wsis:Document }} BIND(?cited AS ?citedDoc) }}
  FILTER(isIRI(?citedDoc) && ?citedDoc != ?citingDoc)""",
    ),
}


def inferred_count(store: GraphStore) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {INFERRED} {{ ?s ?p ?o }} }}"
    return int(next(iter(store.query(q)))["n"].value)


def materialise(store: GraphStore) -> int:
    """Recompute graph/inferred from the asserted graphs and the ontology; returns its size."""
    store.clear_graph(str(GRAPH_INFERRED))
    before = -1
    for _ in range(MAX_ROUNDS):
        for rule in RULES.values():
            store.update(rule)
        now = inferred_count(store)
        if now == before:
            break
        before = now
    return inferred_count(store)
