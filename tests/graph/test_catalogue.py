"""The one reader of the query catalogue gives what its three former readers gave."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wsis_kg.graph.catalogue import read_catalogue, read_example, read_headers

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_headers_as_every_former_reader_read_them(path: Path) -> None:
    """The benchmark took the first ``# title:`` line; the query tests joined a field's lines
    indented by ``#   ``; the web pages stopped at the first line of code."""
    text = path.read_text(encoding="utf-8")
    ex = read_example(path)
    bench_title = next(ln.split(":", 1)[1].strip() for ln in text.splitlines()
                       if ln.lower().startswith("# title:"))
    m = re.search(r"^# description: (.+(?:\n#   .+)*)", text, re.MULTILINE)
    assert m is not None
    assert ex.title == bench_title == read_headers(text)["title"]
    assert ex.description == re.sub(r"\n#\s+", " ", m.group(1)).strip()
    assert (ex.name, ex.query) == (path.stem, text)


def test_header_rules(tmp_path: Path) -> None:
    (tmp_path / "b.rq").write_text(
        "\n# TITLE : Loud\n# description: one\n#\tand two\n# note: ends it\n#   not this\n"
        "SELECT * {}\n# title: not a header any more\n")
    (tmp_path / "a-query.rq").write_text("SELECT * {}\n")
    (tmp_path / "skip.txt").write_text("# title: not a query\n")
    a, b = read_catalogue(tmp_path)
    assert (a.name, a.title, a.description) == ("a-query", "a query", "")
    assert read_headers(a.query) == {}
    assert (b.title, b.description) == ("Loud", "one and two")
