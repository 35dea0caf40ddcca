"""Page layout of a UN resolution's plain text: header, pages, footnote blocks, paragraphs.

Text "from the wild" is OCR or PDF-to-text output. What the layout adds is undone here, in
this order, always on whole lines so that line numbers stay valid for messages:

1. the header (before "The General Assembly," / "The Economic and Social Council,") gives the
   symbol line ("2009/7", "A/RES/66/184"), the adoption line ("Resolution adopted by … on
   22 December 2011") and the title; its other lines are furniture;
2. the closing ("36th plenary meeting" + a date line) gives the meeting and the date;
3. footnote blocks are found at page feet: a line "N Text…" after a blank line (or after
   another footnote), N being the *next* footnote number (footnotes are numbered 1, 2, 3… in
   a resolution), continued by the following lines until a blank line or a new page;
4. page furniture (page numbers "2/7", "- 3 -", job numbers "11-46961", running symbols) is
   dropped;
5. the remaining body lines are cut into blocks (blank lines, numbered paragraph starts);
   a block that does not end a sentence (",", ";", ".", ":" and perhaps a footnote marker) and
   is followed by an ordinary line is joined with it (a paragraph broken by a page); one that
   is followed by a numbered paragraph is a heading ("The road ahead").

Pages matter for footnote markers (see ``markers``): a page starts after a footnote block, at a
form feed, after two or more blank lines, or at a line indented by exactly one space (how the
GA seed shows page tops).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MONTHS = ("January February March April May June July August September October November "
          "December").split()
DATE = r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
DATE_RE = re.compile(DATE)

BODIES = {
    "General Assembly": "un-general-assembly",
    "Economic and Social Council": "ecosoc",
}
OPENER = re.compile(r"^\s*The\s+(General\s+Assembly|Economic\s+and\s+Social\s+Council)\s*,\s*$")
SYMBOL_LINE = re.compile(r"^\s*(?:Resolution\s+|United\s+Nations\s+)?"
                         r"((?:[AE]/RES/)?\d{1,4}/\d{1,4}(?:\s?[A-Z])?)\s*$")
# ODS style: "66/184. Information and communications technologies for development"
SYMBOL_TITLE_LINE = re.compile(r"^\s*(\d{1,4}/\d{1,4}(?:\s?[A-Z])?)\.\s+(\S.*)$")
ADOPTED_LINE = re.compile(
    r"^\s*Resolution\s+adopted\s+by\s+the\s+(?:General\s+Assembly|Economic\s+and\s+Social\s+"
    r"Council)(?:\s+on\s+" + DATE + r")?\s*$", re.IGNORECASE)
MEETING_LINE = re.compile(r"^\s*(\d{1,3}(?:st|nd|rd|th)\s+plenary\s+meeting)\s*$", re.IGNORECASE)
DATE_LINE = re.compile(r"^\s*" + DATE + r"\s*$")
HEADER_FURNITURE = re.compile(
    r"^\s*(?:United\s+Nations|(?:General\s+Assembly|Economic\s+and\s+Social\s+Council)"
    r"(?:\s+Distr\.?:?\s*\w+)?|Distr\.?:?\s*\w+|Original:?\s*\w+|[A-Z][a-z]+(?:-[a-z]+)?\s+session|"
    r"(?:Substantive|Organizational)\s+session\s+of\s+\d{4}|Agenda\s+item\s+\S+|"
    r"\[.*\]|" + DATE + r")\s*$", re.IGNORECASE)
FURNITURE = re.compile(
    r"^\s*(?:-\s*\d{1,3}\s*-|page\s+\d{1,3}(?:\s+of\s+\d{1,3})?|\d{1,3}/\d{1,3}|\d{1,3}|"
    r"\d{2}-\d{5}(?:\s*\(E\))?|[AE]/RES/\d{1,4}/\d{1,4}(?:\s?[A-Z])?(?:\s{2,}.*|\s+[A-Z].*)?|"
    r"\*{3,}|_{3,}|={3,})\s*$",
    re.IGNORECASE)
FOOTNOTE_START = re.compile(r"^\s*(\d{1,3})\s+([A-Z\[(“\"].*)$")
# An operative paragraph start: "12. Requests", "44, Recommends" (OCR comma), "l2. Notes".
OPERATIVE_START = re.compile(r"^\s*([0-9lIO]{1,3})\s*[.,]\s+(?=\S)")
# An operative paragraph marked with a dash or bullet instead of a number.
BULLET_START = re.compile(r"^\s*[-–—•·▪]\s+(?=[A-Z])")
ITEM_START = re.compile(r"^\s*\(([a-z]{1,2}|[ivx]{1,5})\)\s+")
# What a paragraph ends with: , ; . : possibly followed by a footnote marker as OCR left it.
TERMINAL = re.compile(r"[,;.:](?:\s?\d{1,2}|[*>®°”?†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s*$")
PREAMBLE_START = re.compile(
    r"^\s*(?:(?:Also|Further|Deeply|Gravely|Strongly)\s+)?(?:[A-Z][a-z]+ing\b|Conscious\b|"
    r"Mindful\b|Aware\b|Convinced\b|Concerned\b|Cognizant\b|Determined\b|Desirous\b|"
    r"Guided\b)")


def ocr_number(token: str) -> int | None:
    """The number an OCR'd paragraph number stands for ("l2" → 12, "O" → 0)."""
    digits = token.translate(str.maketrans("lIO", "110"))
    return int(digits) if digits.isdigit() else None


