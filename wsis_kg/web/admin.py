"""``POST /admin/backup``: an online backup of the running service's on-disk store.

Why a route: RocksDB lets one process hold a store, so ``wsis-kg backup`` cannot copy the
directory of a running server, and copying it with ``cp`` may tear it. The serving process
holds the store, so it makes the copy: a checkpoint (:func:`wsis_kg.graph.dump.checkpoint`),
consistent while writes go on, into a new directory below ``WSIS_KG_BACKUP_DIR`` named by the
time — the operator's directory, never a path the caller chooses. It needs a write token, runs
one at a time (503 ``busy`` for a second caller, never queued) and is audited. See
docs/operations.md.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from wsis_kg.errors import NotFound
from wsis_kg.graph.dump import online_backup
from wsis_kg.web.auth import require_principal
from wsis_kg.web.extension import service
from wsis_kg.web.ops import audit_log

bp = Blueprint("admin", __name__)


@bp.post("/admin/backup")
def backup() -> Response:
    """Write a checkpoint of the store; 201 with its directory's name."""
    svc = service()
    principal = require_principal(request, svc.settings)
    if not svc.settings.backup_dir:
        raise NotFound("online backups are off on this service (setting WSIS_KG_BACKUP_DIR)")
    started = time.perf_counter()
    name, removed = online_backup(svc.queries.store, Path(svc.settings.backup_dir),
                                  svc.settings.backup_keep)
    seconds = round(time.perf_counter() - started, 3)
    audit_log.info({"event": "backup", "principal": principal, "backup": name,
                    "removed": removed, "seconds": seconds})
    resp = jsonify({"backup": name, "removed": removed, "seconds": seconds})
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"
    return resp
