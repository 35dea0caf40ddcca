"""``wsis-kg generate --triples N --seed S -o FILE.nq``: a synthetic corpus that conforms.

See :mod:`wsis_kg.bench.generate`. The output is N-Quads, streamed (bounded memory at any
size), deterministic for a seed and size; its resolutions refer to the real action lines and
organisations of the curated data (read from the files, no build).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from wsis_kg.settings import Settings


@click.command("generate")
@click.option("--triples", "n_triples", type=click.IntRange(1), default=10_000,
              show_default=True, help="about how many triples to write")
@click.option("--seed", type=int, default=2003, show_default=True,
              help="the same seed and size give the same file")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="N-Quads file to write (default: standard output)")
@click.option("--stocktaking-only", is_flag=True,
              help="only stocktaking entries (no synthetic resolutions)")
@click.pass_obj
def command(settings: Settings, n_triples: int, seed: int, output: Path | None,
            stocktaking_only: bool) -> None:
    """Write a synthetic stocktaking corpus (and synthetic resolutions) of about N triples,
    under id/synthetic/ and graph/synthetic/, that conforms to the shapes."""
    from wsis_kg.bench.generate import (
        ACTION_LINES,
        ID,
        corpus,
        project_organisations,
        stocktaking,
        write_nquads,
    )

    t0 = time.perf_counter()
    if stocktaking_only:
        quads = stocktaking(n_triples, seed=seed)
    else:
        lines = [f"{ID}action-line/{c}" for c in ACTION_LINES]
        orgs = project_organisations(settings.project_root)
        quads = corpus(n_triples, seed=seed, organisations=orgs, action_lines=lines)
    if output is None:
        n = write_nquads(quads, sys.stdout.buffer)
    else:
        with output.open("wb") as out:
            n = write_nquads(quads, out)
    click.echo(f"generated {n} quads in {time.perf_counter() - t0:.1f}s"
               + (f" into {output}" if output else ""), err=True)
