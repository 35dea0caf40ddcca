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

from wsis_kg.extraction.importer import phrases as ph

MONTHS = ("January February March April May June July August September October November "
          "December").split()
DATE = r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})"
DATE_RE = re.compile(DATE)

BODIES = {
    "General Assembly": "un-general-assembly",
    "Economic and Social Council": "ecosoc",
}
OPENER = re.compile(r"^\s*The\s+(General\s+Assembly|Economic\s+and\s+Social\s+Council)\s*,\s*$")
SYMBOL_LINE = re.compile(r"^\s*(?:(?:ECOSOC|General\s+Assembly|Economic\s+and\s+Social\s+Council)"
                         r"\s+)?(?:[Rr]esolution\s+|RESOLUTION\s+|United\s+Nations\s+)?"
                         r"((?:[AE]/RES/)?\d{1,4}/\d{1,4}(?:\s?[A-Z])?)\s*$")
# ODS style: "66/184. Information and communications technologies for development"
SYMBOL_TITLE_LINE = re.compile(r"^\s*(\d{1,4}/\d{1,4}(?:\s?[A-Z])?)\.\s+(\S.*)$")
ADOPTED_LINE = re.compile(
    r"^\s*Resolution\s+adopted\s+by\s+the\s+(?:General\s+Assembly|Economic\s+and\s+Social\s+"
    r"Council)(?:\s+on\s+" + DATE + r")?\s*$", re.IGNORECASE)
# "Resolution adopted by the General Assembly on December 2010": a date without its day.
PARTIAL_DATE = re.compile(r"(?<!\d\s)\b(" + "|".join(MONTHS) + r")\s+(\d{4})\b")
# "…; 69th plenary meeting 20 December 2010": the adoption line glued to the last paragraph.
GLUED_CLOSING = re.compile(r"^(?P<keep>.*\S)\s+(?P<meeting>\d{1,3}(?:st|nd|rd|th)\s+plenary\s+"
                           r"meeting)(?:\s+(?P<date>" + DATE + r"))?\s*$", re.IGNORECASE)
MEETING_LINE = re.compile(r"^\s*(\d{1,3}(?:st|nd|rd|th)\s+plenary\s+meeting)\s*$", re.IGNORECASE)
DATE_LINE = re.compile(r"^\s*" + DATE + r"\s*$")
HEADER_FURNITURE = re.compile(
    r"^\s*(?:United\s+Nations|(?:General\s+Assembly|Economic\s+and\s+Social\s+Council)"
    r"(?:\s+Distr\.?:?\s*\w+)?|Distr\.?:?\s*\w+(?:\s+" + DATE + r")?|Original:?\s*\w+|"
    r"[A-Z][a-z]+(?:-[a-z]+)?\s+session|"
    r"(?:Substantive|Organizational)\s+session\s+of\s+\d{4}|Agenda\s+item\s+\S+|"
    r"\[.*\]|" + DATE + r")\s*$", re.IGNORECASE)
FURNITURE = re.compile(
    r"^\s*(?:-\s*\d{1,3}\s*-|page\s+\d{1,3}(?:\s+of\s+\d{1,3})?|\d{1,3}/\d{1,3}|\d{1,3}|"
    r"\d{2}-\d{5}(?:\s*\(E\))?|[AE]/RES/\d{1,4}/\d{1,4}(?:\s?[A-Z])?(?:\s{2,}.*|\s+[A-Z].*)?|"
    r"\*{3,}|_{3,}|={3,})\s*$",
    re.IGNORECASE)
# "6E/2006/85": a footnote number glued to a document symbol
FOOTNOTE_START = re.compile(r"^\s*(\d{1,3})(?:\s+|(?=[AE]/))([A-Z\[(“\"].*)$")
# A symbol line OCR damaged ("A/RES/6S/l84", "2OO9/7"): reported, never read as the title.
DAMAGED_SYMBOL = re.compile(r"^\s*(?:United\s+Nations\s+)?(?:[AE]\s*/\s*RES\s*/\s*\S+|"
                            r"(?=[\dlIOS/]*\d)[\dlIOS]{1,4}\s*/\s*[\dlIOS]{1,4}\.?)\s*$")
