"""Writing validated data into the store: ingest and the Graph Store Protocol share this.

Every write is checked first (SHACL against ``shapes/`` in the context of the graph, as
``wsis_kg.validation.validate`` does); data with violations is refused with
:class:`ValidationFailed`
(HTTP 422) and the store is not touched. Data that conforms is written together with its
provenance by **one SPARQL Update request**, which Oxigraph executes as one transaction (and a
remote SPARQL store as one request): readers see all of it or none of it.

Provenance lives in the named graph ``wsisg:provenance``, about the graph IRI that was written:
``prov:generatedAtTime`` (or ``dcterms:modified`` for appends), ``prov:wasAttributedTo`` the
principal of the bearer token (``wsisid:agent/{principal}``) and ``dcterms:source`` (the file
name or the request). Writes to the default graph get no provenance record (there is no IRI
to describe).

Validation and the write run inside ``write`` (``QueryService.write`` in the service): under the
store's write lock, so the context validated against is the one written to, and query workers
learn of the change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal as Lit
from typing import TypeVar
from urllib.parse import quote

import pyoxigraph as ox

from wsis_kg.errors import BadRequest, ValidationFailed
from wsis_kg.namespaces import GRAPH, ID
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import GraphStore
from wsis_kg.validation.report import ValidationReport
from wsis_kg.validation.validate import validate_new_data

T = TypeVar("T")
Writer = Callable[[Callable[[GraphStore], T]], T]

GRAPH_PROVENANCE = str(GRAPH["provenance"])
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


@dataclass
class WriteResult:
    """What a write did: the graph, how many triples it now holds from this write, the report."""

    graph: str | None
    triples: int
    created: bool
    report: ValidationReport


def ingest_graph_iri(data: bytes, when: datetime | None = None) -> str:
    """``wsisg:ingest/{UTC timestamp}-{content hash}``: unique per content and second."""
    when = when or datetime.now(UTC)
    digest = hashlib.sha256(data).hexdigest()[:12]
    return str(GRAPH[f"ingest/{when:%Y%m%dT%H%M%SZ}-{digest}"])


def agent_iri(principal: str) -> str:
    return str(ID[f"agent/{quote(principal, safe='')}"])


def graph_exists(store: GraphStore, graph: str | None) -> bool:
    if graph is None:
        return True
    return graph in store.named_graphs()


def write_graph(
    store: GraphStore,
    settings: Settings,
    quads: Sequence[ox.Quad],
    *,
    graph: str | None,
    mode: Lit["replace", "append"],
    principal: str,
    source: str,
    writer: Writer | None = None,
    check: Callable[..., ValidationReport] = validate_new_data,
) -> WriteResult:
    """Validate ``quads`` (their own graph names are ignored) and write them into ``graph``.

    ``replace`` empties the graph first (PUT, ingest); ``append`` adds (POST). ``graph=None`` is
    the store's default graph. Raises :class:`ValidationFailed` (store untouched) on violations.
    ``check`` validates (:func:`validate_new_data`'s signature); the service passes one that
    runs it in a killable child, still inside ``writer`` so it sees the store written to.
    """
    def run(st: GraphStore) -> WriteResult:
        report = check(
            list(quads), settings, st,
            exclude_graph=graph if mode == "replace" else None, sources=[source])
        if report.violations:
            raise ValidationFailed(
                f"the data does not conform to the shapes ({report.violations} violation"
                f"{'s' * (report.violations != 1)}); nothing was written",
                report=report, violations=report.violations, warnings=report.warnings)
        created = not graph_exists(st, graph)
        st.update(write_update(quads, graph=graph, mode=mode, principal=principal,
                               source=source, created=created))
        return WriteResult(graph, len(quads), created, report)

    return commit(store, run, writer)


def delete_graph(store: GraphStore, graph: str | None, *, writer: Writer | None = None) -> bool:
    """Remove a graph and its provenance record; False when there was no such graph."""

    def run(st: GraphStore) -> bool:
        if graph is None:
            st.update("DROP SILENT DEFAULT")
            return True
        if not graph_exists(st, graph):
            return False
        st.update(f"DROP SILENT GRAPH <{graph}> ;\n"
                  f"DELETE WHERE {{ GRAPH <{GRAPH_PROVENANCE}> {{ <{graph}> ?p ?o }} }}")
        return True

    return commit(store, run, writer)


def commit(store: GraphStore, fn: Callable[[GraphStore], T], writer: Writer | None) -> T:
    """THE call site of every write of this module: through the service's writer when there is
    one (``QueryService.write``: write lock, query workers retired), else directly (CLI)."""
    if writer is not None:
        return writer(fn)
    return fn(store)


def written_graphs(graph: str | None) -> tuple[str | None, ...]:
    """The graphs :func:`write_update` changes (None: the default graph): the target, and for a
    named graph the provenance graph — so a copy of the store can take just those again."""
    return (graph,) if graph is None else (graph, GRAPH_PROVENANCE)


def write_update(quads: Iterable[ox.Quad], *, graph: str | None, mode: str, principal: str,
                 source: str, created: bool, now: datetime | None = None) -> str:
    """One SPARQL Update (one transaction): (drop,) insert the data and the provenance."""
    now = now or datetime.now(UTC)
    stamp = ox.Literal(now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
                       datatype=ox.NamedNode(XSD_DATETIME))
    ops: list[str] = []
    target = f"<{graph}>" if graph else None
    if mode == "replace":
        ops.append(f"DROP SILENT GRAPH {target}" if target else "DROP SILENT DEFAULT")
    if target:
        ops.append(f"CREATE SILENT GRAPH {target}")
        if mode == "replace":
            ops.append(f"DELETE WHERE {{ GRAPH <{GRAPH_PROVENANCE}> {{ {target} ?p ?o }} }}")
        else:
            ops.append(f"DELETE WHERE {{ GRAPH <{GRAPH_PROVENANCE}> "
                       f"{{ {target} <{DCTERMS}modified> ?o }} }}")
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    inserts = [f"GRAPH {target} {{\n{body}\n}}" if target else body]
    if target:
        agent = f"<{agent_iri(principal)}>"
        prov = [f"{target} <{RDF_TYPE}> <{PROV}Entity>",
                f"{target} <{PROV}wasAttributedTo> {agent}",
                f"{target} <{DCTERMS}source> {ox.Literal(source)}",
                f"{agent} <{RDF_TYPE}> <{PROV}Agent>",
                f"{agent} <{RDFS_LABEL}> {ox.Literal(principal)}"]
        if mode == "replace" or created:
            prov.append(f"{target} <{PROV}generatedAtTime> {stamp}")
        if mode == "append":
            prov.append(f"{target} <{DCTERMS}modified> {stamp}")
        inserts.append(f"GRAPH <{GRAPH_PROVENANCE}> {{\n" + " .\n".join(prov) + " .\n}")
    ops.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
    return " ;\n".join(ops)


def check_graph_iri(iri: str) -> str:
    """A graph IRI must be absolute (400 otherwise)."""
    try:
        ox.NamedNode(iri)
    except ValueError as e:
        raise BadRequest(f"{iri!r} is not an absolute IRI: {e}", graph=iri) from None
    if ":" not in iri:
        raise BadRequest(f"{iri!r} is not an absolute IRI", graph=iri)
    return iri
