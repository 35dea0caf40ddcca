"""Full-text search over the graph: paragraph texts, labels and titles, in SQLite FTS5.

The index is a maintained engine (SQLite's FTS5, ranked by BM25, snippets by FTS5's own
``snippet()``), not a hand-written one. It holds one row per subject that has a text
(``wsis:text``) or a name (``skos:prefLabel``, ``rdfs:label``, ``dcterms:title``,
``wsis:symbol``), with *facets* to filter by: the document a part is in (``wsis:inDocument``),
what it mentions or is about (``wsis:mentions``, ``wsis:actionLine``, ``wsis:agent``: action
lines and organisations) and its types.

It is built from the store when the query service starts and kept in step with every write:
:meth:`SearchIndex.refresh` (called by ``QueryService.write`` after each successful write)
re-reads the indexed predicates, compares each subject's content with a digest held since the
last refresh and rewrites only the subjects that changed (a scan of those predicates, not of the
store; measured in docs/web.md).

Ranking is FTS5's BM25 where that is cheap, and a BM25 of its own over the first matches
where FTS5's would read every subject of a very common word first (:meth:`SearchIndex.search`);
prefix indexes answer ``word*`` and the search box's suggestions from one list.

User text never reaches FTS5's query syntax directly: :func:`fts_query` turns words, ``"…"``
phrases, ``prefix*`` and ``OR`` into quoted FTS5 terms, and refuses what it cannot read (an
unclosed quote) with a 400 that says why.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import json
import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from wsis_kg.errors import BadRequest, ServiceBusy, StoreError, WsisError
from wsis_kg.namespaces import PREFIXES
from wsis_kg.sparql.lexer import declared_prefixes, tokenize
from wsis_kg.store.embedded import GraphStore, OxigraphStore

log = logging.getLogger(__name__)

WSIS = PREFIXES["wsis"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: predicate → the FTS5 column its values are indexed in (names rank above texts).
INDEXED: dict[str, str] = {
    PREFIXES["skos"] + "prefLabel": "label",
    PREFIXES["rdfs"] + "label": "label",
    PREFIXES["dcterms"] + "title": "label",
    WSIS + "symbol": "label",
    WSIS + "text": "text",
}
#: predicate → the facet it fills (what the filters of a search match).
FACETS: dict[str, str] = {
    RDF_TYPE: "type",
    WSIS + "inDocument": "doc",
    WSIS + "mentions": "about",
    WSIS + "actionLine": "about",
    WSIS + "agent": "about",
}
#: The kinds ``suggest`` offers, by the class that makes a subject one (inferred types count).
KINDS: dict[str, str] = {
    WSIS + "Organisation": "organisation",
    WSIS + "ActionLine": "action line",
    WSIS + "Document": "document",
}
#: Which name to show for a subject, best first.
NAME_ORDER = tuple(INDEXED)[:4]
#: Column weights of BM25 (label, text): a match in a name counts more than one in a text.
WEIGHTS = (4.0, 1.0)
#: BM25's constants, FTS5's own (the window ranking uses them too).
K1, B = 1.2, 0.75
#: Subjects the query's terms are in (summed over its terms) above which FTS5's ``bm25()`` is
#: not used: before it scores its first row it reads every subject each term is in, to weigh
#: the terms (5-70 ms for a word in half of a million-triple graph, measured, docs/web.md).
BM25_BUDGET = 20_000
#: Matches FTS5's ``bm25()`` ranks in full at most (each costs it 5-20 µs: its instances,
#: its length); past that, a window of the first ones is ranked.
EXACT_RANK_MAX = 1000
#: Markers FTS5 puts around matches; stripped from indexed text so data cannot forge them.
_OPEN, _CLOSE = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
#: Matches counted at most (counting costs per match; "10,000+" says enough).
COUNT_CAP = 10_000
#: Most terms one query may have (each is one more posting list to merge).
MAX_TERMS = 32
_TOKEN = re.compile(r'"([^"]*)("?)(\*?)|(\S+)')
_WORDISH = re.compile(r"\w")


@dataclass(frozen=True)
class Entry:
    """What the index holds for one subject."""

    iri: str
    name: str
    kind: str | None
    labels: tuple[str, ...]
    texts: tuple[str, ...]
    facets: tuple[tuple[str, str], ...]

    @functools.cached_property
    def digest(self) -> int:
        """Equal for equal content (compared within this process only, so ``hash`` serves)."""
        return hash((self.name, self.kind, self.labels, self.texts, self.facets))


@dataclass
class Hit:
    """One search result: a subject, its name and where the query matched."""

    iri: str
    name: str
    kind: str | None
    snippet: str
    name_html: str = ""
    snippet_html: str = ""
    score: float = 0.0
    types: list[str] = field(default_factory=list)
    document: str | None = None
    document_name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"iri": self.iri, "name": self.name, "kind": self.kind, "score": self.score,
                "snippet": self.snippet, "snippet_html": self.snippet_html,
                "name_html": self.name_html, "types": self.types, "document": self.document,
                "document_name": self.document_name}


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    offset: int
    limit: int
    #: False when there are more than ``total`` (= :data:`COUNT_CAP`) matches
    exact: bool = True


@dataclass(frozen=True)
class Filters:
    """Restrict a search to subjects in a document, about an action line or organisation, or
    of a type (IRIs; None: no restriction)."""

    document: str | None = None
    action_line: str | None = None
    organisation: str | None = None
    type: str | None = None

    def clauses(self) -> list[tuple[str, str]]:
        pairs = (("doc", self.document), ("about", self.action_line),
                 ("about", self.organisation), ("type", self.type))
        return [(f, v) for f, v in pairs if v]


def fts_query(text: str) -> str:
    """User text → an FTS5 query that cannot be a syntax error.

    Words and ``"phrases"`` are each quoted (so FTS5 operators and punctuation in them are just
    text); ``word*`` and ``"a phrase"*`` are prefix queries; ``OR`` between two terms is FTS5's
    OR; terms are otherwise all required. 400 for an unclosed quote, no searchable word or more
    than :data:`MAX_TERMS` terms.
    """
    return " ".join(t if t == "OR" else '"' + t[0].replace('"', '""') + '"' + t[1]
                    for t in query_terms(text))


def query_terms(text: str) -> list[Any]:
    """The terms of :func:`fts_query`: ``(phrase, "*" or "")`` pairs and the word ``"OR"``."""
    terms: list[Any] = []
    for m in _TOKEN.finditer(text):
        phrase, closed, star, word = m.groups()
        if word is None and not closed:
            raise BadRequest(f'The search has an unclosed quote (") at character '
                             f'{m.start() + 1}: close the phrase or remove the quote.')
        if word == "OR":
            if terms and terms[-1] != "OR":
                terms.append("OR")
            continue
        if word is not None:
            star = "*" if word.endswith("*") else ""
            phrase = word.rstrip("*")
            if '"' in phrase:
                raise BadRequest(f'The search has a stray quote (") in {word!r}: put quotes '
                                 f'around a whole phrase, "like this".')
        if not _WORDISH.search(phrase or ""):
            continue
        terms.append((phrase, star))
    while terms and terms[-1] == "OR":
        terms.pop()
    if not terms:
        raise BadRequest("The search has no word to look for: type a word or a \"phrase\".")
    if sum(t != "OR" for t in terms) > MAX_TERMS:
        raise BadRequest(f"The search has more than {MAX_TERMS} terms: shorten it.")
    return terms


_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The tokens FTS5's ``unicode61 remove_diacritics 2`` makes of ``text``, near enough to
    count them (what a term costs to rank, how long a column is)."""
    text = text.lower()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    return _WORD.findall(text)


