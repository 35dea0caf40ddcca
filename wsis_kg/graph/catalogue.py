"""The query catalogue (``queries/*.rq``): the one reader of its files and their headers.

Each file is one SPARQL query whose leading comment lines carry its header::

    # title: Who facilitates e-health?
    # description: Organisations facilitating action line C7 e-health, adopted and
    #   proposed, with their sources.

A header field may continue on the following comment lines when they are indented (``#``
then two spaces or a tab); any other comment line ends it. The header ends at the first line
that is neither a comment nor blank. The web pages, the benchmark and the tests all read the
catalogue here, so a header means the same thing to each of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Header fields of a catalogue file.
FIELDS = ("title", "description")

_HEADER = re.compile(rf"^#\s*({'|'.join(FIELDS)})\s*:\s*(.*)$", re.IGNORECASE)


@dataclass
class Example:
    """One catalogue query: file stem, header fields (title falls back to the stem) and text."""

    name: str
    title: str
    description: str
    query: str


def read_headers(text: str) -> dict[str, str]:
    """The header fields a catalogue file states (absent fields are left out)."""
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if m:
            current = m.group(1).lower()
            fields[current] = m.group(2).strip()
        elif current and line[1:].strip() and line.startswith(("#  ", "#\t")):
            fields[current] += " " + line[1:].strip()
        else:
            current = None
    return fields


def read_example(path: Path) -> Example:
    """One catalogue file."""
    text = path.read_text(encoding="utf-8")
    fields = read_headers(text)
    return Example(path.stem, fields.get("title") or path.stem.replace("-", " "),
                   fields.get("description", ""), text)


def read_catalogue(folder: Path) -> list[Example]:
    """Every ``*.rq`` file of ``folder``, in file-name order."""
    return [read_example(p) for p in sorted(folder.glob("*.rq"))]
