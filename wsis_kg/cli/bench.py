"""``wsis-kg bench``: the service against ``oxigraph serve`` on the same data (see
``wsis_kg.bench.runner`` and docs/performance.md)."""

from __future__ import annotations

from pathlib import Path

import click

from wsis_kg.settings import Settings


@click.command("bench")
@click.option("--quick", is_flag=True,
              help="about 50,000 triples and 2-second runs (CI); default: 1,000,000 and 10 s")
@click.option("--triples", type=click.IntRange(min=0),
              help="total quads to benchmark on (the WSIS graph + synthetic data)")
@click.option("--duration", type=click.FloatRange(min=1),
              help="seconds per wrk run (default: 10, --quick: 2)")
@click.option("--max-queries", type=click.IntRange(min=0),
              help="only the first N example queries")
@click.option("--suite", type=click.Choice(["all", "service", "validation", "search"]),
              default="all", show_default=True,
              help="service: HTTP against oxigraph serve; validation: in-context SHACL "
                   "validation against pyshacl alone; search: full-text search latency "
                   "(not part of all)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench-results"), show_default=True,
              help="directory for bench.json and bench.md")
@click.pass_obj
def command(settings: Settings, quick: bool, triples: int | None, duration: float | None,
            max_queries: int | None, suite: str, out: Path) -> None:
    """Measure the service against oxigraph serve (needs wrk and the oxigraph CLI).

    Starts `oxigraph serve` and `wsis-kg serve` on 127.0.0.1, loads the same data into both
    and prints (a) per-request overhead, (b) the example catalogue's latency ratio and
    (c) lookup throughput at 8 and 32 connections; then (d) the time to validate a new
    resolution in the context of the graph against pyshacl on that data alone.
    """
    if suite in ("all", "service"):
        _service(settings, quick, triples, duration, max_queries, out)
    if suite in ("all", "validation"):
        _validation(settings, quick, out)
    if suite == "search":
        from wsis_kg.bench.search import write_search_bench

        write_search_bench(settings, triples if triples is not None else (
            100_000 if quick else 1_000_000), out, say=lambda m: click.echo(m, err=True))


def _service(settings: Settings, quick: bool, triples: int | None, duration: float | None,
             max_queries: int | None, out: Path) -> None:
    from wsis_kg.bench import runner as bench

    cfg = bench.BenchConfig(
        triples=triples if triples is not None else (50_000 if quick else 1_000_000),
        duration=duration or (2.0 if quick else 10.0),
        out=out, quick=quick, max_queries=max_queries, query_limit=5.0 if quick else 10.0,
        command=_command_line(quick=quick, triples=triples, duration=duration,
                              max_queries=max_queries, out=out),
    )
    results = bench.run(settings, cfg, lambda m: click.echo(m, err=True))
    click.echo("")
    for line in bench.iter_summary(results):
        click.echo(line)
    click.echo(f"\nwritten: {out / 'bench.json'}, {out / 'bench.md'}")


def _command_line(*, quick: bool, triples: int | None, duration: float | None,
                  max_queries: int | None, out: Path) -> str:
    """The command as given, for the report."""
    parts = ["wsis-kg", "bench"] + (["--quick"] if quick else [])
    for flag, value in (("--triples", triples), ("--duration", duration),
                        ("--max-queries", max_queries)):
        if value is not None:
            parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    return " ".join([*parts, "--out", str(out)])


def _validation(settings: Settings, quick: bool, out: Path) -> None:
    import json

    from wsis_kg.bench.validation import run_validation_bench

    res = run_validation_bench(settings, repeats=2 if quick else 7,
                               say=lambda m: click.echo(m, err=True))
    out.mkdir(parents=True, exist_ok=True)
    (out / "validation.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    click.echo(f"\n| (d) validation in context | triples | ours | pyshacl alone | ratio "
               f"(target ≤ {res['target_ratio']:g}×, ≤ {res['target_seconds']:g} s) |")
    click.echo("|---|---:|---:|---:|---:|")
    for name, row in res["cases"].items():
        ok = "met" if row["meets_ratio"] and row["meets_seconds"] else "MISSED"
        click.echo(f"| {name} | {row['triples']} | {row['validate_new_data_s']:.3f} s | "
                   f"{row['pyshacl_alone_s']:.3f} s | {row['ratio']:.2f}× {ok} |")
    click.echo(f"\nwritten: {out / 'validation.json'}")
