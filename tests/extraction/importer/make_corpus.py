"""Build the importer's test corpus (tests/fixtures/importer/corpus/) from the two seed texts.

Run ``python tests/extraction/importer/make_corpus.py`` to rewrite it; ``test_corpus.py`` checks
the committed files are what this script makes. Nothing here states a fact the seeds do not: each
derived text is a seed resolution (as its committed import reads it) laid out again by code in one
of the layouts found in real texts, with the structure the importer must find written next to it
as JSON. The hand-written short texts in ``corpus/hand/`` use obviously synthetic symbols and dates
(session 99, year 2099) and carry their expectations in a JSON file of their own.
"""

from __future__ import annotations

import json
import random
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from rdflib.namespace import DCTERMS  # noqa: E402

from wsis_kg.extraction.importer.resolution import import_resolution  # noqa: E402
from wsis_kg.namespaces import WSIS  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "importer" / "corpus"
SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
OCR_RATE = 0.02  # share of letters lost
OCR_SEED = 7


@dataclass
class Para:
    kind: str  # preamble | operative | heading
    text: str  # as the seed import reads it (markers out)
    number: str | None = None
    leading: str | None = None
    markers: list[tuple[int, int]] = field(default_factory=list)
    footnotes: list[int] = field(default_factory=list)


@dataclass
class Seed:
    key: str
    symbol: str
    header: list[str]  # lines before the opener
    opener: str
    closing: list[str]
    paras: list[Para]
    footnotes: dict[int, str]
    resolutions: list[str]
    decisions: list[str]
    documents: list[str]


def load(key: str) -> Seed:
    name, symbol = {"ecosoc": ("ecosoc-res-2009-7.txt", "E/RES/2009/7"),
                    "ga": ("ga-res-66-184.txt", "A/RES/66/184")}[key]
    r = import_resolution((ROOT / "data" / "sources" / name).read_text(encoding="utf-8"),
                          symbol=symbol)
    paras = []
    for p in r.parts:
        if p.kind == "item":
            raise SystemExit("the seeds have no lettered items; extend the corpus script")
        paras.append(Para(p.kind, p.text, p.number if p.kind == "operative" else None,
                          p.leading, list(p.markers), list(p.footnotes)))
    g = r.graph
    cited = sorted(str(g.value(s, WSIS.symbol)) for s in g.subjects(None, WSIS.Resolution)
                   if s != r.iri)
    docs = sorted(str(g.value(s, WSIS.symbol)) for t in (WSIS.Report, WSIS.Document)
                  for s in g.subjects(None, t))
    title = str(g.value(r.iri, DCTERMS.title))
    if key == "ecosoc":
        header, opener = ["2009/7", "", title], "The Economic and Social Council,"
        closing = ["36th plenary meeting", "24 July 2009"]
    else:
        # the GA seed prints no symbol: the masthead form with the seed's own symbol
        header, opener, closing = ["A/RES/66/184", "", title], "The General Assembly,", []
    return Seed(key, symbol, header, opener, closing, paras, dict(r.footnotes), cited, [], docs)


def with_markers(p: Para, style: str, footnotes: dict[int, str], seen: set[int]) -> str:
    """The paragraph text with its footnote markers put back (and inlined footnotes)."""
    out = p.text
    for pos, n in sorted(p.markers, reverse=True):
        if n in seen:
            mark = str(n).translate(SUPER)
        elif style == "doubled" and n < 10:
            mark = str(n) * 2
        elif style == "inline":
            mark = f"{n}{footnotes[n]}"
        else:
            mark = str(n)
        out = out[:pos].rstrip() + mark + out[pos:]
    for _pos, n in p.markers:
        seen.add(n)
    return out


def ocr(text: str, rng: random.Random) -> str:
    """Letters lost at OCR_RATE; a run of lost letters shows as one space."""
    out, lost = [], False
    for i, ch in enumerate(text):
        # (not right after a hyphen: "e- trategies" would wrap as a line-end hyphen)
        if ch.isalpha() and rng.random() < OCR_RATE and text[i - 1:i] != "-":
            if not lost:
                out.append(" ")
            lost = True
            continue
        lost = False
        out.append(ch)
    return re.sub(r" {2,}", " ", "".join(out))


def wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


def render(seed: Seed, paras: list[Para], *, width: int = 80, blank: bool = True,
           marker_style: str = "digits", number_own_line: bool = False,
           bullets: bool = False, footnotes_at_foot: bool = True,
           closing: list[str] | None = None, glue_closing: bool = False) -> str:
    lines = [*seed.header, "", seed.opener, ""]
    seen: set[int] = set()
    for i, p in enumerate(paras):
        if p.kind == "heading":
            if not blank:
                lines.append("")
            lines += [*wrap(p.text, width), ""]
            continue
        text = with_markers(p, marker_style, seed.footnotes, seen)
        if p.kind == "operative":
            if bullets:
                text = "– " + text
            elif number_own_line:
                lines.append(f"{p.number}.")
            else:
                text = f"{p.number}. {text}"
        body = wrap(text, width)
        if glue_closing and i == len(paras) - 1 and closing:
            body[-1] += " " + " ".join(closing)
        lines += body
        if blank:
            lines.append("")
    if not blank:
        lines.append("")
    if closing and not glue_closing:
        lines += [*closing, ""]
    if footnotes_at_foot and marker_style != "inline":
        for n, t in sorted(seed.footnotes.items()):
            lines += wrap(f"{n} {t}", width)
    return "\n".join(lines).rstrip() + "\n"


def expected(seed: Seed, paras: list[Para], *, reports: list[str] | None = None,
             inline: bool = False, closing: bool = True, **extra: object) -> dict:
    ecosoc = seed.key == "ecosoc"
    return {
        "symbol": seed.symbol,
        "body": "Economic and Social Council" if ecosoc else "General Assembly",
        "date": "2009-07-24" if ecosoc and closing else None,
        "meeting": "36th plenary meeting" if ecosoc and closing else None,
        "title": seed.header[2],
        "paragraphs": [{"kind": p.kind, "number": p.number, "leading": p.leading,
                        "text": re.sub(r"\s+", " ", p.text).strip(),
                        "footnotes": sorted(set(p.footnotes))}
                       for p in paras if p.kind != "heading"],
        "headings": [p.text for p in paras if p.kind == "heading"],
        "footnotes": {str(n): t for n, t in sorted(seed.footnotes.items())},
        "inlined_footnotes": inline,
        "resolutions": seed.resolutions,
        "documents": seed.documents,
        "reports": reports or [],
        **extra,
    }


