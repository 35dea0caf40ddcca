"""Whole-dataset dumps; N-Quads dumps are byte-stable (canonical blank nodes, sorted lines)."""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from wsis_kg.errors import (
    BackupUnavailable,
    BadRequest,
    ServiceBusy,
    StoreError,
    StoreNotEmpty,
)
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
from wsis_kg.rdf.parse import parse_file
from wsis_kg.settings import Settings
from wsis_kg.store import open_store
from wsis_kg.store.embedded import GraphStore, OxigraphStore

#: The dump formats by name, in the order they are listed (VoID, the dumps page); the
#: formats themselves are the registry's (``wsis_kg.rdf.formats``).
DUMP_FORMATS: dict[str, Format] = {
    f.name: f for f in (N_QUADS, TRIG, TURTLE, N_TRIPLES, JSON_LD, RDF_XML)
}


#: Every dump is also served gzip-compressed: as ``Content-Encoding: gzip`` to a client that
#: accepts it, and as a ``.gz`` download (``wsis-kg.nq.gz``) of this media type. VoID/DCAT list
#: the ``.gz`` files as distributions with ``dcat:compressFormat``.
GZIP_EXTENSION = "gz"
GZIP_MEDIA_TYPE = "application/gzip"


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


# -- Restore and backup -------------------------------------------------------------------------
# A dump is the portable copy of the dataset (any store, any Oxigraph version); a backup is the
# store directory itself, cheap (hard links) but only readable by Oxigraph. See
# docs/operations.md.

#: Dumps that keep the named graphs: the only ones a dataset can be restored from (a Turtle
#: dump is the union of the graphs; restoring it would lose which graph said what).
RESTORABLE_FORMATS = tuple(name for name, f in DUMP_FORMATS.items() if f.dataset)


@dataclass
class CopyReport:
    """What a restore or a backup wrote: quads, named graphs, and the quads it replaced."""

    quads: int
    graphs: int
    replaced: int


def read_dump(path: Path, fmt: str | None = None) -> list[ox.Quad]:
    """Every quad of a dump file, read completely before anything is written.

    Reading first is what makes a restore all-or-nothing against a corrupt or truncated file:
    the syntax error (file:line:column, exit 2) comes before the store is touched.
    """
    f = dump_format(fmt or path.suffix.lstrip("."))
    if f is None or f.name not in RESTORABLE_FORMATS:
        raise BadRequest(
            f"{path}: cannot restore from {fmt or path.suffix or 'this file'!r}: a dump that "
            f"keeps the named graphs is needed ({', '.join(RESTORABLE_FORMATS)}); "
            "name it with --format")
    return parse_file(path, rdf_format(f)).quads


def insert_data(quads: list[ox.Quad]) -> str:
    """One ``INSERT DATA`` holding ``quads`` (blank node labels stay shared across graphs, as
    they are in the dump, since they are scoped to the one operation)."""
    by_graph: dict[str | None, list[str]] = {}
    for q in quads:
        g = None if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        by_graph.setdefault(g, []).append(f"{q.subject} {q.predicate} {q.object} .")
    parts = [
        "\n".join(lines) if g is None else f"GRAPH {g} {{\n" + "\n".join(lines) + "\n}"
        for g, lines in by_graph.items()
    ]
    return "INSERT DATA {\n" + "\n".join(parts) + "\n}"


def restore(settings: Settings, path: Path, fmt: str | None = None, *,
            replace: bool = False) -> CopyReport:
    """Load a dump into the store the settings name, in one transaction.

    The target must be empty unless ``replace`` (then its content is dropped in the same
    transaction). The dump is parsed completely first and written by one SPARQL Update, which
    Oxigraph applies wholly or not at all: a bad dump or a failed write leaves the target as it
    was.
    """
    if settings.store in ("", "memory", ":memory:"):
        raise BadRequest("restore needs a persistent store: --store DIR")
    target = Path(settings.store)
    if not settings.is_remote and target.exists() and not _is_store_dir(target) and (
            not target.is_dir() or any(target.iterdir())):
        raise BadRequest(f"{target} is neither a store directory nor empty; nothing was written")
    quads = read_dump(path, fmt)
    store = _open(settings)
    try:
        before = len(store)
        if before and not replace:
            raise StoreNotEmpty(
                f"the store {settings.store} already holds {before} quads; restore into an "
                "empty store, or pass --replace to drop them in the same transaction",
                quads=before)
        ops = (["CLEAR ALL"] if before else []) + [insert_data(quads)]
        try:
            store.update(" ;\n".join(ops))
        except (OSError, SyntaxError, ValueError) as e:
            raise StoreError(f"the restore failed and was rolled back: {e}") from None
        return CopyReport(len(store), len(store.named_graphs()), before)
    finally:
        store.close()
        del store  # an error's traceback would otherwise keep the store's lock


