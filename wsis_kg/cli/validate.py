"""``wsis-kg validate FILE…``: check new data against shapes/ in the context of the graph.

Exit codes: 0 conforms (warnings allowed unless ``--fail-on-warning``), 1 violations,
2 an input cannot be read (the message says file:line:column).
"""

from __future__ import annotations

from pathlib import Path

import click

from wsis_kg.errors import ValidationFailed
from wsis_kg.settings import Settings
from wsis_kg.validation.report import FORMATS, render


def open_context_store(settings: Settings, say=None):
    """The store to validate against; an empty one is built first (in memory by default)."""
    from wsis_kg.graph.build import open_or_build

    def built(_report: object) -> None:
        if say:
            say("built the graph for reference checks (pass --store DIR|URL to reuse a built "
                "store)")

    return open_or_build(settings, on_build=built, check_shapes=False)


def read_inputs(files: tuple[Path, ...], input_format: str | None):
    """Parse every file fully before anything else; unreadable input exits 2 (its error's
    ``exit_code``: :class:`InputSyntaxError`, :class:`UnsupportedMediaType`)."""
    from wsis_kg.rdf.parse import format_from_name, parse_file

    fmt = format_from_name(input_format) if input_format else None
    return [parse_file(f, fmt) for f in files]


@click.command("validate")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--input-format", "input_format", metavar="FMT",
              help="syntax of the files: turtle, trig, ntriples, nquads, jsonld, rdfxml "
                   "(default: from each file's extension)")
@click.option("--format", "out_format", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="report format")
@click.option("--fail-on-warning", is_flag=True, help="exit 1 on warnings too")
@click.option("--shapes", "shapes_file", type=click.Path(dir_okay=False, path_type=Path),
              help="validate against these shapes alone (no graph context)")
@click.option("--store", help="the built graph to check references against: a directory or a "
                              "SPARQL endpoint URL (default: build it in memory)")
@click.pass_obj
def command(settings: Settings, files: tuple[Path, ...], input_format: str | None,
            out_format: str, fail_on_warning: bool, shapes_file: Path | None,
            store: str | None) -> None:
    """Validate FILES (together: they may refer to each other) and print the report."""
    from wsis_kg.validation import validate

    settings = settings.with_(store=store)
    inputs = read_inputs(files, input_format)
    if shapes_file:
        shapes = read_inputs((shapes_file,), None)[0]
        report = validate.validate_with_shapes(inputs, shapes)
    else:
        st = open_context_store(settings, lambda m: click.echo(m, err=True))
        try:
            report = validate.validate_new_data(inputs, settings, st)
        finally:
            st.close()
    click.echo(render(report, out_format), nl=False)
    if report.violations or (fail_on_warning and (report.warnings or report.infos)):
        raise ValidationFailed(
            f"the data does not conform: {report.violations} violations, {report.warnings} "
            f"warnings, {report.infos} infos" + (" (--fail-on-warning)" * fail_on_warning),
            report=report)
