"""wsis_kg.bench.validation: the validation benchmark runs, on the project's own documents."""

from __future__ import annotations

import pytest

from wsis_kg.bench.validation import CASES, run_validation_bench
from wsis_kg.settings import Settings

pytestmark = pytest.mark.slow  # a benchmark


def test_validation_bench_measures_every_case_and_the_inputs_conform() -> None:
    out = run_validation_bench(Settings(build_on_start=False), repeats=1)
    assert set(out["cases"]) == set(CASES)
    big = out["cases"]["2k"]
    assert 1900 <= big["triples"] <= 2300  # "a new resolution of about 2,000 triples"
    for row in out["cases"].values():
        assert row["violations"] == 0  # the project's documents conform in context
        assert row["validate_new_data_s"] > 0 and row["pyshacl_alone_s"] > 0
        assert abs(row["ratio"] - row["validate_new_data_s"] / row["pyshacl_alone_s"]) < 0.05
