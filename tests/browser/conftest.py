"""What every browser test uses: Debian's Chromium driven by Playwright, the real graph served
by a separate process on 127.0.0.1, and pages that record every request leaving it.

No browser is ever downloaded (never ``playwright install``): Chromium is /usr/bin/chromium
(``bash scripts/setup test``; override with WSIS_KG_CHROMIUM); without it or without Playwright
the browser tests are skipped. pytest loads this file as a plugin under its own path, beside
the shared tests/conftest.py, so nothing here shadows that one.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wsis_kg.testing import stop_process

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: The service runs in its own process: its query workers are forked children, and forked from
#: the test process they would inherit (and keep open) Playwright's pipes to its driver.
SERVE = """
import json
import sys
from pathlib import Path
from werkzeug.serving import make_server
from wsis_kg.graph.build import build
from wsis_kg.settings import Settings
from wsis_kg.store.embedded import OxigraphStore
from wsis_kg.web import create_app
settings = Settings(project_root=Path(sys.argv[1]), build_on_start=False, workers=2,
                    tokens=json.loads(sys.argv[2]))
store = OxigraphStore()
build(settings, store, check_shapes=False)
server = make_server("127.0.0.1", 0, create_app(settings, store=store), threaded=True)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""
#: What a page may load: the service itself, and what never leaves the browser.
HOME = ("http://127.0.0.1:", "data:", "blob:", "about:")


# Module scope, not session: Playwright talks to its driver over pipes, and a query worker that
# the test process forks while the driver runs (any later test using the app fixture) would
# inherit them and keep the driver, and so pytest's exit, waiting.
@pytest.fixture(scope="module")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextlib.contextmanager
def _serve(tokens: dict[str, str] | None = None) -> Iterator[str]:
    """The real graph served on 127.0.0.1 by a separate process; its root URL."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT), json.dumps(tokens or {})],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http://"):
            pytest.fail(f"the test server did not start (exit code {proc.poll()})")
        yield line
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """The read-only site (one for the whole run: building the graph takes seconds)."""
    with _serve() as url:
        yield url


#: The editor's token in :func:`editor_site`.
EDITOR_TOKEN = "test-token"


@pytest.fixture(scope="module")
def editor_site() -> Iterator[str]:
    """A site of its own that an editor holding ``test-token`` may write to."""
    with _serve({EDITOR_TOKEN: "test-editor"}) as url:
        yield url


def open_page(browser, width: int = 1280, height: int = 900, **context_args):
    """A fresh page in its own context that records every request in ``pg.requests``, in
    ``pg.outside`` every request not to
    127.0.0.1 and every request the CSP refused (Playwright does not see those as requests),
    and in ``pg.errors`` every script error. Close it with ``pg.context.close()``."""
    context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
    pg = context.new_page()
    pg.outside = []
    pg.errors = []
    pg.requests = []

    def on_request(req) -> None:
        pg.requests.append(req)
        if not req.url.startswith(HOME):
            pg.outside.append(req.url)

    def on_console(msg) -> None:
        if "Content Security Policy" in msg.text or "Refused to connect" in msg.text:
            pg.outside.append(msg.text)

    pg.on("request", on_request)
    pg.on("console", on_console)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.set_default_timeout(20_000)
    return pg


@pytest.fixture()
def new_page(browser) -> Iterator[Callable[..., object]]:
    """``new_page(width=390)``: :func:`open_page`, closed after the test."""
    opened = []

    def make(width: int = 1280, height: int = 900, **context_args):
        pg = open_page(browser, width, height, **context_args)
        opened.append(pg)
        return pg

    yield make
    for pg in opened:
        pg.context.close()


@pytest.fixture()
def page(new_page):
    """A fresh 1280 px page (see :func:`open_page`)."""
    return new_page()


@pytest.fixture(scope="session")
def stayed_home() -> Callable[[object], None]:
    """``stayed_home(page)``: no request left the machine and no script failed."""
    def check(pg) -> None:
        assert pg.outside == [], f"requests left the machine: {pg.outside}"
        assert pg.errors == [], f"JavaScript errors: {pg.errors}"
    return check


@pytest.fixture(scope="session")
def screenshots(artifacts_dir: Path) -> Path:
    """test-artifacts/screenshots/, kept after the run."""
    d = artifacts_dir / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d
