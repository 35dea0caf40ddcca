"""References in running text: documents a part names become citations, not only mentions.

The citation readers (:mod:`wsis_kg.extraction.importer.citations` for resolutions,
:mod:`wsis_kg.extraction.sources.citations` for the summit texts) turn resolution numbers,
paragraph references and UN symbols into ``wsis:cites`` (or a sub-property) as they parse.
What they leave as a mention is a document named by its title in running text: "the
Millennium Declaration, the Monterrey Consensus and the Johannesburg Declaration" (Plan of
Action para 1), "article 9 of the Convention on the Rights of Persons with Disabilities"
(ECOSOC 2009/7 para 31), "the outcomes of the Geneva and Tunis phases" (Tunis draft). This
module adds, for every part of a document graph:

* ``wsis:cites`` to every document (not resolution: those are the readers' job) the part
  mentions and does not already cite, directly or through one of its parts;
* ``wsis:cites`` to the article of a named document ("article 9 of the Convention …"),
  declared as a bare ``wsis:DocumentPart`` of that document, as the readers declare cited
  paragraphs;
* ``wsis:cites`` from a part to what its footnotes cite ("… the Universal Declaration on
  Cultural Diversity …,8" with footnote 8 citing the UNESCO records), when the readers did not
  already link them.
"""

from __future__ import annotations

import re

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.extraction.mentions import (
    NAME_PROPERTIES,
    TEXT_PROPERTIES,
    entity_kind,
    kind_of_class,
)
from wsis_kg.namespaces import WSIS, part_iri

ARTICLE = re.compile(r"\barticles?\s+(?P<n>\d{1,3})\s+of\s+(?:the\s+)?(?P<rest>.{0,200})",
                     re.IGNORECASE)


def citing_properties(ontology: Graph) -> set[URIRef]:
    """``wsis:cites`` and its sub-properties."""
    return {p for p in ontology.transitive_subjects(RDFS.subPropertyOf, WSIS.cites)
            if isinstance(p, URIRef)} | {WSIS.cites}


def _cites(g: Graph, part: URIRef, props: set[URIRef], target: URIRef) -> bool:
    prefix = str(target) + "/"
    return any(o == target or str(o).startswith(prefix)
               for p in props for o in g.objects(part, p))


def _names(gazetteer: Graph, doc: URIRef) -> list[str]:
    return [str(o) for p in NAME_PROPERTIES for o in gazetteer.objects(doc, p)]


def reference_citations(doc_graph: Graph, gazetteer: Graph, ontology: Graph) -> Graph:
    """The citations of ``doc_graph``'s parts that its citation reader left as mentions."""
    out = Graph()
    props = citing_properties(ontology)
    kinds = kind_of_class(ontology)
    known = doc_graph + gazetteer
    parts = sorted({s for p in TEXT_PROPERTIES for s in doc_graph.subjects(p, None)
                    if isinstance(s, URIRef)})
    for part in parts:
        texts = [str(t) for t in doc_graph.objects(part, WSIS.text)]
        for e in sorted(doc_graph.objects(part, WSIS.mentions)):
            if not isinstance(e, URIRef) or entity_kind(known, e, kinds) != "document":
                continue
            articles = 0
            for text in texts:
                for m in ARTICLE.finditer(text):
                    rest = " ".join(m.group("rest").split())
                    if any(rest.startswith(" ".join(n.split())) for n in _names(known, e)):
                        article = part_iri(str(e), f"article/{m.group('n')}")
                        out.add((part, WSIS.cites, article))
                        out.add((article, RDF.type, WSIS.DocumentPart))
                        out.add((article, WSIS.number, Literal(m.group("n"))))
                        out.add((article, WSIS.inDocument, e))
                        out.add((article, DCTERMS.isPartOf, e))
                        articles += 1
            if not articles and not _cites(doc_graph, part, props, e):
                out.add((part, WSIS.cites, e))
        for note in sorted(doc_graph.objects(part, WSIS.hasFootnote)):
            for p in sorted(props):
                for cited in sorted(doc_graph.objects(note, p)):
                    if isinstance(cited, URIRef) and not _cites(doc_graph, part, props, cited):
                        out.add((part, WSIS.cites, cited))
    return out
