"""The full-text index (SQLite FTS5): ranking, snippets escaped then marked, safe query syntax,
filters, suggestions, and the index kept in step with every kind of write through the query
service (SPARQL Update, Graph Store / ingest, graph deletion)."""

from __future__ import annotations

import os
import time

import pyoxigraph as ox
import pytest

from wsis_kg.bench import search as search_bench
from wsis_kg.bench import synthetic
from wsis_kg.errors import BadRequest
from wsis_kg.graph import search
from wsis_kg.graph.search import Filters, SearchIndex, fts_query, mark, touched_by_update
from wsis_kg.settings import Settings
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ID = "https://w3id.org/wsis-kg/id/"
WSIS = "https://w3id.org/wsis-kg/def/"
GRAPH = "https://w3id.org/wsis-kg/graph/"
POA = ID + "doc/geneva-plan-of-action"
EHEALTH = ID + "action-line/C7-e-health"


@pytest.fixture(scope="module")
def index(built_store: OxigraphStore) -> SearchIndex:
    ix = SearchIndex()
    ix.refresh(built_store)
    return ix


def test_sqlite_here_has_fts5() -> None:
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x)")  # raises when FTS5 is missing


def test_names_rank_above_texts_and_snippets_are_marked(index: SearchIndex) -> None:
    result = index.search("health")
    assert result.total >= 20
    # names come first: the thesaurus concept "health" and the action line "E-health"
    top = [h.iri for h in result.hits[:3]]
    assert EHEALTH in top, top
    assert all(h.name_html for h in result.hits[:2])
    assert result.hits[top.index(EHEALTH)].name_html == "E-<mark>health</mark>"
    paragraphs = [h for h in result.hits if h.document]
    assert paragraphs, "paragraph texts are searched too"
    assert all("<mark>" in h.snippet_html for h in result.hits)
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_phrase_prefix_and_or(index: SearchIndex) -> None:
    phrase = index.search('"digital divide"')
    words = index.search("digital divide")
    assert 0 < phrase.total <= words.total
    assert all("<mark>digital divide</mark>" in h.snippet_html.lower()
               for h in phrase.hits if h.document)
    assert index.search("heal*").total >= index.search("health").total
    either = index.search("UNESCO OR UNCTAD").total
    assert either >= max(index.search("UNESCO").total, index.search("UNCTAD").total)


def test_filters_by_document_action_line_organisation_and_type(index: SearchIndex) -> None:
    everything = index.search("health", limit=100)
    in_poa = index.search("health", Filters(document=POA), limit=100)
    assert 0 < in_poa.total < everything.total
    assert all(h.document == POA for h in in_poa.hits)
    about = index.search("health", Filters(action_line=EHEALTH), limit=100)
    assert about.total > 0 and about.total < everything.total
    typed = index.search("health", Filters(type=WSIS + "Paragraph"), limit=100)
    assert typed.total > 0
    assert all(WSIS + "Paragraph" in h.types for h in typed.hits)
    who = index.search("health", Filters(organisation=ID + "org/who"), limit=100)
    assert who.total > 0


@pytest.mark.parametrize("text", ['"digital divide', 'a"b', "***", "   ", "-", "()"])
def test_unreadable_user_text_is_a_400_with_a_reason(index: SearchIndex, text: str) -> None:
    with pytest.raises(BadRequest) as e:
        index.search(text)
    assert "search" in e.value.detail


@pytest.mark.parametrize("text", ["NEAR(a b)", "a AND b", "x:y", "^foo", "label:health",
                                  "{label}: health", "health NOT", "OR health OR", "a + b",
                                  "health*  *", "e-health*"])
def test_fts5_operators_in_user_text_are_just_text(index: SearchIndex, text: str) -> None:
    index.search(text)  # no sqlite3.OperationalError, no 500


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('health "digital divide" e-gov* OR x') == (
        '"health" "digital divide" "e-gov"* OR "x"')


