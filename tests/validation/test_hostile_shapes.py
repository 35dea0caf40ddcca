"""Caller-supplied SHACL shapes on the open Internet: SPARQL, owl:imports, odd IRIs, threads.

rdflib evaluates the SPARQL of SHACL-SPARQL shapes with no allow-list (SERVICE and ``FROM``
reach the network and ``file:`` URLs), so such shapes run only for callers with a write token,
and only when their text holds no SERVICE, LOAD or FROM. A listener on 127.0.0.1
(``Tripwire``) must receive nothing, and a ``file:`` secret must never appear in an answer.
"""

from __future__ import annotations

import secrets
import threading
from pathlib import Path

import pytest

from wsis_kg.errors import Forbidden, ForbiddenService
from wsis_kg.graph.build import build
from wsis_kg.rdf.parse import RDFLIB_LOCK, format_from_name, parse_bytes
from wsis_kg.settings import Settings
from wsis_kg.sparql import guard
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.testing import Tripwire
from wsis_kg.validation.validate import validate_with_shapes
from wsis_kg.web import create_app

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "validate" / "project"
TTL = format_from_name("turtle")
AUTH = {"Authorization": "Bearer tok"}
DATA = '<http://example.org/a> <http://example.org/p> "x" .\n'
HEAD = ("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n")


def sparql_shapes(url: str) -> dict[str, str]:
    """One shapes document per SPARQL-based construct, each with a SERVICE call to ``url``."""
    remote = f"SERVICE <{url}/sparql> {{ ?s ?p ?o }}"
    node = "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
    return {k: HEAD + v for k, v in {
        "sh:select": node + f'sh:sparql [ sh:select "SELECT $this WHERE {{ {remote} }}" ] .',
        "sh:SPARQLTarget": (
            "ex:S a sh:NodeShape ; sh:nodeKind sh:IRI ; sh:target [ a sh:SPARQLTarget ; "
            f'sh:select "SELECT ?this WHERE {{ {remote} BIND(?s AS ?this) }}" ] .'),
        "sh:SPARQLRule": node + (
            "sh:rule [ a sh:SPARQLRule ; "
            f'sh:construct "CONSTRUCT {{ $this ex:q ?o }} WHERE {{ {remote} }}" ] .'),
        "sh:SPARQLAskValidator": (
            "ex:CC a sh:ConstraintComponent ; sh:parameter [ sh:path ex:param ] ; "
            "sh:validator ex:V .\n"
            f'ex:V a sh:SPARQLAskValidator ; sh:ask "ASK {{ {remote} }}" .\n'
            "ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:param true ."),
    }.items()}


#: A SHACL-SPARQL constraint that reads only the data: ex:a has the value "x", a violation.
LOCAL_SPARQL = HEAD + (
    'ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:message "no x" ; sh:select '
    '"SELECT $this ?value WHERE { $this <http://example.org/p> ?value . '
    'FILTER(?value = \\"x\\") }" ] .')


@pytest.fixture(scope="module")
def sclient():
    # jobs=8: eight validations at once all run (by default two run and the rest get 503 busy,
    # tests/validation/test_bounded_jobs.py), so concurrency itself is what these tests see.
    settings = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"},
                        jobs=8)
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    return create_app(settings, store=store).test_client()


@pytest.fixture()
def secret_file(tmp_path: Path) -> tuple[Path, str]:
    secret = "wsis-secret-" + secrets.token_hex(8)
    path = tmp_path / "secret.ttl"
    path.write_text(f'<http://example.org/leak> <http://example.org/p> "{secret}" .\n')
    return path, secret


def post(client, shapes: str, data: str = DATA, headers: dict | None = None):
    return client.post("/validate", data={"data": data, "shapes": shapes},
                       content_type="multipart/form-data",
                       headers={"Accept": "application/json", **(headers or {})})


def test_anonymous_sparql_shapes_are_refused_naming_the_construct(sclient) -> None:
    """The server ran them: SERVICE through rdflib reached past the allow-list."""
    with Tripwire() as wire:
        for construct, shapes in sparql_shapes(wire.url).items():
            resp = post(sclient, shapes)
            assert resp.status_code == 403, (construct, resp.get_data(as_text=True)[:300])
            problem = resp.get_json()
            assert problem["type"].endswith("/forbidden")
            assert construct in problem["detail"] and "write token" in problem["detail"]
            assert construct in problem["constructs"]
    assert wire.hits == []


