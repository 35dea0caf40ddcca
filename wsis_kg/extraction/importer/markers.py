"""Footnote markers in OCR'd text: find them, take them out, tell which footnote each means.

A superscript footnote number rarely survives OCR. In the seeds it comes out as the digit
glued to punctuation (",2"), as a digit after a space (", 6"), as a misread digit (",21" for
11) or as a symbol ("*", ">", "®", "°", an unbalanced "”", "?" between two words). The rules:

* candidates: a digit run right after ``, ; . :`` or a closing bracket/quote (no space), a
  digit run after ``, `` *at the end of the paragraph*, a digit run glued to a lower-case word
  (only when it equals the next expected number), Unicode superscript digits, and the symbols
  ``* > ® ° † ‡`` after a word or punctuation, a closing quote ``”`` that closes nothing,
  and ``?`` between two lower-case words;
* footnotes are numbered 1, 2, 3… and first cited in that order. A marker whose digits equal
  the next number, or that is a symbol while the next footnote is printed on the marker's page,
  is that footnote ("new"). Digits naming an earlier footnote, or a symbol on a page whose
  footer holds no new footnote, are a *repeat* citation (UN documents cite a footnote again
  with its number). Digits greater than the next number are an OCR misreading of it when
  that footnote is on the marker's page (",21" → 11);
* a repeat symbol is matched to the earlier footnote whose first citation was preceded (since
  the previous marker) by the same word as this one ("Geneva®" → the footnote first cited
  after "…held in Geneva from 10 to 12 December 2003,"). No unique match → left unresolved
  and reported; the symbol is still removed from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SYMBOLS = "*>®°†‡"
CANDIDATE = re.compile(
    r"(?P<glued>(?<=[,;.:)\]”])\d{1,2}(?=\s|$))"
    r"|(?P<spaced>(?<=,)\s\d{1,2}$)"
    r"|(?P<word>(?<=[a-z])\d{1,2}(?=[\s,;.]|$))"
    r"|(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+)"
    r"|(?P<sym>(?<=[\w,;.:)])[" + re.escape(_SYMBOLS) + r"]+(?=\s|$))"
    r"|(?P<quote>(?<=[\w,;.])”(?=\s|$|[,;.]))"
    r"|(?P<qmark>(?<=[a-z])\?(?=\s+[a-z]))"
)


@dataclass
class Marker:
    start: int  # offset in the paragraph text before removal
    end: int
    printed: str
    kind: str
    digits: int | None
    footnote: int | None = None
    repeat: bool = False


def find(text: str) -> list[Marker]:
    """Marker candidates in one paragraph's joined text, left to right."""
    out: list[Marker] = []
    open_quotes = 0
    quote_pos = {m.start(): m.group() for m in re.finditer(r"[“”]", text)}
    balance: dict[int, bool] = {}
    for pos in sorted(quote_pos):
        if quote_pos[pos] == "“":
            open_quotes += 1
        elif open_quotes:
            open_quotes -= 1
            balance[pos] = True
    for m in CANDIDATE.finditer(text):
        kind = m.lastgroup or ""
        if kind == "quote" and balance.get(m.start()):
            continue
        printed = m.group()
        digits = None
        if kind in ("glued", "spaced", "word"):
            digits = int(printed.strip())
        elif kind == "sup":
            digits = int(printed.translate(SUPERSCRIPTS))
        out.append(Marker(m.start(), m.end(), printed, kind, digits))
    return out


def remove(text: str, markers: list[Marker]) -> str:
    """The text without the markers that were accepted (``footnote`` set or ``repeat``)."""
    for mk in sorted(markers, key=lambda k: k.start, reverse=True):
        text = text[: mk.start] + text[mk.end:]
    return re.sub(r"\s+", " ", text).strip()


def last_word(text: str) -> str:
    words = re.findall(r"[A-Za-z][\w-]*", text)
    return words[-1] if words else ""
