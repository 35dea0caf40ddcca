"""``wsis-kg generate``: a synthetic corpus that conforms to the shapes, deterministic, skewed,
streamed, clearly synthetic (wsis_kg/bench/generate.py)."""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from wsis_kg.bench.generate import (
    ACTION_LINES,
    ID,
    corpus,
    project_organisations,
    stocktaking,
    write_nquads,
)
from wsis_kg.cli import cli
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.validate import validate_new_data

ROOT = Path(__file__).resolve().parents[2]
WSIS = "https://w3id.org/wsis-kg/def/"
#: Size of the sample that is validated (WSIS_KG_GENERATE_SAMPLE to try more).
SAMPLE = int(os.environ.get("WSIS_KG_GENERATE_SAMPLE", "10000"))


@pytest.fixture(scope="module")
def sample() -> list[ox.Quad]:
    lines = [f"{ID}action-line/{c}" for c in ACTION_LINES]
    return list(corpus(SAMPLE, seed=7, organisations=project_organisations(ROOT),
                       action_lines=lines))


@pytest.mark.slow
def test_a_10k_sample_conforms_to_the_shapes(sample: list[ox.Quad], settings: Settings,
                                             built_store: OxigraphStore) -> None:
    report = validate_new_data(sample, settings, built_store, sources=["generated"])
    assert report.violations == 0, [(str(r.focus), r.messages) for r in report.results[:10]]


def test_size_is_close_to_the_request(sample: list[ox.Quad]) -> None:
    assert SAMPLE <= len(sample) < SAMPLE * 1.02
    assert any("/stocktaking/" in q.subject.value for q in sample)
    assert any("/resolution/" in q.subject.value for q in sample)


def test_same_seed_same_output_other_seed_other_output() -> None:
    def nq(seed: int) -> bytes:
        buf = io.BytesIO()
        write_nquads(stocktaking(3000, seed=seed), buf, chunk=500)
        return buf.getvalue()

    assert nq(1) == nq(1)
    assert nq(1) != nq(2)


def test_iris_and_graphs_are_clearly_synthetic(sample: list[ox.Quad]) -> None:
    for q in sample:
        assert q.graph_name.value.startswith("https://w3id.org/wsis-kg/graph/synthetic/")
        if q.predicate.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            assert q.subject.value.startswith(ID + "synthetic/"), q


def test_distributions_are_skewed(sample: list[ox.Quad]) -> None:
    """A few lead organisations and action lines are very common; countries have a long tail."""
    def counts(p: str) -> list[int]:
        return sorted(Counter(q.object.value for q in sample
                              if q.predicate.value == WSIS + p).values(), reverse=True)

    leads, lines, countries = counts("leadOrganisation"), counts("servesActionLine"), \
        counts("country")
    assert leads[0] > 10 * leads[len(leads) // 2]  # the most common lead vs the median one
    assert lines[0] > 5 * lines[-1]
    assert len(countries) > 100 and sum(1 for c in countries if c <= 2) > 20  # long tail
    texts = [q.object.value for q in sample if q.predicate.value.endswith("/description")]
    words = Counter(w for t in texts for w in t.lower().split())
    assert words.most_common(1)[0][0] in ("the", "and", "of", "to")


def test_streaming_keeps_memory_bounded() -> None:
    """The generator is lazy: taking the first quads of a 10M corpus is instant."""
    it = corpus(10_000_000, seed=1)
    first = [next(it) for _ in range(1000)]
    assert len(first) == 1000


def test_cli_writes_nquads(tmp_path: Path) -> None:
    out = tmp_path / "g.nq"
    res = CliRunner().invoke(cli, ["generate", "--triples", "2000", "--seed", "3", "-o",
                                   str(out)], env={"WSIS_KG_PROJECT_ROOT": str(ROOT)})
    assert res.exit_code == 0, res.output
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    assert 2000 <= len(quads) < 2100
