"""``wsis-kg dump``: write the whole dataset in one file."""

from __future__ import annotations

import sys

import click

from wsis_kg.graph.build import open_or_build
from wsis_kg.graph.dump import DUMP_FORMATS, dump
from wsis_kg.settings import Settings


@click.command("dump")
@click.option("--format", "fmt", type=click.Choice(sorted(DUMP_FORMATS)), default="nquads",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="file to write (default: standard output)")
@click.option("--store", help="dump this store instead of building in memory")
@click.pass_obj
def command(settings: Settings, fmt: str, output: str | None, store: str | None) -> None:
    """Dump the dataset; N-Quads output is byte-stable for the same inputs."""
    settings = settings.with_(store=store)
    st = open_or_build(settings, lambda m: click.echo(m, err=True))
    if output:
        with open(output, "wb") as f:
            dump(st, fmt, f)
    else:
        dump(st, fmt, sys.stdout.buffer)
