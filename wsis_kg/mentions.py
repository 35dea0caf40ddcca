"""Mention linking: placeholder until the curated-gazetteer part lands (links nothing yet)."""

from rdflib import Graph


def link_mentions(doc_graph: Graph, gazetteer: Graph) -> None:
    """Add ``wsis:mentions`` triples from each part of ``doc_graph`` to the gazetteer entries."""
