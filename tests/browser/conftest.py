"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, against the live server.

Never downloads a browser: when Chromium or Playwright is missing the browser tests are skipped
(``bash scripts/setup test`` installs Chromium).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

CHROMIUM = os.environ.get("WSIS_KG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (run: bash scripts/setup test)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


#: The service runs in its own process: its query workers are forked children, and forked from
#: the test process they would inherit (and keep open) Playwright's pipes to its driver.
SERVE = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from wsis_kg.build import build
from wsis_kg.settings import Settings
from wsis_kg.store import OxigraphStore
from wsis_kg.web import create_app
settings = Settings(project_root=Path(sys.argv[1]), build_on_start=False, workers=2)
store = OxigraphStore()
build(settings, store, check_shapes=False)
server = make_server("127.0.0.1", 0, create_app(settings, store=store), threaded=True)
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""


@dataclass
class Site:
    url: str


@pytest.fixture(scope="session")
def site() -> Iterator[Site]:
    """The real graph served on 127.0.0.1 by a separate process."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(ROOT)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("http://"):
            pytest.fail(f"the test server did not start (exit code {proc.poll()})")
        yield Site(line)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def screenshots(artifacts_dir: Path) -> Path:
    d = artifacts_dir / "screenshots"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture()
def page(browser, site):
    """A fresh page; records every request that leaves the live server (there must be none)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.outside_requests = []
    pg.page_errors = []

    def on_request(req) -> None:
        if not req.url.startswith((site.url, "data:", "blob:", "about:")):
            pg.outside_requests.append(req.url)

    pg.on("request", on_request)
    pg.on("pageerror", lambda e: pg.page_errors.append(str(e)))
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
