"""The one bearer-token check of every write (SPARQL Update, Graph Store, ingest).

Tokens are secrets: they are compared in constant time (``hmac.compare_digest``) against *every*
configured token, without stopping at the first match, so neither the response time nor the
position of a token in the settings tells an attacker anything. No token is ever logged or put
into an error message. The failures have one wording wherever they happen.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from urllib.parse import unquote_plus

from flask import Request

from wsis_kg.errors import BadRequest, Forbidden, Unauthorized
from wsis_kg.settings import Settings

#: The one wording of each failure (401: no token, 403: a token this service does not know).
MISSING_TOKEN = ("This write needs 'Authorization: Bearer <token>' (tokens are configured with "
                 "WSIS_KG_TOKENS).")
UNKNOWN_TOKEN = "The bearer token is not valid for this service."
TOKEN_IN_URL = ("Tokens go only in the 'Authorization: Bearer <token>' header, never in the URL "
                "(URLs are logged, cached and stored); this request was not processed.")
TOKEN_IN_BODY = ("Tokens go only in the 'Authorization: Bearer <token>' header (RFC 6750 "
                 "section 2.1); this service does not accept a token as a form-encoded body "
                 "parameter ('access_token', RFC 6750 section 2.2), where it would be stored or "
                 "logged with the body; this request was not processed.")
#: Query-string and form parameters that name a token whatever their value.
TOKEN_PARAMETERS = frozenset({"token", "access_token", "bearer", "api_key", "apikey"})
_SEPARATORS = re.compile("[&;]")
#: Where the principal of an authenticated request is kept in the WSGI environ (audit log).
PRINCIPAL_KEY = "wsis_kg.principal"


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
    """The principal of the request's bearer token (the check every write route makes first).

    It is kept in the request's environ so the audit log line of the write can name it.
    """
    principal = principal_for(settings.tokens, bearer_token(req))
    req.environ[PRINCIPAL_KEY] = principal
    return principal


def refuse_token_in_url(query_string: str, tokens: Mapping[str, str]) -> None:
    """400 when the URL carries a token: a parameter named like one, or any value equal to a
    configured token (compared in constant time, every value against every token).

    Why: a URL ends up in logs, caches, browser history and — through the Graph Store's
    provenance — in the public data; refusing the request is the only way to never store it.
    """
    if _carries_token(query_string, tokens):
        raise BadRequest(TOKEN_IN_URL)


def refuse_token_in_form(body: bytes, tokens: Mapping[str, str]) -> None:
    """400 when an ``application/x-www-form-urlencoded`` body carries a token, by the same rule
    as the URL (RFC 6750 section 2.2's ``access_token``, or any value equal to a token).

    Why refuse rather than accept it: the service takes tokens only in the header, and a form
    body is the SPARQL update or the data itself — a token in it would be checked nowhere and
    could end up in the graph (``INSERT DATA``), the dumps or a log.
    """
    if body and _carries_token(body.decode("utf-8", "replace"), tokens):
        raise BadRequest(TOKEN_IN_BODY)


def _carries_token(params: str, tokens: Mapping[str, str]) -> bool:
    """Whether a query string or form body names a token parameter or holds a token's value.

    Each name and value is compared decoded (a name or token can be percent-encoded in any
    way: '%61' for 'a'), but only what could match is decoded: names with an escape, and
    values whose sent length could decode to a token's (every GET /sparql comes here, and
    decoding a whole query costs more than the rest of this check).
    """
    if not params:
        return False
    sizes = [len(t) for t in tokens]
    # A character is at most 4 UTF-8 bytes, each sent as '%XX' at the most.
    shortest, longest = (min(sizes), 12 * max(sizes)) if sizes else (1, 0)
    found = False
    for part in _SEPARATORS.split(params):
        name, _, value = part.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if name.lower() in TOKEN_PARAMETERS:
            found = True
        if shortest <= len(value) <= longest:
            given = unquote_plus(value).encode("utf-8")
            for known in tokens:
                found |= hmac.compare_digest(known.encode("utf-8"), given)
    return found
