"""The build pipeline and the byte-stable dump, on a small fixture project and on the real one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wsis_kg.errors import BuildError, InputSyntaxError
from wsis_kg.graph.build import build, graph_of
from wsis_kg.graph.dump import canonical_nquads, dump
from wsis_kg.namespaces import GRAPH
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore

MINI = Path(__file__).parents[1] / "fixtures" / "build" / "mini"


def mini_settings(root: Path = MINI) -> Settings:
    return Settings(project_root=root, build_on_start=False)


def test_files_go_to_their_named_graphs() -> None:
    store = OxigraphStore()
    report = build(mini_settings(), store, reason=False, check_shapes=False)
    assert set(report.triples_per_graph) == {
        str(GRAPH["ontology"]), str(GRAPH["shapes"]), str(GRAPH["reference"]),
        str(GRAPH["geneva-plan-of-action"]),
    }
    assert report.entities_per_class["https://w3id.org/wsis-kg/def/UNSpecialisedAgency"] == 2
    assert report.total == len(store)
    assert any("quads in 4 named graphs" in line for line in report.lines())


def test_rebuild_replaces_instead_of_duplicating() -> None:
    store = OxigraphStore()
    first = build(mini_settings(), store, reason=False, check_shapes=False).total
    second = build(mini_settings(), store, reason=False, check_shapes=False).total
    assert first == second == len(store)


def test_graph_header_short_and_full_forms(tmp_path: Path) -> None:
    p = tmp_path / "a.ttl"
    p.write_text("# graph: reference\n")
    assert graph_of(p) == str(GRAPH["reference"])
    p.write_text("# graph: <http://example.org/g>\n")
    assert graph_of(p) == "http://example.org/g"
    p.write_text("@prefix a: <http://a/> .\n")
    with pytest.raises(BuildError, match="graph"):
        graph_of(p)


def test_syntax_error_in_data_names_file_line_and_column(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "proj"
    shutil.copytree(MINI, root)
    (root / "data" / "curated" / "broken.ttl").write_text(
        "# graph: reference\n@prefix wsis: <https://w3id.org/wsis-kg/def/> .\nwsis:a wsis:b .\n")
    with pytest.raises(InputSyntaxError) as e:
        build(mini_settings(root), OxigraphStore(), reason=False, check_shapes=False)
    assert e.value.line == 3 and "broken.ttl" in e.value.detail


def test_nquads_dump_is_byte_stable_across_builds() -> None:
    a, b = OxigraphStore(), OxigraphStore()
    build(mini_settings(), a, reason=False, check_shapes=False)
    build(mini_settings(), b, reason=False, check_shapes=False)
    da, db = canonical_nquads(a), canonical_nquads(b)
    assert da == db
    lines = da.decode().splitlines()
    assert lines == sorted(lines) and len(lines) == len(a)
    assert "_:" in da.decode()  # blank nodes present and canonically labelled


@pytest.mark.parametrize("fmt", ["trig", "turtle", "ntriples", "jsonld", "rdfxml"])
def test_other_dump_formats_parse_back(fmt: str) -> None:
    import pyoxigraph as ox

    from wsis_kg.graph.dump import DUMP_FORMATS

    store = OxigraphStore()
    build(mini_settings(), store, reason=False, check_shapes=False)
    buf = io.BytesIO()
    dump(store, fmt, buf)
    rdf_format, keeps_graphs = DUMP_FORMATS[fmt].ox_format, DUMP_FORMATS[fmt].dataset
    parsed = list(ox.parse(buf.getvalue(), format=rdf_format))
    distinct_triples = {(q.subject, q.predicate, q.object) for q in store.quads()}
    expected = len(store) if keeps_graphs else len(distinct_triples)
    assert len(parsed) == expected


def test_real_project_builds_and_dump_is_stable(built_store, settings) -> None:
    """The shipped graph: two independent builds give byte-identical N-Quads."""
    other = OxigraphStore()
    build(settings, other, check_shapes=False)
    assert canonical_nquads(other) == canonical_nquads(built_store)
    assert len(built_store) > 1000


@pytest.mark.slow
def test_build_runs_hermit_when_asked() -> None:
    report = build(mini_settings(), OxigraphStore(), check_shapes=False, reason=False,
                   consistency=True)
    assert report.consistent is True
    assert any(line.startswith("HermiT: consistent") for line in report.lines())


@pytest.mark.slow
def test_inconsistent_data_fails_the_build(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(MINI, root)
    (root / "ontology" / "disjoint.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix wsis: <https://w3id.org/wsis-kg/def/> .\n"
        "wsis:Place a owl:Class ; owl:disjointWith wsis:Organisation .\n")
    (root / "data" / "curated" / "clash.ttl").write_text(
        "# graph: reference\n@prefix wsis: <https://w3id.org/wsis-kg/def/> .\n"
        "<https://w3id.org/wsis-kg/id/org/itu> a wsis:Place .\n")
    with pytest.raises(BuildError, match="inconsistent"):
        build(mini_settings(root), OxigraphStore(), check_shapes=False, reason=False,
              consistency=True)
