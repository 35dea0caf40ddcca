"""The ``wsis-kg`` command: one subcommand module per job, registered here.

Errors from the package (:class:`wsis_kg.errors.WsisError`) are printed as one clear line and
exit with the error's ``exit_code``; no stack traces reach the user. This is the only place that
turns an error into an exit code: subcommands raise, they never exit with a code of their own.
"""

from __future__ import annotations

import sys
from importlib import import_module

import click

from wsis_kg.errors import WsisError
from wsis_kg.settings import Settings

#: Every subcommand: name → (module under ``wsis_kg.cli``, attribute). A module is imported
#: only when its command runs (or ``--help`` lists them all), so ``wsis-kg serve`` re-executes
#: itself on jemalloc before the graph machinery is imported, and ``--help`` stays fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "command"),
    "extract": ("extract", "command"),
    "dump": ("dump", "command"),
    "serve": ("serve", "command"),
    "query": ("query", "command"),
    "validate": ("validate", "command"),
    "import-resolution": ("import_resolution", "command"),
    "ingest": ("ingest", "command"),
    "bench": ("bench", "command"),
    "restore": ("restore", "command"),
    "backup": ("restore", "backup_command"),
    "import-stocktaking": ("stocktaking", "command"),
    "generate": ("generate", "command"),
}


class WsisGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attribute = COMMANDS[cmd_name]
            self.add_command(getattr(import_module(f"wsis_kg.cli.{module}"), attribute),
                             cmd_name)
        return super().get_command(ctx, cmd_name)

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


def main() -> None:
    cli(prog_name="wsis-kg")
