"""Lettered sub-items of a paragraph: "(a)", "(b)", … and roman "(i)", "(ii)" under a letter.

Real resolutions print them in several ways, all read here:

- each item on its own line after a lead-in ending with a colon ("Requests the
  Secretary-General:" / "(a) To submit …;" / "(b) To consult …;"), hard-wrapped or not;
- separated by blank lines (``layout`` joins such blocks to the paragraph they continue);
- run into the paragraph ("Encourages the commissions: (a) to support …; (b) to facilitate
  …; and (c) to report …;"), also when a reflowed line puts a marker mid-line;
- roman items under a letter ("(a) The following elements:" / "(i) …;" / "(ii) …;"), on their
  own lines or run in ("(b) The role of … in: (i) the financing …; and (ii) …").

A marker is taken only where the sequence expects it: the first item after a colon, then the
next letter (or the next roman numeral under the current letter). So "paragraph 4 (a) of
resolution 99/1" in running text is never an item, and "(i)" after "(h)" is the letter i, not
the roman one — unless "(h)" ends with a colon, which opens roman items under it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from wsis_kg.extraction.importer.layout import ITEM_START, LEAD_IN, Line

ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii",
         "xiv", "xv", "xvi", "xvii", "xviii", "xix", "xx")
#: An item marker run into the text: after a colon or semicolon and perhaps "and"/"or" (which
#: stay with the item before), or after "and"/"or" opening a line; its text follows, or the
#: line ends there (reflowed: "…; (b)" / "To submit …").
RUN_IN = re.compile(r"(?:(?<=[:;])\s+(?:(?:and|or)\s+)?|^\s*(?:and|or)\s+)"
                    r"(?=\(([a-z]{1,2}|[ivx]{1,5})\)(?:\s+\S|\s*$))")


@dataclass
class ItemLines:
    """One item: its label as printed ("b", "ii"), its level (0 letter, 1 roman under a
    letter) and its lines (the marker taken off the first)."""

    label: str
    level: int
    lines: list[Line] = field(default_factory=list)
    expected: str | None = None  # the label the sequence gives, when another is printed

    @property
    def text(self) -> str:
        return " ".join(ln.text.strip() for ln in self.lines)


def letter(n: int) -> str:
    """The n-th letter label (0 → "a"; after "z" the UN doubles: "aa", "bb")."""
    return chr(ord("a") + n % 26) * (n // 26 + 1)


class _Sequence:
    """Which labels come next: the next top-level one, and the next roman under it."""

    def __init__(self) -> None:
        self.items: list[ItemLines] = []
        self.roman_top = False  # the top level counts i, ii, iii (no letters)
        self.n_top = 0
        self.n_sub = 0

    def next_top(self) -> str:
        return ROMAN[self.n_top] if self.roman_top else letter(self.n_top)

    def next_sub(self) -> str | None:
        if self.roman_top or not self.items or self.n_sub >= len(ROMAN):
            return None
        return ROMAN[self.n_sub]

    def level(self, label: str, lead_in: bool, line_start: bool) -> int | None:
        """The level of an item labelled ``label`` here, or None if it is not an item.
        ``lead_in``: the text before it ends with a colon."""
        if not self.items:
            if not lead_in or (not line_start and label not in ("a", "i")):
                return None
            self.roman_top = label == "i"
            return 0
        sub = self.next_sub()
        if label == sub and (lead_in or self.n_sub > 0):
            return 1
        if label == self.next_top():
            return 0
        if line_start:  # out of sequence, on its own line: still an item (an excerpt, OCR)
            return 1 if label in ROMAN and not self.roman_top and self.n_sub > 0 else 0
        return None

    def add(self, label: str, level: int, line: Line) -> ItemLines:
        expected = self.next_top() if level == 0 or not self.items else self.next_sub()
        if level == 0:
            self.n_top += 1
            self.n_sub = 0
        else:
            self.n_sub += 1
        item = ItemLines(label, level, [line], expected if expected != label else None)
        self.items.append(item)
        return item


def _pieces(line: Line) -> list[Line]:
    """A line cut before each run-in marker (each piece keeps the line's number)."""
    cuts = [m.end() for m in RUN_IN.finditer(line.text)]
    if not cuts:
        return [line]
    bounds = [0, *cuts, len(line.text)]
    return [Line(line.no, line.text[a:b], line.page) for a, b in itertools.pairwise(bounds)
            if line.text[a:b].strip()]


def split_items(lines: list[Line]) -> tuple[list[Line], list[ItemLines]]:
    """A paragraph's lines → the lines before its first item (the lead-in) and its items."""
    main: list[Line] = []
    seq = _Sequence()
    current: ItemLines | None = None
    for ln in lines:
        for k, piece in enumerate(_pieces(ln)):
            m = ITEM_START.match(piece.text)
            before = current.lines if current else main
            lead_in = bool(before) and LEAD_IN.search(before[-1].text) is not None
            level = seq.level(m.group(1), lead_in, k == 0) if m else None
            if m and level is not None:
                assert m is not None
                current = seq.add(m.group(1), level,
                                  Line(piece.no, piece.text[m.end():], piece.page))
            elif current is not None:
                current.lines.append(piece)
            else:
                main.append(piece)
    return main, seq.items
