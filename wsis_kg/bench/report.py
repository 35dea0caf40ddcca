"""The engines benchmark written out: ``engines.json``, ``engines.md`` and ``engines.png``.

The markdown is what docs/performance.md and the README quote; the ratio lines (issue 15 item 3,
met/missed) are also what ``wsis-kg bench`` prints.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Column order of the tables (engines absent from a run are left out).
ORDER = ("service", "service-cache", "service-remote", "oxigraph", "virtuoso",
         "rdflib-endpoint", "rdflib")
LABELS = {"service": "service (cache off)", "service-cache": "service (cache on)",
          "service-remote": "service → oxigraph serve", "oxigraph": "oxigraph serve",
          "virtuoso": "Virtuoso 7", "rdflib-endpoint": "rdflib-endpoint",
          "rdflib": "rdflib in-process"}


def _f(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _mb(x: Any) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _engines(size: dict[str, Any]) -> list[str]:
    return [e for e in ORDER if e in size["engines"]]


def ratio_lines(results: dict[str, Any]) -> Iterator[str]:
    """Issue 15 item 3 per size, one line each, with met/missed; then item 7, the cold start."""
    t = results["targets"]
    ok = {True: "met", False: "MISSED"}
    yield from _size_ratio_lines(results["sizes"], t, ok)
    cs = results.get("cold_start")
    if cs and "met" in cs:
        yield (f"cold start on the shipped graph, graph cached = {cs['seconds']:.2f} s (target ≤ "
               f"{t['cold_start_s_max']:g} s): {ok[cs['met']]}")


def _size_ratio_lines(sizes: list[dict[str, Any]], t: dict[str, Any],
                      ok: dict[bool, str]) -> Iterator[str]:
    for size in sizes:
        r = size.get("ratios") or {}
        n = size["data"]["quads"]
        if not r:
            yield f"{n} quads: no ratios (the service or oxigraph serve was not measured)"
            continue
        for key in sorted((k for k in r if k.startswith("lookups_")),
                          key=lambda k: int(k.split("_c")[1])):
            yield (f"{n} quads: look-ups by IRI at {key.split('_c')[1]} connection(s), service "
                   f"÷ oxigraph serve = {r[key]['ratio']:.2f}× (target ≥ "
                   f"{t['lookup_ratio_min']}×): {ok[r[key]['met']]}")
        if "ask_overhead_ms" in r:
            a = r["ask_overhead_ms"]
            yield (f"{n} quads: ASK {{}} overhead above in-process = {a['value']:.3f} ms "
                   f"(oxigraph serve {a['oxigraph']:.3f} ms; target ≤ "
                   f"{t['ask_overhead_ms_max']} ms): {ok[a['met']]}")
        if "query_geomean_ratio" in r:
            q = r["query_geomean_ratio"]
            yield (f"{n} quads: catalogue + analytical p50, service ÷ oxigraph serve, geometric "
                   f"mean of {q['queries']} = {q['value']:.2f}× (target ≤ "
                   f"{t['query_geomean_ratio_max']}×): {ok[q['met']]}")
        if "rdflib_over_service" in r:
            q = r["rdflib_over_service"]
            bound = " (at least: some rdflib queries were cut)" if q["lower_bound"] else ""
            yield (f"{n} quads: rdflib in-process p50 ÷ service p50, geometric mean of "
                   f"{q['queries']} = {q['value']:.1f}×{bound} (expected ≥ "
                   f"{t['rdflib_over_service_min']:g}×): {ok[q['met']]}")


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# wsis-kg engines benchmark ({results['date']})", "",
        f"`{results['command']}` on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB), "
        f"{m['os']}, Python {m['python']}, pyoxigraph {m['pyoxigraph']}, "
        f"{m['oxigraph_server']}, {m['wrk']}. Load average at start: {_f(m['load'])}. "
        f"wrk throughput runs of {results['duration_s']:g} s; every query time-boxed at "
        f"{results['query_limit_s']:g} s.", ""]
    cs = results.get("cold_start")
    if cs:
        first = cs.get("empty_cache")
        lines += [f"Cold start of `wsis-kg serve` on the shipped graph (build, reasoning and "
                  f"shapes check on start) to the first 200 on `/health/ready`: "
                  f"**{cs['seconds']:.2f} s** with the graph a first start cached (peak "
                  f"memory {_mb(cs['peak_rss_mb'])} MiB)"
                  + (f"; that first start, on an empty cache: {first['seconds']:.2f} s "
                     f"(peak {_mb(first['peak_rss_mb'])} MiB)" if first else "") + ".", ""]
    lines += ["## Targets (issue 15 item 3: service with every request evaluated vs "
              "oxigraph serve; item 7: cold start)", ""]
    lines += [f"* {ln}" for ln in ratio_lines(results)] + [""]
    for size in results["sizes"]:
        lines += list(_size_section(size))
    return "\n".join(lines) + "\n"


def _size_section(size: dict[str, Any]) -> Iterator[str]:
    d = size["data"]
    names = _engines(size)
    yield f"## {d['quads']:,} quads"
    yield ""
    yield (f"{d['wsis_quads']:,} of the WSIS graph + {d['synthetic_quads']:,} synthetic "
           f"(stocktaking entries and resolutions, seed {d['seed']}); load average "
           f"{_f(size['load_average'])}; look-ups over {size['lookup_iris']:,} distinct IRIs.")
    if "disk_store" in size:
        ds = size["disk_store"]
        per_m = ds["peak_rss_mb"] / max(d["quads"] / 1e6, 1e-9)
        yield (f"On-disk store: bulk load {ds['load_s']:.1f} s, peak memory "
               f"{_mb(ds['peak_rss_mb'])} MiB ({per_m:,.0f} MiB per million quads), "
               f"{_mb(ds['disk_mb'])} MiB on disk.")
    yield ""
    yield ("| engine | load s | ready s | peak MiB | ASK {} p50 ms | look-ups req/s "
           "1 / 8 / 32 conn. | query p50 geomean ms | same answers |")
    yield "|---|---:|---:|---:|---:|---|---:|---|"
    for e in names:
        row = size["engines"][e]
        if "skipped" in row:
            yield f"| {LABELS[e]} | {row['skipped']} | | | | | | |"
            continue
        lk = row.get("lookups") or {}
        rps = " / ".join(_f(lk.get(f"c{c}", {}).get("rps"), 0)
                         + (f" ({lk[f'c{c}']['refused']} refused)"
                            if lk.get(f"c{c}", {}).get("refused") else "")
                         for c in (1, 8, 32))
        qs = row.get("queries") or {}
        p50s = [q["p50_ms"] for q in qs.values() if q.get("p50_ms")]
        gm = math.exp(sum(math.log(x) for x in p50s) / len(p50s)) if p50s else None
        same = [q.get("same_answer") for q in qs.values() if "same_answer" in q]
        failed = sum(1 for q in qs.values() if "error" in q)
        answers = ("reference" if e == "oxigraph" else f"{sum(1 for s in same if s)}/{len(same)}"
                   ) + (f", {failed} failed or cut" if failed else "")
        peak = row.get("peak_rss_mb")
        load_peak = row.get("load_peak_rss_mb")
        peak_s = _mb(peak) + (f" (load {_mb(load_peak)})" if load_peak else "")
        yield (f"| {LABELS[e]} | {_f(row.get('load_s'), 1)} | {_f(row.get('startup_s'), 1)} | "
               f"{peak_s} | {_f((row.get('ask') or {}).get('p50_ms'), 3)} | {rps} | "
               f"{_f(gm)} | {answers} |")
    yield ""
    yield "p50 / p99 ms per query (≠: a different answer from oxigraph serve; > N s: cut):"
    yield ""
    yield "| query | " + " | ".join(LABELS[e] for e in names) + " |"
    yield "|---|" + "---:|" * len(names)
    for q, kind in size["queries"].items():
        cells = []
        for e in names:
            row = (size["engines"][e].get("queries") or {}).get(q)
            if row is None:
                cells.append("")
            elif "error" in row:
                cells.append(row["error"] if row.get("cut") else "error")
            else:
                mark = "" if row.get("same_answer", True) else " ≠"
                cells.append(f"{_f(row['p50_ms'])} / {_f(row['p99_ms'])}{mark}")
        label = q + (" ¹" if kind == "analytical" else "")
        yield f"| {label} | " + " | ".join(cells) + " |"
    yield ""
    yield "¹ analytical query over stocktaking data (`wsis_kg/bench/queries/`)."
    yield ""


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Three panels per run: query p50 (geometric mean), look-up throughput at 8 connections
    and peak memory, per engine and size. None when matplotlib is missing."""
    fig = figure(results)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


