"""How the benchmark reads the query catalogue: by the lexer, never by running a query."""

from __future__ import annotations

from pathlib import Path

from wsis_kg.bench.runner import JSON_RESULTS, NTRIPLES, is_aggregate, load_catalogue
from wsis_kg.graph.catalogue import read_catalogue
from wsis_kg.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_aggregate_means_keywords_not_words_in_comments_or_strings() -> None:
    """The old text test (``"COUNT(" in text``) took a header that says ``count(s)`` or
    ``group by`` for an aggregate query."""
    plain = ("# title: Documents (count (by year), group by type)\n"
             "SELECT ?d WHERE { ?d ?p \"COUNT(*)\" } # GROUP BY ?d\n")
    assert not is_aggregate(plain)
    assert is_aggregate("SELECT (count (*) AS ?n) WHERE { ?s ?p ?o }")
    assert is_aggregate("SELECT ?p (SAMPLE(?o) AS ?x) WHERE { ?s ?p ?o } group\n  by ?p")


def test_catalogue_as_sent(tmp_path: Path) -> None:
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "a.rq").write_text(
        "# title: A graph\nCONSTRUCT { ?s a wsis:X } WHERE { ?s a wsis:X }\n")
    (tmp_path / "queries" / "b.rq").write_text(
        "# title: B\nPREFIX wsis: <https://w3id.org/wsis-kg/def/>\n"
        "SELECT (COUNT(*) AS ?n) WHERE { ?s a wsis:X }\n")
    a, b = load_catalogue(Settings(project_root=tmp_path))
    assert (a.name, a.title, a.accept, a.aggregate) == ("a", "A graph", NTRIPLES, False)
    assert a.sparql.startswith("PREFIX wsis: <https://w3id.org/wsis-kg/def/>\n# title: A graph")
    assert (b.name, b.title, b.accept, b.aggregate) == ("b", "B", JSON_RESULTS, True)
    assert b.sparql == (tmp_path / "queries" / "b.rq").read_text()


def test_project_catalogue() -> None:
    settings = Settings(project_root=ROOT)
    got = load_catalogue(settings)
    assert [q.name for q in got] == [e.name for e in read_catalogue(settings.queries_dir)]
    assert {q.name for q in got if q.aggregate} == {
        "action-lines", "events-timeline", "proposals-vs-adopted", "concerns-c5-unnamed",
        "financing-mechanisms", "meeting-outcomes", "un-roles-since", "itu-mandates",
        "mandates-past-deadline", "reports-requested", "secretary-general-mandates"}
