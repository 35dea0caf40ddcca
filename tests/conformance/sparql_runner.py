"""Run the W3C SPARQL 1.1 test suites against the service THROUGH HTTP.

* Query / update evaluation and syntax tests: the Flask test client (a real WSGI round trip,
  no socket) of one app; before each test the store is emptied and loaded through
  ``QueryService.write`` (the same path the update endpoint uses), so each test has its own
  dataset and query workers are recycled exactly as after any write.
* Protocol tests: raw HTTP requests to a live server (see test_sparql11.py).
* Federation tests: as evaluation tests, with each SERVICE endpoint of a test served by its
  own ``oxigraph serve`` on 127.0.0.1 (see :class:`FederationRunner`).

Results are compared with pyoxigraph: SELECT/ASK answers parsed with ``parse_query_results``
and compared as multisets with a blank-node bijection; graphs and whole datasets compared
after RDF canonicalisation (RDFC-1.0). CSV (lossy by design) is compared cell by cell, blank
nodes up to renaming.

Test IRIs are reported with their canonical W3C names
(``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/<suite>/manifest#<test>``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection

HERE = Path(__file__).resolve().parent
SUITE_DIR = HERE / "sparql11"
W3C_BASE = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

TOKEN = "conformance-token"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


# ------------------------------------------------------------------------------------------
# manifests
# ------------------------------------------------------------------------------------------

@dataclass
class Case:
    iri: str          # canonical W3C IRI
    key: str          # short key: "<suite>/manifest#<name>" (used in exclusions.py)
    kind: str         # local name of the mf: test type
    name: str
    node: URIRef
    graph: Graph
    manifest: Path


def canonical(iri: str) -> str:
    if iri.startswith("file:"):
        p = Path(unquote(urlparse(iri).path))
        try:
            rel = p.relative_to(SUITE_DIR)
        except ValueError:
            return iri
        return W3C_BASE + str(rel).replace(".ttl", "")
    return iri


def short_key(iri: str) -> str:
    return iri[len(W3C_BASE):] if iri.startswith(W3C_BASE) else iri


def load_manifest(path: Path, seen: set[Path] | None = None) -> list[Case]:
    """All test cases of a manifest, following mf:include."""
    seen = seen if seen is not None else set()
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    g = Graph()
    g.parse(path, format="turtle", publicID=path.as_uri())
    cases: list[Case] = []
    for m in g.subjects(RDF.type, MF.Manifest):
        for lst in g.objects(m, MF.include):
            for inc in Collection(g, lst):
                cases += load_manifest(Path(unquote(urlparse(str(inc)).path)), seen)
        for lst in g.objects(m, MF.entries):
            for t in Collection(g, lst):
                kind = g.value(t, RDF.type)
                iri = canonical(str(t))
                cases.append(Case(iri, short_key(iri),
                                  str(kind).rsplit("#", 1)[-1] if kind else "?",
                                  str(g.value(t, MF.name) or ""), t, g, path))
    return cases


def path_of(term) -> Path:
    return Path(unquote(urlparse(str(term)).path))


# ------------------------------------------------------------------------------------------
# outcomes
# ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    case: Case
    outcome: str               # passed | failed | inapplicable | xfail | xpass
    info: str = ""
    seconds: float = 0.0


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def run(self) -> list[Outcome]:
        """Outcomes that count for the pass rate: an unexpected pass (``xpass``) counts as a
        failure, so an exclusion the engine no longer needs is noticed and removed."""
        return [o for o in self.outcomes if o.outcome not in ("inapplicable", "xfail")]

    @property
    def passed(self) -> int:
        return sum(o.outcome == "passed" for o in self.outcomes)

    @property
    def rate(self) -> float:
        return self.passed / max(1, len(self.run))

    def summary(self, title: str) -> str:
        failed = [o for o in self.outcomes if o.outcome == "failed"]
        skipped = [o for o in self.outcomes if o.outcome == "inapplicable"]
        xfail = [o for o in self.outcomes if o.outcome == "xfail"]
        xpass = [o for o in self.outcomes if o.outcome == "xpass"]
        lines = [f"{title}: {self.passed}/{len(self.run)} passed ({self.rate:.1%}), "
                 f"{len(xfail)} excluded and still failing, {len(skipped)} not applicable"]
        lines += [f"  FAILED {o.case.key}: {o.info[:300]}" for o in failed]
        lines += [f"  UNEXPECTED PASS {o.case.key}: {o.info}" for o in xpass]
        lines += [f"  excluded {o.case.key}: {o.info[:300]}" for o in xfail]
        lines += [f"  not applicable {o.case.key}: {o.info}" for o in skipped]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# comparison
# ------------------------------------------------------------------------------------------

_NORM: dict = {}
_NORM_S, _NORM_P = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")


def normalise(term):
    """A literal as the store keeps it (Oxigraph stores values: "01"^^xsd:integer is 1).

    Expected and actual terms both go through a store, as Oxigraph's own test runner does, so
    lexical variants of one value compare equal.
    """
    if not isinstance(term, ox.Literal):
        return term
    out = _NORM.get(term)
    if out is None:
        st = ox.Store()
        st.add(ox.Quad(_NORM_S, _NORM_P, term))
        out = next(iter(st)).object
        _NORM[term] = out
    return out


def rows_of(sols: ox.QuerySolutions) -> list[dict[str, object]]:
    names = [v.value for v in sols.variables]
    out = []
    for s in sols:
        out.append({n: normalise(s[n]) for n in names if s[n] is not None})
    return out


def _csv_cell(v: str):
    """CSV drops datatypes; numbers are compared by value (the store keeps values, so 1.0E6
    comes back as 1000000)."""
    try:
        return float(v) if v and (v[0].isdigit() or v[0] in "+-.") else v
    except ValueError:
        return v


def _is_bnode(t) -> bool:
    return isinstance(t, ox.BlankNode) or (isinstance(t, str) and t.startswith("_:"))


def same_rows(expected: list[dict], actual: list[dict]) -> bool:
    """Multiset equality of solutions up to a bijection between blank nodes."""
    if len(expected) != len(actual):
        return False

    def shape(r: dict) -> frozenset:
        return frozenset((k, "_:" if _is_bnode(v) else v) for k, v in r.items())

    if Counter(map(shape, expected)) != Counter(map(shape, actual)):
        return False
    if not any(_is_bnode(v) for r in expected for v in r.values()):
        return True
    exp = sorted(expected, key=lambda r: -sum(_is_bnode(v) for v in r.values()))
    shapes = [shape(a) for a in actual]

    def bt(i: int, used: frozenset, m: dict, inv: dict) -> bool:
        if i == len(exp):
            return True
        e = exp[i]
        se = shape(e)
        for j, a in enumerate(actual):
            if j in used or shapes[j] != se:
                continue
            m2, inv2, ok = dict(m), dict(inv), True
            for k, v in e.items():
                if _is_bnode(v):
                    w = a[k]
                    if m2.setdefault(v, w) != w or inv2.setdefault(w, v) != v:
                        ok = False
                        break
            if ok and bt(i + 1, used | {j}, m2, inv2):
                return True
        return False

    return bt(0, frozenset(), {}, {})


def rdf_result_set(path: Path) -> list[dict] | bool:
    """Rows (or the boolean) of a result set written in RDF with the DAWG rs: vocabulary."""
    st = ox.Store()
    st.bulk_extend(parse_rdf_file(path))
    rs = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
    for r in st.query(f"SELECT ?b {{ ?x <{rs}boolean> ?b }}"):
        return r["b"].value == "true"
    rows: dict = {}
    for r in st.query(f"""SELECT ?sol ?var ?val {{ ?set <{rs}solution> ?sol
            OPTIONAL {{ ?sol <{rs}binding> ?bd . ?bd <{rs}variable> ?var ; <{rs}value> ?val }}
            }}"""):
        row = rows.setdefault(r["sol"], {})
        if r["var"] is not None:
            row[r["var"].value] = normalise(r["val"])
    return list(rows.values())


def canonical_dataset(quads) -> ox.Dataset:
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return ds


def parse_rdf_file(path: Path, graph=None) -> list[ox.Quad]:
    fmt = ox.RdfFormat.from_extension(path.suffix[1:]) or ox.RdfFormat.TURTLE
    g = graph if graph is not None else ox.DefaultGraph()
    return [ox.Quad(t.subject, t.predicate, t.object, g) if isinstance(t, ox.Triple)
            else ox.Quad(t.subject, t.predicate, t.object, g)
            for t in ox.parse(path=str(path), format=fmt, base_iri=path.as_uri())]


def diff_text(expected, actual, limit: int = 400) -> str:
    return f"expected {str(expected)[:limit]} | got {str(actual)[:limit]}"


# ------------------------------------------------------------------------------------------
# evaluation runner (Flask test client)
# ------------------------------------------------------------------------------------------

class EvalRunner:
    """Runs evaluation and syntax tests through one app's HTTP interface."""

    def __init__(self, app, exclusions: dict[str, str],
                 endpoints: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.client = app.test_client()
        self.exclusions = exclusions
        #: SERVICE endpoint IRI → loopback URL, applied to query texts (see FederationRunner).
        self.endpoints = dict(endpoints or {})
        from wsis_kg.web import EXTENSION_KEY

        self.svc = app.extensions[EXTENSION_KEY]

    # -- dataset ------------------------------------------------------------------------
    def reset(self, default: list[Path], named: list[tuple[str, Path]]) -> None:
        reset_store(self.svc, default, named)

    # -- running ------------------------------------------------------------------------
    def run(self, cases: list[Case]) -> Report:
        report = Report()
        for c in cases:
            t0 = time.monotonic()
            handler = getattr(self, "_" + c.kind, None)
            if handler is None:
                report.outcomes.append(Outcome(c, "inapplicable", f"test type {c.kind}"))
                continue
            try:
                ok, info = handler(c)
            except Exception as e:  # noqa: BLE001 - a runner error is a failed test
                ok, info = False, f"runner error: {type(e).__name__}: {e}"
            report.outcomes.append(excluded_or(c, ok, info, self.exclusions,
                                               time.monotonic() - t0))
        return report

    def _query(self, text: str, *, base: str, default: list[str], named: list[str],
               accept: str = ACCEPT):
        from wsis_kg.store.embedded import has_dataset_clause

        params: list[tuple[str, str]] = []
        if not has_dataset_clause(text):
            params += [("default-graph-uri", u) for u in default]
            params += [("named-graph-uri", u) for u in named]
        return self.client.post("/sparql", query_string=params,
                                data=f"BASE <{base}>\n{text}".encode(),
                                headers={"Content-Type": "application/sparql-query",
                                         "Accept": accept})

    def _update(self, text: str, *, base: str):
        return self.client.post("/sparql/update", data=f"BASE <{base}>\n{text}".encode(),
                                headers={"Content-Type": "application/sparql-update",
                                         "Authorization": f"Bearer {TOKEN}"})

    # -- test kinds ---------------------------------------------------------------------
    def _QueryEvaluationTest(self, c: Case) -> tuple[bool, str]:
        g, t = c.graph, c.node
        action = g.value(t, MF.action)
        qfile = path_of(g.value(action, QT.query))
        data = [path_of(d) for d in g.objects(action, QT.data)]
        gdata = [path_of(d) for d in g.objects(action, QT.graphData)]
        # The test's default graph is named after its file and selected with default-graph-uri
        # (the service's own default graph is the union of all graphs).
        self.reset([], [(p.as_uri(), p) for p in data + gdata])
        result_file = path_of(g.value(t, MF.result))
        accept = ACCEPT
        if result_file.suffix == ".csv":
            accept = "text/csv"
        elif result_file.suffix == ".tsv":
            accept = "text/tab-separated-values"
        resp = self._query(self.query_text(qfile), base=qfile.as_uri(),
                           default=[p.as_uri() for p in data],
                           named=[p.as_uri() for p in gdata], accept=accept)
        if resp.status_code != 200:
            return False, f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:400]}"
        return self.compare(result_file, resp)

    _CSVResultFormatTest = _QueryEvaluationTest

    def query_text(self, qfile: Path) -> str:
        """The test's query, with each mapped endpoint IRI ``<E>`` written as ``<url>``."""
        text = qfile.read_text(encoding="utf-8")
        for iri, url in self.endpoints.items():
            text = text.replace(f"<{iri}>", f"<{url}>")
        return text

    def compare(self, result_file: Path, resp) -> tuple[bool, str]:
        ctype = resp.headers.get("Content-Type", "")
        body = resp.get_data()
        suffix = result_file.suffix
        if suffix == ".csv":
            exp = list(csv.reader(io.StringIO(result_file.read_text(encoding="utf-8"))))
            act = list(csv.reader(io.StringIO(body.decode("utf-8"))))
            # SELECT * column order is not fixed by the spec: compare columns by name
            if not exp or not act or sorted(exp[0]) != sorted(act[0]):
                return False, diff_text(exp[:1], act[:1])
            he = [{k: _csv_cell(v) for k, v in zip(exp[0], r, strict=False)} for r in exp[1:]]
            ha = [{k: _csv_cell(v) for k, v in zip(act[0], r, strict=False)} for r in act[1:]]
            return same_rows(he, ha), diff_text(he, ha)
        if suffix in (".srx", ".srj", ".tsv"):
            fmt = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
                   ".tsv": ox.QueryResultsFormat.TSV}[suffix]
            expected = ox.parse_query_results(path=str(result_file), format=fmt)
            afmt = ox.QueryResultsFormat.from_media_type(ctype)
            if afmt is None:
                return False, f"answer is {ctype}, not a SPARQL results format"
            actual = ox.parse_query_results(body, format=afmt)
            if isinstance(expected, ox.QueryBoolean):
                if not isinstance(actual, ox.QueryBoolean):
                    return False, "expected a boolean"
                return bool(expected) == bool(actual), diff_text(bool(expected), bool(actual))
            if not isinstance(actual, ox.QuerySolutions):
                return False, "expected solutions"
            ev = sorted(v.value for v in expected.variables)
            av = sorted(v.value for v in actual.variables)
            e, a = rows_of(expected), rows_of(actual)
            if ev != av:
                return False, f"variables differ: {ev} vs {av}"
            return same_rows(e, a), diff_text(e, a)
        # an RDF graph, or a result set written in RDF (rs:ResultSet)
        afmt = ox.QueryResultsFormat.from_media_type(ctype)
        if afmt is not None:
            expected_rows = rdf_result_set(result_file)
            actual = ox.parse_query_results(body, format=afmt)
            if isinstance(expected_rows, bool):
                return (isinstance(actual, ox.QueryBoolean)
                        and bool(actual) == expected_rows), diff_text(expected_rows, actual)
            if not isinstance(actual, ox.QuerySolutions):
                return False, "expected solutions"
            a = rows_of(actual)
            return same_rows(expected_rows, a), diff_text(expected_rows, a)
        rfmt = ox.RdfFormat.from_media_type(ctype)
        if rfmt is None:
            return False, f"answer is {ctype}, not RDF"
        exp = canonical_dataset(parse_rdf_file(result_file))
        act = canonical_dataset(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph())
                                for t in ox.parse(body, format=rfmt))
        return exp == act, diff_text(exp, act)

    def _UpdateEvaluationTest(self, c: Case) -> tuple[bool, str]:
        g, t = c.graph, c.node
        action = g.value(t, MF.action)
        req = path_of(g.value(action, UT.request))

        def dataset(node):
            default = [path_of(d) for d in g.objects(node, UT.data)]
            named = [(str(g.value(gd, RDFS.label)), path_of(g.value(gd, UT.graph)))
                     for gd in g.objects(node, UT.graphData)]
            return default, named

        self.reset(*dataset(action))
        resp = self._update(req.read_text(encoding="utf-8"), base=req.as_uri())
        if resp.status_code >= 300:
            return False, f"HTTP {resp.status_code}: {resp.get_data(as_text=True)[:400]}"
        default, named = dataset(g.value(t, MF.result))
        exp_quads: list[ox.Quad] = []
        for p in default:
            exp_quads += parse_rdf_file(p)
        for name, p in named:
            exp_quads += parse_rdf_file(p, ox.NamedNode(name))
        exp = canonical_dataset(exp_quads)
        act = canonical_dataset(self.svc.queries.store.ox.quads_for_pattern(None, None, None, None))
        return exp == act, diff_text(exp, act)

    def _syntax(self, c: Case, *, update: bool, positive: bool) -> tuple[bool, str]:
        action = path_of(c.graph.value(c.node, MF.action))
        self.reset([], [])
        try:
            text = action.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            return (not positive), "not UTF-8"
        resp = (self._update(text, base=action.as_uri()) if update
                else self._query(text, base=action.as_uri(), default=[], named=[]))
        status = resp.status_code
        if positive:
            # Parsed is what counts: an evaluation error (unknown function, missing graph) or
            # the SERVICE/LOAD refusal (issued only after a complete parse) is not a syntax error.
            body = resp.get_data(as_text=True)
            try:
                ptype = json.loads(body).get("type", "") if status >= 300 else ""
            except ValueError:
                ptype = ""
            ok = status < 300 or (status != 400 and not ptype.endswith("syntax"))
            return ok, f"HTTP {status}: {body[:300]}"
        return status == 400, f"HTTP {status} (expected 400)"

    def _PositiveSyntaxTest11(self, c):
        return self._syntax(c, update=False, positive=True)

    def _NegativeSyntaxTest11(self, c):
        return self._syntax(c, update=False, positive=False)

    def _PositiveUpdateSyntaxTest11(self, c):
        return self._syntax(c, update=True, positive=True)

    def _NegativeUpdateSyntaxTest11(self, c):
        return self._syntax(c, update=True, positive=False)


