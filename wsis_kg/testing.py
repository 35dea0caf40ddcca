"""Test support shipped with the package: run the app on a real loopback port.

Lives in the package (as ``flask.testing`` does) so test modules import it by a stable name
instead of from a ``conftest`` module, whose name pytest reuses for every test folder.
"""

from __future__ import annotations

import socket
import subprocess
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


class Tripwire:
    """A TCP listener on 127.0.0.1 that records every connection made to it.

    Tests that feed hostile input (remote contexts, entities, SERVICE in shapes) point its URLs
    at ``url`` and assert that ``hits`` stays empty: the service must reach out to nothing.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    self.hits.append(b"(connected)")

    def __enter__(self) -> Tripwire:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.thread.join(5)
        self.sock.close()


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds: a server a test started ends either way
    (a graceful stop is tried first, so its shutdown path runs too)."""
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