def derived() -> dict[str, tuple[str | bytes, dict]]:
    out: dict[str, tuple[str | bytes, dict]] = {}
    for key in ("ecosoc", "ga"):
        s = load(key)
        cl = s.closing
        out[f"{key}-plain.txt"] = (render(s, s.paras, closing=cl), expected(s, s.paras))
        out[f"{key}-reflow.txt"] = (render(s, s.paras, width=62, blank=False, closing=cl),
                                    expected(s, s.paras))
        out[f"{key}-double-spaced.txt"] = (double_spaced(render(s, s.paras, width=70,
                                                                closing=cl)),
                                           expected(s, s.paras))
        out[f"{key}-numbers-own-line.txt"] = (render(s, s.paras, number_own_line=True,
                                                     closing=cl), expected(s, s.paras))
        out[f"{key}-inline-footnotes.txt"] = (render(s, s.paras, marker_style="inline",
                                                     closing=cl),
                                              expected(s, s.paras, inline=True))
        out[f"{key}-doubled-markers.txt"] = (render(s, s.paras, marker_style="doubled",
                                                    closing=cl),
                                             expected(s, s.paras, reports=["(doubled)"]))
        ops = [p for p in s.paras if p.kind == "operative"]
        out[f"{key}-bullets.txt"] = (render(s, s.paras, bullets=True, closing=cl),
                                     expected(s, s.paras, reports=["dash or bullet"]))
        ex, kept, jump = excerpt(s, ops)
        out[f"{key}-excerpt.txt"] = (render(ex, kept, closing=cl), expected(
            ex, kept, reports=[jump], resolutions=_cited_in(s, kept),
            documents=_docs_in(s, kept)))
        # OCR letter loss in the paragraphs (not in the numbers, header or footnotes)
        damaged = ocr_damaged(s)
        out[f"{key}-ocr.txt"] = (render(s, damaged, closing=cl), expected(s, damaged))
        tr, cut_paras = truncated(s, ops)
        out[f"{key}-truncated.txt"] = (render(tr, cut_paras, closing=[]), expected(
            tr, cut_paras, reports=["the text seems cut off"], closing=False,
            resolutions=_cited_in(s, cut_paras), documents=_docs_in(s, cut_paras)))
        # several faults in one text
        crlf = render(s, damaged, width=62, blank=False, marker_style="inline", closing=cl)
        out[f"{key}-combined-reflow-ocr-inline-crlf.txt"] = (
            crlf.replace("\n", "\r\n").encode("utf-8"), expected(s, damaged, inline=True))
        out[f"{key}-combined-bullets-ocr-reflow.txt"] = (
            render(s, damaged, width=62, blank=False, bullets=True, closing=cl),
            expected(s, damaged, reports=["dash or bullet"]))
        out[f"{key}-combined-double-doubled-jump.txt"] = (
            double_spaced(render(ex, kept, width=70, marker_style="doubled", closing=cl)),
            expected(ex, kept, reports=[jump, "(doubled)"], resolutions=_cited_in(s, kept),
                     documents=_docs_in(s, kept)))
    e, g = load("ecosoc"), load("ga")
    both = (render(e, e.paras, closing=e.closing) + "\n\n"
            + render(g, g.paras, closing=g.closing))
    out["concatenated-ecosoc-ga.txt"] = (both, expected(
        e, e.paras, reports=["a second resolution starts at line"]))
    # several faults in one text: the first of two pasted resolutions cut off
    tr, cut_paras = truncated(e, [p for p in e.paras if p.kind == "operative"])
    both = render(tr, cut_paras, closing=[]) + "\n\n" + render(g, g.paras, closing=g.closing)
    out["combined-truncated-then-concatenated.txt"] = (both, expected(
        tr, cut_paras, reports=["the text seems cut off", "a second resolution starts at line"],
        closing=False, resolutions=_cited_in(e, cut_paras), documents=_docs_in(e, cut_paras)))
    # numbers on their own lines, the closing glued to the last paragraph, UTF-16
    txt = render(e, e.paras, number_own_line=True, closing=e.closing, glue_closing=True)
    out["ecosoc-combined-numbers-glued-utf16.txt"] = (txt.encode("utf-16"),
                                                       expected(e, e.paras))
    # the hand-written lettered items, double-spaced with Windows line ends; reflowed (items
    # run in mid-line, markers at line ends) in UTF-16
    items = (CORPUS / "hand" / "items.txt").read_text(encoding="utf-8")
    items_exp = json.loads((CORPUS / "hand" / "items.json").read_text(encoding="utf-8"))
    out["items-combined-double-spaced-crlf.txt"] = (
        double_spaced(items).replace("\n", "\r\n").encode("utf-8"), items_exp)
    out["items-combined-reflow-utf16.txt"] = (reflow_body(items, 62).encode("utf-16"),
                                              items_exp)
    # encodings and line ends: Windows line ends with ligatures and non-breaking spaces;
    # UTF-16 with old-Mac line ends
    txt = render(e, e.paras, closing=e.closing)
    txt = txt.replace("fi", "\ufb01").replace(". ", ".\u00a0", 5).replace("\n", "\r\n")
    out["ecosoc-crlf-ligatures.txt"] = (txt.encode("utf-8"), expected(e, e.paras))
    gtxt = render(g, g.paras, closing=g.closing).replace("\n", "\r")
    out["ga-utf16-mac.txt"] = (gtxt.encode("utf-16"), expected(g, g.paras))
    txt = render(e, e.paras, closing=e.closing, glue_closing=True)
    out["ecosoc-glued-closing.txt"] = (txt, expected(e, e.paras))
    return out


