"""Derived artefacts kept on disk, keyed by a hash of everything they are derived from.

Why: building the shipped graph (parse, reason, HermiT, SHACL) takes seconds of CPU, and every
start of an in-memory service used to pay it again although its inputs had not changed. An
artefact here is stored under a key that hashes its inputs (the files, the code that derives it
and the versions of the libraries doing the work), so a changed input is simply a different key:
nothing is ever invalidated, and a stale entry can never be served.

One entry is one file ``<kind>-<key>.wkc``: a magic line, a JSON header line (the key, the
payload's length and SHA-256, and whatever metadata the caller keeps, e.g. a build report), then
the payload bytes. Entries are written to a temporary file in the cache directory and renamed
into place, so several processes starting at once may each write one and a reader sees either
no file or a whole one; a file whose header, length or digest does not match is treated as
absent (and removed), so a corrupt or partial entry is rebuilt, never served. An unwritable
directory only costs the cache, never the start.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import wsis_kg

#: Bump when the entry layout changes (part of every key, and checked on read).
MAGIC = b"wsis-kg-cache 1\n"
SUFFIX = ".wkc"
#: Entries of one kind kept after a write (other inputs, e.g. branches checked out in turn).
KEEP_PER_KIND = 4
#: Libraries whose version changes what a build derives (parsing, reasoning, SHACL, HermiT).
LIBRARIES = ("pyoxigraph", "rdflib", "pyshacl", "owlready2")


@dataclass(frozen=True)
class Entry:
    """A verified cache entry: the caller's metadata and the payload."""

    meta: dict[str, Any]
    payload: bytes
    path: Path


def library_versions(names: Iterable[str] = LIBRARIES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def input_key(files: Iterable[Path], *, root: Path, code: Iterable[Path] = (),
              options: dict[str, Any] | None = None) -> str:
    """SHA-256 (hex) over the entry format, the package and library versions, ``options``, and
    the path (relative to ``root``) and bytes of every input file and code file, in order.

    The code files are hashed as well as the version because a checkout changes its code
    without changing its version number.
    """
    h = hashlib.sha256(MAGIC)
    header = {"package": wsis_kg.__version__, "libraries": library_versions(),
              "options": options or {}}
    h.update(json.dumps(header, sort_keys=True).encode())
    for label, paths in (("input", files), ("code", code)):
        for path in paths:
            name = path.relative_to(root) if path.is_relative_to(root) else path.name
            data = path.read_bytes()
            h.update(f"\0{label}\0{name}\0{len(data)}\0".encode())
            h.update(data)
    return h.hexdigest()


def entry_path(directory: Path, kind: str, key: str) -> Path:
    return directory / f"{kind}-{key}{SUFFIX}"


def read(directory: Path, kind: str, key: str) -> Entry | None:
    """The verified entry for ``key``, or None (absent, unreadable, corrupt or partial; a
    corrupt file is removed so the next write replaces it)."""
    path = entry_path(directory, kind, key)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        if not raw.startswith(MAGIC):
            raise ValueError("not a cache entry")
        end = raw.index(b"\n", len(MAGIC))
        header = json.loads(raw[len(MAGIC):end])
        payload = raw[end + 1:]
        if (header.get("kind") != kind or header.get("key") != key
                or header.get("length") != len(payload)
                or header.get("sha256") != hashlib.sha256(payload).hexdigest()):
            raise ValueError("header does not match the payload")
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        _remove(path)
        return None
    return Entry(header.get("meta", {}), payload, path)


def write(directory: Path, kind: str, key: str, payload: bytes,
          meta: dict[str, Any] | None = None) -> Path | None:
    """Store an entry atomically; returns its path, or None when the directory is unwritable.

    Older entries of the same kind beyond :data:`KEEP_PER_KIND` are removed.
    """
    header = {"kind": kind, "key": key, "length": len(payload),
              "sha256": hashlib.sha256(payload).hexdigest(), "meta": meta or {}}
    path = entry_path(directory, kind, key)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC)
                out.write(json.dumps(header, sort_keys=True).encode() + b"\n")
                out.write(payload)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            _remove(Path(tmp))
            raise
    except OSError:
        return None
    _prune(directory, kind, keep=path)
    return path


def _prune(directory: Path, kind: str, keep: Path) -> None:
    entries = sorted(directory.glob(f"{kind}-*{SUFFIX}"), key=_mtime, reverse=True)
    for old in [p for p in entries if p != keep][KEEP_PER_KIND - 1:]:
        _remove(old)


def _remove(path: Path) -> None:
    """Remove a file if we may (a read-only cache is still read, never a reason to fail)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
