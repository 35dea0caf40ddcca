"""Dumps are generated in a killable job: a hostile graph cannot pin or crash the server.

Findings: after a token holder wrote a 90-triple blank-node clique, the canonical dump pinned a
CPU with /health silent; a 3,000-deep blank-node chain crashed the serving process (canonical
labelling recursed past the stack). Now the dump is made in a child stopped at
``job_timeout``; a dump that could not be made is remembered for the store generation (one job,
not one per request), and a write makes it be tried again.
"""

from __future__ import annotations

import time

import pytest

from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import close_app, create_app
from wsis_kg.web.extension import EXTENSION_KEY

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

EX = "http://example.org/"


def _clique(n: int = 10) -> str:
    """n blank nodes each linked to every other: n(n-1) triples (90 for 10)."""
    return "INSERT DATA { " + " ".join(
        f"_:b{i} <{EX}p> _:b{j} ." for i in range(n) for j in range(n) if i != j) + " }"


def _chain(n: int = 3000) -> str:
    return "INSERT DATA { " + " ".join(f"_:c{i} <{EX}p> _:c{i + 1} ." for i in range(n)) + " }"


@pytest.fixture()
def app():
    settings = Settings(build_on_start=False, job_timeout=1.0)
    app = create_app(settings, store=OxigraphStore())
    yield app
    close_app(app)


@pytest.mark.parametrize("hostile", [_clique(), _chain()], ids=["clique", "chain"])
def test_a_hostile_graph_cannot_pin_the_server_through_its_dump(app, hostile: str) -> None:
    queries = app.extensions[EXTENSION_KEY].queries
    queries.update(hostile)
    client = app.test_client()
    t0 = time.monotonic()
    r = client.get("/dumps/wsis-kg.nq")
    assert r.status_code == 503, r.get_data(as_text=True)[:300]
    assert r.json["killed"] in ("time", "memory", "crash")
    assert time.monotonic() - t0 < 4
    t0 = time.monotonic()
    assert client.get("/health").status_code == 200  # the server is alive and answering
    again = client.get("/dumps/wsis-kg.nq")  # remembered for this generation: no new job
    assert again.status_code == 503 and time.monotonic() - t0 < 0.5
    assert queries.jobs.stats.run == 1


def test_a_dump_is_made_once_per_generation_in_a_job(app) -> None:
    queries = app.extensions[EXTENSION_KEY].queries
    queries.update(f"INSERT DATA {{ <{EX}a> <{EX}p> _:x . _:x <{EX}p> \"v\" }}")
    client = app.test_client()
    first = client.get("/dumps/wsis-kg.nq")
    assert first.status_code == 200 and first.data.count(b"\n") == 2
    assert client.get("/dumps/wsis-kg.nq").data == first.data
    assert queries.jobs.stats.run == 1
    queries.update(f"INSERT DATA {{ <{EX}b> <{EX}p> \"w\" }}")
    assert client.get("/dumps/wsis-kg.nq").data.count(b"\n") == 3
    assert queries.jobs.stats.run == 2
