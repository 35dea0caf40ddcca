"""Tunis draft "Chapter One: Implementation Mechanism" → paragraph-level RDF with annexes.

Layout: chapter headings ("[Chapter One: …", "Chapter Four: …"), numbered paragraphs whose
number usually sits alone on its line ("1. " then the text on the next line), bracketed
numbers ("[13. We also…", "[15." alone), lettered items, and two bracketed annexes
("[ANNEX A (Russian Federation)" … "]") holding a two-column table: action line | proposed
coordinator(s). [Bracketed] text is disputed negotiating text: it is kept as printed and the
part is marked ``wsis:bracketed``. A bracket printed before a paragraph number is moved into
the paragraph text, so that the text shows the bracket that closes at its end.

Annex tables: one ``wsis:TableRow`` per action line, per C7 sub-line (nested in the C7 row) and
per Plan of Action section (B, D, E); ``wsis:heading`` is the action-line cell as printed
(Annex A prints Cyrillic "С1", "С2"; the code in the IRI and ``wsis:number`` is normalised to
Latin "C1"), ``wsis:text`` the coordinator cell as printed. In the C7 block the sub-line
names come first and the coordinator cells follow one per blank-line-separated group; Annex B
has one group more than sub-lines, the first being the cell of the C7 line itself.
"""

from __future__ import annotations

import re

from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from wsis_kg.errors import SourceFormatError
from wsis_kg.extraction.extract import source
from wsis_kg.extraction.sources.citations import link_citations
from wsis_kg.extraction.sources.rdf import DocBuilder
from wsis_kg.extraction.sources.text import (
    join_lines,
    normalise_space,
    strip_furniture,
)
from wsis_kg.namespaces import (
    WSIS,
    action_line_iri,
    doc_iri,
    org_iri,
    paragraph_iri,
    part_iri,
)

SLUG = "tunis-draft-implementation-mechanism"
SOURCE_FILE = source(SLUG).source_file
POA = doc_iri("geneva-plan-of-action")

CHAPTER = re.compile(r"^(\[?)Chapter (\w+): (\S.*)$")
PARA = re.compile(r"^(\[?)(\d{1,2})\.\s*(.*)$")
ITEM = re.compile(r"^([a-z])\)\s*(.*)$")
ANNEX = re.compile(r"^\[ANNEX ([AB]) \((.+)\)\s*$")
ROW = re.compile(r"^([\u0421C]\d{1,2}|[BDE])\.\s+(\S.*)$")  # U+0421: Cyrillic capital Es
BULLET = re.compile(r"^[\u00b7\u25cf\u25aa\u2022]\s*(\S.*)$")
ORDINALS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
PROPOSERS = {"Russian Federation": "russian-federation", "Ghana": "ghana"}


def extract(text: str) -> Graph:
    lines = strip_furniture(text.splitlines())
    b = DocBuilder(SLUG, WSIS.DraftDocument, "Chapter One: Implementation Mechanism",
                   SOURCE_FILE)
    b.g.add((b.doc, RDFS.label,
             Literal("Tunis draft: Implementation Mechanism (Chapter One)", lang="en")))

    section: URIRef | None = None
    current: tuple[URIRef, list[str]] | None = None  # part being read, its lines
    para: URIRef | None = None
    blank_before = False
    split_items: list[URIRef] = []
    i = 0

    def flush() -> None:
        nonlocal current
        if current is not None:
            iri, body = current
            txt = join_lines(body)
            if body[0] == "[":  # "[15." alone on its line: the bracket opens the text
                txt = "[" + join_lines(body[1:])
            if not txt:
                raise SourceFormatError(f"no text for {iri}", source=SOURCE_FILE)
            b.g.add((iri, WSIS.text, Literal(txt, lang="en")))
            if "[" in txt or "]" in txt:
                b.g.add((iri, WSIS.bracketed, Literal(True)))
            link_citations(b, iri, txt)
        current = None

    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        n = i + 1
        i += 1
        if not s:
            blank_before = True
            continue
        if m := ANNEX.match(s):
            flush()
            i = _annex(b, lines, i, m.group(1), m.group(2), n)
            para = None
            blank_before = False
            continue
        if m := CHAPTER.match(s):
            flush()
            num = ORDINALS[m.group(2).lower()]
            section = b.part(b.iri(f"section/chapter-{num}"), WSIS.Section, b.doc,
                             number=str(num), heading=s)
            if m.group(1):
                b.g.add((section, WSIS.bracketed, Literal(True)))
                b.comment(section, "An opening bracket is printed before this heading; the "
                          "matching closing bracket is the ']' printed after paragraph 49, "
                          "so the whole draft text is bracketed.")
        elif m := PARA.match(s):
            flush()
            para = b.part(paragraph_iri(b.doc, m.group(2)), WSIS.Paragraph, section,
                          number=m.group(2))
            current = (para, [m.group(1) + m.group(3)])
        elif m := ITEM.match(s):
            flush()
            if para is None:
                raise SourceFormatError("item outside a paragraph", source=SOURCE_FILE, line=n)
            item = b.part(part_iri(para, m.group(1)), WSIS.Item, para, number=m.group(1))
            current = (item, [m.group(2)])
        elif s == "]":
            flush()  # closes the bracket opened before "Chapter One" (see comment there)
        else:
            if current is None:
                raise SourceFormatError(f"text outside a paragraph: {s[:40]!r}",
                                        source=SOURCE_FILE, line=n)
            if blank_before and current[0] not in split_items and "/para/" in current[0] \
                    and current[0].count("/") > para.count("/"):
                split_items.append(current[0])
            current[1].append(raw)
        blank_before = False
    flush()
    for item in split_items:
        b.comment(item, "The item continues in a second, unnumbered printed paragraph; both "
                  "are kept in its text.")
    return b.g