def test_snippets_escape_the_text_then_mark() -> None:
    store = OxigraphStore()
    store.ox.add(ox.Quad(ox.NamedNode(ID + "doc/t/para/1"), ox.NamedNode(WSIS + "text"),
                         ox.Literal('<script>alert("health")</script> & \x02fake\x03 health'),
                         ox.NamedNode(GRAPH + "t")))
    ix = SearchIndex()
    ix.refresh(store)
    hit = ix.search("health").hits[0]
    assert "<script>" not in hit.snippet_html
    assert "&lt;script&gt;" in hit.snippet_html and "&amp;" in hit.snippet_html
    assert hit.snippet_html.count("<mark>") == 2  # the forged markers in the data are gone
    assert mark("a < b") == "a &lt; b"


def test_suggestions_are_organisations_action_lines_and_documents(index: SearchIndex) -> None:
    found = index.suggest("heal")
    assert {s["iri"] for s in found} >= {EHEALTH, ID + "org/who"}
    assert all(s["kind"] in ("organisation", "action line", "document") for s in found)
    assert index.suggest("geneva p")[0]["iri"] == POA
    assert index.suggest("") == [] and index.suggest("--") == []


def test_updates_say_what_they_touch() -> None:
    assert touched_by_update(
        "PREFIX ex: <http://e/> INSERT DATA { GRAPH <http://g> { ex:s ex:p 'x' } }"
    ) >= {"http://g", "http://e/s", "http://e/p"}
    assert touched_by_update("DELETE WHERE { ?s ?p ?o }") is None
    assert touched_by_update("DROP ALL") is None
    assert touched_by_update("INSERT DATA { <rel> <http://p> 1 }") is None


# -- kept in step with every write, through the query service --------------------------------

@pytest.fixture()
def service(settings: Settings):
    store = OxigraphStore()
    store.ox.bulk_extend(_paragraph("seed", 1, "Telemedicine for remote islands"))
    svc = QueryService(settings.with_(workers=1), store)
    svc.search.ready()  # type: ignore[union-attr]
    yield svc
    svc.close()


def _paragraph(doc: str, n: int, text: str) -> list[ox.Quad]:
    para, d = ox.NamedNode(f"{ID}doc/{doc}/para/{n}"), ox.NamedNode(f"{ID}doc/{doc}")
    g = ox.NamedNode(GRAPH + doc)
    return [ox.Quad(para, ox.NamedNode(WSIS + "text"), ox.Literal(text, language="en"), g),
            ox.Quad(para, ox.NamedNode(WSIS + "inDocument"), d, g)]


def _hits(svc: QueryService, text: str) -> list[str]:
    return [h.iri for h in svc.search.ready().search(text).hits]  # type: ignore[union-attr]


def test_a_sparql_update_is_found_by_the_next_search(service: QueryService) -> None:
    para = f"{ID}doc/x/para/1"
    service.update(f'INSERT DATA {{ GRAPH <{GRAPH}x> {{ <{para}> <{WSIS}text> '
                   f'"Quokka broadband cooperatives"@en }} }}')
    assert _hits(service, "quokka") == [para]
    service.update(f'DELETE DATA {{ GRAPH <{GRAPH}x> {{ <{para}> <{WSIS}text> '
                   f'"Quokka broadband cooperatives"@en }} }}')
    assert _hits(service, "quokka") == []


def test_an_update_with_patterns_re_reads_everything(service: QueryService) -> None:
    service.update(f"DELETE WHERE {{ GRAPH ?g {{ ?s <{WSIS}text> ?t }} }}")
    assert _hits(service, "telemedicine") == []
    service.update(f'INSERT {{ GRAPH <{GRAPH}y> {{ ?s <{WSIS}text> "Wombat e-learning"@en }} }} '
                   f"WHERE {{ GRAPH ?g {{ ?s <{WSIS}inDocument> ?d }} }}")
    assert _hits(service, "wombat") == [f"{ID}doc/seed/para/1"]


