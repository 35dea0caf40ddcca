"""``wsis-kg ingest``: placeholder while it is being implemented."""

import click


@click.command("ingest")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg ingest is not implemented yet")
