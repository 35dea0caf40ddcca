"""HTML documentation of the ontology (``ontology/``) and the shapes (``shapes/``) with pyLODE.

pyLODE 3.3.4 documents OWL classes and properties but not SHACL shapes, so the shapes page is
pyLODE's page for the shapes graph plus a "Shapes" section listing every node shape with its
targets and property constraints. Pages are generated lazily on first request and cached until
a source file changes. Links to minted IRIs are rewritten to point into the running service
(pyLODE's pages have no outside assets: its CSS is inlined and its icons are data URIs).
"""

from __future__ import annotations

import html
import logging
import re
import threading
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from wsis_kg.errors import BuildError
from wsis_kg.namespaces import BASE, ONTOLOGY_IRI, PREFIXES, SHAPES_IRI
from wsis_kg.rdf.parse import rdflib_parse
from wsis_kg.settings import Settings

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[tuple, str] = {}


def _sources(settings: Settings, name: str) -> list[Path]:
    folder = settings.ontology_dir if name == "def" else settings.shapes_dir
    return sorted(folder.glob("*.ttl"))


def _load(paths: list[Path]) -> Graph:
    g = Graph()
    for p in paths:
        rdflib_parse(g, p, format="turtle")
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def generate(settings: Settings, name: str) -> str:
    """pyLODE HTML for ``name`` (``def`` or ``shapes``), minted IRIs still canonical."""
    from pylode import OntPub

    paths = _sources(settings, name)
    if not paths:
        raise BuildError(f"no Turtle files in {_sources_dir(settings, name)} to document")
    g = _load(paths)
    iri = URIRef(ONTOLOGY_IRI if name == "def" else SHAPES_IRI)
    if (iri, RDF.type, OWL.Ontology) not in g and not list(g.subjects(RDF.type, OWL.Ontology)):
        g.add((iri, RDF.type, OWL.Ontology))
    for ont in list(g.subjects(RDF.type, OWL.Ontology)):
        if not list(g.objects(ont, DCTERMS.title)):
            title = next(iter(g.objects(ont, RDFS.label)), None) or Literal(
                "WSIS ontology" if name == "def" else "WSIS shapes", lang="en")
            g.add((ont, DCTERMS.title, title))
    if name == "def":
        _only_own_terms(g)
    page = OntPub(g, sort_subjects=True).make_html()
    if name == "shapes":
        page = _with_shapes_section(page, shapes_section(g), g)
    return page


#: what pyLODE lists as the ontology's own terms
_DECLARED = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
             RDF.Property, RDFS.Class)


def _only_own_terms(g: Graph) -> None:
    """Keep pyLODE to the project's terms. The ontology declares the external classes and
    properties it aligns with (org:Organization, foaf:Agent, prov:Agent, …) so that it is a
    self-contained OWL 2 DL file; documented, they came first (pyLODE sorts by IRI) and two
    were both called "Agent". Links to them stay; only their declarations leave the page."""
    own = PREFIXES["wsis"]
    for kind in _DECLARED:
        for term in list(g.subjects(RDF.type, kind)):
            if isinstance(term, URIRef) and not str(term).startswith(own):
                g.remove((term, RDF.type, kind))


def _with_shapes_section(page: str, section: str, g: Graph) -> str:
    """The Shapes section inside pyLODE's content column (outside it, it ran under the fixed
    table of contents) and an entry for it, listing every shape, in that table of contents."""
    at = page.find('<div id="namespaces"')
    page = page[:at] + section + "\n" + page[at:] if at >= 0 else page.replace(
        "</body>", section + "\n</body>", 1)
    entries = "".join(
        f'<li><a href="#{html.escape(str(s).rsplit("/", 1)[-1])}">'
        f'{html.escape(str(g.value(s, RDFS.label) or g.value(s, SH.name) or _short(g, s)))}'
        "</a></li>" for s in _shapes(g) if isinstance(s, URIRef))
    toc = (f'<li><h4><a href="#shacl-shapes">Shapes</a></h4><ul class="second">{entries}</ul>'
           "</li>")
    return re.sub(r'(<li>\s*<h4>\s*<a href="#namespaces">)', lambda m: toc + m.group(1), page,
                  count=1)


