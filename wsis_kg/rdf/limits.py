"""Checks on untrusted RDF text made before any parser sees it: nesting depth and XML DTDs.

Why before: pyoxigraph's JSON-LD and RDF/XML parsers recurse once per nesting level, so a
small document can exhaust a request thread's native stack and kill the whole process
(13 KB of JSON-LD nested 1,000 deep), or take seconds (60,000 nested RDF/XML elements: 28 s);
its RDF/XML parser also expands the entities a DTD declares, so 850 bytes of "billion laughs"
grew to 1.56 GiB. Refusing after the fact is too late, so these scans are iterative, run at C
speed where they can, and stop at the first offence with its line and column.

The rule (docs/security.md): nesting deeper than ``Settings.max_nesting``
(``WSIS_KG_MAX_NESTING``, default 256) is refused in JSON-LD (objects and arrays) and in
RDF/XML (elements); an RDF/XML document with a ``<!DOCTYPE`` (where entities, external ones
included, are declared) is refused outright. Other syntaxes (Turtle, TriG, N-Triples,
N-Quads) are read by pyoxigraph without recursion on the input's nesting and need no scan.
"""

from __future__ import annotations

import re
from itertools import accumulate
from xml.parsers import expat

import pyoxigraph as ox

from wsis_kg.errors import InputSyntaxError
from wsis_kg.settings import Settings

#: The default bound on nesting (the one default lives on :class:`Settings`).
MAX_NESTING: int = Settings.max_nesting

#: A JSON escape (an escaped quote does not end a string); escapes occur only in strings.
_JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)
#: Every byte but quotes and brackets, for ``bytes.translate(None, delete=…)``.
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'"[]{}')
#: A string of the skeleton (only brackets can be left inside it).
_QUOTED = re.compile(rb'"[^"]*"')
#: +1 for an opening bracket, -1 for a closing one.
_STEP = [1 if bytes([b]) in b"[{" else -1 for b in range(256)]
#: A JSON string or a bracket: the walk that says where a refused document nests too deep.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)


def check_untrusted(data: bytes, fmt: ox.RdfFormat, *, source: str = "input",
                    max_nesting: int = MAX_NESTING) -> bool:
    """Raise :class:`InputSyntaxError` (400) when ``data`` must not reach the parser.

    False for XML that is malformed after its prolog (:func:`check_xml`): not to be parsed.
    """
    if fmt == ox.RdfFormat.JSON_LD:
        check_json_nesting(data, source=source, max_nesting=max_nesting)
    elif fmt == ox.RdfFormat.RDF_XML:
        return check_xml(data, source=source, max_nesting=max_nesting)
    return True


def check_json_nesting(data: bytes, *, source: str = "input",
                       max_nesting: int = MAX_NESTING) -> None:
    """Refuse JSON whose objects and arrays nest deeper than ``max_nesting``.

    The bracket skeleton is computed at C speed (7 MB of JSON-LD: 50 ms): escapes removed, every
    byte but quotes and brackets deleted, then the strings (``""`` pairs first: removing two
    adjacent quotes never moves a bracket in or out of a string). Only a skeleton with more
    than ``max_nesting`` opening brackets needs its depth summed, and only a refused document
    is walked again to say where.
    """
    quotes_and_brackets = _JSON_ESCAPE.sub(b"", data).translate(None, delete=_NOT_SKELETON)
    skeleton = _QUOTED.sub(b"", quotes_and_brackets.replace(b'""', b""))
    if skeleton.count(b"[") + skeleton.count(b"{") <= max_nesting:
        return
    if max(accumulate(_STEP[b] for b in skeleton)) <= max_nesting:
        return
    depth = 0
    for m in _JSON_TOKEN.finditer(data):
        tok = m.group()
        if tok in (b"[", b"{"):
            depth += 1
            if depth > max_nesting:
                raise _too_deep(data, m.start(), source, max_nesting, "JSON objects and arrays")
        elif tok in (b"]", b"}"):
            depth -= 1
    raise _too_deep(data, len(data), source, max_nesting, "JSON objects and arrays")


class _Refused(Exception):
    """Raised from an expat handler to stop the scan at the offending markup."""


def check_xml(data: bytes, *, source: str = "input", max_nesting: int = MAX_NESTING) -> bool:
    """Refuse XML with a DTD (entities, external ones included) or nested too deep.

    expat reads the document once without expanding anything (its handlers stop it at the
    ``<!DOCTYPE``, before any entity is declared). A prolog it cannot read is refused with its
    line and column. False when the body is malformed: the document must not reach pyoxigraph
    either (it reads on past errors expat stops at, a ``<!DOCTYPE`` after the root element
    included), and the caller says where, as for any malformed RDF/XML.
    """
    p = expat.ParserCreate()
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth, root_seen = 0, False

    def start(_name: str, _attrs: object) -> None:
        nonlocal depth, root_seen
        depth, root_seen = depth + 1, True
        if depth > max_nesting:
            raise _Refused(f"XML elements nest deeper than {max_nesting} levels (setting "
                           f"WSIS_KG_MAX_NESTING)")

    def end(_name: str) -> None:
        nonlocal depth
        depth -= 1

    def doctype(*_args: object) -> None:
        raise _Refused("a <!DOCTYPE> (DTD) is not accepted: entity declarations could expand "
                       "without bound or read files and URLs; send the RDF/XML without it")

    def entity(*_args: object) -> None:
        raise _Refused("entity declarations are not accepted")

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.StartDoctypeDeclHandler = doctype
    p.EntityDeclHandler = entity
    try:
        p.Parse(data, True)
    except LookupError as e:  # an encoding Python does not know
        raise InputSyntaxError(f"{source}:1:1: {e}", source=source, line=1, column=1,
                               format=ox.RdfFormat.RDF_XML.name) from None
    except _Refused as e:
        line, col = p.CurrentLineNumber, p.CurrentColumnNumber + 1
        raise InputSyntaxError(f"{source}:{line}:{col}: {e}", source=source, line=line,
                               column=col, format=ox.RdfFormat.RDF_XML.name) from None
    except expat.ExpatError as e:
        if root_seen:
            return False
        # expat columns are 0-based; ours (like pyoxigraph's) are 1-based.
        line, col = e.lineno, e.offset + 1
        raise InputSyntaxError(f"{source}:{line}:{col}: {expat.ErrorString(e.code)}",
                               source=source, line=line, column=col,
                               format=ox.RdfFormat.RDF_XML.name) from None
    return True


def _too_deep(data: bytes, offset: int, source: str, limit: int, what: str) -> InputSyntaxError:
    line = data.count(b"\n", 0, offset) + 1
    col = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return InputSyntaxError(
        f"{source}:{line}:{col}: {what} nest deeper than {limit} levels "
        f"(setting WSIS_KG_MAX_NESTING)", source=source, line=line, column=col,
        format=ox.RdfFormat.JSON_LD.name)
