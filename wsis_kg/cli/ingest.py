"""``wsis-kg ingest FILE…``: validate and add new data to the graph in its own named graph.

Into a local store (``--store DIR``) the write happens here; into a running wsis-kg service
(``--store http(s)://…``, its root URL) the data is PUT through its Graph Store endpoint with the
bearer token, and the service validates and records provenance. Either way the data lands in
``https://w3id.org/wsis-kg/graph/ingest/{timestamp}-{hash}`` or nothing happens (exit 1 with the
report on violations, 2 on unreadable input).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import click

from wsis_kg.cli.validate import read_inputs
from wsis_kg.errors import ValidationFailed, WsisError
from wsis_kg.rdf.formats import N_TRIPLES, PROBLEM
from wsis_kg.settings import Settings
from wsis_kg.validation.report import FORMATS, render


@click.command("ingest")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--store", help="a store directory, or the root URL of a running wsis-kg service "
                              "(default: WSIS_KG_STORE)")
@click.option("--token", help="bearer token (default: WSIS_KG_TOKEN); its "
              "principal is recorded as prov:wasAttributedTo")
@click.option("--principal", help="local store only: who is ingesting (instead of a token)")
@click.option("--input-format", "input_format", metavar="FMT",
              help="syntax of the files (default: from each file's extension)")
@click.option("--format", "out_format", type=click.Choice(list(FORMATS)), default="text",
              show_default=True, help="format of the report printed on refusal")
@click.pass_obj
def command(settings: Settings, files: tuple[Path, ...], store: str | None, token: str | None,
            principal: str | None, input_format: str | None, out_format: str) -> None:
    """Validate FILES against the shapes in the context of the graph and, when they conform,
    add them (as one new named graph, with provenance) to the store."""
    from wsis_kg.validation.ingest import ingest_graph_iri

    settings = settings.with_(store=store)
    token = token or settings.token
    inputs = read_inputs(files, input_format)
    raw = b"".join(f.read_bytes() for f in files)
    graph = ingest_graph_iri(raw)
    source = ", ".join(f.name for f in files)
    quads = [q for i in inputs for q in i.quads]
    if settings.store.startswith(("http://", "https://")):
        _ingest_remote(settings.store, graph, quads, source, token, out_format)
        return
    if settings.store in ("", "memory", ":memory:"):
        raise click.UsageError("ingest needs a persistent store: --store DIR or --store URL")
    _ingest_local(settings, graph, quads, source, token, principal, out_format)


def _ingest_local(settings: Settings, graph: str, quads, source: str, token: str | None,
                  principal: str | None, out_format: str) -> None:
    from wsis_kg.cli.validate import open_context_store
    from wsis_kg.validation.ingest import write_graph
    from wsis_kg.web.auth import principal_for

    who = principal or principal_for(settings.tokens, token)
    st = open_context_store(settings, lambda m: click.echo(m, err=True))
    refused: ValidationFailed | None = None
    try:
        result = write_graph(st, settings, quads, graph=graph, mode="replace",
                             principal=who, source=source)
    except ValidationFailed as e:
        refused = e.with_traceback(None)  # the traceback would keep the store (and its lock)
    finally:
        st.close()
    del st  # an on-disk store is locked until the object is gone
    if refused is not None:
        click.echo(render(refused.report, out_format), nl=False)
        raise refused
    warn = f" ({result.report.warnings} warnings)" if result.report.warnings else ""
    click.echo(f"ingested {result.triples} triples into <{graph}>{warn}")


def _ingest_remote(url: str, graph: str, quads, source: str, token: str | None,
                   out_format: str) -> None:
    """PUT the data (as N-Triples) to the service's Graph Store endpoint."""
    import pyoxigraph as ox
    import requests

    body = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
    target = f"{url.rstrip('/')}/rdf-graphs/service?graph={quote(graph, safe='')}"
    headers = {"Content-Type": N_TRIPLES.media_type, "Slug": source,
               "Accept": PROBLEM.media_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        resp = requests.put(target, data=body, headers=headers, timeout=120)
    except requests.RequestException as e:
        raise WsisError(f"cannot reach {url}: {e}") from None
    if resp.status_code in (200, 201, 204):
        click.echo(f"ingested {len(quads)} triples into <{graph}>")
        return
    try:
        problem = resp.json()
    except ValueError:
        problem = {"detail": resp.text[:500]}
    if resp.status_code == 422 and problem.get("report"):
        _print_remote_report(problem["report"])
    raise WsisError(f"{resp.status_code} {problem.get('title', '')}: "
                    f"{problem.get('detail', '')}")


def _print_remote_report(report: dict) -> None:
    for r in report.get("results", []):
        click.echo(f"{r['severity']:<9} {r['focusNode']}  {r.get('path') or '(node)'}"
                   + (f"  value: {r['value']}" if r.get("value") else ""))
        if r.get("message"):
            click.echo(f"          {r['message']}")
