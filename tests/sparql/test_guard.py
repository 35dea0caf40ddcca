"""The SERVICE / LOAD guard: allow-list matching, LOAD SILENT, and requests rdflib cannot parse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wsis_kg.errors import ForbiddenService, QuerySyntaxError
from wsis_kg.settings import Settings
from wsis_kg.sparql.guard import check_remote_access, guard_update, remote_targets
from wsis_kg.sparql.service import QueryService
from wsis_kg.store.embedded import OxigraphStore

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow


@pytest.fixture()
def service() -> Iterator[QueryService]:
    """A query service on an empty store: the guard runs before anything reaches it."""
    svc = QueryService(Settings(build_on_start=False, query_timeout=1.0, workers=1),
                       OxigraphStore())
    yield svc
    svc.close()


def test_service_allowlist_and_false_alarms() -> None:
    check_remote_access("SELECT * { SERVICE <http://ok.example/sparql> { ?s ?p ?o } }",
                        ["http://ok.example/"])
    check_remote_access('SELECT * { ?s <http://x/service> "LOAD SERVICE" }', [])
    assert remote_targets("ASK {}") == []  # no parse at all without the keywords
    with pytest.raises(ForbiddenService):
        check_remote_access("LOAD <http://example.org/data.ttl>", [], update=True)
    with pytest.raises(ForbiddenService):
        check_remote_access("INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
                            [], update=True)
    with pytest.raises(ForbiddenService):  # unparsable for rdflib: targets from the tokens
        check_remote_access("SELECT * { SERVICE <http://x/> { ?s ?p } }", [])
    with pytest.raises(QuerySyntaxError):  # and no target to check: not run, 400
        check_remote_access("SELECT * { SERVICE { ?s ?p } }", [])


@pytest.mark.parametrize("target, allowed", [
    ("http://ok.example", True),
    ("http://ok.example/sparql", True),
    ("http://ok.example?query=x", True),
    ("http://ok.example#x", True),
    ("http://ok.example.evil.net/sparql", False),   # a longer host
    ("http://ok.example@evil.net/sparql", False),   # userinfo
    ("http://ok.example:8080/sparql", False),       # another port
    ("http://ok.examplex/", False),
])
def test_an_allowlist_entry_matches_only_at_a_url_boundary(target: str, allowed: bool) -> None:
    query = f"SELECT * {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
    if allowed:
        check_remote_access(query, ["http://ok.example"])
    else:
        with pytest.raises(ForbiddenService):
            check_remote_access(query, ["http://ok.example"])
    # An entry that ends with a separator is a plain prefix.
    check_remote_access("SELECT * { SERVICE <http://ok.example/sparql/a> { ?s ?p ?o } }",
                        ["http://ok.example/sparql/"])
    with pytest.raises(ForbiddenService):
        check_remote_access("SELECT * { SERVICE <http://ok.example/sparqlx> { ?s ?p ?o } }",
                            ["http://ok.example/sparql"])


def test_guard_update_rewrites_only_the_silent_loads() -> None:
    ok = "LOAD SILENT <http://ok.example/d.ttl>"
    assert guard_update(ok, ["http://ok.example/"]) == ok
    text = ('PREFIX e: <http://e/> INSERT DATA { <http://a> <http://b> "LOAD SILENT" } ;\n'
            "LOAD SILENT e:x INTO GRAPH e:g ; " + ok)
    assert guard_update(text, ["http://ok.example/"]) == (
        'PREFIX e: <http://e/> INSERT DATA { <http://a> <http://b> "LOAD SILENT" } ;\n'
        "INSERT DATA {} ; " + ok)
    assert guard_update(ok, []) == "INSERT DATA {}"
    with pytest.raises(ForbiddenService):  # SERVICE SILENT is not a LOAD: still refused
        guard_update("INSERT { ?s ?p ?o } WHERE { SERVICE SILENT <http://x/> { ?s ?p ?o } }",
                     [])
    with pytest.raises(ForbiddenService):
        guard_update("LOAD <http://ok.example/d.ttl> ; LOAD <http://x/>", ["http://ok.example/"])


# -- SERVICE / LOAD guard when rdflib cannot parse (nested SERVICE: RDFLib/rdflib#2136) -------

OK = "http://ok.example/"
NESTED = ("SELECT * WHERE {{ SERVICE {a} {{ ?s ?p ?o OPTIONAL {{ SERVICE {b} {{ ?s ?q ?r }} }} "
          "}} }}")


@pytest.mark.parametrize("sparql", [
    # long strings read as short ones would make the SERVICEs look like string content
    "SELECT * WHERE { BIND('''it's''' AS ?x) SERVICE <http://127.0.0.1:9/> "
    "{ SERVICE <http://127.0.0.1:9/> {?s ?p ?o} } FILTER(?x != 'y') }",
    'SELECT * WHERE { BIND("""say "hi" """ AS ?x) SERVICE <http://127.0.0.1:9/> '
    '{ SERVICE <http://127.0.0.1:9/> {?s ?p ?o} } FILTER(?x != "y") }',
    # rdflib expands \u escapes before parsing (Oxigraph does not): "\u0022" would open a
    # long string for rdflib and hide the SERVICE from it
    'SELECT * WHERE { BIND("\\u0022" AS ?x) SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } '
    'BIND("\\u0022" AS ?y) }',
    # Oxigraph reads a keyword glued to what follows (SERVICEex:a = SERVICE ex:a)
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { SERVICEex:a { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { ?s ?p 1SERVICE ex:a { ?s ?p ?o } }",
    "PREFIX SILENTex: <http://ok.example/> PREFIX ex: <http://127.0.0.1:9/> "
    "SELECT * WHERE { SERVICE SILENTex:a { ?s ?p ?o } }",
    "PREFIX ex: <http://127.0.0.1:9/> SELECT * WHERE { ?s ?p trueSERVICE ex:a { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> PREFIX service: <http://ok.example/> "
    "SELECT * WHERE { ?s ?p ?o service:x { ?s ?p ?o } }",
    # '<' can be less-than for Oxigraph: then '...' / # start a string / comment there
    "SELECT * WHERE { VALUES ?a {1} FILTER(?a<'x>?b') SERVICE <http://127.0.0.1:9/> "
    "{ SERVICE <http://127.0.0.1:9/> {?s ?p ?o} } FILTER(?a != '') }",
    "SELECT * WHERE { VALUES ?a {1} FILTER(?a<#>?b '''\n?a) SERVICE <http://127.0.0.1:9/> "
    "{ SERVICE <http://127.0.0.1:9/> {?s ?p ?o} }\n# '''\n}",
    # a comment ends at CR as well as LF
    "SELECT * WHERE { # c\rSERVICE <http://127.0.0.1:9/> { SERVICE <http://127.0.0.1:9/> "
    "{?s ?p ?o} } }",
    # a prefixed name may hide ' and # behind a backslash
    "PREFIX e: <http://e/> SELECT * WHERE { ?s ?p e:it\\'s SERVICE <http://127.0.0.1:9/> "
    "{ SERVICE <http://127.0.0.1:9/> {?s ?p ?o} } FILTER(?s != 'x') }",
])
def test_text_tricks_never_get_a_service_past_the_guard(service: QueryService,
                                                        sparql: str) -> None:
    with pytest.raises((ForbiddenService, QuerySyntaxError)):
        check_remote_access(sparql, [])
    with pytest.raises((ForbiddenService, QuerySyntaxError)):
        service.query(sparql)


def test_nested_service_targets_are_read_from_the_tokens() -> None:
    nested = NESTED.format(a=f"<{OK}one>", b=f"<{OK}two>")
    assert remote_targets(nested) is None  # rdflib cannot parse it (RDFLib/rdflib#2136)
    check_remote_access(nested, [OK])  # both allowed: passes
    with pytest.raises(ForbiddenService) as err:
        check_remote_access(NESTED.format(a=f"<{OK}one>", b="<http://127.0.0.1:9/>"), [OK])
    assert err.value.extensions["target"] == "http://127.0.0.1:9/"
    # a prefixed name resolves with the PREFIX declarations; SILENT is skipped
    check_remote_access(f"PREFIX ok: <{OK}> PREFIX x: <http://x/> "
                        + NESTED.format(a="ok:one", b="SILENT ok:two"), [OK])
    with pytest.raises(ForbiddenService):
        check_remote_access(f"PREFIX ok: <{OK}> PREFIX x: <http://x/> "
                            + NESTED.format(a="ok:one", b="SILENT x:two"), [OK])


@pytest.mark.parametrize(("a", "b", "error"), [
    ("<one>", f"<{OK}two>", QuerySyntaxError),         # relative IRI: unknown base
    ("ok:one", f"<{OK}two>", QuerySyntaxError),        # undeclared prefix
    (f"<{OK}one>", "?endpoint", ForbiddenService),     # variable endpoint
    (f"<{OK}one>", "", QuerySyntaxError),              # no target at all
])
def test_nested_service_targets_that_cannot_be_checked(a: str, b: str, error: type) -> None:
    with pytest.raises(error) as err:
        check_remote_access(NESTED.format(a=a, b=b), [OK])
    if error is QuerySyntaxError:
        assert err.value.extensions["line"] == 1 and err.value.extensions["column"] > 1


def test_only_keyword_tokens_count_when_rdflib_cannot_parse() -> None:
    """SERVICE/LOAD inside strings, comments, IRIs, variables and prefixed names is no call."""
    decoys = ("PREFIX ex: <http://ex/> PREFIX downloads: <http://dl/> "
              "SELECT ?service WHERE { ?service ex:service downloads:load ; "
              "<http://x/SERVICE/load> 'SERVICE <http://a/>' , '''LOAD\n<http://b/>''' , "
              '"service" , """it\'s "LOAD" <http://c/>""" # SERVICE <http://d/> { }\n')
    nested = decoys + NESTED.format(a=f"<{OK}one>", b=f"<{OK}two>")[17:]
    assert remote_targets(nested) is None
    check_remote_access(nested, [OK])
    from wsis_kg.sparql.guard import _token_calls
    assert [c.target for c in _token_calls(nested, update=False)] == [f"{OK}one", f"{OK}two"]


def test_load_in_an_update_rdflib_cannot_parse() -> None:
    update = ("LOAD SILENT <http://127.0.0.1:9/a.ttl> ;\n"
              "INSERT { ?s ?p ?o } WHERE { " + NESTED.format(a=f"<{OK}one>",
                                                           b=f"<{OK}two>")[17:] + " }")
    assert remote_targets(update, update=True) is None
    assert guard_update(update, [OK]) == "INSERT DATA {} ;\n" + update.split(";\n", 1)[1]
    with pytest.raises(ForbiddenService):
        guard_update(update.replace("SILENT ", ""), [OK])
    with pytest.raises(ForbiddenService):
        check_remote_access(update, [OK], update=True)


def test_tokens_overrule_rdflib_when_it_reads_fewer_calls(monkeypatch) -> None:
    """Had rdflib read another text than Oxigraph (as with its \\u pre-expansion), the
    keywords in the token stream still count."""
    import wsis_kg.sparql.guard as q

    monkeypatch.setattr(q, "remote_calls", lambda sparql, update=False: [])
    with pytest.raises(ForbiddenService):
        check_remote_access("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", [])
    check_remote_access("SELECT * { ?s ?p 'SERVICE <http://x/> { }' }", [])
