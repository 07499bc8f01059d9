"""One zygote for all the workers of a pytest-xdist run, and a way back to a zygote of one's own.

The controller starts the shared zygote (conftest `pytest_configure_node`); each worker forks its
commands from it and copies the SQLite templates it built. If it is gone, a worker must still run its
tests: it starts its own zygote and builds its own templates, as with `-n 0`.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import time
from pathlib import Path

import pytest

from helpers import seeded_db, zygote

# The pid of the zygote a command was forked from: the command's parent is the zygote's handler process.
ZYGOTE_PID = "import os; print(open(f'/proc/{os.getppid()}/stat').read().rsplit(')', 1)[1].split()[1])"


def zygote_of(result) -> int:  # type: ignore[no-untyped-def]
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


@pytest.fixture
def shared_zygote(monkeypatch):
    """The run's shared zygote under pytest-xdist; under `-n 0`, one started here as a controller would."""
    if seeded_db.fresh():
        pytest.skip("YUNTAI_TEST_FRESH_DB=1: no templates to share")
    monkeypatch.setattr(zygote, "_zygote", None)  # under -n 0 an earlier test may have started this process's own
    if os.environ.get("PYTEST_XDIST_WORKER"):
        assert zygote._shared is not None, "the controller started no shared zygote, or it died"
        yield dict(zygote._shared)
        return
    monkeypatch.setattr(seeded_db, "_sqlite", {})
    started = zygote._Zygote(shared=True)
    info = {"socket": started.path, "folder": started.folder, "pid": started.proc.pid}
    monkeypatch.setattr(zygote, "_shared", info)
    yield info
    started.stop()


def test_a_worker_runs_its_commands_in_the_shared_zygote_and_copies_its_templates(shared_zygote, tmp_path):
    assert zygote.shared_folder() == shared_zygote["folder"]  # waits until it listens
    assert zygote_of(zygote.run([], code=ZYGOTE_PID)) == shared_zygote["pid"]
    assert zygote._zygote is None  # no zygote of this process's own

    url = seeded_db.seeded_copy(tmp_path / "copy.db")
    assert seeded_db._sqlite["seeded"] == Path(shared_zygote["folder"]) / "seeded.db"
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        assert conn.execute("SELECT count(*) FROM kb_claim").fetchone()[0] > 100  # the shipped seed
    listed = zygote.run(["kb", "list"], env={**os.environ, "DATABASE_URL": url})
    assert listed.returncode == 0 and "sora-2" in listed.stdout, listed.stderr
    for kind in ("migrated", "tiny"):
        assert (Path(shared_zygote["folder"]) / f"{kind}.db").exists()


def test_without_a_live_shared_zygote_a_worker_starts_its_own(monkeypatch, tmp_path):
    monkeypatch.setattr(zygote, "_zygote", None)
    monkeypatch.setattr(seeded_db, "_sqlite", dict(seeded_db._sqlite))  # a template built here stays here
    # Never started: no process, no socket. The worker does not wait for it.
    monkeypatch.setattr(zygote, "_shared", {"socket": str(tmp_path / "none"), "folder": str(tmp_path),
                                            "pid": 2 ** 22 + 1})
    begun = time.monotonic()
    assert zygote.shared_folder() is None and time.monotonic() - begun < 5
    try:
        mine = zygote_of(zygote.run([], code=ZYGOTE_PID))
        assert mine == zygote._zygote.proc.pid
        # Died after it bound its socket: the file stays, nothing listens on it.
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(str(tmp_path / "dead"))
        dead.close()
        for awake in (False, True):  # before it answered a first request, or after
            monkeypatch.setattr(zygote, "_shared", {"socket": str(tmp_path / "dead"), "folder": str(tmp_path),
                                                    "pid": os.getpid(), "awake": awake})
            assert zygote_of(zygote.run([], code=ZYGOTE_PID)) == mine
            assert zygote._shared is None  # and it is not tried again
    finally:
        zygote.shutdown()


def test_a_shared_zygote_loads_only_when_a_test_process_first_asks(monkeypatch):
    """A run whose tests never need it pays for a process start, not for the imports and the templates.

    That a first request does load it is test_a_worker_runs_its_commands_in_the_shared_zygote_...'s subject.
    """
    started = zygote._Zygote(shared=True)
    try:
        proc = Path(f"/proc/{started.proc.pid}")
        deadline = time.monotonic() + 30
        while "poll" not in (where := (proc / "wchan").read_text()):  # until it waits in select for a request
            asleep = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "S"
            if asleep and where.strip() in ("", "0"):  # a running process shows 0 on any kernel
                pytest.skip("this kernel does not say where a process waits (/proc/PID/wchan)")
            assert time.monotonic() < deadline and started.proc.poll() is None, where
            time.sleep(0.01)
        assert os.path.exists(started.path) and not (Path(started.folder) / "seeded.db").exists()
        mapped = Path(f"/proc/{started.proc.pid}/maps").read_text()
        assert "_sqlite3" not in mapped and "sqlalchemy" not in mapped  # not one of the heavy imports yet
    finally:
        started.stop()
