"""Send anything, get a clear answer: property-based and fuzz tests of the whole HTTP API.

* Schemathesis generates requests for every operation of ``/openapi.json`` (valid and invalid
  parameters, bodies in every documented media type) against the WSGI app in-process.
* Hypothesis strategies of :mod:`fuzz_inputs` add what the document cannot say: SPARQL token
  soup, hostile RDF in every syntax, wrong media types, oversized bodies, odd Accept headers,
  huge IRIs, path traversal and odd methods.
* One bounded run (slow) sends both to a real ``wsis-kg serve`` on 127.0.0.1, which must still
  answer ``/health`` afterwards.

Every answer must be a 4xx for a client's error, or a 503 problem saying a limit was kept
(query-timeout, busy, limit-exceeded …); never another 5xx, never a stack trace
(:func:`fuzz_inputs.problem_with_answer`).
Runs are derandomised (the same inputs every time); the budget is small in CI and set for the
long run by ``WSIS_KG_FUZZ_EXAMPLES`` (docs/security.md, "Fuzzing"):

    WSIS_KG_FUZZ_EXAMPLES=50000 .venv/bin/python -m pytest tests/web/test_fuzz.py -m slow
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from fuzz_inputs import (
    AUTH,
    JOB_TIMEOUT,
    MAX_BODY,
    QUERY_TIMEOUT,
    TOKEN,
    TOKEN_KINDS,
    TRAVERSALS,
    Answer,
    Raw,
    any_request,
    budget,
    known_finding,
    odd_requests,
    problem_with_answer,
    rdf_requests,
    send_http,
    send_in_process,
    sparql_requests,
)
from hypothesis import strategies as st

from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.sparql import lexer
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.testing import stop_process
from wsis_kg.web import close_app, create_app, openapi

#: Heavier than the everyday loop allows (`pytest -m "not slow"` stays under a minute).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

#: Derandomised (a fixed seed), no example database, no shrinking (a failure prints the drawn
#: request as its reproducer; shrinking 60 kB bodies would take minutes), no deadline (some
#: inputs are meant to be slow: the service must stop them, which test_fuzz checks as a 503).
FUZZ = dict(derandomize=True, database=None, deadline=None, print_blob=False,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck))


@pytest.fixture(scope="module")
def fuzz_app():
    """An app on its own store (the fuzzer writes with a valid token) with small limits."""
    s = Settings(project_root=ROOT, build_on_start=False, tokens={TOKEN: "fuzzer"},
                 max_body_bytes=MAX_BODY, query_timeout=QUERY_TIMEOUT,
                 job_timeout=JOB_TIMEOUT)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    app = create_app(s, store=store)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def fuzz_client(fuzz_app):
    return fuzz_app.test_client()


@pytest.fixture(scope="module")
def writes_client():
    """The hostile-RDF family writes (blank-node cliques…) to an app of its own: a dump of such
    a store runs to the job limit (test_fuzz_findings: the clique finding), and the other
    families ask for dumps."""
    s = Settings(project_root=ROOT, build_on_start=False, tokens={TOKEN: "fuzzer"},
                 max_body_bytes=MAX_BODY, query_timeout=QUERY_TIMEOUT,
                 job_timeout=JOB_TIMEOUT)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    app = create_app(s, store=store)
    yield app.test_client()
    close_app(app)


#: The document /openapi.json serves (test_openapi checks that it does); loaded at import so
#: the operations are test parameters (schemathesis' lazy fixture loader fails on pytest 9).
schema = schemathesis.openapi.from_path(openapi.DOCUMENT)


def _case_headers(case) -> dict[str, str]:
    """A valid token for operations that need one, so the fuzzer reaches past the check."""
    return {AUTH[0]: AUTH[1]} if case.operation.definition.raw.get("security") else {}


def _case_answer(resp: schemathesis.Response) -> Answer:
    """A schemathesis response (headers: name → list of values) as an :class:`Answer`."""
    ctype = next((v for k, v in resp.headers.items() if k.lower() == "content-type"), [""])
    return Answer(resp.status_code, ctype[0] if isinstance(ctype, list) else ctype,
                  resp.content or b"")


def assert_clear(req, answer: Answer) -> None:
    problem = problem_with_answer(answer)
    assert problem is None or known_finding(answer), f"{problem}\nreproducer: {req!r}"


@schemathesis.serializer("application/sparql-query", "application/sparql-update",
                         "application/n-triples", "application/n-quads", "application/trig")
def _text(ctx, value) -> bytes:
    """Bodies of the text media types schemathesis has no serializer for: the string itself."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else json.dumps(value)).encode("utf-8",
                                                                           "surrogatepass")


