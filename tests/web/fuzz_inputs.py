"""What the fuzz tests send and what they accept back (used by test_fuzz.py and
test_fuzz_findings.py).

Schemathesis generates requests from ``/openapi.json``; the Hypothesis strategies here add what
it cannot know about: SPARQL token soup, hostile RDF in every syntax, wrong media types,
oversized bodies, odd Accept headers, huge IRIs, path traversal and odd methods. Each strategy
draws a :class:`Raw` request that can be sent in-process (Flask test client) or over a socket
(``http.client``, which leaves ``..`` and ``%2e`` in the path as they are, unlike requests).

The rule every answer must keep (:func:`problem_with_answer`): a client's error is a 4xx; the
only 5xx allowed is a 503 problem saying a limit was kept (:data:`ALLOWED_503`); never a
stack trace.
"""

from __future__ import annotations

import http.client
import json
import os
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import strategies as st

from wsis_kg.errors import (
    PROBLEM_BASE,
    LimitExceeded,
    QueryTimeout,
    QueryTooComplex,
    ResultTooLarge,
    ServiceBusy,
)
from wsis_kg.rdf.formats import GRAPH_FORMATS
from wsis_kg.sparql.lexer import QUERY_FORMS

#: The one knob of the long run: total inputs over the fuzz tests (see docs/security.md).
EXAMPLES_ENV = "WSIS_KG_FUZZ_EXAMPLES"
#: The bearer token of the fuzzed services (so writes get past the token check).
TOKEN = "fuzz-token"
#: Body limit of the fuzzed services: small, so oversized bodies are cheap to send.
MAX_BODY = 64 * 1024
#: Query time limit of the fuzzed services (s): deep nesting is meant to hit it, cheaply.
QUERY_TIMEOUT = 1.0
#: Time limit of their costly jobs (dumps, validation), for the same reason.
JOB_TIMEOUT = 2.0
#: 503 problem types that are the service keeping its limits, not failing: a query or a
#: costly job stopped at its time or memory limit, every process busy, a result over the cap.
ALLOWED_503 = {PROBLEM_BASE + e.slug for e in (QueryTimeout, LimitExceeded, QueryTooComplex,
                                              ServiceBusy, ResultTooLarge)}


def budget(ci_default: int, share: float) -> int:
    """Examples for one fuzz test: ``ci_default`` in CI, ``share`` of the long run's total."""
    total = os.environ.get(EXAMPLES_ENV)
    return max(1, int(int(total) * share)) if total else ci_default


# --------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Raw:
    """One request as it goes on the wire; ``path`` is the request target, already encoded."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    note: str = field(default="", compare=False)

    def __repr__(self) -> str:  # the reproducer printed by a failing test
        body = self.body if len(self.body) <= 300 else (
            self.body[:200] + b"...<%d bytes>..." % len(self.body) + self.body[-60:])
        path = self.path if len(self.path) <= 300 else self.path[:200] + f"...<{len(self.path)}>"
        return (f"Raw({self.method!r}, {path!r}, headers={self.headers!r}, body={body!r}"
                f"{', note=' + repr(self.note) if self.note else ''})")


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


def send_in_process(client, req: Raw) -> Answer:
    """``req`` through the Flask test client (the whole WSGI app, fast path included)."""
    resp = client.open(req.path, method=req.method, headers=list(req.headers), data=req.body)
    return Answer(resp.status_code, resp.headers.get("Content-Type", ""), resp.get_data())


def send_http(host: str, port: int, req: Raw, timeout: float = 30) -> Answer:
    """``req`` over a real socket, byte for byte (no path normalisation)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(req.method, req.path, skip_host=False, skip_accept_encoding=True)
        for k, v in req.headers:
            conn.putheader(k, v)
        if req.body or req.method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(req.body)))
        try:
            conn.endheaders(req.body or None)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered (413) and closed before the whole body was sent
        resp = conn.getresponse()
        return Answer(resp.status, resp.getheader("Content-Type", ""), resp.read())
    finally:
        conn.close()


