"""Domain pages people read (web/views): an organisation, an action line, a document's reading
view, a paragraph in context, an event, a named graph; and the findings of the issue "Pages
people read": order of parts, colliding titles, links read backwards, type chips, the action-line
scheme, the C7 e-health page, the ontology and shapes pages, one version, the graph tag's
contrast. Against the real build (the shared session app), through HTTP only."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent
ID = "https://w3id.org/wsis-kg/id/"
RES = "/id/resolution/A-RES-66-184"
OWL = "http://www.w3.org/2002/07/owl#"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(markup: str) -> str:
    p = _Text()
    p.feed(markup)
    return re.sub(r"\s+", " ", " ".join(p.parts))


def page(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def section(markup: str, start: str, end: str) -> str:
    i = markup.index(start)
    j = markup.find(end, i + len(start))
    return markup[i:j if j >= 0 else None]


def hrefs(markup: str, prefix: str) -> list[str]:
    return re.findall(r'href="' + re.escape(prefix) + r'([^"#]*)"', markup)


def ontology_version() -> tuple[str, str]:
    """owl:versionInfo and owl:versionIRI as ontology/wsis.ttl states them."""
    with open(ROOT / "ontology" / "wsis.ttl", "rb") as f:
        triples = list(ox.parse(f, format=ox.RdfFormat.TURTLE))
    info = next(t.object.value for t in triples if t.predicate.value == OWL + "versionInfo")
    iri = next(t.object.value for t in triples if t.predicate.value == OWL + "versionIRI")
    return info, iri


# --------------------------------------------------------------------------------------------
# documents: printed order, reading view, a paragraph in context
# --------------------------------------------------------------------------------------------

def test_reading_view_lists_parts_in_printed_order(client):
    """'has part' was in string order (footnote 10, 11, 1, 2; para 10-19, 1, 20, 2)."""
    body = page(client, RES + ".html")
    reading = section(body, 'class="doc-reading"', "<h2>Notes</h2>")
    order = [h for h in hrefs(reading, RES + "/") if h.count("/") == 1]
    paras = [int(h.split("/")[1]) for h in order if h.startswith("para/")]
    assert paras == list(range(1, 22))
    preamble = [int(h.split("/")[1]) for h in order if h.startswith("preamble/")]
    assert preamble == sorted(preamble) and preamble[:3] == [1, 2, 3]
    assert order.index("preamble/1") < order.index("para/1")  # the preamble comes first
    notes = section(body, "<h2>Notes</h2>", "<h2>Citations</h2>")
    footnote = r'href="' + re.escape(RES) + r'/footnote/(\d+)"'
    footnotes = [int(n) for n in re.findall(footnote, notes)]
    assert footnotes == sorted(footnotes) and footnotes[:3] == [1, 2, 3] and 11 in footnotes


def test_generic_has_part_values_in_natural_order(client):
    body = page(client, RES + ".html")
    props = section(body, '<section class="props">', "</section>")
    row = section(props, "dcterms:hasPart", "</tr>")
    notes = [int(n) for n in re.findall(r'href="' + re.escape(RES) + r'/footnote/(\d+)"', row)]
    assert notes == sorted(notes) and notes[:2] == [1, 2]


def test_document_reading_view_has_citations_both_ways(client):
    body = page(client, RES + ".html")
    cites = text_of(section(body, "This document cites", "Cited by"))
    assert "2005 World Summit Outcome (A/RES/60/1)" in cites
    citing = section(page(client, "/id/resolution/A-RES-62-182.html"), "Cited by", "</section>")
    assert f'href="{RES}"' in citing  # 66/184 recalls 62/182


def test_paragraph_shows_its_text_once_in_context_with_previous_and_next(client):
    body = page(client, RES + "/para/12.html")
    assert body.count("Notes the progress that has been made by United Nations entities") == 1
    assert re.search(r'rel="prev" href="' + re.escape(RES) + r'/para/11"', body)
    assert re.search(r'rel="next" href="' + re.escape(RES) + r'/para/13"', body)
    assert f'href="{RES}.html#para-12"' in body  # read it in the document
    where = text_of(section(body, 'class="where"', "</nav>"))
    assert "A/RES/66/184" in where or "Information and communications technologies" in where


def test_paragraph_page_shows_what_it_cites_and_what_cites_it(client):
    body = page(client, RES + "/para/19.html")
    cites = text_of(section(body, "<h2>It cites</h2>", "<h2>Cited by</h2>"))
    assert "A/RES/65/141, para 22" in cites


def test_paragraph_items_follow_their_paragraph(client):
    body = page(client, "/id/doc/geneva-plan-of-action/para/18.html")
    text = text_of(section(body, 'class="doc-reading"', 'class="prev-next"'))
    letters = re.findall(r"/para/18/([a-f])\"", section(body, 'class="doc-reading"',
                                                           'class="prev-next"'))
    assert letters == list("abcdef")
    assert "Alert, monitor and control the spread of communicable diseases" in text


# --------------------------------------------------------------------------------------------
# labels, links read backwards, type chips
# --------------------------------------------------------------------------------------------

def test_colliding_titles_carry_their_symbol(client):
    """Four resolutions are all "Information and communication technologies for development"."""
    cites = text_of(section(page(client, RES + ".html"), "This document cites", "Cited by"))
    for sym in ("A/RES/62/182", "A/RES/63/202", "A/RES/64/187", "A/RES/65/141"):
        assert f"Information and communication technologies for development ({sym})" in cites
    for sym in ("E/RES/2008/3", "E/RES/2009/7", "E/RES/2010/2"):
        assert f"Assessment of the progress made in the implementation of and follow-up to the " \
               f"outcomes of the World Summit on the Information Society ({sym})" in cites


def test_a_document_heading_carries_its_symbol(client):
    h1 = section(page(client, RES + ".html"), "<h1>", "</h1>")
    assert "A/RES/66/184" in text_of(h1)
    assert "Information and communications technologies for development" in text_of(h1)


@pytest.mark.parametrize("path", [RES + ".html", RES + "/para/12.html",
                                  "/id/action-line/C7.html", "/id/org/who.html",
                                  "/id/action-line.html"])
def test_links_pointing_here_read_properly(client, path):
    text = text_of(page(client, path))
    for bad in ("is is part of of", "is has part of", "is has narrower of", "is references of",
                "is mentions of", "is has top concept of"):
        assert bad not in text


def test_links_pointing_here_use_the_ontology_inverse_labels(client):
    incoming = section(page(client, "/id/action-line/C7.html"), '<section class="incoming">',
                       "</section>")
    assert ">has narrower</a>" in incoming  # skos:broader read backwards (owl:inverseOf)
    incoming = section(page(client, RES + "/para/12.html"), '<section class="incoming">',
                       "</section>")
    assert ">is part of</a>" in incoming  # dcterms:hasPart read backwards


def chips(markup: str) -> list[str]:
    return [text_of(m).strip() for m in re.findall(r'<span class="type">(.*?)</span>', markup)]


def test_type_chips_show_only_the_most_specific_domain_classes(client):
    assert chips(page(client, "/id/org/who.html")) == ["UN specialised agency"]
    assert chips(page(client, RES + ".html")) == ["resolution"]
    for path in ("/id/org/who.html", RES + ".html", "/id/action-line/C7-e-health.html"):
        got = chips(page(client, path))
        assert "mentionable thing" not in got and "Agent" not in got and got


# --------------------------------------------------------------------------------------------
# action lines, targets, organisations, events, named graphs
# --------------------------------------------------------------------------------------------

def test_action_line_scheme_lists_top_concepts_in_c_number_order(client):
    body = section(page(client, "/id/action-line.html"), 'class="domain scheme"', "</section>")
    notations = re.findall(r'<th scope="row">(C\d+)</th>', body)
    assert notations == [f"C{i}" for i in range(1, 12)]


def test_c7_e_health_shows_its_plan_of_action_provisions_not_table_cells(client):
    body = page(client, "/id/action-line/C7-e-health.html")
    assert "<h2>Source</h2>" not in body  # was "E-health" and "WHO", a table row's cells
    plan = section(body, "In the Plan of Action", 'id="facilitators"')
    assert "Alert, monitor and control the spread of communicable diseases" in plan
    assert re.findall(r"/para/18/([a-f])\"", plan) == list("abcdef")


def test_action_line_page_shows_facilitators_targets_and_concerning_paragraphs(client):
    body = page(client, "/id/action-line/C7-e-health.html")
    fac = section(body, 'id="facilitators"', "<h2>Targets</h2>")
    who = section(fac, 'href="/id/org/who"', "</tr>")
    adopted, proposed = re.findall(r"<td>(.*?)</td>", who, re.S)[:2]
    assert "facilitator" in text_of(adopted)
    assert "proposed by" in text_of(proposed) and "Ghana" in text_of(proposed)
    targets = text_of(section(body, "<h2>Targets</h2>", "<h2>"))
    assert "Connect all health centres and hospitals" in targets
    concerning = section(body, "Paragraphs that concern it", "</section>")
    assert "/id/resolution/E-RES-2009-7/para/41" in concerning


def test_organisation_page_shows_roles_posts_asks_and_mentions(client):
    who = page(client, "/id/org/who.html")
    roles = section(who, "Roles per action line", "<h2>")
    assert "C7 e-health" in text_of(roles)
    asked = section(who, "What is asked of it", "<h2>")
    assert "/id/resolution/E-RES-2009-7/para/42" in asked
    # from the mandate read out of para 42 ("Encourages … to coordinate their activities"):
    # the kind of act and what is asked, not only the paragraph
    assert "coordinate their activities" in text_of(asked)
    assert "encourages" in text_of(asked).lower()
    mentions = section(who, "Paragraphs that mention it", "</section>")
    assert mentions.count('class="by-doc"') >= 2  # grouped by document
    itu = text_of(section(page(client, "/id/org/itu.html"), "Posts and roles it holds", "<h2>"))
    assert "rotating chair of UNGIS" in itu


def test_a_table_row_source_reads_as_a_row_not_a_quotation(client):
    """WHO's source in the ITU brochure is the facilitators table's row "E-health": WHO."""
    sources = section(page(client, "/id/org/who.html"), '<section class="sources">',
                      "</section>")
    assert "<blockquote><p>WHO</p></blockquote>" not in sources
    row = section(sources, '<table class="source-row">', "</table>")
    assert text_of(row).split() == ["E-health", "WHO"]


def test_target_page_names_its_action_lines(client):
    body = page(client, "/id/target/j.html")
    assert "/id/action-line/C2" in section(body, "Action lines it measures", "<h2>")


def test_event_page_shows_parts_outcomes_roles_and_mentions(client):
    text = text_of(page(client, "/id/event/wsis.html"))
    assert "2003-12-10 – 2005-11-18" in text
    for heading in ("Its parts", "Outcomes", "Roles held in it", "Paragraphs that mention it"):
        assert heading in text


def _status_of(markup: str, role: str) -> str:
    """The status shown in the list item of the page that links to ``role``."""
    items = [li for li in re.findall(r"<li>(.*?)</li>", markup, re.S) if f"/id/{role}" in li]
    assert items, f"no list item links to {role}"
    found = re.findall(r'<span class="status">(.*?)</span>', items[0], re.S)
    return text_of(found[0]) if found else ""


def test_role_listings_show_adopted_or_proposed(client):
    """A role only the bracketed Tunis draft proposes reads as proposed, beside adopted ones:
    in the roles an organisation holds and in the roles held in an event."""
    secretariat = "role/wsis/secretariat/wsis-executive-secretariat"
    es = section(page(client, "/id/org/wsis-executive-secretariat.html"),
                 "Posts and roles it holds", "<h2>")
    assert _status_of(es, secretariat) == "proposed"
    itu = section(page(client, "/id/org/itu.html"), "Posts and roles it holds", "<h2>")
    assert _status_of(itu, "role/ungis-chair/itu") == "adopted"
    wsis = section(page(client, "/id/event/wsis.html"), "Roles held in it", "<h2>")
    assert _status_of(wsis, secretariat) == "proposed"
    assert _status_of(wsis, "role/wsis/focal-point/cstd") == "adopted"


def test_named_graph_page_has_size_contents_and_download(client):
    """It said "No statements … Nothing links here", yet every resource page links to it."""
    graph = "https://w3id.org/wsis-kg/graph/reference"
    body = page(client, "/graph/reference.html")
    resp = client.get("/sparql", query_string={
        "query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"})
    n = int(resp.get_json()["results"]["bindings"][0]["n"]["value"])
    assert f"{n:,} statements" in text_of(body)
    assert "What it holds" in body and "action line" in text_of(body)
    gsp = f"/rdf-graphs/service?graph={quote(graph, safe='')}"
    assert f'href="{html.escape(gsp)}"' in body
    assert client.get(gsp).status_code == 200
    assert 'href="/dumps/wsis-kg.trig"' in body


# --------------------------------------------------------------------------------------------
# the ontology and shapes pages, one version, contrast
# --------------------------------------------------------------------------------------------

def test_ontology_page_documents_the_project_classes_without_duplicate_names(client):
    body = page(client, "/def.html")
    classes = section(body, "<h2>Classes</h2>", "<h2>Object Properties</h2>")
    iris = re.findall(r"<th>IRI</th>\s*<td>\s*<code>([^<]*)</code>", classes)
    assert iris and all(i.startswith("https://w3id.org/wsis-kg/def/") for i in iris)
    names = [n.strip().lower() for n in re.findall(r"<h3>([^<]*)<sup", classes)]
    assert len(names) == len(set(names))


def test_version_iri_dereferences_to_the_ontology(client):
    _, version_iri = ontology_version()
    path = version_iri.removeprefix("https://w3id.org/wsis-kg")
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/def.html")
    resp = client.get(path, headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/def.ttl")


def test_site_shows_the_ontology_version(client):
    version, _ = ontology_version()
    assert f"version {version}" in text_of(page(client, "/"))
    assert f"version {version}" in text_of(page(client, "/data"))
    void = client.get("/.well-known/void.nt").get_data(as_text=True)
    assert f'<http://www.w3.org/ns/dcat#version> "{version}"' in void


def test_shapes_section_is_in_the_content_column_and_the_table_of_contents(client):
    body = page(client, "/shapes.html")
    content = body.index('<div id="content"')
    shapes = body.index('<section id="shacl-shapes"')
    assert content < shapes < body.index('<div id="toc"')
    toc = section(body, '<div id="toc"', "</div>")
    assert 'href="#shacl-shapes"' in toc


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    out = []
    for i in (0, 2, 4):
        c = int(h[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]


def test_graph_tag_has_aa_contrast():
    css = (ROOT / "wsis_kg" / "web" / "static" / "wsis.css").read_text()
    colour = re.search(r"\.graph\s*\{[^}]*color:\s*(#[0-9a-fA-F]{3,6})", css).group(1)
    ratio = (1.05) / (_luminance(colour) + 0.05)  # on white
    assert ratio >= 4.5, f"{colour} on white is {ratio:.1f}:1"


@pytest.mark.slow
def test_every_domain_page_renders(client):
    """Every organisation, action line, target, event, document and a part of each kind (≈270
    pages, ~40 s): a domain view must not fail on data the hand-picked tests do not show."""
    kinds = ("Organisation", "ActionLine", "ActionLineScheme", "Target", "Event", "Document",
             "Section", "Annex", "TableRow", "Footnote")
    query = "SELECT DISTINCT ?s WHERE { VALUES ?c { " + " ".join(
        f"<https://w3id.org/wsis-kg/def/{k}>" for k in kinds) + " } ?s a ?c }"
    resp = client.get("/sparql", query_string={"query": query},
                      headers={"Accept": "application/sparql-results+json"})
    iris = [b["s"]["value"] for b in resp.get_json()["results"]["bindings"]]
    assert len(iris) > 100
    failed = [i for i in iris
              if client.get(i.removeprefix("https://w3id.org/wsis-kg") + ".html").status_code
              != 200]
    assert failed == []
