"""Errors raised inside a query process keep their class and HTTP status."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from wsis_kg.errors import ResolutionImportError, WsisError, error_name, rebuild_error
from wsis_kg.settings import Settings
from wsis_kg.sparql import pool
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app


class TeapotError(WsisError):
    """An error class outside errors.py whose constructor wants other arguments."""

    status, slug = 418, "teapot"

    def __init__(self, pot: int) -> None:
        super().__init__(f"pot {pot}", pot=pot)


@pytest.mark.parametrize("err", [ResolutionImportError("no such row", row=3), TeapotError(7)])
def test_an_error_round_trips_with_its_class_and_status(err: WsisError) -> None:
    back = rebuild_error(error_name(err), err.detail, err.extensions)
    assert type(back) is type(err) and back.status == err.status
    assert back.detail == err.detail and back.extensions == err.extensions


def test_a_4xx_error_in_a_query_process_is_not_a_502(monkeypatch) -> None:
    def refuse(store, req, limit):
        raise ResolutionImportError("the import refused the query", row=1)

    monkeypatch.setattr(pool, "evaluate", refuse)  # before the fork: the process inherits it
    store = OxigraphStore()
    store.load(b"<http://e/a> <http://e/p> 1 .", ox.RdfFormat.TURTLE, "http://e/g")
    app = create_app(Settings(build_on_start=False, workers=1), store=store)
    try:
        # FILTER: not a bounded read, so a query process answers (wsis_kg.sparql.bounded)
        resp = app.test_client().get("/sparql",
                                     query_string={"query": "ASK { ?s ?p ?o FILTER(true) }"})
        assert resp.status_code == 400, resp.get_data(as_text=True)
        assert resp.get_json()["row"] == 1
    finally:
        close_app(app)