# ------------------------------------------------------------------------------------------
# federation runner (SERVICE to endpoints on 127.0.0.1)
# ------------------------------------------------------------------------------------------

#: ``app_for(allowlist)``: a context manager giving a fresh app whose
#: ``Settings.service_allowlist`` is exactly ``allowlist`` (closed on exit).
AppFactory = Callable[[tuple[str, ...]], contextlib.AbstractContextManager]


class FederationRunner(EvalRunner):
    """Runs the SPARQL 1.1 Federation suite (syntax-fed, service) through the service's HTTP.

    Syntax tests go to ``app`` (empty allow-list, so SERVICE is refused after a complete parse)
    exactly as in :class:`EvalRunner`. Each SERVICE evaluation test gets, for its own duration
    only:

    * one ``oxigraph serve`` on 127.0.0.1 per ``qt:serviceData [ qt:endpoint <E>; qt:data <f> ]``,
      holding ``f`` in its default graph;
    * for every other constant SERVICE IRI of the query (the ``SERVICE SILENT`` targets the test
      means to be unreachable), a loopback port that is bound but not listening: a call to it is
      refused at once and never leaves the machine;
    * a fresh app whose ``service_allowlist`` is exactly those loopback URLs; its local dataset
      (``qt:data``) is loaded as in :class:`EvalRunner`, and results are compared the same way.

    Endpoint mapping: the suite's endpoint IRIs (``http://example.org/sparql``, ...) are not
    reachable, so each ``<E>`` in the query text is rewritten to its loopback query URL before
    the query is sent. This plays the part of the service-handler map of Oxigraph's own test
    runner (its testsuite maps each endpoint IRI to an in-memory store), but the call goes
    through the service's allow-list check and pyoxigraph's real SERVICE HTTP client (a nested
    SERVICE is then made by the first ``oxigraph serve`` to the second). Only the query text is
    rewritten, where the suite writes endpoints as full IRIs: an endpoint IRI that reaches
    SERVICE through the data (``SERVICE ?var``, service5) is not mapped.
    """

    def __init__(self, app, app_for: AppFactory, exclusions: dict[str, str],
                 log_dir: Path) -> None:
        super().__init__(app, exclusions)
        self.app_for = app_for
        self.log_dir = log_dir

    def _QueryEvaluationTest(self, c: Case) -> tuple[bool, str]:
        with contextlib.ExitStack() as stack:
            endpoints = self.start_endpoints(c, stack)
            app = stack.enter_context(self.app_for(tuple(endpoints.values())))
            return EvalRunner(app, self.exclusions, endpoints)._QueryEvaluationTest(c)

    def start_endpoints(self, c: Case, stack: contextlib.ExitStack) -> dict[str, str]:
        """Endpoint IRI → loopback URL for every endpoint the test uses (stopped with ``stack``)."""
        from wsis_kg.bench.runner import OxigraphServer

        g = c.graph
        action = g.value(c.node, MF.action)
        name = c.key.rsplit("#", 1)[-1]
        endpoints: dict[str, str] = {}
        for i, sd in enumerate(g.objects(action, QT.serviceData)):
            srv = stack.enter_context(OxigraphServer(None, self.log_dir / f"{name}-{i}.log",
                                                     union=False))
            load_endpoint(srv.root, path_of(g.value(sd, QT.data)))
            endpoints[str(g.value(sd, QT.endpoint))] = srv.query_url
        qfile = path_of(g.value(action, QT.query))
        for iri in service_iris(qfile.read_text(encoding="utf-8")):
            if iri not in endpoints:
                endpoints[iri] = stack.enter_context(refusing_url())
        return endpoints


