"""The one bearer-token check of every write (SPARQL Update, Graph Store, ingest).

Tokens are secrets: they are compared in constant time (``hmac.compare_digest``) against *every*
configured token, without stopping at the first match, so neither the response time nor the
position of a token in the settings tells an attacker anything. No token is ever logged or put
into an error message. The failures have one wording wherever they happen.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from flask import Request

from wsis_kg.errors import Forbidden, Unauthorized
from wsis_kg.settings import Settings

#: The one wording of each failure (401: no token, 403: a token this service does not know).
MISSING_TOKEN = ("This write needs 'Authorization: Bearer <token>' (tokens are configured with "
                 "WSIS_KG_TOKENS).")
UNKNOWN_TOKEN = "The bearer token is not valid for this service."


def bearer_token(req: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None for anything else."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def principal_for(tokens: Mapping[str, str], token: str | None) -> str:
    """The principal ``token`` belongs to: 401 without a token, 403 for an unknown one.

    Every configured token is compared (constant time each), whatever matched before.
    """
    if not token:
        raise Unauthorized(MISSING_TOKEN)
    given = token.encode("utf-8")
    found: str | None = None
    for known, principal in tokens.items():
        if hmac.compare_digest(known.encode("utf-8"), given) and found is None:
            found = principal
    if found is None:
        raise Forbidden(UNKNOWN_TOKEN)
    return found


def require_principal(req: Request, settings: Settings) -> str:
    """The principal of the request's bearer token (the check every write route makes first)."""
    return principal_for(settings.tokens, bearer_token(req))
