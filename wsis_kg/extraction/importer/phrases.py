"""The one table of the UN's preambular phrases and operative verbs, and the tolerant matcher.

A resolution's preambular paragraphs open with a participle or adjective phrase ("Recalling",
"Bearing in mind", "Deeply concerned"), its operative paragraphs with a verb in the third
person ("Requests", "Takes note", "Calls upon"). The importer reads the leading phrase and the
leading verb from these tables only (docs/importer.md prints them), so a phrase missing here is
reported, not guessed.

Matching is exact first (case-insensitive, any whitespace between words). OCR drops letters
("Recalli g", "Rec gnizes", "Sresses"): when no phrase matches exactly, the text's opening is
compared with every phrase by edit distance and the nearest one is taken if it is within
:func:`tolerance` and unique; such a match is a *guess*, and the caller marks it in the data
and reports it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cache

#: Adverbs that may precede a phrase or verb ("Also noting", "Further requests").
ADVERBS: tuple[str, ...] = ("Also", "Further", "Again", "Once again", "Deeply", "Gravely",
                            "Strongly", "Firmly", "Fully")

#: Preambular phrases (the core, without adverbs; longest forms win).
PREAMBULAR: tuple[str, ...] = (
    "Acknowledging", "Affirming", "Alarmed", "Appreciating", "Aware", "Bearing in mind",
    "Believing", "Cognizant", "Commending", "Concerned", "Confident", "Conscious",
    "Considering", "Contemplating", "Convinced", "Declaring", "Deploring", "Desiring",
    "Desirous", "Determined", "Emphasizing", "Emphasising", "Encouraged", "Encouraging",
    "Expecting", "Expressing concern", "Expressing its concern", "Expressing appreciation",
    "Expressing its appreciation", "Expressing satisfaction", "Expressing gratitude",
    "Expressing its deep concern", "Expressing deep concern", "Expressing grave concern",
    "Expressing serious concern", "Guided by", "Having adopted", "Having considered",
    "Having examined", "Having heard", "Having reviewed", "Having received", "Highlighting",
    "Keeping in mind", "Mindful", "Noting", "Observing", "Reaffirming", "Realizing",
    "Recalling", "Recognizing", "Recognising", "Referring", "Regretting", "Reiterating",
    "Seeking", "Stressing", "Taking into account", "Taking into consideration", "Taking note",
    "Underlining", "Underscoring", "Urging", "Welcoming",
)

#: What may follow a preambular phrase and belongs to it ("Recalling further", "Noting with
#: concern", "Taking note with satisfaction").
PREAMBULAR_TAILS: tuple[str, ...] = (
    "also", "further", "again", "with deep appreciation", "with appreciation",
    "with satisfaction", "with deep concern", "with concern", "with regret", "with interest",
    "with gratitude",
)

#: Operative verbs (third person). Phrasal ones are listed whole ("Takes note").
OPERATIVE: tuple[str, ...] = (
    "Accepts", "Acknowledges", "Adopts", "Affirms", "Agrees", "Appeals", "Appreciates",
    "Approves", "Authorizes", "Calls upon", "Calls on", "Calls", "Commends", "Concludes",
    "Condemns", "Confirms", "Considers", "Decides", "Declares", "Deplores", "Designates",
    "Directs", "Emphasizes", "Emphasises", "Encourages", "Endorses", "Expresses",
    "Highlights", "Invites", "Looks forward", "Looks", "Notes", "Proclaims", "Reaffirms",
    "Recalls", "Recognizes", "Recognises", "Recommends", "Regrets", "Reiterates", "Reminds",
    "Renews", "Requests", "Resolves", "Stresses", "Strongly", "Supports", "Takes note",
    "Takes", "Transmits", "Underlines", "Underscores", "Urges", "Welcomes",
)


def _pattern(phrases: tuple[str, ...]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered)


_ADV = r"(?:(?P<adv>" + _pattern(ADVERBS) + r")\s+)?"
_TAILS = r"(?P<tail>(?:\s+(?:" + _pattern(PREAMBULAR_TAILS) + r"))*)"
PREAMBULAR_RE = re.compile(r"^" + _ADV + r"(?P<core>" + _pattern(PREAMBULAR) + r")\b" + _TAILS,
                           re.IGNORECASE)
OPERATIVE_RE = re.compile(r"^" + _ADV + r"(?P<core>" + _pattern(OPERATIVE) + r")\b",
                          re.IGNORECASE)
_ADV_RE = re.compile(r"^" + _ADV, re.IGNORECASE)


@dataclass(frozen=True)
class PhraseMatch:
    """A leading phrase or verb: as the table spells it, and how it was found."""

    phrase: str  # "Recalling further", "Takes note" (the verb without its adverb)
    printed: str  # the text it was read from
    end: int  # where it ends in the text
    distance: int = 0  # 0: exact; >0: a tolerant (guessed) match


def levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Edit distance (insertions, deletions, substitutions); above ``limit`` it answers
    ``limit + 1`` early, looking only at the cells within ``limit`` of the diagonal."""
    if len(a) < len(b):
        a, b = b, a
    k = len(a) if limit is None else limit
    if len(a) - len(b) > k:
        return k + 1  # that many insertions at least
    big = k + 1
    prev = [j if j <= k else big for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        lo, hi = max(1, i - k), min(len(b), i + k)
        cur = [big] * (len(b) + 1)
        cur[0] = i if i <= k else big
        for j in range(lo, hi + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != b[j - 1]))
        if min(cur[lo - 1:hi + 1]) > k:
            return big
        prev = cur
    return min(prev[-1], big) if limit is not None else prev[-1]


