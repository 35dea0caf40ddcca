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

Safe on the open Internet: under granian the request is read whole by the event loop before a
request thread gets it (:mod:`wsis_kg.web.rsgi`: slow bodies hold no thread, 408 at
``WSIS_KG_REQUEST_READ_TIMEOUT``, 413 above ``WSIS_KG_MAX_BODY_BYTES``); under gunicorn a
request thread reads the body with the same deadline and cap (:mod:`wsis_kg.web.limits`), so
put a buffering proxy in front (README, Security). Logging is configured once, in the worker,
by :func:`wsis_kg.web.ops.configure_logging`. On SIGTERM both servers stop accepting and let
in-flight requests finish (up to a query time limit plus the read deadline).
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
    from wsis_kg.web.ops import configure_logging

    configure_logging(access=settings.access_log)
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


def gunicorn_warning(settings: Settings) -> str:
    """What ``serve --server gunicorn`` says at start. Why: gunicorn's request threads read the
    bodies themselves, so as many slow clients as there are threads freeze the service until
    the read deadline; only a buffering proxy in front (or granian) prevents it."""
    n = request_threads(settings)
    return (f"wsis-kg: WARNING: under gunicorn each request thread reads its request's body: "
            f"{n} clients sending bodies slowly hold all {n} threads for up to "
            f"{settings.request_read_timeout:g} s (WSIS_KG_REQUEST_READ_TIMEOUT, then 408) and "
            f"nothing else is answered meanwhile. Serve it only behind nginx with "
            f"'proxy_request_buffering on' (README, Security; docs/security.md), or use "
            f"--server granian (the default), which reads bodies without a thread.")


def shutdown_grace(settings: Settings) -> int:
    """Seconds an in-flight request may still take after SIGTERM: a whole query, plus reading
    its request."""
    return int(settings.query_timeout + settings.request_read_timeout + 5)


def gunicorn_options(settings: Settings) -> dict:
    """gunicorn's configuration. Its own access log is off: the app writes one JSON line per
    request when asked (``--access-log``, :mod:`wsis_kg.web.ops`)."""
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": request_threads(settings),
        # A request may legitimately wait a whole query timeout, plus building at start.
        "timeout": int(max(120, settings.query_timeout * 2 + 30)),
        "graceful_timeout": shutdown_grace(settings),
        "preload_app": False,
        "accesslog": None,
        "limit_request_line": 0,  # long GET queries are allowed (the body cap still applies)
    }


def request_threads(settings: Settings) -> int:
    return max(4, THREADS_PER_QUERY_WORKER * max(1, settings.workers))


def granian_options(settings: Settings) -> dict:
    """granian's configuration: the same process layout as gunicorn's (one worker process,
    request threads), in RSGI mode behind :class:`wsis_kg.web.rsgi.BufferedWSGI`, which reads
    each request on the event loop and runs the WSGI app on its request threads. One runtime
    thread does the HTTP I/O in Rust; headers must arrive within the read deadline. The event
    loop is uvloop, named rather than left to granian's choice of whatever is installed: the
    loop lane (:mod:`wsis_kg.web.rsgi`) is tested on it."""
    import uvloop  # noqa: F401 - the loop named below: missing, it fails here, not in the worker
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.http import HTTP1Settings

    return {
        "address": settings.host,
        "port": settings.port,
        "interface": Interfaces.RSGI,
        "loop": Loops.uvloop,
        "workers": 1,
        "runtime_threads": 1,
        "backlog": 1024,
        "log_access": False,  # the app's JSON access log (wsis_kg.web.ops) replaces it
        "http": HTTPModes.http1,
        "http1_settings": HTTP1Settings(
            header_read_timeout=int(settings.request_read_timeout * 1000)),
        "websockets": False,
        # The worker builds the graph when it starts; a dead worker is started again (as
        # gunicorn does), which rebuilds an in-memory graph.
        "respawn_failed_workers": True,
        "workers_kill_timeout": shutdown_grace(settings),
    }


def run_granian(settings: Settings) -> None:
    """Serve with granian (``--server granian``).

    The worker process is forked (Linux default start method) and calls ``make_app`` itself, so
    the store is opened only there, never in the main process, as with gunicorn.
    """
    import multiprocessing

    from granian.server import Server

    from wsis_kg.web.rsgi import BufferedWSGI

    if multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        raise click.ClickException("--server granian needs the 'fork' start method (Linux).")
    server = Server("wsis_kg.web:create_app", **granian_options(settings))
    server.serve(target_loader=lambda: BufferedWSGI(make_app(settings), settings,
                                                    request_threads(settings)),
                 wrap_loader=False)


@click.command("serve")
@click.option("--host", help="interface to listen on (default 127.0.0.1)")
@click.option("--port", type=int, help="port (default 8080)")
@click.option("--store", help="memory (default), a directory (on-disk store) or an endpoint URL")
@click.option("--query-timeout", type=float, help="seconds before a query is stopped (503)")
@click.option("--result-limit", type=int, help="max rows/triples per answer (503 above)")
@click.option("--workers", type=int, help="query worker processes (default 2)")
@click.option("--public-base", help="public base of the minted IRIs as clients see them")
@click.option("--access-log/--no-access-log", default=None,
              help="log every request as a JSON line on stderr (default off, "
                   "WSIS_KG_ACCESS_LOG: ≈0.3 ms a request)")
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
    server = settings.server
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
        run_granian(settings)
        return
    click.echo(gunicorn_warning(settings), err=True)
    from gunicorn.app.base import BaseApplication

    import wsis_kg.web  # noqa: F401 - see below

    # The app's modules are imported here, before gunicorn forks its worker (granian's loader
    # imports them before its fork too): the subcommands are loaded lazily, so otherwise the
    # worker would import them (≈1 s of CPU) while its socket already accepts connections.

    class _App(BaseApplication):
        def load_config(self) -> None:
            for k, v in gunicorn_options(settings).items():
                self.cfg.set(k, v)

        def load(self):
            return make_app(settings)

    _App().run()
