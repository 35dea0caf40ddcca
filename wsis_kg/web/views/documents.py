"""A document's reading view and a part's page in context.

A document is read as printed: preamble, numbered paragraphs with their items, annexes, then
footnotes, each linking to its own page, with what each part cites. A part's page shows its text
once, where it sits (document, enclosing parts), previous and next in reading order, what it
cites and what cites it.
"""

from __future__ import annotations

from typing import Any

from wsis_kg.web.views.common import Link, Part, document_parts, links, natural_key, rows


def _citations(doc: str, parts: list[Part]) -> tuple[list[Any], list[Any]]:
    """What the document (or any of its parts) cites, and which documents cite it."""
    out = rows(f"""SELECT DISTINCT ?from ?to WHERE {{
        {{ BIND(<{doc}> AS ?from) <{doc}> wsis:cites ?to }}
        UNION {{ ?from wsis:inDocument <{doc}> ; wsis:cites ?to }} }}""")
    inc = rows(f"""SELECT DISTINCT ?from ?d WHERE {{
        {{ ?from wsis:cites <{doc}> }} UNION {{ ?from wsis:cites ?p . ?p wsis:inDocument <{doc}> }}
        OPTIONAL {{ ?from wsis:inDocument ?d }} FILTER(?from != <{doc}>)
        FILTER NOT EXISTS {{ ?from wsis:inDocument <{doc}> }} }}""")
    iris = [r["to"] for r in out] + [r["from"] for r in out] + \
        [r.get("d") or r["from"] for r in inc]
    names = links(iris)
    by_part: dict[str, list[Any]] = {}
    for r in out:
        by_part.setdefault(r["from"], []).append(names[r["to"]])
    for p in parts:
        p.cites = sorted(by_part.get(p.iri, []), key=lambda lk: natural_key(lk.text))
    cited = sorted({r["to"] for r in out}, key=lambda i: natural_key(names[i].text))
    citing = sorted({r.get("d") or r["from"] for r in inc},
                    key=lambda i: natural_key(names[i].text))
    return [names[i] for i in cited], [names[i] for i in citing]


def document_view(iri: str) -> dict[str, Any]:
    parts = document_parts(iri)
    cited, citing = _citations(iri, parts)
    info = rows(f"""SELECT ?sym ?title ?date WHERE {{ OPTIONAL {{ <{iri}> wsis:symbol ?sym }}
        OPTIONAL {{ <{iri}> dcterms:title ?title }}
        OPTIONAL {{ <{iri}> dcterms:issued|wsis:adoptionDate ?date }} }} LIMIT 1""")
    meta = info[0] if info else {}
    return {"template": "views/document.html", "parts": [p for p in parts if not p.footnote],
            "footnotes": [p for p in parts if p.footnote], "cited": cited, "citing": citing,
            "symbol": meta.get("sym"), "title": meta.get("title"), "date": meta.get("date"),
            "shows_text": False}


def part_view(iri: str) -> dict[str, Any] | None:
    found = rows(f"SELECT ?d WHERE {{ <{iri}> wsis:inDocument ?d }} LIMIT 1")
    if not found:
        return None
    doc = found[0]["d"]
    parts = document_parts(doc)
    reading = [p for p in parts if not p.footnote] + [p for p in parts if p.footnote]
    index = {p.iri: i for i, p in enumerate(reading)}
    me = reading[index[iri]] if iri in index else None
    if me is None:
        return None
    i = index[iri]
    by_iri = {p.iri: p for p in parts}
    ancestors = []
    up = by_iri.get(me.parent)
    while up is not None:
        ancestors.insert(0, up)
        up = by_iri.get(up.parent)
    cites = rows(f"SELECT DISTINCT ?to WHERE {{ <{iri}> wsis:cites ?to }}")
    cited_by = rows(f"""SELECT DISTINCT ?from WHERE {{ ?from wsis:cites <{iri}> }}""")
    mentions = rows(f"""SELECT DISTINCT ?m WHERE {{ <{iri}> wsis:mentions|wsis:concerns ?m }}""")
    prev = reading[i - 1] if i > 0 else None
    after = reading[i + 1] if i + 1 < len(reading) else None
    iris = [doc] + [r["to"] for r in cites] + [r["from"] for r in cited_by] + \
        [r["m"] for r in mentions] + [p.iri for p in ancestors] + \
        [p.iri for p in (prev, after) if p is not None]
    names = links(iris)

    def short(p: Part | None) -> Link | None:  # "para 11", not "A/RES/66/184, para 11"
        if p is None:
            return None
        lk = names[p.iri]
        return Link(p.iri, lk.text.split(", ", 1)[-1], lk.href)

    # items of this part (their text is part of what it says)
    below = []
    for p in reading[i + 1:]:
        if p.depth <= me.depth:
            break
        below.append(p)
    return {"template": "views/part.html", "part": me, "doc": names[doc],
            "ancestors": [names[p.iri] for p in ancestors], "subparts": below,
            "prev": short(prev), "next": short(after),
            "cites": sorted((names[r["to"]] for r in cites), key=lambda lk: natural_key(lk.text)),
            "cited_by": sorted((names[r["from"]] for r in cited_by),
                               key=lambda lk: natural_key(lk.text)),
            "about": sorted((names[r["m"]] for r in mentions),
                            key=lambda lk: natural_key(lk.text)),
            "reading_href": f"{names[doc].href}.html#{me.anchor}",
            "shows_text": True}



