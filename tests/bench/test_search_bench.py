"""``wsis-kg bench --suite search`` end to end on a small graph: the fixed query mix is asked
once each, and the report says what it measured (the speed bound is in
tests/graph/test_search.py's timing test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from wsis_kg.bench.search import query_mix
from wsis_kg.cli import cli

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # builds the project's graph


def test_the_mix_never_asks_the_same_query_twice() -> None:
    mix = query_mix()
    assert len(mix) == len({(text, filters) for _, text, filters in mix}) == 84
    assert {kind for kind, _, _ in mix} == {"common word", "two words", "phrase", "prefix",
                                            "OR", "rare word", "filter"}


def test_search_suite_writes_its_figures(tmp_path) -> None:
    res = CliRunner().invoke(cli, ["bench", "--suite", "search", "--triples", "30000",
                                   "--out", str(tmp_path)],
                             env={"WSIS_KG_PROJECT_ROOT": str(ROOT)})
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "search.json").read_text(encoding="utf-8"))
    assert data["quads"] >= 30_000 and data["subjects"] > 1000 and data["queries"] == 84
    for key in ("p50_ms", "p95_ms", "cpu_p50_ms", "cpu_p95_ms", "suggest_p50_ms", "index_mb"):
        assert data[key] > 0, key
    assert set(data["by_kind"]) >= {"phrase", "prefix", "filter"}
    assert len(data["load_average"]) == 3
    assert "CPU time" in res.output and "| phrase |" in res.output
