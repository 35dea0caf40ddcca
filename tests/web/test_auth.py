"""One bearer-token check for every write route: same answers, constant-time over all tokens."""

from __future__ import annotations

import hmac
from pathlib import Path
from urllib.parse import quote

import pytest

from wsis_kg.errors import Forbidden, Unauthorized
from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import auth, create_app

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "validate"
TOKENS = {"tok": "editor", "other-token": "reviewer", "third": "robot"}
GOOD = (FIXTURES / "inputs" / "good.ttl").read_bytes()

#: Every route that writes: SPARQL Update, Graph Store PUT/POST/DELETE, ingest (POST, no graph).
WRITES = [
    ("/sparql/update", "post", {"data": "CLEAR ALL",
                                "content_type": "application/sparql-update"}),
    ("/rdf-graphs/service?graph=" + quote("https://example.org/g", safe=""), "put",
     {"data": GOOD, "content_type": "text/turtle"}),
    ("/rdf-graphs/service?default", "delete", {}),
    ("/rdf-graphs/service", "post", {"data": GOOD, "content_type": "text/turtle"}),
]


@pytest.fixture(scope="module")
def client():
    s = Settings(project_root=FIXTURES / "project", build_on_start=False, tokens=TOKENS)
    store = OxigraphStore()
    build(s, store, check_shapes=False)
    return create_app(s, store=store).test_client()


def _problem(resp) -> dict:
    body = resp.get_json()
    body.pop("instance")  # the path differs by route; everything else must not
    return body


@pytest.mark.parametrize("headers,status", [
    ({}, 401),
    ({"Authorization": "Basic Zm9vOmJhcg=="}, 401),
    ({"Authorization": "Bearer wrong-token"}, 403),
])
def test_every_write_route_refuses_alike(client, headers, status) -> None:
    bodies = []
    for path, method, kw in WRITES:
        resp = getattr(client, method)(path, headers=headers, **kw)
        assert resp.status_code == status, (path, resp.get_data(as_text=True))
        assert resp.mimetype == "application/problem+json"
        if status == 401:
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        bodies.append(_problem(resp))
        assert "wrong-token" not in resp.get_data(as_text=True)
    assert all(b == bodies[0] for b in bodies), bodies


def test_tokens() -> None:
    assert auth.principal_for(TOKENS, "tok") == "editor"
    assert auth.principal_for(TOKENS, "third") == "robot"
    with pytest.raises(Unauthorized):
        auth.principal_for(TOKENS, None)
    with pytest.raises(Forbidden):
        auth.principal_for(TOKENS, "wrong")
    with pytest.raises(Forbidden):
        auth.principal_for(TOKENS, "to")  # a prefix of a token is no token


def test_every_token_is_compared_in_constant_time(monkeypatch) -> None:
    """The check compares against every configured token with ``hmac.compare_digest``, even
    when the first one matches, so its time does not depend on which token (if any) matched."""
    seen: list[bytes] = []
    real = hmac.compare_digest

    def recording(a, b):
        seen.append(a)
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    for token in ("tok", "third", "unknown"):
        seen.clear()
        try:
            auth.principal_for(TOKENS, token)
        except Forbidden:
            pass
        assert sorted(seen) == sorted(t.encode() for t in TOKENS), token
