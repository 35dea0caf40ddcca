"""One exception hierarchy for the package.

Every error class of the package lives here. Each carries what an RFC 9457 problem response
needs (``status``, title, detail and extension members) and the CLI's ``exit_code`` as class
attributes: the web layer maps them to problems in one place (``wsis_kg.web.problems``), the
CLI to exit codes in one place (``wsis_kg.cli``: print ``detail``, exit with ``exit_code``).
Exit codes: 1 the job failed (or the data does not conform), 2 the input cannot be read.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://w3id.org/wsis-kg/problems/"


class WsisError(Exception):
    """Base of every error the project raises on purpose."""

    status: int = 500
    title: str = "Internal error"
    slug: str = "internal"
    exit_code: int = 1

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the problem response carries besides the body (``Retry-After``)."""
        return {}

    @property
    def type_uri(self) -> str:
        return PROBLEM_BASE + self.slug

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        body.update({k: v for k, v in self.extensions.items() if v is not None})
        return body


class BadRequest(WsisError):
    status, title, slug, exit_code = 400, "Bad request", "bad-request", 2


class UnknownFunction(WsisError):
    """A well-formed query calls a function the engine does not know: the request is the
    caller's mistake (4xx) but no syntax error, so it is 422, not 400 (which SPARQL clients and
    the W3C protocol tests read as "malformed")."""

    status, title, slug, exit_code = 422, "Unknown function", "unknown-function", 2


class InputSyntaxError(BadRequest):
    """Unreadable RDF or SPARQL: says where (file, line, column)."""

    title, slug = "Syntax error", "syntax-error"

    def __init__(
        self,
        detail: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail, source=source, line=line, column=column, **extensions)
        self.source, self.line, self.column = source, line, column


class QuerySyntaxError(InputSyntaxError):
    title, slug = "SPARQL syntax error", "query-syntax"


class Unauthorized(WsisError):
    status, title, slug = 401, "Authentication required", "unauthorized"


class Forbidden(WsisError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(WsisError):
    status, title, slug = 404, "Not found", "not-found"


class MethodNotAllowed(WsisError):
    status, title, slug = 405, "Method not allowed", "method-not-allowed"


class NotAcceptable(WsisError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class PayloadTooLarge(WsisError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class RequestTimeout(WsisError):
    """The client did not send its request (headers and body) within the read deadline."""

    status, title, slug = 408, "Request timeout", "request-timeout"


class TooManyRequests(WsisError):
    """A client over its rate limit; ``retry_after`` is in seconds."""

    status, title, slug = 429, "Too many requests", "too-many-requests"


class UnsupportedMediaType(WsisError):
    """Input in a syntax we do not read: like unreadable input, the CLI exits 2."""

    status, title, slug, exit_code = 415, "Unsupported media type", "unsupported-media-type", 2


class ValidationFailed(WsisError):
    """Data does not conform to the shapes; ``report`` is the SHACL report graph."""

    status, title, slug, exit_code = 422, "Data does not conform", "validation-failed", 1

    def __init__(self, detail: str, *, report: Any = None, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.report = report


class QueryTimeout(WsisError):
    status, title, slug = 503, "Query timed out", "query-timeout"


class LimitExceeded(WsisError):
    """Costly work stopped at a limit: ``killed`` says which (``time``, ``memory``, ``crash``)."""

    status, title, slug = 503, "Stopped at a limit", "limit-exceeded"


class QueryTooComplex(LimitExceeded):
    """A query process died under a query (out of memory, or a query too deeply nested)."""

    title, slug = "Query too complex", "query-too-complex"


class ServiceBusy(WsisError):
    """Every process for this kind of work is busy: refused at once, not queued."""

    status, title, slug = 503, "Service busy", "busy"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.extensions.get("retry_after") or 1)}


class ResultTooLarge(WsisError):
    status, title, slug = 503, "Result too large", "result-too-large"


class ForbiddenService(WsisError):
    """SERVICE or LOAD aimed at an endpoint outside the allow-list."""

    status, title, slug = 403, "Remote endpoint not allowed", "service-not-allowed"


class StoreError(WsisError):
    status, title, slug = 502, "Store error", "store-error"


class StoreNotEmpty(WsisError):
    """A restore into a store that already holds data (``--replace`` drops it)."""

    status, title, slug = 409, "Store not empty", "store-not-empty"


class BackupUnavailable(WsisError):
    """An online backup of a store that cannot have one (in memory, or remote)."""

    status, title, slug = 409, "Backup not possible", "backup-unavailable"


class BuildError(WsisError):
    title, slug = "Build failed", "build-failed"


class ReasonerUnavailable(BuildError):
    """The reasoner cannot run here (no Java, or HermiT failed for a reason other than logic)."""

    title, slug = "Reasoner unavailable", "reasoner-unavailable"


class SourceFormatError(BuildError):
    """A source text no longer has the layout its extractor was written for."""

    title, slug = "Source text not understood", "source-format"

    def __init__(self, detail: str, *, source: str | None = None, line: int | None = None,
                 **extensions: object) -> None:
        where = f"{source}:{line}: " if source and line else ""
        super().__init__(where + detail, source=source, line=line, **extensions)


class ResolutionImportError(BadRequest):
    """The text cannot be imported (unreadable, empty, not a resolution, symbol unknown)."""

    title, slug = "Resolution not imported", "resolution-import"


class BenchError(WsisError):
    title, slug = "Benchmark failed", "bench-failed"


def error_name(e: WsisError) -> str:
    """What names ``e``'s class across a process boundary (see :func:`rebuild_error`)."""
    cls = type(e)
    return f"{cls.__module__}:{cls.__qualname__}"


def _error_classes(cls: type[WsisError] = WsisError) -> dict[str, type[WsisError]]:
    found = {f"{cls.__module__}:{cls.__qualname__}": cls}
    for sub in cls.__subclasses__():
        found.update(_error_classes(sub))
    return found


def rebuild_error(name: str, detail: str, extensions: dict[str, Any]) -> WsisError:
    """The error a query process reported, as the same class with the same status.

    Errors cross the pipe as (class name, detail, extension members) rather than pickled: an
    error with keyword-only constructor arguments does not unpickle. The class is found among
    every subclass of :class:`WsisError` wherever it is defined (a forked process has the same
    classes), and made without its own constructor when that one wants other arguments.
    """
    cls = _error_classes().get(name) or StoreError
    try:
        return cls(detail, **extensions)
    except TypeError:
        err = cls.__new__(cls)
        WsisError.__init__(err, detail, **extensions)
        return err
