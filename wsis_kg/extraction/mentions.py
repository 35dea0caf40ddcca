"""Mention linking: ``?part wsis:mentions ?entity`` from the text of every document part.

The gazetteer is the curated data (``data/curated/*.ttl``): every action line, organisation,
post, target, event, document, initiative and index there is looked for in the ``wsis:text`` and
``wsis:heading`` of each part of a source document, under all of its names (``skos:prefLabel``,
``skos:altLabel``, ``skos:hiddenLabel``, ``rdfs:label``, ``dcterms:title``, ``wsis:acronym``).
Resolutions are found by their numbers ("resolution 63/202", "2009/7") and action lines also by
their codes ("C7", "action line C2"; the Cyrillic "С" of the Russian annex counts as "C").

Rules that keep false positives out (why each exists is in the test fixtures):

* names match whole words only ("ILO" never inside a word);
* acronyms and one-word names with several capitals ("WHO", "UN-Habitat") match with their
  case ("WHO" is not "who"); action-line titles too, because in running prose the same words are
  ordinary phrases ("international and regional cooperation"); other names ignore case;
* of two overlapping names of the same kind only the longer counts ("United Nations" inside
  "United Nations Conference on Trade and Development", "Secretary-General" inside
  "Secretary-General of the International Telecommunication Union", "secretariat of the United
  Nations" overlapping "United Nations Conference on Trade and Development"); names of other
  kinds inside a name still count (ITU inside that post), except an event name inside the name
  of a document, initiative or index ("World Summit" inside "2005 World Summit Outcome",
  "WSIS" inside "WSIS Golden Book");
* resolution numbers preceded by "/" or "." are document symbols ("A/60/687"), not resolutions,
  and only resolutions the gazetteer or the document graph itself (the importer's cited
  resolutions) knows are linked; a part never mentions its own document.

The result depends only on the two graphs, so ``wsis-kg extract`` output is stable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from wsis_kg.namespaces import WSIS, resolution_iri

#: Class → kind of entity, for the class and (read from the ontology) all its subclasses. A
#: subject with several types takes the first kind listed here (a resolution is a document).
KIND_OF_ROOT_CLASS: tuple[tuple[URIRef, str], ...] = (
    (WSIS.Resolution, "resolution"),
    (WSIS.ActionLine, "action-line"),
    (WSIS.Target, "target"),
    (WSIS.Post, "post"),
    (WSIS.Organisation, "organisation"),
    (WSIS.Event, "event"),
    (WSIS.Document, "document"),
    (WSIS.Initiative, "initiative"),
    (WSIS.Index, "index"),
)
#: Kinds whose names often contain an event's name without being about the event.
NAMING_KINDS = frozenset({"document", "initiative", "index"})
NAME_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, RDFS.label, DCTERMS.title)
TEXT_PROPERTIES = (WSIS.text, WSIS.heading)

# One-to-one character folding (keeps string length, so spans stay valid): curly apostrophes
# and the Cyrillic capital Es that Annex A of the Tunis draft prints in "С1", "С2".
_FOLD = str.maketrans({"\u2019": "'", "\u2018": "'", "\u0421": "C"})
_CODE = re.compile(r"(?<!\w)C(\d{1,2})(?!\w)")
_RESOLUTION_NUMBER = re.compile(r"(?<![\w/.])(\d{2,4})/(\d{1,3})(?:\s([A-Z])(?!\w))?(?![\w/])")


@dataclass(frozen=True)
class Name:
    """One name of one gazetteer entity, compiled to a whole-word pattern."""

    entity: URIRef
    kind: str
    text: str
    pattern: re.Pattern[str]
    probe: str  # lower-cased name: a cheap substring test before the regex runs


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity: URIRef
    kind: str


def fold(s: str) -> str:
    return s.translate(_FOLD)


def _case_sensitive(name: str, kind: str, is_acronym: bool) -> bool:
    if is_acronym or kind == "action-line-title":
        return True
    # one word with two or more capitals: an acronym-like name ("UNGA", "UN/DESA", "UN-Habitat")
    return " " not in name.strip() and sum(c.isupper() for c in name) >= 2


def name_pattern(name: str, case_sensitive: bool) -> re.Pattern[str]:
    words = [re.escape(w) for w in fold(name).split()]
    body = r"\s+".join(words)
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if case_sensitive else re.IGNORECASE)


def kind_of_class(ontology: Graph) -> tuple[tuple[URIRef, str], ...]:
    """:data:`KIND_OF_ROOT_CLASS` with every ``rdfs:subClassOf*`` of each root in the ontology,
    in root order: which classes are organisations or events is the ontology's to say."""
    return tuple((c, kind) for root, kind in KIND_OF_ROOT_CLASS
                 for c in sorted(set(ontology.transitive_subjects(RDFS.subClassOf, root)) | {root})
                 if isinstance(c, URIRef))


def entity_kind(gazetteer: Graph, s: URIRef,
                kinds: tuple[tuple[URIRef, str], ...]) -> str | None:
    types = set(gazetteer.objects(s, RDF.type))
    for cls, kind in kinds:
        if cls in types:
            return kind
    return None


