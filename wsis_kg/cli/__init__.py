"""The ``wsis-kg`` command: one subcommand module per job, registered here.

Errors from the package (:class:`wsis_kg.errors.WsisError`) are printed as one clear line and
exit with the error's ``exit_code``; no stack traces reach the user. This is the only place that
turns an error into an exit code: subcommands raise, they never exit with a code of their own.
"""

from __future__ import annotations

import sys

import click

from wsis_kg.errors import WsisError
from wsis_kg.settings import Settings


class WsisGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WsisError as e:
            click.echo(f"error: {e.detail}", err=True)
            sys.exit(e.exit_code)


@click.group(cls=WsisGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wsis-kg")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Build, query, validate and serve the WSIS knowledge graph.

    Settings come from WSIS_KG_* environment variables (see the README) and the flags below.
    """
    ctx.obj = Settings.from_env()


def _register() -> None:
    from wsis_kg.cli import (
        bench,
        build,
        dump,
        extract,
        generate,
        import_resolution,
        ingest,
        query,
        restore,
        serve,
        stocktaking,
        validate,
    )

    for mod in (build, extract, dump, serve, query, validate, import_resolution, ingest, bench):
        cli.add_command(mod.command)
    cli.add_command(restore.command)
    cli.add_command(restore.backup_command)
    cli.add_command(stocktaking.command)
    cli.add_command(generate.command)


_register()


def main() -> None:
    cli(prog_name="wsis-kg")
