"""``wsis-kg serve``: the SPARQL service, web UI and linked data under granian or gunicorn.

granian (Rust HTTP, WSGI mode) is the default: measured on the 2-core development box it halves
the per-request cost of gunicorn ``gthread`` (docs/performance.md); ``--server gunicorn`` keeps
the previous server. Process layout (see docs/sparql.md): **one** worker process with threads
holds the store, so every request sees the same data and writes never diverge between copies;
inside it, :class:`wsis_kg.sparql.service.QueryService` keeps ``--workers`` pre-forked query
processes that
can be killed at the time limit. The main process never opens the store (an on-disk store
admits one process), so nothing is preloaded: the worker builds the graph when it starts and
prints the build report.
"""

from __future__ import annotations

import atexit

import click

from wsis_kg.allocator import CHOICES
from wsis_kg.allocator import use as use_allocator
from wsis_kg.settings import Settings

#: Request threads of the one serving process, granian or gunicorn (requests mostly wait on query
#: processes).
THREADS_PER_QUERY_WORKER = 4


def make_app(settings: Settings):
    """Open the store, build it when empty (printing the report), return the Flask app."""
    from wsis_kg.graph.build import BuildReport, open_or_build
    from wsis_kg.web import close_app, create_app

    built: list[BuildReport] = []
    store = open_or_build(settings, lambda m: click.echo(m, err=True), on_build=built.append,
                          consistency=True)
    for line in built[0].lines() if built else ():
        click.echo(line, err=True)
    if not built:
        click.echo(f"store {settings.store}: {len(store)} quads (not rebuilt)", err=True)
    app = create_app(settings, store=store)
    atexit.register(close_app, app)  # the query processes go when the server worker does
    return app


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


def granian_options(settings: Settings, *, access_log: bool = False) -> dict:
    """granian's configuration: the same process layout as gunicorn's (one worker process,
    request threads), in WSGI mode. Request threads are granian's *blocking threads*; one
    runtime thread does the HTTP I/O in Rust."""
    from granian.constants import HTTPModes, Interfaces

    return {
        "address": settings.host,
        "port": settings.port,
        "interface": Interfaces.WSGI,
        "workers": 1,
        "blocking_threads": max(4, THREADS_PER_QUERY_WORKER * max(1, settings.workers)),
        "runtime_threads": 1,
        "backlog": 1024,
        "log_access": access_log,
        "http": HTTPModes.http1,
        "websockets": False,
        # The worker builds the graph when it starts; a dead worker is started again (as
        # gunicorn does), which rebuilds an in-memory graph.
        "respawn_failed_workers": True,
        "workers_kill_timeout": 10,
    }


def run_granian(settings: Settings, *, access_log: bool = False) -> None:
    """Serve with granian (``--server granian``).

    The worker process is forked (Linux default start method) and calls ``make_app`` itself, so
    the store is opened only there, never in the main process, as with gunicorn.
    """
    import multiprocessing

    from granian.server import Server

    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        raise click.ClickException("--server granian needs the 'fork' start method (Linux).")
    server = Server("wsis_kg.web:create_app", **granian_options(settings,
                                                                 access_log=access_log))
    server.serve(target_loader=lambda: make_app(settings), wrap_loader=False)


@click.command("serve")
@click.option("--host", help="interface to listen on (default 127.0.0.1)")
@click.option("--port", type=int, help="port (default 8080)")
@click.option("--store", help="memory (default), a directory (on-disk store) or an endpoint URL")
@click.option("--query-timeout", type=float, help="seconds before a query is stopped (503)")
@click.option("--result-limit", type=int, help="max rows/triples per answer (503 above)")
@click.option("--workers", type=int, help="query worker processes (default 2)")
@click.option("--public-base", help="public base of the minted IRIs as clients see them")
@click.option("--access-log/--no-access-log", default=None,
              help="log every request to stdout (default off, WSIS_KG_ACCESS_LOG: ≈0.3 ms a "
                   "request)")
@click.option("--server", "server", type=click.Choice(["gunicorn", "granian"]),
              help="HTTP server (default granian, WSIS_KG_SERVER); both run one worker process "
                   "with threads")
@click.option("--allocator", type=click.Choice(list(CHOICES)),
              help="memory allocator (default jemalloc when installed, WSIS_KG_ALLOCATOR)")
@click.pass_obj
def command(settings: Settings, host: str | None, port: int | None, store: str | None,
            query_timeout: float | None, result_limit: int | None, workers: int | None,
            public_base: str | None, access_log: bool | None, server: str | None,
            allocator: str | None) -> None:
    """Serve SPARQL, Graph Store, validation, linked data and the UI (granian or gunicorn)."""
    settings = settings.with_(host=host, port=port, store=store, query_timeout=query_timeout,
                              result_limit=result_limit, workers=workers,
                              public_base=public_base, access_log=access_log,
                              server=server, allocator=allocator)
    server, access_log = settings.server, settings.access_log
    if server not in ("granian", "gunicorn"):
        raise click.BadParameter(f"{server!r} is not granian or gunicorn", param_hint="server")
    if settings.allocator not in CHOICES:
        raise click.BadParameter(f"{settings.allocator!r} is not one of {', '.join(CHOICES)}",
                                 param_hint="allocator")
    use_allocator(settings.allocator, lambda m: click.echo(m, err=True))
    from wsis_kg.allocator import loaded

    click.echo(f"wsis-kg: serving on http://{settings.host}:{settings.port}/ with {server} "
               f"(store {settings.store}, {settings.workers} query workers, "
               f"timeout {settings.query_timeout:g}s, "
               f"{'jemalloc' if loaded() else 'system allocator'})", err=True)
    if server == "granian":
        run_granian(settings, access_log=access_log)
        return
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            for k, v in gunicorn_options(settings, access_log=access_log).items():
                self.cfg.set(k, v)

        def load(self):
            return make_app(settings)

    _App().run()
