"""The browser interface: home page, SPARQL editor, pictures, downloads, example catalogue.

Everything the pages need is served by this service (no CDN): the SPARQL editor is
@zazuko/yasgui and the network pictures use cytoscape, both installed by ``npm ci`` (see
``scripts/setup``) and served from ``node_modules`` under ``/assets/``. Pictures and the editor
talk to ``/sparql`` from the browser, so they always show the live graph.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request, send_file

from wsis_kg.errors import NotFound
from wsis_kg.graph import void
from wsis_kg.graph.catalogue import Example, read_catalogue
from wsis_kg.graph.dump import DUMP_FORMATS
from wsis_kg.namespaces import BASE, PREFIXES
from wsis_kg.rdf.formats import TURTLE
from wsis_kg.settings import PROJECT_ROOT
from wsis_kg.sparql.lexer import with_prefixes
from wsis_kg.web.extension import select, service, store_generation
from wsis_kg.web.public import public_base, serialize

bp = Blueprint("ui", __name__)

#: /assets/<name> → file below node_modules (an allow-list: nothing else is served from there)
ASSETS: dict[str, tuple[str, str]] = {
    "yasgui.min.js": ("@zazuko/yasgui/build/yasgui.min.js", "text/javascript"),
    "yasgui.min.js.map": ("@zazuko/yasgui/build/yasgui.min.js.map", "application/json"),
    "yasgui.min.css": ("@zazuko/yasgui/build/yasgui.min.css", "text/css"),
    "cytoscape.min.js": ("cytoscape/dist/cytoscape.min.js", "text/javascript"),
}

#: what the home page counts: (class local name in wsis:, heading, one-line explanation)
SECTIONS: list[tuple[str, str, str]] = [
    ("ActionLine", "Action lines", "C1–C11 of the Geneva Plan of Action and the eight C7 "
                                   "sub-lines (e-health, e-learning …)"),
    ("Organisation", "Organisations", "UN agencies, commissions, member states and forums "
                                      "named in the texts"),
    ("Facilitation", "Facilitation roles", "who facilitates which action line: adopted, "
                                           "and as each proposal had it"),
    ("Document", "Documents", "the Plan of Action, the Tunis draft, the ITU brochure, "
                              "resolutions and what they cite"),
    ("Resolution", "Resolutions", "General Assembly and ECOSOC resolutions"),
    ("Paragraph", "Paragraphs", "every numbered paragraph, quoted as printed"),
    ("Event", "Events", "summit phases, forums, commission sessions"),
    ("Target", "Targets", "the ten indicative targets for 2015"),
    ("Initiative", "Initiatives", "Connect the World, WSIS Stocktaking …"),
    ("Figure", "Figures", "numbers the documents state, with their source"),
]

#: used when the catalogue has no e-health example
EHEALTH_QUERY = """# Who facilitates action line C7 e-health, and where does each role come from?
SELECT ?organisation ?name ?role ?status ?source WHERE {
  ?f a wsis:Facilitation ;
     wsis:actionLine <https://w3id.org/wsis-kg/id/action-line/C7-e-health> ;
     wsis:agent ?organisation .
  OPTIONAL { ?f wsis:role ?role }
  OPTIONAL { ?f wsis:status ?status }
  OPTIONAL { ?f dcterms:source ?source }
  OPTIONAL { ?organisation skos:prefLabel ?name FILTER(lang(?name) = "en") }
}
ORDER BY ?status ?name
"""


# --------------------------------------------------------------------------------------------
# Example catalogue (queries/*.rq with "# title:" / "# description:" header comments)
# --------------------------------------------------------------------------------------------

def examples() -> list[Example]:
    return read_catalogue(service().settings.queries_dir)


def ehealth_example() -> Example | None:
    """The catalogue's e-health question, if it has one."""
    exs = examples()
    for ex in exs:
        if "health" in ex.name.lower():
            return ex
    for ex in exs:
        if "health" in ex.title.lower():
            return ex
    return None


@bp.route("/examples.json")
def examples_json() -> Response:
    root = request.script_root
    body = [dict(asdict(e), url=f"{root}/examples/{e.name}.rq",
                 editor=f"{root}/editor?example={e.name}&run=1") for e in examples()]
    return Response(json.dumps(body, indent=1, ensure_ascii=False), mimetype="application/json")


@bp.route("/examples/<name>.rq")
def example_file(name: str) -> Response:
    for e in examples():
        if e.name == name:
            return Response(e.query, mimetype="application/sparql-query")
    raise NotFound(f"no example query named {name!r}; see {request.script_root}/examples.json")


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------

def page_context() -> dict[str, Any]:
    """What every page's scripts need: where the service and the IRIs are."""
    return {
        "page_config": {
            "root": request.script_root,
            "sparql": f"{request.script_root}/sparql",
            "bases": sorted({BASE, public_base()}, key=len, reverse=True),
            "prefixes": PREFIXES,
        }
    }


_counts_cache: dict[Any, dict[str, int]] = {}


def section_counts() -> dict[str, int]:
    """Instances per home-page section (subclasses included), cached per store generation."""
    key = store_generation()
    hit = _counts_cache.get(key)
    if hit is not None:
        return hit
    values = " ".join(f"<{BASE}def/{c}>" for c, _, _ in SECTIONS)
    rows = select(f"""SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }}
        ?s a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?c }} GROUP BY ?c""")
    counts = {r["c"].value.rsplit("/", 1)[-1]: int(r["n"].value) for r in rows}
    _counts_cache.clear()
    _counts_cache[key] = counts
    return counts


