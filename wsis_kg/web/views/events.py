"""An event's page: when and where, who organised it, the roles held in it, its outcomes and
the paragraphs that mention it."""

from __future__ import annotations

from typing import Any

from wsis_kg.web.views.agents import mentioned_in
from wsis_kg.web.views.common import links, natural_key, rows


def event_view(iri: str) -> dict[str, Any]:
    found = rows(f"""SELECT DISTINCT ?rel ?x ?status WHERE {{
        {{ <{iri}> wsis:organisedBy ?x BIND("organiser" AS ?rel) }}
        UNION {{ <{iri}> wsis:place|prov:atLocation ?x BIND("place" AS ?rel) }}
        UNION {{ ?x wsis:outcomeOf <{iri}> BIND("outcome" AS ?rel) }}
        UNION {{ ?x wsis:roleIn <{iri}> BIND("role" AS ?rel)
                 OPTIONAL {{ ?x wsis:status ?status }} }}
        UNION {{ ?x dcterms:isPartOf <{iri}> FILTER NOT EXISTS {{ ?x wsis:inDocument ?d }}
                 BIND("part" AS ?rel) }} }}""".replace(
        "prov:atLocation", "<http://www.w3.org/ns/prov#atLocation>"))
    names = links(sorted({r[k] for r in found for k in ("x", "status") if k in r}))
    # a role held in it: adopted, or only proposed by a draft or bracketed text
    status = {r["x"]: names[r["status"]] for r in found if "status" in r}
    grouped: dict[str, list[Any]] = {}
    for r in found:
        grouped.setdefault(r["rel"], []).append(names[r["x"]])
    for v in grouped.values():
        v.sort(key=lambda lk: natural_key(lk.text))
    when = rows(f"""SELECT ?start ?end WHERE {{ OPTIONAL {{ <{iri}> wsis:startDate ?start }}
        OPTIONAL {{ <{iri}> wsis:endDate ?end }} }} LIMIT 1""")
    start, end = (when[0].get("start"), when[0].get("end")) if when else (None, None)
    return {"template": "views/event.html", "related": grouped, "status": status,
            "when": " – ".join(d for d in dict.fromkeys((start, end)) if d),
            "mentions": mentioned_in(iri), "shows_text": False}
