"""The dataset described for machines: VoID + DCAT (one graph) and a JSON-LD context.

The description is computed from the store (triple counts per named graph, entities per class)
and cached per store generation; the service's own URLs (SPARQL endpoint, dumps) are absolute
URLs of the running service, while the dataset and vocabulary IRIs use the public base.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pyoxigraph as ox

from wsis_kg.graph.dump import DUMP_FORMATS, GZIP_EXTENSION, GZIP_MEDIA_TYPE
from wsis_kg.namespaces import BASE, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_SHAPES, PREFIXES
from wsis_kg.rdf.formats import RESULTS_JSON, Format
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import GraphStore

Select = Callable[[str], list[dict[str, Any]]]

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
OWL = "http://www.w3.org/2002/07/owl#"

DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
CODE_LICENCE = "https://www.apache.org/licenses/LICENSE-2.0"
IANA = "https://www.iana.org/assignments/media-types/"
def dump_label(f: Format) -> str:
    """How a dump in format ``f`` is described to people (it may lose the named graphs)."""
    return f"{f.label} ({'named graphs kept' if f.dataset else 'union of the graphs'})"


#: the dataset's IRI (relative to the public base)
DATASET_PATH = ".well-known/void#dataset"
SERVICE_PATH = ".well-known/void#sparql-service"


def package_version() -> str:
    try:
        return version("wsis-kg")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


_lock = threading.Lock()
_stats_cache: dict[Any, dict[str, Any]] = {}


def dataset_stats(select: Select, generation: Any = None) -> dict[str, Any]:
    """Triples per named graph, distinct triples, entities per class (cached per generation)."""
    key = generation
    with _lock:
        if key is not None and key in _stats_cache:
            return _stats_cache[key]
    graphs = {r["g"].value: int(r["n"].value) for r in select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    total = select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
                   "WHERE { GRAPH ?g { ?s ?p ?o } } }")
    classes = {r["c"].value: int(r["n"].value) for r in select(
        f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a ?c }}
        FILTER(?g NOT IN (<{GRAPH_ONTOLOGY}>, <{GRAPH_SHAPES}>, <{GRAPH_INFERRED}>)) }}
        GROUP BY ?c""")}
    subjects = select(f"""SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{BASE}id/")) }}""")
    stats = {
        "graphs": graphs,
        "quads": sum(graphs.values()),
        "triples": int(total[0]["n"].value) if total else 0,
        "classes": classes,
        "entities": int(subjects[0]["n"].value) if subjects else 0,
    }
    with _lock:
        if key is not None:
            _stats_cache.clear()
            _stats_cache[key] = stats
    return stats


