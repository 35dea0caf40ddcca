"""The act-kind table of the extractor and the SKOS scheme data/curated/act-kinds.ttl agree."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from wsis_kg.extraction.acts.scheme import ACT_KINDS, CLAUSE_VERB, SCHEME, imperative_kind, kind_of
from wsis_kg.namespaces import WSIS
from wsis_kg.settings import Settings


@pytest.fixture(scope="module")
def scheme(settings: Settings) -> Graph:
    return Graph().parse(settings.data_dir / "curated" / "act-kinds.ttl")


def test_one_row_per_concept(scheme: Graph) -> None:
    concepts = set(scheme.subjects(RDF.type, WSIS.ActKind))
    assert concepts == {k.iri for k in ACT_KINDS}
    assert set(scheme.objects(SCHEME, SKOS.hasTopConcept)) == concepts
    for c in concepts:
        assert scheme.value(c, SKOS.definition) is not None, c


def test_every_printed_phrase_is_recognised_as_its_kind(scheme: Graph) -> None:
    """The skos:altLabel phrases ("Calls on", "We request") are what the table recognises."""
    for k in ACT_KINDS:
        for label in scheme.objects(k.iri, SKOS.altLabel):
            phrase = str(label)
            if k.pattern is None:
                continue
            if phrase[:1].isupper() and " " not in phrase.strip() and not phrase.endswith("s"):
                kind = imperative_kind(phrase)  # "Encourage", "Invite": imperative items
                assert kind is not None and kind.slug == k.slug, phrase
                continue
            m = CLAUSE_VERB.search(phrase + " the Secretary-General to report")
            assert m is not None and kind_of(m).slug == k.slug, phrase


@pytest.mark.parametrize(("word", "slug"), [
    ("Develop", "action-item"), ("Assess", "action-item"), ("Encourage", "encourages"),
    ("Invite", "invites"), ("Governments", None), ("Recognizing", None), ("In", None),
    ("Elaboration", None), ("encourage", None),
])
def test_imperatives(word: str, slug: str | None) -> None:
    kind = imperative_kind(word)
    assert (kind.slug if kind else None) == slug