def _annex(b: DocBuilder, lines: list[str], i: int, letter: str, proposer: str,
           start_line: int) -> int:
    """Read one annex table from ``lines[i:]``; return the index after its closing ']'."""
    code = letter.lower()
    annex = b.part(b.iri(f"annex/{code}"), WSIS.Annex, b.doc, number=letter,
                   heading=lines[i - 1].strip())
    b.g.add((annex, WSIS.bracketed, Literal(True)))
    slug = PROPOSERS.get(proposer)
    if slug is None:
        raise SourceFormatError(f"unknown proposer {proposer!r}", source=SOURCE_FILE,
                                line=start_line)
    b.g.add((annex, WSIS.proposedBy, org_iri(slug)))
    body: list[str] = []
    while i < len(lines) and lines[i].strip() != "]":
        body.append(lines[i])
        i += 1
    if i == len(lines):
        raise SourceFormatError(f"annex {letter} is not closed by ']'", source=SOURCE_FILE,
                                line=start_line)
    filled = [ln.strip() for ln in body if ln.strip()]
    header = filled[:2]
    b.comment(annex, "The whole annex is enclosed in brackets. Table columns as printed: "
              + " | ".join(f"\u201c{h}\u201d" for h in header) + ".")
    # rows: a label line, then the cell lines up to the next label
    rows: list[tuple[str, str, list[str]]] = []
    seen_header = 0
    for ln in body:
        s = ln.strip()
        if m := ROW.match(s):
            rows.append((m.group(1).replace("\u0421", "C"), s, []))
        elif rows:
            rows[-1][2].append(ln)
        elif s:
            seen_header += 1
    if seen_header != 2:
        raise SourceFormatError(f"annex {letter}: expected a two-line table header",
                                source=SOURCE_FILE, line=start_line)
    for rcode, label, cell_lines in rows:
        row = b.iri(f"annex/{code}/row/{rcode}")
        bullets = [m.group(1) for ln in cell_lines if (m := BULLET.match(ln.strip()))]
        if not bullets:
            _row(b, row, annex, rcode, label, join_lines(cell_lines))
            continue
        last = max(k for k, ln in enumerate(cell_lines) if BULLET.match(ln.strip()))
        groups: list[list[str]] = [[]]
        for ln in cell_lines[last + 1:]:
            if ln == "":
                if groups[-1]:
                    groups.append([])
            else:
                groups[-1].append(ln)
        groups = [g for g in groups if g]
        cells = [normalise_space(" ".join(g)) for g in groups]
        if len(cells) == len(bullets) + 1:
            own, cells = cells[0], cells[1:]
        elif len(cells) == len(bullets):
            own = ""
        else:
            raise SourceFormatError(
                f"annex {letter} row {rcode}: {len(bullets)} sub-lines but {len(cells)} cells",
                source=SOURCE_FILE, line=start_line)
        _row(b, row, annex, rcode, label, own)
        for name, cell in zip(bullets, cells, strict=True):
            sub = f"{rcode}-{normalise_space(name).lower()}"
            _row(b, b.iri(f"annex/{code}/row/{sub}"), row, sub, normalise_space(name), cell)
    return i + 1


def _row(b: DocBuilder, row: URIRef, parent: URIRef, rcode: str, label: str, cell: str) -> None:
    b.part(row, WSIS.TableRow, parent, number=rcode, heading=normalise_space(label),
           text=cell or None)
    if rcode in ("B", "D", "E"):
        b.g.add((row, DCTERMS.references, part_iri(POA, f"section/{rcode}")))
    else:
        b.g.add((row, WSIS.mentions, action_line_iri(rcode)))
    if not cell:
        b.comment(row, "The coordinator cell of this row is empty in the source.")
    elif cell.strip("- ") == "":
        b.comment(row, f"The coordinator cell reads \u201c{cell}\u201d: no coordinator is "
                  "proposed for this line.")
