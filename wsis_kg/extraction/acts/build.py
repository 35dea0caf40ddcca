"""``acts_for``: the mandates, time expressions and citations of one document graph.

A function of the document graph (the parts with their ``wsis:text``, types, numbering and
mentions), the curated gazetteer and the ontology only, so the same code serves the five seed
texts (``wsis-kg extract`` writes ``data/extracted/<doc>-acts.ttl``) and any resolution the
importer reads later.
"""

from __future__ import annotations

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.extraction.acts.mandates import (
    GOVERNMENTS,
    DocumentContext,
    Mandate,
    Resolver,
    clause_mandates,
    delegated_items,
    item_mandates,
    mandate_triples,
)
from wsis_kg.extraction.acts.references import reference_citations
from wsis_kg.extraction.acts.timex import TimeExpr, find_times, ga_session_years
from wsis_kg.namespaces import ID, WSIS, org_iri

#: Documents whose provisions ask someone to act: resolutions and the summit texts. A
#: publication (the ITU brochure) reports on them; its "Connect all villages" restates a target.
MANDATING = frozenset({WSIS.Resolution, WSIS.OutcomeDocument, WSIS.DraftDocument})

#: Order of the first path segment of a part's IRI: the preamble comes first.
_RANK = {"preamble": 0, "para": 1}


def _order_key(part: URIRef, doc: URIRef) -> tuple[object, ...]:
    """Document order: preamble before operative part, numbers numerically, items after their
    paragraph."""
    path = str(part)[len(str(doc)) + 1:].split("/")
    return tuple((0, int(s), "") if s.isdigit() else (1, _RANK.get(s, 2), s) for s in path)


def _literal_of(t: TimeExpr) -> Literal | None:
    if t.kind == "date" and t.value is not None:
        return Literal(t.value, datatype=XSD.date)
    if t.kind == "month" and isinstance(t.value, tuple):
        return Literal(f"{t.value[0]:04d}-{t.value[1]:02d}", datatype=XSD.gYearMonth)
    if t.kind == "year" and isinstance(t.value, int):
        return Literal(f"{t.value:04d}", datatype=XSD.gYear)
    return None


def time_triples(g: Graph, part: URIRef, t: TimeExpr, gazetteer: Graph) -> URIRef:
    iri = URIRef(f"{part}/time/{t.start}-{t.end}")
    g.add((iri, RDF.type, WSIS.TimeExpression))
    g.add((iri, DCTERMS.source, part))
    g.add((iri, WSIS.span, Literal(t.span)))
    g.add((iri, WSIS.spanStart, Literal(t.start)))
    g.add((iri, WSIS.spanEnd, Literal(t.end)))
    g.add((iri, WSIS.temporalRelation, Literal(t.relation)))
    if (value := _literal_of(t)) is not None:
        g.add((iri, WSIS.timeValue, value))
    if t.begin is not None and t.finish is not None:
        g.add((iri, WSIS.beginValue, Literal(t.begin, datatype=XSD.date)))
        g.add((iri, WSIS.endValue, Literal(t.finish, datatype=XSD.date)))
    if t.alternative:
        g.add((iri, WSIS.alternative, Literal(True)))
    if t.kind == "session" and t.session_number is not None:
        g.add((iri, WSIS.sessionNumber, Literal(t.session_number)))
        if t.session_organ is not None:
            g.add((iri, WSIS.sessionOf, org_iri(t.session_organ)))
        if t.session_organ == "un-general-assembly":
            first, last = ga_session_years(t.session_number)
            g.add((iri, WSIS.beginValue, Literal(f"{first}", datatype=XSD.gYear)))
            g.add((iri, WSIS.endValue, Literal(f"{last}", datatype=XSD.gYear)))
        event = ID[f"event/cstd-{t.session_number}"]
        if t.session_organ == "cstd" and (event, None, None) in gazetteer:
            g.add((iri, WSIS.sessionEvent, event))
    if t.kind == "frequency":
        g.add((iri, WSIS.recurring, Literal(True)))
        if t.period is not None:
            g.add((iri, WSIS.frequency, Literal(t.period, datatype=XSD.duration)))
    return iri