def _sources_dir(settings: Settings, name: str) -> Path:
    return settings.ontology_dir if name == "def" else settings.shapes_dir


def documentation(settings: Settings, name: str, *, root: str, public_base: str) -> str:
    """The cached page with minted IRIs linked into the service at ``root``."""
    paths = _sources(settings, name)
    key = (name, tuple((str(p), p.stat().st_mtime_ns) for p in paths))
    with _lock:
        page = _cache.get(key)
        if page is None:
            page = generate(settings, name)
            for k in [k for k in _cache if k[0] == name]:
                del _cache[k]
            _cache[key] = page
    return link_into_service(page, root=root, public_base=public_base, name=name)


def link_into_service(page: str, *, root: str, public_base: str, name: str) -> str:
    """Point ``href``s at minted IRIs to this service; show IRIs under the public base."""
    def fix(m: re.Match) -> str:
        rest = m.group(2)
        return f'{m.group(1)}"{root}/{rest}"'

    page = re.sub(r'(href=)"' + re.escape(BASE) + r'([^"#]*)"', fix, page)
    if public_base != BASE:
        page = page.replace(BASE, public_base)
    nav = (f'<nav style="padding:.5em 1em;background:#eef;font-family:sans-serif">'
           f'<a href="{root}/">WSIS knowledge graph</a> · '
           f'<a href="{root}/def.html">Ontology</a> · <a href="{root}/shapes.html">Shapes</a> · '
           f'download: ' + " ".join(
               f'<a href="{root}/{name}.{e}">{e}</a>'
               for e in (("ttl", "jsonld", "nt", "rdf", "owl") if name == "def"
                         else ("ttl", "jsonld", "nt", "rdf")))
           # the search box every page has (without the suggestions: no script here)
           + f' · <form role="search" action="{root}/search" method="get" '
           f'style="display:inline-block"><label for="site-search-q">Search texts and '
           f'names</label> <input id="site-search-q" name="q" type="search"> '
           f'<button type="submit">Search</button></form></nav>')
    page = re.sub(r"<html(?![^>]*\slang=)", '<html lang="en"', page, count=1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, page, count=1).replace(
        "</head>", _STYLE + "</head>", 1)


#: pyLODE's fixed table of contents is 180 px wide plus padding and border, and its content
#: column only leaves 150 px: keep the text, and the shapes' wide tables, clear of it
_STYLE = """<style>
#content { width: calc(100% - 230px); }
#shacl-shapes table { width: 100%; table-layout: fixed; border-collapse: collapse; }
#shacl-shapes td, #shacl-shapes th { overflow-wrap: anywhere; vertical-align: top;
  border-top: 1px solid #ddd; padding: .2em .4em; text-align: left; }
#content a, #content code { overflow-wrap: anywhere; }
@media (max-width: 700px) { #toc { position: static; width: auto; height: auto; }
  #content { width: auto; } }
/* pyLODE's "made by pyLODE" line is grey, green and yellow on white, its class and property
   marks orange and light blue (1.6 to 3.9:1): WCAG AA asks 4.5:1 */
#pylode, #pylode p, #pylode span { color: #555; }
#pylode #p { color: #1b6b3a; }
#pylode #y { color: #7a5a00; }
.sup-c, .sup-con { color: #9a4f00; }
.sup-fp { color: #0b6e99; }
</style>
"""


# --------------------------------------------------------------------------------------------
# SHACL section (pyLODE 3.3.4 has none)
# --------------------------------------------------------------------------------------------

def _short(g: Graph, term) -> str:
    if isinstance(term, URIRef):
        try:
            return g.namespace_manager.normalizeUri(term)
        except Exception:  # noqa: BLE001 - any IRI rdflib cannot shorten is shown whole
            return str(term)
    return str(term)


