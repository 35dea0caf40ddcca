"""``wsis-kg validate`` and ``wsis-kg ingest`` through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from wsis_kg.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
PROJECT, INPUTS = FIXTURES / "project", FIXTURES / "inputs"
ENV = {"WSIS_KG_PROJECT_ROOT": str(PROJECT), "WSIS_KG_TOKENS": "editor:tok",
       "WSIS_KG_STORE": "memory"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=ENV)


@pytest.mark.parametrize("name", ["good.ttl", "good.trig", "good.nt", "good.nq", "good.jsonld",
                                  "good.rdf"])
def test_conforming_file_in_every_syntax_exits_0(name: str) -> None:
    result = run("validate", str(INPUTS / name))
    assert result.exit_code == 0, result.output
    assert "conforms: 0 violations, 0 warnings" in result.stdout


def test_violations_exit_1_with_a_report_grouped_by_focus_node() -> None:
    result = run("validate", str(INPUTS / "bad.ttl"))
    assert result.exit_code == 1
    out = result.stdout
    assert "5 violations, 1 warning" in out
    assert "<https://w3id.org/wsis-kg/id/resolution/E-RES-2099-1>\n  Violation wsis:adoptedBy" \
        in out
    assert "A facilitation concerns a known action line." in out


def test_unreadable_input_exits_2_with_line_and_column() -> None:
    result = run("validate", str(INPUTS / "good.ttl"), str(INPUTS / "syntax-error.ttl"))
    assert result.exit_code == 2
    assert f"{INPUTS / 'syntax-error.ttl'}:6:3:" in result.stderr
    assert "Traceback" not in result.output
    assert run("validate", str(INPUTS / "nope.ttl")).exit_code == 2


def test_input_format_flag(tmp_path: Path) -> None:
    odd = tmp_path / "resolution.txt"
    odd.write_bytes((INPUTS / "good.rdf").read_bytes())
    assert run("validate", str(odd)).exit_code == 2
    assert run("validate", "--input-format", "rdfxml", str(odd)).exit_code == 0


def test_warnings_fail_only_when_asked() -> None:
    assert run("validate", str(INPUTS / "warning-only.ttl")).exit_code == 0
    assert run("validate", "--fail-on-warning", str(INPUTS / "warning-only.ttl")).exit_code == 1


@pytest.mark.parametrize("fmt", ["turtle", "jsonld", "json", "html"])
def test_report_formats(fmt: str) -> None:
    result = run("validate", "--format", fmt, str(INPUTS / "bad.jsonld"))
    assert result.exit_code == 1
    out = result.stdout
    if fmt == "json":
        assert json.loads(out)["violations"] == 5
    elif fmt == "html":
        assert out.startswith("<!doctype html>") and "Does not conform" in out
    else:
        g = Graph().parse(data=out, format="turtle" if fmt == "turtle" else "json-ld")
        assert len(g) > 20


def test_caller_shapes() -> None:
    result = run("validate", "--shapes", str(INPUTS / "custom-shapes.ttl"),
                 str(INPUTS / "good.ttl"))
    assert result.exit_code == 1 and "Give the session number." in result.stdout


def test_ingest_into_a_store_directory(tmp_path: Path) -> None:
    store = tmp_path / "store"
    bad = run("ingest", "--store", str(store), "--token", "tok", str(INPUTS / "bad.ttl"))
    assert bad.exit_code == 1 and "nothing was written" in bad.stderr
    good = run("ingest", "--store", str(store), "--token", "tok", str(INPUTS / "good.ttl"))
    assert good.exit_code == 0, good.output
    assert "ingested 8 triples into <https://w3id.org/wsis-kg/graph/ingest/" in good.stdout
    assert run("ingest", "--store", str(store), "--token", "wrong",
               str(INPUTS / "good.ttl")).exit_code == 1
    query = run("query", "--store", str(store),
                "ASK { <https://w3id.org/wsis-kg/id/resolution/E-RES-2010-3> ?p ?o }")
    assert query.exit_code == 0 and "true" in query.stdout.lower(), query.output


def test_ingest_needs_a_persistent_store() -> None:
    assert run("ingest", "--token", "tok", str(INPUTS / "good.ttl")).exit_code == 2


def test_ingest_into_a_running_service() -> None:
    from wsis_kg.graph.build import build
    from wsis_kg.settings import Settings
    from wsis_kg.store.embedded import OxigraphStore
    from wsis_kg.testing import LiveServer
    from wsis_kg.web import create_app

    settings = Settings(project_root=PROJECT, build_on_start=False, tokens={"tok": "editor"})
    store = OxigraphStore()
    build(settings, store, check_shapes=False)
    with LiveServer(create_app(settings, store=store)) as srv:
        bad = run("ingest", "--store", srv.url, "--token", "tok", str(INPUTS / "bad.ttl"))
        assert bad.exit_code == 1 and "422" in bad.stderr
        assert "A facilitation concerns a known action line." in bad.stdout
        good = run("ingest", "--store", srv.url, "--token", "tok", str(INPUTS / "good.ttl"))
        assert good.exit_code == 0, good.output
    graphs = [g for g in store.named_graphs() if "/graph/ingest/" in g]
    assert len(graphs) == 1 and len(list(store.quads(graphs[0]))) == 8
