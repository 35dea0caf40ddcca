"""``wsis-kg extract``: regenerate data/extracted/ from data/sources/."""

from __future__ import annotations

import click

from wsis_kg.errors import BuildError
from wsis_kg.extraction.extract import SOURCES, extract_all
from wsis_kg.settings import Settings


@click.command("extract")
@click.option("--only", multiple=True, type=click.Choice([d.slug for d in SOURCES]),
              help="extract only this document (repeatable)")
@click.option("--check", is_flag=True,
              help="do not write; exit 1 if data/extracted/ is not what the code produces")
@click.pass_obj
def command(settings: Settings, only: tuple[str, ...], check: bool) -> None:
    """Parse the source texts into paragraph-level RDF (data/extracted/*.ttl)."""
    outputs = extract_all(settings, list(only) or None, lambda m: click.echo(m, err=True))
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            click.echo(f"wrote {path}")
    if check and stale:
        raise BuildError("out of date: " + ", ".join(str(p) for p in stale))
