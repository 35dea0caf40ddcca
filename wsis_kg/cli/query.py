"""``wsis-kg query``: placeholder while it is being implemented."""

import click


@click.command("query")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg query is not implemented yet")
