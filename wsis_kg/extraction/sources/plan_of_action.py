"""Geneva Plan of Action (data/sources/geneva-plan-of-action.txt) → paragraph-level RDF.

Layout: lettered sections ("A. Introduction", "E) Follow-up…"), action-line sections ("C1. …",
"D1. …"), numbered paragraphs ("12. …"), lettered items ("a) …") and roman sub-items
("ii) …"). Blocks start at a marker at the beginning of a line; every other line continues the
current block (the OCR dropped some blank lines and indented the first line of each page).

OCR damage is not repaired. Garbled passages are taken from ``DAMAGE`` (found by reading the
whole text, screened with ``text.looks_garbled``), each checked to be present exactly once, and
recorded with ``wsis:illegible``. Where the damage swallowed a paragraph number or section
heading, the item letters restart ("b)" after "i)"): the lost paragraph and section numbers are
recovered from the next printed ones and marked ``wsis:numberRecovered``; nothing is retyped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS

from wsis_kg.errors import SourceFormatError
from wsis_kg.extraction.extract import source
from wsis_kg.extraction.sources.citations import link_citations
from wsis_kg.extraction.sources.rdf import DocBuilder
from wsis_kg.extraction.sources.text import join_lines, strip_furniture
from wsis_kg.namespaces import WSIS, paragraph_iri, part_iri

SLUG = "geneva-plan-of-action"
SOURCE_FILE = source(SLUG).source_file
BROCHURE_TABLE = "https://w3id.org/wsis-kg/id/doc/itu-brochure-implementing-action-plan/table/facilitators/row/"

# Garbled passages exactly as in the source (runs of spaces included). Each is checked.
DAMAGE: tuple[str, ...] = (
    "on nce t  P t c pe n e\ufffd a P l  de v\ufffd t  i h h  l e a h b",  # C5, after 12 a)
    "entl  acti vel  promote usa)  epucatiod  and  awarenesc eboutonlin",  # C6, in 13 i)
    "on ecta hytcP op ate hngbic exct  Ea e  sty,ht di otbl",  # C8, in 23 n)
)
# Headings of sections whose heading line the OCR lost. They are not in this text; they are
# taken, as printed there, from the action-line table of the ITU brochure (cited with
# dcterms:source on the section).
RECOVERED_HEADINGS: dict[str, str] = {
    "C7": "ICT applications",
    "C9": "Media",
}

ROMANS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
TOP = re.compile(r"^([A-F])[.)]\s+(\S.*)$")
SUB = re.compile(r"^([CD]\d{1,2})\.\s+(\S.*)$")
PARA = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
ITEM = re.compile(r"^([a-z]{1,4})\)\s+(\S.*)$")


@dataclass
class Block:
    kind: str  # title | top | sub | para | item | roman
    marker: str
    line: int
    lines: list[str] = field(default_factory=list)


def tokenize(text: str) -> list[Block]:
    blocks: list[Block] = []
    for n, raw in enumerate(strip_furniture(text.splitlines()), start=1):
        s = raw.strip()
        if not s:
            continue
        prev = blocks[-1] if blocks else None
        if prev is None:
            blocks.append(Block("title", "", n, [s]))
            continue
        m = ITEM.match(s)
        if m and (m.group(1) in ROMANS or len(m.group(1)) == 1):
            mk = m.group(1)
            after_colon = prev.kind == "item" and join_lines(prev.lines).endswith(":")
            roman = mk in ROMANS and (prev.kind == "roman" or after_colon
                                      or mk not in ("i", "v", "x"))
            if len(mk) > 1 and not roman:
                raise SourceFormatError(f"unexpected item marker {mk})", source=SOURCE_FILE,
                                        line=n)
            blocks.append(Block("roman" if roman else "item", mk, n, [m.group(2)]))
            continue
        for kind, rx in (("sub", SUB), ("top", TOP), ("para", PARA)):
            m = rx.match(s)
            if m:
                blocks.append(Block(kind, m.group(1), n, [m.group(2)]))
                break
        else:
            prev.lines.append(raw.rstrip())
    return blocks


def _check_damage(text: str) -> None:
    for passage in DAMAGE:
        if text.count(passage) != 1:
            raise SourceFormatError(
                f"damaged passage {passage!r} expected exactly once in the source",
                source=SOURCE_FILE)


def _damage_in(lines: list[str]) -> list[str]:
    return [p for p in DAMAGE if any(p in ln for ln in lines)]


def extract(text: str) -> Graph:
    """Parse the Plan of Action text into documents, sections, paragraphs and items."""
    _check_damage(text)
    blocks = tokenize(text)
    b = DocBuilder(SLUG, WSIS.OutcomeDocument, join_lines(blocks[0].lines), SOURCE_FILE)
    b.g.add((b.doc, RDFS.label, _lit("Geneva Plan of Action")))

    top: URIRef | None = None
    sub: URIRef | None = None
    sub_num = 0
    container: URIRef | None = None  # the paragraph or section items attach to
    para_num = 0
    item: URIRef | None = None
    item_block: Block | None = None
    expected = 0  # index in LETTERS of the next item letter

    def finish(iri: URIRef, blk: Block, lines: list[str] | None = None) -> None:
        lines = blk.lines if lines is None else lines
        txt = join_lines(lines)
        b.g.remove((iri, WSIS.illegible, None))
        b.g.set((iri, WSIS.text, _lit(txt)))
        for passage in _damage_in(lines):
            b.illegible(iri, passage)
        link_citations(b, iri, txt)

    def next_printed(i: int, kind: str) -> Block | None:
        return next((x for x in blocks[i + 1:] if x.kind == kind), None)

    for i, blk in enumerate(blocks[1:], start=1):
        if blk.kind == "top":
            top = b.part(b.iri(f"section/{blk.marker}"), WSIS.Section, b.doc,
                         number=blk.marker, heading=join_lines(blk.lines))
            sub, container, expected = None, top, 0
        elif blk.kind == "sub":
            sub_num = int(blk.marker[1:])
            sub = b.part(b.iri(f"section/{blk.marker}"), WSIS.Section, top,
                         number=blk.marker, heading=join_lines(blk.lines))
            container, expected = sub, 0
        elif blk.kind == "para":
            para_num = int(blk.marker)
            container = b.part(paragraph_iri(b.doc, blk.marker), WSIS.Paragraph, sub or top,
                               number=blk.marker)
            finish(container, blk)
            expected = 0
        elif blk.kind == "item":
            idx = LETTERS.index(blk.marker)
            if idx < expected and idx > 0:
                # letters restart: OCR lost the end of this paragraph and the start of another
                nxt_para, nxt_sub = next_printed(i, "para"), next_printed(i, "sub")
                if nxt_para is None or nxt_sub is None:
                    raise SourceFormatError("item letters restart at the end of the text",
                                            source=SOURCE_FILE, line=blk.line)
                rec_num = int(nxt_para.marker) - 1
                lost_paras = list(range(para_num + 1, rec_num))
                nxt_sub_num = int(nxt_sub.marker[1:])
                prefix = nxt_sub.marker[0]
                if nxt_sub_num - sub_num > 2:
                    raise SourceFormatError("more than one section lost", source=SOURCE_FILE,
                                            line=blk.line)
                lost_sec = nxt_sub_num - sub_num == 2
                if lost_sec:
                    code = f"{prefix}{sub_num + 1}"
                    sub = b.part(b.iri(f"section/{code}"), WSIS.Section, top, number=code,
                                 heading=RECOVERED_HEADINGS.get(code))
                    sub_num += 1
                    b.recovered(sub)
                    b.g.add((sub, DCTERMS.source, URIRef(BROCHURE_TABLE + code)))
                    b.comment(sub, f"The heading line of section {code} was lost by OCR damage "
                              f"in the source; the code {code} is recovered from the sequence "
                              f"({prefix}{sub_num - 1} before, {nxt_sub.marker} after) and the "
                              "heading is taken from the action-line table of the ITU brochure "
                              "(dcterms:source)."
                              + (f" Paragraph {', '.join(map(str, lost_paras))} is lost entirely."
                                 if lost_paras else ""))
                container = b.part(paragraph_iri(b.doc, rec_num), WSIS.Paragraph, sub or top,
                                   number=str(rec_num))
                b.recovered(container)
                lost_items = ", ".join(f"{c})" for c in LETTERS[:idx])
                b.comment(container, f"The number and text of paragraph {rec_num} were lost "
                          f"by OCR damage in the source, together with items {lost_items}; "
                          f"the number is recovered from the sequence (paragraph {para_num} "
                          f"before, {nxt_para.marker} after). Only the surviving items are "
                          "recorded; no text is supplied.")
                if item is not None:
                    b.comment(item, "The text breaks off in an OCR-damaged passage (recorded "
                              "as wsis:illegible); what followed it up to paragraph "
                              f"{rec_num} item {blk.marker}) is lost in the source.")
                para_num = rec_num
            elif idx == expected + 1 and item is not None and item_block is not None \
                    and _damage_in(item_block.lines):
                # one item letter skipped: the garbled line begins the lost item
                cut = next(k for k, ln in enumerate(item_block.lines) if _damage_in([ln]))
                head, tail = item_block.lines[:cut], item_block.lines[cut:]
                finish(item, item_block, head)
                lost = LETTERS[expected]
                rec = b.part(part_iri(container, lost), WSIS.Item, container, number=lost)
                finish(rec, item_block, tail)
                b.recovered(rec)
                b.comment(item, "The end of this item is garbled in the source: the text "
                          "breaks off and is followed by an illegible line.")
                b.comment(rec, f"The item letter {lost}) and the start of this item were lost "
                          "by OCR damage; the letter is recovered from the sequence "
                          f"({LETTERS[expected - 1]}) before, {blk.marker}) after). The text is "
                          "what survives as printed, starting with the illegible line.")
            elif idx != expected:
                raise SourceFormatError(f"item {blk.marker}) out of sequence",
                                        source=SOURCE_FILE, line=blk.line)
            if container is None:
                raise SourceFormatError("item outside any paragraph", source=SOURCE_FILE,
                                        line=blk.line)
            item = b.part(part_iri(container, blk.marker), WSIS.Item, container,
                          number=blk.marker)
            item_block = blk
            finish(item, blk)
            expected = idx + 1
        elif blk.kind == "roman":
            if item is None:
                raise SourceFormatError("sub-item outside any item", source=SOURCE_FILE,
                                        line=blk.line)
            r = b.part(part_iri(item, blk.marker), WSIS.Item, item, number=blk.marker)
            finish(r, blk)
    return b.g


def _lit(text: str):
    from rdflib import Literal

    return Literal(text, lang="en")
