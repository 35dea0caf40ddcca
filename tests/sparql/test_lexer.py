"""The one SPARQL lexer and the scans of query text built on it (store, remote, guard)."""

from __future__ import annotations

import threading

import pyoxigraph as ox

from wsis_kg.sparql import guard, lexer
from wsis_kg.sparql.lexer import (
    declared_prefixes,
    has_keyword,
    insert_bound,
    keywords,
    query_form,
    repeatable_update,
    tokenize,
    used_prefixes,
)
from wsis_kg.store import remote
from wsis_kg.store.embedded import OxigraphStore, has_dataset_clause

#: A long string holding a double quote, then FROM: still inside the string.
LONG_STRING_FROM = 'SELECT ?s WHERE { ?s ?p ?o FILTER(?o != """the "FROM" clause""") }'


def test_the_guard_uses_the_one_lexer() -> None:
    assert guard.tokenize is lexer.tokenize and guard.Token is lexer.Token


def test_keywords_skip_strings_comments_iris_variables_and_names() -> None:
    q = ('PREFIX from: <http://e/#from> SELECT ?from WHERE { ?from from:x "FROM" , \'\'\'a\n'
         'FROM\'\'\' , """x "FROM" y""" # FROM <g>\n}')
    assert keywords(q) == ["PREFIX", "SELECT", "WHERE"]
    assert not has_keyword(q, "FROM")
    assert has_keyword("select * from <g> { }", "FROM")


def test_query_form() -> None:
    assert query_form("PREFIX select: <http://e/> # ASK\nCONSTRUCT WHERE { ?s ?p ?o }") \
        == "CONSTRUCT"
    assert query_form("describe <http://e/x>") == "DESCRIBE"
    assert query_form("INSERT DATA { <a:b> <a:c> 'SELECT' }") is None


def test_prologue_prefixes() -> None:
    q = ("# PREFIX no: <http://no/>\nPREFIX ex: <http://e/> PREFIX : <http://d/>\n"
         "SELECT * { ?s ex:p 'PREFIX str: <x>' ; :q skos:x }")
    assert declared_prefixes(q) == {"ex": "http://e/", "": "http://d/"}
    assert used_prefixes(q) == ["ex", "", "skos"]


def test_a_long_string_holding_quotes_is_no_dataset_clause() -> None:
    """The old pattern read ``\"\"\"the "FROM" clause\"\"\"`` as strings around a FROM keyword,
    so the query lost the union default graph and found nothing."""
    assert not has_dataset_clause(LONG_STRING_FROM)
    store = OxigraphStore()
    store.ox.add(ox.Quad(ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p"),
                         ox.Literal("x"), ox.NamedNode("http://e/g")))
    assert len(list(store.query(LONG_STRING_FROM))) == 1
    assert has_dataset_clause("SELECT * FROM <http://e/g> { ?s ?p ?o }")
    assert has_dataset_clause("SELECT*FROM<http://e/g>{?s ?p ?o}")


def test_remote_dataset_clause_parses_under_the_rdflib_lock() -> None:
    """rdflib's parser is shared state: the remote store's parse waits for the lock."""
    out: list[object] = []
    q = "SELECT * FROM <http://e/g> FROM NAMED <http://e/n> WHERE { ?s ?p ?o }"
    with lexer.RDFLIB_LOCK:
        t = threading.Thread(target=lambda: out.append(remote._dataset_clause(q)))
        t.start()
        t.join(0.5)
        assert t.is_alive() and not out
    t.join(10)
    assert out == [(["http://e/g"], ["http://e/n"])]


def test_tokens_are_memoised() -> None:
    q = "SELECT * { ?s ?p 'x' }"
    assert tokenize(q) is tokenize(q)


def test_gaps_are_what_the_tokens_step_over() -> None:
    q = 'SELECT * { <http://e/#a> ?p "x" . } # c'
    toks = tokenize(q)
    assert [t.text for t in toks] == ["SELECT", "{", "<http://e/#a>", "?p", '"x"', "}"]
    assert lexer.gaps(q, toks) == ("", "*", "", "", "", ".", "# c")
    assert lexer.gaps("", ()) == ("",)


