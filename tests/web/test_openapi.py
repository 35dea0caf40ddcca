"""``GET /openapi.json``: a valid OpenAPI 3.1 document that describes every route of the app.

The document is hand-written (``wsis_kg/web/openapi.json``); these tests are what keeps it
true: a new route, or a new method on a route, fails here until the document describes it.
"""

from __future__ import annotations

import re

import pytest
import schemathesis

#: Methods Flask adds by itself: OPTIONS to every rule (CORS preflight), HEAD to every GET.
IMPLICIT_METHODS = {"OPTIONS", "HEAD"}


def _template(rule: str) -> str:
    """A Flask rule or an OpenAPI path, with every variable written as ``{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", rule)


@pytest.fixture(scope="module")
def document(app) -> dict:
    resp = app.test_client().get("/openapi.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    return resp.get_json()


def test_document_is_valid_openapi_3_1(document: dict) -> None:
    assert document["openapi"].startswith("3.1.")
    schema = schemathesis.openapi.from_dict(document)
    schema.validate()  # the OpenAPI 3.1 meta-schema; raises on an invalid document
    errors = [str(op.err()) for op in schema.get_all_operations() if not hasattr(op, "ok")]
    assert not errors


def test_validation_would_catch_a_broken_document(document: dict) -> None:
    """The check above has teeth: a document with a malformed operation does not pass."""
    broken = {**document, "paths": {**document["paths"], "/broken": {"get": {"responses": 5}}}}
    with pytest.raises(Exception):  # noqa: B017 - jsonschema_rs.ValidationError
        schemathesis.openapi.from_dict(broken).validate()


def test_every_route_and_method_is_described(app, document: dict) -> None:
    described = {_template(p): {m.upper() for m in item if m != "parameters"}
                 for p, item in document["paths"].items()}
    missing = []
    for rule in app.url_map.iter_rules():
        path = _template(rule.rule)
        methods = set(rule.methods or ()) - IMPLICIT_METHODS
        if path not in described:
            missing.append(f"{rule.rule} (no path)")
        elif not_described := methods - described[path]:
            missing.append(f"{rule.rule} {sorted(not_described)}")
    assert not missing, f"routes missing from wsis_kg/web/openapi.json: {missing}"


def test_errors_are_described_as_problems(document: dict) -> None:
    """Every 4xx/5xx a route documents is an RFC 9457 problem (application/problem+json)."""
    responses = document["components"]["responses"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, resp in op["responses"].items():
                if int(status) < 400 or path.startswith("/health"):  # health: its own JSON
                    continue
                resp = responses[resp["$ref"].rsplit("/", 1)[-1]] if "$ref" in resp else resp
                assert "application/problem+json" in resp["content"], (method, path, status)


def test_the_document_is_public_and_cacheable(client) -> None:
    resp = client.get("/openapi.json")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age" in resp.headers["Cache-Control"]