@dataclass
class Line:
    no: int  # 1-based line number in the input
    text: str
    page: int


@dataclass
class FootnoteBlock:
    number: int
    lines: list[Line]

    @property
    def page(self) -> int:
        return self.lines[0].page


@dataclass
class Block:
    """Consecutive body lines forming one paragraph (or heading) of the resolution."""

    lines: list[Line]
    kind: str = "para"  # "para" | "heading"

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def raw(self) -> str:
        return " ".join(ln.text.strip() for ln in self.lines)


@dataclass
class Layout:
    body_name: str | None = None
    body_slug: str | None = None
    symbol_line: str | None = None  # as printed: "2009/7", "A/RES/66/184"
    symbol_line_no: int | None = None
    title: str | None = None
    date: tuple[str, str, str] | None = None  # (day, month, year) as printed
    date_line_no: int | None = None
    meeting: str | None = None
    meeting_line_no: int | None = None
    opener_line_no: int | None = None
    footnotes: list[FootnoteBlock] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    furniture: list[Line] = field(default_factory=list)


def _paginate(lines: list[str]) -> list[Line]:
    out: list[Line] = []
    page, blanks, pending = 1, 0, False
    for i, raw in enumerate(lines, 1):
        if not raw.strip():
            blanks += 1
            if blanks >= 2:
                pending = True
            out.append(Line(i, "", page))
            continue
        if re.match(r"^ \S", raw) and i > 1:
            pending = True
        if pending and any(ln.text for ln in out):
            page += 1
        pending, blanks = False, 0
        out.append(Line(i, raw.rstrip(), page))
    return out


def _find_footnotes(body: list[Line]) -> tuple[list[FootnoteBlock], set[int]]:
    """Footnote blocks (numbered 1, 2, … in order) and the line numbers they occupy."""
    blocks: list[FootnoteBlock] = []
    used: set[int] = set()
    expected = 1
    current: FootnoteBlock | None = None
    prev_blank = True
    for ln in body:
        if not ln.text:
            current, prev_blank = None, True
            continue
        m = FOOTNOTE_START.match(ln.text)
        if m and int(m.group(1)) == expected and (prev_blank or current is not None):
            current = FootnoteBlock(expected, [ln])
            blocks.append(current)
            used.add(ln.no)
            expected += 1
        elif (current is not None and not ln.text.startswith(" ")
              and not OPERATIVE_START.match(ln.text) and not PREAMBLE_START.match(ln.text)
              and ln.page == current.page):
            current.lines.append(ln)
            used.add(ln.no)
        else:
            current = None
        prev_blank = False
    return blocks, used


def _repaginate(body: list[Line], footnote_lines: set[int]) -> None:
    """A page ends with its footnotes: the first body line after a footnote block starts a new
    page, unless a blank run or an indented line already started one."""
    shift, fn_page = 0, None
    for ln in body:
        ln.page += shift
        if ln.no in footnote_lines:
            fn_page = ln.page
            continue
        if ln.text:
            if fn_page is not None and ln.page == fn_page:
                shift += 1
                ln.page += 1
            fn_page = None


