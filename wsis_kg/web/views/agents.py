"""An organisation's page: its roles per action line (adopted beside proposed), the posts and
roles it holds, the mandates addressed to it, and the paragraphs that mention it, grouped by
document."""

from __future__ import annotations

from typing import Any

from wsis_kg.web.views.common import WSIS, Link, links, natural_key, rows


def facilitation_rows(where: str, key: str) -> list[dict[str, Any]]:
    """Facilitations matching ``where`` (a pattern on ``?f``) grouped by ``key`` (``al`` or
    ``agent``): for each, the adopted roles beside the proposed ones (who proposed, where)."""
    found = rows(f"""SELECT DISTINCT ?f ?al ?agent ?role ?status ?src ?sd ?by WHERE {{ {where}
        ?f wsis:actionLine ?al ; wsis:agent ?agent .
        OPTIONAL {{ ?f wsis:role ?role }} OPTIONAL {{ ?f wsis:status ?status }}
        OPTIONAL {{ ?f dcterms:source ?src OPTIONAL {{ ?src wsis:inDocument ?sd }} }}
        OPTIONAL {{ ?f wsis:proposedBy ?by }} }}""")
    iris = {r[k] for r in found for k in ("f", "al", "agent", "role", "status", "src", "sd", "by")
            if k in r}
    names = links(sorted(iris))
    notation = {r["x"]: r["n"] for r in rows(
        "SELECT ?x ?n WHERE { VALUES ?x { " + " ".join(f"<{r['al']}>" for r in found)
        + " } ?x skos:notation ?n }")} if found else {}
    for al, n in notation.items():  # "C7 e-health", "C1 The role of governments …"
        lk = names[al]
        lk.text = n if lk.text.lower() in n.lower() else f"{n} {lk.text}"
    groups: dict[str, dict[str, Any]] = {}
    for r in found:
        g = groups.setdefault(r[key], {"what": names[r[key]], "adopted": [], "proposed": [],
                                       "sort": notation.get(r[key]) or names[r[key]].text})
        entry = {"f": names[r["f"]], "role": names[r["role"]] if "role" in r else None,
                 "other": names[r["agent" if key == "al" else "al"]],
                 "by": names[r["by"]] if "by" in r else None,
                 "src": _source(names, r)}
        adopted = r.get("status") == WSIS + "Adopted"
        bucket = g["adopted" if adopted else "proposed"]
        if not any(e["f"].iri == entry["f"].iri for e in bucket):
            bucket.append(entry)
    for g in groups.values():
        for b in ("adopted", "proposed"):
            g[b].sort(key=lambda e: natural_key(e["other"].text))
    return sorted(groups.values(), key=lambda g: natural_key(g["sort"]))


def _source(names: dict[str, Link], r: dict[str, str]) -> Link | None:
    """A role's source named by its document (a table row's own name is its action line's),
    linking to the row or paragraph itself."""
    if "src" not in r:
        return None
    src = names[r["src"]]
    return Link(src.iri, names[r["sd"]].text, src.href) if "sd" in r else src


def mentioned_in(iri: str, predicates: str = "wsis:mentions") -> list[dict[str, Any]]:
    """The parts that mention (or concern) ``iri``, grouped by document, in reading order."""
    found = rows(f"""SELECT DISTINCT ?p ?d ?text ?verb WHERE {{ ?p {predicates} <{iri}> ;
        wsis:inDocument ?d . OPTIONAL {{ ?p wsis:text ?text }}
        OPTIONAL {{ ?p wsis:leadingVerb ?verb }} }} LIMIT 500""")
    names = links(sorted({r["p"] for r in found} | {r["d"] for r in found}))
    docs: dict[str, dict[str, Any]] = {}
    for r in found:
        d = docs.setdefault(r["d"], {"doc": names[r["d"]], "parts": {}})
        d["parts"].setdefault(r["p"], {"part": names[r["p"]], "text": r.get("text", ""),
                                       "verb": r.get("verb")})
    out = []
    for d in sorted(docs.values(), key=lambda d: natural_key(d["doc"].text)):
        d["parts"] = sorted(d["parts"].values(), key=lambda p: natural_key(p["part"].iri))
        out.append(d)
    return out


def organisation_view(iri: str) -> dict[str, Any]:
    roles = facilitation_rows(f"BIND(<{iri}> AS ?agent) ?f wsis:agent <{iri}> .", "al")
    held = rows(f"""SELECT DISTINCT ?ra ?body ?post ?src ?status WHERE {{
        {{ ?ra wsis:holder <{iri}> . OPTIONAL {{ ?ra wsis:roleIn ?body }}
           OPTIONAL {{ ?ra wsis:forPost ?post }} OPTIONAL {{ ?ra dcterms:source ?src }}
           OPTIONAL {{ ?ra wsis:status ?status }} }}
        UNION {{ <{iri}> org:holds ?post . FILTER NOT EXISTS {{
                   ?r2 wsis:holder <{iri}> ; wsis:forPost ?post }}
                 OPTIONAL {{ ?post wsis:postOf ?body }} }} }}""")
    names = links(sorted({r[k] for r in held for k in ("ra", "body", "post", "src", "status")
                          if k in r}))
    posts = []
    for r in held:
        main: Link = names[r["ra"]] if "ra" in r else names[r["post"]]
        posts.append({"what": main, "body": names.get(r.get("body", "")),
                      "post": names.get(r["post"]) if "ra" in r and "post" in r else None,
                      "src": names.get(r.get("src", "")),
                      # adopted or proposed (a role only a draft or bracketed text proposes)
                      "status": names.get(r.get("status", ""))})
    posts.sort(key=lambda p: natural_key(p["what"].text))
    return {"template": "views/organisation.html", "roles": roles, "posts": posts,
            "asked": asked_of(iri), "mentions": mentioned_in(iri), "shows_text": False}


def asked_of(iri: str) -> list[dict[str, Any]]:
    """The mandates addressed to ``iri`` (``wsis:Mandate``, read from the paragraphs by
    ``wsis_kg.extraction.acts``): the kind of act, what is asked and when, by document."""
    found = rows(f"""SELECT DISTINCT ?m ?kind ?asks ?src ?d ?when WHERE {{
        ?m a wsis:Mandate ; wsis:addressee <{iri}> ; wsis:actKind ?kind ;
           dcterms:source ?src . ?src wsis:inDocument ?d .
        OPTIONAL {{ ?m wsis:asks ?asks }}
        OPTIONAL {{ ?m wsis:timing ?t . ?t wsis:span ?when }} }} LIMIT 500""")
    names = links(sorted({r[k] for r in found for k in ("kind", "src", "d")}))
    docs: dict[str, dict[str, Any]] = {}
    for r in found:
        d = docs.setdefault(r["d"], {"doc": names[r["d"]], "parts": {}})
        kind = names[r["kind"]].text
        text = f"{kind}: {r['asks']}" if "asks" in r else kind
        text += f" ({r['when']})" if "when" in r else ""
        d["parts"].setdefault(r["m"], {"part": names[r["src"]], "text": text, "verb": kind})
    out = []
    for d in sorted(docs.values(), key=lambda d: natural_key(d["doc"].text)):
        d["parts"] = sorted(d["parts"].values(), key=lambda p: natural_key(p["part"].iri))
        out.append(d)
    return out
