"""``wsis-kg restore DUMP`` and ``wsis-kg backup``: put a dump back into a store; copy a store.

A restore is all or nothing: the dump is read completely (a corrupt or truncated file stops it
with file:line:column, exit 2, before the store is opened) and written in one transaction. The
target must be empty unless ``--replace``. See docs/operations.md.
"""

from __future__ import annotations

from pathlib import Path

import click

from wsis_kg.graph.dump import RESTORABLE_FORMATS, backup, restore
from wsis_kg.settings import Settings


@click.command("restore")
@click.argument("dump_file", metavar="DUMP", type=click.Path(dir_okay=False, exists=True,
                                                              path_type=Path))
@click.option("--store", required=True, help="the store directory to restore into")
@click.option("--format", "fmt", type=click.Choice(RESTORABLE_FORMATS),
              help="syntax of DUMP (default: from its extension, .nq or .trig)")
@click.option("--replace", is_flag=True,
              help="drop what the store holds, in the same transaction as the restore")
@click.pass_obj
def command(settings: Settings, dump_file: Path, store: str, fmt: str | None,
            replace: bool) -> None:
    """Load DUMP (N-Quads or TriG, from wsis-kg dump or /dumps/) into an empty store."""
    report = restore(settings.with_(store=store), dump_file, fmt, replace=replace)
    done = f"restored {report.quads} quads in {report.graphs} named graphs into {store}"
    click.echo(done + (f" (replacing {report.replaced} quads)" if report.replaced else ""))


@click.command("backup")
@click.option("--store", required=True, help="the on-disk store to copy (not in use)")
@click.option("--to", "target", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="a new directory for the copy")
@click.pass_obj
def backup_command(settings: Settings, store: str, target: Path) -> None:
    """Copy a stopped on-disk store with Oxigraph's backup (hard links where it can)."""
    report = backup(settings.with_(store=store), target)
    click.echo(f"backed up {report.quads} quads in {report.graphs} named graphs to {target}")
