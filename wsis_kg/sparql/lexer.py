"""The one SPARQL lexer: every scan of query or update text goes through these tokens.

Regular expressions over raw query text go wrong on strings (escaped quotes, long strings
holding quotes), comments and IRIs holding ``#``; a tokenizer built from the grammar's token
rules does not. Besides :func:`tokenize`, this module answers the questions the service asks
of query text without parsing it (:func:`query_form`, :func:`has_keyword`,
:func:`declared_prefixes`, :func:`with_prefixes`, :func:`repeatable_update`,
:func:`insert_bound`, :func:`concatenated_columns`, and with :func:`gaps` the shapes of
:mod:`wsis_kg.sparql.bounded`), and holds the one entry to rdflib's SPARQL parser
(:func:`rdflib_algebra`), whose grammar is shared module state.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pyoxigraph as ox

from wsis_kg.errors import QuerySyntaxError
from wsis_kg.namespaces import PREFIXES
from wsis_kg.rdf.parse import RDFLIB_LOCK
from wsis_kg.sparql.memo import text_memo

# SPARQL 1.1 grammar terminals (section 19.8), as Oxigraph reads them.
_PN_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
            "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
            "\U00010000-\U000effff")
_PN_U = _PN_BASE + "_"
_PN = _PN_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"

#: One SPARQL token per match, alternatives longest-first (a long string before a short one,
#: a prefixed name before a bare word). Whitespace, operators and punctuation other than
#: braces are not tokens: ``finditer`` steps over them one character at a time.
_TOKEN = re.compile(
    "|".join((
        r"(?P<long>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''" r'|"""(?:(?:"|"")?(?:[^"\\]|\\.))*""")',
        r"(?P<short>'(?:[^'\\\n\r]|\\[^\n\r])*'" r'|"(?:[^"\\\n\r]|\\[^\n\r])*")',
        rf'(?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)',
        r"(?P<comment>#[^\r\n]*)",
        rf"(?P<var>[?$][{_PN_U}0-9][{_PN_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
        rf"(?P<bnode>_:[{_PN_U}0-9](?:[{_PN}.]*[{_PN}])?)",
        rf"(?P<pname>(?:[{_PN_BASE}](?:[{_PN}.]*[{_PN}])?)?:"
        rf"(?:(?:[{_PN_U}:0-9]|{_PLX})(?:(?:[{_PN}.:]|{_PLX})*(?:[{_PN}:]|{_PLX}))?)?)",
        r"(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
        r"(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)",
        r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
        r"(?P<brace>[{}])",
    )),
    re.DOTALL,
)

#: The four query forms, as keywords.
QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


class Token(NamedTuple):
    """One SPARQL token: ``kind`` is the name of the :data:`_TOKEN` group that matched.

    A named tuple, not a dataclass: every distinct query text is cut into tokens, and a frozen
    dataclass took 0.86 µs to build against 0.37 µs (a look-up by IRI is nine tokens)."""

    kind: str
    text: str
    start: int
    end: int


@text_memo(max_bytes=32 * 1024 * 1024, weight=32)  # bounded in bytes: texts can be large
def tokenize(sparql: str) -> tuple[Token, ...]:
    """The tokens of a SPARQL query or update, comments left out (memoised)."""
    return tuple(Token(m.lastgroup or "", m.group(0), m.start(), m.end())
                 for m in _TOKEN.finditer(sparql) if m.lastgroup != "comment")


def gaps(sparql: str, tokens: Sequence[Token], *, comments: bool = True) -> tuple[str, ...]:
    """What stands before each of ``tokens`` and after the last, whitespace stripped: the
    operators and punctuation :func:`tokenize` steps over, and comments (left out with
    ``comments=False``: a comment is whitespace to the grammar).

    ``gaps(...)[i]`` is the text between token ``i - 1`` and token ``i``; the last item is what
    follows the last token. A shape read from the tokens holds for the whole text only when
    every gap is one it allows (an empty gap: nothing but whitespace).
    """
    out: list[str] = []
    pos = 0
    for end, nxt in [(t.start, t.end) for t in tokens] + [(len(sparql), len(sparql))]:
        gap = sparql[pos:end]
        if not comments and "#" in gap:  # outside strings and IRIs a # begins a comment
            gap = _COMMENT.sub("", gap)
        out.append(gap.strip())
        pos = nxt
    return tuple(out)


_OPEN, _CLOSE = "{([", "})]"
_OPAQUE = frozenset({"long", "short", "iri", "comment"})
_STRINGS = frozenset({"long", "short"})
_COMMENT = re.compile(r"#[^\r\n]*")


def nesting_depth(sparql: str, limit: int) -> int | None:
    """The offset of the first bracket (``{`` ``(`` ``[``) nested deeper than ``limit`` outside
    strings, IRIs and comments, or None.

    Why: pyoxigraph's SPARQL parser recurses per bracket and overflows its native stack at
    about 10,000 levels (20 KB of text), which kills the process parsing it: for an update,
    the serving process. Cheap when the text holds no more than ``limit`` brackets at all.
    """
    if sum(sparql.count(c) for c in _OPEN) <= limit:
        return None
    depth, pos = 0, 0

    def scan(end: int) -> int | None:
        nonlocal depth
        for i in range(pos, end):
            c = sparql[i]
            if c in _OPEN:
                depth += 1
                if depth > limit:
                    return i
            elif c in _CLOSE:
                depth = max(0, depth - 1)
        return None

    for m in _TOKEN.finditer(sparql):
        if m.lastgroup in _OPAQUE:
            hit = scan(m.start())
            if hit is not None:
                return hit
            pos = m.end()
    return scan(len(sparql))


def check_nesting(sparql: str, limit: int, what: str = "query") -> None:
    """Refuse (400, with line and column) a text nested deeper than ``limit``: see
    :func:`nesting_depth`."""
    at = nesting_depth(sparql, limit)
    if at is not None:
        line = sparql.count("\n", 0, at) + 1
        column = at - (sparql.rfind("\n", 0, at) + 1) + 1
        raise QuerySyntaxError(
            f"SPARQL {what} nests brackets deeper than {limit} levels at line {line}, column "
            f"{column} (setting WSIS_KG_MAX_NESTING)", line=line, column=column)


def keywords(sparql: str) -> list[str]:
    """The bare words of the text, upper-cased, in order: its keywords and function names.

    Words inside strings, comments and IRIs, variables and prefixed names are not among them.
    """
    return [t.text.upper() for t in tokenize(sparql) if t.kind == "word"]


def has_keyword(sparql: str, *words: str) -> bool:
    """Whether one of ``words`` (any case) is a keyword of the text, not in a string, comment,
    IRI, variable or prefixed name. Cheap when the letters do not occur at all."""
    lowered = sparql.lower()
    wanted = {w.upper() for w in words if w.lower() in lowered}
    return bool(wanted) and any(k in wanted for k in keywords(sparql))


#: Words whose value depends on more than the update's text and the store's quads: the clock,
#: randomness, fresh blank nodes, the order of solutions (which differs between an in-memory
#: and an on-disk store), floating-point sums in that order, the network.
_UNREPEATABLE = frozenset({
    "NOW", "RAND", "UUID", "STRUUID", "BNODE", "LIMIT", "OFFSET", "SAMPLE", "GROUP_CONCAT",
    "SUM", "AVG", "MIN", "MAX", "LOAD", "SERVICE"})


def repeatable_update(sparql: str) -> bool:
    """Whether a SPARQL Update makes exactly the same change to two stores holding the same
    quads: so applying its text again to an in-memory copy of the store keeps the copy equal,
    quad for quad, instead of copying the whole store again (``QueryService.write``).

    Not when the text writes or matches a blank node (``_:b`` or ``[…]``: each application
    mints other ones) or uses a word of :data:`_UNREPEATABLE`; a refusal costs only speed
    (the caller copies the store), so the test is deliberately wide."""
    tokens = tokenize(sparql)
    if any(t.kind == "bnode" for t in tokens) or any("[" in g for g in gaps(sparql, tokens)):
        return False
    return not any(t.kind == "word" and t.text.upper() in _UNREPEATABLE for t in tokens)


def insert_bound(sparql: str) -> int | None:
    """The most quads a SPARQL Update can add, read from its text; None when the store decides
    (an insert template with variables, ADD, COPY, MOVE).

    Operation by operation (``;`` between them): one without INSERT adds nothing (``DELETE
    WHERE { … ?o }``, DROP, CLEAR); ``INSERT DATA`` and a template without variables give their
    own triples (once, whatever the solutions), and each triple of a text takes at least two
    characters (``,:``)."""
    if not has_keyword(sparql, "INSERT", "ADD", "COPY", "MOVE"):
        return 0
    tokens = tokenize(sparql)
    between = gaps(sparql, tokens)
    total, depth, start = 0, 0, 0
    for i in range(len(tokens) + 1):
        if i == len(tokens) or (depth == 0 and ";" in between[i] and i > start):
            op = tokens[start:i]
            words = [t.text.upper() for t in op if t.kind == "word"]
            if {"ADD", "COPY", "MOVE"} & set(words):
                return None
            if "INSERT" in words:
                data = words[words.index("INSERT") + 1:][:1] == ["DATA"]
                if not data and any(t.kind == "var" for t in op):
                    return None
                total += (op[-1].end - op[0].start) // 2
            start = i
        if i < len(tokens) and tokens[i].kind == "brace":
            depth += 1 if tokens[i].text == "{" else -1
    return total


def concatenated_columns(sparql: str) -> dict[str, str]:
    """The variables a query binds to a ``GROUP_CONCAT`` (``(GROUP_CONCAT(…) AS ?v)``), each
    with its separator (a space where the query names none).

    Why: SPARQL leaves the order of the values a ``GROUP_CONCAT`` joins unspecified (SPARQL 1.1
    section 18.5.1.7), and engines do join the same values in different orders (Oxigraph from
    disk and from memory, at 10M quads): a comparison of two answers reads these columns as
    multisets of values (:func:`wsis_kg.bench.compare.answer_key`).
    """
    toks = tokenize(sparql)
    gs = gaps(sparql, toks, comments=False)
    found: dict[str, str] = {}
    for i, t in enumerate(toks):
        if t.kind != "word" or t.text.upper() != "GROUP_CONCAT":
            continue
        depth, separator = 0, " "
        for j in range(i + 1, len(toks)):
            depth += gs[j].count("(") - gs[j].count(")")
            if depth <= 0:
                named = j + 1 < len(toks) and toks[j + 1].kind == "var" and not gs[j + 1]
                if toks[j].kind == "word" and toks[j].text.upper() == "AS" and named:
                    found[toks[j + 1].text[1:]] = separator
                break
            if (toks[j].kind == "word" and toks[j].text.upper() == "SEPARATOR"
                    and j + 1 < len(toks) and toks[j + 1].kind in _STRINGS):
                separator = string_value(toks[j + 1].text)
    return found


def string_value(literal: str) -> str:
    """The value of a SPARQL string token (quotes, escapes), read by Oxigraph's own parser."""
    solutions = ox.Store().query(f"SELECT ({literal} AS ?v) {{}}")
    return next(iter(solutions))["v"].value


def query_form(sparql: str) -> str | None:
    """SELECT, CONSTRUCT, DESCRIBE or ASK: the first query-form keyword (None: an update or
    not a query). The prologue before it holds only BASE and PREFIX."""
    return next((k for k in keywords(sparql) if k in QUERY_FORMS), None)


def declared_prefixes(sparql: str) -> dict[str, str]:
    """``PREFIX label: <iri>`` declarations of the text: label → IRI as written."""
    toks = tokenize(sparql)
    out: dict[str, str] = {}
    for i, t in enumerate(toks[:-2]):
        label, iri = toks[i + 1], toks[i + 2]
        if (t.kind == "word" and t.text.upper() == "PREFIX" and label.kind == "pname"
                and label.text.endswith(":") and label.text.count(":") == 1
                and iri.kind == "iri"):
            out[label.text[:-1]] = iri.text[1:-1]
    return out


def used_prefixes(sparql: str) -> list[str]:
    """Prefix labels of the prefixed names in the text (declarations too), in order."""
    return list(dict.fromkeys(t.text.split(":", 1)[0] for t in tokenize(sparql)
                              if t.kind == "pname"))


def with_prefixes(sparql: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The text with PREFIX lines added for the ``prefixes`` it uses but does not declare
    (the project prefixes by default), so catalogue and editor queries may leave them out."""
    declared = declared_prefixes(sparql)
    missing = [p for p in used_prefixes(sparql) if p in prefixes and p not in declared]
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in missing) + sparql


def rdflib_algebra(sparql: str, *, update: bool = False) -> Any:
    """rdflib's algebra of a query (or update), parsed under :data:`RDFLIB_LOCK`.

    Every rdflib SPARQL parse of the service goes through here: pyparsing keeps its state in
    the grammar objects, so two threads parsing at once can corrupt each other's result. The
    parser is imported on first use: building its grammar costs startup time, and most
    requests never need it. rdflib's exceptions pass through (its grammar differs slightly
    from Oxigraph's; callers decide what a failure means).
    """
    from rdflib.plugins.sparql import algebra, parser

    with RDFLIB_LOCK:
        if update:
            return algebra.translateUpdate(parser.parseUpdate(sparql)).algebra
        return algebra.translateQuery(parser.parseQuery(sparql)).algebra
