"""Import the plain text of a UN General Assembly or ECOSOC resolution into the project's model.

``import_resolution(text)`` returns an :class:`ImportResult`: the RDF graph (resolution,
preambular and operative paragraphs, lettered items, section headings, footnotes, citations and
the cited resolutions/documents declared minimally) and a report of what was found and what
could not be determined. The layout work is in ``layout``, footnote markers in ``markers``,
citations in ``citations``; this module decides and writes RDF. Mentions of organisations,
action lines, targets and events are added afterwards by ``wsis_kg.extraction.mentions`` (as for
every
source document), so the structural graph here is all the importer states by itself.

Text is kept *as printed*: OCR misspellings ("Sresses", "devel opment") stay in ``wsis:text``;
only a leading phrase or verb is read from the phrase table when the damaged one is within
its tolerance and unambiguous (``phrases``; marked ``wsis:guessed`` and reported). Damaged
passages (runs of symbols, "\ufffd") are recorded with ``wsis:illegible``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.errors import ResolutionImportError
from wsis_kg.extraction.importer import citations as cit
from wsis_kg.extraction.importer import markers as mk
from wsis_kg.extraction.importer import phrases as ph
from wsis_kg.extraction.importer.items import ItemLines, split_items
from wsis_kg.extraction.importer.layout import (
    BULLET_START,
    MONTHS,
    OPERATIVE_START,
    Block,
    Line,
    analyse,
    ocr_number,
)
from wsis_kg.extraction.verbs import SPECIFIC
from wsis_kg.namespaces import (
    PREFIXES,
    WSIS,
    doc_iri,
    document_slug,
    graph_iri,
    org_iri,
    paragraph_iri,
    part_iri,
    resolution_iri,
    resolution_slug,
)

# Hyphenated compounds that a line break may split ("Secretary-" / "General"). A line-end hyphen
# is kept when the next line starts with a capital, when the joined word is listed here or
# appears hyphenated elsewhere in the text, or when its first part is a prefix below; it is
# dropped (a soft hyphen) when the word appears unhyphenated elsewhere, or otherwise.
COMPOUNDS = frozenset("""
secretary-general director-general under-secretary-general multi-stakeholder follow-up
capacity-building broad-based people-centred development-oriented decision-making well-being
grass-roots pro-poor south-south north-south inter-agency cross-border long-term short-term
high-level low-cost non-governmental intergovernmental-organization e-government e-business
e-learning e-health e-employment e-environment e-agriculture e-science e-strategies m-health
public-private socio-economic day-to-day half-way ten-year five-year one-day year-round
""".split())
HYPHEN_PREFIXES = frozenset("multi non self co cross pro anti e m inter socio well follow "
                            "grass capacity decision people development broad long short high "
                            "low public day half ten five one".split())

ILLEGIBLE = re.compile(r"\S*(?:\ufffd|[^\w\s.,;:()'\"“”‘’/\-–—%&\[\]!?*>®°]{2,})\S*")


@dataclass
class Part:
    iri: URIRef
    kind: str  # preamble | operative | item | heading
    text: str
    sequence: int
    number: str | None = None
    parent: URIRef | None = None
    leading: str | None = None
    number_recovered: bool = False
    number_conflict: str | None = None  # the number the sequence gives, when printed otherwise
    guessed: list[URIRef] = field(default_factory=list)  # properties whose value is a guess
    markers: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, footnote)
    footnotes: list[int] = field(default_factory=list)
    line: int = 0  # first line in the input, for messages
    page: int = 1  # page of the first line, for footnote markers
    label: str = ""  # "paragraph 4 (line 207)", for messages


@dataclass
class ImportResult:
    graph: Graph
    iri: URIRef
    symbol: str
    report: list[str] = field(default_factory=list)  # what was found
    problems: list[str] = field(default_factory=list)  # what could not be determined
    parts: list[Part] = field(default_factory=list)  # in document order
    footnotes: dict[int, str] = field(default_factory=dict)  # number → text

    @property
    def graph_name(self) -> URIRef:
        return graph_iri(resolution_slug(self.symbol))


def decode(data: bytes, name: str = "input") -> str:
    """Bytes → text: UTF-16 with its byte-order mark, UTF-8 (with or without BOM), else
    Latin-1 (Windows-1252); binary input is refused with a clear message."""
    if not data.strip():
        raise ResolutionImportError(f"{name}: the file is empty")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ResolutionImportError(f"{name}: cannot decode the UTF-16 text") from None
        if not text.strip():
            raise ResolutionImportError(f"{name}: the file is empty")
        return text
    if b"\x00" in data[:8192]:
        raise ResolutionImportError(f"{name}: this is a binary file, not plain text "
                                    "(convert the PDF to text first, e.g. with pdftotext)")
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    ctrl = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    if ctrl > max(5, len(text) // 100):
        raise ResolutionImportError(f"{name}: this looks like a binary file, not plain text")
    return text


FILE_SYMBOL = re.compile(r"(?<![A-Za-z])([AE])[-_ ]?RES[-_ ](\d{1,4})[-_](\d{1,4}[A-Z]?)(?![\d])",
                         re.IGNORECASE)


def symbol_from_name(name: str) -> str | None:
    """A resolution symbol written in a file name ("A_RES_66_184.txt", "e-res-2009-7.txt")."""
    m = FILE_SYMBOL.search(name.rsplit("/", 1)[-1])
    return f"{m.group(1).upper()}/RES/{m.group(2)}/{m.group(3).upper()}" if m else None


def normalise_symbol(raw: str, body_slug: str | None) -> str:
    """"2009/7" + ECOSOC → "E/RES/2009/7"; "66/184" + GA → "A/RES/66/184"; full symbols kept."""
    s = re.sub(r"\s+", "", raw.strip())
    if re.fullmatch(r"[AE]/RES/\d{1,4}/\d{1,4}[A-Z]?", s):
        return s
    m = re.fullmatch(r"(\d{1,4})/(\d{1,4}[A-Z]?)", s)
    if not m:
        raise ResolutionImportError(
            f"symbol {raw!r} is not a GA or ECOSOC resolution symbol "
            "(expected e.g. A/RES/66/184, E/RES/2009/7, 66/184 or 2009/7)")
    if body_slug == "ecosoc" or (body_slug is None and len(m.group(1)) == 4):
        return f"E/RES/{s}"
    return f"A/RES/{s}"


def _join(lines: list[str], hyphenated: set[str], plain: set[str]) -> str:
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out.endswith("\u00ad"):  # a soft hyphen is a line-break hyphen by definition
            out = out[:-1] + line
            continue
        hm = re.search(r"([A-Za-z]+)-$", out[-60:]) if out.endswith("-") else None
        tm = re.match(r"[A-Za-z]+", line)
        if out and hm and tm and not out.endswith(" -"):
            head, tail = hm.group(1), tm.group()
            joined_h, joined = f"{head}-{tail}".lower(), f"{head}{tail}".lower()
            keep = (tail[0].isupper() or joined_h in COMPOUNDS or joined_h in hyphenated
                    or (head.lower() in HYPHEN_PREFIXES and joined not in plain))
            if keep:
                out += line
            else:
                out = out[:-1] + line
            continue
        out = f"{out} {line}" if out else line
    return re.sub(r"\s+", " ", out.replace("\u00ad", "")).strip()


def _leading_verb(text: str, problems: list[str], where: str) -> ph.PhraseMatch | None:
    """The operative verb from the phrase table; a tolerant match is reported (a guess)."""
    m = ph.operative(text)
    if m is None:
        if not _ambiguous(text, True, problems, where, "leading verb"):
            word = text.split()[0] if text.split() else ""
            problems.append(f"{where}: leading verb {word!r} not in the phrase table; "
                            "kept as printed")
        return None
    if m.distance:
        problems.append(f"{where}: leading verb printed {m.printed.strip()!r}, read as "
                        f"{m.phrase!r} (edit distance {m.distance})")
    return m


def _ambiguous(text: str, operative: bool, problems: list[str], where: str, what: str) -> bool:
    """Report an opening that letter loss leaves open between several table entries ("De l
    res": Declares or Deplores); nothing is guessed."""
    readings, printed = ph.readings(text, operative)
    if len(readings) < 2:
        return False
    problems.append(f"{where}: {what} printed {printed!r} "
                    f"could be {' or '.join(map(repr, readings))} (letters lost): kept as "
                    "printed, not guessed")
    return True


def _leading_phrase(text: str, problems: list[str], where: str) -> ph.PhraseMatch | None:
    """The preambular phrase from the phrase table; a tolerant match is reported (a guess); a
    participle the table lacks is kept as printed and reported."""
    m = ph.preambular(text)
    if m is None and _ambiguous(text, False, problems, where, "leading phrase"):
        return None
    if m is None:
        gm = re.match(r"(?:(?:Also|Further)\s+)?[A-Z][a-z]+ing\b", text)
        if gm:
            problems.append(f"{where}: leading phrase {gm.group()!r} is not in the phrase table; "
                            "kept as printed")
            return ph.PhraseMatch(gm.group(), gm.group(), gm.end())
        problems.append(f"{where}: no leading phrase recognised")
        return None
    if m.distance:
        problems.append(f"{where}: leading phrase printed {m.printed.strip()!r}, read as "
                        f"{m.phrase!r} (edit distance {m.distance})")
    return m


def import_resolution(text: str, *, symbol: str | None = None, date: str | None = None,
                      source_file: str | None = None,
                      file_name: str | None = None) -> ImportResult:
    """Parse ``text`` and build its RDF. ``symbol``/``date`` (ISO) override what the text says.

    Raises :class:`ResolutionImportError` when the text is not a GA/ECOSOC resolution or has no
    symbol and none is given.
    """
    if not text.strip():
        raise ResolutionImportError("the text is empty")
    lay = analyse(text)
    if lay.body_slug is None:
        raise ResolutionImportError(
            "no opening line 'The General Assembly,' or 'The Economic and Social Council,' "
            "found: is this the text of a GA or ECOSOC resolution?")
    report: list[str] = []
    problems: list[str] = []
    if symbol:
        sym = normalise_symbol(symbol, lay.body_slug)
        if lay.symbol_line and normalise_symbol(lay.symbol_line, lay.body_slug) != sym:
            problems.append(f"the text says {lay.symbol_line} (line {lay.symbol_line_no}); "
                            f"using --symbol {sym}")
    elif lay.symbol_line:
        sym = normalise_symbol(lay.symbol_line, lay.body_slug)
        report.append(f"symbol {sym} (line {lay.symbol_line_no})")
    elif file_name and (guess := symbol_from_name(file_name)):
        sym = normalise_symbol(guess, lay.body_slug)
        problems.append(f"no symbol in the text; {sym} taken from the file name "
                        f"{file_name.rsplit('/', 1)[-1]!r} (marked wsis:guessed)")
    else:
        damaged = "".join(f" (line {no} {text!r} looks like a damaged one)"
                          for no, text, what in lay.unread if "symbol" in what)
        raise ResolutionImportError(f"no symbol found in the text{damaged}: pass --symbol "
                                    "(e.g. --symbol A/RES/66/184)")
    if (sym.startswith("E/") and lay.body_slug != "ecosoc") or (
            sym.startswith("A/") and lay.body_slug != "un-general-assembly"):
        raise ResolutionImportError(f"symbol {sym} does not match the body of the text "
                                    f"({lay.body_name})")
    res = resolution_iri(sym)
    iso_date = None
    if date:
        try:
            iso_date = Date.fromisoformat(date).isoformat()
        except ValueError:
            raise ResolutionImportError(f"--date {date!r} is not a date (YYYY-MM-DD)") from None
    elif lay.date:
        d, mth, y = lay.date
        iso_date = f"{int(y):04d}-{MONTHS.index(mth) + 1:02d}-{int(d):02d}"
        report.append(f"adoption date {iso_date} (line {lay.date_line_no})")
    else:
        problems.append("no adoption date found: pass --date (or state it in data/curated "
                        "with its source)")
    if lay.meeting:
        report.append(f"meeting: {lay.meeting} (line {lay.meeting_line_no})")
    if not lay.title:
        problems.append(f"no title found before the opening line (line {lay.opener_line_no})")
    elif lay.title_guess:
        problems.append(f"{lay.title_guess}: {lay.title!r} (marked wsis:guessed)")
    if lay.opener_printed:
        problems.append(f"opening line {lay.opener_printed!r} (line {lay.opener_line_no}) "
                        f"read as 'The {lay.body_name},' (OCR damage)")
    for no, text, what in lay.unread:
        problems.append(f"line {no}: {text!r} {what}")
    if lay.partial_date and not iso_date:
        problems.append(f"adoption date printed without a day: {lay.partial_date[0]!r} "
                        f"(line {lay.partial_date[1]}); not recorded: pass --date")
    if lay.second_opener_line_no:
        problems.append(f"a second resolution starts at line {lay.second_opener_line_no}: "
                        "only the first one is imported; split the file")
    if lay.double_spaced:
        report.append("double-spaced text: single blank lines read as line breaks")

    g = Graph()
    for p, iri in PREFIXES.items():
        g.bind(p, iri)
    g.add((res, RDF.type, WSIS.Resolution))
    g.add((res, WSIS.symbol, Literal(sym)))
    g.add((res, WSIS.adoptedBy, org_iri(lay.body_slug)))
    if lay.title:
        g.add((res, DCTERMS.title, Literal(lay.title, lang="en")))
        if lay.title_guess:
            g.add((res, WSIS.guessed, Literal(str(DCTERMS.title), datatype=XSD.anyURI)))
    if sym.startswith("A/RES/"):
        g.add((res, WSIS.session, Literal(int(sym.split("/")[2]), datatype=XSD.integer)))
    if iso_date:
        g.add((res, WSIS.adoptionDate, Literal(iso_date, datatype=XSD.date)))
    if lay.meeting:
        g.add((res, WSIS.meeting, Literal(lay.meeting)))
    if source_file:
        g.add((res, WSIS.sourceFile, Literal(source_file)))
    if not symbol and not lay.symbol_line and file_name:
        g.add((res, WSIS.guessed, Literal(str(WSIS.symbol), datatype=XSD.anyURI)))

    # words printed hyphenated / unhyphenated inside lines: evidence for line-end hyphens
    body_text = "\n".join(ln.text for b in lay.blocks for ln in b.lines)
    hyphenated = {w.lower() for w in re.findall(r"[A-Za-z]+-[A-Za-z]+", body_text)}
    plain = {w.lower() for w in re.findall(r"[A-Za-z]+", body_text)}

    parts = _parts(lay.blocks, res, hyphenated, plain, problems)
    if not any(p.kind in ("preamble", "operative") for p in parts):
        raise ResolutionImportError(f"no paragraph found after the opening line (line "
                                    f"{lay.opener_line_no}): nothing to import")
    footnote_pages = {fn.number: fn.page for fn in lay.footnotes}
    footnote_text = {fn.number: _join([ln.text for ln in fn.lines], hyphenated, plain)
                     for fn in lay.footnotes}
    footnote_text = {n: re.sub(r"^\d+\s*", "", t) for n, t in footnote_text.items()}

    _inlined_footnotes(parts, footnote_text, footnote_pages, report)

    # footnote markers, in document order
    next_new = 1
    first_window: dict[int, str] = {}
    first_cite: dict[int, tuple[Part, int]] = {}
    marker_pos: dict[str, list[tuple[int, int]]] = {}  # part iri → [(pos in clean text, fn)]
    for part in parts:
        page = part.page
        found = mk.find(part.text)
        accepted: list[mk.Marker] = []
        prev_end = 0
        for m in found:
            if (m.kind == "glued" and m.start >= 2 and part.text[m.start - 1] == "."
                    and part.text[m.start - 2].isdigit()):  # a decimal: "3.5 per cent"
                continue
            if m.digits is not None:
                if (m.digits != next_new and str(m.digits) == str(next_new) * 2
                        and next_new in footnote_pages):
                    m.footnote = next_new  # "11", "22": the marker printed twice
                    problems.append(f"{part.label}: footnote marker {m.printed.strip()!r} "
                                    f"read as {next_new} (doubled)")
                elif m.digits == next_new and next_new in footnote_pages:
                    m.footnote = next_new
                elif m.kind in ("glued", "sup") and 1 <= m.digits < next_new:
                    m.footnote, m.repeat = m.digits, True
                elif (m.kind in ("glued", "sup") and m.digits > next_new
                      and footnote_pages.get(next_new) == page):
                    m.footnote = next_new
                    problems.append(f"{part.label}: footnote marker {m.printed.strip()!r} "
                                    f"read as {next_new}")
                else:
                    continue
            elif next_new in footnote_pages and footnote_pages[next_new] == page:
                m.footnote = next_new
            else:
                word = mk.last_word(part.text[:m.start]).lower()
                cands = [n for n, w in first_window.items()
                         if word and re.search(rf"\b{re.escape(word)}\b", w, re.I)]
                if len(cands) == 1:
                    m.footnote, m.repeat = cands[0], True
                else:
                    m.repeat = True
                    problems.append(f"{part.label}: footnote marker {m.printed!r} after "
                                    f"{word!r} not matched to a footnote (removed from text)")
            if m.footnote == next_new and not m.repeat:
                next_new += 1
            if m.footnote is not None:
                if m.footnote not in first_window:
                    first_window[m.footnote] = part.text[prev_end:m.start]
                    first_cite[m.footnote] = (part, m.start)
                if m.footnote not in part.footnotes:
                    part.footnotes.append(m.footnote)
            prev_end = m.end
            accepted.append(m)
        # positions in the cleaned text
        removed = 0
        positions = []
        for m in sorted(accepted, key=lambda k: k.start):
            if m.footnote is not None:
                positions.append((m.start - removed, m.footnote))
            removed += m.end - m.start
        part.text = mk.remove(part.text, accepted)
        marker_pos[str(part.iri)] = positions
        part.markers = positions
    uncited = sorted(set(footnote_pages) - set(first_window))
    if uncited:
        problems.append("footnotes never cited in the text (marker lost by OCR?): "
                        + ", ".join(map(str, uncited)))

    # footnotes
    fn_targets: dict[int, list[cit.Citation]] = {}
    declared: dict[str, cit.CitedResolution] = {}
    decisions: dict[str, cit.CitedResolution] = {}
    docs: dict[str, tuple[str, bool]] = {}  # symbol → (slug, is report)
    for n, body in footnote_text.items():
        f = part_iri(res, f"footnote/{n}")
        g.add((f, RDF.type, WSIS.Footnote))
        g.add((f, WSIS.footnoteMarker, Literal(str(n))))
        g.add((f, WSIS.sequence, Literal(n, datatype=XSD.integer)))
        g.add((f, WSIS.text, Literal(body, lang="en")))
        g.add((f, DCTERMS.isPartOf, res))
        g.add((f, WSIS.inDocument, res))
        found = cit.find(cit.repair(body)[0], res)
        fn_targets[n] = found.citations
        for r in found.resolutions:
            _merge(declared, r, problems)
        for r in found.decisions:
            _merge(decisions, r, problems)
        window = first_window.get(n, "")
        for c in found.citations:
            g.add((f, WSIS.cites, c.target))
            if c.kind in ("resolution-para", "doc-para"):
                _declare_cited_part(g, c)
            if c.kind == "symbol" and c.doc:
                is_report = bool(re.search(r"\breports?\b", window, re.I))
                prev = docs.get(c.doc)
                docs[c.doc] = (document_slug(c.doc), is_report or bool(prev and prev[1]))
        _illegible(g, f, body)

    # parts
    n_cites = 0
    for part in parts:
        _write_part(g, part, res)
        _illegible(g, part.iri, part.text)
        for n in part.footnotes:
            g.add((part.iri, WSIS.hasFootnote, part_iri(res, f"footnote/{n}")))
        if part.kind == "heading":
            continue
        ctext, edits = cit.repair(part.text)
        if edits:
            problems.append(f"{part.label}: OCR-damaged citation words read as "
                            + ", ".join(f"{ctext[cit.shift(a, edits):][:len(r)]!r}"
                                        for a, _b, r in edits))
        vs = cit.verbs(ctext)
        found = cit.find(ctext, res)
        for r in found.resolutions:
            _merge(declared, r, problems)
        for r in found.decisions:
            _merge(decisions, r, problems)
        for c in found.citations:
            if c.kind == "symbol" and c.doc:
                is_report = bool(re.search(r"\breports?\b", ctext[:c.start][-200:], re.I))
                docs.setdefault(c.doc, (document_slug(c.doc), is_report))
            prop = cit.governing(ctext, c.start, vs, direct=True)
            if c.kind == "own-para" and c.target == part.iri:
                continue
            if c.kind in ("resolution-para", "doc-para"):
                _declare_cited_part(g, c)
            g.add((part.iri, prop, c.target))
            n_cites += 1
        for pos, n in marker_pos[str(part.iri)]:
            prop = cit.governing(ctext, cit.shift(pos, edits), vs, direct=False)
            for c in fn_targets.get(n, []):
                g.add((part.iri, prop, c.target))
                n_cites += 1
    # a specific citing property makes the plain wsis:cites of the same target redundant
    for s, _p, o in list(g.triples((None, None, None))):
        if _p in SPECIFIC and (s, WSIS.cites, o) in g:
            g.remove((s, WSIS.cites, o))

    for r in declared.values():
        if r.symbol == sym:
            continue
        g.add((r.iri, RDF.type, WSIS.Resolution))
        g.add((r.iri, WSIS.symbol, Literal(r.symbol)))
        g.add((r.iri, WSIS.adoptedBy, org_iri(r.body_slug)))
        if r.date:
            g.add((r.iri, WSIS.adoptionDate, Literal(r.date, datatype=XSD.date)))
    for r in decisions.values():
        d = doc_iri(document_slug(r.symbol))
        g.add((d, RDF.type, WSIS.Decision))
        g.add((d, WSIS.adoptedBy, org_iri(r.body_slug)))
        if r.date:
            g.add((d, WSIS.adoptionDate, Literal(r.date, datatype=XSD.date)))
    for symbol_, (slug, is_report) in sorted(docs.items()):
        d = doc_iri(slug)
        g.add((d, RDF.type, WSIS.Report if is_report else WSIS.Document))
        g.add((d, WSIS.symbol, Literal(symbol_)))

    pre = [p for p in parts if p.kind == "preamble"]
    ops = [p for p in parts if p.kind == "operative"]
    items = [p for p in parts if p.kind == "item"]
    heads = [p for p in parts if p.kind == "heading"]
    report.append(f"body: {lay.body_name}; title: {lay.title!r}")
    report.append(f"{len(pre)} preambular paragraphs, {len(ops)} operative paragraphs, "
                  f"{len(items)} lettered items, {len(heads)} headings, "
                  f"{len(footnote_text)} footnotes")
    report.append(f"{n_cites} citations; {len(declared)} cited resolutions, "
                  f"{len(decisions)} cited decisions, {len(docs)} cited UN documents")
    if lay.furniture:
        report.append(f"{len(lay.furniture)} lines of page furniture removed")
    if not ops:
        problems.append("no numbered operative paragraphs found")
    body_parts = [p for p in parts if p.kind in ("preamble", "operative", "item")]
    if body_parts and not re.search(r"[.;:,]\W*$", body_parts[-1].text):
        last = body_parts[-1]
        problems.append(f"the text seems cut off: {last.label} ends mid-sentence "
                        f"(...{last.text[-40:]!r}); the rest of the resolution is missing")
    elif ops and not lay.second_opener_line_no and not (
            end := [p for p in parts if p.kind in ("operative", "item")][-1]
    ).text.rstrip().endswith("."):
        # the last paragraph's text ends with its last item when it has items
        what = "the last paragraph" if end.kind == "operative" else "the last item"
        problems.append(f"the text seems cut off: {what}, {end.label}, does not end with a "
                        "full stop")
    return ImportResult(g, res, sym, report, problems, parts, dict(footnote_text))


INLINE_END = re.compile(r"\.(?=\s+[a-z(]|\s*$)")


def _inlined_footnotes(parts: list[Part], footnote_text: dict[int, str],
                       footnote_pages: dict[int, int], report: list[str]) -> None:
    """Footnotes printed in the running text right after their marker ("…Plan of Action,1See
    A/C.2/59/3, annex. and endorsed …"): the next footnote number glued to a capital starts
    the footnote, a full stop before a lower-case word (or the paragraph's end) ends it. The
    footnote text leaves the paragraph; the marker stays, to be read as any other."""
    nxt = max(footnote_text, default=0) + 1
    found = 0
    for part in parts:
        if part.kind == "heading":
            continue
        while True:
            m = re.search(rf"(?<=[,;.:)\]”’a-z]){nxt}(?=[A-Z“\"(])", part.text)
            if not m:
                break
            em = INLINE_END.search(part.text, m.end())
            end = em.end() if em else len(part.text)
            footnote_text[nxt] = part.text[m.end():end].strip()
            footnote_pages[nxt] = part.page
            part.text = (part.text[:m.end()] + part.text[end:]).strip()
            nxt += 1
            found += 1
    if found:
        report.append(f"{found} footnotes printed inline, after their marker, taken out of "
                      "the text")


def _merge(declared: dict[str, cit.CitedResolution], r: cit.CitedResolution,
           problems: list[str]) -> None:
    old = declared.get(r.symbol)
    if old is None:
        declared[r.symbol] = cit.CitedResolution(r.symbol, r.body_slug, r.date)
    elif r.date and old.date and r.date != old.date:
        problems.append(f"resolution {r.symbol} cited with two dates: {old.date}, {r.date}")
    elif r.date and not old.date:
        old.date = r.date


def _declare_cited_part(g: Graph, c: cit.Citation) -> None:
    """A paragraph of another document, known only by its number: a wsis:DocumentPart (not a
    wsis:Paragraph, whose shape wants the text we do not have)."""
    doc = c.resolution.iri if c.resolution else doc_iri(c.doc)
    g.add((c.target, RDF.type, WSIS.DocumentPart))
    g.add((c.target, WSIS.number, Literal(c.para)))
    g.add((c.target, DCTERMS.isPartOf, doc))
    g.add((c.target, WSIS.inDocument, doc))


def _illegible(g: Graph, s: URIRef, text: str) -> None:
    for m in ILLEGIBLE.finditer(text):
        g.add((s, WSIS.illegible, Literal(m.group())))


def _write_part(g: Graph, p: Part, res: URIRef) -> None:
    cls = {"preamble": WSIS.PreambularParagraph, "operative": WSIS.OperativeParagraph,
           "item": WSIS.Item, "heading": WSIS.Section}[p.kind]
    g.add((p.iri, RDF.type, cls))
    g.add((p.iri, DCTERMS.isPartOf, p.parent or res))
    g.add((p.iri, WSIS.inDocument, res))
    g.add((p.iri, WSIS.sequence, Literal(p.sequence, datatype=XSD.integer)))
    if p.number is not None:
        g.add((p.iri, WSIS.number, Literal(p.number)))
    if p.kind == "heading":
        g.add((p.iri, WSIS.heading, Literal(p.text, lang="en")))
        return
    g.add((p.iri, WSIS.text, Literal(p.text, lang="en")))
    if p.kind == "preamble" and p.leading:
        g.add((p.iri, WSIS.leadingPhrase, Literal(p.leading)))
    if p.kind == "operative" and p.leading:
        g.add((p.iri, WSIS.leadingVerb, Literal(p.leading)))
    if p.number_recovered:
        g.add((p.iri, WSIS.numberRecovered, Literal(True)))
    if p.number_conflict:
        g.add((p.iri, WSIS.numberConflict, Literal(p.number_conflict)))
    for prop in p.guessed:
        g.add((p.iri, WSIS.guessed, Literal(str(prop), datatype=XSD.anyURI)))


def _parts(blocks: list[Block], res: URIRef, hyphenated: set[str], plain: set[str],
           problems: list[str]) -> list[Part]:
    """Blocks → parts. Operative numbers are the printed ones: a number that breaks the
    sequence is kept and its conflict recorded; only a lost or garbled number is recovered
    from the sequence (marked ``wsis:numberRecovered``)."""
    parts: list[Part] = []
    n_pre = n_op = n_sec = prev_num = 0
    used: set[str] = set()
    bullets: list[int] = []
    section: URIRef | None = None
    for b in blocks:
        first = b.lines[0].text
        om = OPERATIVE_START.match(first)
        bm = None if om else BULLET_START.match(first)
        if b.kind == "heading":
            n_sec += 1
            section = part_iri(res, f"section/{n_sec}")
            text = _join([ln.text for ln in b.lines], hyphenated, plain)
            p = Part(section, "heading", text, n_sec, number=str(n_sec), line=b.first.no)
            _label(p, f"heading (line {b.first.no})", b)
            parts.append(p)
            continue
        after = first[om.end():] if om else first[bm.end():] if bm else first
        if om:
            is_op = (n_op > 0 or ocr_number(om.group(1)) == 1
                     or ph.operative(after.strip()) is not None)
        else:
            is_op = (n_op > 0 or bool(bm)) and ph.operative(after.strip()) is not None
        if is_op:
            n_op += 1
            expected = prev_num + 1
            printed = om.group(1) if om else ""
            recovered, conflict = False, None
            where = f"line {b.first.no}"
            if printed.isdigit():
                number = str(int(printed))
                if int(printed) != expected:
                    conflict = str(expected)
                    gap = (f"; numbers jump from {prev_num} to {printed} (an excerpt, or "
                           "paragraphs lost?)" if int(printed) > expected else "")
                    problems.append(f"paragraph {number} ({where}): printed number {printed} "
                                    f"where the sequence gives {expected}; kept as printed{gap}")
            elif printed:
                val = ocr_number(printed)
                digits = re.sub(r"\D", "", printed)
                if val != expected and digits and int(digits) == expected:
                    val = expected  # "l2" after paragraph 1: a stray mark before the 2
                number, recovered = str(val if val else expected), True
                problems.append(f"paragraph {number} ({where}): number printed {printed!r}, "
                                f"read as {number} (marked wsis:numberRecovered)")
                if val and val != expected:
                    conflict = str(expected)
            else:
                number, recovered = str(expected), True
                if bm:
                    bullets.append(b.first.no)
                else:
                    problems.append(f"paragraph {number} ({where}): number lost, recovered "
                                    "from the sequence (marked wsis:numberRecovered)")
            prev_num = int(number)
            key = number if number not in used else f"{number}-{n_op}"
            used.add(key)
            iri = paragraph_iri(res, key)
            main, items = split_items([Line(b.first.no, after, b.first.page), *b.lines[1:]])
            text = _join([ln.text for ln in main], hyphenated, plain)
            p = Part(iri, "operative", text, n_op, number=number, parent=section,
                     number_recovered=recovered, number_conflict=conflict, line=b.first.no)
            _label(p, f"paragraph {number} ({where})", b)
            _lead(p, _leading_verb(text, problems, p.label), WSIS.leadingVerb)
            parts.append(p)
            parts.extend(_items(items, p, hyphenated, plain, problems))
            continue
        if n_op:
            problems.append(f"line {b.first.no}: unnumbered text after the operative "
                            f"paragraphs, ignored: {b.raw[:60]!r}")
            continue
        n_pre += 1
        iri = part_iri(res, f"preamble/{n_pre}")
        main, items = split_items(b.lines)
        text = _join([ln.text for ln in main], hyphenated, plain)
        p = Part(iri, "preamble", text, n_pre, line=b.first.no)
        _label(p, f"preambular paragraph {n_pre} (line {b.first.no})", b)
        _lead(p, _leading_phrase(text, problems, p.label), WSIS.leadingPhrase)
        parts.append(p)
        parts.extend(_items(items, p, hyphenated, plain, problems))
    if bullets:
        problems.append(f"{len(bullets)} operative paragraphs marked with a dash or bullet "
                        f"instead of a number (lines {bullets[0]}–{bullets[-1]}): numbered in "
                        "order, marked wsis:numberRecovered")
    return parts


def _lead(p: Part, match: ph.PhraseMatch | None, prop: URIRef) -> None:
    """Record a paragraph's leading phrase or verb; a tolerant match is marked as a guess."""
    if match:
        p.leading = match.phrase
        if match.distance:
            p.guessed.append(prop)


def _label(p: Part, label: str, b: Block) -> None:
    p.label = label
    p.page = b.first.page


def _items(items: list[ItemLines], para: Part, hyphenated: set[str], plain: set[str],
           problems: list[str]) -> list[Part]:
    """Parts for a paragraph's lettered items: letters under the paragraph
    (``{para}/b``), roman numerals under the letter before them (``{para}/b/ii``). A label out
    of sequence is kept as printed and reported."""
    out: list[Part] = []
    parent_letter: Part | None = None
    n_top = n_sub = 0
    seen: set[URIRef] = set()
    for item in items:
        text = _join([ln.text for ln in item.lines], hyphenated, plain)
        if item.level and parent_letter is not None:
            n_sub += 1
            parent, seq = parent_letter, n_sub
        else:
            n_top += 1
            n_sub = 0
            parent, seq = para, n_top
        iri = part_iri(parent.iri, item.label)
        if iri in seen:  # a label printed twice (OCR, a misprint): keep both
            iri = part_iri(parent.iri, f"{item.label}-{seq}")
        seen.add(iri)
        p = Part(iri, "item", text, seq, number=item.label, parent=parent.iri,
                 line=item.lines[0].no)
        where = (f"paragraph {para.number}" if para.kind == "operative"
                 else f"preambular paragraph {para.sequence}")
        path = f"({item.label})" if parent is para else f"({parent.number})({item.label})"
        p.label = f"item {path} of {where} (line {p.line})"
        p.page = item.lines[0].page
        if item.expected:
            problems.append(f"{p.label}: printed ({item.label}) where the sequence gives "
                            f"({item.expected}); kept as printed")
        if parent is para:
            parent_letter = p
        out.append(p)
    return out
