"""The query pool's handles on its processes: nothing is ever done to a pid that may now be
another process's."""

from __future__ import annotations

import os
import socket

import pytest

from wsis_kg.sparql import pool


def test_an_ended_worker_is_never_demoted_or_promoted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding: a validation job starved for 60 s at SCHED_IDLE on a busy machine. ``demote``
    and ``stop`` set priorities by pid; once a worker has ended and been reaped, its pid can be
    reused by any new process (pids wrap at 32,768 here)."""
    calls: list[tuple] = []
    monkeypatch.setattr(os, "setpriority", lambda *a: calls.append(("nice", *a)))
    monkeypatch.setattr(os, "sched_setscheduler", lambda *a: calls.append(("policy", *a)))
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        w = pool._Worker(pid=pid, conn=ours, zygote=None)  # type: ignore[arg-type]
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)  # ended, not yet reaped
        assert w.exited()
        w.demote()
        w.long = True
        w.stop()
        assert calls == []
    finally:
        os.waitpid(pid, 0)
        ours.close()
        theirs.close()


def test_a_live_worker_is_demoted(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple] = []
    monkeypatch.setattr(os, "setpriority", lambda *a: calls.append(("nice", *a)))
    monkeypatch.setattr(os, "sched_setscheduler", lambda *a: calls.append(("policy", *a)))
    ours, theirs = socket.socketpair()
    r, w_ = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.read(r, 1)
        os._exit(0)
    try:
        w = pool._Worker(pid=pid, conn=ours, zygote=None)  # type: ignore[arg-type]
        assert not w.exited()
        w.demote()
        assert [c[:2] for c in calls] == [("nice", os.PRIO_PROCESS), ("policy", pid)]
    finally:
        os.write(w_, b"x")
        os.waitpid(pid, 0)
        ours.close()
        theirs.close()
