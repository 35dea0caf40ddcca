"""A named graph's page: its size, what it holds (subjects per class, a first page of them)
and where to download it (the Graph Store and the dumps)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import request

from wsis_kg.graph.dump import DUMP_FORMATS
from wsis_kg.web.gsp import ENDPOINT
from wsis_kg.web.public import to_public_iri
from wsis_kg.web.views.common import links, natural_key, rows

SHOWN = 200


def graph_view(iri: str) -> dict[str, Any]:
    size = rows(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    subjects = rows(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    classes = rows(f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s a ?c }} }}
        GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 100""")
    first = rows(f"""SELECT DISTINCT ?s WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} FILTER(isIRI(?s)) }}
        ORDER BY ?s LIMIT {SHOWN}""")
    names = links([r["c"] for r in classes] + [r["s"] for r in first])
    root = request.script_root
    return {"template": "views/graph.html",
            "size": int(size[0]["n"]) if size else 0,
            "subjects": int(subjects[0]["n"]) if subjects else 0,
            "classes": [(names[r["c"]], int(r["n"])) for r in classes],
            "first": sorted((names[r["s"]] for r in first), key=lambda lk: natural_key(lk.text)),
            "shown": SHOWN,
            "gsp": f"{root}{ENDPOINT}?graph={quote(to_public_iri(iri), safe='')}",
            "dumps": [(f.extension, f"{root}/dumps/wsis-kg.{f.extension}")
                      for f in DUMP_FORMATS.values()],
            "shows_text": False}
