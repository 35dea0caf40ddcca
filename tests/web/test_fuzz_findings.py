"""Reproducers of what the fuzz tests found (test_fuzz.py), one small test each.

A finding whose fix belongs to a module another engineer owns is marked
``xfail(strict=True)`` with the finding as its reason, and listed in
``fuzz_inputs.KNOWN_FINDINGS`` so the fuzz runs count it instead of failing: when the fix lands
the test XPASSes, the run fails, and that says to remove the mark and the entry. Without a mark
the test is the finding's regression test (the fix landed).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fuzz_inputs import (
    AUTH,
    JOB_TIMEOUT,
    MAX_BODY,
    QUERY_TIMEOUT,
    TOKEN,
    Answer,
    known_finding,
    problem_with_answer,
)

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

ROOT = Path(__file__).resolve().parents[2]

#: Nesting depth of group graph patterns that overflows Oxigraph's recursive SPARQL parser
#: (2000 still parses; 2500 does not), in a query process or in the serving process.
DEPTH = 3000


def nested_groups(depth: int = DEPTH) -> str:
    return "{ " * depth + "}" * depth


@pytest.fixture(scope="module")
def findings_client():
    s = Settings(project_root=ROOT, build_on_start=False, tokens={TOKEN: "fuzzer"},
                 max_body_bytes=MAX_BODY, query_timeout=QUERY_TIMEOUT, job_timeout=JOB_TIMEOUT)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    app = create_app(s, store=store)
    yield app.test_client()
    close_app(app)


def test_deeply_nested_query_is_a_client_error(findings_client) -> None:
    """Found in-process: ``GET /sparql`` with 2,500+ nested group patterns killed the query
    worker (Oxigraph's parser overflowed its stack): 502 store-error. Fixed on main (SPARQL
    nested deeper than WSIS_KG_MAX_NESTING is a 400)."""
    resp = findings_client.get("/sparql?query=" + quote("ASK " + nested_groups()))
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]


def test_deeply_nested_query_by_post_is_a_client_error(findings_client) -> None:
    """As above, by ``POST`` (``application/sparql-query``); under granian from ≈1,700 nested
    collections or ``OPTIONAL { SELECT … }`` already."""
    resp = findings_client.post("/sparql", data=("ASK " + nested_groups()).encode(),
                                headers={"Content-Type": "application/sparql-query"})
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]


#: Run in a child process: the crash takes the whole interpreter with it (SIGSEGV).
UPDATE_CHILD = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(Path(__file__).parent)!r})
    from test_fuzz_findings import crash_update
    print(crash_update())
""")


def crash_update() -> int:
    """The status of the nested update, sent to an app in this process."""
    s = Settings(project_root=ROOT, build_on_start=False, tokens={TOKEN: "fuzzer"})
    store = OxigraphStore()
    app = create_app(s, store=store)
    try:
        update = "INSERT { <http://e/s> <http://e/p> 1 } WHERE " + nested_groups()
        resp = app.test_client().post("/sparql/update", data=update.encode(), headers={
            "Content-Type": "application/sparql-update", AUTH[0]: AUTH[1]})
        return resp.status_code
    finally:
        close_app(app)


@pytest.mark.slow
def test_deeply_nested_update_does_not_kill_the_server() -> None:
    """Found in-process: ``POST /sparql/update`` (a valid token) ``INSERT {…} WHERE`` with
    3,000 nested group patterns (2,000 worked) overflowed the stack of the SERVING process:
    SIGSEGV, the whole server gone. Fixed on main (400 above WSIS_KG_MAX_NESTING)."""
    child = subprocess.run([sys.executable, "-c", UPDATE_CHILD], capture_output=True, text=True,
                           timeout=120, cwd=ROOT)
    assert child.returncode == 0, f"the server process died: exit {child.returncode}"
    status = int(child.stdout.split()[-1])
    assert status < 500, status


#: A blank-node clique of 8 nodes (64 triples, 2 KB): canonicalising it takes ≈16 s
#: (9 nodes: minutes); the fuzzer wrote one of 70.
CLIQUE = "".join(f"_:b{i} <http://example.org/p> _:b{j} .\n" for i in range(8) for j in range(8))

DUMP_CHILD = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(Path(__file__).parent)!r})
    from test_fuzz_findings import dump_after_clique
    print(*dump_after_clique())
