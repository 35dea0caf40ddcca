"""W3C SPARQL 1.1 conformance through the service's HTTP interface.

* query evaluation, update evaluation, result formats (CSV/TSV/JSON) and syntax tests: the
  Flask test client of one app with a fresh in-memory store per test (see sparql_runner.py);
* the SPARQL 1.1 Protocol suite: a live HTTP server (tests/conftest.py LiveServer);
* the Service Description suite: its three checks against the live server;
* the Federation suite (SERVICE): each test's endpoints are ``oxigraph serve`` processes on
  127.0.0.1 and the app allows exactly those (see sparql_runner.FederationRunner).

Each run prints its pass rate; every outcome goes into test-artifacts/earl-sparql.ttl (EARL);
a run fails below its floor. Exclusions live in ONE list: exclusions.py.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import sparql_runner as sr  # noqa: E402
from exclusions import EXCLUDED_MANIFESTS, EXCLUSIONS  # noqa: E402

from wsis_kg.settings import Settings  # noqa: E402
from wsis_kg.store.embedded import OxigraphStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EARL_PATH = ROOT / "test-artifacts" / "earl-sparql.ttl"
#: Share of the tests that run (i.e. not in exclusions.py) that must pass.
FLOOR = 1.0

_OUTCOMES: list[sr.Outcome] = []


@pytest.fixture(scope="module", autouse=True)
def _earl():
    yield
    if _OUTCOMES:
        sr.write_earl(_OUTCOMES, EARL_PATH)
        print(f"\nEARL report: {EARL_PATH} ({len(_OUTCOMES)} assertions)")


@contextlib.contextmanager
def _app(allowlist: tuple[str, ...] = ()) -> Iterator:
    """An app over a fresh in-memory store whose SERVICE/LOAD allow-list is ``allowlist``."""
    from wsis_kg.web import EXTENSION_KEY, close_app, create_app

    settings = Settings(project_root=ROOT, build_on_start=False, tokens={sr.TOKEN: "w3c"},
                        query_timeout=30, workers=1, service_allowlist=allowlist)
    app = create_app(settings, store=OxigraphStore())
    try:
        yield app
    finally:
        close_app(app)


@pytest.fixture(scope="module")
def conf_app():
    with _app() as app:
        yield app


def _check(report: sr.Report, title: str) -> None:
    _OUTCOMES.extend(report.outcomes)
    print("\n" + report.summary(title))
    assert report.run, f"{title}: no test ran"
    assert report.rate >= FLOOR, report.summary(title)


def _cases(manifest: str) -> list[sr.Case]:
    return sr.load_manifest(sr.SUITE_DIR / manifest)


def test_nothing_excluded_silently() -> None:
    """Every excluded test exists in the suites (a typo would hide nothing)."""
    keys = {c.key for m in ("manifest-sparql11-query.ttl", "manifest-sparql11-update.ttl",
                            "manifest-sparql11-results.ttl", "manifest-sparql11-fed.ttl",
                            "protocol/manifest.ttl")
            for c in _cases(m)}
    assert set(EXCLUSIONS) <= keys, set(EXCLUSIONS) - keys
    assert all(reason.strip() for reason in EXCLUSIONS.values())
    assert all(reason.strip() for reason in EXCLUDED_MANIFESTS.values())


@pytest.mark.slow
def test_query_evaluation(conf_app) -> None:
    _check(sr.EvalRunner(conf_app, EXCLUSIONS).run(_cases("manifest-sparql11-query.ttl")),
           "SPARQL 1.1 query (evaluation + syntax)")


@pytest.mark.slow
def test_update_evaluation(conf_app) -> None:
    _check(sr.EvalRunner(conf_app, EXCLUSIONS).run(_cases("manifest-sparql11-update.ttl")),
           "SPARQL 1.1 update (evaluation + syntax)")


@pytest.mark.slow
def test_result_formats(conf_app) -> None:
    _check(sr.EvalRunner(conf_app, EXCLUSIONS).run(_cases("manifest-sparql11-results.ttl")),
           "SPARQL 1.1 result formats (JSON, CSV, TSV)")


@pytest.mark.slow
def test_federation(conf_app, tmp_path) -> None:
    """SERVICE through the service: every endpoint an ``oxigraph serve`` on 127.0.0.1, started
    and stopped within its test (a few seconds in all)."""
    runner = sr.FederationRunner(conf_app, _app, EXCLUSIONS, tmp_path)
    _check(runner.run(_cases("manifest-sparql11-fed.ttl")),
           "SPARQL 1.1 Federation (SERVICE evaluation + syntax)")


@pytest.fixture(scope="module")
def conf_server(conf_app):
    from wsis_kg.testing import LiveServer

    with LiveServer(conf_app) as srv:
        yield srv


@pytest.mark.slow
def test_protocol(conf_app, conf_server) -> None:
    from wsis_kg.web import EXTENSION_KEY

    runner = sr.ProtocolRunner(conf_server.url, conf_app.extensions[EXTENSION_KEY], EXCLUSIONS)
    _check(runner.run(_cases("protocol/manifest.ttl")), "SPARQL 1.1 Protocol")


# ------------------------------------------------------------------------------------------
# Service Description (three tests: returns RDF, has the endpoint triple, fits the schema)
# ------------------------------------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
SCHEMA_CHECKS = {
    "every sd:Service has an IRI sd:endpoint":
        f"ASK {{ ?s a <{SD}Service> FILTER NOT EXISTS {{ ?s <{SD}endpoint> ?e "
        "FILTER isIRI(?e) } }",
    "every sd:supportedLanguage is a SPARQL language":
        f"ASK {{ ?s <{SD}supportedLanguage> ?l FILTER (?l NOT IN (<{SD}SPARQL10Query>, "
        f"<{SD}SPARQL11Query>, <{SD}SPARQL11Update>)) }}",
    "every sd:Service states a language":
        f"ASK {{ ?s a <{SD}Service> FILTER NOT EXISTS {{ ?s <{SD}supportedLanguage> ?l }} }}",
    "result formats and features are IRIs":
        f"ASK {{ ?s <{SD}resultFormat>|<{SD}feature>|<{SD}defaultEntailmentRegime> ?f "
        "FILTER (!isIRI(?f)) }",
    "the default dataset is an sd:Dataset with an sd:Graph default graph":
        f"ASK {{ ?s <{SD}defaultDataset> ?d FILTER NOT EXISTS {{ ?d a <{SD}Dataset> ; "
        f"<{SD}defaultGraph> ?g . ?g a <{SD}Graph> }} }}",
    "every named graph has an IRI sd:name":
        f"ASK {{ ?d <{SD}namedGraph> ?n FILTER NOT EXISTS {{ ?n a <{SD}NamedGraph> ; "
        f"<{SD}name> ?name FILTER isIRI(?name) }} }}",
}


def _sd_case(name: str) -> sr.Case:
    return next(c for c in _cases("service-description/manifest.ttl")
                if c.key.endswith("#" + name))


@pytest.mark.parametrize("accept", ["text/turtle", "application/rdf+xml",
                                    "application/ld+json", "application/n-triples"])
def test_service_description(conf_app, conf_server, accept: str) -> None:
    import requests

    resp = requests.get(conf_server.url + "/sparql", headers={"Accept": accept}, timeout=10)
    outcomes = []
    ok = resp.status_code == 200 and resp.headers["Content-Type"].startswith(accept)
    fmt = ox.RdfFormat.from_media_type(resp.headers.get("Content-Type", ""))
    store = ox.Store()
    try:
        store.load(resp.content, format=fmt)
    except (SyntaxError, ValueError, TypeError):
        ok = False
    outcomes.append(sr.Outcome(_sd_case("returns-rdf"), "passed" if ok else "failed",
                               resp.headers.get("Content-Type", "")))
    endpoint = conf_server.url + "/sparql"
    has = ok and bool(store.query(f"ASK {{ ?s <{SD}endpoint> <{endpoint}> }}"))
    outcomes.append(sr.Outcome(_sd_case("has-endpoint-triple"), "passed" if has else "failed",
                               endpoint))
    bad = [name for name, q in SCHEMA_CHECKS.items() if not ok or bool(store.query(q))]
    outcomes.append(sr.Outcome(_sd_case("conforms-to-schema"), "failed" if bad else "passed",
                               "; ".join(bad)))
    if accept == "text/turtle":
        _OUTCOMES.extend(outcomes)
    assert all(o.outcome == "passed" for o in outcomes), [(o.case.key, o.info) for o in outcomes]
