"""Whole-dataset dumps; N-Quads dumps are byte-stable (canonical blank nodes, sorted lines)."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from wsis_kg.errors import BadRequest
from wsis_kg.namespaces import PREFIXES
from wsis_kg.store.embedded import GraphStore

#: dump format name → (pyoxigraph format, whether it keeps named graphs)
DUMP_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "jsonld": (ox.RdfFormat.JSON_LD, True),
    "rdfxml": (ox.RdfFormat.RDF_XML, False),
}


def canonical_dataset(store: GraphStore) -> ox.Dataset:
    ds = ox.Dataset(store.quads())
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return ds


def canonical_nquads(store: GraphStore) -> bytes:
    """N-Quads of every quad, blank nodes labelled canonically, lines in code-point order."""
    ds = canonical_dataset(store)
    lines = sorted(ox.serialize([q], format=ox.RdfFormat.N_QUADS) for q in ds)
    return b"".join(lines)


def dump(store: GraphStore, fmt: str, out: BinaryIO) -> None:
    """Write the whole dataset; triple-only formats get the union of the graphs."""
    if fmt not in DUMP_FORMATS:
        raise BadRequest(f"unknown dump format {fmt!r}; choose one of {', '.join(DUMP_FORMATS)}")
    if fmt == "nquads":
        out.write(canonical_nquads(store))
        return
    rdf_format, quads = DUMP_FORMATS[fmt]
    ds = canonical_dataset(store)
    if quads:
        items = sorted(ds, key=str)
    else:
        items = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in ds}, key=str)
    kwargs = {}
    if fmt in ("trig", "turtle", "rdfxml"):
        kwargs["prefixes"] = PREFIXES
    ox.serialize(items, out, format=rdf_format, **kwargs)