def _term_html(g: Graph, term) -> str:
    if isinstance(term, URIRef):
        return f'<a href="{html.escape(str(term))}">{html.escape(_short(g, term))}</a>'
    if isinstance(term, BNode):
        items = _as_list(g, term)
        if items is not None:
            return "( " + " ".join(_term_html(g, t) for t in items) + " )"
        parts = [f"{_short(g, p)} {_term_html(g, o)}" for p, o in g.predicate_objects(term)]
        return "[ " + "; ".join(parts) + " ]"
    return html.escape(repr(str(term)) if isinstance(term, Literal) else str(term))


def _as_list(g: Graph, node) -> list | None:
    if (node, RDF.first, None) not in g:
        return None
    return list(Collection(g, node))


def _path_html(g: Graph, path) -> str:
    if isinstance(path, BNode):
        inv = g.value(path, SH.inversePath)
        if inv is not None:
            return "^" + _path_html(g, inv)
        alt = g.value(path, SH.alternativePath)
        if alt is not None:
            return " | ".join(_path_html(g, t) for t in (_as_list(g, alt) or []))
        seq = _as_list(g, path)
        if seq is not None:
            return " / ".join(_path_html(g, t) for t in seq)
        for mod, sym in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"),
                         (SH.zeroOrOnePath, "?")):
            inner = g.value(path, mod)
            if inner is not None:
                return f"({_path_html(g, inner)}){sym}"
    return _term_html(g, path)


_SKIP = {SH.path, SH.name, SH.description, SH.message, SH.order, SH.group}


def _shapes(g: Graph) -> list:
    return sorted(set(g.subjects(RDF.type, SH.NodeShape)) | {
        s for s in g.subjects(SH.targetClass, None)}, key=str)


def shapes_section(g: Graph) -> str:
    """HTML listing node shapes: targets, severity, message and each property constraint."""
    shapes = _shapes(g)
    out = ['<section id="shacl-shapes">',
           "<h2>Shapes</h2>",
           "<p>Each node shape, the nodes it targets and the constraints on their properties. "
           "Violations found by <code>/validate</code> name these shapes.</p>"]
    for s in shapes:
        if not isinstance(s, URIRef):
            continue
        anchor = html.escape(str(s).rsplit("/", 1)[-1])
        label = g.value(s, RDFS.label) or g.value(s, SH.name) or _short(g, s)
        out.append(f'<div class="shape" id="{anchor}"><h3>{html.escape(str(label))}</h3>')
        out.append(f'<p><code>{_term_html(g, s)}</code></p>')
        desc = g.value(s, RDFS.comment) or g.value(s, SH.description) or g.value(
            s, SKOS.definition)
        if desc:
            out.append(f"<p>{html.escape(str(desc))}</p>")
        rows = []
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf,
                  SH.severity, SH.message, SH.closed):
            for o in g.objects(s, p):
                rows.append(f"<tr><th>{_short(g, p)}</th><td>{_term_html(g, o)}</td></tr>")
        for o in g.objects(s, SH.sparql):
            msg = g.value(o, SH.message)
            rows.append(f"<tr><th>sh:sparql</th><td>{html.escape(str(msg or 'SPARQL check'))}"
                        "</td></tr>")
        if rows:
            out.append("<table>" + "".join(rows) + "</table>")
        props = list(g.objects(s, SH.property))
        if props:
            out.append("<table class='props'><tr><th>path</th><th>constraints</th>"
                       "<th>message</th></tr>")
            for ps in sorted(props, key=lambda x: _path_html(g, g.value(x, SH.path))):
                cons = "; ".join(
                    f"{_short(g, p)} {_term_html(g, o)}"
                    for p, o in sorted(g.predicate_objects(ps), key=lambda po: str(po[0]))
                    if p not in _SKIP)
                msg = g.value(ps, SH.message) or g.value(ps, SH.description) or ""
                out.append(f"<tr><td>{_path_html(g, g.value(ps, SH.path))}</td>"
                           f"<td>{cons}</td><td>{html.escape(str(msg))}</td></tr>")
            out.append("</table>")
        out.append("</div>")
    out.append("</section>")
    return "\n".join(out)
