"""Every catalogue query (queries/*.rq) runs on the built graph and gives the expected answer.

Expected answers live in tests/fixtures/queries/<name>.json and were written by reading the
source texts, not by copying query output. Format::

    {"vars": [...],            # the columns compared (a subset of the query's, in this order)
     "ordered": true,          # compare row order too (only for queries with ORDER BY)
     "lists": {"var": ", "},   # GROUP_CONCAT columns: compared as sorted lists
     "rows": [[...], ...]}     # IRIs as wsisid:/wsis: prefixed names, literals as lexical form,
                               # unbound as null
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from wsis_kg.graph.catalogue import read_headers

ROOT = Path(__file__).resolve().parents[2]
QUERIES = sorted((ROOT / "queries").glob("*.rq"))
FIXTURES = Path(__file__).parents[1] / "fixtures" / "queries"
SHORT = (("wsisid:", "https://w3id.org/wsis-kg/id/"), ("wsis:", "https://w3id.org/wsis-kg/def/"))


def short(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        for prefix, base in SHORT:
            if term.value.startswith(base):
                return prefix + term.value[len(base):]
    return term.value


def test_catalogue_is_not_empty() -> None:
    assert len(QUERIES) >= 7


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    headers = read_headers(text)
    assert headers.get("title"), f"{path.name}: no '# title:' line"
    assert headers.get("description"), f"{path.name}: no '# description:' line"
    assert "PREFIX wsis:" in text, f"{path.name}: PREFIX lines must be included"


@pytest.mark.parametrize("path", QUERIES, ids=lambda p: p.stem)
def test_query_answer(path: Path, built_store) -> None:
    fixture = FIXTURES / f"{path.stem}.json"
    assert fixture.exists(), f"no expected answer {fixture.relative_to(ROOT)}"
    expected = json.loads(fixture.read_text(encoding="utf-8"))
    result = built_store.query(path.read_text(encoding="utf-8"))
    names = [v.value for v in result.variables]
    wanted = expected["vars"]
    assert set(wanted) <= set(names), f"query lacks columns {set(wanted) - set(names)}"
    lists: dict[str, str] = expected.get("lists", {})

    def cell(var: str, value: str | None) -> str | list[str] | None:
        if var in lists and value is not None:
            return sorted(value.split(lists[var]))
        return value

    got = [[cell(v, short(row[v])) for v in wanted] for row in result]
    want = [[cell(v, x) for v, x in zip(wanted, r, strict=True)] for r in expected["rows"]]
    if not expected.get("ordered", False):
        got, want = sorted(got, key=json.dumps), sorted(want, key=json.dumps)
    assert got == want