#: 5xx answers already found, each with an ``xfail(strict=True)`` reproducer in
#: test_fuzz_findings.py (fixes belong to other modules): {reason: does this answer show it}.
#: The fuzz tests let these through, and count them; when a fix lands the reproducer XPASSes:
#: then remove its mark and its entry here.
#: (Empty: the findings so far are fixed; see docs/security.md, "Fuzzing".)
KNOWN_FINDINGS: dict[str, Callable[[Answer], bool]] = {}


def known_finding(answer: Answer) -> str | None:
    return next((reason for reason, shows in KNOWN_FINDINGS.items() if shows(answer)), None)


def problem_with_answer(answer: Answer) -> str | None:
    """What is wrong with ``answer`` (None: a clear answer).

    A 5xx is wrong unless it is a 503 problem (or, for a client that prefers HTML, a page)
    saying the service kept a limit; a problem body must be RFC 9457 JSON with the response's
    status; no answer shows a stack trace.
    """
    ctype = answer.content_type.split(";", 1)[0].strip().lower()
    problem = None
    if ctype == "application/problem+json" and answer.body:
        try:
            problem = json.loads(answer.body)
        except ValueError:
            return "a problem+json body that is not JSON"
        if not isinstance(problem, dict) or problem.get("status") != answer.status:
            return f"a problem whose status is not {answer.status}: {problem!r:.300}"
    if b"Traceback (most recent call last)" in answer.body:
        return "a stack trace in the answer"
    if answer.status >= 500:
        if answer.status == 503 and problem is not None and problem.get("type") in ALLOWED_503:
            return None
        if answer.status == 503 and ctype in ("application/problem+json", "text/html") \
                and not answer.body:
            return None  # HEAD: no body to tell the type; the same GET is judged in full
        if answer.status == 503 and ctype == "text/html" and any(
                t.encode() in answer.body for t in ALLOWED_503):
            return None  # a browser's page (error page, import form) naming the limit kept
        detail = problem.get("type") if problem else answer.body[:200]
        return f"status {answer.status} ({detail!r})"
    return None


# --------------------------------------------------------------------------------------------
# SPARQL
# --------------------------------------------------------------------------------------------

KEYWORDS = (*QUERY_FORMS, "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE",
            "SILENT", "BIND", "VALUES", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "OFFSET",
            "PREFIX", "BASE", "FROM", "NAMED", "INSERT", "DELETE", "DATA", "LOAD", "CLEAR",
            "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING", "DEFAULT", "ALL", "INTO",
            "REGEX", "REPLACE", "CONCAT", "STRLEN", "NOW", "UUID", "EXISTS", "NOT", "IN", "AS",
            "COUNT", "SUM", "DISTINCT", "REDUCED", "a", "true", "false", "UNDEF")
PUNCT = ("{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "+", "-", "/", "|", "^", "^^", "!",
         "?", "=", "!=", "<", ">", "<=", ">=", "&&", "||", "@", "#", "\\", "'", '"', "<<", ">>")

_chars = st.text(alphabet="aZ09_-.:/#?%\\'\" <>{}\n\t\u00e9\u03bb\u4e2d\U0001f600\x00\x7f",
                max_size=30)
_name = st.text(alphabet="abcXYZ019_-.\u00b7\u00e9\u4e2d", min_size=1, max_size=12)

#: One token of each kind the project's lexer knows (its token rule's group names; the
#: test checks the two lists agree), roughly as the rule reads them, sometimes broken.
#: (``st.from_regex`` of the rule itself takes minutes to build: its Unicode classes are huge.)
TOKEN_KINDS = {
    "long": _chars.map(lambda t: '"""' + t + '"""'),
    "short": st.tuples(st.sampled_from("'\""), _chars).map(lambda t: t[0] + t[1] + t[0]),
    "iri": _chars.map(lambda t: "<" + t + ">"),
    "comment": _chars.map(lambda t: "#" + t + "\n"),
    "var": st.tuples(st.sampled_from("?$"), _name).map("".join),
    "bnode": _name.map(lambda t: "_:" + t),
    "pname": st.tuples(st.sampled_from(["", "wsis", "rdf", "x\u00e9", "no-such"]), _name).map(
        lambda t: f"{t[0]}:{t[1]}"),
    "lang": _name.map(lambda t: "@" + t),
    "number": st.one_of(st.integers().map(str), st.floats().map(repr),
                        st.sampled_from(["1e999999", ".5", "1.", "0x10", "1e", "-0"])),
    "word": st.one_of(st.sampled_from(("a", "true", "false", "UNDEF")), _name),
    "brace": st.sampled_from("{}"),
}
_token = st.one_of(*TOKEN_KINDS.values())
_piece = st.one_of(_token, st.sampled_from(KEYWORDS), st.sampled_from(PUNCT))
_space = st.sampled_from([" ", "\n", "\t", "", "  ", "\r\n", " # c\n"])


