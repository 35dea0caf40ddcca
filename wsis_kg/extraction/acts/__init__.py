"""What the paragraphs do: mandates (who is asked to do what, by when, reporting to whom), the
times the texts print, and the documents they cite by name.

:func:`acts_for` takes a document graph (as the source extractors or the resolution importer
produce it, mentions linked) with the curated gazetteer and the ontology, and returns the new
triples; ``wsis-kg extract`` writes them to ``data/extracted/<doc>-acts.ttl``.
"""

from wsis_kg.extraction.acts.build import acts_for

__all__ = ["acts_for"]