def service_iris(sparql: str) -> list[str]:
    """The IRIs written after ``SERVICE [SILENT]`` in a query text, in order.

    A token scan with rdflib's own IRIREF rule (comments skipped), not a parse: rdflib's
    parser recurses without end on a SERVICE nested in a SERVICE (RDFLib/rdflib#2136), which
    service3 and service6 are. Over-matching (e.g. inside a string) would only map one more
    IRI to a refusing loopback port.
    """
    import pyparsing as pp
    from rdflib.plugins.sparql.parser import IRIREF

    rule = (pp.CaselessKeyword("SERVICE") + pp.Optional(pp.CaselessKeyword("SILENT")).suppress()
            + IRIREF).ignore(pp.python_style_comment)
    return list(dict.fromkeys(str(m[1]) for m, _, _ in rule.scan_string(sparql)))


def load_endpoint(root: str, data: Path) -> None:
    """Put ``data`` (parsed against its own base) in the default graph of ``oxigraph serve``."""
    import requests

    body = ox.serialize(parse_rdf_file(data), format=ox.RdfFormat.N_QUADS)
    resp = requests.post(root + "/store", data=body,
                         headers={"Content-Type": "application/n-quads"}, timeout=30)
    resp.raise_for_status()


@contextlib.contextmanager
def refusing_url() -> Iterator[str]:
    """A loopback SPARQL URL nothing answers: its port stays bound (no one else can take it)
    but never listens, so a connection is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{s.getsockname()[1]}/sparql"


# ------------------------------------------------------------------------------------------
# EARL
# ------------------------------------------------------------------------------------------

def reset_store(svc, default: list[Path], named: list[tuple[str, Path]]) -> None:
    """Replace the service's whole dataset with a test's files, through its one write path."""
    quads: list[ox.Quad] = []
    for p in default:
        quads += parse_rdf_file(p)
    for name, p in named:
        quads += parse_rdf_file(p, ox.NamedNode(name))

    def load(store):
        store.ox.clear()
        store.ox.bulk_extend(quads)

    svc.queries.write(load)


def excluded_or(c: Case, ok: bool, info: str, exclusions: dict[str, str],
                seconds: float) -> Outcome:
    """The outcome of a test that ran; excluded tests run too and are told apart."""
    reason = exclusions.get(c.key)
    if reason is None:
        return Outcome(c, "passed" if ok else "failed", info, seconds)
    if ok:
        return Outcome(c, "xpass", "excluded but passes now: remove it from exclusions.py",
                       seconds)
    return Outcome(c, "xfail", f"{reason} (still fails: {info})", seconds)


#: EARL outcome of each runner outcome.
EARL_OUTCOME = {"passed": "passed", "failed": "failed", "inapplicable": "inapplicable",
                "xfail": "failed", "xpass": "passed"}


def write_earl(outcomes: list[Outcome], path: Path) -> None:
    """An EARL 1.0 report (Turtle) of every test outcome."""
    from datetime import UTC, datetime

    from rdflib import BNode, Literal
    from rdflib.namespace import DCTERMS, FOAF, XSD

    earl = Namespace("http://www.w3.org/ns/earl#")
    doap = Namespace("http://usefulinc.com/ns/doap#")
    g = Graph()
    g.bind("earl", earl)
    g.bind("doap", doap)
    g.bind("dcterms", DCTERMS)
    project = URIRef("https://w3id.org/wsis-kg/")
    g.add((project, RDF.type, doap.Project))
    g.add((project, RDF.type, earl.TestSubject))
    g.add((project, doap.name, Literal("wsis-kg SPARQL service")))
    g.add((project, doap["programming-language"], Literal("Python")))
    runner = URIRef("https://w3id.org/wsis-kg/#conformance-runner")
    g.add((runner, RDF.type, earl.Software))
    g.add((runner, FOAF.name, Literal("tests/conformance/sparql_runner.py")))
    now = Literal(datetime.now(UTC).isoformat(timespec="seconds"), datatype=XSD.dateTime)
    for o in outcomes:
        a, r = BNode(), BNode()
        g.add((a, RDF.type, earl.Assertion))
        g.add((a, earl.assertedBy, runner))
        g.add((a, earl.subject, project))
        g.add((a, earl.test, URIRef(o.case.iri)))
        g.add((a, earl.mode, earl.automatic))
        g.add((a, earl.result, r))
        g.add((r, RDF.type, earl.TestResult))
        g.add((r, earl.outcome, earl[EARL_OUTCOME[o.outcome]]))
        g.add((r, DCTERMS.date, now))
        if o.info and o.outcome != "passed":
            g.add((r, DCTERMS.description, Literal(o.info[:500])))
    path.parent.mkdir(parents=True, exist_ok=True)
    g.serialize(path, format="turtle")


def to_json(outcomes: list[Outcome]) -> str:
    return json.dumps([{"test": o.case.iri, "outcome": o.outcome, "info": o.info[:200]}
                       for o in outcomes], indent=1)


# ------------------------------------------------------------------------------------------
# protocol runner (live HTTP server)
# ------------------------------------------------------------------------------------------

def _status_ok(status: int, allowed: set[str]) -> bool:
    return f"StatusCode{status // 100}xx" in allowed


class ProtocolRunner:
    """Sends each ht:Request of the protocol manifest to a live server, in order.

    The manifest writes every path as ``/sparql/…``; requests carrying an update (an
    ``application/sparql-update`` body, or an ``update=`` parameter) go to ``/sparql/update``
    with the bearer token, the others to ``/sparql``: the SPARQL Protocol allows separate
    query and update endpoints.
    """

    def __init__(self, base_url: str, svc, exclusions: dict[str, str]) -> None:
        import requests

        self.base_url = base_url
        self.svc = svc
        self.exclusions = exclusions
        self.http = requests.Session()

    def reset(self, named: list[tuple[str, Path]]) -> None:
        reset_store(self.svc, [], named)

    def run(self, cases: list[Case]) -> Report:
        report = Report()
        for c in cases:
            if c.kind != "ProtocolTest":
                report.outcomes.append(Outcome(c, "inapplicable", f"test type {c.kind}"))
                continue
            t0 = time.monotonic()
            try:
                ok, info = self.run_one(c)
            except Exception as e:  # noqa: BLE001
                ok, info = False, f"runner error: {type(e).__name__}: {e}"
            report.outcomes.append(excluded_or(c, ok, info, self.exclusions,
                                               time.monotonic() - t0))
        return report

    def run_one(self, c: Case) -> tuple[bool, str]:
        g, t = c.graph, c.node
        named = [(str(g.value(gd, RDFS.label)), path_of(g.value(gd, UT.graph)))
                 for gd in g.objects(t, UT.graphData)]
        self.reset(named)
        action = g.value(t, MF.action)
        for i, req in enumerate(Collection(g, g.value(action, HT.requests)), 1):
            ok, info = self.send(g, req)
            if not ok:
                return False, f"request {i}: {info}"
        return True, ""

    def send(self, g: Graph, req) -> tuple[bool, str]:
        method = str(g.value(req, HT.methodName))
        path = str(g.value(req, HT.absolutePath))
        headers: dict[str, str] = {}
        hl = g.value(req, HT.headers)
        if hl is not None:
            for h in Collection(g, hl):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body_node = g.value(req, HT.body)
        body = str(g.value(body_node, CNT.chars)).encode("utf-8") if body_node else None
        ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        is_update = (ctype.startswith("application/sparql-update")
                     or (body or b"").startswith(b"update=") or "update=" in path)
        rest = path[len("/sparql/"):] if path.startswith("/sparql/") else path.lstrip("/")
        target = "/sparql/update" if is_update else "/sparql"
        if rest and not rest.startswith("?"):
            rest = "?" + rest
        if is_update:
            headers["Authorization"] = f"Bearer {TOKEN}"
        resp = self.http.request(method, self.base_url + target + rest, data=body,
                                 headers=headers, timeout=30)
        expect = g.value(req, HT.resp)
        allowed = {str(s).rsplit("#", 1)[-1] for s in g.objects(expect, MF.expectedStatus)}
        info = f"{method} {target}{rest[:80]} → {resp.status_code} {resp.text[:300]}"
        if allowed and not _status_ok(resp.status_code, allowed):
            return False, f"status not in {sorted(allowed)}: {info}"
        rtype = resp.headers.get("Content-Type", "")
        fmt = g.value(expect, MF.expectedFormat)
        if fmt is not None:
            kind = str(fmt)
            if kind in ("boolean", "tabular"):
                if ox.QueryResultsFormat.from_media_type(rtype) is None:
                    return False, f"expected {kind} results, got {rtype}"
            elif kind == "RDF" and ox.RdfFormat.from_media_type(rtype) is None:
                return False, f"expected RDF, got {rtype}"
        exp_bool = g.value(expect, MF.expectedBoolean)
        if exp_bool is not None:
            res = ox.parse_query_results(resp.content,
                                         format=ox.QueryResultsFormat.from_media_type(rtype))
            if not isinstance(res, ox.QueryBoolean) or bool(res) != exp_bool.toPython():
                return False, f"expected boolean {exp_bool}: {info}"
        return True, info
