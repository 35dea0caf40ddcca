"""``wsis-kg serve``: the SPARQL service, web UI and linked data under gunicorn.

Process layout (see docs/sparql.md): **one** gunicorn worker process with threads (``gthread``)
holds the store, so every request sees the same data and writes never diverge between copies;
inside it, :class:`wsis_kg.query.QueryService` keeps ``--workers`` pre-forked query processes that
can be killed at the time limit. The gunicorn master never opens the store (an on-disk store
admits one process), so nothing is preloaded: the worker builds the graph when it starts and
prints the build report.
"""

from __future__ import annotations

import click

from wsis_kg.settings import Settings

#: Request threads in the gunicorn worker (requests mostly wait on query processes).
THREADS_PER_QUERY_WORKER = 4


def make_app(settings: Settings):
    """Open the store, build it when empty (printing the report), return the Flask app."""
    from wsis_kg.build import build
    from wsis_kg.store import open_store
    from wsis_kg.web import create_app

    store = open_store(settings)
    if settings.build_on_start and len(store) == 0:
        report = build(settings, store, lambda m: click.echo(m, err=True), consistency=True)
        for line in report.lines():
            click.echo(line, err=True)
    else:
        click.echo(f"store {settings.store}: {len(store)} quads (not rebuilt)", err=True)
    return create_app(settings, store=store)


def gunicorn_options(settings: Settings, *, access_log: bool = False) -> dict:
    """gunicorn's configuration. No access log unless asked: writing it costs ≈0.3 ms of the
    single worker's time per request (docs/performance.md); errors are still logged."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": max(4, THREADS_PER_QUERY_WORKER * max(1, settings.workers)),
        # A request may legitimately wait a whole query timeout, plus building at start.
        "timeout": int(max(120, settings.query_timeout * 2 + 30)),
        "graceful_timeout": 10,
        "preload_app": False,
        "accesslog": "-" if access_log else None,
        "limit_request_line": 0,  # long GET queries are allowed (the body cap still applies)
    }


@click.command("serve")
@click.option("--host", help="interface to listen on (default 127.0.0.1)")
@click.option("--port", type=int, help="port (default 8080)")
@click.option("--store", help="memory (default), a directory (on-disk store) or an endpoint URL")
@click.option("--query-timeout", type=float, help="seconds before a query is stopped (503)")
@click.option("--result-limit", type=int, help="max rows/triples per answer (503 above)")
@click.option("--workers", type=int, help="query worker processes (default 2)")
@click.option("--public-base", help="public base of the minted IRIs as clients see them")
@click.option("--access-log/--no-access-log", default=False,
              help="log every request to stdout (off by default: it costs ≈0.3 ms a request)")
@click.pass_obj
def command(settings: Settings, host: str | None, port: int | None, store: str | None,
            query_timeout: float | None, result_limit: int | None, workers: int | None,
            public_base: str | None, access_log: bool) -> None:
    """Serve SPARQL, Graph Store, validation, linked data and the UI with gunicorn."""
    settings = settings.with_(host=host, port=port, store=store, query_timeout=query_timeout,
                              result_limit=result_limit, workers=workers,
                              public_base=public_base)
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            for k, v in gunicorn_options(settings, access_log=access_log).items():
                self.cfg.set(k, v)

        def load(self):
            return make_app(settings)

    click.echo(f"wsis-kg: serving on http://{settings.host}:{settings.port}/ "
               f"(store {settings.store}, {settings.workers} query workers, "
               f"timeout {settings.query_timeout:g}s)", err=True)
    _App().run()
