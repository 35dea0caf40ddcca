"""The kinds of act a provision performs, and the phrases that say which.

The kinds are the SKOS scheme ``data/curated/act-kinds.ttl`` (labels, definitions, the UN's
operative phrases as ``skos:altLabel``); this table is how the extractor recognises them: one
row per concept, the verb forms that perform it. Both are checked against each other by
``tests/extraction/acts/test_scheme.py``.

The verbs are the operative verbs of UN resolutions that ask someone to act ("Requests the
Secretary-General to …", "calls upon all stakeholders to …") in the two persons the texts use:
the third person of a resolution ("requests") and the first person plural of a summit text
("We request", "We call upon and encourage"). The citing verbs of
:mod:`wsis_kg.extraction.verbs` ("recalls", "takes note of") say how a text cites another, not
what it asks, so they are not here; a paragraph can do both ("Recalls paragraph 22 …, and
requests the Secretary-General to …").

Two kinds have no verb of their own: a provision of a plan that says what someone *should*
do ("Governments should take action …") and an imperative item of a plan ("Develop and
strengthen national … infrastructure").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from wsis_kg.namespaces import ID

SCHEME = ID["act-kind"]


@dataclass(frozen=True)
class ActKind:
    slug: str
    pattern: str | None  # verb forms, matched case-insensitively between word boundaries

    @property
    def iri(self) -> URIRef:
        return ID[f"act-kind/{self.slug}"]


#: In the order a clause is tried: "calls upon and encourages" is a call.
ACT_KINDS: tuple[ActKind, ...] = (
    ActKind("requests", r"requests?|asks?"),
    ActKind("calls-upon", r"calls?\s+(?:up)?on"),
    ActKind("urges", r"urges?"),
    ActKind("invites", r"invites?"),
    ActKind("encourages", r"(?:strongly\s+)?encourages?"),
    ActKind("recommends", r"recommends?"),
    ActKind("decides", r"decides?"),
    ActKind("should", None),
    ActKind("action-item", None),
)
BY_SLUG = {k.slug: k for k in ACT_KINDS}

#: A clause that performs an act: the verb at the start of the text, or after "and", ";", ",",
#: "We"/"we", optionally with "also", "further", "accordingly" or "in this regard" between.
CLAUSE_VERB = re.compile(
    r"(?:^|(?<=[;,]\s)|(?<=\band\s)|(?<=\b[Ww]e\s))"
    r"(?:(?:also|further|accordingly|in\s+this\s+regard|therefore)\s+)*"
    r"(?P<verb>" + "|".join(f"(?P<{k.slug.replace('-', '_')}>{k.pattern})" for k in ACT_KINDS
                            if k.pattern) + r")\b",
    re.IGNORECASE)

#: A provision stating what someone should do: "<subject> should|could|is to …".
MODAL = re.compile(r"\b(?:should|shall|is\s+to|are\s+to)\b")

#: First words that do not open an imperative item (determiners, prepositions, nouns).
NOT_IMPERATIVE = frozenset(
    "the a an all each every in by for through within while we further appropriate to on at "
    "upon with government governments countries national international public-private "
    "gender-specific follow-up alert development elaboration volunteering common effective un "
    "existing".split())


def kind_of(match: re.Match[str]) -> ActKind:
    """The kind of the verb :data:`CLAUSE_VERB` matched."""
    return next(BY_SLUG[k.replace("_", "-")] for k, v in match.groupdict().items()
                if v and k != "verb")


def imperative_kind(first_word: str) -> ActKind | None:
    """The kind of an item opening with ``first_word`` when that is an imperative verb
    ("Encourage" → encourages, "Develop" → action-item), else None.

    An imperative opens with a capitalised base-form verb: not a word of
    :data:`NOT_IMPERATIVE` and without the endings of a third-person verb, a participle or a
    noun ("Recognizing", "Governments", "Elaboration")."""
    w = first_word.strip("[(,;:")
    if not w[:1].isupper() or w.lower() in NOT_IMPERATIVE or not re.fullmatch(r"[A-Za-z]+", w):
        return None
    if re.search(r"(?:(?<!s)s|ing|ed|ion|ment|al|ic|ty)$", w.lower()):
        return None
    for k in ACT_KINDS:
        if k.pattern and re.fullmatch(k.pattern, w, re.IGNORECASE):
            return k
    return BY_SLUG["action-item"]