#: One online backup at a time in a process (a second is refused with 503, never queued).
_BACKUP_LOCK = threading.Lock()


def checkpoint(store: GraphStore, target: Path) -> None:
    """Copy the open on-disk ``store`` into the new directory ``target``.

    Oxigraph's ``Store.backup`` is a RocksDB checkpoint: consistent while writes go on (it
    holds every transaction committed before it, and none partly), made of hard links to the
    immutable files when ``target`` is on the same file system, so it costs about as much as
    listing the files. It is only available in the process that holds the store: for a running
    service, that is the service itself (``POST /admin/backup``).
    """
    if not isinstance(store, OxigraphStore) or store.path is None:
        raise BackupUnavailable("only an on-disk store (--store DIR) can be backed up; an "
                                "in-memory or remote store cannot: take a dump instead")
    try:
        store.ox.backup(str(target))
    except OSError as e:
        raise StoreError(f"the backup into {target.name} failed: {e}") from None


def online_backup(store: GraphStore, backup_dir: Path, keep: int = 0) -> tuple[str, list[str]]:
    """Back up the open ``store`` into a new directory below ``backup_dir`` (the operator's
    setting, never a caller's path) named by the UTC time. One at a time.

    ``keep`` > 0: once the new backup is complete, the oldest backups beyond the newest
    ``keep`` are removed (only directories this function names, so nothing else the operator
    keeps there is touched). Returns the new backup's name and the names removed.
    """
    if not _BACKUP_LOCK.acquire(blocking=False):
        raise ServiceBusy("a backup is being written; retry in a few seconds", retry_after=5)
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        name = _BACKUP_PREFIX + datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        checkpoint(store, backup_dir / name)
        return name, (_prune(backup_dir, keep) if keep > 0 else [])
    finally:
        _BACKUP_LOCK.release()


_BACKUP_PREFIX = "wsis-kg-"
_BACKUP_NAME = re.compile(r"wsis-kg-\d{8}T\d{6}\.\d{6}Z")


def _prune(backup_dir: Path, keep: int) -> list[str]:
    """Remove the oldest backups beyond the newest ``keep`` (names sort by time)."""
    ours = sorted(p.name for p in backup_dir.iterdir()
                  if p.is_dir() and _BACKUP_NAME.fullmatch(p.name))
    old = ours[:-keep]
    for gone in old:
        shutil.rmtree(backup_dir / gone)
    return old


def backup(settings: Settings, target: Path) -> CopyReport:
    """Copy an on-disk store (not in use by a server) into ``target`` with Oxigraph's backup:
    hard links to the immutable files on the same file system, a full copy elsewhere."""
    if settings.is_remote or settings.store in ("", "memory", ":memory:"):
        raise BadRequest("backup needs an on-disk store: --store DIR")
    if target.exists():
        raise BadRequest(f"{target} exists; a backup goes into a new directory")
    if not _is_store_dir(Path(settings.store)):
        raise BadRequest(f"{settings.store} is not a store directory")
    store = _open(settings)
    try:
        checkpoint(store, target)
        return CopyReport(len(store), len(store.named_graphs()), 0)
    finally:
        store.close()
        del store


def _is_store_dir(path: Path) -> bool:
    """Whether ``path`` holds an on-disk store (RocksDB's ``CURRENT`` file names its state)."""
    return (path / "CURRENT").is_file()


def _open(settings: Settings) -> GraphStore:
    """The store of the settings; an on-disk store another process holds (a running server)
    is refused with a clear message instead of RocksDB's lock error."""
    try:
        return open_store(settings)
    except OSError as e:
        raise StoreError(
            f"cannot open the store {settings.store}: {e}. A running server holds it: stop it "
            "first, or back it up online with POST /admin/backup (WSIS_KG_BACKUP_DIR), or "
            "take an online dump from its /dumps/wsis-kg.nq (docs/operations.md)"
        ) from None
