"""``wsis-kg validate``: placeholder while it is being implemented."""

import click


@click.command("validate")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg validate is not implemented yet")
