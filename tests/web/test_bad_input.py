"""A sweep of malformed requests over every surface: always a 4xx answer, never a 500.

Each request is something a user (or a scanner) can send; the answer must be a clear client
error (problem+json or an HTML error page), not an internal error or a stack trace.
"""

from __future__ import annotations

import pytest

BAD_REQUESTS: list[tuple[str, str, dict]] = [
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B", {}),
    ("GET", "/sparql?query=%FF%FE", {}),
    ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", {}),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", {}),
    ("GET", "/sparql?query=ASK%7B%7D&format=application/x-nonsense", {}),
    ("GET", "/sparql?query=ASK%7B%7D", {"headers": {"Accept": "image/png"}}),
    ("POST", "/sparql", {"data": b"\xff\xfe\x00garbage",
                         "headers": {"Content-Type": "application/sparql-query"}}),
    ("POST", "/sparql", {"data": b"query=ASK{}", "headers": {"Content-Type": "text/plain"}}),
    ("POST", "/sparql", {"data": b"update=CLEAR%20ALL",
                         "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("POST", "/sparql/update", {"data": b"update=CLEAR%20ALL",
                                "headers": {"Content-Type": "application/x-www-form-urlencoded"}}),
    ("POST", "/sparql/update", {"data": b"update=NOT%20SPARQL",
                                "headers": {"Content-Type": "application/x-www-form-urlencoded",
                                            "Authorization": "Bearer test-token"}}),
    ("POST", "/sparql/update", {"data": b"x", "headers": {"Authorization": "Basic Zm9vOmJhcg=="}}),
    ("DELETE", "/sparql", {}),
    ("POST", "/validate", {"data": b"\x00\x01\x02binary",
                           "headers": {"Content-Type": "text/turtle"}}),
    ("POST", "/validate", {"data": b"<a> <b> .", "headers": {"Content-Type": "text/turtle"}}),
    ("POST", "/validate", {"data": b"{}", "headers": {"Content-Type": "application/x-unknown"}}),
    ("POST", "/validate", {"data": {"data": ""}}),
    ("GET", "/id/org/%00who", {}),
    ("GET", "/id/org/who%3E%20%7D%20UNION%20%7B", {}),
    ("GET", "/id/" + "x" * 5000, {}),
    ("GET", "/id/org/who.exe", {}),
    ("GET", "/id/org/who", {"headers": {"Accept": "application/x-nothing"}}),
    ("GET", "/def/NoSuchTerm", {}),
    ("GET", "/dumps/wsis-kg.zip", {}),
    ("GET", "/editor?example=../../etc/passwd", {}),
    ("GET", "/examples/..%2F..%2Fpyproject.toml.rq", {}),
    ("GET", "/assets/../../pyproject.toml", {}),
    ("GET", "/rdf-graphs/service?graph=not%20an%20iri", {}),
    ("PUT", "/rdf-graphs/service?graph=http://ex/g", {"data": b"<a> <b> <c> .",
                                                      "headers": {"Content-Type": "text/turtle"}}),
    ("PUT", "/rdf-graphs/service?graph=http://ex/g",
     {"data": b"@prefix broken", "headers": {"Content-Type": "text/turtle",
                                             "Authorization": "Bearer test-token"}}),
    ("GET", "/.well-known/void", {"headers": {"Accept": "video/mp4"}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), BAD_REQUESTS,
                         ids=[f"{m} {p[:60]}" for m, p, _ in BAD_REQUESTS])
def test_bad_input_is_a_client_error(client, method: str, path: str, kwargs: dict) -> None:
    resp = client.open(path, method=method, **kwargs)
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
    body = resp.get_data(as_text=True)
    assert "Traceback" not in body
    if resp.mimetype == "application/problem+json":
        problem = resp.get_json()
        assert problem["status"] == resp.status_code and problem["detail"]
