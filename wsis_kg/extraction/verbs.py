"""The citing verbs: which verb introduces which sub-property of ``wsis:cites``.

One table for both citation readers (``extraction.sources.citations`` for the seed texts,
``extraction.importer.citations`` for imported resolutions), with the union of the inflections
they used to accept: the bare verb and the third person ("We recall", "recalls"), the
participles that open preambular clauses ("Recalling", "Reaffirming") and the phrasal forms
("takes note with appreciation of", "notes also"). Patterns are matched case-insensitively
between word boundaries.

Past forms ("recalled", "endorsed", "noted"), which the seed-text reader also listed, are left
out: in these texts they describe the cited thing ("the Tunis Agenda ... endorsed by the General
Assembly", A/RES/66/184 preamble 3), they do not say how the paragraph cites it. No seed text
needed them; with them the importer turned that paragraph's recalls into endorsements.
"""

from __future__ import annotations

from rdflib import URIRef

from wsis_kg.namespaces import WSIS

#: (pattern, property), in the order the seed-text reader tries them.
CITING_VERBS: tuple[tuple[str, URIRef], ...] = (
    (r"recall(?:s|ing)?", WSIS.recalls),
    (r"reaffirm(?:s|ing)?", WSIS.reaffirms),
    (r"tak(?:es|ing)\s+note(?:\s+with\s+\w+)?\s+of", WSIS.takesNoteOf),
    (r"welcom(?:es|ing)?", WSIS.welcomes),
    (r"not(?:es|ing)(?:\s+(?:also|further|with\s+\w+))?", WSIS.notes),
    (r"endors(?:es|ing)", WSIS.endorses),
)

#: The properties of :data:`CITING_VERBS`: a citation "as such" rather than plain ``wsis:cites``.
SPECIFIC: tuple[URIRef, ...] = tuple(p for _, p in CITING_VERBS)

#: Other verbs of resolution clauses: a citation they govern is plain ``wsis:cites``.
OTHER_VERBS = (r"(?:recogniz|recognis|stress|emphasiz|emphasis|encourag|urg|request|invit|decid|"
               r"acknowledg|highlight|commend|recommend|reiterat|underlin|affirm|appreciat|approv|"
               r"consider|call|express|look|support|regrett|deplor|condemn|appeal|agree|"
               r"sress|believ|welcom)(?:es|s|ing)")