#: Each engine's bars are told apart by a pattern as well as a colour (WCAG 1.4.1: colour is
#: not the only means), in :data:`ORDER`.
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--")


def figure(results: dict[str, Any]) -> Any:
    """The matplotlib figure of :func:`plot` (None without matplotlib or sizes): one legend
    under the three panels, where it hides no bar."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = results["sizes"]
    if not sizes:
        return None
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.5))
    names = [e for e in ORDER if any(e in s["engines"] for s in sizes)]
    width = 0.8 / max(1, len(names))
    panels = (("query p50, geometric mean (ms, log)", _gm_p50, True),
              ("look-ups by IRI, 8 connections (req/s)", _rps8, False),
              ("peak memory (MiB)", lambda r: r.get("peak_rss_mb"), False))
    for ax, (title, fn, log) in zip(axes, panels, strict=True):
        for i, e in enumerate(names):
            ys = [fn(s["engines"].get(e) or {}) or 0 for s in sizes]
            xs = [j + i * width for j in range(len(sizes))]
            ax.bar(xs, ys, width, label=LABELS[e], hatch=HATCHES[ORDER.index(e)],
                   edgecolor="black", linewidth=0.4)
        ax.set_xticks([j + width * (len(names) - 1) / 2 for j in range(len(sizes))])
        ax.set_xticklabels([f"{s['data']['quads']:,}" for s in sizes])
        ax.set_title(title)
        ax.set_xlabel("quads")
        if log:
            ax.set_yscale("log")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(names), frameon=False,
               fontsize=9)
    fig.suptitle(f"wsis-kg bench, {results['date']}, {results['machine']['cpu']}")
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    return fig


def _gm_p50(row: dict[str, Any]) -> float | None:
    p50s = [q["p50_ms"] for q in (row.get("queries") or {}).values() if q.get("p50_ms")]
    return math.exp(sum(math.log(x) for x in p50s) / len(p50s)) if p50s else None


def _rps8(row: dict[str, Any]) -> float | None:
    return ((row.get("lookups") or {}).get("c8") or {}).get("rps")


def write(results: dict[str, Any], out: Path) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "engines.json", "md": out / "engines.md"}
    paths["json"].write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    paths["md"].write_text(render(results), encoding="utf-8")
    png = plot(results, out / "engines.png")
    if png is not None:
        paths["png"] = png
    return paths