def gazetteer_names(gazetteer: Graph, ontology: Graph) -> list[Name]:
    """Every matchable name of every entity, sorted for a deterministic scan order."""
    names: list[Name] = []
    seen: set[tuple[URIRef, str, bool]] = set()
    subjects = sorted({s for s in gazetteer.subjects(RDF.type, None) if isinstance(s, URIRef)})
    kinds = kind_of_class(ontology)
    for s in subjects:
        kind = entity_kind(gazetteer, s, kinds)
        if kind is None or kind == "resolution":  # resolutions: by number only (titles are prose)
            continue
        is_subline = kind == "action-line" and (s, SKOS.broader, None) in gazetteer
        labels = [(str(o), False) for p in NAME_PROPERTIES for o in gazetteer.objects(s, p)
                  if isinstance(o, Literal)]
        labels += [(str(o), True) for o in gazetteer.objects(s, WSIS.acronym)]
        for label, is_acronym in labels:
            label = " ".join(label.split())
            if not label:
                continue
            rule = "action-line-title" if kind == "action-line" and not is_subline else kind
            cs = _case_sensitive(label, rule, is_acronym)
            if (s, label, cs) in seen:
                continue
            seen.add((s, label, cs))
            names.append(Name(s, kind, label, name_pattern(label, cs), fold(label).lower()))
    names.sort(key=lambda n: (str(n.entity), n.text))
    return names


def _action_line_codes(gazetteer: Graph) -> dict[str, URIRef]:
    """"C7" → the top-level action line whose skos:notation it is."""
    out: dict[str, URIRef] = {}
    for s, code in gazetteer.subject_objects(SKOS.notation):
        if isinstance(s, URIRef) and re.fullmatch(r"C\d{1,2}", str(code)) and \
                (s, RDF.type, WSIS.ActionLine) in gazetteer:
            out[str(code)] = s
    return out


def find_matches(text: str, names: Iterable[Name], codes: dict[str, URIRef]) -> list[Match]:
    """All name and code matches in ``text`` (before the containment rule)."""
    folded = fold(text)
    lowered = folded.lower()
    found: list[Match] = []
    for n in names:
        if n.probe not in lowered:
            continue
        found += [Match(m.start(), m.end(), n.entity, n.kind) for m in n.pattern.finditer(folded)]
    for m in _CODE.finditer(folded):
        if (al := codes.get("C" + m.group(1))) is not None:
            found.append(Match(m.start(), m.end(), al, "action-line"))
    return found


def _beaten(m: Match, o: Match) -> bool:
    """Whether match ``o`` takes away match ``m`` (see the module docstring)."""
    if o.entity == m.entity:
        return False
    if o.kind == m.kind:  # overlapping names of one kind: the longer wins, then the earlier
        overlap = o.start < m.end and m.start < o.end
        longer = (o.end - o.start, -o.start) > (m.end - m.start, -m.start)
        return overlap and longer
    # an event name inside the name of a document, initiative or index is part of that name
    # ("2005 World Summit Outcome", "WSIS Golden Book")
    return (o.kind in NAMING_KINDS and m.kind == "event"
            and o.start <= m.start and m.end <= o.end)


def keep_mentions(matches: list[Match]) -> set[URIRef]:
    """Apply the overlap rules; the entities that remain are the part's mentions."""
    return {m.entity for m in matches if not any(_beaten(m, o) for o in matches)}


def resolution_mentions(text: str, known: set[URIRef]) -> Iterator[URIRef]:
    """Resolutions cited by number: 4-digit session years are ECOSOC, others General Assembly."""
    for m in _RESOLUTION_NUMBER.finditer(fold(text)):
        first, number, letter = m.group(1), m.group(2), m.group(3) or ""
        body = "E" if len(first) == 4 else "A"
        base = f"{body}-RES-{first}-{number}"
        for candidate in ((base + letter, base) if letter else (base,)):
            iri = resolution_iri(candidate)
            if iri in known:
                yield iri
                break


def link_mentions(doc_graph: Graph, gazetteer: Graph, ontology: Graph) -> None:
    """Add ``wsis:mentions`` triples from each part of ``doc_graph`` to the gazetteer entries
    (their kinds read from the ``ontology``'s class hierarchy)."""
    names = gazetteer_names(gazetteer, ontology)
    codes = _action_line_codes(gazetteer)
    known_resolutions = {s for g in (gazetteer, doc_graph)
                         for s in g.subjects(RDF.type, WSIS.Resolution) if isinstance(s, URIRef)}
    parts = sorted({s for p in TEXT_PROPERTIES for s in doc_graph.subjects(p, None)
                    if isinstance(s, URIRef)})
    for part in parts:
        own_docs = set(doc_graph.objects(part, WSIS.inDocument))
        entities: set[URIRef] = set()
        for p in TEXT_PROPERTIES:
            for text in doc_graph.objects(part, p):
                t = str(text)
                entities |= keep_mentions(find_matches(t, names, codes))
                entities |= set(resolution_mentions(t, known_resolutions))
        for e in sorted(entities - own_docs - {part}):
            doc_graph.add((part, WSIS.mentions, e))
