"""The importer on the corpus of layouts found in real texts: figures and targets.

The corpus (tests/fixtures/importer/corpus/) is made by ``make_corpus.py`` from the two seed
texts, plus hand-written short texts in ``corpus/hand/``; each text has its expected structure
in a JSON file next to it. The figures are printed (``pytest -s``) and docs/importer.md quotes
them; the targets are the issue's.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from rdflib import RDF
from rdflib.namespace import DCTERMS

from wsis_kg.extraction.importer.resolution import ImportResult, decode, import_resolution
from wsis_kg.namespaces import WSIS

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "fixtures" / "importer" / "corpus"
TEXTS = sorted(p for p in CORPUS.rglob("*.txt"))


def norm(t: str) -> str:
    return re.sub(r"\s+", " ", t).strip()


@cache
def imported(path: Path) -> ImportResult:
    return import_resolution(decode(path.read_bytes(), path.name), file_name=path.name)


def expectation(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


@dataclass
class Tally:
    """Counts over the corpus: (right, total) per measure."""

    counts: dict[str, list[int]] = field(default_factory=dict)
    misses: dict[str, list[str]] = field(default_factory=dict)

    def add(self, measure: str, ok: bool, what: str) -> None:
        c = self.counts.setdefault(measure, [0, 0])
        c[0] += ok
        c[1] += 1
        if not ok:
            self.misses.setdefault(measure, []).append(what)

    def rate(self, measure: str) -> float:
        ok, n = self.counts.get(measure, [0, 0])
        return ok / n if n else 1.0


def paragraphs(r: ImportResult) -> list[dict]:
    g = r.graph
    out = []
    for p in r.parts:
        if p.kind not in ("preamble", "operative"):
            continue
        out.append({"kind": p.kind, "number": p.number if p.kind == "operative" else None,
                    "leading": p.leading, "text": norm(p.text),
                    "footnotes": sorted(int(str(o).rsplit("/", 1)[1])
                                        for o in g.objects(p.iri, WSIS.hasFootnote))})
    return out


def items(r: ImportResult) -> dict[str, dict]:
    """Lettered items by their path under the resolution ("para/4/b/ii")."""
    base = str(r.iri) + "/"
    return {str(p.iri)[len(base):]: {
        "text": norm(p.text),
        "footnotes": sorted(int(str(o).rsplit("/", 1)[1])
                            for o in r.graph.objects(p.iri, WSIS.hasFootnote))}
        for p in r.parts if p.kind == "item"}


def measure(path: Path, t: Tally) -> None:
    exp, r = expectation(path), imported(path)
    name = path.name
    got = paragraphs(r)
    by_text = Counter((p["kind"], p["text"]) for p in got)
    got_by_text = {(p["kind"], p["text"]): p for p in got}
    for i, e in enumerate(exp["paragraphs"]):
        key = (e["kind"], e["text"])
        found = by_text[key] > 0
        if found:
            by_text[key] -= 1
        t.add("paragraph boundaries", found, f"{name} #{i + 1} {e['text'][:50]!r}")
        g = got_by_text.get(key)
        if e["kind"] == "operative":
            t.add("operative numbers", bool(g) and g["number"] == e["number"],
                  f"{name} para {e['number']}: got {g and g['number']}")
        t.add("leading phrases", bool(g) and g["leading"] == e["leading"],
              f"{name} #{i + 1}: {e['leading']!r} got {g and g['leading']!r}")
        if g and e["footnotes"]:
            t.add("footnote links", g["footnotes"] == e["footnotes"],
                  f"{name} #{i + 1}: {e['footnotes']} got {g['footnotes']}")
    got_items = items(r)
    for e in exp.get("items", []):
        it = got_items.pop(e["item"], None)
        t.add("lettered items", it == {"text": e["text"], "footnotes": e["footnotes"]},
              f"{name} {e['item']}: {e['text'][:40]!r} got {it and it['text'][:40]!r}")
    t.add("no extra items", not got_items, f"{name}: unexpected items {sorted(got_items)}")
    extra = sum(by_text.values())
    t.add("no extra paragraphs", extra == 0 and len(got) == len(exp["paragraphs"]),
          f"{name}: {len(got)} paragraphs for {len(exp['paragraphs'])}")
    fns = {norm(str(o)) for s in r.graph.subjects(RDF.type, WSIS.Footnote)
           for o in r.graph.objects(s, WSIS.text)}
    for n, text in exp["footnotes"].items():
        measure_name = "inlined footnotes" if exp["inlined_footnotes"] else "footnotes"
        t.add(measure_name, norm(text) in fns, f"{name} footnote {n}: {text[:40]!r}")
    cited = {str(r.graph.value(s, WSIS.symbol)) for s in r.graph.subjects(RDF.type,
                                                                            WSIS.Resolution)
             if s != r.iri}
    for s in exp["resolutions"]:
        t.add("cited resolutions recall", s in cited, f"{name}: {s} missed")
    for s in sorted(cited):
        t.add("cited resolutions precision", s in exp["resolutions"], f"{name}: {s} wrong")
    docs = {str(r.graph.value(s, WSIS.symbol)) for t_ in (WSIS.Report, WSIS.Document)
            for s in r.graph.subjects(RDF.type, t_)}
    for s in exp["documents"]:
        t.add("cited UN documents", s in docs, f"{name}: {s} missed")
    for s in exp.get("decisions", []):
        t.add("cited decisions", s in {str(d).rsplit("/", 1)[1] for d in
                                       r.graph.subjects(RDF.type, WSIS.Decision)},
              f"{name}: decision {s}")
    for rep in exp["reports"]:
        t.add("reports", any(rep in p for p in r.problems), f"{name}: no report {rep!r}")
    t.add("symbol", r.symbol == exp["symbol"], f"{name}: {r.symbol}")
    g = r.graph
    title = g.value(r.iri, DCTERMS.title)
    t.add("title", (str(title) if title else None) == exp["title"], f"{name}: {title!r}")
    date = g.value(r.iri, WSIS.adoptionDate)
    t.add("date", (str(date) if date else None) == exp["date"], f"{name}: {date}")
    meeting = g.value(r.iri, WSIS.meeting)
    t.add("meeting", (str(meeting) if meeting else None) == exp["meeting"],
          f"{name}: {meeting}")


@pytest.fixture(scope="module")
def tally() -> Tally:
    t = Tally()
    for p in TEXTS:
        measure(p, t)
    return t


@pytest.fixture(scope="module")
def combined() -> Tally:
    """The texts where several faults meet (make_corpus.py names them "…combined…")."""
    t = Tally()
    for p in TEXTS:
        if "combined" in p.name:
            measure(p, t)
    return t


TARGETS = {
    "paragraph boundaries": 0.99,
    "operative numbers": 0.99,
    "cited resolutions recall": 0.97,
    "cited resolutions precision": 0.99,
    "inlined footnotes": 0.95,
    "lettered items": 0.99,
    "reports": 1.0,
}


def _print(title: str, tally: Tally) -> None:
    print(f"\n{title}")
    for m, (ok, n) in sorted(tally.counts.items()):
        print(f"{m:30} {ok:5}/{n:<5} {ok / n:7.1%}")
        for miss in tally.misses.get(m, [])[:8]:
            print(f"    miss: {miss}")


def test_figures_meet_the_targets(tally: Tally, combined: Tally) -> None:
    _print(f"all {len(TEXTS)} texts", tally)
    _print(f"the {sum('combined' in p.name for p in TEXTS)} texts where faults meet", combined)
    for t in (tally, combined):
        low = {m: f"{t.rate(m):.1%}" for m, target in TARGETS.items() if t.rate(m) < target}
        assert not low, low


def test_corpus_is_what_the_script_makes() -> None:
    """The committed derived texts and expectations are make_corpus.py's output (rerun it after
    changing the seeds or the script)."""
    spec = importlib.util.spec_from_file_location("make_corpus",
                                                  Path(__file__).with_name("make_corpus.py"))
    assert spec and spec.loader
    make_corpus = importlib.util.module_from_spec(spec)
    sys.modules["make_corpus"] = make_corpus  # its dataclasses look their module up there
    spec.loader.exec_module(make_corpus)
    for name, (data, exp) in make_corpus.derived().items():
        path = CORPUS / name
        want = data if isinstance(data, bytes) else data.encode("utf-8")
        assert path.read_bytes() == want, f"{name}: run tests/extraction/importer/make_corpus.py"
        assert expectation(path) == json.loads(json.dumps(exp)), name


@pytest.mark.parametrize("name", ["ecosoc-truncated.txt", "ga-truncated.txt",
                                  "concatenated-ecosoc-ga.txt",
                                  "combined-truncated-then-concatenated.txt"])
def test_cut_off_and_doubled_texts_are_reported(name: str) -> None:
    r = imported(CORPUS / name)
    words = ["a second resolution starts at line"] if "concat" in name else []
    words += ["seems cut off"] if "truncated" in name else []
    for w in words:
        assert any(w in p for p in r.problems), r.problems