def list_query(cls: str) -> str:
    return (f"# Every {cls} with its label\nSELECT ?item ?label WHERE {{\n"
            f"  ?item a/rdfs:subClassOf* wsis:{cls} .\n"
            "  OPTIONAL { ?item skos:prefLabel|rdfs:label|dcterms:title ?label }\n"
            "}\nORDER BY ?item\n")


def editor_link(query: str | None = None, *, example: str | None = None, run: bool = True) -> str:
    params: dict[str, str] = {}
    if example:
        params["example"] = example
    if query:
        params["query"] = query
    if run:
        params["run"] = "1"
    return f"{request.script_root}/editor?{urlencode(params)}"


@bp.route("/")
def home() -> str:
    counts = section_counts()
    stats = void.dataset_stats(select, store_generation())
    eh = ehealth_example()
    ehealth = {
        "title": eh.title if eh else "Who facilitates e-health (action line C7)?",
        "description": eh.description if eh else "Organisations with a role for C7 e-health, "
                                                  "adopted and proposed, with their sources.",
        "link": editor_link(example=eh.name) if eh else editor_link(EHEALTH_QUERY),
    }
    sections = [{"cls": c, "title": t, "blurb": b, "count": counts.get(c, 0),
                 "list": editor_link(list_query(c)),
                 "term": f"{request.script_root}/def/{c}"} for c, t, b in SECTIONS]
    return render_template("home.html", sections=sections, stats=stats, ehealth=ehealth,
                           examples=examples(),
                           dumps=[f.extension for f in DUMP_FORMATS.values()],
                           version=void.dataset_version(select),
                           **page_context())


@bp.route("/editor")
def editor() -> str:
    initial = None
    name = request.args.get("example")
    if name:
        for e in examples():
            if e.name == name:
                initial = {"name": e.title, "query": with_prefixes(e.query)}
                break
        else:
            raise NotFound(f"no example query named {name!r}")
    elif request.args.get("query"):
        initial = {"name": "Query", "query": with_prefixes(request.args["query"])}
    exs = [dict(asdict(e), query=with_prefixes(e.query)) for e in examples()]
    return render_template("editor.html", initial=initial, run=request.args.get("run") == "1",
                           examples=exs,
                           **page_context())


@bp.route("/pictures")
def pictures() -> str:
    return render_template("pictures.html", **page_context())


@bp.route("/data")
def data() -> str:
    triples = void.describe_dataset(None, service().settings,
                                    service_root=request.host_url.rstrip("/")
                                    + request.script_root,
                                    select=select, generation=store_generation(),
                                    uri_space=public_base())
    void_ttl = serialize(triples, TURTLE).decode("utf-8")
    dumps = {f.extension: (f.media_type, void.dump_label(f)) for f in DUMP_FORMATS.values()}
    return render_template("data.html", dumps=dumps, void_ttl=void_ttl,
                           stats=void.dataset_stats(select, store_generation()),
                           version=void.dataset_version(select), **page_context())


#: the editor's completions: every class and property the graph declares or uses, and every typed
#: resource under the project base, each with one label (English or untagged first)
TERMS_QUERY = f"""PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?kind ?term (MIN(?l) AS ?label) WHERE {{
  {{ {{ ?term a owl:Class }} UNION {{ ?term a rdfs:Class }} UNION {{ [] a ?term }}
     BIND("class" AS ?kind) }}
  UNION
  {{ {{ ?term a owl:ObjectProperty }} UNION {{ ?term a owl:DatatypeProperty }}
     UNION {{ ?term a owl:AnnotationProperty }} UNION {{ [] ?term [] }}
     BIND("property" AS ?kind) }}
  UNION
  {{ ?term a [] FILTER(STRSTARTS(STR(?term), "{BASE}id/")) BIND("resource" AS ?kind) }}
  FILTER(isIRI(?term))
  OPTIONAL {{ ?term skos:prefLabel|rdfs:label|dcterms:title ?l
             FILTER(lang(?l) IN ("en", "")) }}
}} GROUP BY ?kind ?term"""

_terms_cache: dict[Any, bytes] = {}


def editor_terms() -> bytes:
    """The editor's completion list as JSON, cached per store generation: the editor completes
    the project's own terms from this service and asks no outside service (LOV, prefix.cc)."""
    key = store_generation()
    hit = _terms_cache.get(key)
    if hit is not None:
        return hit
    terms = sorted(({"kind": r["kind"].value, "iri": r["term"].value,
                     **({"label": r["label"].value} if "label" in r else {})}
                    for r in select(TERMS_QUERY)), key=lambda t: (t["kind"], t["iri"]))
    body = json.dumps({"prefixes": PREFIXES, "terms": terms}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")
    _terms_cache.clear()
    _terms_cache[key] = body
    return body


@bp.route("/editor/terms.json")
def terms_json() -> Response:
    """Classes, properties and resources of the live graph for the editor's autocompletion."""
    return Response(editor_terms(), mimetype="application/json")


@bp.route("/prefixes.json")
def prefixes() -> Response:
    """The project prefixes in prefix.cc's JSON shape (the editor's prefix autocompletion)."""
    return Response(json.dumps(PREFIXES, indent=1), mimetype="application/json")


@bp.route("/assets/<name>")
def asset(name: str) -> Response:
    if name not in ASSETS:
        abort(404)
    rel, mimetype = ASSETS[name]
    roots = [PROJECT_ROOT, service().settings.project_root]
    path = next((r / "node_modules" / rel for r in roots
                 if (r / "node_modules" / rel).is_file()), roots[0] / "node_modules" / rel)
    if not path.is_file():
        raise NotFound(f"web asset {name} is not installed: run scripts/setup (npm ci) in "
                       f"{service().settings.project_root}")
    return send_file(path, mimetype=mimetype, max_age=3600, conditional=True)
