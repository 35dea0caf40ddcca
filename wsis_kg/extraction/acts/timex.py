"""Time in the texts: every date, date range, month, year, session and frequency a part prints.

Each expression is read from a part's ``wsis:text`` and kept with its span (character offsets
into that text and the quoted words), so a reader can check it against the source. Values are
typed by how much the text says: ``xsd:date`` ("24 July 2009"), ``xsd:gYearMonth`` ("in May
2011", "by July 2006"), ``xsd:gYear`` ("by 2015"); a range ("from 10 to 12 December 2003", "on
24 and 25 October 2011", "15 October-3 November 2001") has a begin and an end value.

The word before a value says how it qualifies what the part says (:data:`RELATIONS`): "by" and
"by the end of" make a deadline, "until" an end, "since" a start; anything else places the
thing in that time. Bracketed alternatives of a draft ("[by 2007/2008/2009/2010]") are several
expressions, each marked as an alternative.

Sessions ("at its sixty-seventh session", "the fifteenth session of the Commission") are read
with their organ: "of the Commission" or a Commission named just before is the CSTD, "the
General Assembly … at its" the Assembly, a bare "its" the organ that adopted the text. A
General Assembly session's years follow from its number: the n-th regular session opens in
September of 1945 + n and closes in September of the next year (the first opened in 1946).
CSTD sessions are linked to the session events the curated data describes, which carry their
dates where a text gives them; no year is guessed for them.

Frequencies ("annually", "on a yearly basis", "annual reporting", "biennially") are
``xsd:duration`` values; "on a regular basis" and "periodically" are recurring with no period
the text states, which is what the graph records.

Strings that look like years but are not times are skipped: resolution numbers ("2009/7",
"2011/16") and document symbols ("E/2011/77").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from wsis_kg.extraction.importer.layout import MONTHS

#: Relation of a time value to what it qualifies, from the words before it.
RELATIONS: tuple[tuple[str, str], ...] = (
    (r"by\s+the\s+end\s+of", "before"),
    (r"by", "before"),
    (r"no\s+later\s+than", "before"),
    (r"until", "until"),
    (r"since", "since"),
)
_RELATION = re.compile(r"(?:" + "|".join(f"(?P<r{i}>{p})" for i, (p, _) in enumerate(RELATIONS))
                       + r")\s+\[?$", re.IGNORECASE)

_MONTH = "(?:" + "|".join(MONTHS) + ")"
_DAY = r"\d{1,2}"
_YEAR = r"(?:19|20)\d\d"
MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS, start=1)}

# Order matters: longer forms first; spans already taken are skipped by later patterns.
RANGE_ONE_MONTH = re.compile(
    rf"(?:from\s+)?(?P<d1>{_DAY})\s*(?:to|and|-|–)\s*(?P<d2>{_DAY})\s+(?P<m>{_MONTH})\s+"
    rf"(?P<y>{_YEAR})")
RANGE_TWO_MONTHS = re.compile(
    rf"(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})\s*(?:-|–|to)\s*(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\s+"
    rf"(?P<y>{_YEAR})")
FULL_DATE = re.compile(rf"(?P<d>{_DAY})\s+(?P<m>{_MONTH})\s+(?P<y>{_YEAR})")
MONTH_YEAR = re.compile(rf"(?P<m>{_MONTH})\s+(?P<y>{_YEAR})")
YEAR = re.compile(rf"(?<![\w.\-])(?P<y>{_YEAR})(?!\w|-\d)")

ORDINALS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth".split(),
    start=1)}
_TENS = {"twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
         "seventieth": 70, "eightieth": 80, "ninetieth": 90}
_TENS_PREFIX = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                "seventy": 70, "eighty": 80, "ninety": 90}
_BELOW_100 = (r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-)?(?:"
              + "|".join(list(ORDINALS) + list(_TENS)) + r")")
_ORDINAL = rf"(?:(?:one\s+)?hundred(?:th|\s+and\s+{_BELOW_100})|{_BELOW_100})"
SESSION = re.compile(rf"\b(?P<det>its|the)\s+(?P<ord>{_ORDINAL})\s+session"
                     r"(?P<of>\s+of\s+the\s+(?P<organ>Commission|General\s+Assembly|Economic\s+"
                     r"and\s+Social\s+Council))?", re.IGNORECASE)

#: Frequency phrases → ISO 8601 period (None: recurring, period not stated).
FREQUENCIES: tuple[tuple[str, str | None], ...] = (
    (r"annually|on\s+a\s+yearly\s+basis|yearly|annual", "P1Y"),
    (r"biennially|every\s+two\s+years|biennial", "P2Y"),
    (r"on\s+a\s+regular\s+basis|periodically|regularly", None),
)
_FREQUENCY = re.compile(r"\b(?:" + "|".join(f"(?P<f{i}>{p})" for i, (p, _) in
                                          enumerate(FREQUENCIES)) + r")\b", re.IGNORECASE)

#: Organs a session can belong to, as the texts name them → the curated organisation slug.
SESSION_ORGANS = {"commission": "cstd", "general assembly": "un-general-assembly",
                  "economic and social council": "ecosoc"}


def ordinal_number(word: str) -> int:
    """"sixty-seventh" → 67, "fifteenth" → 15, "one hundredth" → 100, "one hundred and
    first" → 101."""
    w = " ".join(word.lower().split())
    hundred = re.fullmatch(r"(?:one\s+)?hundred(?:th|\s+and\s+(?P<rest>.+))", w)
    if hundred:
        return 100 + (ordinal_number(hundred["rest"]) if hundred["rest"] else 0)
    if w in ORDINALS:
        return ORDINALS[w]
    if w in _TENS:
        return _TENS[w]
    tens, _, unit = w.partition("-")
    return _TENS_PREFIX[tens] + ORDINALS[unit]


