"""``wsis-kg import-stocktaking FILE.csv``: stocktaking records → validated RDF in the graph.

The CSV layout and its mapping are in docs/stocktaking.md; the mapping itself is
``wsis_kg/extraction/stocktaking.rq``. Like ``wsis-kg ingest``, the records land in their own
named graph ``graph/ingest/{timestamp}-{hash}`` with provenance, in a local store (``--store
DIR``) or in a running service (``--store URL`` + token, through its Graph Store endpoint, which
validates again). Rows that do not conform are left out and listed (row, column, message); the
command exits 1 when any row was rejected, 0 when all were written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

import click

from wsis_kg.errors import ValidationFailed, WsisError
from wsis_kg.settings import Settings


@click.command("import-stocktaking")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--store", help="a store directory, or the root URL of a running wsis-kg service "
                              "(default: WSIS_KG_STORE)")
@click.option("--token", help="bearer token (default: WSIS_KG_TOKEN); its principal is "
                              "recorded as prov:wasAttributedTo")
@click.option("--principal", help="local store only: who is importing (instead of a token)")
@click.option("--dry-run", is_flag=True, help="map and validate only; write nothing")
@click.pass_obj
def command(settings: Settings, file: Path, store: str | None, token: str | None,
            principal: str | None, dry_run: bool) -> None:
    """Map the stocktaking records of FILE (CSV, docs/stocktaking.md) to RDF, validate them
    against the shapes and add the rows that conform to the graph as one new named graph."""
    from wsis_kg.extraction.stocktaking import read_rows
    from wsis_kg.validation.ingest import ingest_graph_iri

    settings = settings.with_(store=store)
    token = token or settings.token
    raw = file.read_bytes()
    rows, refused = read_rows(raw, file.name)
    graph = ingest_graph_iri(raw)
    if settings.store.startswith(("http://", "https://")):
        summary = _import_remote(settings.store, graph, rows, refused, file.name, token, dry_run)
    else:
        if settings.store in ("", "memory", ":memory:") and not dry_run:
            raise click.UsageError("import-stocktaking needs a persistent store: --store DIR "
                                   "or --store URL (or --dry-run)")
        summary = _import_local(settings, graph, rows, refused, file.name, token, principal,
                                dry_run)
    for r in summary.rejected:
        click.echo(f"row {r.row}  {r.column}: {r.message}", err=True)
    verb = "validated" if dry_run else f"wrote {summary.triples} triples into <{graph}> from"
    click.echo(f"{verb} {summary.written} of {summary.rows} rows; "
               f"{len(summary.rejected_rows)} rejected")
    if summary.rejected:
        raise ValidationFailed(f"{len(summary.rejected_rows)} row(s) of {file.name} did not "
                               "conform and were left out (listed above)")


def _bar(rows: list, label: str):
    return click.progressbar(length=len(rows), label=label, file=sys.stderr)


def _import_local(settings: Settings, graph: str, rows, refused, source: str,
                  token: str | None, principal: str | None, dry_run: bool):
    import pyoxigraph as ox

    from wsis_kg.cli.validate import open_context_store
    from wsis_kg.extraction.stocktaking import import_rows, known_organisation_names
    from wsis_kg.validation.ingest import write_graph
    from wsis_kg.validation.validate import validate_new_data
    from wsis_kg.web.auth import principal_for

    who = principal or (principal_for(settings.tokens, token) if not dry_run else "dry-run")
    st = open_context_store(settings, lambda m: click.echo(m, err=True))
    try:
        def write(triples: list[ox.Triple]) -> int:
            quads = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
            if dry_run:
                report = validate_new_data(quads, settings, st, sources=[source])
                if report.violations:
                    raise ValidationFailed("does not conform", report=report)
                return len(quads)
            return write_graph(st, settings, quads, graph=graph, mode="replace",
                               principal=who, source=source).triples

        with _bar(rows, "mapping rows") as bar:
            return import_rows(rows, write, known_names=known_organisation_names(st),
                               refused=refused, progress=bar.update)
    finally:
        st.close()


def _import_remote(url: str, graph: str, rows, refused, source: str, token: str | None,
                   dry_run: bool):
    """PUT the mapped rows to the service's Graph Store endpoint; a 422 names the rows."""
    import pyoxigraph as ox
    import requests

    from wsis_kg.extraction.stocktaking import NAME_PROPERTIES, WSIS, import_rows
    from wsis_kg.rdf.formats import N_TRIPLES, PROBLEM, RESULTS_JSON

    root = url.rstrip("/")
    headers = {"Accept": PROBLEM.media_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    values = " ".join(f"<{p}>" for p in NAME_PROPERTIES)
    names_query = (f"SELECT ?o ?name WHERE {{ ?o a <{WSIS}Organisation> . "
                   f"VALUES ?p {{ {values} }} ?o ?p ?name }}")
    try:
        resp = requests.post(f"{root}/sparql", data={"query": names_query}, timeout=120,
                             headers={"Accept": RESULTS_JSON.media_type})
        resp.raise_for_status()
        bindings = resp.json()["results"]["bindings"]
    except (requests.RequestException, ValueError, KeyError) as e:
        raise WsisError(f"cannot read the organisations of {url}: {e}") from None
    known = [(b["o"]["value"], b["name"]["value"]) for b in bindings if b["o"]["type"] == "uri"]

    def write(triples: list[ox.Triple]) -> int:
        if dry_run:
            return len(triples)
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        target = f"{root}/rdf-graphs/service?graph={quote(graph, safe='')}"
        try:
            r = requests.put(target, data=body, timeout=600, headers={
                **headers, "Content-Type": N_TRIPLES.media_type, "Slug": source})
        except requests.RequestException as e:
            raise WsisError(f"cannot reach {url}: {e}") from None
        if r.status_code in (200, 201, 204):
            return len(triples)
        try:
            problem = r.json()
        except ValueError:
            problem = {"detail": r.text[:500]}
        if r.status_code == 422 and problem.get("report"):
            raise ValidationFailed(problem.get("detail", ""), report=problem["report"])
        raise WsisError(f"{r.status_code} {problem.get('title', '')}: "
                        f"{problem.get('detail', '')}")

    def from_json(report: dict):
        return [(r["focusNode"], str(r.get("sourceShape") or "").rsplit("/", 1)[-1],
                 r.get("message") or "does not conform")
                for r in report.get("results", []) if r.get("severity") == "Violation"]

    with _bar(rows, "mapping rows") as bar:
        return import_rows(rows, write, known_names=known, refused=refused,
                           on_rejected=from_json, progress=bar.update)
