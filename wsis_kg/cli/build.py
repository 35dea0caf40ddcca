"""``wsis-kg build``: load ontology + data, reason, check shapes, print counts."""

from __future__ import annotations

import click

from wsis_kg.errors import BuildError
from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import open_store


@click.command("build")
@click.option("--store", help="memory (default), a directory, or a SPARQL endpoint URL")
@click.option("--no-reason", is_flag=True, help="skip the reasoners (SPARQL rules and HermiT)")
@click.option("--no-shapes", is_flag=True, help="skip the SHACL check")
@click.option("--strict", is_flag=True, help="exit 1 when the data violates the shapes")
@click.pass_obj
def command(settings: Settings, store: str | None, no_reason: bool, no_shapes: bool,
            strict: bool) -> None:
    """Build the graph into the store and print what was loaded."""
    settings = settings.with_(store=store)
    st = open_store(settings)
    try:
        report = build(settings, st, lambda m: click.echo(m, err=True),
                       reason=not no_reason, check_shapes=not no_shapes,
                       consistency=not no_reason)
    finally:
        st.close()
    for line in report.lines():
        click.echo(line)
    if strict and not report.conforms:
        raise BuildError("the graph does not conform to the shapes (--strict)")