""")


def dump_after_clique() -> tuple[int, float]:
    """PUT the clique (a valid token), then GET the N-Quads dump: its status and seconds."""
    s = Settings(project_root=ROOT, build_on_start=False, tokens={TOKEN: "fuzzer"},
                 job_timeout=JOB_TIMEOUT)
    app = create_app(s, store=OxigraphStore())
    try:
        client = app.test_client()
        put = client.put("/rdf-graphs/service?graph=http://example.org/clique",
                         data=CLIQUE.encode(), headers={"Content-Type": "application/n-triples",
                                                        AUTH[0]: AUTH[1]})
        assert put.status_code in (201, 204), put.get_data(as_text=True)
        started = time.monotonic()
        status = client.get("/dumps/wsis-kg.nq").status_code
        return status, round(time.monotonic() - started, 2)
    finally:
        close_app(app)


@pytest.mark.slow
def test_a_dump_after_a_blank_node_clique_answers_in_time() -> None:
    """Found by the live fuzz run: ``GET /dumps/wsis-kg.nq`` after a token holder wrote a
    blank-node clique (8 nodes: ≈16 s; the fuzzer's 70: for ever) canonicalised it in the
    serving process holding the GIL: the whole server, /health included, stopped answering.
    Fixed on main (dumps are made in a killable job): with a 2 s job limit, a clear answer."""
    try:  # the child's start and app are not what is timed (slow on a busy machine)
        child = subprocess.run([sys.executable, "-c", DUMP_CHILD], capture_output=True,
                               text=True, timeout=120, cwd=ROOT)
    except subprocess.TimeoutExpired:
        pytest.fail("no answer within 120 s")
    assert child.returncode == 0, child.stderr[-2000:]
    status, seconds = child.stdout.split()[-2:]
    assert int(status) in (200, 503)
    assert float(seconds) < 8, f"the dump took {seconds} s"


def test_what_was_found_is_what_the_fuzz_rule_refuses() -> None:
    """The rule of test_fuzz refuses the 502 store-error of the nesting finding."""
    answer = Answer(502, "application/problem+json", b'{"type": "https://w3id.org/wsis-kg/'
                    b'problems/store-error", "status": 502, "detail": "The query worker '
                    b'stopped unexpectedly (out of memory?)."}')
    assert problem_with_answer(answer) is not None
    assert known_finding(answer) is None


# --------------------------------------------------------------------------------------------
# Fixed (in files of the fuzz part): plain regression tests
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["PUT", "POST"])
@pytest.mark.parametrize("rest", ["a%C2%82b", "a%3Eb", "x%3E%20%7D%20%3B%20DROP%20ALL"])
def test_a_direct_graph_url_that_is_no_iri_is_a_client_error(findings_client, method: str,
                                                             rest: str) -> None:
    """Found by the live fuzz run: ``PUT /rdf-graphs/service/<U+0082 or '>'…>`` (direct
    identification) answered 500: the request URL was used as the graph IRI unchecked and
    failed in the SPARQL text of the write. Now a 400, like ``?graph=`` with such a value."""
    resp = findings_client.open(f"/rdf-graphs/service/{rest}", method=method, data=b"",
                                headers={"Content-Type": "application/n-quads",
                                         AUTH[0]: AUTH[1]})
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["type"].endswith("/bad-request")


def test_a_limit_on_an_html_page_is_a_clear_answer() -> None:
    """Found by the long live run: a 503 for a client that prefers HTML (no Accept at the
    import form, ``Accept: text/html, …`` at a dump) is a page, whose limit the rule could not
    see. A page naming an allowed problem type (the error page and the import form show it) is
    a clear answer, and so is an empty HEAD page; a 503 page naming none is not."""
    page = (b"<!doctype html><p>The import did not finish within 2 s and was stopped.</p>"
            b'<a href="https://w3id.org/wsis-kg/problems/limit-exceeded">')
    assert problem_with_answer(Answer(503, "text/html; charset=utf-8", page)) is None
    assert problem_with_answer(Answer(503, "text/html; charset=utf-8", b"")) is None
    assert problem_with_answer(Answer(503, "text/html", b"<p>Service Unavailable</p>"))
    internal = b'<a href="https://w3id.org/wsis-kg/problems/internal">'
    assert problem_with_answer(Answer(503, "text/html", internal))
    assert problem_with_answer(Answer(500, "text/html", page))


def test_the_import_form_at_its_limit_names_the_problem() -> None:
    """Found by the long live run (``POST /import``, a form without Accept, 2 s job limit on a
    busy machine): 503 with the import page, which named no problem type. It names it now."""
    s = Settings(project_root=ROOT, build_on_start=False, job_timeout=0.001)
    app = create_app(s, store=OxigraphStore())
    try:
        r = app.test_client().post("/import", data={"text": "Resolution 1. The Assembly."},
                                   content_type="application/x-www-form-urlencoded")
    finally:
        close_app(app)
    answer = Answer(r.status_code, r.headers.get("Content-Type", ""), r.get_data())
    assert r.status_code == 503 and r.mimetype == "text/html", r.status_code
    assert b"https://w3id.org/wsis-kg/problems/" in answer.body
    assert problem_with_answer(answer) is None
