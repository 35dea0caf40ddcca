"""Citations in a paragraph's text: resolutions, their paragraphs, WSIS documents, UN symbols.

What is recognised (on text already cleaned of line breaks and footnote markers):

* resolution lists: "its resolutions 56/183 of 21 December 2001, 57/270 B of 23 June 2003 and
  …", "Economic and Social Council resolutions 2006/46 of 28 July 2006, …", "resolution
  59/220", "A/RES/66/184". Which body adopted a resolution: the body the text names; else
  the form of the number (a four-digit year, "2008/3", is an ECOSOC resolution; a session
  number, "65/141", a General Assembly one). "its" therefore needs no guess: in GA 66/184
  "the Economic and Social Council, in paragraphs 27 to 29 of its resolution 2011/16" is
  ECOSOC's resolution by its form;
* paragraph references: "paragraph 22 of its resolution 65/141", "paragraphs 27 to 29 of its
  resolution 2011/16", "paragraphs 35 through 37 and 67 to 72 of the Tunis Agenda",
  "paragraph 47 above" (a paragraph of the resolution itself);
* WSIS documents by name: Tunis Agenda, Tunis Commitment, (Geneva) Declaration of Principles,
  (Geneva) Plan of Action;
* other UN document symbols ("A/64/64-E/2009/10", "E/CN.16/2009/CRP.1"), mostly in footnotes.

Which property: the verb that governs the citation (the last verb of the paragraph before it:
"Recalling", "takes note of", …) gives ``wsis:recalls``, ``wsis:reaffirms``,
``wsis:takesNoteOf``, ``wsis:welcomes``, ``wsis:notes`` or ``wsis:endorses`` when the cited
thing is that verb's object; it is plain ``wsis:cites`` when another verb governs it
("Encourages …", "highlights …"), when the verb's object is a clause ("Notes that paragraph 80
…"), or when the citation sits in an adverbial phrase ("as requested by the Council in its
resolution 2008/3", "in accordance with paragraphs 34 and 35 of the Tunis Agenda", "as
observed in the report …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef

from wsis_kg.extraction.importer.layout import DATE, MONTHS
from wsis_kg.extraction.verbs import CITING_VERBS, OTHER_VERBS
from wsis_kg.namespaces import (
    WSIS,
    doc_iri,
    document_slug,
    paragraph_iri,
    resolution_iri,
)

ITEM = (r"(?:[AE]/RES/)?\d{1,4}/\d{1,4}(?:\s?[A-Z](?![A-Za-z]))?(?:\s+of\s+" + DATE + r")?")
ITEM_RE = re.compile(r"(?P<sym>(?:(?P<pre>[AE])/RES/)?(?P<a>\d{1,4})/(?P<b>\d{1,4})"
                     r"(?:\s?(?P<letter>[A-Z])(?![A-Za-z]))?)(?:\s+of\s+(?P<date>" + DATE + r"))?")
BODY = r"(?P<body>General\s+Assembly|Economic\s+and\s+Social\s+Council|ECOSOC)"
RES_LIST = re.compile(
    r"(?:" + BODY + r"\s+|(?P<its>its|their)\s+)?[Rr]esolutions?\s+"
    r"(?P<list>" + ITEM + r"(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)" + ITEM + r")*)")
# "its decision 1992/218": a decision is not a resolution
DEC_LIST = re.compile(
    r"(?:" + BODY + r"\s+|(?P<its>its|their)\s+)?[Dd]ecisions?\s+"
    r"(?P<list>" + ITEM + r"(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+)" + ITEM + r")*)")
NUMS = r"(?P<nums>\d{1,3}(?:\s*(?:,\s*(?:and\s+)?|and|to|through|-|–)\s*\d{1,3})*)"
BARE_ITEM = re.compile(r"(?<![\w/])(?:[AE]/RES/)?\d{1,4}/\d{1,4}(?:\s?[A-Z](?![A-Za-z]))?\s+of\s+"
                       + DATE)
PARA_OF_RES = re.compile(
    r"paragraphs?\s+" + NUMS + r"\s+of\s+(?:(?P<its>its|their|the)\s+)?(?:" + BODY +
    r"\s+)?resolution\s+(?P<item>" + ITEM + r")")
DOCS = {
    "tunis-agenda": r"Tunis\s+Agenda(?:\s*for\s+the\s+Information\s+Society)?",
    "tunis-commitment": r"Tunis\s+Commitment",
    "geneva-declaration-of-principles": r"(?:Geneva\s+)?Declaration\s+of\s+Principles",
    "geneva-plan-of-action": r"(?:Geneva\s+)?Plan\s+of\s+Action",
}
DOC_RE = re.compile("|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in DOCS.items()))
PARA_OF_DOC = re.compile(r"paragraphs?\s+" + NUMS + r"\s+of\s+the\s+(?P<doc>" +
                         "|".join(DOCS.values()) + r")")
PARA_OWN = re.compile(r"paragraphs?\s+" + NUMS + r"\s+(?:above|below)")
# not glued to a letter or "/"; a digit before is a footnote number ("6E/2006/85")
UN_SYMBOL = re.compile(
    r"(?<![A-Za-z/])(?:A|E|S)/(?:[A-Z0-9.]+/)*[A-Z0-9.]*\d[A-Z0-9.]*"
    r"(?:-(?:A|E|S)/(?:[A-Z0-9.]+/)*[A-Z0-9.]*\d[A-Z0-9.]*)?")

VERBS: list[tuple[str, URIRef | None]] = [*CITING_VERBS, (OTHER_VERBS, None)]
VERB_RE = re.compile("|".join(f"(?P<v{i}>\\b{p}\\b)" for i, (p, _) in enumerate(VERBS)),
                     re.IGNORECASE)
INDIRECT = re.compile(
    r"\bas\s+\w+\s+(?:in|by|of)\b|\bin\s+accordance\s+with\b|\bin\s+(?:full\s+)?consistency\s+"
    r"with\b|\bin\s+the\s+context\s+of\b|\b(?:provided|stated|contained|set\s+out|referred\s+"
    r"to|mentioned)\s+in\b|\bpursuant\s+to\b", re.IGNORECASE)
PREPOSITIONS = {"in", "by", "under", "with", "to", "from", "through", "at"}


def iso_date(day: str, month: str, year: str) -> str:
    return f"{int(year):04d}-{MONTHS.index(month) + 1:02d}-{int(day):02d}"


@dataclass
class CitedResolution:
    symbol: str
    body_slug: str
    date: str | None = None  # ISO

    @property
    def iri(self) -> URIRef:
        return resolution_iri(self.symbol)


@dataclass
class Citation:
    start: int  # where the cited expression starts in the text (for the governing verb)
    target: URIRef
    kind: str  # resolution | resolution-para | decision | doc | doc-para | own-para | symbol
    resolution: CitedResolution | None = None
    para: str | None = None
    doc: str | None = None  # doc slug for doc / doc-para; symbol for "symbol"
    prop: URIRef = WSIS.cites


@dataclass
class Found:
    citations: list[Citation] = field(default_factory=list)
    resolutions: list[CitedResolution] = field(default_factory=list)
    decisions: list[CitedResolution] = field(default_factory=list)  # symbol "E/DEC/1992/218"


def expand(nums: str) -> list[str]:
    """"35 through 37 and 67 to 72" → 35 36 37 67 … 72."""
    out: list[str] = []
    tokens = re.findall(r"\d+|to|through|-|–", nums)
    i = 0
    while i < len(tokens):
        if tokens[i].isdigit():
            if i + 2 < len(tokens) and tokens[i + 1] in ("to", "through", "-", "–") \
                    and tokens[i + 2].isdigit():
                a, b = int(tokens[i]), int(tokens[i + 2])
                out.extend(str(n) for n in range(a, b + 1) if b - a < 100)
                i += 3
                continue
            out.append(tokens[i])
        i += 1
    return out


def _resolution(m: re.Match[str], body_named: str | None) -> CitedResolution:
    a, b, letter = m.group("a"), m.group("b"), m.group("letter") or ""
    if m.group("pre"):
        prefix = m.group("pre")
    elif body_named:
        prefix = "E" if ("Economic" in body_named or "ECOSOC" in body_named) else "A"
    else:
        prefix = "E" if len(a) == 4 else "A"
    date = None
    if m.group("date"):
        d = DATE_RE_ITEM.match(m.group("date"))
        if d:
            date = iso_date(*d.groups())
    return CitedResolution(f"{prefix}/RES/{a}/{b}{letter}",
                           "ecosoc" if prefix == "E" else "un-general-assembly", date)


DATE_RE_ITEM = re.compile(DATE)


def find(text: str, own: URIRef) -> Found:
    """Every citation in ``text`` (paragraph or footnote of resolution ``own``), left to right."""
    found = Found()
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in PARA_OF_RES.finditer(text):
        im = ITEM_RE.match(m.group("item"))
        assert im
        res = _resolution(im, m.group("body"))
        found.resolutions.append(res)
        for n in expand(m.group("nums")):
            found.citations.append(Citation(m.start(), paragraph_iri(res.iri, n),
                                            "resolution-para", res, para=n))
        taken.append(m.span())
    for m in PARA_OF_DOC.finditer(text):
        if not free(*m.span()):
            continue
        slug = next(k for k, v in DOCS.items() if re.fullmatch(v, m.group("doc")))
        for n in expand(m.group("nums")):
            found.citations.append(Citation(m.start(), paragraph_iri(doc_iri(slug), n), "doc-para",
                                            para=n, doc=slug))
        taken.append(m.span())
    for m in PARA_OWN.finditer(text):
        if not free(*m.span()):
            continue
        for n in expand(m.group("nums")):
            found.citations.append(Citation(m.start(), paragraph_iri(own, n), "own-para",
                                            para=n))
        taken.append(m.span())
    for m in RES_LIST.finditer(text):
        if not free(*m.span()):
            continue
        first = True
        for im in ITEM_RE.finditer(m.group("list")):
            res = _resolution(im, m.group("body"))
            found.resolutions.append(res)
            found.citations.append(Citation(m.start() if first else m.start("list") + im.start(),
                                            res.iri, "resolution", res))
            first = False
        taken.append(m.span())
    for m in DEC_LIST.finditer(text):
        if not free(*m.span()):
            continue
        for im in ITEM_RE.finditer(m.group("list")):
            r = _resolution(im, m.group("body"))
            dec = CitedResolution(r.symbol.replace("/RES/", "/DEC/"), r.body_slug, r.date)
            found.decisions.append(dec)
            found.citations.append(Citation(m.start("list") + im.start(),
                                            doc_iri(document_slug(dec.symbol)), "decision",
                                            dec, doc=dec.symbol))
        taken.append(m.span())
    # a list interrupted by a subject ("2007/8 of 25 July 2007 on the flow … and 2008/3 of 18
    # July 2008"): a bare number/number followed by "of <date>" is a resolution too
    for m in BARE_ITEM.finditer(text):
        if not free(*m.span()):
            continue
        im = ITEM_RE.match(m.group())
        assert im
        res = _resolution(im, None)
        found.resolutions.append(res)
        found.citations.append(Citation(m.start(), res.iri, "resolution", res))
        taken.append(m.span())
    for m in DOC_RE.finditer(text):
        if not free(*m.span()):
            continue
        slug = (m.lastgroup or "").replace("_", "-")
        found.citations.append(Citation(m.start(), doc_iri(slug), "doc", doc=slug))
        taken.append(m.span())
    for m in UN_SYMBOL.finditer(text):
        if not free(*m.span()):
            continue
        sym = m.group().rstrip(".")
        if "/RES/" in sym or "/DEC/" in sym:
            continue
        found.citations.append(Citation(m.start(), doc_iri(document_slug(sym)), "symbol",
                                        doc=sym))
        taken.append(m.span())
    found.citations.sort(key=lambda c: c.start)
    return found


@dataclass
class Verb:
    start: int
    end: int
    prop: URIRef | None


def verbs(text: str) -> list[Verb]:
    out = []
    for m in VERB_RE.finditer(text):
        i = int((m.lastgroup or "v0")[1:])
        out.append(Verb(m.start(), m.end(), VERBS[i][1]))
    return out


def governing(text: str, pos: int, vs: list[Verb], *, direct: bool) -> URIRef:
    """The property for a citation at ``pos``: the governing verb's, or ``wsis:cites``.

    ``direct``: the citation starts the cited noun phrase (so the word before it tells whether
    it is the verb's object); footnote targets are cited at the marker, after the phrase.
    """
    before = [v for v in vs if v.end <= pos]
    if not before:
        return WSIS.cites
    v = before[-1]
    if v.prop is None:
        return WSIS.cites
    gap = text[v.end:pos]
    if re.match(r"\s*(?:also\s+|further\s+)?that\b", gap) or INDIRECT.search(gap):
        return WSIS.cites
    if direct:
        words = [w for w in re.findall(r"[A-Za-z]+", gap)
                 if w.lower() not in ("the", "its", "their", "this", "these")]
        if words and words[-1].lower() in PREPOSITIONS:
            return WSIS.cites
    return v.prop


#: Words of citations that OCR letter loss must not hide ("res lutions 56/183").
KEYWORDS = ("resolution", "resolutions", "decision", "decisions", "paragraph", "paragraphs",
            "General", "Assembly", "Economic", "Social", "Council", "Tunis", "Agenda",
            *MONTHS)
_KEYS_LOWER = {k.lower() for k in KEYWORDS}
_KEY_NEAR = re.compile(r"\d{1,4}/\d{1,4}|\b\d{1,2}\s+\S+(?:\s\S+)?\s+\d{4}\b")


def repair(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The text with OCR-damaged citation words restored, for citation matching only, and the
    edits made ((start, end, replacement) in ``text``). A run of lost letters shows as a space
    ("res lutions", "Dec mber"): one to three tokens before a resolution number or inside a date
    are read as a keyword when their letters are the keyword's in order, minus a few."""
    edits: list[tuple[int, int, str]] = []
    for near in _KEY_NEAR.finditer(text):
        lo = max(0, near.start() - 60)
        window = text[lo:near.end()]
        toks = list(re.finditer(r"[A-Za-z]+", window))
        for i in range(len(toks)):
            for k in (1, 2, 3):
                if i + k > len(toks):
                    break
                a, b = toks[i].start() + lo, toks[i + k - 1].end() + lo
                span = text[a:b]
                if k > 1 and not re.fullmatch(r"[A-Za-z]+(?: [A-Za-z]+)*", span):
                    break
                letters = span.replace(" ", "")
                if len(letters) < 4 or letters.lower() in _KEYS_LOWER:
                    continue
                for kw in KEYWORDS:
                    if not 0 < len(kw) - len(letters) <= max(1, len(kw) // 4):
                        continue
                    if letters[:1].lower() not in kw[:2].lower() or not _subsequence(
                            letters.lower(), kw.lower()):
                        continue
                    if any(not (b <= s or a >= e) for s, e, _ in edits):
                        continue
                    edits.append((a, b, kw if span[:1].isupper() == kw[:1].isupper()
                                  else kw.lower() if span[:1].islower() else kw.capitalize()))
                    break
    edits.sort()
    out, pos = [], 0
    for a, b, rep in edits:
        out.append(text[pos:a] + rep)
        pos = b
    out.append(text[pos:])
    return "".join(out), edits


def shift(pos: int, edits: list[tuple[int, int, str]]) -> int:
    """A position in the original text → the same place in the repaired text."""
    delta = 0
    for a, b, rep in edits:
        if b <= pos:
            delta += len(rep) - (b - a)
    return pos + delta


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)