def test_repeatable_updates() -> None:
    """The same text makes the same change to two copies of the same quads: not with the
    clock, randomness, fresh blank nodes, an order of solutions or the network."""
    ins = "INSERT DATA { <http://x/s> <http://x/p> 'now() rand() _:b [ ] LIMIT' } "
    assert repeatable_update(ins)  # the words and brackets are in a string
    assert repeatable_update("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o "
                             "FILTER(?o > 2) } ; DROP SILENT GRAPH <http://x/g> # uuid()")
    assert repeatable_update("PREFIX now: <http://x/> INSERT DATA { now:a now:b ?limit }")
    for unrepeatable in (
            "INSERT { <http://x/s> <http://x/p> ?t } WHERE { BIND(now() AS ?t) }",
            "INSERT { ?s <http://x/p> ?r } WHERE { ?s ?p ?o BIND(RAND() AS ?r) }",
            "INSERT DATA { _:b <http://x/p> 1 }",
            "INSERT DATA { <http://x/s> <http://x/p> [] }",
            "INSERT { ?s <http://x/p> ?o } WHERE { SELECT ?s ?o { ?s ?p ?o } OFFSET 3 }",
            "INSERT { <http://x/s> <http://x/p> ?l } WHERE { SELECT (SAMPLE(?o) AS ?l) "
            "{ ?s ?p ?o } }",
            "LOAD <http://x/data.ttl>",
    ):
        assert not repeatable_update(unrepeatable), unrepeatable


def test_insert_bound() -> None:
    """An upper bound of the quads an update adds, from its text alone."""
    data = "PREFIX : <http://x/> INSERT DATA { :a :b :c ,:, 1 , 2 }"
    assert insert_bound(data) == len(data) // 2 >= 4
    assert insert_bound("DELETE WHERE { ?s ?p ?o } ; DROP ALL") == 0
    two = "INSERT { <http://x/a> <http://x/b> 1 } WHERE { {} UNION {} }"  # one triple, twice
    assert insert_bound(two) == len(two) // 2
    assert insert_bound("INSERT { ?s <http://x/b> 1 } WHERE { ?s ?p ?o }") is None
    assert insert_bound("COPY <http://x/g> TO <http://x/h>") is None
    # operation by operation: a DELETE WHERE's variables add nothing
    ingest = ("DROP SILENT GRAPH <http://x/g> ;\nDELETE WHERE { GRAPH <http://x/p> { <http://x/g> "
              "?p ?o } } ;\nINSERT DATA { GRAPH <http://x/g> { <http://x/a> <http://x/b> 1 } }")
    last = ingest[ingest.rindex("INSERT"):]
    assert insert_bound(ingest) == len(last) // 2
    assert insert_bound("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }") is None
    assert insert_bound("INSERT DATA { <http://x/a> <http://x/b> 1 } ; INSERT { ?s <http://x/b> "
                        "2 } WHERE { ?s ?p ?o }") is None
    semi = "INSERT DATA { <http://x/a> <http://x/b> 1 ; <http://x/c> 2 }"  # not an operation end
    assert insert_bound(semi) == len(semi) // 2
    assert insert_bound("INSERT DATA { <http://x/a> <http://x/b> '?v' }") is not None


def test_concatenated_columns() -> None:
    """The columns a query binds to a GROUP_CONCAT, with their separators, read from tokens:
    strings, comments and IRIs holding the words or brackets change nothing."""
    from wsis_kg.sparql.lexer import concatenated_columns

    q = ('SELECT ?e (GROUP_CONCAT(DISTINCT ?o; separator=", ") AS ?orgs)\n'
         '  (group_concat(?t) as $titles) # (GROUP_CONCAT(?x) AS ?commented)\n'
         '  (GROUP_CONCAT(CONCAT(STR(?a), ")"); SEPARATOR = "\\t|") AS ?nested)\n'
         '  (COUNT(?o) AS ?n) ("GROUP_CONCAT(?y) AS ?z" AS ?s)\n'
         'WHERE { ?e <http://x/GROUP_CONCAT(> ?o } GROUP BY ?e')
    assert concatenated_columns(q) == {"orgs": ", ", "titles": " ", "nested": "\t|"}
    assert concatenated_columns("SELECT * { ?s ?p ?o }") == {}
    assert concatenated_columns("SELECT (GROUP_CONCAT(?o) AS") == {}  # cut short: nothing


def test_gaps_without_comments() -> None:
    """A comment is whitespace to the grammar: left out of the gaps on request, and nothing in
    a string or IRI is taken for one."""
    from wsis_kg.sparql.lexer import gaps, tokenize

    q = 'SELECT # c { }\n* { <http://x/#a> ?p "#b" } # end'
    toks = tokenize(q)
    assert gaps(q, toks)[1] == "# c { }\n*"
    assert gaps(q, toks, comments=False) == ("", "*", "", "", "", "", "")
