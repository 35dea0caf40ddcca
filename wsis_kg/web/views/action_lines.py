"""Pages of the Plan of Action: an action line (its provisions with their text, facilitators
adopted beside proposed, targets, narrower lines, the paragraphs that concern it), the scheme
of action lines (top concepts in C-number order) and an indicative target."""

from __future__ import annotations

from typing import Any

from wsis_kg.web.views.agents import facilitation_rows, mentioned_in
from wsis_kg.web.views.common import document_parts, links, natural_key, rows


def provisions(iri: str) -> list[dict[str, Any]]:
    """The Plan of Action paragraphs of an action line (or, for one set out in a whole section,
    that section's paragraphs), each with its lettered items, in printed order."""
    found = rows(f"""SELECT DISTINCT ?p ?d WHERE {{
        {{ <{iri}> wsis:planOfActionParagraph ?p }}
        UNION {{ <{iri}> wsis:planOfActionSection ?s . ?p dcterms:isPartOf ?s .
                 FILTER NOT EXISTS {{ <{iri}> wsis:planOfActionParagraph ?any }}
                 FILTER NOT EXISTS {{ ?p a wsis:Section }} }}
        ?p wsis:inDocument ?d }}""")
    out = []
    docs = {r["d"] for r in found}
    wanted = {r["p"] for r in found}
    for doc in sorted(docs):
        parts = document_parts(doc)
        for i, p in enumerate(parts):
            if p.iri not in wanted:
                continue
            items = []
            for q in parts[i + 1:]:
                if q.depth <= p.depth:
                    break
                items.append(q)
            out.append({"part": p, "subparts": items})
    names = links(sorted(wanted | docs))
    for o in out:
        o["link"] = names[o["part"].iri]
    return out


def action_line_view(iri: str) -> dict[str, Any]:
    facilitators = facilitation_rows(f"?f wsis:actionLine <{iri}> .", "agent")
    related = rows(f"""SELECT DISTINCT ?x ?rel ?n WHERE {{
        {{ ?x wsis:concernsActionLine <{iri}> BIND("target" AS ?rel) }}
        UNION {{ ?x skos:broader <{iri}> BIND("narrower" AS ?rel) }}
        OPTIONAL {{ ?x skos:notation|wsis:letter ?n }} }}""")
    names = links(sorted({r["x"] for r in related}))

    def pick(rel: str) -> list[Any]:
        chosen = {r["x"]: r.get("n", "") for r in related if r["rel"] == rel}
        return [names[x] for x in sorted(chosen, key=lambda x: natural_key(chosen[x]))]

    return {"template": "views/action_line.html", "provisions": provisions(iri),
            "facilitators": facilitators, "targets": pick("target"),
            "narrower": pick("narrower"),
            "concerning": mentioned_in(iri, "wsis:concerns|wsis:mentions"),
            "shows_text": True}


def scheme_view(iri: str) -> dict[str, Any]:
    found = rows(f"""SELECT DISTINCT ?c ?n WHERE {{
        {{ <{iri}> skos:hasTopConcept ?c }} UNION {{ ?c skos:topConceptOf <{iri}> }}
        OPTIONAL {{ ?c skos:notation ?n }} }}""")
    narrower = rows(f"""SELECT DISTINCT ?c ?top ?n WHERE {{ ?c skos:inScheme <{iri}> ;
        skos:broader ?top . OPTIONAL {{ ?c skos:notation ?n }} }}""")
    names = links(sorted({r["c"] for r in found} | {r["c"] for r in narrower}))
    tops = []
    for r in sorted(found, key=lambda r: natural_key(r.get("n", names[r["c"]].text))):
        below = sorted((n for n in narrower if n["top"] == r["c"]),
                       key=lambda n: natural_key(n.get("n", "")))
        tops.append({"notation": r.get("n", ""), "link": names[r["c"]],
                     "narrower": [{"notation": n.get("n", ""), "link": names[n["c"]]}
                                  for n in below]})
    return {"template": "views/scheme.html", "tops": tops, "shows_text": False}


def target_view(iri: str) -> dict[str, Any]:
    lines = rows(f"""SELECT DISTINCT ?al ?n WHERE {{ <{iri}> wsis:concernsActionLine ?al .
        OPTIONAL {{ ?al skos:notation ?n }} }}""")
    names = links(sorted({r["al"] for r in lines}))
    return {"template": "views/target.html",
            "lines": [names[r["al"]] for r in sorted(lines, key=lambda r: natural_key(
                r.get("n", "")))],
            "concerning": mentioned_in(iri, "wsis:concerns|wsis:mentions"),
            "shows_text": False}