def test_every_subject_is_re_read_in_a_job_not_in_the_serving_process(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-reading every subject (at start, after a write that cannot say what it touched)
    held the serving process's GIL for seconds at 1M quads; a job reads, this process only
    applies what changed."""
    here = os.getpid()
    read = search.read_entries

    def away(store, subjects=None):
        assert subjects is not None or os.getpid() != here, "every subject read here"
        return read(store, subjects)

    monkeypatch.setattr(search, "read_entries", away)
    store = OxigraphStore()
    store.ox.bulk_extend(_paragraph("seed", 1, "Telemedicine for remote islands"))
    svc = QueryService(settings.with_(workers=1), store)
    try:
        assert _hits(svc, "telemedicine") == [f"{ID}doc/seed/para/1"]  # built by a job
        run = svc._own_jobs.status()["run"]
        svc.update(f'DELETE {{ GRAPH ?g {{ ?s <{WSIS}text> ?t }} }} INSERT {{ GRAPH ?g {{ '
                   f'?s <{WSIS}text> "Numbat telehealth"@en }} }} WHERE {{ GRAPH ?g {{ ?s '
                   f'<{WSIS}text> ?t }} }}')
        assert _hits(svc, "numbat") == [f"{ID}doc/seed/para/1"] and _hits(svc, "islands") == []
        assert svc._own_jobs.status()["run"] == run + 1 and svc.jobs.status()["run"] == 0
    finally:
        svc.close()


def test_graph_store_writes_and_deletes_keep_the_index_in_step(service: QueryService) -> None:
    graph = GRAPH + "ingest/test"
    service.write_graph(_paragraph("ing", 7, "Platypus digital inclusion"), graph=graph,
                        mode="replace", principal="tester", source="test")
    assert _hits(service, "platypus") == [f"{ID}doc/ing/para/7"]
    # replacing the graph drops what it held before
    service.write_graph(_paragraph("ing", 8, "Echidna access points"), graph=graph,
                        mode="replace", principal="tester", source="test")
    assert _hits(service, "platypus") == []
    assert _hits(service, "echidna") == [f"{ID}doc/ing/para/8"]
    assert service.delete_graph(graph)
    assert _hits(service, "echidna") == []
    assert _hits(service, "telemedicine") == [f"{ID}doc/seed/para/1"]  # others untouched


def test_a_refused_write_leaves_the_index_as_it_was(service: QueryService) -> None:
    with pytest.raises(BadRequest):
        service.update("INSERT DATA { <http://a> <http://b> ")
    assert _hits(service, "telemedicine") == [f"{ID}doc/seed/para/1"]


# -- a million triples -------------------------------------------------------------------------

#: Quads of the timing test: 100,000 in CI; WSIS_KG_SEARCH_BENCH_TRIPLES=1000000 (or
#: ``wsis-kg bench --suite search``) for the figure in docs/web.md.
BENCH_TRIPLES = int(os.environ.get("WSIS_KG_SEARCH_BENCH_TRIPLES", "100000"))


@pytest.mark.slow
def test_search_latency_on_synthetic_data(built_store: OxigraphStore, capsys) -> None:
    """p50/p95 of the bench's fixed query mix (every query different) on the graph plus
    synthetic data, and one write; generous bounds: a shared machine, the figures are printed."""
    store = OxigraphStore()
    store.ox.bulk_extend(built_store.ox.quads_for_pattern(None, None, None, None))
    store.ox.bulk_extend(synthetic.generate(BENCH_TRIPLES))
    ix = SearchIndex()
    start = time.perf_counter()
    ix.refresh(store)
    build = time.perf_counter() - start
    para = f"{ID}synthetic/resolution/3/para/2"
    store.ox.add(ox.Quad(ox.NamedNode(para), ox.NamedNode(WSIS + "text"),
                         ox.Literal("Kookaburra"), ox.NamedNode(GRAPH + "synthetic/1")))
    start = time.perf_counter()
    ix.refresh(store, {para})
    one_write = time.perf_counter() - start
    assert [h.iri for h in ix.search("kookaburra").hits] == [para]
    res = search_bench.time_queries(ix, search_bench.query_mix())
    with capsys.disabled():
        print(f"\nsearch at {len(store):,} quads ({len(ix):,} subjects): build {build:.1f} s, "
              f"one write {one_write * 1000:.1f} ms, load average {os.getloadavg()[0]:.1f}")
        print("\n".join(search_bench.summary({
            **res, "quads": len(store), "subjects": len(ix), "index_build_s": round(build, 1),
            "index_mb": round(ix.size_bytes() / 1e6, 1), "load_average": os.getloadavg(),
            "cpus": os.cpu_count()})))
    assert res["p50_ms"] < 50 and res["p95_ms"] < 250, res
    assert res["suggest_p50_ms"] < 50, res


def test_words_in_many_subjects_are_ranked_over_a_window(index: SearchIndex, monkeypatch) -> None:
    """Above the budget FTS5's bm25() (which first counts every subject each word is in) is
    not used: the first matches are ranked by BM25 per column, names still first."""
    exact = index.search("health", limit=10)
    monkeypatch.setattr(search, "BM25_BUDGET", 0)
    monkeypatch.setattr(index, "rank_window", 10_000)
    window = index.search("health", limit=10)
    assert window.total == exact.total
    top = [h.iri for h in window.hits[:3]]
    assert EHEALTH in top, top
    assert window.hits[top.index(EHEALTH)].name_html == "E-<mark>health</mark>"
    scores = [h.score for h in window.hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert all("<mark>" in h.snippet_html for h in window.hits)
    assert len({h.iri for h in window.hits} & {h.iri for h in exact.hits}) >= 7
    # a small window ranks only the first matches in index order, and pages still reach on
    monkeypatch.setattr(index, "rank_window", 5)
    first, second = index.search("health", limit=5), index.search("health", offset=5, limit=5)
    assert len(first.hits) == len(second.hits) == 5
    assert not {h.iri for h in first.hits} & {h.iri for h in second.hits}


def test_window_snippets_are_cut_around_the_first_match_with_marks_paired() -> None:
    words = [f"w{i}" for i in range(60)]
    words[30] = "\x02match\x03"
    cut = search.snippet(" ".join(words), 10)
    assert cut.startswith("…w28 ") and cut.endswith("…") and "\x02match\x03" in cut
    assert len(cut.strip("…").split()) == 10
    assert search.snippet("\x02short\x03 text") == "\x02short\x03 text"
    # a phrase match cut at the end keeps its marks paired (so <mark> is closed)
    phrase = " ".join(["a"] * 5 + ["\x02digital", "divide\x03"] + ["b"] * 5)
    for size in (1, 2, 3, 6):
        cut = search.snippet(phrase, size)
        assert cut.count("\x02") == cut.count("\x03") == 1, cut
        assert mark(cut).count("<mark>") == mark(cut).count("</mark>") == 1


def test_the_cost_of_ranking_is_known_without_a_scan(index: SearchIndex) -> None:
    """The index counts the subjects each word is in as it writes: what bm25() would read."""
    health = index._postings(search.query_terms("health"))
    assert health == index.search("health", limit=1).total or health > 0
    assert index._postings(search.query_terms("heal*")) >= health
    assert index._postings(search.query_terms("health OR kookaburra")) == health
    assert index._postings(search.query_terms('"digital divide"')) == (
        index._postings(search.query_terms("digital")) + index._postings(
            search.query_terms("divide")))


def test_word_counts_follow_writes_and_deletes() -> None:
    store = OxigraphStore()
    store.ox.bulk_extend(_paragraph("wc", 1, "Numbat and wombat") + _paragraph(
        "wc", 2, "Numbat, numbat"))
    ix = SearchIndex()
    ix.refresh(store)
    assert ix._postings(search.query_terms("numbat")) == 2  # subjects, not occurrences
    assert ix._postings(search.query_terms("wom*")) == 1
    for q in _paragraph("wc", 2, "Numbat, numbat"):
        store.ox.remove(q)
    ix.refresh(store, {f"{ID}doc/wc/para/2"})
    assert ix._postings(search.query_terms("numbat")) == 1
    store.ox.clear()
    ix.refresh(store)
    assert ix._postings(search.query_terms("numbat wombat")) == 0 and ix._lengths == [0, 0]


def test_counts_stop_at_the_cap_and_pages_reach_past_the_rank_window() -> None:
    store = OxigraphStore()
    store.ox.bulk_extend(q for i in range(30) for q in _paragraph("cap", i, f"Numbat {i}"))
    ix = SearchIndex(rank_window=10)
    ix.refresh(store)
    full = ix.search("numbat", limit=100)
    assert full.total == 30 and full.exact and len(full.hits) == 30
    deep = ix.search("numbat", offset=20, limit=5)  # past the window of 10: still answered
    assert len(deep.hits) == 5
    assert not {h.iri for h in deep.hits} & {h.iri for h in ix.search("numbat", limit=20).hits}
    old, search.COUNT_CAP = search.COUNT_CAP, 12
    try:
        capped = ix.search("numbat")
    finally:
        search.COUNT_CAP = old
    assert capped.total == 12 and not capped.exact
