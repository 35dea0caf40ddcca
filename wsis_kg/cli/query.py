"""``wsis-kg query``: run a SPARQL query (text or a .rq file) and print the answer.

The store is the one ``--store`` or ``WSIS_KG_STORE`` names; an empty one (the default
in-memory store) is built first (a few seconds). The project prefixes
(``wsis:``, ``wsisid:``, ``skos:`` … see ``wsis_kg.namespaces``) may be used without PREFIX
lines. SELECT results print as a text table unless ``--format`` names a SPARQL result format;
CONSTRUCT/DESCRIBE print Turtle unless ``--format`` names another RDF format.
"""

from __future__ import annotations

from pathlib import Path

import click
import pyoxigraph as ox

from wsis_kg.graph.build import open_or_build
from wsis_kg.namespaces import PREFIXES
from wsis_kg.rdf import formats
from wsis_kg.settings import Settings
from wsis_kg.sparql.evaluate import QueryRequest, evaluate
from wsis_kg.store.embedded import OxigraphStore

FORMAT_NAMES = sorted({n for f in formats.RESULT_FORMATS + formats.GRAPH_FORMATS
                       for n in f.names} | {"table"})


def read_query(arg: str) -> str:
    """``arg`` is a query, or the path of a file holding one (``-`` reads standard input)."""
    if arg == "-":
        return click.get_text_stream("stdin").read()
    looks_like_path = len(arg) < 4096 and "\n" not in arg and "{" not in arg
    if looks_like_path and Path(arg).is_file():
        return Path(arg).read_text(encoding="utf-8")
    if looks_like_path and Path(arg).suffix in (".rq", ".sparql"):
        raise click.BadParameter(f"no such query file: {arg}", param_hint="QUERY")
    return arg


def short(term) -> str:
    """A term as people read it in a table: prefixed IRIs, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        iri = term.value
        best = max(((p, ns) for p, ns in PREFIXES.items() if iri.startswith(ns)),
                   key=lambda x: len(x[1]), default=None)
        return f"{best[0]}:{iri[len(best[1]):]}" if best else f"<{iri}>"
    if isinstance(term, ox.Literal):
        return term.value + (f"@{term.language}" if term.language else "")
    return str(term)


def table(result: ox.QuerySolutions, max_width: int = 80) -> str:
    names = [v.value for v in result.variables]
    rows = [[short(sol[n]) for n in names] for sol in result]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@click.command("query")
@click.argument("query")
@click.option("--store", help="memory (default: build the graph first), a directory or a URL")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES, case_sensitive=False),
              default="table", show_default=True,
              help="table, a SPARQL results format (json, xml, csv, tsv) or an RDF format "
                   "(turtle, nt, jsonld, rdfxml, trig, nquads)")
@click.option("--no-reason", is_flag=True, help="build without the reasoner (faster)")
@click.pass_obj
def command(settings: Settings, query: str, store: str | None, fmt: str,
            no_reason: bool) -> None:
    """Run QUERY (SPARQL text, a .rq file, or - for stdin) and print the answer."""
    settings = settings.with_(store=store)
    text = read_query(query)
    st = open_or_build(settings, lambda m: click.echo(m, err=True), reason=not no_reason,
                       check_shapes=False)
    try:
        target = st.ox if isinstance(st, OxigraphStore) else st
        req = QueryRequest(text, project_prefixes=True,
                           format=None if fmt == "table" else fmt)
        if fmt == "table":
            out = _table_or_default(target, req)
        else:
            out = evaluate(target, req, None).body.decode("utf-8")
    finally:
        st.close()
    click.echo(out.rstrip("\n"))


def _table_or_default(target, req: QueryRequest) -> str:
    """Tables for SELECT, ``true``/``false`` for ASK, Turtle for graphs."""
    from wsis_kg.sparql.evaluate import ox_query, syntax_error

    try:
        if isinstance(target, ox.Store):
            result = ox_query(target, req)
        else:
            from wsis_kg.namespaces import sparql_prologue

            result = target.query(sparql_prologue() + req.sparql)
    except SyntaxError as e:
        raise syntax_error(e) from None
    if isinstance(result, ox.QuerySolutions):
        return table(result)
    if isinstance(result, ox.QueryBoolean):
        return "true" if bool(result) else "false"
    return formats.serialize_result(result, formats.GRAPH_FORMATS[0], None).decode("utf-8")