def facet_token(facet: str, value: str) -> str:
    """The word standing for ``facet = value`` in the index's ``facets`` column."""
    return "f" + hashlib.blake2b(f"{facet}\x00{value}".encode(), digest_size=10).hexdigest()


#: What ``suggest`` offers: subjects with one of these facet words (a type in :data:`KINDS`).
SUGGESTED = "(" + " OR ".join('"' + facet_token("type", c) + '"' for c in KINDS) + ")"


def mark(fragment: str) -> str:
    """FTS5 output with match markers → safe HTML: escape the text, then mark the matches."""
    return html.escape(fragment, quote=False).replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def snippet(marked: str, size: int = 24) -> str:
    """About ``size`` words of a marked text around its first match, "…" where it is cut (as
    FTS5's ``snippet()`` makes them, from a text ``highlight()`` marked in full)."""
    words_ = marked.split()
    first = next((i for i, w in enumerate(words_) if _OPEN in w), 0)
    start = max(0, min(first - size // 4, len(words_) - size))
    cut = words_[start:start + size]
    text = " ".join(cut)
    if text.rfind(_OPEN) > text.rfind(_CLOSE):  # a phrase cut in two: close its mark
        text += _CLOSE
    return ("…" if start > 0 else "") + text + ("…" if start + size < len(words_) else "")


def plain(fragment: str) -> str:
    return fragment.replace(_OPEN, "").replace(_CLOSE, "")


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def read_entries(store: GraphStore, subjects: Iterable[str] | None = None) -> dict[str, Entry]:
    """Every subject (of ``subjects``, None: all) with a text or a name, read from the indexed
    and facet predicates only."""
    by_subject: dict[str, list[tuple[str, tuple[str, str], str]]] = {}
    for s, p, o, g in _quads(store, subjects):
        rec = by_subject.get(s)
        if rec is None:
            rec = by_subject[s] = []
        rec.append((p, o, g))
    entries: dict[str, Entry] = {}
    for s, rec in by_subject.items():
        labels: set[str] = set()
        texts: set[str] = set()
        facets: set[tuple[str, str]] = set()
        names: dict[str, list[tuple[str, str]]] = {}
        for p, o, g in rec:
            column = INDEXED.get(p)
            if column == "label":
                labels.add(o[0])
                names.setdefault(p, []).append(o)
            elif column == "text":
                texts.add(o[0])
            else:
                facets.add((FACETS[p], o[0]))
            facets.add(("graph", g))
        if not labels and not texts:
            continue
        types = {v for f, v in facets if f == "type"}
        kind = next((k for c, k in KINDS.items() if c in types), None)
        entries[s] = Entry(s, _name(s, names), kind, tuple(sorted(map(_clean, labels))),
                           tuple(sorted(map(_clean, texts))), tuple(sorted(facets)))
    return entries


def changes(store: GraphStore, digests: dict[str, int]) -> tuple[list[Entry], list[str]]:
    """What re-reading every subject of ``store`` changes in an index holding ``digests``
    (subject → :attr:`Entry.digest`): the entries that differ and the subjects gone. Small
    after a write, so a job can compute it and send back only that (digests compare across
    a fork: same process image, same hash secret)."""
    entries = read_entries(store)
    gone = [iri for iri in digests if iri not in entries]
    return [e for e in entries.values() if digests.get(e.iri) != e.digest], gone


#: :func:`changes` with the store chosen by the caller (the service runs it in a job).
ReadAll = Callable[[dict[str, int]], tuple[list[Entry], list[str]]]


def _name(iri: str, props: dict[str, list[tuple[str, str]]]) -> str:
    for p in NAME_ORDER:
        vals = sorted(props.get(p, ()), key=lambda v: (v[1] not in ("en", ""), v))
        if vals:
            return _clean(vals[0][0])
    return iri.rstrip("/").rsplit("/", 1)[-1]


_PREDICATES = (*INDEXED, *FACETS)


def _quads(store: GraphStore, subjects: Iterable[str] | None
           ) -> Iterator[tuple[str, str, tuple[str, str], str]]:
    """(subject, predicate, (object value, language), graph) of the indexed and facet
    predicates, IRI subjects only (of ``subjects``; None: all), every graph ("": default)."""
    if isinstance(store, OxigraphStore):
        if subjects is None:
            quads: Iterable[Any] = (q for p in _PREDICATES for q in
                                    store.ox.quads_for_pattern(None, ox.NamedNode(p), None))
        else:
            quads = (q for s in subjects if ":" in s for q in
                     store.ox.quads_for_pattern(ox.NamedNode(s), None, None)
                     if q.predicate.value in _PREDICATE_SET)
        for q in quads:
            if isinstance(q.subject, ox.NamedNode):
                o, g = q.object, q.graph_name
                yield (q.subject.value, q.predicate.value,
                       (o.value, getattr(o, "language", None) or ""),
                       g.value if isinstance(g, ox.NamedNode) else "")
        return
    preds = " ".join(f"<{p}>" for p in _PREDICATES)
    only = ("" if subjects is None else
            "VALUES ?s { " + " ".join(f"<{s}>" for s in subjects if ":" in s) + " } ")
    sparql = (f"SELECT ?s ?p ?o ?g WHERE {{ {only}VALUES ?p {{ {preds} }} "
              f"{{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} FILTER(isIRI(?s)) }}")
    for row in store.query(sparql):  # type: ignore[union-attr]
        o, g = row["o"], row["g"]
        yield (row["s"].value, row["p"].value, (o.value, getattr(o, "language", None) or ""),
               g.value if g is not None else "")


_PREDICATE_SET = frozenset(_PREDICATES)
#: Update keywords whose effect reaches beyond the IRIs written in the text.
_WIDE = frozenset({"ALL", "NAMED", "DEFAULT", "LOAD", "ADD", "MOVE", "COPY", "WITH", "USING",
                   "BASE", "WHERE"})


def touched_by_update(sparql: str) -> set[str] | None:
    """The IRIs a SPARQL Update can have changed, when its text says (INSERT/DELETE DATA,
    DROP/CLEAR/CREATE GRAPH of named graphs); None when it cannot say (patterns with variables,
    DROP ALL, LOAD, relative IRIs …): then the whole index is re-read."""
    tokens = tokenize(sparql)
    if any(t.kind in ("var", "bnode") for t in tokens) or any(
            t.kind == "word" and t.text.upper() in _WIDE for t in tokens):
        return None
    prefixes = declared_prefixes(sparql)
    out: set[str] = set()
    for t in tokens:
        if t.kind == "iri":
            iri = t.text[1:-1]
            if ":" not in iri:
                return None  # relative: resolved against a base we do not know here
            out.add(iri)
        elif t.kind == "pname":
            prefix, _, local = t.text.partition(":")
            if prefix not in prefixes or "\\" in local:
                return None
            out.add(prefixes[prefix] + local)
    return out


class SearchIndex:
    """The full-text index of one store, in an in-memory SQLite database.

    Thread-safe: one connection, used under a lock (a search takes milliseconds).
    """

    def __init__(self, rank_window: int = 200) -> None:
        self.rank_window = rank_window
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.RLock()
        self._digests: dict[str, int] = {}
        self._ids: dict[str, int] = {}
        self._next_id = 1
        #: subjects each token is in, and the tokens of each column over all subjects: what
        #: a term costs FTS5's ranking, and the average column length of the window's BM25
        self._df: Counter[str] = Counter()
        self._lengths = [0, 0]
        self.built = False
        with self._lock:
            self._db.executescript("""
                CREATE VIRTUAL TABLE entry USING fts5(
                    label, text, facets, tokenize = 'unicode61 remove_diacritics 2',
                    prefix = '1 2 3 4');
                CREATE TABLE subject (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL,
                                      name TEXT NOT NULL, kind TEXT, doc TEXT);
                CREATE TABLE facet (id INTEGER NOT NULL, facet TEXT NOT NULL,
                                    value TEXT NOT NULL);
                CREATE INDEX facet_value ON facet (facet, value, id);
                CREATE INDEX facet_id ON facet (id, facet, value);
                CREATE INDEX subject_kind ON subject (kind);
            """)
            # ``ORDER BY rank``: BM25 with names weighted above texts
            self._db.execute("INSERT INTO entry (entry, rank) VALUES ('rank', ?)",
                             (f"bm25({WEIGHTS[0]}, {WEIGHTS[1]}, 0)",))

    def __len__(self) -> int:
        return len(self._digests)

    def size_bytes(self) -> int:
        """Bytes of the full-text index itself (FTS5's segments, prefix indexes included)."""
        with self._lock:
            return self._db.execute("SELECT sum(length(block)) FROM entry_data").fetchone()[0]

    def refresh(self, store: GraphStore, touched: Iterable[str] | None = None, *,
                read_lock: Any = None, read_all: ReadAll | None = None) -> int:
        """Bring the index in step with ``store``; returns how many subjects changed.

        ``touched``: the IRIs a write can have changed (subjects, and graphs: each stands for
        the subjects indexed from it); only those subjects are re-read. None: re-read every
        subject of the indexed predicates (start, or a write that cannot say what it touched).
        ``read_lock``: held while the store is read (the service's write lock, which its query
        processes are forked under: no fork while this thread is inside the store).
        ``read_all``: :func:`changes` run elsewhere (the service: in a job), for a re-read of
        every subject: reading them here held this process's GIL for seconds (1M quads:
        ≈4.5 s after a write, 6.5 s at start, measured); in-process when it is refused.
        """
        if touched is None and read_all is not None:
            try:
                changed, gone = read_all(self._digests)
            except WsisError as e:
                log.warning("re-reading the search index here: %s", e)
            else:
                return self._apply(changed, gone)
        if touched is None:
            with read_lock or contextlib.nullcontext():
                entries = read_entries(store)
            candidates: Iterable[str] = set(self._digests) | set(entries)
        else:
            touched = set(touched)
            with self._lock:
                in_graphs = {iri for (iri,) in self._db.execute(
                    "SELECT subject.iri FROM facet JOIN subject ON subject.id = facet.id "
                    "WHERE facet.facet = 'graph' AND facet.value IN (SELECT value FROM "
                    "json_each(?))", (json.dumps(sorted(touched)),))}
            candidates = touched | in_graphs
            entries = read_entries(store, candidates)
        gone = [iri for iri in candidates if iri not in entries and iri in self._digests]
        changed = [e for e in entries.values() if self._digests.get(e.iri) != e.digest]
        return self._apply(changed, gone)

    def _apply(self, changed: list[Entry], gone: list[str]) -> int:
        """Write ``changed`` subjects anew and drop the ``gone`` ones."""
        with self._lock, self._db:
            old = [self._ids[iri] for iri in gone] + [
                self._ids[e.iri] for e in changed if e.iri in self._ids]
            self._remove(old)
            for iri in gone:
                del self._ids[iri], self._digests[iri]
            for e in changed:
                if e.iri not in self._ids:
                    self._ids[e.iri] = self._next_id
                    self._next_id += 1
                self._digests[e.iri] = e.digest
            self._insert([(self._ids[e.iri], e) for e in changed])
            self.built = True
            return len(gone) + len(changed)

    def _remove(self, rowids: list[int]) -> None:
        rows = [(r,) for r in rowids]
        for row in rows:
            for label, text in self._db.execute(
                    "SELECT label, text FROM entry WHERE rowid = ?", row):
                self._count(label, text, -1)
        self._db.executemany("DELETE FROM entry WHERE rowid = ?", rows)
        self._db.executemany("DELETE FROM subject WHERE id = ?", rows)
        self._db.executemany("DELETE FROM facet WHERE id = ?", rows)

    def _count(self, label: str, text: str, sign: int) -> None:
        # lengths as :meth:`_rank_window` measures a row's (split at spaces)
        self._lengths[0] += sign * len(label.split())
        self._lengths[1] += sign * len(text.split())
        for w in {*words(label), *words(text)}:
            self._df[w] += sign
            if not self._df[w]:
                del self._df[w]

    def _insert(self, rows: list[tuple[int, Entry]]) -> None:
        columns = [(i, "\n".join(e.labels), "\n".join(e.texts),
                    " ".join(facet_token(f, v) for f, v in e.facets)) for i, e in rows]
        for _, label, text, _ in columns:
            self._count(label, text, 1)
        self._db.executemany(
            "INSERT INTO entry (rowid, label, text, facets) VALUES (?, ?, ?, ?)", columns)
        self._db.executemany(
            "INSERT INTO subject VALUES (?, ?, ?, ?, ?)",
            [(i, e.iri, e.name, e.kind, next((v for f, v in e.facets if f == "doc"), None))
             for i, e in rows])
        # the filters use the facet words of ``entry``; this table answers the hits' types
        # and which subjects a graph holds (what a write to that graph touches)
        self._db.executemany("INSERT INTO facet VALUES (?, ?, ?)",
                             [(i, f, v) for i, e in rows for f, v in e.facets
                              if f in ("type", "graph")])

    def search(self, text: str, filters: Filters = Filters(), *, limit: int = 20,
               offset: int = 0) -> SearchResult:
        """Ranked matches of ``text`` (see :func:`fts_query`) with highlighted snippets.

        Ranking is BM25 with names weighted above texts, by FTS5's ``bm25()`` over every
        match when that is cheap. It is not when there are more than :data:`EXACT_RANK_MAX`
        matches, or when the query's words are in more than :data:`BM25_BUDGET` subjects
        (known from the index's own word counts, no scan): ``bm25()`` weighs each word by
        how many subjects it is in, and counts them all before it scores the first match,
        which alone takes longer than the whole answer may. Then the first ``rank_window``
        matches in index order (or as many as the page asked for needs) are ranked by BM25
        per column without that weighing (:meth:`_rank_window`); a filter or a rarer word
        gives a fully ranked answer. Snippets are made for the returned page alone. ``total``
        counts up to :data:`COUNT_CAP` (``exact`` False above).
        """
        terms = query_terms(text)
        match = "{label text} : (" + fts_query(text) + ")"
        clauses = filters.clauses()
        if clauses:  # FTS5 intersects the facet tokens' lists: no per-row check
            match += " AND facets : (" + " AND ".join(
                '"' + facet_token(f, v) + '"' for f, v in clauses) + ")"
        window = max(self.rank_window, offset + limit)
        with self._lock:
            try:
                # matches come in rowid order: the first ``window`` are the window, read
                # with their marked columns in the same statement (each statement sets the
                # query up again: a phrase's or a long prefix's lists); the rest are counted
                # by SQLite (a Python row each would cost more)
                first = self._db.execute(
                    f"SELECT rowid, highlight(entry, 0, '{_OPEN}', '{_CLOSE}'), "
                    f"highlight(entry, 1, '{_OPEN}', '{_CLOSE}') FROM entry "
                    f"WHERE entry MATCH ? LIMIT ?", (match, window)).fetchall()
                rowids = [r for r, _, _ in first]
                total = len(rowids)
                if total == window:
                    total += self._db.execute(
                        "SELECT count(*) FROM (SELECT 1 FROM entry WHERE entry MATCH ? AND "
                        "rowid > ? LIMIT ?)", (match, rowids[-1], max(0, COUNT_CAP + 1 - window))
                    ).fetchone()[0]
                if not rowids:
                    rows = []
                elif total <= EXACT_RANK_MAX and self._postings(terms) <= BM25_BUDGET:
                    rows = self._db.execute(
                        f"SELECT rowid, -rank, highlight(entry, 0, '{_OPEN}', '{_CLOSE}'), "
                        f"snippet(entry, 1, '{_OPEN}', '{_CLOSE}', '…', 24) FROM entry "
                        f"WHERE entry MATCH ? ORDER BY rank LIMIT ? OFFSET ?",
                        (match, limit, offset)).fetchall()
                else:
                    # the snippets cut from the window's marked texts: one statement fewer
                    marked = {r: (label, text) for r, label, text in first}
                    rows = [(rowid, score, marked[rowid][0], snippet(marked[rowid][1]))
                            for score, rowid in self._rank_window(first)[offset:offset + limit]]
                hits = [self._hit(*row) for row in rows]
            except sqlite3.OperationalError as e:  # fts_query should make this unreachable
                raise BadRequest(f"The search could not be read: {e}") from None
        return SearchResult(text, min(total, COUNT_CAP), hits, offset, limit,
                            exact=total <= COUNT_CAP)

    def _postings(self, terms: list[Any]) -> int:
        """How many subjects FTS5's ``bm25()`` reads to weigh ``terms`` (each term's
        subjects; a prefix stands for every indexed word it starts)."""
        n = 0
        for term in terms:
            if term == "OR":
                continue
            tokens = words(term[0])
            if term[1] and tokens:
                start = tokens.pop()
                n += sum(c for w, c in self._df.items() if w.startswith(start))
            n += sum(self._df.get(w, 0) for w in tokens)
        return n

    def _rank_window(self, window: list[tuple[int, str, str]]) -> list[tuple[float, int]]:
        """(score, rowid) of the ``window``'s matches (rowid and its columns with the matches
        marked), best first: BM25 per column with FTS5's constants and column weights, all
        terms weighed alike (so a one-word query ranks as FTS5 would)."""
        subjects = max(1, len(self._digests))
        average = [max(1.0, n / subjects) for n in self._lengths]
        scored = []
        for rowid, *columns in window:
            score = 0.0
            for weight, value, avg in zip(WEIGHTS, columns, average, strict=True):
                tf = value.count(_OPEN)
                if tf:  # the length in words (split at spaces: cheap, near enough)
                    norm = 1 - B + B * len(value.split()) / avg
                    score += weight * tf * (K1 + 1) / (tf + K1 * norm)
            scored.append((round(score, 4), rowid))
        scored.sort(key=lambda sr: (-sr[0], sr[1]))
        return scored

    def _hit(self, rowid: int, score: float, label_hl: str, text_snip: str) -> Hit:
        iri, name, kind, doc = self._db.execute(
            "SELECT iri, name, kind, doc FROM subject WHERE id = ?", (rowid,)).fetchone()
        types = [v for (v,) in self._db.execute(
            "SELECT value FROM facet INDEXED BY facet_id WHERE id = ? AND facet = 'type' "
            "ORDER BY value", (rowid,))]
        name_line = next((ln for ln in label_hl.split("\n") if _OPEN in ln), None)
        name_html = (mark(name_line) if name_line and plain(name_line) == name
                     else html.escape(name, quote=False))
        snippet = text_snip if _OPEN in text_snip or not name_line else name_line
        doc_name = None
        if doc is not None:
            row = self._db.execute("SELECT name FROM subject WHERE iri = ?", (doc,)).fetchone()
            doc_name = row[0] if row else doc.rsplit("/", 1)[-1]
            if iri.startswith(doc + "/") and not name_line:
                # a part without a name of its own: "para 9 d ii" says where it is
                name = iri[len(doc) + 1:].replace("/", " ")
                name_html = html.escape(name, quote=False)
        return Hit(iri, name, kind, plain(snippet), name_html, mark(snippet),
                   round(score, 4), types, doc, doc_name)

    def suggest(self, prefix: str, *, limit: int = 8) -> list[dict[str, str]]:
        """Organisations, action lines and documents whose name has a word starting with
        ``prefix`` (each word of ``prefix`` in turn: "e-he" finds "e-health"), names first
        that start with it, then the shortest.

        Asked at every keystroke, so FTS5 does the narrowing (the word prefixes, from the
        prefix indexes, and the :data:`SUGGESTED` facet words) and nothing weighs the words
        (``bm25()`` would count every subject with a word starting "he" first)."""
        typed = re.findall(r"\w+", prefix)[:MAX_TERMS]
        if not typed:
            return []
        match = ("label : (" + " ".join('"' + w + '"*' for w in typed) + ") AND facets : "
                 + SUGGESTED)
        sql = ("SELECT subject.iri, subject.name, subject.kind FROM entry "
               "JOIN subject ON subject.id = entry.rowid "
               "WHERE entry MATCH ? AND subject.kind IS NOT NULL "
               "ORDER BY (lower(subject.name) LIKE ? ESCAPE '\\') DESC, "
               "length(subject.name), subject.name LIMIT ?")
        like = prefix.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        with self._lock:
            rows = self._db.execute(sql, (match, like, limit)).fetchall()
        return [{"iri": iri, "name": name, "kind": kind} for iri, name, kind in rows]

    def options(self, kind: str) -> list[tuple[str, str]]:
        """(IRI, name) of every indexed subject of ``kind``, by name: the filter choices."""
        with self._lock:
            return [(i, n) for i, n in self._db.execute(
                "SELECT iri, name FROM subject WHERE kind = ? ORDER BY name", (kind,))]


class SearchService:
    """The index of the served store: built in the background at start, then kept in step by
    :meth:`after_write` (``QueryService.write`` calls it after every successful write, under
    the write lock).

    The start build holds the write lock only while it reads the store (query processes are
    forked under it, and must not be forked while this thread is inside the store), not while
    it fills the index; a write before the index is ready makes the build read the store
    again, so the index is never behind a write once it is ready. Until then a search waits
    up to ``wait`` seconds, then is refused with 503 + ``Retry-After``.
    """

    def __init__(self, store: GraphStore, write_lock: Any, *, rank_window: int = 200,
                 wait: float = 5.0, read_all: ReadAll | None = None) -> None:
        self.index = SearchIndex(rank_window)
        #: How every subject is re-read away from this process (:meth:`SearchIndex.refresh`).
        self._read_all = read_all
        self.wait = wait
        self.build_seconds: float | None = None
        self._store = store
        self._write_lock = write_lock
        self._ready = threading.Event()
        self._writes = 0
        self._error: str | None = None
        threading.Thread(target=self._build, name="search-index", daemon=True).start()

    def _build(self) -> None:
        start = time.perf_counter()
        try:
            while True:
                seen = self._writes
                self.index.refresh(self._store, read_lock=self._write_lock,
                                   read_all=self._read_all)
                with self._write_lock:
                    if self._writes == seen:
                        self._ready.set()
                        break
        except Exception as e:  # the store cannot be read (a remote store down): say so
            log.exception("the search index could not be built")
            self._error = f"The search index could not be built: {e}"
            self._ready.set()
        self.build_seconds = time.perf_counter() - start

    def after_write(self, touched: Iterable[str] | None) -> None:
        """Under the write lock, after a write changed the store: re-read what it touched."""
        self._writes += 1
        if self._ready.is_set() and self._error is None:
            self.index.refresh(self._store, touched, read_all=self._read_all)

    def ready(self) -> SearchIndex:
        """The index, once built (503 while it is being built, past ``wait``)."""
        if not self._ready.wait(self.wait):
            raise ServiceBusy("The search index is still being built; try again shortly.",
                              retry_after=5)
        if self._error is not None:
            raise StoreError(self._error)
        return self.index

    def status(self) -> dict[str, Any]:
        return {"ready": self._ready.is_set() and self._error is None,
                "subjects": len(self.index), "build_seconds": self.build_seconds,
                "error": self._error}
