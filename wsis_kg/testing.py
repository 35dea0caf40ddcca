"""Test support shipped with the package: run the app on a real loopback port.

Lives in the package (as ``flask.testing`` does) so test modules import it by a stable name
instead of from a ``conftest`` module, whose name pytest reuses for every test folder.
"""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LiveServer:
    """A real HTTP server on 127.0.0.1 in a thread; ``url`` is its root (no trailing slash)."""

    def __init__(self, app, host: str = "127.0.0.1") -> None:
        self.server = make_server(host, 0, app, threaded=True)
        self.url = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(5)