def ga_session_years(number: int) -> tuple[int, int]:
    """The years of the General Assembly's ``number``-th regular session (see module doc)."""
    return 1945 + number, 1946 + number


@dataclass(frozen=True)
class TimeExpr:
    """One time expression of a part's text."""

    start: int
    end: int
    span: str
    kind: str  # "date", "month", "year", "range", "session", "frequency"
    relation: str = "at"  # "before", "until", "since" or "at" (see RELATIONS)
    value: date | tuple[int, int] | int | None = None  # date, (year, month) or year
    begin: date | None = None
    finish: date | None = None
    session_number: int | None = None
    session_organ: str | None = None  # organisation slug
    period: str | None = None  # ISO 8601 duration of a frequency
    alternative: bool = False  # one of several bracketed alternatives


def _relation(text: str, start: int) -> str:
    m = _RELATION.search(text[max(0, start - 20):start])
    if m is None:
        return "at"
    return next(RELATIONS[int(k[1:])][1] for k, v in m.groupdict().items() if v)


def _organ(text: str, m: re.Match[str], adopting_organ: str | None) -> str | None:
    if m.group("organ"):
        return SESSION_ORGANS[" ".join(m.group("organ").lower().split())]
    if m.group("det").lower() == "its":
        before = text[max(0, m.start() - 80):m.start()]
        named = [(before.rfind(name), slug) for name, slug in
                 (("Commission", "cstd"), ("General Assembly", "un-general-assembly"),
                  ("Economic and Social Council", "ecosoc"))]
        pos, slug = max(named)
        return slug if pos >= 0 else adopting_organ
    return None


def find_times(text: str, adopting_organ: str | None = None) -> list[TimeExpr]:
    """Every time expression in ``text``, in text order (``adopting_organ``: the slug of the
    organ a bare "its session" belongs to)."""
    found: list[TimeExpr] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def add(t: TimeExpr) -> None:
        found.append(t)
        taken.append((t.start, t.end))

    def span(s: int, e: int) -> str:
        return text[s:e]

    for m in RANGE_TWO_MONTHS.finditer(text):
        y = int(m["y"])
        add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "range",
                     begin=date(y, MONTH_NUMBER[m["m1"]], int(m["d1"])),
                     finish=date(y, MONTH_NUMBER[m["m2"]], int(m["d2"]))))
    for m in RANGE_ONE_MONTH.finditer(text):
        if not free(m.start(), m.end()):
            continue
        y, mo = int(m["y"]), MONTH_NUMBER[m["m"]]
        d1, d2 = int(m["d1"]), int(m["d2"])
        if d1 >= d2:  # "2001, 57/238 of 20 December": not a range
            continue
        add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "range",
                     _relation(text, m.start()), begin=date(y, mo, d1), finish=date(y, mo, d2)))
    for m in FULL_DATE.finditer(text):
        if free(m.start(), m.end()):
            add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "date",
                         _relation(text, m.start()),
                         value=date(int(m["y"]), MONTH_NUMBER[m["m"]], int(m["d"]))))
    for m in MONTH_YEAR.finditer(text):
        if free(m.start(), m.end()):
            add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "month",
                         _relation(text, m.start()), value=(int(m["y"]), MONTH_NUMBER[m["m"]])))
    for m in YEAR.finditer(text):
        if not free(m.start(), m.end()):
            continue
        # "[by 2007/2008/2009/2010]": alternatives of a draft; "2009/7" is a resolution number
        # and "E/2011/77" a document symbol
        after_alt = re.match(rf"/{_YEAR}(?!\w)", text[m.end():]) is not None
        before_alt = re.search(rf"(?<![\w/]){_YEAR}/$", text[max(0, m.start() - 5):m.start()])
        if text[m.end():m.end() + 1] == "/" and not after_alt:
            continue
        if text[m.start() - 1:m.start()] == "/" and before_alt is None:
            continue
        in_list = after_alt or before_alt is not None
        relation = _relation(text, m.start())
        if before_alt is not None:  # the words before the first alternative qualify all
            first = re.search(rf"(?:{_YEAR}/)+$", text[:m.start()])
            relation = _relation(text, first.start()) if first else relation
        add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "year", relation,
                     value=int(m["y"]), alternative=in_list))
    for m in SESSION.finditer(text):
        if free(m.start(), m.end()):
            add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "session",
                         _relation(text, m.start()), session_number=ordinal_number(m["ord"]),
                         session_organ=_organ(text, m, adopting_organ)))
    for m in _FREQUENCY.finditer(text):
        if free(m.start(), m.end()):
            period = next(FREQUENCIES[int(k[1:])][1] for k, v in m.groupdict().items() if v)
            add(TimeExpr(m.start(), m.end(), span(m.start(), m.end()), "frequency",
                         period=period))
    return sorted(found, key=lambda t: (t.start, t.end))