def tolerance(phrase: str) -> int:
    """How many edits a phrase of this length may show and still be read as it: one per five
    letters, none below six letters (short words are too easily confused: "Notes"/"Votes")."""
    n = len(phrase.replace(" ", ""))
    return 0 if n < 6 else max(1, n // 5)


def _cap(phrase: str, printed: str) -> str:
    return phrase[:1].upper() + phrase[1:] if printed[:1].isupper() else phrase


def letters_lost(phrase: str) -> int:
    """How many letters OCR may have lost from a phrase of this length and it still be read as
    the phrase: one per four letters, and only from phrases of eight letters or more."""
    n = len(_letters(phrase))
    return n // 4 if n >= 8 else 0


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


@cache
def _entries(phrases: tuple[str, ...]) -> tuple[list[tuple[str, str, int]],
                                               list[tuple[str, str, int]]]:
    """A table prepared for :func:`_candidates`: (phrase, lower case, tolerance) of the entries
    with an edit tolerance, and (phrase, letters, letters lost) of those with a loss reach."""
    edits = [(p, p.lower(), tolerance(p)) for p in phrases if tolerance(p)]
    losses = [(p, _letters(p), letters_lost(p)) for p in phrases if letters_lost(p) >= 2]
    return edits, losses


def _candidates(text: str, phrases: tuple[str, ...], loss: bool = True
                ) -> list[tuple[int, str, int]]:
    """(distance, phrase, end) of every phrase the opening of ``text`` may be. First by edit
    distance within :func:`tolerance`; if none, by letter loss alone: the printed letters, in
    order, are the phrase's with at most :func:`letters_lost` of them missing (OCR loses
    letters, it does not invent them), so "resses" may be "Stresses"."""
    ends = [m.start() for m in re.finditer(r"(?<=\w)(?=\W|$)", text[:60])]
    head = text[:2].lower()
    edits, losses = _entries(phrases)
    best: list[tuple[int, str, int]] = []
    for p, low, tol in edits:
        # one of the first two letters is there
        if low[0] not in head and low[1] != head[:1]:
            continue
        for e in ends:
            if not len(p) - tol - 3 <= e <= len(p) + tol:
                continue
            d = levenshtein(text[:e].lower(), low, tol)
            if d <= tol:
                best.append((d, p, e))
    if best or not loss:
        return best
    by_count: dict[int, list[tuple[int, str]]] = {}  # letters printed → (end, letters)
    for e in ends:
        letters = re.sub(r"[^a-z]", "", text[:e].lower())
        by_count.setdefault(len(letters), []).append((e, letters))
    for p, target, lost in losses:
        for d in range(2, lost + 1):
            for e, letters in by_count.get(len(target) - d, ()):
                # (at most d letters lost before the first one printed)
                if (len(p) - lost - 3 <= e <= len(p) and letters[:1] in target[:d + 1]
                        and _subsequence(letters, target)):
                    best.append((d, p, e))
    return best


@cache
def _letters(phrase: str) -> str:
    return re.sub(r"[^a-z]", "", phrase.lower())


def _distinct(found: list[tuple[int, str, int]]) -> list[str]:
    """The different readings among candidates: "Takes" within "Takes note" is one."""
    names = sorted({p for _, p, _ in found}, key=len, reverse=True)
    return [p for p in names if not any(q != p and q.startswith(p) for q in names)]


def _nearest(text: str, phrases: tuple[str, ...], loss: bool = True) -> PhraseMatch | None:
    """The phrase nearest the opening of ``text``, if close and unique: by edit distance, the
    nearest (ties only between a phrase and its longer form); by letter loss, the only phrase
    within reach at all."""
    best = _candidates(text, phrases, loss)
    if not best:
        return None
    best.sort()
    d = best[0][0]
    if d >= 2 and len(_distinct(best)) > 1:
        return None  # two readings within reach of the lost letters: reported, not guessed
    rivals = {q for dq, q, _ in best if dq == d}
    p = best[0][1]
    if len(rivals) > 1 and not all(q.startswith(p) or p.startswith(q) for q in rivals):
        return None
    longest = max((q for dq, q, _ in best if dq == d), key=len)
    e = max(ee for dq, q, ee in best if dq == d and q == longest)
    return PhraseMatch(longest, text[:e], e, d)


def readings(text: str, operative_verb: bool) -> tuple[list[str], str]:
    """The table entries an unmatched opening could be, and the opening as printed (for the
    report when it is ambiguous: "'De l res' could be 'Declares' or 'Deplores'")."""
    a = _ADV_RE.match(text)
    start = a.end() if a and a.group("adv") else 0
    table = OPERATIVE if operative_verb else (PREAMBULAR if start else _PREAMBULAR_FORMS)
    found = _candidates(text[start:], table)
    end = start + max((e for _, _, e in found), default=0)
    return sorted(_distinct(found)), text[:end]


#: Tolerant matching also tries the adverb forms, so that a damaged adverb ("lso noting") does
#: not hide the phrase.
_PREAMBULAR_FORMS: tuple[str, ...] = (*PREAMBULAR, *(f"{a} {p.lower()}" for a in ("Also", "Further")
                                                      for p in PREAMBULAR))


def _tails(text: str) -> tuple[str, int, int]:
    """The tails after a preambular phrase ("also", "with satisfaction"), read tolerantly:
    (tails, where they end, edit distance)."""
    out, end, dist = "", 0, 0
    while True:
        m = re.match(r"\s+(" + _pattern(PREAMBULAR_TAILS) + r")\b", text[end:], re.IGNORECASE)
        if m:
            out += " " + re.sub(r"\s+", " ", m.group(1))
            end += m.end()
            continue
        sp = re.match(r"\s+", text[end:])
        near = _nearest(text[end + sp.end():], PREAMBULAR_TAILS) if sp else None
        if near is None or near.distance == 0:
            return out, end, dist
        out += " " + near.phrase
        end += sp.end() + near.end  # type: ignore[union-attr]
        dist += near.distance


@cache
def _openings() -> frozenset[str]:
    """The first three letters a preambular phrase may show after OCR lost up to two of its
    first five ("rec" for "Rec lling", "lso" for "lso noting", "ess" for "ess ing")."""
    out: set[str] = set()
    for p in _PREAMBULAR_FORMS:
        head = _letters(p)[:5]
        for drop in ((), *((i,) for i in range(5)), *itertools.combinations(range(5), 2)):
            kept = "".join(c for i, c in enumerate(head) if i not in drop)
            if len(kept) >= 3:
                out.add(kept[:3])
    return frozenset(out)


def may_open_preamble(line: str) -> bool:
    """A cheap first test, before :func:`preambular`, for a caller scanning every line: could
    this line open with a preambular phrase, even damaged? (Its first three letters are those
    of a phrase with up to two of its first five letters lost.)"""
    return re.sub(r"[^a-z]", "", line[:12].lower())[:3] in _openings()


def preambular(text: str, loss: bool = True) -> PhraseMatch | None:
    """The leading phrase of a preambular paragraph, adverbs and tails included as printed
    ("Also noting", "Taking note with satisfaction"); tolerant when no exact match (by edit
    distance, then by letter loss unless ``loss`` is false: the costlier reading, which a
    caller scanning every line of a text may spare itself)."""
    m = PREAMBULAR_RE.match(text)
    if m:
        tail, tend, tdist = _tails(text[m.end():])
        phrase = re.sub(r"\s+", " ", m.group()).strip() + tail
        return PhraseMatch(phrase, text[:m.end() + tend], m.end() + tend, tdist)
    a = _ADV_RE.match(text)
    start = a.end() if a and a.group("adv") else 0
    near = _nearest(text[start:], PREAMBULAR if start else _PREAMBULAR_FORMS, loss)
    if near is None:
        return None
    tail, tend, tdist = _tails(text[start + near.end:])
    adv = re.sub(r"\s+", " ", a.group("adv")) + " " if start and a else ""
    phrase = (adv + near.phrase.lower() if adv else _cap(near.phrase, near.printed)) + tail
    end = start + near.end + tend
    return PhraseMatch(phrase, text[:end], end, near.distance + tdist)


def operative(text: str) -> PhraseMatch | None:
    """The leading verb of an operative paragraph, without its adverb ("Also stresses" →
    "Stresses"); "Takes note", "Calls upon", "Looks forward" whole; tolerant when no exact
    match."""
    m = OPERATIVE_RE.match(text)
    if m:
        core = re.sub(r"\s+", " ", m.group("core"))
        return PhraseMatch(next(p for p in OPERATIVE if p.lower() == core.lower()), m.group(),
                           m.end())
    a = _ADV_RE.match(text)
    start = a.end() if a else 0
    near = _nearest(text[start:], OPERATIVE)
    if near is None:
        return None
    return PhraseMatch(near.phrase, text[:start + near.end], start + near.end, near.distance)
