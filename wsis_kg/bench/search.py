"""Benchmark of full-text search at a million triples (the target: under 50 ms, docs/web.md).

The data is the project's graph plus the bench's synthetic resolutions (:mod:`synthetic`) up
to ``triples`` quads. The synthetic texts draw on 34 words, so every one of them is in about
half of all paragraphs: the hard case for a full-text index (a phrase of two such words must
check positions in tens of thousands of candidates).

The query mix is fixed and every query in it is different (no answer is ever asked for twice,
so nothing a cache or a warm posting list keeps helps): common words, two common words,
phrases, prefixes, ``OR``, rare words, and common words with a filter (a document, an action
line, a type). Each is timed once through :meth:`SearchIndex.search`, which is all
``GET /search`` adds to the HTTP request. ``wsis-kg bench --suite search`` runs it (1,000,000
quads; ``--triples`` for another size); ``python -m wsis_kg.bench.search [TRIPLES]`` prints the
same figures as JSON. Besides the wall-clock times it reports the CPU time of the searching
thread, which other jobs on a shared machine do not inflate.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wsis_kg.bench import synthetic
from wsis_kg.graph.build import build
from wsis_kg.graph.search import Filters, SearchIndex
from wsis_kg.namespaces import PREFIXES
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore

#: Words of the synthetic texts (each in about half of the synthetic paragraphs).
COMMON = ("information", "society", "digital", "divide", "broadband", "access", "development",
          "governance", "capacity", "building", "infrastructure", "internet", "cooperation",
          "security", "knowledge", "cultural")
#: Words in a few subjects at most: of the project's own texts, and resolution numbers (in
#: one synthetic title and symbol each).
RARE = ("telemedicine", "Tunis", "UNESCO", "kookaburra", "4711", "1234", "spam", "ITU",
        "UNCTAD", "tsunami", "Geneva", "733")
#: What people type into the search box, a character at a time (``/suggest``).
TYPED = ("he", "hea", "heal", "e-he", "wh", "who", "in", "inf", "bro", "res", "un", "dig")
PREFIXES_ = ("heal*", "gov*", "dev*", "inf*", "cap*", "secur*", "know*", "broad*", "e-g*",
             "cult*", "coop*", "imple*")


def query_mix(per_kind: int = 12) -> list[tuple[str, str, Filters]]:
    """(kind, query text, filters): ``per_kind`` distinct queries of each kind."""
    c = COMMON
    n = len(c)
    synth = synthetic.SYNTH_ID
    wsis = PREFIXES["wsis"]
    kinds: dict[str, list[tuple[str, Filters]]] = {
        "common word": [(c[i % n], Filters()) for i in range(per_kind)],
        "two words": [(f"{c[i % n]} {c[(i + 3) % n]}", Filters()) for i in range(per_kind)],
        "phrase": [(f'"{c[i % n]} {c[(i + 5) % n]}"', Filters()) for i in range(per_kind)],
        "prefix": [(PREFIXES_[i % len(PREFIXES_)], Filters()) for i in range(per_kind)],
        "OR": [(f"{c[i % n]} OR {c[(i + 7) % n]}", Filters()) for i in range(per_kind)],
        "rare word": [(RARE[i % len(RARE)], Filters()) for i in range(per_kind)],
        "filter": [(c[(i + 2) % n], f) for i, f in enumerate(
            ([Filters(document=f"{synth}resolution/{7 * i + 3}") for i in range(4)]
             + [Filters(action_line=f"{synth}action-line/{i + 1}") for i in range(4)]
             + [Filters(type=wsis + t) for t in ("OperativeParagraph", "PreambularParagraph",
                                                 "Resolution", "Paragraph")])[:per_kind])],
    }
    seen: set[tuple[str, Filters]] = set()
    out = []
    for kind, queries in kinds.items():
        for text, filters in queries:
            if (text, filters) not in seen:  # never the same query twice
                seen.add((text, filters))
                out.append((kind, text, filters))
    return out


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered)) - 1))]


def time_queries(index: SearchIndex, mix: list[tuple[str, str, Filters]]) -> dict[str, Any]:
    """Each query of ``mix`` once: p50/p95 over all and per kind, in milliseconds."""
    by_kind: dict[str, list[float]] = {}
    every: list[float] = []
    cpu: list[float] = []
    slowest: list[tuple[float, str]] = []
    for kind, text, filters in mix:
        start, start_cpu = time.perf_counter(), time.thread_time()
        index.search(text, filters)
        ms = (time.perf_counter() - start) * 1000
        cpu.append((time.thread_time() - start_cpu) * 1000)
        by_kind.setdefault(kind, []).append(ms)
        every.append(ms)
        slowest.append((ms, text))
    slowest.sort(reverse=True)
    typed = []
    for text in TYPED:
        start = time.perf_counter()
        index.suggest(text)
        typed.append((time.perf_counter() - start) * 1000)
    return {
        "suggest_p50_ms": _ms(statistics.median(typed)),
        "suggest_max_ms": _ms(max(typed)),
        "queries": len(every),
        "p50_ms": _ms(statistics.median(every)),
        "p95_ms": _ms(percentile(every, 0.95)),
        "max_ms": _ms(max(every)),
        # CPU time of the searching thread: the work itself, whatever else the machine runs
        "cpu_p50_ms": _ms(statistics.median(cpu)),
        "cpu_p95_ms": _ms(percentile(cpu, 0.95)),
        "by_kind": {k: {"p50_ms": _ms(statistics.median(v)),
                        "max_ms": _ms(max(v))} for k, v in by_kind.items()},
        "slowest": [{"query": t, "ms": _ms(ms)} for ms, t in slowest[:5]],
    }


def _ms(value: float) -> float:
    """Milliseconds to report: three significant digits, never rounded to 0 (a suggestion
    takes ≈0.05 ms on an idle box, which one decimal reported as 0.0)."""
    return float(f"{value:.3g}")


def run_search_bench(settings: Settings, triples: int = 1_000_000, *,
                     say: Callable[[str], Any] = print) -> dict[str, Any]:
    """Build the graph plus synthetic data to ``triples`` quads, index it, time the mix."""
    store = OxigraphStore()
    say("search bench: building the project's graph …")
    build(settings, store, check_shapes=False)
    say(f"search bench: adding synthetic data up to {triples:,} quads …")
    store.ox.bulk_extend(synthetic.generate(max(0, triples - len(store))))
    index = SearchIndex(settings.search_rank_window)
    start = time.perf_counter()
    index.refresh(store)
    build_s = time.perf_counter() - start
    say(f"search bench: {len(index):,} subjects indexed in {build_s:.1f} s; timing the mix …")
    result = {"quads": len(store), "subjects": len(index), "index_build_s": round(build_s, 1),
              "index_mb": round(index.size_bytes() / 1e6, 1),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "cpus": os.cpu_count(), **time_queries(index, query_mix())}
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def summary(res: dict[str, Any]) -> list[str]:
    """Markdown lines of a result (``wsis-kg bench --suite search`` prints them)."""
    lines = [f"search at {res['quads']:,} quads ({res['subjects']:,} subjects, index built in "
             f"{res['index_build_s']} s), {res['queries']} distinct queries, load average "
             f"{res['load_average'][0]} on {res['cpus']} CPUs:",
             f"p50 {res['p50_ms']} ms, p95 {res['p95_ms']} ms, max {res['max_ms']} ms "
             f"(CPU time: p50 {res['cpu_p50_ms']} ms, p95 {res['cpu_p95_ms']} ms); "
             f"suggestions p50 {res['suggest_p50_ms']} ms, max {res['suggest_max_ms']} ms; "
             f"index {res['index_mb']} MB",
             "", "| kind | p50 ms | max ms |", "|---|---:|---:|"]
    lines += [f"| {k} | {v['p50_ms']} | {v['max_ms']} |" for k, v in res["by_kind"].items()]
    return lines


def write_search_bench(settings: Settings, triples: int, out: Path, *,
                       say: Callable[[str], Any] = print) -> dict[str, Any]:
    """Run the bench, write ``out/search.json`` and print the summary (``wsis-kg bench``)."""
    res = run_search_bench(settings, triples, say=say)
    out.mkdir(parents=True, exist_ok=True)
    (out / "search.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print("\n".join(["", *summary(res), "", f"written: {out / 'search.json'}"]))
    return res


if __name__ == "__main__":  # pragma: no cover - the CLI's twin, for a quick figure
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print(json.dumps(run_search_bench(Settings.from_env(), n,
                                      say=lambda m: print(m, file=sys.stderr)), indent=2))
