"""Stocktaking CSV → RDF (wsis_kg/extraction/stocktaking.py + stocktaking.rq) and
``wsis-kg import-stocktaking``.

The fixture ``tests/fixtures/stocktaking/records.csv`` is written for these tests (synthetic
names, invented records): three good rows and five bad ones, each bad for one documented reason.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from wsis_kg.cli import cli
from wsis_kg.errors import BadRequest, ValidationFailed
from wsis_kg.extraction.stocktaking import (
    COLUMNS,
    SHAPE_COLUMNS,
    import_rows,
    known_organisation_names,
    map_rows,
    read_rows,
)
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.validation.validate import validate_new_data

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "tests" / "fixtures" / "stocktaking" / "records.csv"
ID = "https://w3id.org/wsis-kg/id/"
WSIS = "https://w3id.org/wsis-kg/def/"
#: (row, column) of every problem in records.csv (the header is row 1).
EXPECTED = {
    (4, "action_lines"),  # SYN-0003: C99 is no action line
    (4, "start_year"),  # SYN-0003: "20X1"
    (5, "lead_stakeholder_type"),  # SYN-0004: "Retail" is no stakeholder type
    (6, "id"),  # no id
    (7, "id"),  # SYN-0002 again
    (8, "countries"),  # SYN-0007: "Kenya" is no ISO 3166 alpha-3 code
    (8, "status"),  # SYN-0007: "Suspended"
}


def validating_writer(settings: Settings, store: OxigraphStore, written: list):
    """A ``write`` that validates in the context of the built graph and keeps what it got."""
    def write(triples: list[ox.Triple]) -> int:
        quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        report = validate_new_data(quads, settings, store, sources=["records.csv"])
        if report.violations:
            raise ValidationFailed("does not conform", report=report)
        written.extend(triples)
        return len(triples)
    return write


def test_read_rows_refuses_missing_and_repeated_ids() -> None:
    rows, refused = read_rows(CSV.read_bytes())
    assert [r.cells["id"] for r in rows] == ["SYN-0001", "SYN-0002", "SYN-0003", "SYN-0004",
                                             "SYN-0007"]
    assert {(r.row, r.column) for r in refused} == {(6, "id"), (7, "id")}


def test_header_without_required_columns_is_a_bad_request() -> None:
    with pytest.raises(BadRequest, match="lacks the column"):
        read_rows(b"id,title\nX,Y\n", "short.csv")


def test_mapping_follows_the_documented_layout() -> None:
    rows, _ = read_rows(CSV.read_bytes())
    known = [(ID + "org/who", "WHO"), (ID + "org/who", "World Health Organization")]
    g = ox.Store()
    g.extend(ox.Quad(t.subject, t.predicate, t.object) for t in map_rows(rows, known))
    e = ID + "stocktaking/SYN-0001"

    def objects(s: str, p: str) -> set[str]:
        return {q.object.value
                for q in g.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None)}

    assert objects(e, WSIS + "servesActionLine") == {ID + "action-line/C2",
                                                     ID + "action-line/C7-e-agriculture"}
    assert objects(e, WSIS + "servesTarget") == {ID + "target/a", ID + "target/b"}
    assert objects(e, WSIS + "country") == {ID + "country/KEN", ID + "country/UGA"}
    # "WHO" is linked to the organisation the graph knows; the new partner gets an IRI
    assert objects(e, WSIS + "partner") == {ID + "org/who", ID + "org/synthetic-open-data-lab"}
    assert not objects(ID + "org/who", "http://www.w3.org/2004/02/skos/core#prefLabel")
    lead = ID + "org/synthetic-rural-connectivity-trust"
    assert objects(lead, WSIS + "stakeholderGroup") == {ID + "stakeholder-group/civil-society"}
    assert objects(e, WSIS + "startYear") == {"2009"}
    assert objects(e, WSIS + "projectStatus") == {WSIS + "Ongoing"}
    assert objects(ID + "stocktaking/SYN-0002", WSIS + "projectStatus") == {WSIS + "Completed"}


def test_every_shape_column_is_a_documented_column() -> None:
    assert set(SHAPE_COLUMNS.values()) <= set(COLUMNS)
    doc = (ROOT / "docs" / "stocktaking.md").read_text(encoding="utf-8")
    assert all(f"`{c}`" in doc for c in COLUMNS)


def test_bad_rows_are_rejected_with_row_column_and_message(settings: Settings,
                                                          built_store: OxigraphStore) -> None:
    rows, refused = read_rows(CSV.read_bytes())
    written: list[ox.Triple] = []
    summary = import_rows(rows, validating_writer(settings, built_store, written),
                          known_names=known_organisation_names(built_store), refused=refused)
    assert {(r.row, r.column) for r in summary.rejected} == EXPECTED
    assert all(r.message for r in summary.rejected)
    assert summary.rows == 7 and summary.written == 2
    assert summary.rejected_rows == [4, 5, 6, 7, 8]
    subjects = {t.subject.value for t in written}
    assert ID + "stocktaking/SYN-0001" in subjects and ID + "stocktaking/SYN-0002" in subjects
    assert not any("SYN-0003" in s or "SYN-0007" in s for s in subjects)
    # the rows written conform on their own
    quads = [ox.Quad(t.subject, t.predicate, t.object) for t in written]
    assert validate_new_data(quads, settings, built_store).violations == 0


def test_a_violation_no_row_accounts_for_refuses_the_file(settings: Settings,
                                                          built_store: OxigraphStore) -> None:
    rows, _ = read_rows(CSV.read_bytes())

    def write(_triples):
        from wsis_kg.validation.report import ValidationReport

        raise ValidationFailed("no", report=ValidationReport(graph=None, conforms=False))

    with pytest.raises(ValidationFailed):
        import_rows(rows[:2], write)


@pytest.mark.slow
def test_cli_imports_into_a_local_store(tmp_path: Path, built_store: OxigraphStore) -> None:
    """End to end: the good rows land in one new ingest graph with provenance; exit 1 lists
    the rejected rows."""
    target = tmp_path / "store"
    disk = OxigraphStore(target)
    disk.ox.extend(built_store.ox.quads_for_pattern(None, None, None, None))
    disk.ox.flush()
    before = set(disk.named_graphs())
    disk.close()
    del disk
    env = {"WSIS_KG_PROJECT_ROOT": str(ROOT), "WSIS_KG_TOKENS": "importer:tok"}
    res = CliRunner().invoke(cli, ["import-stocktaking", "--store", str(target), "--token",
                                   "tok", str(CSV)], env=env)
    assert res.exit_code == 1, res.output
    assert "wrote" in res.output and "2 of 7 rows; 5 rejected" in res.output
    assert "row 4  action_lines:" in res.output and "row 8  status:" in res.output
    disk = OxigraphStore(target)
    new = {g for g in set(disk.named_graphs()) - before if "/graph/ingest/" in g}
    assert len(new) == 1
    assert bool(disk.query(f"ASK {{ GRAPH <{next(iter(new))}> {{ <{ID}stocktaking/SYN-0002> "
                           f"<{WSIS}leadOrganisation> <{ID}org/who> }} }}"))
    disk.close()
