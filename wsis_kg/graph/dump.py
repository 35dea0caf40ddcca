"""Whole-dataset dumps; N-Quads dumps are byte-stable (canonical blank nodes, sorted lines)."""

from __future__ import annotations

from typing import BinaryIO

import pyoxigraph as ox

from wsis_kg.errors import BadRequest
from wsis_kg.rdf.formats import (
    JSON_LD,
    N_QUADS,
    N_TRIPLES,
    RDF_XML,
    TRIG,
    TURTLE,
    Format,
    rdf_format,
    serialize_triples,
)
from wsis_kg.store.embedded import GraphStore

#: The dump formats by name, in the order they are listed (VoID, the dumps page); the
#: formats themselves are the registry's (``wsis_kg.rdf.formats``).
DUMP_FORMATS: dict[str, Format] = {
    f.name: f for f in (N_QUADS, TRIG, TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
}


def dump_format(name_or_extension: str) -> Format | None:
    """The dump format a name (``nquads``) or a file extension (``nq``) stands for."""
    key = name_or_extension.lower()
    return DUMP_FORMATS.get(key) or next(
        (f for f in DUMP_FORMATS.values() if key == f.extension), None)


def canonical_dataset(store: GraphStore) -> ox.Dataset:
    ds = ox.Dataset(store.quads())
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return ds


def canonical_nquads(store: GraphStore) -> bytes:
    """N-Quads of every quad, blank nodes labelled canonically, lines in code-point order."""
    ds = canonical_dataset(store)
    lines = sorted(ox.serialize([q], format=rdf_format(N_QUADS)) for q in ds)
    return b"".join(lines)


def dump(store: GraphStore, fmt: str, out: BinaryIO) -> None:
    """Write the whole dataset; triple-only formats get the union of the graphs."""
    if fmt not in DUMP_FORMATS:
        raise BadRequest(f"unknown dump format {fmt!r}; choose one of {', '.join(DUMP_FORMATS)}")
    if fmt == N_QUADS.name:
        out.write(canonical_nquads(store))
        return
    f = DUMP_FORMATS[fmt]
    ds = canonical_dataset(store)
    if f.dataset:
        items = sorted(ds, key=str)
    else:
        items = sorted({q.triple for q in ds}, key=str)
    out.write(serialize_triples(items, f))