def analyse(text: str) -> Layout:
    """Split a resolution's text into header facts, footnote blocks and paragraph blocks."""
    lay = Layout()
    # a form feed (page break in pdftotext output) would vanish in splitlines(): make it a
    # blank run, which _paginate reads as a page break
    text = text.replace("\f", "\n\n\n")
    lines = _paginate(text.splitlines())
    opener = next((ln for ln in lines if OPENER.match(ln.text)), None)
    if opener is None:
        return lay
    lay.opener_line_no = opener.no
    name = re.sub(r"\s+", " ", OPENER.match(opener.text).group(1))  # type: ignore[union-attr]
    lay.body_name, lay.body_slug = name, BODIES[name]

    # 1. header
    title_lines: list[Line] = []
    for ln in lines[: opener.no - 1]:
        if not ln.text.strip():
            if title_lines:
                title_lines.append(ln)
            continue
        if lay.symbol_line is None and (m := SYMBOL_LINE.match(ln.text)):
            lay.symbol_line, lay.symbol_line_no = m.group(1), ln.no
        elif m := SYMBOL_TITLE_LINE.match(ln.text):
            if lay.symbol_line is None or not lay.symbol_line.startswith(("A/", "E/")):
                lay.symbol_line, lay.symbol_line_no = m.group(1), ln.no
            title_lines = [Line(ln.no, m.group(2), ln.page)]
        elif m := ADOPTED_LINE.match(ln.text):
            if m.group(1):
                lay.date, lay.date_line_no = (m.group(1), m.group(2), m.group(3)), ln.no
        elif HEADER_FURNITURE.match(ln.text) or FURNITURE.match(ln.text):
            lay.furniture.append(ln)
        else:
            if title_lines and not title_lines[-1].text:
                title_lines = []  # a later block wins: the title is the one before the opener
            title_lines.append(ln)
    title = " ".join(ln.text.strip() for ln in title_lines if ln.text)
    lay.title = re.sub(r"\s+", " ", title).strip() or None

    # 2. closing, 3. footnotes, 4. furniture
    body = lines[opener.no:]
    for i, ln in enumerate(body):
        if m := MEETING_LINE.match(ln.text):
            lay.meeting, lay.meeting_line_no = m.group(1), ln.no
            ln.text = ""
            for nxt in body[i + 1: i + 3]:
                if dm := DATE_LINE.match(nxt.text):
                    if lay.date is None:
                        lay.date, lay.date_line_no = dm.groups(), nxt.no  # type: ignore[assignment]
                    nxt.text = ""
                    break
    lay.footnotes, fn_lines = _find_footnotes(body)
    _repaginate(body, fn_lines)
    kept: list[Line] = []
    for ln in body:
        if ln.no in fn_lines:
            continue
        if ln.text and FURNITURE.match(ln.text):
            lay.furniture.append(ln)
            continue
        kept.append(ln)
    lay.blocks = _blocks(kept)
    return lay


def _blocks(body: list[Line]) -> list[Block]:
    raw: list[list[Line]] = []
    cur: list[Line] = []
    expected_op = 1
    for ln in body:
        if not ln.text.strip():
            if cur:
                raw.append(cur)
                cur = []
            continue
        m = OPERATIVE_START.match(ln.text)
        # the expected number, or the one after it (a paragraph whose number OCR lost)
        starts_op = bool(m and ocr_number(m.group(1)) in (expected_op, expected_op + 1)
                         and (expected_op > 1 or ocr_number(m.group(1)) == 1))
        if starts_op and m:
            expected_op = ocr_number(m.group(1)) or expected_op
        starts_pre = (expected_op == 1 and bool(PREAMBLE_START.match(ln.text)) and bool(cur)
                      and cur[-1].text.rstrip().endswith(","))
        if (starts_op or starts_pre) and cur:
            raw.append(cur)
            cur = []
        if starts_op:
            expected_op += 1
        cur.append(ln)
    if cur:
        raw.append(cur)

    blocks: list[Block] = []
    i = 0
    while i < len(raw):
        lines = raw[i]
        i += 1
        while not TERMINAL.search(lines[-1].text) and i < len(raw):
            nxt = raw[i]
            if OPERATIVE_START.match(nxt[0].text):
                break
            lines = lines + nxt
            i += 1
        kind = "para"
        if not TERMINAL.search(lines[-1].text) and i < len(raw) and len(lines) <= 3:
            kind = "heading"
        blocks.append(Block(lines, kind))
    return blocks
