"""Reasoning: placeholder until the ontology part lands (materialises nothing yet)."""

from wsis_kg.store import GraphStore


def materialise(store: GraphStore) -> int:
    """Write inferred triples into graph/inferred; returns how many."""
    return 0
