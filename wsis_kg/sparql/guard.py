"""The SERVICE / LOAD guard: what a SPARQL request would reach, checked before it runs.

pyoxigraph performs SERVICE and LOAD itself, with real outgoing HTTP and no switch to turn it
off, so this module is the service's protection against server-side request forgery. A request
whose text mentions SERVICE or LOAD (also glued to a neighbouring token, as Oxigraph accepts) is
parsed with rdflib's SPARQL parser and its algebra searched for the targets; where rdflib cannot
parse it (nested SERVICE) or could read it differently from Oxigraph (``\\u`` escapes), the
targets are read from the tokens of the project's one SPARQL lexer (``wsis_kg.sparql.lexer``).
A target must be an entry of ``Settings.service_allowlist`` or lie below one (matched at a URL
boundary); a request whose targets cannot be read is refused. ``LOAD SILENT`` outside the
allow-list becomes a no-op (:func:`guard_update`), as SPARQL 1.1 Update says it never fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wsis_kg.errors import ForbiddenService, QuerySyntaxError
from wsis_kg.sparql.lexer import Token, rdflib_algebra, tokenize
from wsis_kg.sparql.memo import text_memo

#: Bytes the guard's memos may keep (texts and what was computed from them), each.
MEMO_BYTES = 32 * 1024 * 1024
#: Longer query texts are never tokenised in the serving process (tokens take ~30 bytes per
#: byte of text, and rdflib's parser minutes on some texts): the service checks them in a job,
#: and their answers are not cached.
INLINE_TEXT_BYTES = 32 * 1024


@dataclass(frozen=True)
class RemoteCall:
    """One place where a request would reach out: a SERVICE pattern or a LOAD operation."""

    keyword: str        # "SERVICE" or "LOAD"
    target: str         # the IRI, or "?var" for a variable SERVICE endpoint
    silent: bool = False


#: Letters that may spell SERVICE or LOAD. Oxigraph matches keywords without a word boundary
#: (``SERVICEex:a`` is ``SERVICE ex:a``, ``1SERVICE`` is ``1 SERVICE``), so no ``\b`` here.
_REMOTE_LETTERS = re.compile(r"service|load", re.IGNORECASE)
#: A word or prefix label starting with a keyword that matters to the guard, which Oxigraph
#: may read as that keyword (``SILENTex:a`` → ``SILENT ex:a``, ``PREFIXex:<…>`` → ``PREFIX
#: ex: <…>``, ``service:x`` → ``SERVICE :x``), also after a boolean object (``trueSERVICE``).
_GLUED = re.compile(r"(?:true|false)?(service|load|silent|prefix)", re.IGNORECASE)
#: rdflib's parser replaces ``\uXXXX`` / ``\UXXXXXXXX`` in the whole text before parsing;
#: Oxigraph decodes them only inside strings and IRIs. On such text the two read different
#: queries (``"\u0022"`` opens a long string for rdflib), so rdflib is not asked.
_RDFLIB_ESCAPE = re.compile(r"\\u[0-9a-f]{4}", re.IGNORECASE)
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class _Scan:
    tokens: tuple[Token, ...]          # without comments
    ambiguous: tuple[str, int] | None  # why a token's reading is not certain, and where


@text_memo(max_bytes=MEMO_BYTES, weight=32)  # a token list: ~32 bytes per byte of text
def _scan(sparql: str) -> _Scan:
    toks = tokenize(sparql)
    return _Scan(toks, _ambiguity(sparql, toks))


def _ambiguity(sparql: str, toks: tuple[Token, ...]) -> tuple[str, int] | None:
    """Where ``<`` could be Oxigraph's less-than operator and change what follows.

    Oxigraph parses in context: in ``FILTER(?a<'x>?b')`` the ``<`` is less-than and ``'x>?b'``
    a string, not the IRI ``<'x>``; in ``?a<#>…`` a comment starts. An IRI token cannot hold a
    SERVICE or LOAD (no space, brace or ``<`` in it), but a ``'`` in it could start a string,
    and a ``#`` a comment that ends a line early, moving every string boundary after it.
    """
    for i, t in enumerate(toks):
        if t.kind != "iri":
            continue
        if "'" in t.text:
            return "an IRI holding ' (it could also be read as < and a string)", t.start
        if "#" in t.text:
            line_end = len(sparql)
            for nl in ("\n", "\r"):
                p = sparql.find(nl, t.end)
                if p != -1:
                    line_end = min(line_end, p)
            for u in toks[i + 1:]:
                if u.start >= line_end:
                    break
                if u.end > line_end:
                    return ("an IRI holding # followed on its line by a string that runs to "
                            "the next line", t.start)
    return None


@text_memo(max_bytes=MEMO_BYTES)
def mentions_remote(sparql: str) -> bool:
    """Whether the text may hold a SERVICE or LOAD (memoised: clients repeat queries).

    True when a token outside strings, comments, IRIs, variables and the local part of
    prefixed names has those letters (also glued to other letters), or when the text cannot be
    tokenised with certainty.
    """
    if not may_mention_remote(sparql):
        return False
    scan = _scan(sparql)
    return scan.ambiguous is not None or any(
        _REMOTE_LETTERS.search(_code_part(t)) for t in scan.tokens)


def may_mention_remote(sparql: str) -> bool:
    """Whether the letters of SERVICE or LOAD occur at all: the check that costs no tokens."""
    return _REMOTE_LETTERS.search(sparql) is not None


def _code_part(t: Token) -> str:
    """The part of a token Oxigraph might read as a keyword: a word, a prefix label."""
    if t.kind == "word":
        return t.text
    if t.kind == "pname":
        return t.text.split(":", 1)[0]
    return ""


def remote_calls(sparql: str, *, update: bool = False) -> list[RemoteCall] | None:
    """Every SERVICE / LOAD in ``sparql``, in text order; None if rdflib cannot parse it.

    Cheap when the text does not mention SERVICE or LOAD (no parse at all). None too when the
    text holds ``\\u`` escapes, which rdflib and Oxigraph read differently.
    """
    if not mentions_remote(sparql):
        return []
    if _RDFLIB_ESCAPE.search(sparql):
        return None
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        tree = rdflib_algebra(sparql, update=update)
    except Exception:  # noqa: BLE001 - rdflib's grammar differs slightly from Oxigraph's
        return None
    found: list[RemoteCall] = []
    seen: set[int] = set()

    def walk(x: Any) -> None:
        if id(x) in seen:
            return
        seen.add(id(x))
        if isinstance(x, CompValue):
            if x.name == "ServiceGraphPattern":
                found.append(RemoteCall("SERVICE", _target(x.get("term")),
                                        "silent" in x))
            elif x.name == "Load":
                found.append(RemoteCall("LOAD", _target(x.get("iri")), "silent" in x))
            for v in x.values():
                walk(v)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple, set)):
            for v in x:
                walk(v)

    walk(tree)
    return found


def remote_targets(sparql: str, *, update: bool = False) -> list[str] | None:
    """IRIs (or ``?var``) that SERVICE / LOAD in ``sparql`` would reach; None if unparsable."""
    calls = remote_calls(sparql, update=update)
    return None if calls is None else [c.target for c in calls]


def _target(term: Any) -> str:
    from rdflib.term import URIRef, Variable

    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Variable):
        return "?" + str(term)
    return str(term)


def _token_calls(sparql: str, *, update: bool) -> list[RemoteCall]:
    """Every SERVICE / LOAD read from the token stream (used when rdflib cannot parse).

    A keyword is a word token SERVICE or LOAD (not a variable, not a prefixed name), then an
    optional SILENT, then the target: an absolute IRI, a prefixed name declared by an earlier
    PREFIX, or a variable (``?var``, refused by the allow-list). Anything else, or text whose
    tokens are not certain, raises :class:`QuerySyntaxError` (400): what it would contact is
    unknown.
    """
    scan = _scan(sparql)
    toks = scan.tokens
    if scan.ambiguous is not None:  # a SERVICE could hide where the tokens see a string
        why, pos = scan.ambiguous
        raise _unverifiable_at(sparql, pos, "SERVICE/LOAD", update, why)
    _refuse_glued(sparql, toks, update)
    calls: list[RemoteCall] = []
    prefixes: dict[str, str | None] = {}
    i = 0
    while i < len(toks):
        t = toks[i]
        word = t.text.upper() if t.kind == "word" else ""
        if (word == "PREFIX" and i + 2 < len(toks) and toks[i + 1].kind == "pname"
                and toks[i + 1].text.endswith(":") and toks[i + 1].text.count(":") == 1
                and toks[i + 2].kind == "iri"):
            iri = _iri_value(toks[i + 2].text)
            prefixes[toks[i + 1].text[:-1]] = iri if iri and _ABSOLUTE.match(iri) else None
            i += 3
            continue
        if word in ("SERVICE", "LOAD"):
            j = i + 1
            silent = j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "SILENT"
            j += silent
            if j >= len(toks):
                raise _unverifiable_at(sparql, t.end, word, update,
                                       f"{word} without a target")
            calls.append(RemoteCall(word, _token_target(sparql, toks[j], prefixes, word,
                                                        update), silent))
            i = j
        i += 1
    return calls


def _refuse_glued(sparql: str, toks: tuple[Token, ...], update: bool) -> None:
    """Refuse a word or prefix label that Oxigraph may read as SERVICE / LOAD / SILENT /
    PREFIX followed by more (``SERVICEex:a``) where rdflib and the tokens see one name.
    """
    for t in toks:
        part = _code_part(t)
        m = _GLUED.match(part)
        if m and not (t.kind == "word" and len(m.group(1)) == len(part)):
            kw = m.group(1).upper()
            raise _unverifiable_at(
                sparql, t.start, kw, update,
                f"'{t.text}' could be read as the keyword {kw} (write the keyword apart from "
                "what follows it, or give the prefix another name)")


def _iri_value(token: str) -> str | None:
    """The IRI an IRIREF token stands for (its ``\\u`` escapes decoded), None if invalid."""
    try:
        return _IRI_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), token[1:-1])
    except (ValueError, OverflowError):
        return None


def _token_target(sparql: str, t: Token, prefixes: dict[str, str | None], keyword: str,
                  update: bool) -> str:
    if t.kind == "var":
        return "?" + t.text[1:]
    if t.kind == "iri":
        iri = _iri_value(t.text)
        if iri and _ABSOLUTE.match(iri):
            return iri
        why = f"{keyword} to the relative IRI {t.text} (its base is not checked)"
    elif t.kind == "pname":
        prefix, local = t.text.split(":", 1)
        base = prefixes.get(prefix)
        if base is not None:
            return base + re.sub(r"\\(.)", r"\1", local)
        why = (f"{keyword} to {t.text}, whose prefix '{prefix}:' is not declared by an earlier "
               "PREFIX with an absolute IRI")
    else:
        why = f"{keyword} to '{t.text}', which is not an IRI or a variable"
    raise _unverifiable_at(sparql, t.start, keyword, update, why)


def _allowed(target: str, allow: tuple[str, ...]) -> bool:
    """Whether ``target`` is an allow-list entry or lies below one.

    An entry matches only up to a URL boundary: ``http://ok.example`` allows
    ``http://ok.example/sparql`` but not ``http://ok.example.evil.net/`` or
    ``http://ok.example@evil.net/``.
    """
    if target.startswith("?"):
        return False
    for a in allow:
        if not a or not target.startswith(a):
            continue
        if len(target) == len(a) or a.endswith(("/", "?", "#", "&", "=")) \
                or target[len(a)] in "/?#":
            return True
    return False


def _forbidden(target: str, allow: tuple[str, ...]) -> ForbiddenService:
    what = "a variable endpoint" if target.startswith("?") else f"<{target}>"
    return ForbiddenService(
        f"SERVICE/LOAD to {what} is not allowed: the service contacts only the "
        "endpoints on its allow-list (WSIS_KG_SERVICE_ALLOWLIST)"
        + (f": {', '.join(allow)}" if allow else ", which is empty") + ".",
        target=target, allowlist=list(allow))


def _checked_calls(sparql: str, allow: tuple[str, ...], update: bool) -> list[RemoteCall]:
    if not mentions_remote(sparql):
        return []
    # Keywords glued to other letters: Oxigraph reads them, rdflib and the tokens do not.
    _refuse_glued(sparql, _scan(sparql).tokens, update)
    calls = remote_calls(sparql, update=update)
    if calls is None:
        # rdflib could not parse it (nested SERVICE: RDFLib/rdflib#2136, or a syntax error):
        # read the targets from the tokens. Oxigraph then reports any syntax error itself.
        return _token_calls(sparql, update=update)
    scan = _scan(sparql)
    if scan.ambiguous is None and len(calls) < sum(
            t.kind == "word" and t.text.upper() in ("SERVICE", "LOAD") for t in scan.tokens):
        # rdflib read fewer calls than there are keywords: it read another text than
        # Oxigraph will. Trust the tokens.
        return _token_calls(sparql, update=update)
    return calls


def check_remote_access(sparql: str, allowlist: Iterable[str], *, update: bool = False) -> None:
    """Raise :class:`ForbiddenService` when SERVICE / LOAD would leave the allow-list."""
    allow = tuple(allowlist)
    for c in _checked_calls(sparql, allow, update):
        if not _allowed(c.target, allow):
            raise _forbidden(c.target, allow)


def guard_update(sparql: str, allowlist: Iterable[str]) -> str:
    """The update text to run: refused if it would leave the allow-list, except LOAD SILENT.

    SPARQL 1.1 Update says ``LOAD SILENT`` never fails: a source the service will not fetch is
    a source that cannot be loaded, so such an operation becomes a no-op (``INSERT DATA {}``,
    replacing exactly that operation's text) and the other operations still run, in the same
    single ``Store.update`` call. A ``LOAD`` without SILENT, or a SERVICE, outside the
    allow-list refuses the whole request (403). The rewritten text is checked again, so a
    LOAD outside the allow-list can never reach pyoxigraph.
    """
    allow = tuple(allowlist)
    calls = _checked_calls(sparql, allow, True)
    for c in calls:
        if not _allowed(c.target, allow) and not (c.keyword == "LOAD" and c.silent):
            raise _forbidden(c.target, allow)
    loads = [c for c in calls if c.keyword == "LOAD"]
    drop = [i for i, c in enumerate(loads) if not _allowed(c.target, allow)]
    if not drop:
        return sparql
    spans = _load_spans(sparql)
    if len(spans) != len(loads) or not all(spans[i][2] for i in drop):
        # The operations could not be located in the text: refuse rather than guess.
        raise _forbidden(loads[drop[0]].target, allow)
    out, pos = [], 0
    for i in drop:
        start, end, _ = spans[i]
        out += [sparql[pos:start], "INSERT DATA {}"]
        pos = end
    out.append(sparql[pos:])
    rewritten = "".join(out)
    try:
        left = _checked_calls(rewritten, allow, True)
    except QuerySyntaxError:
        left = None
    if left is None or any(not _allowed(c.target, allow) for c in left):
        raise _forbidden(loads[drop[0]].target, allow)
    return rewritten


def _load_spans(update: str) -> list[tuple[int, int, bool]]:
    """``(start, end, silent)`` of each ``LOAD [SILENT] iri [INTO GRAPH iri]`` operation.

    Outside braces, strings, IRIs and comments the word LOAD can only start a LOAD operation
    (keywords are reserved; prefixed names carry a colon, variables a ``?``).
    """
    toks = tokenize(update)
    spans: list[tuple[int, int, bool]] = []
    depth = 0
    i = 0
    while i < len(toks):
        tok = toks[i].text
        if tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
        elif depth == 0 and toks[i].kind == "word" and tok.upper() == "LOAD":
            j = i + 1
            silent = j < len(toks) and toks[j].text.upper() == "SILENT"
            j += silent  # now at the source IRI
            end_tok = j
            if (j + 2 < len(toks) and toks[j + 1].text.upper() == "INTO"
                    and toks[j + 2].text.upper() == "GRAPH"):
                end_tok = j + 3
            if end_tok >= len(toks):
                return []
            spans.append((toks[i].start, toks[end_tok].end, silent))
            i = end_tok
        i += 1
    return spans


def _unverifiable_at(sparql: str, pos: int, keyword: str, update: bool,
                     why: str) -> QuerySyntaxError:
    """400 for a SERVICE / LOAD whose target cannot be read with certainty at ``pos``."""
    line = sparql.count("\n", 0, pos) + 1
    col = pos - (sparql.rfind("\n", 0, pos) + 1) + 1
    return QuerySyntaxError(
        f"SPARQL {'update' if update else 'query'} not checkable at line {line}, column "
        f"{col}: {why} (a request using {keyword} must name its endpoints plainly so they can "
        "be checked against the allow-list)", line=line, column=col)
