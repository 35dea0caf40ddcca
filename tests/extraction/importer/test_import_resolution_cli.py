"""``wsis-kg import-resolution`` through the real click entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import RDF, Dataset, Graph
from rdflib.compare import isomorphic

from wsis_kg.cli import cli
from wsis_kg.extraction.extract import source
from wsis_kg.namespaces import WSIS

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

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
    # an imported resolution gets what the seeds get: mentions, topics, mandates and times
    committed = Graph()
    for part in ("", "-topics", "-acts"):
        committed.parse(ROOT / "data" / "extracted" / f"{slug}{part}.ttl")
    assert isomorphic(out, committed)
    assert (None, RDF.type, WSIS.Mandate) in out and (None, WSIS.concerns, None) in out
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


# ---------------------------------------------------------------- several inputs

CORPUS = FIX / "corpus"


def test_several_files_folder_and_zip_with_summary_table(tmp_path: Path) -> None:
    import zipfile

    folder = tmp_path / "texts"
    folder.mkdir()
    for name in ("masthead.txt", "A_RES_99_14.txt", "items.txt"):
        (folder / name).write_bytes((CORPUS / "hand" / name).read_bytes())
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ocr-opener.txt", (CORPUS / "hand" / "ocr-opener.txt").read_bytes())
        zf.writestr("notes/readme.md", b"not a text")
    out = tmp_path / "out"
    r = run(str(CORPUS / "ecosoc-plain.txt"), str(folder), str(archive), "--no-mentions",
            "-o", str(out))
    assert r.exit_code == 0, r.stderr
    table = r.stderr[r.stderr.index("\nfile ") + 1:]
    header = table.splitlines()[0].split()
    assert header == ["file", "symbol", "paragraphs", "items", "footnotes", "citations",
                      "warnings", "result"]
    assert "E/RES/2009/7" in table and "A/RES/99/14" in table and "E/RES/2099/9" in table
    row = next(ln for ln in table.splitlines() if "ecosoc-plain.txt" in ln).split()
    assert row[1:5] == ["E/RES/2009/7", "60", "0", "6"] and row[-1] == "imported"
    row = next(ln for ln in table.splitlines() if "items.txt" in ln).split()
    assert row[1:5] == ["A/RES/99/20", "8", "23", "1"] and row[-1] == "imported"
    assert sorted(p.name for p in out.iterdir()) == [
        "A-RES-99-11.ttl", "A-RES-99-14.ttl", "A-RES-99-20.ttl", "E-RES-2009-7.ttl",
        "E-RES-2099-9.ttl"]
    assert len(Graph().parse(out / "A-RES-99-11.ttl")) > 10


def test_several_inputs_one_refused_exits_2_after_the_others(tmp_path: Path) -> None:
    r = run(str(CORPUS / "hand" / "masthead.txt"), str(FIX / "empty.txt"), "--no-mentions")
    assert r.exit_code == 2
    assert "refused: the file is empty" in r.stderr
    assert "1 of 2 inputs could not be imported" in r.stderr
    assert "A/RES/99/11" in r.stdout  # the good one is still written


def test_size_limit_is_a_setting(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes((CORPUS / "ecosoc-plain.txt").read_bytes())
    r = CliRunner().invoke(cli, ["import-resolution", str(big), "--no-mentions"],
                           env={"WSIS_KG_IMPORT_MAX_BYTES": "10000"})
    assert r.exit_code == 2
    assert "over the import limit of 0.0 MB (WSIS_KG_IMPORT_MAX_BYTES)" in r.stderr


def test_zip_bounds(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.txt", b" " * 300_000)
    r = CliRunner().invoke(cli, ["import-resolution", str(archive), "--no-mentions"],
                           env={"WSIS_KG_IMPORT_MAX_BYTES": "10000"})
    assert r.exit_code == 2
    assert "uncompressed; at most 0.2 MB are read from a .zip" in r.stderr


def test_symbol_needs_one_input() -> None:
    r = run(str(ECOSOC), str(GA), "--symbol", "A/RES/66/184")
    assert r.exit_code == 2
    assert "give one file" in r.stderr


@pytest.mark.slow
def test_one_megabyte_text_imports_fast_and_small(tmp_path: Path) -> None:
    """A 1 MB resolution (the ECOSOC seed's operative part repeated, numbered on): under 5 s
    of CPU and 300 MB peak memory, measured in a fresh process (decoding included)."""
    import os
    import subprocess
    import sys

    src = (CORPUS / "ecosoc-plain.txt").read_text(encoding="utf-8")
    head, _, rest = src.partition("\n1. ")
    body = "1. " + rest.split("\n36th plenary meeting")[0]
    paras = [p.split(". ", 1)[1] for p in body.split("\n\n") if p[:1].isdigit()]
    # six paragraphs' text to a paragraph: a megabyte in fewer than 1000 numbered paragraphs
    # (OPERATIVE_START reads up to three digits)
    paras = [" ".join(p.rstrip(".;") + ";" for p in paras[i:i + 6])
             for i in range(0, len(paras), 6)]
    out, n = [head.rstrip(), ""], 0
    while sum(map(len, out)) < 1_000_000:
        for p in paras:
            n += 1
            out += [f"{n}. {p}", ""]
    big = tmp_path / "big.txt"
    big.write_text("\n".join(out), encoding="utf-8")
    assert big.stat().st_size >= 1_000_000 and n < 1000
    code = (
        "import sys, time\n"
        "from wsis_kg.extraction.importer.files import read_file\n"
        "from wsis_kg.extraction.importer.resolution import import_resolution\n"
        "from pathlib import Path\n"
        "t, c = time.perf_counter(), time.process_time()\n"
        f"inp = read_file(Path({str(big)!r}), 2_000_000)\n"
        "r = import_resolution(inp.text, file_name=inp.name)\n"
        # VmHWM: this program's own peak (ru_maxrss keeps the forking parent's across exec,
        # so inside a large pytest process it reported pytest's 355 MB)
        "hwm = next(int(x.split()[1]) for x in open('/proc/self/status')\n"
        "           if x.startswith('VmHWM'))\n"
        "print(time.perf_counter() - t, time.process_time() - c, hwm, len(r.graph))\n"
        "assert not [p for p in r.problems if 'ignored' in p], r.problems[:3]\n")
    # glibc's malloc, whatever an earlier test left in the environment
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True, env=env)
    seconds, cpu, rss_kb, triples = proc.stdout.split()
    print(f"1 MB text: {float(seconds):.2f} s wall, {float(cpu):.2f} s CPU, peak RSS "
          f"{int(rss_kb) / 1024:.0f} MB, {triples} triples")
    # CPU time: the wall clock of a shared CI machine also counts its other jobs
    assert float(cpu) < 5
    assert int(rss_kb) / 1024 < 300


def test_structurally_broken_imports_do_not_conform(tmp_path: Path) -> None:
    only_opener = tmp_path / "opener.txt"
    only_opener.write_text("99/15. Synthetic\n\nThe General Assembly,\n\n", encoding="utf-8")
    r = run(str(only_opener), "--no-mentions")
    assert r.exit_code == 2
    assert "no paragraph found after the opening line (line 3)" in r.stderr
    preamble_only = tmp_path / "preamble.txt"
    preamble_only.write_text("99/15. Synthetic resolution cut off after its preamble\n\n"
                             "The General Assembly,\n\nRecalling its resolution 99/1 of "
                             "1 October 2099,\n", encoding="utf-8")
    r = run(str(preamble_only), "--no-mentions", "--date", "2099-12-21", "--validate")
    assert r.exit_code == 1, r.stderr
    assert "PreambularParagraphShape-operative" in r.stderr or \
        "has no operative paragraph" in r.stderr


def test_missing_title_is_a_warning_not_a_violation(tmp_path: Path) -> None:
    f = tmp_path / "A_RES_99_16.txt"
    f.write_text("The General Assembly,\n\nRecalling its resolution 99/1 of 1 October 2099,"
                 "\n\n1. Decides to test.\n\n70th plenary meeting\n20 December 2099\n",
                 encoding="utf-8")
    r = run(str(f), "--no-mentions", "--validate")
    assert r.exit_code == 0, r.stderr
    assert "no title found before the opening line (line 1)" in r.stderr
    assert "Give this resolution its title" in r.stderr
