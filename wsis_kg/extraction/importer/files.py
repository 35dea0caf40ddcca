"""The inputs of ``wsis-kg import-resolution``: files, folders and .zip archives, bounded.

Every input is read as bytes with a size bound (``Settings.import_max_bytes`` of UTF-8 text; a
UTF-16 file may take twice the bytes), decoded by ``resolution.decode`` (UTF-8 with or without
BOM, UTF-16 with BOM, Latin-1). A folder gives its ``*.txt`` files in name order; a .zip its
``*.txt`` members, refused as a whole when it holds more than :data:`ZIP_MAX_FILES` entries or
declares more than :data:`ZIP_TOTAL_FACTOR` × the bound uncompressed, and each member is read
with the bound whatever its header claims (a zip bomb lies there).
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from wsis_kg.errors import ResolutionImportError
from wsis_kg.extraction.importer.resolution import decode

ZIP_MAX_FILES = 1000
ZIP_TOTAL_FACTOR = 20


@dataclass
class Input:
    """One text to import, or why it cannot be (``error``)."""

    name: str  # as shown to the user: the path, "archive.zip:member.txt" or "standard input"
    path: Path | None  # the file on disk (None for stdin and zip members)
    text: str | None = None
    error: str | None = None


def _too_big(name: str, size: int, limit: int) -> str:
    return (f"{name}: {size / 1e6:.1f} MB is over the import limit of {limit / 1e6:.1f} MB "
            "(WSIS_KG_IMPORT_MAX_BYTES); is this one resolution?")


def _decode(name: str, data: bytes, limit: int, path: Path | None) -> Input:
    try:
        text = decode(data, name)
    except ResolutionImportError as e:
        return Input(name, path, error=str(e))
    size = len(text.encode("utf-8"))
    if size > limit:
        return Input(name, path, error=_too_big(name, size, limit))
    return Input(name, path, text)


def read_file(path: Path, limit: int) -> Input:
    """One file (``-``: standard input), read with the size bound."""
    name = "standard input" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(2 * limit + 1)
        else:
            with path.open("rb") as f:
                data = f.read(2 * limit + 1)
    except OSError as e:
        return Input(name, None, error=f"{name}: cannot read the file ({e.strerror})")
    if len(data) > 2 * limit:
        return Input(name, None, error=_too_big(name, len(data), limit))
    return _decode(name, data, limit, None if str(path) == "-" else path)


def read_zip(path: Path, limit: int) -> Iterator[Input]:
    """The ``*.txt`` members of a .zip, within the bounds."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        yield Input(str(path), path, error=f"{path}: not a readable .zip ({e})")
        return
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if len(infos) > ZIP_MAX_FILES:
            yield Input(str(path), path, error=f"{path}: {len(infos)} entries; at most "
                                               f"{ZIP_MAX_FILES} are read from a .zip")
            return
        if total > ZIP_TOTAL_FACTOR * limit:
            yield Input(str(path), path, error=f"{path}: {total / 1e6:.1f} MB uncompressed; at "
                                               f"most {ZIP_TOTAL_FACTOR * limit / 1e6:.1f} MB "
                                               "are read from a .zip")
            return
        for info in sorted(infos, key=lambda i: i.filename):
            if info.is_dir() or not info.filename.lower().endswith(".txt"):
                continue
            name = f"{path}:{info.filename}"
            with zf.open(info) as f:
                data = f.read(2 * limit + 1)
            if len(data) > 2 * limit:
                yield Input(name, None, error=_too_big(name, len(data), limit))
                continue
            yield _decode(name, data, limit, None)


def expand(paths: list[Path], limit: int) -> Iterator[Input]:
    """Files, folders (their ``*.txt``) and .zip archives, in the order given."""
    for p in paths:
        if str(p) != "-" and p.is_dir():
            txts = sorted(q for q in p.iterdir() if q.suffix.lower() == ".txt" and q.is_file())
            if not txts:
                yield Input(str(p), p, error=f"{p}: no .txt files in this folder")
            for q in txts:
                yield read_file(q, limit)
        elif p.suffix.lower() == ".zip":
            yield from read_zip(p, limit)
        else:
            yield read_file(p, limit)
