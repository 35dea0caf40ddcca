"""ITU brochure "WSIS: Implementing the Action Plan" → text blocks, lists and the facilitator table.

The source is a Markdown-like conversion of a folded brochure. Blank lines (or lines of no-break
spaces) separate paragraphs. A paragraph is:

* a heading: "#", "##", "###" lines, or a paragraph wholly in bold (``**…**``) that does not end
  with ":" (bold sentences ending with ":" are text). Headings become ``wsis:Section``
  (``section/{slug of the heading}``, nested by level: "#" > "##" > "###" = bold);
* a list: "- a) …" lines become ``wsis:Item`` ``{section}/{letter}``, their indented "- …"
  sub-bullets ``{item}/{k}`` (k = 1.. in order), typed plain ``wsis:DocumentPart``: they
  print no letter or numeral, which a ``wsis:Item`` must have;
* the facilitator table ("Action line<TAB>Facilitator/Moderator"): one ``wsis:TableRow`` per
  line, ``table/facilitators/row/C{n}``, and one per C7 sub-line,
  ``table/facilitators/row/C7-{slug}`` (nested in row C7); the C7 cell lists the eight
  agencies in the order of the sub-lines, one word each;
* anything else: a ``wsis:TextBlock`` ``block/{n}``, n = 1.. in document order.

Markdown syntax (``**``, ``*``, links, HTML list tags) is conversion noise and is removed; the
words are kept as printed. Block numbers are cited by curated data (figures): see
docs/sources.md for the table of block numbers, which a test pins.
"""

from __future__ import annotations

import re

from rdflib import RDFS, Graph, Literal, URIRef

from wsis_kg.errors import SourceFormatError
from wsis_kg.extraction.extract import source
from wsis_kg.extraction.sources.citations import link_citations
from wsis_kg.extraction.sources.rdf import DocBuilder
from wsis_kg.extraction.sources.text import join_lines, normalise_space
from wsis_kg.namespaces import WSIS, action_line_iri, part_iri

SLUG = "itu-brochure-implementing-action-plan"
SOURCE_FILE = source(SLUG).source_file

HEADING = re.compile(r"^(#{1,3})\s+(\S.*)$")
LETTERED = re.compile(r"^- ([a-z])\)\s+(\S.*)$")
SUB_BULLET = re.compile(r"^\s+- (\S.*)$")
TABLE_HEADER = re.compile(r"^Action line\t(.+)$")
ROW = re.compile(r"^(C\d{1,2})\.\s+(.*?)\t(.*)$")
LI = re.compile(r"<li>\s*(?:[\u25aa\u2022\u00b7]\s*)?(.*?)\s*</li>")