def test_with_a_token_sparql_runs_only_without_service_or_from(sclient, secret_file) -> None:
    path, secret = secret_file
    with Tripwire() as wire:
        for construct, shapes in sparql_shapes(wire.url).items():
            resp = post(sclient, shapes, headers=AUTH)
            assert resp.status_code == 403, (construct, resp.get_data(as_text=True)[:300])
            problem = resp.get_json()
            assert problem["type"].endswith("/service-not-allowed")
            assert "SERVICE or LOAD" in problem["detail"]
        for dataset in (f"FROM <{path.as_uri()}>", f"FROM NAMED <{wire.url}/g>"):
            shapes = HEAD + ("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:select "
                             f'"SELECT $this ?value {dataset} WHERE {{ ?s ?p ?value }}" ] .')
            resp = post(sclient, shapes, headers=AUTH)
            assert resp.status_code == 403 and "FROM" in resp.get_json()["detail"]
            assert secret not in resp.get_data(as_text=True)
    assert wire.hits == []


def test_escapes_and_glued_keywords_do_not_hide_service_or_from(sclient) -> None:
    """rdflib decodes ``\\u`` escapes in the whole query text before parsing, and reads
    ``FROM:g`` as ``FROM :g``: the scan reads the text as rdflib will."""
    with Tripwire() as wire:
        for query in (f"SELECT $this WHERE {{ \\\\u0053ERVICE <{wire.url}/s> {{ ?s ?p ?o }} }}",
                      f"SELECT $this \\\\u0046ROM <{wire.url}/f> WHERE {{ ?s ?p ?o }}",
                      "SELECT $this FROM:g WHERE { ?s ?p ?o }"):
            shapes = HEAD + (f"@prefix : <{wire.url}/> .\n"
                             "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
                             f'sh:sparql [ sh:select "{query}" ] .')
            resp = post(sclient, shapes, headers=AUTH)
            assert resp.status_code == 403, (query, resp.get_data(as_text=True)[:300])
            assert resp.get_json()["type"].endswith("/service-not-allowed")
    assert wire.hits == []


def test_with_a_token_local_sparql_gives_the_right_report(sclient) -> None:
    resp = post(sclient, LOCAL_SPARQL, headers=AUTH)
    assert resp.status_code == 200
    report = resp.get_json()
    assert (report["conforms"], report["violations"]) == (False, 1)
    assert report["results"][0]["focusNode"] == "http://example.org/a"
    assert report["results"][0]["message"] == "no x"


def test_an_unknown_token_is_refused(sclient) -> None:
    resp = post(sclient, LOCAL_SPARQL, headers={"Authorization": "Bearer nope"})
    assert resp.status_code == 403 and "not valid" in resp.get_json()["detail"]


def test_prefix_declarations_cannot_inject_sparql(sclient) -> None:
    """pyshacl pastes sh:namespace into ``PREFIX p: <…>``: a value that closes the IRI could
    add a SERVICE that no single text shows."""
    with Tripwire() as wire:
        injected = f"http://example.org/> SELECT * {{ SERVICE <{wire.url}> {{ ?s ?p ?o }} }} #"
        shapes = HEAD + (
            f'ex: sh:declare [ sh:prefix "ex" ; sh:namespace "{injected}" ] .\n'
            "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [ sh:prefixes ex: ; "
            'sh:select "SELECT $this WHERE { $this ex:p ?v . FILTER(false) }" ] .')
        resp = post(sclient, shapes, headers=AUTH)
        assert resp.status_code == 400 and "sh:namespace" in resp.get_json()["detail"]
    assert wire.hits == []


def test_core_shapes_with_prefix_declarations_need_no_token(sclient) -> None:
    shapes = HEAD + ('ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/" ] .\n'
                     "ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
                     "sh:property [ sh:path ex:p ; sh:datatype <http://example.org/T> ] .")
    resp = post(sclient, shapes)
    assert resp.status_code == 200 and resp.get_json()["violations"] == 1