@st.composite
def token_soup(draw, max_tokens: int = 40) -> str:
    parts = draw(st.lists(st.tuples(_piece, _space), max_size=max_tokens))
    return "".join(p + s for p, s in parts)


_n_sparql = st.integers(1, 20_000)


def _nested(open_: str, close: str, inner: str):
    return _n_sparql.map(lambda n: open_ * n + inner + close * n)


#: Malformed or costly SPARQL: token soup, soup inside a query form, unbalanced braces, deep
#: nesting, huge literals and IRIs, odd Unicode.
sparql_text = st.one_of(
    token_soup(),
    st.tuples(st.sampled_from(QUERY_FORMS), token_soup(20)).map(
        lambda t: f"{t[0]} * WHERE {{ {t[1]} }}"),
    st.integers(1, 3000).map(lambda n: "SELECT * WHERE " + "{" * n),
    st.integers(1, 3000).map(lambda n: "SELECT * WHERE { ?s ?p ?o " + "}" * n),
    _nested("ASK { ", " }", "?s ?p ?o"),
    _nested("SELECT * WHERE { FILTER(", ") }", "1"),
    _nested("SELECT * WHERE { OPTIONAL { ", " } }", "?s ?p ?o"),
    _n_sparql.map(lambda n: "ASK { ?s ?p " + "[ <http://e/p> " * n + "?o" + " ]" * n + " }"),
    _n_sparql.map(lambda n: "ASK { ?s ?p " + "( " * n + ")" * n + " }"),
    st.integers(1, 60_000).map(lambda n: 'ASK { ?s ?p "' + "x" * n + '" }'),
    st.integers(1, 60_000).map(lambda n: "ASK { <http://e/" + "a" * n + "> ?p ?o }"),
    st.integers(1, 5_000).map(lambda n: "SELECT * WHERE { " + "?s ?p ?o . " * n + "}"),
    st.text(max_size=200),
)

update_text = st.one_of(
    token_soup(),
    st.tuples(st.sampled_from(["INSERT DATA", "DELETE DATA", "DELETE WHERE", "LOAD", "CLEAR",
                               "DROP", "CREATE GRAPH", "ADD", "MOVE", "COPY"]),
              token_soup(20)).map(lambda t: f"{t[0]} {{ {t[1]} }}"),
    st.integers(1, 3000).map(lambda n: "INSERT DATA " + "{" * n),
    st.sampled_from(["LOAD <file:///etc/passwd>", "LOAD <http://127.0.0.1:1/x> INTO GRAPH <g:>",
                     "LOAD SILENT <http://169.254.169.254/latest/meta-data/>",
                     "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"]),
)


def _form(**fields: str) -> bytes:
    return "&".join(f"{k}={quote(v, safe='', errors='surrogatepass')}"
                    for k, v in fields.items()).encode("utf-8")


FORM = "application/x-www-form-urlencoded"
AUTH = ("Authorization", f"Bearer {TOKEN}")


