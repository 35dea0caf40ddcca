"""The IRIs the project mints, in one place (see docs/design.md and the README's IRI table)."""

from rdflib import Namespace

BASE = "https://w3id.org/wsis-kg/"
WSIS = Namespace(BASE + "def/")
WSISS = Namespace(BASE + "shapes/")
ID = Namespace(BASE + "id/")
GRAPH = Namespace(BASE + "graph/")

ONTOLOGY_IRI = BASE + "def"
SHAPES_IRI = BASE + "shapes"

ORG = Namespace("http://www.w3.org/ns/org#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
VANN = Namespace("http://purl.org/vocab/vann/")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_SHAPES = GRAPH["shapes"]
GRAPH_REFERENCE = GRAPH["reference"]
GRAPH_INFERRED = GRAPH["inferred"]

PREFIXES: dict[str, str] = {
    "wsis": str(WSIS),
    "wsiss": str(WSISS),
    "wsisid": str(ID),
    "wsisg": str(GRAPH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": str(ORG),
    "eli": str(ELI),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": str(VOID),
    "dcat": "http://www.w3.org/ns/dcat#",
}


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, so CLI and UI queries can omit them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
