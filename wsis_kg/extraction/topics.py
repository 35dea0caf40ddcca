"""Topics: which action lines, indicative targets and thesaurus concepts a part *concerns*.

``wsis:mentions`` (``wsis_kg.extraction.mentions``) records what a text *names*; this module
records what it is *about*, even when it names nothing: "distance learning" concerns C7
e-learning, "cybercrime" concerns C5. The words come from the topic thesaurus
(``data/curated/thesaurus.ttl``, documented in docs/ontology.md "Topics"): every
``wsis:TopicConcept`` with its ``skos:prefLabel``/``altLabel``/``hiddenLabel`` and the action lines
or targets it is ``wsis:topicFor``. A part concerns

* a line or target it names (its ``wsis:mentions`` in the document graph, when linked);
* the ``wsis:topicFor`` of each thesaurus concept whose words occur in its text, and the concept
  itself when it is a named thing (a disease, technology, group or financing mechanism) rather
  than a word of the action-line scheme;
* the line of the Plan of Action paragraph it belongs to (an item of paragraph 12 concerns C5):
  the line's ``wsis:planOfActionParagraph``.

A word inside the name of an organisation, post or event the part mentions is that actor's or
event's name, not the part's subject: "health" in "the World Health Organization", "agriculture"
in "the Food and Agriculture Organization", "Internet governance" in "the European Dialogue on
Internet Governance" count for nothing; a thesaurus word that is itself the name of something
("Internet Governance Forum", also inside "the Working Group on Improvements to the Internet
Governance Forum") does. Titles of documents and names of initiatives still count: they say what
the document or initiative is about ("article 9 of the Convention on the Rights of Persons with
Disabilities", "the World Digital Library").

Where a word occurs weighs too (the second round of rules, measured in docs/ontology.md):

* a word right after a framing phrase ("in the context of", "in the framework of", "bearing in
  mind the importance of") is the setting, not the subject;
* a word of a concept in ``scheme/general-words`` ("infrastructure", "connectivity", "media",
  ...) that is one item of a list of other needs ("financing for infrastructure, equipment,
  capacity building and content") counts for nothing; as the head of its own phrase, in a
  list made mostly of topic words, or after coordinated modifiers ("global, regional and
  national connectivity") it counts;
* a line named only in a cross-reference ("E-learning (see section C4)") is not the subject;
* a short list fragment with no subject of its own ("with Poverty Reduction Strategies") is
  read under the part it belongs to, and concerns what that part's words say.

Then only the most specific line is kept: a C7 sub-line, not also C7 (``skos:broader``).

Each link is stated twice: the plain ``part wsis:concerns topic`` triple that queries use, and a
``wsis:TopicAssignment`` node (``part/topic/<topic>``) that says it was inferred, on which basis,
from which words (``wsis:matchedTerm``) and which concepts or paragraphs
(``prov:wasDerivedFrom``). The result depends only on the two graphs, so ``wsis-kg extract`` output
is stable; the function takes any document graph, so an imported resolution gets its topics the
same way (link its mentions first to count names).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from wsis_kg.extraction.mentions import NAME_PROPERTIES, TEXT_PROPERTIES, fold, name_pattern
from wsis_kg.namespaces import ID, WSIS

#: The scheme whose concepts are only words for an action line or target: a part concerns
#: their ``wsis:topicFor``, not the concept itself.
ACTION_LINE_TOPICS = ID["scheme/action-line-topics"]
#: The scheme of general words: concepts whose words also name a whole field in passing
#: ("infrastructure", "media"); they count only where they are what the part is about.
GENERAL_WORDS = ID["scheme/general-words"]
TERM_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel)
TOPIC_KINDS = (WSIS.ActionLine, WSIS.Target)
_FRAME = re.compile(r"\b(?:in the (?:context|framework) of|bearing in mind(?: the importance of)?)"
                    r"(?: \w+)?\s+$")
#: A list of coordinated items: its separators, the words that open an enumeration (its first
#: item), and the length of an ordinary item (a longer one can only open or close the list).
_CLAUSE_END = re.compile(r"[.;:!?\u2013\u2014]")
_SEPARATOR = re.compile(r",?\s*\b(?:and|or)\b|,")
_LIST_LEAD = re.compile(r"\s*(?:particularly|especially|notably|including|inter alia|such as"
                        r"|in particular|as regards|for example)\b")
_ITEM_WORDS = 5
_CROSS_REFERENCE = re.compile(r"\(see [^)]*\)", re.IGNORECASE)
_FRAGMENT_WORDS = 10


@dataclass(frozen=True)
class Term:
    """One word or phrase of one thesaurus concept, compiled to a whole-word pattern."""

    concept: URIRef
    text: str
    pattern: re.Pattern[str]
    probe: str
    general: bool = False


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    term: Term


@dataclass
class _Evidence:
    basis: set[URIRef]
    terms: set[str]
    derived: set[URIRef]


def thesaurus_terms(thesaurus: Graph) -> list[Term]:
    """Every term of every ``wsis:TopicConcept``, case-insensitive unless it is an acronym-like
    single word ("ODA", "LDCs"), in a deterministic order."""
    terms: list[Term] = []
    for c in sorted(s for s in thesaurus.subjects(RDF.type, WSIS.TopicConcept)
                    if isinstance(s, URIRef)):
        seen: set[str] = set()
        for p in TERM_PROPERTIES:
            for lit in sorted(str(o) for o in thesaurus.objects(c, p) if isinstance(o, Literal)):
                text = " ".join(lit.split())
                if not text or text in seen:
                    continue
                seen.add(text)
                cs = " " not in text and sum(ch.isupper() for ch in text) >= 2
                terms.append(Term(c, text, name_pattern(text, cs), fold(text).lower(),
                                  (c, SKOS.inScheme, GENERAL_WORDS) in thesaurus))
    return terms


def _hits(text: str, terms: Iterable[Term], names: Iterable[str] = (),
          whole: frozenset[str] = frozenset()) -> list[_Hit]:
    """Term occurrences in ``text``; of two overlapping ones the longer (then earlier) wins, so
    "health centres and hospitals" (target e) is not also "health" (e-health). A term right after
    "in the context of" frames the sentence and is not its subject ("In the context of national
    e-strategies, provide ICT connectivity ..." is about connectivity); a term strictly inside one
    of ``names`` (of what the part mentions) is part of that name, unless it is itself one of the
    ``whole`` names (lower case) of the gazetteer."""
    folded = fold(text)
    lowered = folded.lower()
    spans = [(m.start(), m.end()) for n in names for m in name_pattern(n, False).finditer(folded)]
    found = [_Hit(m.start(), m.end(), t) for t in terms if t.probe in lowered
             for m in t.pattern.finditer(folded)
             if not _FRAME.search(lowered, 0, m.start())
             and (t.probe in whole
                  or not any(a <= m.start() and m.end() <= b and b - a > m.end() - m.start()
                             for a, b in spans))]

    def beaten(h: _Hit) -> bool:
        return any(o.start < h.end and h.start < o.end
                   and (o.end - o.start, -o.start) > (h.end - h.start, -h.start) for o in found)

    kept = [h for h in found if not beaten(h)]
    words = [(h.start, h.end) for h in kept]
    return [h for h in kept
            if not (h.term.general and _one_need_among_others(lowered, h, words, spans))]


def _words(s: str) -> int:
    return len(re.findall(r"\w+", s))


def _list_items(lowered: str, hit: _Hit, masked_spans: list[tuple[int, int]]
                ) -> list[tuple[int, int]]:
    """The items of the list of three or more coordinated items ("A, B and C") that ``hit`` is
    one item of, or nothing. Items are the stretches of the clause between commas, "and" and
    "or" (not those inside a matched term: "health centres and hospitals" is one); an ordinary
    item has at most ``_ITEM_WORDS`` words, but the first may carry the clause's lead-in ("...
    provide financing for the development of infrastructure, equipment, capacity building and
    content") and the last, after "and"/"or", a relative clause ("tools and applications that
    facilitate ..."). A word such as "particularly" or "including" opens a new enumeration.
    ``masked_spans`` (matched terms and names) are one word each."""
    a = max((m.end() for m in _CLAUSE_END.finditer(lowered, 0, hit.start)), default=0)
    e = _CLAUSE_END.search(lowered, hit.end)
    b = e.start() if e else len(lowered)
    chars = list(lowered)
    for s, t in masked_spans:
        chars[s:t] = "_" * (t - s)
    masked = "".join(chars)
    items: list[tuple[int, int, str]] = []
    pos, sep = a, ""
    for m in _SEPARATOR.finditer(masked, a, b):
        items.append((pos, m.start(), sep))
        pos, sep = m.end(), m.group().strip(", ")
    items.append((pos, b, sep))
    i = next(k for k, (s, t, _) in enumerate(items) if s <= hit.start < t)

    def long(k: int) -> bool:
        return _words(masked[items[k][0]:items[k][1]]) > _ITEM_WORDS

    def opens(k: int) -> bool:
        return bool(_LIST_LEAD.match(masked, items[k][0], items[k][1]))

    first = i
    if long(i) or opens(i):
        if _words(masked[hit.start:items[i][1]]) > _ITEM_WORDS:
            return []
    else:
        while first > 0:
            first -= 1
            if long(first) or opens(first):
                break
    last = i
    while last + 1 < len(items) and not opens(last + 1):
        if long(last + 1):
            if items[last + 1][2] in ("and", "or"):
                last += 1
            break
        last += 1
    run = items[first:last + 1]
    if len(run) < 3 or "" not in {sep for _, _, sep in run[1:]}:
        return []
    if i - first >= 2 and _words(masked[items[i][0]:hit.start]) and all(
            _words(masked[s:t]) == 1 for s, t, _ in items[first + 1:i]):
        return []  # "global, regional and national connectivity": modifiers of one thing
    return [(s, t) for s, t, _ in run]


def _one_need_among_others(lowered: str, hit: _Hit, words: list[tuple[int, int]],
                           names: list[tuple[int, int]]) -> bool:
    """A term that is one item of a list whose items are mostly not topic words names one need
    among others, not what the part is about: "infrastructure, content and applications",
    "infrastructure, technical resources and the development of human skills". A list made
    mostly of topic words is the subject itself ("build infrastructure, promote ICTs in
    education, health and governance")."""
    items = _list_items(lowered, hit, words + names)
    topical = sum(any(s <= a < t for a, _ in words) for s, t in items)
    return bool(items) and 2 * topical <= len(items)


def _named_outside_cross_references(texts: list[str], names: list[str]) -> bool:
    """Whether a part names a line or target other than in a cross-reference: "E-learning (see
    section C4)" sends the reader to C4, it is not about C4. Without a cross-reference, every
    mention counts (its words are the mention linker's to find)."""
    if not any(_CROSS_REFERENCE.search(t) for t in texts):
        return True
    rest = [fold(_CROSS_REFERENCE.sub(" ", t)) for t in texts]
    return any(name_pattern(n, False).search(r) for n in names if n.strip() for r in rest)


def _is_fragment(texts: list[str]) -> bool:
    """A short piece of a list that continues its heading's sentence ("with Poverty Reduction
    Strategies" under "E-strategies integrated in national development plans"): it has no
    subject of its own and is read under its heading."""
    return len(texts) == 1 and texts[0].strip()[:1].islower() and _words(
        texts[0]) <= _FRAGMENT_WORDS


def _ancestors(graph: Graph, part: URIRef) -> list[URIRef]:
    out: list[URIRef] = []
    node: URIRef | None = part
    while node is not None and len(out) < 10:
        up = graph.value(node, DCTERMS.isPartOf)
        node = up if isinstance(up, URIRef) else None
        if node is not None:
            out.append(node)
    return out


def _slug(topic: URIRef) -> str:
    s = str(topic)
    return (s[len(str(ID)):] if s.startswith(str(ID)) else s.rsplit("/", 1)[-1]).replace("/", "-")


def topics_for(graph: Graph, thesaurus: Graph) -> Graph:
    """The topic graph of one document graph: ``wsis:concerns`` and its ``wsis:TopicAssignment``
    nodes for every part with a ``wsis:text`` or ``wsis:heading``. ``thesaurus`` is the curated
    data (action lines, targets and ``data/curated/thesaurus.ttl``)."""
    terms = thesaurus_terms(thesaurus)
    topics = {s for k in TOPIC_KINDS for s in thesaurus.subjects(RDF.type, k)}
    line_of_paragraph: dict[URIRef, set[URIRef]] = defaultdict(set)
    for line, para in thesaurus.subject_objects(WSIS.planOfActionParagraph):
        if isinstance(line, URIRef) and isinstance(para, URIRef):
            line_of_paragraph[para].add(line)
    concepts = set(thesaurus.subjects(RDF.type, WSIS.TopicConcept)) | topics
    # documents (they have a title) and initiatives are named after what they are about
    about_something = set(thesaurus.subjects(DCTERMS.title, None)) | set(
        thesaurus.subjects(RDF.type, WSIS.Initiative))
    whole = frozenset(" ".join(fold(str(n)).lower().split())
                      for p in NAME_PROPERTIES for e, n in thesaurus.subject_objects(p)
                      if isinstance(n, Literal) and e not in concepts)
    out = Graph()
    parts = sorted({s for p in TEXT_PROPERTIES for s in graph.subjects(p, None)
                    if isinstance(s, URIRef)})
    for part in parts:
        found: dict[URIRef, _Evidence] = defaultdict(lambda: _Evidence(set(), set(), set()))
        texts = [str(t) for p in TEXT_PROPERTIES for t in graph.objects(part, p)]
        for e in graph.objects(part, WSIS.mentions):
            if isinstance(e, URIRef) and e in topics and _named_outside_cross_references(
                    texts, [str(n) for p in (*NAME_PROPERTIES, SKOS.notation)
                            for n in thesaurus.objects(e, p)]):
                found[e].basis.add(WSIS.NameBasis)
        names = sorted({" ".join(str(n).split()) for e in graph.objects(part, WSIS.mentions)
                        if e not in topics and e not in about_something for p in NAME_PROPERTIES
                        for n in thesaurus.objects(e, p) if isinstance(n, Literal)})
        structure: dict[URIRef, set[URIRef]] = defaultdict(set)
        for anc in _ancestors(graph, part) + [part]:
            for line in line_of_paragraph.get(anc, ()):
                structure[line].add(anc)
        hits = [(text, h) for text in texts for h in _hits(text, terms, names, whole)]
        parent = graph.value(part, DCTERMS.isPartOf)
        fragment = not hits and not found and not structure and _is_fragment(texts)
        if fragment and isinstance(parent, URIRef):
            hits = [(str(text), h) for p in TEXT_PROPERTIES for text in graph.objects(parent, p)
                    for h in _hits(str(text), terms, names, whole)]
        for text, h in hits:
            c = h.term.concept
            matched = " ".join(fold(text)[h.start:h.end].split())
            targets = [t for t in thesaurus.objects(c, WSIS.topicFor) if isinstance(t, URIRef)]
            if (c, SKOS.inScheme, ACTION_LINE_TOPICS) not in thesaurus or not targets:
                targets.append(c)
            for t in targets:
                ev = found[t]
                ev.basis.add(WSIS.StructureBasis if fragment else WSIS.TermBasis)
                ev.terms.add(matched)
                ev.derived.update((c, parent) if fragment and isinstance(parent, URIRef) else (c,))
        for line, ancestors in structure.items():
            ev = found[line]
            ev.basis.add(WSIS.StructureBasis)
            ev.derived.update(ancestors)
        broader = {b for t in found for b in thesaurus.objects(t, SKOS.broader)}
        for topic in sorted(set(found) - broader):
            ev = found[topic]
            node = URIRef(f"{part}/topic/{_slug(topic)}")
            out.add((part, WSIS.concerns, topic))
            out.add((part, WSIS.topicAssignment, node))
            out.add((node, RDF.type, WSIS.TopicAssignment))
            out.add((node, WSIS.topic, topic))
            for b in sorted(ev.basis):
                out.add((node, WSIS.basis, b))
            for t in sorted(ev.terms):
                out.add((node, WSIS.matchedTerm, Literal(t, lang="en")))
            for d in sorted(ev.derived):
                out.add((node, PROV.wasDerivedFrom, d))
    return out
