"""Comunica 4 (from npm, ``node_modules/.bin``) against a live service, as docs/clients.md shows
it: with and without the ``sparql@`` prefix, federating the endpoint with a local file, and
following links from a resource document. Each run starts Node (≈1–3 s): slow tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / "node_modules" / ".bin"
ID = "https://w3id.org/wsis-kg/id/"
C7 = ID + "action-line/C7"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
LABEL_OF_C7 = f"SELECT ?label WHERE {{ <{C7}> <{SKOS_PREF}> ?label }}"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "comunica-sparql").exists(),
                       reason="Comunica is not installed (scripts/setup runs npm ci)"),
]


def comunica(tool: str, *args: str) -> list[dict]:
    """The bindings of a Comunica command line run (SPARQL JSON results); fails on an error."""
    run = subprocess.run([str(BIN / tool), *args, "-t", "application/sparql-results+json"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr + run.stdout
    return json.loads(run.stdout)["results"]["bindings"]


def test_with_the_sparql_prefix(live_server) -> None:
    rows = comunica("comunica-sparql", f"sparql@{live_server.url}/sparql", LABEL_OF_C7)
    assert len(rows) == 1
    # the language tag survives (docs/clients.md: the npm overrides of package.json)
    assert rows[0]["label"].get("xml:lang") == "en"


def test_without_the_prefix_the_service_description_names_the_query_endpoint(
        live_server) -> None:
    """Comunica reads the Service Description at ``/sparql`` and sends the query to the
    ``sd:endpoint`` it finds there: that must be the query endpoint (it was ``/sparql/update``,
    405)."""
    rows = comunica("comunica-sparql", f"{live_server.url}/sparql", LABEL_OF_C7)
    assert [r["label"]["value"] for r in rows] == [
        "ICT applications: benefits in all aspects of life"]


def test_federated_query_joins_the_endpoint_and_a_local_file(live_server, tmp_path) -> None:
    local = tmp_path / "notes.ttl"
    local.write_text(f'<{C7}> <http://example.org/note> "my note" .\n'
                     f'<{ID}action-line/C1> <http://example.org/note> "another" .\n',
                     encoding="utf-8")
    q = (f"SELECT ?line ?label ?note WHERE {{ ?line <http://example.org/note> ?note ; "
         f"<{SKOS_PREF}> ?label }} ORDER BY ?line")
    rows = comunica("comunica-sparql-file", f"sparql@{live_server.url}/sparql", str(local), q)
    got = [(r["line"]["value"], r["note"]["value"]) for r in rows]
    assert got == [(ID + "action-line/C1", "another"), (C7, "my note")]
    assert all(r["label"].get("xml:lang") == "en" for r in rows)


def test_link_following_finds_what_points_at_a_resource(live_server) -> None:
    """A resource's RDF includes the statements pointing at it: WHO's four facilitations,
    which its HTML page lists, are found by querying the document of ``/id/org/who``."""
    q = (f"SELECT DISTINCT ?f WHERE {{ ?f <https://w3id.org/wsis-kg/def/agent> "
         f"<{ID}org/who> }}")
    rows = comunica("comunica-sparql", f"{live_server.url}/id/org/who", q)
    assert len({r["f"]["value"] for r in rows}) == 4
