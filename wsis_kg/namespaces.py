"""The IRIs the project mints, in one place (see docs/design.md and the README's IRI table).

Code that needs the IRI of a resolution, document, paragraph, organisation, action line or
named graph calls the minting functions below, so an IRI pattern is stated once.
"""

from rdflib import Namespace, URIRef

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


def resolution_slug(symbol: str) -> str:
    """IRI slug of a resolution symbol: ``A/RES/57/270 B`` → ``A-RES-57-270B`` (slugs are
    left as they are)."""
    return symbol.replace("/", "-").replace(" ", "")


def document_slug(symbol: str) -> str:
    """IRI slug of a UN document symbol: "/" and "." become "-" (a trailing ".1" would look like
    a file extension to the linked-data layer), spaces go."""
    return symbol.replace("/", "-").replace(".", "-").replace(" ", "")


def resolution_iri(symbol: str) -> URIRef:
    """``A/RES/57/270B``, ``A/RES/57/270 B`` or ``A-RES-57-270B`` →
    ``id/resolution/A-RES-57-270B``."""
    return ID["resolution/" + resolution_slug(symbol)]


def doc_iri(slug: str) -> URIRef:
    """A document by its slug: ``geneva-plan-of-action`` → ``id/doc/geneva-plan-of-action``."""
    return ID["doc/" + slug]


def part_iri(container: str, path: str | int) -> URIRef:
    """A part below a document, resolution or part: ``<container>/<path>``."""
    return URIRef(f"{container}/{path}")


def paragraph_iri(container: str, number: str | int) -> URIRef:
    """Numbered paragraph ``number`` of a document or resolution IRI: ``<container>/para/<n>``."""
    return part_iri(container, f"para/{number}")


def org_iri(slug: str) -> URIRef:
    return ID["org/" + slug]


def action_line_iri(code: str) -> URIRef:
    """``C7``, ``C7-e-health`` → ``id/action-line/…``."""
    return ID["action-line/" + code]


def graph_iri(slug: str) -> URIRef:
    """The named graph of a document or resolution: ``graph/<slug>``."""
    return GRAPH[slug]


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, so CLI and UI queries can omit them."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
