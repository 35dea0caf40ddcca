"""``wsis-kg bench``: placeholder while it is being implemented."""

import click


@click.command("bench")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg bench is not implemented yet")
