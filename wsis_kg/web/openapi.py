"""``GET /openapi.json``: the OpenAPI 3.1 description of the HTTP API.

The document (``openapi.json`` beside this module) is written by hand, not generated from the
routes: it says what each route takes and answers, which the routes cannot tell. So that it
cannot fall behind, ``tests/web/test_openapi.py`` fails on a route it does not describe, and
``tests/web/test_fuzz.py`` drives the fuzzer with it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response

bp = Blueprint("openapi", __name__)

DOCUMENT = Path(__file__).with_name("openapi.json")


@cache
def document() -> bytes:
    """The document's bytes, read once: it is part of the installed package."""
    return DOCUMENT.read_bytes()


@bp.route("/openapi.json")
def openapi() -> Response:
    resp = Response(document(), mimetype="application/json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp
