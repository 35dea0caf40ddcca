"""``wsis-kg build`` / ``dump`` / ``extract`` / ``--help`` through the real click entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from wsis_kg.cli import COMMANDS, cli

MINI = Path(__file__).parent.parent / "fixtures" / "build" / "mini"
ENV = {"WSIS_KG_PROJECT_ROOT": str(MINI)}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_subcommand_has_help(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_build_prints_counts_and_progress() -> None:
    result = CliRunner().invoke(cli, ["build", "--no-reason", "--no-shapes"], env=ENV)
    assert result.exit_code == 0, result.output
    assert "quads in 4 named graphs" in result.stdout
    assert "[1/4] loading ontology/mini.ttl" in result.stderr
    assert "UNSpecialisedAgency" in result.stdout


def test_dump_to_file_twice_is_identical(tmp_path: Path) -> None:
    runner = CliRunner()
    outs = []
    for i in range(2):
        out = tmp_path / f"d{i}.nq"
        result = runner.invoke(cli, ["dump", "--format", "nquads", "-o", str(out)], env=ENV)
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 5


def test_build_reports_syntax_error_without_traceback(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "p"
    shutil.copytree(MINI, root)
    (root / "data" / "curated" / "bad.ttl").write_text("# graph: reference\n<a> <b> .\n")
    result = CliRunner().invoke(cli, ["build", "--no-reason", "--no-shapes"],
                                env={"WSIS_KG_PROJECT_ROOT": str(root)})
    assert result.exit_code == 2
    assert "bad.ttl:2:" in result.stderr and "Traceback" not in result.output