def strip_markdown(text: str) -> str:
    """Remove Markdown/HTML markup added by the conversion; keep the words."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](url) → label
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace("**", "")
    text = re.sub(r"(?<!\w)\*(\S(?:.*?\S)?)\*(?!\w)", r"\1", text)  # *emphasis*
    return text


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def paragraphs(text: str) -> list[tuple[int, list[str]]]:
    """(first line number, raw lines) of each blank-line-separated paragraph."""
    out: list[tuple[int, list[str]]] = []
    cur: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), start=1):
        if not normalise_space(raw):
            if cur:
                out.append((start, cur))
            cur = []
            continue
        if not cur:
            start = n
        cur.append(raw.rstrip())
    if cur:
        out.append((start, cur))
    return out


def extract(text: str) -> Graph:
    paras = paragraphs(text)
    title = next((HEADING.match(ls[0]).group(2) for _, ls in paras  # type: ignore[union-attr]
                  if HEADING.match(ls[0]) and HEADING.match(ls[0]).group(1) == "#"), None)
    if title is None:
        raise SourceFormatError("no '# ' title heading", source=SOURCE_FILE)
    b = DocBuilder(SLUG, WSIS.Publication, normalise_space(title), SOURCE_FILE)
    b.g.add((b.doc, RDFS.label,
             Literal("ITU brochure \u201cWSIS: Implementing the Action Plan\u201d", lang="en")))

    stack: list[tuple[int, URIRef]] = []  # (level, section) of the open headings
    block_no = 0

    def section() -> URIRef:
        return stack[-1][1] if stack else b.doc

    for line_no, lines in paras:
        joined = normalise_space(" ".join(lines))
        h = HEADING.match(lines[0])
        bold = joined.startswith("**") and joined.endswith("**") and joined.count("**") == 2
        if h or (bold and not joined[2:-2].rstrip().endswith(":")):
            level = len(h.group(1)) if h else 3
            heading = normalise_space(strip_markdown(h.group(2) if h else joined))
            while stack and stack[-1][0] >= level:
                stack.pop()
            sec = b.part(b.iri(f"section/{slugify(heading)}"), WSIS.Section, section(),
                         heading=heading)
            stack.append((level, sec))
        elif TABLE_HEADER.match(lines[0]):
            _table(b, section(), lines, line_no)
        elif LETTERED.match(lines[0].strip()):
            _list(b, section(), lines, line_no)
        else:
            block_no += 1
            blk = b.part(b.iri(f"block/{block_no}"), WSIS.TextBlock, section(),
                         text=join_lines(strip_markdown(ln) for ln in lines))
            link_citations(b, blk, joined)
    return b.g


def _list(b: DocBuilder, parent: URIRef, lines: list[str], line_no: int) -> None:
    item: URIRef | None = None
    for k, raw in enumerate(lines):
        if m := LETTERED.match(raw.strip()):
            item = b.part(part_iri(parent, m.group(1)), WSIS.Item, parent,
                          number=m.group(1), text=normalise_space(strip_markdown(m.group(2))))
            sub = 0
        elif (m := SUB_BULLET.match(raw)) and item is not None:
            sub += 1
            b.part(part_iri(item, sub), WSIS.DocumentPart, item,
                   text=normalise_space(strip_markdown(m.group(1))))
        else:
            raise SourceFormatError(f"list line not understood: {raw.strip()[:40]!r}",
                                    source=SOURCE_FILE, line=line_no + k)


def _table(b: DocBuilder, parent: URIRef, lines: list[str], line_no: int) -> None:
    header = TABLE_HEADER.match(lines[0])
    assert header is not None
    b.comment(parent, "This section holds the table \u201cAction line | "
              f"{header.group(1).strip()}\u201d (rows table/facilitators/row/\u2026).")
    base = b.iri("table/facilitators/row")
    for k, raw in enumerate(lines[1:], start=1):
        m = ROW.match(raw)
        if not m:
            raise SourceFormatError(f"table row not understood: {raw[:40]!r}",
                                    source=SOURCE_FILE, line=line_no + k)
        code, label, cell = m.group(1), m.group(2), normalise_space(m.group(3))
        subs = LI.findall(label)
        label = normalise_space(strip_markdown(label.split("<ul", 1)[0]))
        row = b.part(part_iri(base, code), WSIS.TableRow, parent, number=code,
                     heading=f"{code}. {label}", text=cell)
        b.g.add((row, WSIS.mentions, action_line_iri(code)))
        if not subs:
            continue
        agencies = cell.split(" ")
        if len(agencies) != len(subs):
            raise SourceFormatError(f"row {code}: {len(subs)} sub-lines but "
                                    f"{len(agencies)} agencies", source=SOURCE_FILE,
                                    line=line_no + k)
        for name, agency in zip(subs, agencies, strict=True):
            sub_code = f"{code}-{slugify(name)}"
            r = b.part(part_iri(base, sub_code), WSIS.TableRow, row, number=sub_code,
                       heading=normalise_space(name), text=agency)
            b.g.add((r, WSIS.mentions, action_line_iri(sub_code)))