# A paragraph number alone on its line ("1." and the text on the next line).
NUMBER_ONLY = re.compile(r"^\s*(\d{1,3})\s*\.\s*$")
# Typographic forms that are not text: ligatures and non-breaking spaces.
TYPOGRAPHY = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi",
                            "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st", "\u00a0": " ",
                            "\u2007": " ", "\u202f": " ", "\ufeff": ""})
# An operative paragraph start: "12. Requests", "44, Recommends" (OCR comma), "l2. Notes".
OPERATIVE_START = re.compile(r"^\s*([0-9lIO]{1,3})\s*[.,]\s+(?=\S)")
# An operative paragraph marked with a dash or bullet instead of a number.
BULLET_START = re.compile(r"^\s*[-–—•·▪]\s+(?=[A-Za-z])")  # (a verb may have lost its capital)
# A lettered or roman item at the start of a line: "(a) ", "(ii) ", or "(b)" alone on its line
# with the text on the next (see ``items``).
ITEM_START = re.compile(r"^\s*\(([a-z]{1,2}|[ivx]{1,5})\)(?:\s+|$)")
# A lead-in to items: a colon at the end, perhaps followed by a footnote marker.
LEAD_IN = re.compile(r":(?:\s?\d{1,2}|[*>®°”?†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s*$")
# What a paragraph ends with: , ; . : possibly followed by a footnote marker as OCR left it.
TERMINAL = re.compile(r"[,;.:](?:\s?\d{1,2}|[*>®°”?†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s*$")
# A preambular clause ends with a comma, perhaps followed by a footnote marker.
CLAUSE_END = re.compile(r",(?:\s?\d{1,2}|[*>®°”?†‡¹²³⁴⁵⁶⁷⁸⁹⁰]+)?\s*$")
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
    opener_printed: str | None = None  # the opening line when read tolerantly (OCR damage)
    partial_date: tuple[str, int] | None = None  # ("December 2010", line): no day printed
    title_guess: str | None = None  # why the title is a guess, when it is
    unread: list[tuple[int, str, str]] = field(default_factory=list)  # header lines not read:
    # (line, text, what is wrong with it)
    second_opener_line_no: int | None = None  # a second resolution pasted into the file
    double_spaced: bool = False
    last_line_no: int = 0


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


def normalise(text: str) -> str:
    """Ligatures and non-breaking spaces → plain letters and spaces; old-Mac and Windows line
    ends → newlines. Neither is part of the text as written."""
    return text.translate(TYPOGRAPHY).replace("\r\n", "\n").replace("\r", "\n")