@st.composite
def sparql_requests(draw) -> Raw:
    """A malformed query or update, by each way the protocol carries one."""
    how = draw(st.sampled_from(["get", "form", "direct", "update-form", "update-direct"]))
    if how.startswith("update"):
        text = draw(update_text)
        if how == "update-form":
            return Raw("POST", "/sparql/update", (("Content-Type", FORM), AUTH), _form(update=text))
        return Raw("POST", "/sparql/update", (("Content-Type", "application/sparql-update"), AUTH),
                   text.encode("utf-8", "surrogatepass"))
    text = draw(sparql_text)
    if how == "get":
        return Raw("GET", "/sparql?query=" + quote(text.encode("utf-8", "surrogatepass"), safe=""))
    if how == "form":
        return Raw("POST", "/sparql", (("Content-Type", FORM),), _form(query=text))
    return Raw("POST", "/sparql", (("Content-Type", "application/sparql-query"),),
               text.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------------------------
# RDF
# --------------------------------------------------------------------------------------------

RDF_MEDIA_TYPES = tuple(f.media_type for f in GRAPH_FORMATS)
_n = st.integers(1, 20_000)

#: Hostile documents by the syntax they pretend to be in.
HOSTILE = {
    "text/turtle": st.one_of(
        _n.map(lambda n: "<http://e/s> <http://e/p> " + "[ <http://e/p> " * n + "1" + " ]" * n
               + " ."),
        _n.map(lambda n: "<http://e/s> <http://e/p> " + "( " * n + ")" * n + " ."),
        st.integers(2, 70).map(lambda n: "".join(
            f"_:b{i} <http://e/p> _:b{j} .\n" for i in range(n) for j in range(n))),
        _n.map(lambda n: "".join(f"_:b{i} <http://e/p> _:b{i + 1} .\n" for i in range(n))),
        _n.map(lambda n: '<http://e/s> <http://e/p> "' + "\\u0000" * min(n, 5000) + '" .'),
        st.integers(1, 60_000).map(lambda n: f"<http://e/{'a' * n}> <http://e/p> 1 ."),
        st.just("@prefix : <http://e/> . :a :b :c ; :d [ :e ( 1 2 ) ] ."),
        st.just('@base <file:///etc/> . <passwd> <p> "x" .'),
    ),
    "application/ld+json": st.one_of(
        _n.map(lambda n: '{"@id": "http://e/s", "http://e/p": ' + "[" * n + "1" + "]" * n + "}"),
        _n.map(lambda n: '{"@id": "http://e/s", "http://e/p": '
               + '{"http://e/p": ' * n + "1" + "}" * n + "}"),
        _n.map(lambda n: '{"@context": ' + '{"@context": ' * n + "{}" + "}" * n + "}"),
        st.sampled_from([
            '{"@context": "http://127.0.0.1:1/context.jsonld", "@id": "http://e/s"}',
            '{"@context": "file:///etc/passwd", "@id": "http://e/s"}',
            '{"@context": {"@import": "http://169.254.169.254/"}, "@id": "http://e/s"}',
            '{"@context": {"@vocab": "http://e/"}, "@graph": [{"@id": "_:a", "p": '
            '{"@id": "_:a"}}]}',
            '{"@id": "http://e/s", "http://e/p": {"@value": 1, "@type": "@json"}}',
            '{"@id": "http://e/s", "@type": null}', "[" * 50, "null", "1", '"x"',
        ]),
    ),
    "application/rdf+xml": st.one_of(
        _n.map(lambda n: '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
               'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s">'
               + "<e:p><rdf:Description>" * n + "</rdf:Description></e:p>" * n
               + "</rdf:Description></rdf:RDF>"),
        st.integers(1, 12).map(lambda n: (
            '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY e0 "lol">\n'
            + "".join(f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">\n'
                      for i in range(1, n + 1))
            + ']>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
              'xmlns:e="http://e/"><rdf:Description rdf:about="http://e/s">'
              f"<e:p>&e{n};</e:p></rdf:Description></rdf:RDF>")),
        st.sampled_from([
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://e/">'
            '<rdf:Description rdf:about="http://e/s"><e:p>&x;</e:p></rdf:Description></rdf:RDF>',
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd">'
            " %p;]><r/>",
            '<?xml version="1.0" encoding="UTF-16"?><rdf:RDF/>',
            "<rdf:RDF", "<?xml version='1.0'?>", "",
        ]),
    ),
    "application/n-triples": st.one_of(
        st.integers(1, 60_000).map(lambda n: f'<http://e/s> <http://e/p> "{"x" * n}" .'),
        st.just("<http://e/s> <http://e/p> <http://e/o> <http://e/g> ."),
        st.just("_:a <http://e/p> _:a ."),
    ),
    "application/trig": st.one_of(
        _n.map(lambda n: "<http://e/g> { " * min(n, 3000) + "<a> <b> <c> ." + " }" * n),
        st.just("GRAPH <http://e/g> { <http://e/s> <http://e/p> 1 . }"),
    ),
    "application/n-quads": st.one_of(
        st.just("<http://e/s> <http://e/p> <http://e/o> <http://e/g> ."),
        st.just("<http://e/s> <http://e/p> <http://e/o> _:g ."),
    ),
}

BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@st.composite
def rdf_document(draw) -> tuple[str, bytes]:
    """(Content-Type, body): a hostile document, possibly damaged, possibly mislabelled."""
    media = draw(st.sampled_from(RDF_MEDIA_TYPES))
    text = draw(st.one_of(HOSTILE.get(media, HOSTILE["text/turtle"]), token_soup(),
                          st.text(max_size=300)))
    body = text.encode("utf-8", "surrogatepass")
    damage = draw(st.sampled_from(["none", "none", "bom", "nul", "latin1", "bytes", "utf16"]))
    if damage == "bom":
        body = draw(st.sampled_from(BOMS)) + body
    elif damage == "nul":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + b"\x00" + body[at:]
    elif damage == "latin1":
        at = draw(st.integers(0, len(body)))
        body = body[:at] + b"\xe9\xff\xc3" + body[at:]
    elif damage == "bytes":
        body = draw(st.binary(max_size=500))
    elif damage == "utf16":
        body = text.encode("utf-16", "surrogatepass")
    label = draw(st.sampled_from(["right", "right", "other", "params", "odd", "none"]))
    if label == "other":
        media = draw(st.sampled_from(RDF_MEDIA_TYPES))
    elif label == "params":
        media += draw(st.sampled_from(["; charset=latin-1", "; charset=utf-16", "; charset=",
                                       ";;;", '; q="', "; version=1.1; charset=utf-8"]))
    elif label == "odd":
        media = draw(st.sampled_from(ODD_MEDIA_TYPES))
    elif label == "none":
        media = ""
    return media, body


ODD_MEDIA_TYPES = ("application/octet-stream", "text/plain", "application/json", "text/html",
                   "multipart/form-data", "multipart/form-data; boundary=", "*/*", "text/*",
                   "application/x-www-form-urlencoded", "application/sparql-query", "x", "/",
                   "text/turtle/turtle", "\u00e9/\u00e9".encode().decode("latin-1"),
                   "application/" + "x" * 300)


def _multipart(parts: list[tuple[str, str | None, str, bytes]]) -> tuple[str, bytes]:
    boundary = "fuzzBoundary7MA4YWxkTrZu0gW"
    out = b""
    for name, filename, ctype, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += (f"--{boundary}\r\nContent-Disposition: {disp}\r\n"
                f"Content-Type: {ctype or 'application/octet-stream'}\r\n\r\n").encode() + data
        out += b"\r\n"
    return f"multipart/form-data; boundary={boundary}", out + f"--{boundary}--\r\n".encode()


GRAPH = "http://example.org/fuzz/graph"


@st.composite
def rdf_requests(draw) -> Raw:
    """Hostile RDF to every route that reads RDF: /validate (body, multipart with data and
    shapes, form) and the Graph Store (PUT, POST, create), with a valid token."""
    media, body = draw(rdf_document())
    where = draw(st.sampled_from(["validate", "validate-multipart", "validate-shapes",
                                  "validate-form", "gsp-put", "gsp-post", "gsp-create",
                                  "gsp-multipart"]))
    ctype = (("Content-Type", media),) if media else ()
    if where == "validate":
        return Raw("POST", "/validate", ctype, body)
    if where in ("validate-multipart", "validate-shapes", "gsp-multipart"):
        filename = draw(st.sampled_from([None, "data.ttl", "x.jsonld", "x.rdf", "x", "../../x.nt",
                                         "\u00e9.ttl"]))
        parts = [("data" if where != "gsp-multipart" else "file", filename, media, body)]
        if where == "validate-shapes":
            parts.append(("shapes", "shapes.ttl", "text/turtle",
                          draw(rdf_document())[1]))
        mt, data = _multipart(parts)
        if where == "gsp-multipart":
            return Raw("PUT", f"/rdf-graphs/service?graph={quote(GRAPH)}",
                       (("Content-Type", mt), AUTH), data)
        return Raw("POST", "/validate", (("Content-Type", mt),), data)
    if where == "validate-form":
        fmt = draw(st.sampled_from(["turtle", "json-ld", "rdfxml", "nt", "nonsense", ""]))
        return Raw("POST", "/validate", (("Content-Type", FORM),),
                   _form(data=body.decode("utf-8", "replace"), format=fmt))
    if where == "gsp-put":
        return Raw("PUT", f"/rdf-graphs/service?graph={quote(GRAPH)}", (*ctype, AUTH), body)
    if where == "gsp-post":
        return Raw("POST", "/rdf-graphs/service?default", (*ctype, AUTH), body)
    return Raw("POST", "/rdf-graphs/service", (*ctype, AUTH), body)


# --------------------------------------------------------------------------------------------
# Odd requests: methods, Accept, paths, sizes
# --------------------------------------------------------------------------------------------

PATHS = ("/", "/sparql", "/sparql/update", "/health", "/validate", "/rdf-graphs/service",
         "/rdf-graphs/service?default", "/id/org/itu", "/id/org/itu.ttl", "/def", "/def.ttl",
         "/def/ActionLine", "/shapes.html", "/graph/reference", "/dumps/wsis-kg.nq",
         "/.well-known/void", "/context.jsonld", "/examples.json", "/prefixes.json", "/editor",
         "/data", "/pictures", "/openapi.json", "/examples/e-health-facilitators.rq",
         "/sparql?query=ASK%7B%7D", "/assets/yasgui.min.css", "/static/wsis.css")
_tchar = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~"
METHODS = st.one_of(
    st.sampled_from(["PROPFIND", "TRACE", "PATCH", "OPTIONS", "MKCOL", "LOCK", "COPY", "MOVE",
                     "SEARCH", "CONNECT", "get", "Get", "HEAD", "DELETE", "PUT", "POST"]),
    st.text(alphabet=_tchar, min_size=1, max_size=20),
    st.just("X" * 200),
)

TRAVERSALS = (
    "/id/../../etc/passwd", "/id/%2e%2e/%2e%2e/etc/passwd", "/id/..%2f..%2fetc%2fpasswd",
    "/id/%2E%2E%2F%2E%2E%2Fsettings.py", "/static/../settings.py", "/static/..%2fsettings.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml", "/assets/..%2f..%2fpackage.json",
    "/assets/%2e%2e", "/examples/..%2f..%2fpyproject.toml.rq", "/examples/%2e%2e.rq",
    "/dumps/..%2fwsis-kg.nq", "/dumps/wsis-kg.%2e%2e", "/def.%2e%2e%2fsettings",
    "/id/org/%00", "/id/org/itu%00.ttl", "/examples/%00.rq", "/static/%00", "/assets/%00",
    "/id/%c0%ae%c0%ae/etc/passwd", "/id/%ff%fe", "/rdf-graphs/service/..%2f..%2fetc",
    "/rdf-graphs/service?graph=file:///etc/passwd", "/rdf-graphs/service?graph=%00",
    "/editor?example=..%2f..%2fetc%2fpasswd", "/id/org/itu/..%2f..%2f..%2fdef.ttl",
    "/%2e%2e/%2e%2e/etc/passwd", "//etc/passwd", "/id//org//itu", "/.well-known/void.%00",
)

ACCEPT = st.one_of(
    st.sampled_from(["", "*/*", "*", "text/*", "*/html", "text/html;q=nan", "text/turtle;q=-1",
                     "application/ld+json;q=2", "*/*;q=0", "text/html;q=0, */*;q=0",
                     "text/turtle;;;q=0.5", ",,,,", ";", "application/sparql-results+json;q=",
                     "text/html; level=1; q=0.3, */*;q=0.1", "image/png",
                     "application/problem+json", "text/csv, text/tab-separated-values",
                     "\u00e9/\u00e9".encode().decode("latin-1"), "a/b;" + "x=y;" * 500]),
    st.lists(st.tuples(st.sampled_from(["text", "application", "*", "image", "x"]),
                       st.sampled_from(["turtle", "html", "ld+json", "*", "json", "xml",
                                        "sparql-results+json", "n-triples", "csv", "y"]),
                       st.sampled_from(["", ";q=0", ";q=1", ";q=0.5", ";q=x", ";charset=utf-8",
                                        ";q=1.0001", ";q=00000000001"])),
             max_size=8).map(lambda xs: ", ".join(f"{a}/{b}{c}" for a, b, c in xs)),
    st.integers(1, 700).map(lambda n: "text/html, " * n),
)


@st.composite
def odd_requests(draw) -> Raw:
    """Odd methods, odd Accept headers, huge IRIs, path traversal, oversized bodies."""
    kind = draw(st.sampled_from(["method", "accept", "huge-iri", "traversal", "oversized",
                                 "wrong-type"]))
    if kind == "method":
        return Raw(draw(METHODS), draw(st.sampled_from(PATHS)),
                   (("Content-Type", "text/turtle"),) if draw(st.booleans()) else (),
                   draw(st.sampled_from([b"", b"<a> <b> <c> ."])))
    if kind == "accept":
        return Raw(draw(st.sampled_from(["GET", "HEAD"])), draw(st.sampled_from(PATHS)),
                   (("Accept", draw(ACCEPT)),))
    if kind == "huge-iri":
        n = draw(st.integers(1, 30_000))
        seg = draw(st.sampled_from(["a", "%41", "%2F", "/", "é", ".", "%00", "<", "x/"]))
        prefix = draw(st.sampled_from(["/id/", "/def/", "/graph/", "/shapes/", "/id/org/",
                                       "/rdf-graphs/service/", "/examples/", "/dumps/"]))
        tail = quote((seg * n)[: 4 * n], safe="/%") + draw(st.sampled_from(["", ".ttl", ".html",
                                                                           ".rq", ".nq"]))
        return Raw("GET", prefix + tail, (("Accept", draw(ACCEPT)),) if draw(st.booleans())
                   else ())
    if kind == "traversal":
        return Raw(draw(st.sampled_from(["GET", "HEAD", "PUT", "DELETE"])),
                   draw(st.sampled_from(TRAVERSALS)),
                   (AUTH,) if draw(st.booleans()) else ())
    if kind == "oversized":
        size = MAX_BODY + draw(st.integers(1, 3 * MAX_BODY))
        path, ctype = draw(st.sampled_from([
            ("/validate", "text/turtle"), ("/sparql", "application/sparql-query"),
            ("/sparql", FORM), ("/sparql/update", "application/sparql-update"),
            ("/rdf-graphs/service?default", "text/turtle"),
            ("/rdf-graphs/service?graph=http://e/g", "application/ld+json"),
            ("/validate", FORM), ("/validate", "multipart/form-data; boundary=b")]))
        headers = (("Content-Type", ctype), AUTH)
        return Raw(draw(st.sampled_from(["POST", "PUT"])), path, headers, b"a" * size)
    path, method = draw(st.sampled_from([("/sparql", "POST"), ("/sparql/update", "POST"),
                                         ("/validate", "POST"), ("/rdf-graphs/service", "POST"),
                                         ("/rdf-graphs/service?default", "PUT")]))
    return Raw(method, path, (("Content-Type", draw(st.sampled_from(ODD_MEDIA_TYPES))), AUTH),
               draw(st.sampled_from([b"", b"query=ASK%7B%7D", b"ASK {}", b"<a> <b> <c> .",
                                     b"--b\r\n\r\n--b--", b"\x00\xff"])))


#: Every request family of this module.
any_request = st.one_of(sparql_requests(), rdf_requests(), odd_requests())
