"""``wsis-kg query``: table output, formats, query files, errors; ``wsis-kg serve`` options."""

from __future__ import annotations

import json

import pyoxigraph as ox
from click.testing import CliRunner

from wsis_kg.cli import cli
from wsis_kg.settings import Settings

ITU = "<https://w3id.org/wsis-kg/id/org/itu>"


def _settings(settings: Settings) -> dict:
    return {"WSIS_KG_PROJECT_ROOT": str(settings.project_root)}


def invoke(settings: Settings, *args: str):
    return CliRunner(env=_settings(settings)).invoke(cli, ["query", "--no-reason", *args])


def test_table_with_project_prefixes(settings: Settings) -> None:
    r = invoke(settings, f"SELECT ?o WHERE {{ {ITU} a ?o }} ORDER BY ?o LIMIT 2")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].strip() == "o" and set(lines[1]) == {"-"}
    assert lines[-1] in ("(1 row)", "(2 rows)")
    assert any(line.startswith(("wsis:", "org:", "foaf:")) for line in lines[2:-1])


def test_ask_and_construct(settings: Settings) -> None:
    r = invoke(settings, f"ASK {{ {ITU} ?p ?o }}")
    assert r.stdout.strip() == "true"
    r = invoke(settings, f"CONSTRUCT {{ {ITU} ?p ?o }} WHERE {{ {ITU} ?p ?o }}")
    triples = list(ox.parse(r.stdout.encode(), ox.RdfFormat.TURTLE))
    assert triples and triples[0].subject.value.endswith("/id/org/itu")


def test_formats(settings: Settings) -> None:
    r = invoke(settings, "--format", "json", "SELECT (1 AS ?x) {}")
    assert json.loads(r.stdout)["results"]["bindings"][0]["x"]["value"] == "1"
    r = invoke(settings, "--format", "csv", "SELECT (1 AS ?x) {}")
    assert r.stdout.split() == ["x", "1"]
    r = invoke(settings, "--format", "nt", f"DESCRIBE {ITU}")
    assert r.exit_code == 0 and list(ox.parse(r.stdout.encode(), ox.RdfFormat.N_TRIPLES))


def test_query_file(settings: Settings, tmp_path) -> None:
    f = tmp_path / "q.rq"
    f.write_text("# title: test\nSELECT (2 AS ?two) {}\n", encoding="utf-8")
    r = invoke(settings, "--format", "tsv", str(f))
    assert r.stdout.split() == ["?two", "2"]
    r = invoke(settings, str(tmp_path / "missing.rq"))
    assert r.exit_code == 2 and "no such query file" in r.output


def test_syntax_error_is_one_clear_line(settings: Settings) -> None:
    r = invoke(settings, "SELECT * WHERE {\n ?s ?p }")
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1].startswith("error: SPARQL query syntax error at line 2")
    assert "Traceback" not in r.output


def test_store_option_uses_an_existing_store(settings: Settings, tmp_path) -> None:
    from wsis_kg.store.embedded import OxigraphStore

    st = OxigraphStore(tmp_path / "db")
    st.load(b"<http://e/a> <http://e/p> 1 .", ox.RdfFormat.TURTLE, "http://e/g")
    st.close()
    del st
    r = invoke(settings, "--store", str(tmp_path / "db"), "--format", "csv",
               "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == ["n", "1"]


def test_serve_options() -> None:
    from wsis_kg.cli.serve import gunicorn_options

    opts = gunicorn_options(Settings(host="127.0.0.1", port=9999, workers=3, query_timeout=10))
    assert opts["bind"] == "127.0.0.1:9999"
    assert opts["workers"] == 1 and opts["worker_class"] == "gthread"
    assert opts["threads"] >= 4 and opts["timeout"] > 10 and opts["preload_app"] is False
    assert opts["accesslog"] is None  # the app writes the access log (JSON lines), when asked
    assert opts["graceful_timeout"] > 10  # an in-flight query may finish after SIGTERM
