"""``wsis-kg serve``: placeholder while it is being implemented."""

import click


@click.command("serve")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg serve is not implemented yet")
