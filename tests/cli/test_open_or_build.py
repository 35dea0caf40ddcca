"""Every command opens the store the settings name the same way (``open_or_build``)."""

from __future__ import annotations

import pyoxigraph as ox
from click.testing import CliRunner

from wsis_kg.cli import cli
from wsis_kg.graph.build import open_or_build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore

COUNT = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"


def _disk_store(path) -> None:
    st = OxigraphStore(path)
    st.load(b"<http://e/a> <http://e/p> 1 . <http://e/b> <http://e/p> 2 .",
            ox.RdfFormat.TURTLE, "http://e/g")
    st.close()
    del st


def test_query_uses_the_store_named_by_the_environment(settings: Settings, tmp_path) -> None:
    _disk_store(tmp_path / "db")
    env = {"WSIS_KG_PROJECT_ROOT": str(settings.project_root),
           "WSIS_KG_STORE": str(tmp_path / "db")}
    r = CliRunner(env=env).invoke(cli, ["query", "--no-reason", "--format", "csv", COUNT])
    assert r.exit_code == 0, r.output
    assert r.stdout.split() == ["n", "2"]


def test_an_empty_store_is_built_unless_build_on_start_is_off(tmp_path) -> None:
    from pathlib import Path

    project = Path(__file__).resolve().parents[1] / "fixtures" / "validate" / "project"
    s = Settings(project_root=project, store=str(tmp_path / "empty"), build_on_start=False)
    st = open_or_build(s)
    assert len(st) == 0
    st.close()
    del st
    reports = []
    st = open_or_build(s.with_(build_on_start=True), on_build=reports.append, reason=False,
                       check_shapes=False)
    assert len(st) > 0 and reports and reports[0].total == len(st)
    st.close()