def _opener(text: str) -> str | None:
    """The body an opening line names, read tolerantly: "The Ec ic a d S cial C cil," is the
    Economic and Social Council (letters compared by edit distance, at most a third lost)."""
    m = OPENER.match(text)
    if m:
        return re.sub(r"\s+", " ", m.group(1))
    t = text.strip()
    if not re.match(r"^T\w{0,2}\b", t) or not t.endswith(",") or len(t) > 40:
        return None
    letters = re.sub(r"[^a-z]", "", t.lower())
    for name in BODIES:
        target = "the" + re.sub(r"[^a-z]", "", name.lower())
        if ph.levenshtein(letters, target, len(target) // 3) <= len(target) // 3:
            return name
    return None


def _collapse_double_spacing(lines: list[Line]) -> bool:
    """Double-spaced text (a blank line after every line): single blank lines are dropped and
    longer runs become one, so that paragraphs read as in single-spaced text. Only the lines
    after the opening line are looked at: a header's one-line blocks look double-spaced."""
    start = next((i for i, ln in enumerate(lines) if _opener(ln.text)), -1) + 1
    nonblank = [i for i, ln in enumerate(lines) if ln.text and i >= start]
    if len(nonblank) < 6:
        return False
    single = [i for i in nonblank[:-1] if i + 2 < len(lines) and not lines[i + 1].text
              and lines[i + 2].text]
    # one-line paragraphs are single-spaced too: double spacing also separates the lines
    # *inside* a paragraph, which do not end a clause
    inside = [i for i in single if not TERMINAL.search(lines[i].text)]
    # …or, where most lines end a clause (short paragraphs, items), paragraphs are set off
    # by longer blank runs while every line is followed by a blank one
    spaced = sum(1 for i in nonblank[:-1] if not lines[i + 1].text)
    runs = sum(1 for i in nonblank[:-1] if i + 2 < len(lines) and not lines[i + 1].text
               and not lines[i + 2].text)
    usual = len(single) >= 0.6 * len(nonblank) and len(inside) >= 0.3 * len(nonblank)
    short = (spaced >= 0.9 * (len(nonblank) - 1) and runs >= max(3, 0.2 * len(nonblank))
             and len(single) >= 3)
    if not (usual or short):
        return False
    out: list[Line] = []
    i = 0
    while i < len(lines):
        if lines[i].text:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and not lines[j].text:
            j += 1
        if j - i >= 2:
            out.append(lines[i])
        i = j
    lines[:] = out
    return True


def _merge_number_lines(body: list[Line]) -> list[Line]:
    """"1." alone on its line is the number of the paragraph on the next non-blank line: the
    two are read as one line (numbered as the number's line)."""
    out: list[Line] = []
    skip: set[int] = set()
    for i, ln in enumerate(body):
        if i in skip:
            continue
        m = NUMBER_ONLY.match(ln.text)
        if m:
            j = next((k for k in range(i + 1, min(i + 3, len(body))) if body[k].text), None)
            if j is not None and re.match(r"\s*[A-Z]", body[j].text):
                ln.text = f"{m.group(1)}. {body[j].text.strip()}"
                skip.update(range(i + 1, j + 1))
        out.append(ln)
    return out


def _cut_second(lay: Layout, lines: list[Line], opener: Line) -> list[Line]:
    """Body lines of the first resolution when a second one follows in the same file: the body
    ends before the second one's header (title, symbol and masthead lines after the last
    line that ends a paragraph or the closing)."""
    oi = lines.index(opener)
    later = next((i for i in range(oi + 1, len(lines)) if _opener(lines[i].text)), None)
    if later is None:
        return lines[oi + 1:]
    lay.second_opener_line_no = lines[later].no
    j = later - 1
    while j > oi:
        t = lines[j].text
        if t and (TERMINAL.search(t) and not SYMBOL_TITLE_LINE.match(t)
                  or MEETING_LINE.match(t) or DATE_LINE.match(t)):
            break
        j -= 1
    return lines[oi + 1: j + 1]


def analyse(text: str) -> Layout:
    """Split a resolution's text into header facts, footnote blocks and paragraph blocks."""
    lay = Layout()
    # a form feed (page break in pdftotext output) would vanish in splitlines(): make it a
    # blank run, which _paginate reads as a page break
    text = normalise(text).replace("\f", "\n\n\n")
    lines = _paginate(text.split("\n"))
    lay.last_line_no = max((ln.no for ln in lines if ln.text), default=0)
    lay.double_spaced = _collapse_double_spacing(lines)
    opener = next((ln for ln in lines if _opener(ln.text)), None)
    if opener is None:
        return lay
    lay.opener_line_no = opener.no
    name = _opener(opener.text) or ""
    if not OPENER.match(opener.text):
        lay.opener_printed = opener.text.strip()
    lay.body_name, lay.body_slug = name, BODIES[name]
    oi = lines.index(opener)

    # 1. header
    title_lines: list[Line] = []
    blocks_seen = 0
    dropped: list[Line] = []  # first lines of header blocks a later block replaced as title
    for ln in lines[:oi]:
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
        elif re.match(r"^\s*Resolution\s+adopted\s+by\b", ln.text, re.I):
            pm = PARTIAL_DATE.search(ln.text)
            if pm and not DATE_RE.search(ln.text):
                lay.partial_date = (pm.group(), ln.no)
            elif re.search(r"\bon\s+\S", ln.text):
                lay.unread.append((ln.no, ln.text.strip(),
                                   "its adoption date could not be read: pass --date"))
            lay.furniture.append(ln)
        elif HEADER_FURNITURE.match(ln.text) or FURNITURE.match(ln.text):
            lay.furniture.append(ln)
        elif DAMAGED_SYMBOL.match(ln.text):
            lay.unread.append((ln.no, ln.text.strip(),
                               "looks like a damaged symbol, not read: pass --symbol"))
        else:
            if title_lines and not title_lines[-1].text:
                dropped.append(title_lines[0])
                title_lines = []  # a later block wins: the title is the one before the opener
                blocks_seen += 1
            title_lines.append(ln)
    title = " ".join(ln.text.strip() for ln in title_lines if ln.text)
    lay.title = re.sub(r"\s+", " ", title).strip() or None
    if lay.title and blocks_seen:
        first = next(ln for ln in title_lines if ln.text)
        others = ", ".join(f"line {ln.no} {ln.text.strip()[:40]!r}" for ln in dropped)
        lay.title_guess = (f"title taken from line {first.no}, the last of "
                           f"{blocks_seen + 1} unrecognised header blocks (the others: {others})")

    # 2. closing, 3. footnotes, 4. furniture
    body = _cut_second(lay, lines, opener)
    body = _merge_number_lines(body)
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
                if (pm := PARTIAL_DATE.fullmatch(nxt.text.strip())) and lay.date is None:
                    lay.partial_date = (pm.group(), nxt.no)
                    nxt.text = ""
                    break
        elif lay.meeting is None and (gm := GLUED_CLOSING.match(ln.text)):
            lay.meeting, lay.meeting_line_no = gm.group("meeting"), ln.no
            if gm.group("date") and lay.date is None:
                dm = DATE_RE.search(gm.group("date"))
                if dm:
                    lay.date, lay.date_line_no = dm.groups(), ln.no  # type: ignore[assignment]
            ln.text = gm.group("keep")
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


def _starts_preamble(prev: str, line: str) -> bool:
    """Whether ``line`` opens a preambular paragraph in text without blank lines: the line
    before ends a clause (a comma, perhaps a footnote marker) and this one opens with a phrase —
    a participle, or a table phrase read tolerantly ("Rec lling also", OCR); or the line before
    ends with a full stop, which no preambular clause does but an inlined footnote
    ("…,1See A/60/687.") does, and this one opens with a table phrase."""
    text = line.strip()
    comma = CLAUSE_END.search(prev) is not None
    if not comma and not prev.rstrip().endswith("."):
        return False
    if comma and (PREAMBLE_START.match(line) or ph.PREAMBULAR_RE.match(text)):
        return True
    # the tolerant reading costs: a cheap test of the opening letters first, and letter loss
    # only on a capital ("Re ter ting") — an OCR-lost first letter ("lso noting") is one edit
    loss = text[:1].isupper()
    return ph.may_open_preamble(text) and ph.preambular(text, loss) is not None


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
        n = ocr_number(m.group(1)) if m else None
        rest = ln.text[m.end():] if m else ""
        # the expected number, the one after it (a paragraph whose number OCR lost), or a
        # later one opening a capitalised clause (numbers jump in an excerpt)
        starts_op = bool(m and n is not None and (
            (n in (expected_op, expected_op + 1) and (expected_op > 1 or n == 1))
            or (expected_op > 1 and expected_op < n <= expected_op + 30 and rest[:1].isupper())
            or (expected_op == 1 and ph.operative(rest) is not None and bool(cur)
                and TERMINAL.search(cur[-1].text) is not None)))
        if starts_op and m:
            expected_op = n or expected_op
        bm = BULLET_START.match(ln.text)
        if bm and not starts_op and ph.operative(ln.text[bm.end():]) is not None:
            starts_op = True
            expected_op = max(expected_op, 1)
        starts_pre = expected_op == 1 and bool(cur) and _starts_preamble(cur[-1].text, ln.text)
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
            if OPERATIVE_START.match(nxt[0].text) or BULLET_START.match(nxt[0].text):
                break
            lines = lines + nxt
            i += 1
        kind = "para"
        if not TERMINAL.search(lines[-1].text) and i < len(raw) and len(lines) <= 3:
            kind = "heading"
        prev = blocks[-1] if blocks else None
        if (prev is not None and prev.kind == "para" and ITEM_START.match(lines[0].text)
                and (LEAD_IN.search(prev.lines[-1].text)
                     or any(ITEM_START.match(ln.text) for ln in prev.lines[1:]))):
            prev.lines.extend(lines)  # an item set off by blank lines continues its paragraph
            continue
        blocks.append(Block(lines, kind))
    return blocks
