"""Cleaning helpers shared by the source extractors.

The seed texts are OCR output or layout conversions. Paragraph text must be the text *as
printed*, so the helpers here only undo what the conversion added: line breaks inside a
paragraph, hyphenation at line ends, runs of spaces, page furniture (page numbers such as
"- 5 -", running headers, document symbols, "****" rules) and footnote markers glued to words.
They never change words. Damaged OCR passages are found (``illegible_runs``) so that an
extractor can record them, never to repair them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

# Page numbers ("- 5 -", "-5-", "Page 5") and separator rules ("********************").
PAGE_NUMBER = re.compile(r"^\s*(?:-\s*\d{1,3}\s*-|page\s+\d{1,3}(?:\s+of\s+\d{1,3})?)\s*$",
                         re.IGNORECASE)
RULE = re.compile(r"^\s*(?:\*{3,}|_{3,}|={3,})\s*$")
# UN document symbols printed as running headers, e.g. "WSIS-03/GENEVA/DOC/5-E", "A/RES/66/184",
# "E/RES/2009/7" alone on a line.
DOC_SYMBOL = re.compile(r"^\s*(?:WSIS-\d{2}/[A-Z]+/[A-Z]+/\d+-[A-Z]|[AE]/RES/\d+/\d+)\s*$")

WHITESPACE = re.compile(r"[\s\u00a0\u2000-\u200b\u202f]+")
# A footnote marker glued to the end of a word or after punctuation: "Society,1 " or "outcomes.2".
FOOTNOTE_MARKER = re.compile(r"(?<=[A-Za-z,.;:)\u201d])(\d{1,2})(?=\s|$)")


def is_furniture(line: str, running_headers: Iterable[str] = ()) -> bool:
    """True for a line that is page furniture, not document text."""
    s = line.strip()
    if PAGE_NUMBER.match(s) or RULE.match(s) or DOC_SYMBOL.match(s):
        return True
    return any(s == h for h in running_headers)


def strip_furniture(lines: Sequence[str], running_headers: Iterable[str] = ()) -> list[str]:
    """Replace furniture lines by empty lines (keeps line numbers stable for error messages)."""
    headers = tuple(running_headers)
    return ["" if is_furniture(ln, headers) else ln for ln in lines]


def normalise_space(text: str) -> str:
    """Collapse line breaks, tabs, no-break spaces and runs of spaces into single spaces."""
    return WHITESPACE.sub(" ", text).strip()


def join_lines(lines: Iterable[str], keep_hyphen: set[str] | frozenset[str] = frozenset()) -> str:
    """Join the printed lines of one paragraph into its text.

    A word broken at a line end ("infor-" / "mation") is joined without the hyphen when the
    line ends in letter + "-" and the next line starts with a lower-case letter. The hyphen is
    kept after a single letter ("e-" + "strategies") or an acronym ("ICT-" + "based") and for
    compounds listed in ``keep_hyphen`` (lower-case, e.g. {"multi-stakeholder"}). Then
    whitespace is normalised.
    """
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if out:
            m = re.search(r"([A-Za-z]+)-$", out)
            if m and line[0].islower() and not out.endswith(" -"):
                head = m.group(1)
                tail = re.match(r"[A-Za-z]+", line)
                compound = f"{head}-{tail.group(0) if tail else ''}".lower()
                keep = compound in keep_hyphen or len(head) == 1 or head.isupper()
                out = out if keep else out[:-1]
                out += line
                continue
            out += " "
        out += line
    return normalise_space(out)


def split_footnote_markers(text: str) -> tuple[str, list[str]]:
    """Remove footnote markers glued to words; return (text, markers in order)."""
    markers: list[str] = []

    def take(m: re.Match[str]) -> str:
        markers.append(m.group(1))
        return ""

    return FOOTNOTE_MARKER.sub(take, text), markers


# --- damaged OCR ----------------------------------------------------------------------------

WORD = re.compile(r"\S+")
# Short words that occur in normal English text; any other token of one or two letters is a
# sign of OCR damage.
SHORT_WORDS = frozenset(
    "a i an as at be by do go he if in is it me my no of on or so to up us we e ii iv vi ix "
    "un eu uk ms mr dr".split())


def damaged_tokens(line: str) -> list[str]:
    """Tokens no printed English word looks like: stray one- or two-letter fragments, words
    with a capital inside ("hytcP") and undecodable bytes (U+FFFD). Lettered item markers
    ("a)") and roman numerals are not counted."""
    bad = []
    for m in WORD.finditer(line):
        tok = m.group(0)
        if re.fullmatch(r"\(?[a-z]{1,4}\)", tok):
            continue  # an item marker such as "b)" or "iv)"
        word = tok.strip(".,;:()[]\"'’“”")
        if "\ufffd" in word:
            bad.append(tok)
        elif word.isalpha() and len(word) <= 2 and word.lower() not in SHORT_WORDS:
            bad.append(tok)
        elif re.search(r"[a-z][A-Z]", word):
            bad.append(tok)
    return bad


def looks_garbled(line: str, threshold: int = 3) -> bool:
    """True when a line has ``threshold`` or more damaged tokens: a screening test that tells
    a reader where to look. The extractors record illegible passages from an explicit,
    reviewed register of damage (see docs/sources.md) and check each entry against the text."""
    return len(damaged_tokens(line)) >= threshold
