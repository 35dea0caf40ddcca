"""Reads answered in the serving process: queries whose cost is bounded by their answer.

Why: every query against the embedded store runs in a killable query process, because
pyoxigraph cannot stop a query. The hop costs ≈0.2–0.4 ms a request (pipe, pickling, two
context switches, the answer's copy back), more than a look-up by IRI costs to evaluate. But
some queries need no killing: a single triple pattern is one index scan, and each solution it
yields costs one bounded step of that scan. Those run here, with the clock checked between
solutions; everything else goes to the query processes as before.

What is recognised (:func:`shape`), by the one SPARQL lexer and never by guessing, is exactly:

* ``ASK {}`` and ``ASK { s p o }``: at most one index seek;
* ``SELECT ?v … | * WHERE { s p o }``, optionally ``LIMIT n``;
* ``DESCRIBE r …``, one or more IRIs or prefixed names and nothing else: the triples of each
  (and of the blank nodes they lead to), which pyoxigraph yields lazily, one index step each;

with an optional prologue of ``PREFIX`` declarations, ``WHERE`` optional, an optional ``.``
after the pattern. ``s``, ``p``, ``o`` are variables, IRIs or prefixed names (``p`` also
``a``; ``o`` also a literal, with a language tag or a datatype, or a number), and no variable
occurs twice (``?s ?p ?s`` would scan every match of ``?s ?p ?o`` to find one: measured
≈0.3 s before the first row on 300k quads). Anything else — a second pattern, a path, a
filter, a blank node, DISTINCT/ORDER BY/GROUP BY/OFFSET (they read everything before the first
row), FROM — and any character the lexer does not turn into one of those tokens, is not
recognised. Comments count as the whitespace they are to the grammar (a catalogue query's
header of ``#`` lines does not keep it from being recognised).

How it runs (:func:`run`): a SELECT's matches are first counted, lazily, up to one past the
result cap, with the clock read every few matches — the quads of the pattern straight from the
store's index when its terms are plain IRIs (no query to parse; over all graphs, an upper bound
of the rows), else the query's own lazy solutions; when counting takes longer than the
*budget* (``WSIS_KG_INLINE_QUERY_BUDGET``, 5 ms), :func:`run` gives up (None) and the caller
sends the query to a query process, where it is killed at its time limit as every query is
(counted from there: the budget comes on top, at most). Otherwise the query is evaluated and
serialised by :func:`wsis_kg.sparql.evaluate.evaluate`, the very function a query process
runs, so the bytes, the result cap and the errors are the query process's; its cost is bounded
by the count just made. When that count (an upper bound of the rows) is within the cap, the
answer is serialised without counting its rows again. A ``DESCRIBE`` is counted the same
way, by its own lazy triples. An ``ASK`` is that single seek: evaluated at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from wsis_kg.namespaces import PREFIXES
from wsis_kg.sparql.evaluate import QueryRequest, QueryResult, evaluate, execute
from wsis_kg.sparql.lexer import Token, declared_prefixes, gaps, tokenize
from wsis_kg.sparql.memo import text_memo

ASK, SELECT, DESCRIBE = "ASK", "SELECT", "DESCRIBE"
#: Solutions counted between two readings of the clock (a reading costs about as much as one
#: solution; a solution of a one-pattern scan costs ≈1–2 µs).
CLOCK_EVERY = 32

_SUBJECT = frozenset({"var", "iri", "pname"})
_OBJECT = frozenset({"var", "iri", "pname", "short", "long", "number"})
_LITERAL = frozenset({"short", "long"})
_RESOURCE = frozenset({"iri", "pname"})


@dataclass(frozen=True)
class Shape:
    """A bounded query: its form and its one triple pattern (None: ``ASK {}``, ``DESCRIBE``)."""

    form: str
    pattern: tuple[Token, Token, Token] | None = None


class _Cursor:
    """The tokens of a text and the gap before each, read in order."""

    def __init__(self, sparql: str) -> None:
        self.toks = tokenize(sparql)
        self.gaps = list(gaps(sparql, self.toks, comments=False))
        self.i = 0

    def take_gap(self, text: str) -> bool:
        """Whether the text before the next token is ``text`` (then read: the token is next)."""
        if self.gaps[self.i] != text:
            return False
        self.gaps[self.i] = ""
        return True

    def peek(self, gap: str = "") -> Token | None:
        """The next token, if the text before it is ``gap``."""
        if self.i < len(self.toks) and self.gaps[self.i] == gap:
            return self.toks[self.i]
        return None

    def take(self, kinds: frozenset[str] | str, word: str | None = None,
             gap: str = "") -> Token | None:
        """The next token if it is of ``kinds`` (and, for a word or brace, is ``word``, any
        case) with ``gap`` before it; consumed then."""
        t = self.peek(gap)
        if t is None or t.kind not in kinds:
            return None
        if word is not None and t.text.upper() != word:
            return None
        self.i += 1
        return t

    def at_end(self) -> bool:
        return self.i == len(self.toks) and self.gaps[self.i] == ""


@text_memo(max_bytes=4 * 1024 * 1024)
def shape(sparql: str) -> Shape | None:
    """The :class:`Shape` of ``sparql`` when it is one of the bounded shapes above, else None
    (memoised: clients repeat texts, and a look-up text is short)."""
    c = _Cursor(sparql)
    while c.take("word", "PREFIX"):
        label = c.take("pname")
        if label is None or not label.text.endswith(":") or not c.take("iri"):
            return None
    form = c.take("word", ASK) or c.take("word", SELECT) or c.take("word", DESCRIBE)
    if form is None:
        return None
    kind = form.text.upper()
    if kind == DESCRIBE:
        named = 0
        while c.take(_RESOURCE):
            named += 1
        return Shape(DESCRIBE) if named and c.at_end() else None
    if kind == SELECT:
        if not c.take_gap("*"):
            if not c.take("var"):
                return None
            while c.take("var"):
                pass
    c.take("word", "WHERE")
    if not c.take("brace", "{"):
        return None
    if kind == ASK and c.take("brace", "}"):
        return Shape(ASK) if c.at_end() else None
    pattern = _triple_pattern(c)
    if pattern is None:
        return None
    if not (c.take("brace", "}") or c.take("brace", "}", gap=".")):
        return None
    if kind == SELECT and c.take("word", "LIMIT"):
        n = c.take("number")
        if n is None or not n.text.isdigit():
            return None
    return Shape(kind, pattern) if c.at_end() else None


def _triple_pattern(c: _Cursor) -> tuple[Token, Token, Token] | None:
    """Reads ``s p o``: no variable twice, no blank node, no path."""
    s = c.take(_SUBJECT)
    p = c.take(_SUBJECT) or c.take("word", "A")
    if s is None or p is None or (p.kind == "word" and p.text != "a"):
        return None
    o = c.take(_OBJECT)
    if o is None:
        return None
    if o.kind in _LITERAL:
        if not c.take("lang"):
            c.take(frozenset({"iri", "pname"}), gap="^^")
    names = [t.text[1:] for t in (s, p, o) if t.kind == "var"]
    return (s, p, o) if len(names) == len(set(names)) else None


def run(store: ox.Store, req: QueryRequest, limit: int | None,
        budget: float) -> QueryResult | None:
    """``req``'s answer, evaluated here, or None when counting its solutions took longer than
    ``budget`` seconds (the caller then runs it in a query process).

    ``req`` must have a :func:`shape`. Errors are those of :func:`evaluate` (syntax, the result
    cap): the same a query process reports.
    """
    found = shape(req.sparql)
    if found is not None and found.form != ASK:
        deadline = time.monotonic() + budget
        stop = None if limit is None else limit + 1
        n = 0
        items = (iter(execute(store, req)) if found.pattern is None
                 else _matches(store, req, found.pattern))
        for _ in items:
            n += 1
            if n == stop:
                break  # over the cap: evaluate refuses it, after as many rows as counted here
            if n % CLOCK_EVERY == 0 and time.monotonic() > deadline:
                return None
        if n != stop:
            limit = None  # at most n rows: within the cap, not counted again while serialised
    return evaluate(store, req, limit)


def _matches(store: ox.Store, req: QueryRequest,
             pattern: tuple[Token, Token, Token]) -> Iterator[Any]:
    """At least one item per row of ``req``'s answer, lazily: the pattern's quads in every
    graph when its terms are plain IRIs and the dataset is the default one, else the solutions.
    """
    terms = _terms(req, pattern)
    if terms is None or req.default_graph_uris or req.named_graph_uris:
        return iter(execute(store, req))
    graph = None if req.union_default_graph else ox.DefaultGraph()
    return store.quads_for_pattern(*terms, graph)


def _terms(req: QueryRequest, pattern: tuple[Token, Token, Token]
           ) -> tuple[ox.NamedNode | None, ...] | None:
    """The pattern's terms as store terms (a variable: None); None when one is not a plain
    IRI: a literal, a relative IRI, an escape, an undeclared prefix (the engine reads those)."""
    out: list[ox.NamedNode | None] = []
    for t in pattern:
        if t.kind == "var":
            out.append(None)
            continue
        if t.kind == "word":  # ``a``
            iri = PREFIXES["rdf"] + "type"
        elif t.kind == "iri":
            iri = t.text[1:-1]
        elif t.kind == "pname":
            label, _, local = t.text.partition(":")
            base = declared_prefixes(req.sparql).get(label)
            if base is None and req.project_prefixes:
                base = PREFIXES.get(label)
            if base is None:
                return None
            iri = base + local
        else:
            return None
        if "\\" in iri:
            return None
        try:
            out.append(ox.NamedNode(iri))
        except ValueError:
            return None  # relative: the engine resolves it against the base
    return tuple(out)
