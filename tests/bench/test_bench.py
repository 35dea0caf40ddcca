"""``wsis-kg bench`` end to end in a reduced quick form: real oxigraph serve, real wsis-kg serve,
real wrk. Checks the report's shape and that the figures are measured (no speed assertions)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsis_kg.bench import runner as bench
from wsis_kg.cli import cli

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # real servers and wrk: not in the everyday loop

def test_wrk_is_installed() -> None:
    assert shutil.which("wrk"), "wrk is not installed (scripts/setup test installs it)"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[dict, str, str]:
    out = tmp_path_factory.mktemp("bench")
    res = CliRunner().invoke(cli, ["bench", "--quick", "--suite", "service", "--triples", "30000",
                                   "--duration", "1", "--max-queries", "2", "--out", str(out)],
                             env={"WSIS_KG_PROJECT_ROOT": str(ROOT)})
    assert res.exit_code == 0, res.output
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    return data, (out / "bench.md").read_text(encoding="utf-8"), res.output


def positive(x) -> bool:
    return isinstance(x, (int, float)) and x > 0


def test_header_fields(report) -> None:
    data, _, _ = report
    assert data["command"].startswith("wsis-kg bench --quick --triples 30000")
    assert data["quick"] is True and positive(data["duration_s"])
    assert data["machine"]["cores"] >= 1 and data["machine"]["cpu"]
    assert "oxigraph" in data["machine"]["oxigraph_server"]
    assert data["data"]["quads"] >= 30000  # the WSIS graph alone is about 24,500
    assert data["data"]["wsis_quads"] > 0 and data["data"]["synthetic_quads"] > 0
    assert data["service"]["server"] == "granian" and data["service"]["allocator"] == "jemalloc"


def test_ask_overhead(report) -> None:
    ask = report[0]["ask"]
    assert positive(ask["in_process_p50_ms"])
    for side in ("service", "oxigraph"):
        assert positive(ask[side]["p50_ms"]) and positive(ask[side]["requests"])
        assert ask[side]["p99_ms"] >= ask[side]["p50_ms"]
    assert ask["service_overhead_ms"] == pytest.approx(
        ask["service"]["p50_ms"] - ask["in_process_p50_ms"])
    assert isinstance(ask["met"], bool)


def test_catalogue(report) -> None:
    cat = report[0]["catalogue"]
    assert len(cat["queries"]) == 2
    for q in cat["queries"]:
        assert q["same_answer"] is True, q["name"]
        for k in ("in_process_p50_ms", "service_p50_ms", "oxigraph_p50_ms", "ratio"):
            assert positive(q[k]), (q["name"], k)
    assert positive(cat["geomean_ratio"]) and cat["all_same_answers"] is True


def test_lookups(report) -> None:
    lk = report[0]["lookups"]
    assert lk["iris"] > 100
    for c in ("c1", "c8", "c32"):
        assert positive(lk[c]["ratio"])
        for side in ("service", "oxigraph"):
            assert positive(lk[c][side]["rps"]) and lk[c][side]["connections"] == int(c[1:])


def test_rdflib_reference(report) -> None:
    rd = report[0]["rdflib"]
    if "skipped" in rd:  # no cheap query among the ones run
        return
    assert positive(rd["load_s"])
    assert all(positive(q["p50_ms"]) or q["error"].startswith("rdflib") for q in rd["queries"])


def test_markdown_and_printed_summary(report) -> None:
    _, md, printed = report
    for heading in ("## Summary", "## (a)", "## (b)", "## (c)", "## (d)"):
        assert heading in md
    assert "Service: granian, jemalloc allocator, answer cache" in md
    assert "| (a) `ASK {}` p50 overhead" in printed and "bench.json" in printed


def test_missing_wrk_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    with pytest.raises(bench.BenchError, match="apt-get install wrk"):
        bench.wrk_binary()


def test_validation_suite(tmp_path: Path) -> None:
    """In-context validation against pyshacl alone (also part of the default suite)."""
    res = CliRunner().invoke(cli, ["bench", "--quick", "--suite", "validation", "--out",
                                   str(tmp_path)], env={"WSIS_KG_PROJECT_ROOT": str(ROOT)})
    assert res.exit_code == 0, res.output
    assert "| (d) validation in context |" in res.output
    res = json.loads((tmp_path / "validation.json").read_text(encoding="utf-8"))
    assert res["cases"], res
    for row in res["cases"].values():
        assert positive(row["validate_new_data_s"]) and positive(row["pyshacl_alone_s"])
        assert row["triples"] > 500 and row["violations"] == 0