# --------------------------------------------------------------------------------------------
# In-process (CI): every operation of the OpenAPI document, then each family of our own inputs
# --------------------------------------------------------------------------------------------

@schema.parametrize()
@hypothesis.settings(max_examples=budget(6, 0.005), **FUZZ)
def test_every_operation_answers_clearly(fuzz_app, case) -> None:
    resp = case.call(app=fuzz_app, headers=_case_headers(case))
    assert_clear(case.as_curl_command(headers=_case_headers(case)), _case_answer(resp))


@hypothesis.settings(max_examples=budget(60, 0.1), **FUZZ)
@hypothesis.given(req=sparql_requests())
def test_malformed_sparql_gets_a_clear_answer(fuzz_client, req: Raw) -> None:
    assert_clear(req, send_in_process(fuzz_client, req))


@hypothesis.settings(max_examples=budget(60, 0.1), **FUZZ)
@hypothesis.given(req=rdf_requests())
def test_hostile_rdf_gets_a_clear_answer(writes_client, req: Raw) -> None:
    assert_clear(req, send_in_process(writes_client, req))


@hypothesis.settings(max_examples=budget(60, 0.1), **FUZZ)
@hypothesis.given(req=odd_requests())
def test_odd_requests_get_a_clear_answer(fuzz_client, req: Raw) -> None:
    assert_clear(req, send_in_process(fuzz_client, req))


