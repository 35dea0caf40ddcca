"""``wsis-kg import-resolution`` through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from wsis_kg.cli import cli
from wsis_kg.extraction.extract import source

ROOT = Path(__file__).resolve().parents[3]
FIX = ROOT / "tests" / "fixtures" / "importer"
ECOSOC = ROOT / source("E-RES-2009-7").source_file
GA = ROOT / source("A-RES-66-184").source_file


def run(*args: str):
    return CliRunner().invoke(cli, ["import-resolution", *args])


def test_help() -> None:
    r = run("--help")
    assert r.exit_code == 0
    for opt in ("--symbol", "--date", "--format", "--output", "--validate"):
        assert opt in r.output


@pytest.mark.parametrize(("path", "extra", "slug"), [(ECOSOC, (), "E-RES-2009-7"),
                                                     (GA, ("--symbol", "A/RES/66/184"),
                                                      "A-RES-66-184")])
def test_seed_import_equals_extracted(path: Path, extra: tuple[str, ...], slug: str) -> None:
    r = run(str(path), *extra)
    assert r.exit_code == 0, r.stderr
    out = Graph().parse(data=r.stdout, format="turtle")
    committed = Graph().parse(ROOT / "data" / "extracted" / f"{slug}.ttl")
    assert isomorphic(out, committed)
    assert r.stdout.startswith(f"# graph: <https://w3id.org/wsis-kg/graph/{slug}>")
    assert "preambular paragraphs" in r.stderr and "footnotes" in r.stderr


def test_report_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "ga.ttl"
    r = run(str(GA), "--symbol", "A/RES/66/184", "-o", str(out))
    assert r.exit_code == 0
    assert r.stdout == ""
    assert "30 preambular paragraphs, 21 operative paragraphs" in r.stderr
    assert "11 footnotes" in r.stderr
    assert "'Sresses', read as 'Stresses'" in r.stderr
    assert len(Graph().parse(out)) > 500


def test_synthetic_validation_explains_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "syn.ttl"
    r = run(str(FIX / "synthetic-resolution.txt"), "--symbol", "A/RES/99/1",
            "--date", "2024-12-19", "-o", str(out), "--validate")
    # the text cites report A/99/64-E/2025/10 by symbol only: the import says so, and the
    # document shape (which wants a title) agrees
    assert "warning: no title known for cited A/99/64-E/2025/10" in r.stderr
    assert r.exit_code == 1, r.stderr
    assert "1 violation" in r.stderr and "dcterms:title" in r.stderr
    assert len(Graph().parse(out)) > 50


def test_ga_adoption_date_from_curated() -> None:
    r = run(str(GA), "--symbol", "A/RES/66/184")
    assert "adoption date 2011-12-22 is in data/curated" in r.stderr
    assert "no adoption date found" not in r.stderr


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["trig", "nt", "jsonld"])
def test_formats(fmt: str) -> None:
    r = run(str(ECOSOC), "--format", fmt, "--no-mentions")
    assert r.exit_code == 0, r.stderr
    if fmt == "trig":
        ds = Dataset().parse(data=r.stdout, format="trig")
        g = ds.graph("https://w3id.org/wsis-kg/graph/E-RES-2009-7")
        assert len(g) > 500
    elif fmt == "nt":
        assert len(Graph().parse(data=r.stdout, format="nt")) > 500
    else:
        json.loads(r.stdout)
        assert len(Graph().parse(data=r.stdout, format="json-ld")) > 500


@pytest.mark.parametrize(("args", "message"), [
    ((str(FIX / "does-not-exist.txt"),), "cannot read the file"),
    ((str(FIX / "empty.txt"),), "the file is empty"),
    ((str(FIX / "binary.png"),), "binary file"),
    ((str(FIX / "not-a-resolution.txt"),), "The General Assembly"),
    ((str(GA),), "no symbol found in the text: pass --symbol"),
    ((str(GA), "--symbol", "S/RES/1325"), "not a GA or ECOSOC resolution symbol"),
    ((str(ECOSOC), "--date", "24 July 2009"), "is not a date"),
])
def test_bad_input_exits_2(args: tuple[str, ...], message: str) -> None:
    r = run(*args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output


def test_unwritable_output_exits_2(tmp_path: Path) -> None:
    r = run(str(ECOSOC), "--no-mentions", "-o", str(tmp_path / "missing-dir" / "out.ttl"))
    assert r.exit_code == 2
    assert "cannot write" in r.stderr


def test_stdin_and_symbol_override() -> None:
    r = CliRunner().invoke(cli, ["import-resolution", "-", "--symbol", "E/RES/2009/8",
                                 "--no-mentions"], input=ECOSOC.read_bytes())
    assert r.exit_code == 0, r.stderr
    assert "the text says 2009/7 (line 1); using --symbol E/RES/2009/8" in r.stderr
    assert "<https://w3id.org/wsis-kg/id/resolution/E-RES-2009-8>" in r.stderr
    assert "sourceFile" not in r.stdout