def _concerns(doc_graph: Graph, gazetteer: Graph, part: URIRef) -> list[URIRef]:
    """Action lines and targets the part mentions, and the action line whose Plan of Action
    paragraph the part belongs to (an item of para 9 concerns C2)."""
    out = [e for e in doc_graph.objects(part, WSIS.mentions) if isinstance(e, URIRef) and (
        (e, RDF.type, WSIS.ActionLine) in gazetteer or (e, RDF.type, WSIS.Target) in gazetteer)]
    ancestor: URIRef | None = part
    while ancestor is not None:
        out += [a for a in gazetteer.subjects(WSIS.planOfActionParagraph, ancestor)
                if isinstance(a, URIRef)]
        nxt = doc_graph.value(ancestor, DCTERMS.isPartOf)
        ancestor = nxt if isinstance(nxt, URIRef) else None
    return sorted(set(out))


def _issuer(doc: URIRef, doc_graph: Graph, gazetteer: Graph) -> URIRef:
    """The organ that adopted the document; the governments ("We") for a summit text."""
    for g in (doc_graph, gazetteer):
        by = g.value(doc, WSIS.adoptedBy)
        if isinstance(by, URIRef):
            return by
    return GOVERNMENTS


def _children(doc_graph: Graph, doc: URIRef, part: URIRef) -> list[tuple[URIRef, str]]:
    """The items of ``part`` in document order, with their text."""
    return sorted(((i, str(doc_graph.value(i, WSIS.text) or ""))
                   for i in doc_graph.subjects(DCTERMS.isPartOf, part)
                   if (i, RDF.type, WSIS.Item) in doc_graph),
                  key=lambda x: _order_key(x[0], doc))


def _document_mandates(doc: URIRef, parts: list[URIRef], doc_graph: Graph,
                       ctx: DocumentContext, is_resolution: bool) -> list[Mandate]:
    out: list[Mandate] = []
    for part in parts:
        text = str(doc_graph.value(part, WSIS.text) or "")
        types = set(doc_graph.objects(part, RDF.type))
        found: list[Mandate] = []
        if WSIS.OperativeParagraph in types:
            found = clause_mandates(part, text, ctx, first_person=False)
        elif WSIS.Paragraph in types and not is_resolution:
            found = clause_mandates(part, text, ctx, first_person=True)
        elif WSIS.Item in types and not is_resolution:
            found = item_mandates(part, text, ctx)
        # "Requests the Secretary-General:", "Governments are invited to:", "The group should,
        # inter alia:" — the act is done in the items that follow
        if found and text.rstrip().endswith(":") and found[-1].asks in (None, "", "inter alia"):
            found += delegated_items(found[-1], _children(doc_graph, doc, part), ctx)
        out += found
        ctx.advance(text)
    return out


def acts_for(doc_graph: Graph, gazetteer: Graph, ontology: Graph) -> Graph:
    """Mandates, time expressions and citations of every document in ``doc_graph``.

    ``gazetteer`` is the curated data (names of organisations, posts, stakeholder groups,
    events; action lines' Plan of Action paragraphs), ``ontology`` the class hierarchy."""
    out = Graph()
    resolver = Resolver(gazetteer, ontology)
    docs = sorted({d for d in doc_graph.objects(None, WSIS.inDocument) if isinstance(d, URIRef)})
    for doc in docs:
        parts = sorted((p for p in doc_graph.subjects(WSIS.inDocument, doc)
                        if isinstance(p, URIRef) and (p, WSIS.text, None) in doc_graph),
                       key=lambda p: _order_key(p, doc))
        if not parts:
            continue
        types = {t for g in (doc_graph, gazetteer) for t in g.objects(doc, RDF.type)}
        is_resolution = WSIS.Resolution in types
        mandating = bool(types & MANDATING)
        issuer = _issuer(doc, doc_graph, gazetteer)
        organ = str(issuer).rsplit("/", 1)[-1] if is_resolution else None
        times: dict[URIRef, list[tuple[TimeExpr, URIRef]]] = {}
        for part in parts:
            text = str(doc_graph.value(part, WSIS.text))
            times[part] = [(t, time_triples(out, part, t, gazetteer))
                           for t in find_times(text, organ)]
        mandates = _document_mandates(doc, parts, doc_graph, DocumentContext(resolver),
                                      is_resolution) if mandating else []
        counter: dict[URIRef, int] = {}
        for m in mandates:
            counter[m.part] = counter.get(m.part, 0) + 1
            iri = URIRef(f"{m.part}/mandate/{counter[m.part]}")
            mandate_triples(out, m, iri, issuer, _concerns(doc_graph, gazetteer, m.part))
            for t, t_iri in times.get(m.part, []):
                if m.start <= t.start and t.end <= m.end:
                    out.add((iri, WSIS.timing, t_iri))
    out += reference_citations(doc_graph, gazetteer, ontology)
    return out