def test_python_api_applies_the_same_rule() -> None:
    data = parse_bytes(DATA, TTL)
    with Tripwire() as wire:
        for construct, text in sparql_shapes(wire.url).items():
            shapes = parse_bytes(text, TTL)
            with pytest.raises(Forbidden) as e:
                validate_with_shapes([data], shapes, allow_sparql=False)
            assert construct in e.value.detail
            with pytest.raises(ForbiddenService):
                validate_with_shapes([data], shapes)  # trusted callers: still no SERVICE
    assert wire.hits == []
    report = validate_with_shapes([data], parse_bytes(LOCAL_SPARQL, TTL))
    assert report.violations == 1


def test_owl_imports_are_never_followed(sclient, secret_file) -> None:
    path, secret = secret_file
    with Tripwire() as wire:
        imports = f"<{wire.url}/shapes.ttl>, <{path.as_uri()}>"
        shapes = HEAD + (f"<http://example.org/shapes> owl:imports {imports} .\n"
                         "ex:S a sh:NodeShape ; sh:targetNode ex:leak ; "
                         "sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
        data = DATA + f"<http://example.org/data> owl:imports {imports} ."
        resp = post(sclient, shapes, data=HEAD + data)
        assert resp.status_code == 200
        assert resp.get_json()["violations"] == 1  # ex:leak has no ex:p: nothing was imported
        assert secret not in resp.get_data(as_text=True)
    assert wire.hits == []


def test_an_iri_that_looks_like_a_curie_is_validated_as_itself(sclient) -> None:
    """``<ex:a>`` gave 500 (pyshacl read focus IRIs as CURIEs); ``<wsis:x>`` names a node of
    its own, not the expansion of the project prefix wsis:."""
    for iri in ("ex:a", "wsis:x"):
        resp = sclient.post("/validate", content_type="text/turtle",
                            data=f"<{iri}> a <https://w3id.org/wsis-kg/def/Resolution> .",
                            headers={"Accept": "application/json"})
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        report = resp.get_json()
        assert report["violations"] == 2
        assert {r["focusNode"] for r in report["results"]} == {iri}


def _concurrently(n: int, work) -> list:
    results: list = [None] * n

    def run(i: int) -> None:
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_concurrent_validations_with_sparql_shapes_all_answer(sclient) -> None:
    """rdflib's SPARQL parser shared by threads: 8 concurrent requests answered 500."""
    def work(i: int):
        # distinct texts, with enough grammar (OPTIONAL, && ||, functions) to be parsed at once
        shapes = HEAD + (
            f'ex:S a sh:NodeShape ; sh:targetNode ex:a{i} ; sh:sparql [ sh:message "no x {i}" ; '
            'sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value . '
            'OPTIONAL { ?value ?q ?r } FILTER(?value = \\"x\\" && STRLEN(STR(?value)) < '
            f'{i + 2} || REGEX(STR(?value), \\"^y{i}$\\")) }}" ] .')
        resp = post(sclient, shapes, data=DATA.replace("/a>", f"/a{i}>"), headers=AUTH)
        return resp.status_code, resp.get_json()

    for i, (status, report) in enumerate(_concurrently(8, work)):
        assert status == 200, report
        assert report["violations"] == 1
        assert report["results"][0]["focusNode"] == f"http://example.org/a{i}"
        assert report["results"][0]["message"] == f"no x {i}"


def test_concurrent_validations_with_the_project_shapes_all_answer(sclient) -> None:
    bad = (Path(__file__).resolve().parents[1] / "fixtures" / "validate" / "inputs"
           / "bad.ttl").read_bytes()

    def work(_i: int):
        resp = sclient.post("/validate", data=bad, content_type="text/turtle",
                            headers={"Accept": "application/json"})
        return resp.status_code, resp.get_data()

    alone = work(0)
    assert alone[0] == 200
    assert _concurrently(8, work) == [alone] * 8


def test_the_guard_parses_under_the_one_rdflib_lock() -> None:
    """The guard had a lock of its own: its rdflib parse could run beside pyshacl's."""
    done: list = []
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    with RDFLIB_LOCK:
        worker = threading.Thread(target=lambda: done.append(guard.remote_calls(query)))
        worker.start()
        worker.join(0.5)
        assert worker.is_alive() and not done  # waiting for the lock
    worker.join(10)
    assert done and done[0][0].target == "http://example.org/sparql"
