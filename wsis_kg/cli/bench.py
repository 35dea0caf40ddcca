"""``wsis-kg bench``: the service against the engines users would pick, on the same data
(``wsis_kg.bench.engines``), the service against ``oxigraph serve`` in depth
(``wsis_kg.bench.runner``) and in-context validation; docs/performance.md explains the method."""

from __future__ import annotations

from pathlib import Path

import click

from wsis_kg.settings import Settings


@click.command("bench")
@click.option("--quick", is_flag=True,
              help="one small size (50,000 triples) and 1-2 second runs (CI)")
@click.option("--triples", callback=lambda _c, _p, v: _sizes(v),
              help="total quads to benchmark on (the WSIS graph + synthetic data), a comma "
                   "list for the engines suite (default 100000,1000000,10000000; the service "
                   "suite takes the first: default 1000000)")
@click.option("--engines", "engine_list",
              help="engines suite: a comma list of service, service-cache, service-remote, "
                   "oxigraph, virtuoso, rdflib-endpoint, rdflib (default: all)")
@click.option("--query-limit", type=click.FloatRange(min=1),
              help="engines suite: seconds each query may take on each engine (default 60, "
                   "--quick 10); rdflib is cut at half of it")
@click.option("--cold-start/--no-cold-start", default=True, show_default=True,
              help="engines suite: measure the service's cold start on the shipped graph")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="engines suite: keep the generated N-Quads here (made once per size)")
@click.option("--duration", type=click.FloatRange(min=1),
              help="seconds per wrk run (default: 10, --quick: 2)")
@click.option("--max-queries", type=click.IntRange(min=0),
              help="only the first N example queries")
@click.option("--suite", type=click.Choice(["all", "engines", "service", "validation", "search"]),
              default="all", show_default=True,
              help="engines: the service against oxigraph serve, Virtuoso and rdflib at each "
                   "size; service: the service against oxigraph serve in depth at one size; "
                   "validation: in-context SHACL validation against pyshacl alone; search: "
                   "full-text search latency; all: engines and validation")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench-results"), show_default=True,
              help="directory for bench.json and bench.md")
@click.pass_obj
def command(settings: Settings, quick: bool, triples: tuple[int, ...] | None,
            engine_list: str | None, query_limit: float | None, cold_start: bool,
            data_dir: Path | None, duration: float | None, max_queries: int | None, suite: str,
            out: Path) -> None:
    """Measure the service against the engines users would pick (needs wrk and the oxigraph
    CLI; Virtuoso and rdflib-endpoint when installed).

    Engines suite: at each size, the service (answer cache off and on, embedded and in remote
    mode), oxigraph serve, Virtuoso 7, rdflib-endpoint and rdflib in-process on the same data:
    load time, memory, p50/p95/p99 per query, look-ups at 1, 8 and 32 connections, cold
    start; writes engines.md, engines.json and engines.png and prints the targets met or
    missed. Service suite: (a) per-request overhead, (b) the catalogue's latency ratio and
    (c) look-up throughput against oxigraph serve. Validation suite: the time to validate a new
    resolution in the context of the graph against pyshacl on that data alone.
    """
    if suite in ("all", "engines"):
        _engines(settings, quick, triples, engine_list, query_limit, data_dir, duration,
                 max_queries, out, cold_start=cold_start)
    if suite == "service":
        _service(settings, quick, triples[0] if triples else None, duration, max_queries, out)
    if suite in ("all", "validation"):
        _validation(settings, quick, out)
    if suite == "search":
        from wsis_kg.bench.search import write_search_bench

        write_search_bench(settings, triples[0] if triples else (
            100_000 if quick else 1_000_000), out, say=lambda m: click.echo(m, err=True))


def _service(settings: Settings, quick: bool, triples: int | None, duration: float | None,
             max_queries: int | None, out: Path) -> None:
    from wsis_kg.bench import runner as bench

    cfg = bench.BenchConfig(
        triples=triples if triples is not None else (50_000 if quick else 1_000_000),
        duration=duration or (2.0 if quick else 10.0),
        out=out, quick=quick, max_queries=max_queries, query_limit=5.0 if quick else 10.0,
        command=_command_line(quick=quick, triples=triples, duration=duration,
                              max_queries=max_queries, out=out, suite="service"),
    )
    results = bench.run(settings, cfg, lambda m: click.echo(m, err=True))
    click.echo("")
    for line in bench.iter_summary(results):
        click.echo(line)
    click.echo(f"\nwritten: {out / 'bench.json'}, {out / 'bench.md'}")


def _sizes(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        sizes = tuple(int(v.replace("_", "")) for v in value.split(",") if v.strip())
    except ValueError:
        raise click.BadParameter("a number of triples or a comma list of them") from None
    if not sizes or min(sizes) < 0:
        raise click.BadParameter("a number of triples or a comma list of them")
    return sizes


def _engines(settings: Settings, quick: bool, sizes: tuple[int, ...] | None,
             engine_list: str | None, query_limit: float | None, data_dir: Path | None,
             duration: float | None, max_queries: int | None, out: Path, *,
             cold_start: bool = True) -> None:
    from wsis_kg.bench import engines

    names = tuple(e.strip() for e in engine_list.split(",")) if engine_list else engines.ENGINES
    unknown = set(names) - set(engines.ENGINES)
    if unknown:
        raise click.BadParameter(f"unknown engines: {', '.join(sorted(unknown))}",
                                 param_hint="--engines")
    cfg = engines.EnginesConfig(
        sizes=sizes or ((50_000,) if quick else (100_000, 1_000_000, 10_000_000)),
        duration=duration or (1.0 if quick else 10.0),
        query_duration=1.0 if quick else 2.0, slow_reps=1 if quick else 3,
        query_limit=query_limit or (10.0 if quick else 60.0),
        rdflib_query_limit=(query_limit or (10.0 if quick else 60.0)) / 2,
        lookups=500 if quick else 20_000,
        engines=names, max_queries=max_queries, out=out, data_dir=data_dir, quick=quick,
        cold_start=cold_start,
        command=_command_line(quick=quick, triples=sizes, duration=duration,
                              max_queries=max_queries, out=out, suite="engines",
                              engines=engine_list, query_limit=query_limit))
    results = engines.run(settings, cfg, lambda m: click.echo(m, err=True))
    click.echo("")
    for line in engines.iter_ratio_lines(results):
        click.echo(line)
    click.echo(f"\nwritten: {out / 'engines.json'}, {out / 'engines.md'}, "
               f"{out / 'engines.png'}")


def _command_line(*, quick: bool, triples: int | tuple[int, ...] | None,
                  duration: float | None, max_queries: int | None, out: Path,
                  suite: str | None = None, engines: str | None = None,
                  query_limit: float | None = None) -> str:
    """The command as given, for the report."""
    parts = ["wsis-kg", "bench"] + (["--quick"] if quick else [])
    if isinstance(triples, tuple):
        triples = ",".join(map(str, triples))  # type: ignore[assignment]
    for flag, value in (("--triples", triples), ("--duration", duration),
                        ("--max-queries", max_queries), ("--suite", suite),
                        ("--engines", engines), ("--query-limit", query_limit)):
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