def test_the_rule_catches_an_internal_error() -> None:
    """The harness has teeth: a route that raises is a 500 problem, and the rule refuses it."""
    s = Settings(project_root=ROOT, build_on_start=False)
    app = create_app(s, store=OxigraphStore())
    app.add_url_rule("/boom", "boom", lambda: 1 // 0)
    try:
        answer = send_in_process(app.test_client(), Raw("GET", "/boom"))
    finally:
        close_app(app)
    assert answer.status == 500
    assert problem_with_answer(answer) == "status 500 ('https://w3id.org/wsis-kg/problems/internal')"
    assert not known_finding(answer)
    timeout = Answer(503, "application/problem+json",
                     b'{"type": "https://w3id.org/wsis-kg/problems/query-timeout", "status": 503}')
    assert problem_with_answer(timeout) is None
    other_503 = Answer(503, "text/plain", b"Service Unavailable")
    assert problem_with_answer(other_503) is not None
    head_503 = Answer(503, "application/problem+json", b"")  # found: HEAD of a dump at its limit
    assert problem_with_answer(head_503) is None
    assert problem_with_answer(Answer(500, "application/problem+json", b"")) is not None


def test_the_soup_has_every_token_kind_of_the_lexer() -> None:
    """The SPARQL soup draws one strategy per token kind of the lexer: a new kind needs one."""
    assert set(TOKEN_KINDS) == set(lexer._TOKEN.groupindex)  # noqa: SLF001


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_reaches_no_file(fuzz_client, path: str) -> None:
    """No path names a file outside what the service serves (each traversal, every time)."""
    answer = send_in_process(fuzz_client, Raw("GET", path))
    assert_clear(path, answer)
    assert answer.status >= 300 or path.startswith("/id//"), (path, answer.status)
    for secret in (b"root:x:0:0", b"[build-system]", b"class Settings", b'"devDependencies"'):
        assert secret not in answer.body, path


# --------------------------------------------------------------------------------------------
# A real server (slow): both generators over sockets; the server must survive
# --------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, int, subprocess.Popen, Path]]:
    """``wsis-kg serve`` (granian) on 127.0.0.1 with the fuzz limits; stopped afterwards."""
    port = _free_port()
    exe = Path(sys.executable).parent / "wsis-kg"
    env = dict(os.environ, WSIS_KG_TOKENS=f"fuzzer:{TOKEN}", WSIS_KG_MAX_BODY_BYTES=str(MAX_BODY),
               WSIS_KG_QUERY_TIMEOUT=str(QUERY_TIMEOUT), WSIS_KG_JOB_TIMEOUT=str(JOB_TIMEOUT))
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        workers = ["--workers", "4"] if live_clients(budget(300, 1.0)) > 1 else []
        proc = subprocess.Popen([str(exe), "serve", "--port", str(port), *workers], env=env,
                                stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    try:
        for _ in range(600):
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None, log_path.read_text()
            time.sleep(0.1)
        yield "127.0.0.1", port, proc, log_path
    finally:
        stop_process(proc, 15)


#: Inputs per client process of the live run: beyond this many, the run is split over several
#: clients (each its own seed) so that generating inputs (≈30 ms each, both generators) and the
#: server's answers (1–2 s for an input that runs to a limit) overlap; the long run's 50,000
#: inputs go out from 4 clients against a server with 4 query processes.
INPUTS_PER_CLIENT = 2_500
MAX_CLIENTS = 4


def live_clients(examples: int) -> int:
    return max(1, min(MAX_CLIENTS, examples // INPUTS_PER_CLIENT))


def live_run(url: str, examples: int, seed: int | None, artifact: Path) -> dict:
    """Send ``examples`` inputs drawn from both generators to the server at ``url``.

    ``seed`` None is the derandomised run of CI; the other clients of a long run use seeds
    1, 2, … (a seed overrides ``derandomize``: still the same inputs on every run). The tally
    (inputs sent, each bad answer with its reproducer) is written to ``artifact`` as it goes,
    so a long run stopped early still tells what it found.
    """
    host, port = url.removeprefix("http://").split(":")
    operations = [op.ok() for op in
                  schemathesis.openapi.from_url(url + "/openapi.json").get_all_operations()]
    from_document = st.sampled_from(operations).flatmap(
        lambda op: st.one_of(op.as_strategy(schemathesis.GenerationMode.POSITIVE),
                             op.as_strategy(schemathesis.GenerationMode.NEGATIVE)))
    tally: dict = {"inputs": 0, "findings": [], "known_findings": [], "seed": seed}
    started = time.monotonic()

    def save() -> None:
        tally["seconds"] = round(time.monotonic() - started, 1)
        artifact.write_text(json.dumps(tally, indent=1))

    @hypothesis.settings(max_examples=examples, **FUZZ)
    @hypothesis.given(item=st.one_of(from_document, any_request))
    def run(item) -> None:
        tally["inputs"] += 1
        if tally["inputs"] % 250 == 0:
            save()
        headers = {} if isinstance(item, Raw) else _case_headers(item)
        try:
            if isinstance(item, Raw):
                answer = send_http(host, int(port), item)
            else:
                answer = _case_answer(item.call(base_url=url, headers=headers, timeout=30))
        except (OSError, http.client.HTTPException, requests.RequestException) as e:
            problem, known = f"no answer ({type(e).__name__}: {e})", None
        else:
            problem = problem_with_answer(answer)
            known = known_finding(answer) if problem else None
        if problem:  # the reproducer is only spelled out for a bad answer (it costs)
            req = item if isinstance(item, Raw) else item.as_curl_command(headers=headers)
            kind = "known_findings" if known else "findings"
            tally[kind].append(f"{known or problem}\nreproducer: {req!r:.2000}")

    if seed is not None:
        run = hypothesis.seed(seed)(run)
    try:
        run()
    finally:
        save()
    return tally


@pytest.mark.slow
def test_a_real_server_answers_every_input_and_survives(served, artifacts_dir: Path) -> None:
    host, port, proc, log_path = served
    url = f"http://{host}:{port}"
    examples = budget(300, 1.0)
    clients = live_clients(examples)
    started = time.monotonic()
    if clients == 1:
        tallies = [live_run(url, examples, None, artifacts_dir / "fuzz-live.json")]
    else:
        shards = [(seed, artifacts_dir / f"fuzz-live-{seed}.json") for seed in range(clients)]
        procs = [subprocess.Popen([sys.executable, __file__, url, str(examples // clients),
                                   str(seed), str(artifact)], cwd=ROOT)
                 for seed, artifact in shards]
        for p in procs:
            p.wait()
        tallies = [json.loads(artifact.read_text()) for _, artifact in shards
                   if artifact.exists()]
        crashed = [seed for (seed, _), p in zip(shards, procs, strict=True) if p.returncode]
        assert not crashed, f"fuzz clients {crashed} stopped with an error (see their output)"
    sent = sum(t["inputs"] for t in tallies)
    findings = [f for t in tallies for f in t["findings"]]
    known = [f for t in tallies for f in t["known_findings"]]
    seconds = round(time.monotonic() - started, 1)
    (artifacts_dir / "fuzz-live.json").write_text(json.dumps(
        {"inputs": sent, "clients": clients, "seconds": seconds, "findings": findings,
         "known_findings": known}, indent=1))
    print(f"fuzz: {sent} inputs sent to wsis-kg serve by {clients} clients in {seconds} s, "
          f"{len(findings)} findings, {len(known)} known")
    assert proc.poll() is None, "the server died:\n" + log_path.read_text()[-3000:]
    health = requests.get(url + "/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert not findings, f"{len(findings)} bad answers:\n" + "\n\n".join(findings[:20])


if __name__ == "__main__":  # one client of a long live run (see live_clients)
    _url, _examples, _seed, _artifact = sys.argv[1:]
    live_run(_url, int(_examples), int(_seed) or None, Path(_artifact))