def reflow_body(text: str, width: int) -> str:
    """A hand-written text's paragraphs (blocks between blank lines, from the opening line to
    the closing) rewrapped to ``width`` without blank lines; items set off by blank lines run
    into their paragraph."""
    head, rest = text.split("The General Assembly,\n", 1)
    blocks = [re.sub(r"\s+", " ", b).strip() for b in re.split(r"\n\s*\n", rest.strip())]
    end = next(i for i, b in enumerate(blocks) if re.match(r"\d+(st|nd|rd|th) plenary", b))
    paras: list[str] = []
    for b in blocks[:end]:
        if b.startswith("(") and paras:
            paras[-1] += " " + b
        else:
            paras.append(b)
    lines = [ln for p in paras for ln in wrap(p, width)]
    foot = "\n\n".join(rest.strip().split("\n\n")[-2:])  # the closing and the footnote
    return f"{head}The General Assembly,\n\n" + "\n".join(lines) + f"\n\n{foot}\n"


def double_spaced(text: str) -> str:
    """A blank line after every line (typewriter-style double spacing)."""
    return "\n".join(ln + "\n" if ln else "\n" for ln in text.split("\n"))


def excerpt(s: Seed, ops: list[Para]) -> tuple[Seed, list[Para], str]:
    """Three operative paragraphs without footnotes left out (from 12 on): the printed numbers
    jump. The seed without their footnotes, the paragraphs kept, the report expected."""
    start = next(i for i in range(12, len(ops) - 3) if not any(
        p.footnotes for p in ops if p.number and i <= int(p.number) < i + 3))
    cut = {str(i) for i in range(start, start + 3)}
    return s, [p for p in s.paras if p.number not in cut], \
        f"numbers jump from {start - 1} to {start + 3}"


def ocr_damaged(s: Seed) -> list[Para]:
    """OCR letter loss in the paragraphs (not in the numbers, headings or footnotes)."""
    rng = random.Random(OCR_SEED)
    return [Para(p.kind, p.text, p.number, p.leading, [], p.footnotes)
            if p.kind == "heading" else _damage(p, rng) for p in s.paras]


def truncated(s: Seed, ops: list[Para]) -> tuple[Seed, list[Para]]:
    """Cut off in the middle of an operative paragraph, two thirds through: the seed with the
    footnotes cited before the cut, and the paragraphs up to it."""
    k = s.paras.index(ops[len(ops) * 2 // 3])
    head = s.paras[:k]
    last = s.paras[k]
    words = last.text.split()
    half = " ".join(words[: max(3, len(words) // 2)]).rstrip(",;.")
    short = Para(last.kind, half, last.number, last.leading, [], [])
    fns = {n for p in head for n in p.footnotes}
    return Seed(**{**s.__dict__, "footnotes": {n: t for n, t in s.footnotes.items()
                                               if n in fns}}), [*head, short]


def _damage(p: Para, rng: random.Random) -> Para:
    """OCR damage to a paragraph without markers in its way: markers are re-anchored by
    damaging the text between them piece by piece."""
    pieces, prev, marks = [], 0, []
    for pos, n in sorted(p.markers):
        pieces.append(ocr(p.text[prev:pos], rng))
        marks.append((sum(map(len, pieces)), n))
        prev = pos
    pieces.append(ocr(p.text[prev:], rng))
    return Para(p.kind, "".join(pieces), p.number, p.leading, marks, p.footnotes)


def _docs_in(s: Seed, paras: list[Para]) -> list[str]:
    """The cited UN documents of a part of a seed (by symbol, in its text or footnotes)."""
    text = _text_of(s, paras)
    return [d for d in s.documents if d in text]


def _text_of(s: Seed, paras: list[Para]) -> str:
    return " ".join(p.text for p in paras) + " " + " ".join(
        s.footnotes[n] for p in paras for n in p.footnotes if n in s.footnotes)


def _cited_in(s: Seed, paras: list[Para]) -> list[str]:
    """The cited resolutions of a part of a seed: those its paragraphs or their footnotes
    name (by the number as printed)."""
    text = _text_of(s, paras)
    out = []
    for sym in s.resolutions:
        num = sym.split("/RES/")[1]
        num_re = re.escape(num[:-1]) + r"\s?" + num[-1] if num[-1].isalpha() else re.escape(num)
        if re.search(r"(?<![\d/])" + num_re + r"(?![\d/])", text):
            out.append(sym)
    return out


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for name, (data, exp) in derived().items():
        path = CORPUS / name
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        (CORPUS / (name.rsplit(".", 1)[0] + ".json")).write_text(
            json.dumps(exp, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
