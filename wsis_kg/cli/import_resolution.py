"""``wsis-kg import-resolution``: placeholder while it is being implemented."""

import click


@click.command("import-resolution")
def command() -> None:
    """Not implemented yet."""
    raise click.ClickException("wsis-kg import-resolution is not implemented yet")