def describe_dataset(store: GraphStore | None, settings: Settings, *, service_root: str,
                     select: Select, generation: Any = None,
                     uri_space: str = BASE) -> list[ox.Triple]:
    """VoID + DCAT description of the dataset served at ``service_root`` (no trailing slash).

    IRIs are canonical here; the web layer rewrites them to the public base when serving.
    ``void:uriSpace`` is a literal, which no rewriting touches: the web layer passes the public
    base as ``uri_space``.
    """
    stats = dataset_stats(select, generation)
    ds = ox.NamedNode(BASE + DATASET_PATH)
    svc = ox.NamedNode(BASE + SERVICE_PATH)
    sparql = ox.NamedNode(f"{service_root}/sparql")
    out: list[ox.Triple] = []

    def add(s: Any, p: str, o: Any) -> None:
        out.append(ox.Triple(s, ox.NamedNode(p), o))

    def lit(v: Any, dt: str | None = None, lang: str | None = None) -> ox.Literal:
        if lang:
            return ox.Literal(str(v), language=lang)
        return ox.Literal(str(v), datatype=ox.NamedNode(dt) if dt else None)

    n = ox.NamedNode
    add(ds, RDF + "type", n(VOID + "Dataset"))
    add(ds, RDF + "type", n(DCAT + "Dataset"))
    add(ds, DCT + "title", lit("WSIS knowledge graph", lang="en"))
    add(ds, DCT + "description", lit(
        "Documents, action lines, organisations, facilitation roles, resolutions, citations and "
        "events of the World Summit on the Information Society (WSIS), every fact traced to the "
        "paragraph of the source text it comes from.", lang="en"))
    add(ds, DCT + "license", n(DATA_LICENCE))
    add(ds, RDFS + "comment", lit(
        "Data licensed under CC BY 4.0; the software that builds and serves it under "
        "Apache-2.0.", lang="en"))
    add(ds, OWL + "versionInfo", lit(package_version()))
    add(ds, DCAT + "version", lit(package_version()))
    add(ds, DCAT + "landingPage", n(service_root + "/"))
    add(ds, FOAF + "homepage", n(service_root + "/"))
    for kw in ("WSIS", "information society", "ICT for development", "United Nations",
               "action lines"):
        add(ds, DCAT + "keyword", lit(kw, lang="en"))
    add(ds, VOID + "uriSpace", lit(uri_space))
    add(ds, VOID + "sparqlEndpoint", sparql)
    add(ds, VOID + "triples", lit(stats["triples"], XSD + "integer"))
    add(ds, VOID + "entities", lit(stats["entities"], XSD + "integer"))
    add(ds, VOID + "rootResource", n(BASE + "id/action-line"))
    add(ds, VOID + "exampleResource", n(BASE + "id/org/who"))
    add(ds, VOID + "exampleResource", n(BASE + "id/action-line/C7-e-health"))
    add(ds, VOID + "uriLookupEndpoint", lit(service_root + "/"))
    for ns in sorted({PREFIXES[p] for p in ("wsis", "skos", "dcterms", "org", "prov", "eli",
                                             "rdfs", "owl", "foaf")}):
        add(ds, VOID + "vocabulary", n(ns))
    # dumps
    for f in DUMP_FORMATS.values():
        ext, media = f.extension, f.media_type
        label = dump_label(f)
        url = n(f"{service_root}/dumps/wsis-kg.{ext}")
        add(ds, VOID + "dataDump", url)
        dist = n(f"{BASE}.well-known/void#dump-{ext}")
        add(ds, DCAT + "distribution", dist)
        add(dist, RDF + "type", n(DCAT + "Distribution"))
        add(dist, DCT + "title", lit(label, lang="en"))
        add(dist, DCAT + "downloadURL", url)
        add(dist, DCAT + "accessURL", url)
        add(dist, DCAT + "mediaType", n(IANA + media))
        add(dist, DCT + "format", lit(media))
        add(dist, DCT + "license", n(DATA_LICENCE))
        gz_url = n(f"{service_root}/dumps/wsis-kg.{ext}.{GZIP_EXTENSION}")
        gz = n(f"{BASE}.well-known/void#dump-{ext}-{GZIP_EXTENSION}")
        add(ds, DCAT + "distribution", gz)
        add(gz, RDF + "type", n(DCAT + "Distribution"))
        add(gz, DCT + "title", lit(f"{label}, gzip-compressed", lang="en"))
        add(gz, DCAT + "downloadURL", gz_url)
        add(gz, DCAT + "accessURL", gz_url)
        add(gz, DCAT + "mediaType", n(IANA + media))
        add(gz, DCAT + "compressFormat", n(IANA + GZIP_MEDIA_TYPE))
        add(gz, DCT + "license", n(DATA_LICENCE))
    # the SPARQL endpoint as a DCAT data service and a distribution
    add(svc, RDF + "type", n(DCAT + "DataService"))
    add(svc, DCT + "title", lit("WSIS knowledge graph SPARQL 1.1 endpoint", lang="en"))
    add(svc, DCAT + "endpointURL", sparql)
    add(svc, DCAT + "endpointDescription", sparql)
    add(svc, DCAT + "servesDataset", ds)
    add(svc, DCT + "conformsTo", n("https://www.w3.org/TR/sparql11-protocol/"))
    add(svc, DCT + "license", n(CODE_LICENCE))
    sdist = n(f"{BASE}.well-known/void#sparql")
    add(ds, DCAT + "distribution", sdist)
    add(sdist, RDF + "type", n(DCAT + "Distribution"))
    add(sdist, DCT + "title", lit("SPARQL endpoint", lang="en"))
    add(sdist, DCAT + "accessURL", sparql)
    add(sdist, DCAT + "accessService", svc)
    add(sdist, DCAT + "mediaType", n(IANA + RESULTS_JSON.media_type))
    add(ds, DCAT + "accessService", svc)
    # one subset per named graph
    for g, count in sorted(stats["graphs"].items()):
        slug = g.rsplit("/", 1)[-1] if g.startswith(BASE) else str(abs(hash(g)))
        sub = n(f"{BASE}.well-known/void#graph-{slug}")
        add(ds, VOID + "subset", sub)
        add(sub, RDF + "type", n(VOID + "Dataset"))
        add(sub, SD + "name", n(g))
        add(sub, VOID + "triples", lit(count, XSD + "integer"))
        add(sub, VOID + "sparqlEndpoint", sparql)
    # class partitions (what the graph holds)
    for c, count in sorted(stats["classes"].items()):
        part = ox.BlankNode()
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", n(c))
        add(part, VOID + "entities", lit(count, XSD + "integer"))
    return out


def jsonld_context(select: Select, prefixes: dict[str, str]) -> dict[str, Any]:
    """A JSON-LD ``@context`` for the vocabulary: prefixes plus every ontology term by name.

    Object properties are typed ``@id``; datatype properties carry their XSD range; language
    strings get ``@language: en``.
    """
    ctx: dict[str, Any] = dict(sorted(prefixes.items()))
    wsis_ns = PREFIXES["wsis"]
    public_wsis = prefixes.get("wsis", wsis_ns)
    rows = select(f"""PREFIX owl: <{OWL}> PREFIX rdfs: <{RDFS}> PREFIX rdf: <{RDF}>
      SELECT ?t ?kind (SAMPLE(?r) AS ?range) WHERE {{
        GRAPH <{GRAPH_ONTOLOGY}> {{
          VALUES ?kind {{ owl:Class owl:ObjectProperty owl:DatatypeProperty
                          owl:AnnotationProperty rdf:Property }}
          ?t a ?kind . OPTIONAL {{ ?t rdfs:range ?r FILTER(isIRI(?r)) }}
          FILTER(STRSTARTS(STR(?t), "{wsis_ns}")) }}
      }} GROUP BY ?t ?kind ORDER BY ?t""")
    for r in rows:
        iri = r["t"].value
        name = iri[len(wsis_ns):]
        if not name or "/" in name or name in ctx:
            continue
        pub = public_wsis + name
        kind = r["kind"].value
        rng = r["range"].value if "range" in r else None
        if kind == OWL + "Class":
            ctx[name] = pub
        elif kind == OWL + "ObjectProperty":
            ctx[name] = {"@id": pub, "@type": "@id"}
        elif kind == OWL + "DatatypeProperty":
            if rng == RDF + "langString":
                ctx[name] = {"@id": pub, "@language": "en"}
            elif rng and rng.startswith(XSD) and rng != XSD + "string":
                ctx[name] = {"@id": pub, "@type": rng}
            else:
                ctx[name] = pub
        else:
            ctx[name] = pub
    return {"@context": ctx}
