"""SPARQL 1.1 Service Description of the endpoint (served by ``GET /sparql`` without a query).

Built as pyoxigraph triples and serialised by pyoxigraph in the negotiated RDF format. It states
the endpoint, languages, result formats, features, the default dataset (the union default graph
and every named graph with its size) and this service's limits as ``wsis:queryTimeout``
(seconds) and ``wsis:resultLimit`` (rows or triples). Negotiation and the HTTP response are the
web layer's (``wsis_kg.web.sparql``).

The document describes ONE ``sd:Service``, the query endpoint it is served at: clients such as
Comunica take the ``sd:endpoint`` of the document's (blank-node) service as the place to send
queries, and a second ``sd:Service`` here (the update endpoint) sent them to ``/sparql/update``.
The update endpoint is mentioned as what it is for people and catalogues (``rdfs:seeAlso`` to a
``dcat:DataService`` conforming to SPARQL 1.1 Update), not as an ``sd:Service`` of this document.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from wsis_kg.namespaces import SD, VOID, WSIS
from wsis_kg.rdf import formats
from wsis_kg.sparql.service import QueryService

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
ENTAILMENT_SIMPLE = "http://www.w3.org/ns/entailment/Simple"
RDFS_SEE_ALSO = "http://www.w3.org/2000/01/rdf-schema#seeAlso"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCAT = "http://www.w3.org/ns/dcat#"
DCT_CONFORMS_TO = "http://purl.org/dc/terms/conformsTo"
SPARQL_UPDATE_SPEC = "https://www.w3.org/TR/sparql11-update/"


def _n(iri: Any) -> ox.NamedNode:
    return iri if isinstance(iri, ox.NamedNode) else ox.NamedNode(str(iri))


def describe(endpoint: str, *, update_endpoint: str | None, named_graphs: dict[str, int],
             query_timeout: float, result_limit: int, federation: bool) -> list[ox.Triple]:
    """The description as triples (the service node is a blank node, as the spec's examples)."""
    t: list[ox.Triple] = []
    svc = ox.BlankNode("service")

    def add(s, p, o) -> None:
        t.append(ox.Triple(s, _n(p), o))

    add(svc, RDF_TYPE, _n(SD.Service))
    add(svc, SD.endpoint, _n(endpoint))
    add(svc, SD.supportedLanguage, _n(SD.SPARQL11Query))
    for f in formats.RESULT_FORMATS + formats.GRAPH_FORMATS:
        add(svc, SD.resultFormat, _n(f.ox_format.iri))
    add(svc, SD.feature, _n(SD.UnionDefaultGraph))
    add(svc, SD.feature, _n(SD.EmptyGraphs))
    if federation:
        add(svc, SD.feature, _n(SD.BasicFederatedQuery))
    add(svc, SD.defaultEntailmentRegime, _n(ENTAILMENT_SIMPLE))
    add(svc, WSIS.queryTimeout, ox.Literal(repr(float(query_timeout)),
                                           datatype=_n(XSD + "decimal")))
    add(svc, WSIS.resultLimit, ox.Literal(str(result_limit), datatype=_n(XSD + "integer")))
    ds = ox.BlankNode("dataset")
    add(svc, SD.defaultDataset, ds)
    add(ds, RDF_TYPE, _n(SD.Dataset))
    dg = ox.BlankNode("defaultGraph")
    add(ds, SD.defaultGraph, dg)
    add(dg, RDF_TYPE, _n(SD.Graph))
    add(dg, VOID.triples, ox.Literal(str(sum(named_graphs.values())),
                                     datatype=_n(XSD + "integer")))
    for i, (g, n) in enumerate(sorted(named_graphs.items())):
        ng, gr = ox.BlankNode(f"ng{i}"), ox.BlankNode(f"g{i}")
        add(ds, SD.namedGraph, ng)
        add(ng, RDF_TYPE, _n(SD.NamedGraph))
        add(ng, SD.name, _n(g))
        add(ng, SD.graph, gr)
        add(gr, RDF_TYPE, _n(SD.Graph))
        add(gr, VOID.triples, ox.Literal(str(n), datatype=_n(XSD + "integer")))
    if update_endpoint:
        up = _n(update_endpoint)
        add(svc, RDFS_SEE_ALSO, up)
        add(up, RDF_TYPE, _n(DCAT + "DataService"))
        add(up, DCAT + "endpointURL", up)
        add(up, DCT_CONFORMS_TO, _n(SPARQL_UPDATE_SPEC))
        add(up, RDFS_COMMENT, ox.Literal(
            "SPARQL 1.1 Update over the same dataset: POST with a bearer token.", language="en"))
    return t


def description(queries: QueryService, endpoint: str, fmt: formats.Format) -> bytes:
    """The description of the endpoint at ``endpoint`` in ``fmt`` (negotiated by the caller),
    with the graph sizes and limits of ``queries``."""
    s = queries.settings
    triples = describe(
        endpoint,
        update_endpoint=endpoint.rstrip("/") + "/update",
        named_graphs=queries.graph_sizes(),
        query_timeout=s.query_timeout,
        result_limit=s.result_limit,
        federation=bool(s.service_allowlist),
    )
    return formats.serialize_triples(triples, fmt, {"sd": str(SD)})
