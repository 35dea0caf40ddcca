"""SPARQL nested deeper than ``WSIS_KG_MAX_NESTING`` is refused before any parser sees it.

Finding: pyoxigraph's SPARQL parser overflows its native stack at about 10,000 nested brackets
(20 KB of text). A query only lost its query process (503), but an update is parsed in the
serving process, which died with it.
"""

from __future__ import annotations

import multiprocessing as mp

import pytest

from wsis_kg.settings import Settings
from wsis_kg.sparql.lexer import nesting_depth
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app

DEEP = 20_000
DEEP_UPDATE = "INSERT DATA { " + "{" * DEEP + "}" * DEEP + " }"
DEEP_QUERY = "SELECT * WHERE " + "{" * DEEP + "}" * DEEP


def test_brackets_inside_strings_iris_and_comments_do_not_count() -> None:
    text = 'SELECT * { ?s ?p "{{{{(((" . ?s ?p <http://x/((((> # {{{{{{\n FILTER((1)) }'
    assert nesting_depth(text, 3) is None
    assert nesting_depth("SELECT * { { { { ?s ?p ?o } } } }", 3) == 15


def _update_in_a_child(out) -> None:
    settings = Settings(build_on_start=False, tokens={"tok": "editor"})
    app = create_app(settings, store=OxigraphStore())
    try:
        r = app.test_client().post("/sparql/update", data={"update": DEEP_UPDATE},
                                   headers={"Authorization": "Bearer tok"})
        out.put((r.status_code, r.get_json()))
    finally:
        close_app(app)


def test_a_deep_update_is_a_400_not_a_dead_server() -> None:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=_update_in_a_child, args=(out,))
    child.start()
    child.join(60)
    assert child.exitcode == 0, f"the serving process died (exit {child.exitcode})"
    status, problem = out.get(timeout=5)
    assert status == 400
    assert "deeper than 256 levels" in problem["detail"] and problem["line"] == 1


@pytest.mark.parametrize("limit", [256, 64])
def test_a_deep_query_is_a_400_with_its_position(limit: int) -> None:
    settings = Settings(build_on_start=False, max_nesting=limit)
    app = create_app(settings, store=OxigraphStore())
    try:
        r = app.test_client().get("/sparql", query_string={"query": DEEP_QUERY},
                                  headers={"Accept": "application/json"})
    finally:
        close_app(app)
    assert r.status_code == 400
    assert r.get_json()["column"] == len("SELECT * WHERE ") + limit + 1
