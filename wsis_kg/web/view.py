"""The HTML view model of a resource: its statements, the links pointing at it, labels, and
the paragraph text it comes from, read through the query service (so under its limits)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
from flask import request

from wsis_kg.namespaces import BASE, PREFIXES
from wsis_kg.web.extension import select, service
from wsis_kg.web.http import FORMATS
from wsis_kg.web.public import href, local_path, to_public_iri

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"
WSIS = PREFIXES["wsis"]
DCTERMS = PREFIXES["dcterms"]
SKOS = PREFIXES["skos"]
RDFS = PREFIXES["rdfs"]



@dataclass
class Value:
    """One RDF term prepared for the template."""

    kind: str  # iri | literal | bnode | list
    text: str = ""
    href: str | None = None
    iri: str | None = None
    curie: str | None = None
    lang: str | None = None
    datatype: str | None = None
    graphs: list[str] = field(default_factory=list)
    props: list[tuple[Value, list[Value]]] = field(default_factory=list)  # bnode
    items: list[Value] = field(default_factory=list)  # list
    phrase: str | None = None  # a property read backwards (links pointing here)


def curie(iri: str) -> str | None:
    best = None
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and (best is None or len(ns) > len(PREFIXES[best])):
            best = p
    if best is None:
        return None
    rest = iri[len(PREFIXES[best]):]
    return f"{best}:{rest}"


_LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", WSIS + "symbol",
                     WSIS + "heading")


def labels(iris: Iterable[str]) -> dict[str, str]:
    """Human labels for IRIs: prefLabel, label, title, symbol, heading (in that order, English
    first). A title that another resource shares (four resolutions are all "Information and
    communication technologies for development") carries the symbol, so lists can tell them
    apart; parts without a name say where they are."""
    iris = sorted({i for i in iris if i})
    out: dict[str, str] = {}
    rank: dict[str, tuple[int, int]] = {}
    values = " ".join(f"(<{p}> {k})" for k, p in enumerate(_LABEL_PREDICATES))
    for i in range(0, len(iris), 200):
        chunk = " ".join(f"<{x}>" for x in iris[i:i + 200])
        rows = select(f"""
          SELECT ?x ?k ?l WHERE {{ VALUES ?x {{ {chunk} }} VALUES (?p ?k) {{ {values} }}
            ?x ?p ?l FILTER(isLiteral(?l) && (lang(?l) = "" || langMatches(lang(?l), "en")))
          }}""")
        for r in rows:
            x, lit = r["x"].value, r["l"]
            key = (int(r["k"].value), 0 if lit.language else 1)  # tagged English first
            if x not in rank or key < rank[x] or (key == rank[x] and lit.value < out[x]):
                rank[x], out[x] = key, lit.value
        rows = select(f"""
          PREFIX dcterms: <{DCTERMS}> PREFIX wsis: <{WSIS}>
          SELECT DISTINCT ?x ?sym WHERE {{ VALUES ?x {{ {chunk} }}
            ?x dcterms:title ?t ; wsis:symbol ?sym .
            FILTER EXISTS {{ ?y dcterms:title ?t2 FILTER(?y != ?x && STR(?t2) = STR(?t)) }} }}""")
        for r in rows:
            x = r["x"].value
            if rank.get(x, (0,))[0] == _LABEL_PREDICATES.index(DCTERMS + "title"):
                out[x] = f"{out[x]} ({r['sym'].value})"
    parts = [x for x in iris if x not in out and x.startswith(BASE + "id/")]
    for i in range(0, len(parts), 200):
        chunk = " ".join(f"<{x}>" for x in parts[i:i + 200])
        rows = select(f"""
          PREFIX dcterms: <{DCTERMS}> PREFIX wsis: <{WSIS}>
          SELECT ?x ?d ?dl WHERE {{ VALUES ?x {{ {chunk} }} ?x wsis:inDocument ?d .
            OPTIONAL {{ ?d wsis:symbol ?sym }} OPTIONAL {{ ?d dcterms:title ?t }}
            BIND(COALESCE(?sym, ?t) AS ?dl) }}""")
        for r in rows:
            x, d = r["x"].value, r["d"].value
            if "dl" in r and x.startswith(d + "/") and x not in out:
                out[x] = f"{r['dl'].value}, {x[len(d) + 1:].replace('/', ' ')}"
    return out


def natural_key(text: str) -> tuple:
    """Sort key under which numbers compare as numbers: "C2" before "C10", "footnote 2" before
    "footnote 10" (string order puts 10, 11, 1, 2)."""
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t.lower())
                 for t in re.findall(r"\d+|\D+", text or ""))


def most_specific(types: Iterable[str]) -> list[str]:
    """The classes worth a chip: of a resource's types, those no other of its types is a
    subclass of (read from the ontology's rdfs:subClassOf and owl:unionOf equivalences, so
    "mentionable thing", org:Organization and the Agents go), and of those the project's own
    classes when there are any."""
    types = sorted(set(types))
    if len(types) < 2:
        return types
    chunk = " ".join(f"<{t}>" for t in types)
    rows = select(f"""
      PREFIX rdfs: <{RDFS}> PREFIX owl: <http://www.w3.org/2002/07/owl#>
      PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
      SELECT DISTINCT ?general WHERE {{ VALUES ?s {{ {chunk} }} VALUES ?general {{ {chunk} }}
        ?s (rdfs:subClassOf|owl:equivalentClass
            |(^rdf:first/(^rdf:rest)*/^owl:unionOf/^owl:equivalentClass))+ ?general
        FILTER(?s != ?general) }}""")
    general = {r["general"].value for r in rows}
    kept = [t for t in types if t not in general] or types
    own = [t for t in kept if t.startswith(WSIS)]
    return own or kept


def inverse_phrases(predicates: Iterable[str]) -> dict[str, str]:
    """How to read a link backwards ("X <phrase> this page"): the label of the property the
    ontology declares ``owl:inverseOf`` it, else one made from its own label ("has part" →
    "part of"; a verb or a phrase ending in a preposition stays, read as "… this")."""
    preds = sorted(set(predicates))
    if not preds:
        return {}
    chunk = " ".join(f"<{p}>" for p in preds)
    rows = select(f"""
      PREFIX rdfs: <{RDFS}> PREFIX owl: <http://www.w3.org/2002/07/owl#>
      SELECT ?p ?l ?inv WHERE {{ VALUES ?p {{ {chunk} }}
        {{ ?p rdfs:label ?l BIND(false AS ?inv) }}
        UNION {{ {{ ?p owl:inverseOf ?q }} UNION {{ ?q owl:inverseOf ?p }}
                 ?q rdfs:label ?l BIND(true AS ?inv) }}
        FILTER(lang(?l) = "" || langMatches(lang(?l), "en")) }}""")
    own: dict[str, str] = {}
    inverse: dict[str, str] = {}
    for r in rows:
        (inverse if r["inv"].value == "true" else own).setdefault(r["p"].value, r["l"].value)
    out = {}
    for p in preds:
        if p in inverse:
            out[p] = inverse[p]
            continue
        label = own.get(p) or (curie(p) or p)
        out[p] = _backwards(label)
    return out


_PREPOSITIONS = ("of", "by", "in", "for", "from", "to", "at", "on", "with")


def _backwards(label: str) -> str:
    words = label.split()
    if words[:1] == ["has"] and len(words) > 1:
        return " ".join(words[1:]) + " of"
    if words[:1] in (["is"], ["was"]) or words[-1] in _PREPOSITIONS or words[0] in _PREPOSITIONS:
        return label + " this"
    if len(words) == 1 and words[0].endswith("s") and not words[0].endswith(("ss", "us")):
        return label + " this"  # a verb: "references", "mentions", "cites"
    return label + " of"


def _fallback_label(iri: str) -> str:
    rest = local_path(iri)
    if rest is not None:
        return rest.removeprefix("id/")
    return curie(iri) or iri


class _ViewBuilder:
    def __init__(self, iri: str, triples: list[ox.Triple]) -> None:
        self.iri = iri
        self.by_subject: dict[Any, list[ox.Triple]] = {}
        for t in triples:
            self.by_subject.setdefault(t.subject, []).append(t)
        self.iris: set[str] = set()
        self.values: list[Value] = []

    def value(self, term: Any, depth: int = 0) -> Value:
        if isinstance(term, ox.NamedNode):
            self.iris.add(term.value)
            v = Value("iri", iri=to_public_iri(term.value), href=href(term.value),
                      curie=curie(term.value))
            v.text = term.value  # replaced by the label later
            self.values.append(v)
            return v
        if isinstance(term, ox.Literal):
            dt = term.datatype.value if term.datatype else None
            plain = dt in (None, "http://www.w3.org/2001/XMLSchema#string",
                           "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
            return Value("literal", text=term.value, lang=term.language,
                         datatype=None if plain else (curie(dt) or dt))
        if isinstance(term, ox.BlankNode) and depth < 12:
            items = self._list(term)
            if items is not None:
                return Value("list", items=[self.value(x, depth + 1) for x in items])
            return Value("bnode", props=self.props(term, depth + 1))
        return Value("literal", text=str(term))

    def _list(self, node: Any) -> list[Any] | None:
        items: list[Any] = []
        seen = set()
        while isinstance(node, ox.BlankNode) and node not in seen:
            seen.add(node)
            ts = self.by_subject.get(node, [])
            first = [t.object for t in ts if t.predicate.value == RDF_FIRST]
            rest = [t.object for t in ts if t.predicate.value == RDF_REST]
            if len(ts) != 2 or not first or not rest:
                return None
            items.append(first[0])
            node = rest[0]
        if isinstance(node, ox.NamedNode) and node.value == RDF_NIL:
            return items
        return None

    def props(self, subject: Any, depth: int = 0) -> list[tuple[Value, list[Value]]]:
        grouped: dict[str, list[Any]] = {}
        for t in self.by_subject.get(subject, []):
            grouped.setdefault(t.predicate.value, []).append(t.object)
        out = []
        for p in sorted(grouped, key=lambda p: (p != RDF_TYPE, curie(p) or p)):
            objs = sorted(grouped[p], key=lambda o: (not isinstance(o, ox.Literal), str(o)))
            out.append((self.value(ox.NamedNode(p), depth),
                        [self.value(o, depth) for o in objs]))
        return out

    def finish(self, extra: Iterable[str] = ()) -> dict[str, str]:
        names = labels(self.iris | set(extra))
        for v in self.values:
            if v.kind == "iri" and v.iri is not None:
                canonical = v.text
                minted = canonical.startswith(BASE + "id/")
                v.text = names.get(canonical) or (None if minted else v.curie) \
                    or _fallback_label(canonical)
        return names


def resource_view(iri: str) -> dict[str, Any]:
    triples = service().queries.describe(iri)
    b = _ViewBuilder(iri, triples)
    subject = ox.NamedNode(iri)
    props = b.props(subject)
    types = [vals for p, vals in props if p.iri == to_public_iri(RDF_TYPE)]
    props = [(p, vals) for p, vals in props if p.iri != to_public_iri(RDF_TYPE)]
    # which named graphs assert each outgoing statement (provenance at a glance)
    graph_rows = select(f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ <{iri}> ?p ?o }} "
                        "FILTER(!isBlank(?o)) }")
    graphs: dict[tuple[str, str], list[str]] = {}
    for r in graph_rows:
        graphs.setdefault((r["p"].value, str(r["o"])), []).append(
            r["g"].value.rsplit("/", 1)[-1])
    for t in b.by_subject.get(subject, []):
        g = graphs.get((t.predicate.value, str(t.object)))
        if not g:
            continue
        for p, vals in props:
            if p.iri == to_public_iri(t.predicate.value):
                for v in vals:
                    if _same(v, t.object):
                        v.graphs = sorted(set(g))
    incoming_limit = 300
    inc_rows = select(f"SELECT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} "
                      f"ORDER BY ?p ?s LIMIT {incoming_limit + 1}")
    more = len(inc_rows) > incoming_limit
    incoming_grouped: dict[str, list[Value]] = {}
    for r in inc_rows[:incoming_limit]:
        incoming_grouped.setdefault(r["p"].value, []).append(b.value(r["s"]))
    phrases = inverse_phrases(incoming_grouped)
    incoming = []
    for p, vs in incoming_grouped.items():
        pv = b.value(ox.NamedNode(p))
        pv.phrase = phrases[p]
        incoming.append((pv, vs))
    incoming_total = len(inc_rows)
    if more:
        cnt = select(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }}")
        incoming_total = int(cnt[0]["n"].value) if cnt else incoming_total
    quotes = source_quotes(iri)
    for q in quotes:
        b.iris.add(q["src"])
        if q.get("doc"):
            b.iris.add(q["doc"])
    names = b.finish(extra=[iri])
    for _, vals in props + incoming:  # labels are known now: list values in reading order
        vals.sort(key=lambda v: (v.kind != "literal", natural_key(v.text)))
    for q in quotes:
        q["src_label"] = names.get(q["src"]) or _fallback_label(q["src"])
        q["src_href"] = href(q["src"])
        if q.get("doc"):
            q["doc_label"] = names.get(q["doc"]) or _fallback_label(q["doc"])
            q["doc_href"] = href(q["doc"])
    label = names.get(iri) or _fallback_label(iri)
    type_iris = [t.object.value for t in b.by_subject.get(subject, [])
                 if t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode)]
    chips = {to_public_iri(t) for t in most_specific(type_iris)}
    type_values = [v for vals in types for v in vals if v.iri in chips]
    definition = _first_literal(triples, subject, (SKOS + "definition", RDFS + "comment",
                                                   DCTERMS + "description"))
    local = local_path(iri) or ""
    root = request.script_root
    describe_query = f"DESCRIBE <{iri}>"
    return {
        "iri": to_public_iri(iri), "label": label, "definition": definition,
        "types": type_values, "props": props,
        "incoming": incoming, "incoming_total": incoming_total, "incoming_more": more,
        "quotes": quotes, "curie": curie(iri),
        "formats": [(e, f"{root}/{local}.{e}", FORMATS[e].media_type)
                    for e in FORMATS if e != "html"],
        "describe_query": describe_query, "found": bool(triples),
        "type_iris": type_iris, "names": names,
    }


def _same(v: Value, term: Any) -> bool:
    if isinstance(term, ox.NamedNode):
        return v.kind == "iri" and v.iri == to_public_iri(term.value)
    if isinstance(term, ox.Literal):
        return v.kind == "literal" and v.text == term.value and v.lang == term.language
    return False


def _first_literal(triples: list[ox.Triple], subject: Any, preds: tuple[str, ...]) -> str | None:
    for p in preds:
        vals = [t.object for t in triples if t.subject == subject and t.predicate.value == p
                and isinstance(t.object, ox.Literal)]
        en = [v for v in vals if v.language in (None, "en")]
        if en or vals:
            return (en or vals)[0].value
    return None


def source_quotes(iri: str) -> list[dict[str, Any]]:
    """The paragraph text(s) a resource comes from: its own ``wsis:text`` or its sources'. A
    table row's text is one cell ("WHO"): it is shown as the row (heading and cell), since
    quoted alone it says nothing."""
    rows = select(f"""
      PREFIX wsis: <{WSIS}> PREFIX dcterms: <{DCTERMS}> PREFIX rdfs: <{RDFS}>
      SELECT ?src ?text ?doc ?seq ?item ?comment ?row WHERE {{
        {{ BIND(<{iri}> AS ?src) <{iri}> wsis:text ?text }}
        UNION {{ <{iri}> dcterms:source ?src . ?src wsis:text ?text }}
        UNION {{ <{iri}> dcterms:source ?src . FILTER NOT EXISTS {{ ?src wsis:text ?t0 }}
                 ?item dcterms:isPartOf ?src ; wsis:text ?text .
                 OPTIONAL {{ ?item wsis:sequence ?seq }} }}
        UNION {{ <{iri}> dcterms:source ?src . FILTER NOT EXISTS {{ ?src wsis:text ?t1 }}
                 FILTER NOT EXISTS {{ ?i1 dcterms:isPartOf ?src ; wsis:text ?t2 }}
                 OPTIONAL {{ ?src rdfs:comment ?comment }} }}
        OPTIONAL {{ ?src wsis:inDocument ?doc }}
        OPTIONAL {{ ?src a wsis:TableRow ; wsis:heading ?row }}
      }} ORDER BY ?src ?seq ?item LIMIT 200""")
    by_src: dict[str, dict[str, Any]] = {}
    for r in rows:
        src = r["src"].value if isinstance(r.get("src"), ox.NamedNode) else None
        if src is None:
            continue
        q = by_src.setdefault(src, {"src": src, "texts": [], "doc": None, "comment": None,
                                    "external": local_path(src) is None,
                                    "own": src == iri})
        if "text" in r and r["text"].value not in q["texts"]:
            q["texts"].append(r["text"].value)
        if "doc" in r:
            q["doc"] = r["doc"].value
        if "comment" in r:
            q["comment"] = r["comment"].value
        if "row" in r:  # a table row: its heading and cell read as a row, not as a quotation
            q["row"] = r["row"].value
    return list(by_src.values())
