"""Databases built once per test process and copied per test: SQLite files and Postgres templates.

Why: migrating (eleven Alembic steps) and importing the whole seed took about half of the suite's busy
time when every CLI, console, digest, adapter and storage test did it on its own fresh database; a copy
costs a file copy on SQLite and a `CREATE DATABASE ... TEMPLATE` on Postgres. Tests whose subject is
the first run itself (e2e/test_first_run.py, e2e/test_fresh_clone.py, the read-only folder) keep
starting from nothing, and so do the tests of the migrations.

Three kinds, each exactly what the tests used to build for themselves:
- "seeded": what `open_storage` leaves on a first run (migrated, the shipped seed imported);
- "migrated": `upgrade` only, no knowledge;
- "tiny": migrated, with the conftest's tiny hand-made knowledge base imported.

A copy is an ordinary database, so a `yuntai` subprocess given its URL finds it migrated and seeded
and goes straight to work, exactly as on a second run. Under pytest-xdist the templates are built once
for the whole run: the SQLite ones by the zygote the controller starts (helpers/zygote.py,
`start_shared`), each Postgres one by the first worker to need it, under a lock the others wait on; the
controller drops the Postgres ones when the run ends. With `-n 0` (or if the shared zygote dies) a test
process builds its own and drops its Postgres ones when its session ends.

YUNTAI_TEST_FRESH_DB=1 builds every database from nothing instead (to measure what the templates
save, or to rule them out when a test misbehaves).
"""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

KINDS = ("seeded", "migrated", "tiny")

_sqlite: dict[str, Path] = {}
_postgres: dict[str, str] = {}
_admin_urls: dict[str, str] = {}
_folder: Path | None = None


def fresh() -> bool:
    return os.environ.get("YUNTAI_TEST_FRESH_DB") == "1"


def build(kind: str, url: str) -> None:
    """Build `kind` into the (empty) database at `url`, the way the tests did before templates."""
    if kind == "seeded":
        from storage.bootstrap import open_storage

        open_storage(url).close()
        return
    from storage.bootstrap import Storage
    from storage.db import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        if kind == "tiny":
            from tests.conftest import make_tiny_kb

            st = Storage.on(engine)
            st.knowledge.import_knowledge(make_tiny_kb())
            st.close()
    finally:
        engine.dispose()


# ------------------------------------------------------------------ SQLite


def _template(kind: str) -> Path:
    global _folder
    if kind not in _sqlite:
        from .zygote import shared_folder

        shared = shared_folder()  # a pytest-xdist worker: its controller's zygote built them
        if shared is not None:
            _sqlite[kind] = Path(shared) / f"{kind}.db"
            return _sqlite[kind]
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="yuntai-templates-"))
            atexit.register(shutil.rmtree, _folder, True)
        path = _folder / f"{kind}.db"
        build(kind, f"sqlite:///{path}")
        _sqlite[kind] = path
    return _sqlite[kind]


def template() -> Path:
    """The process's seeded SQLite template (built on first use)."""
    return _template("seeded")


def sqlite_copy(kind: str, path: Path) -> str:
    """Put a copy of the `kind` template at `path` (unless a database is already there); its DATABASE_URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fresh():
        if not path.exists():
            build(kind, f"sqlite:///{path}")
        return f"sqlite:///{path}"
    if not path.exists():
        # The backup API copies a consistent database even if the template were in WAL mode.
        source, target = sqlite3.connect(_template(kind)), sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    return f"sqlite:///{path}"


def seeded_copy(path: Path) -> str:
    """A migrated, seeded SQLite database at `path` (see the module docstring); its DATABASE_URL."""
    return sqlite_copy("seeded", path)


# ------------------------------------------------------------------ Postgres


def _admin(admin_url: str):
    from sqlalchemy import create_engine

    return create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")


def postgres_template(kind: str, admin_url: str) -> str | None:
    """The name of the Postgres template of `kind`, built on first use (None: build per test).

    Under pytest-xdist the workers share one of each kind: the first to need it builds it, holding a lock
    in the shared zygote's folder, and the controller drops it at the end (`drop_shared_postgres_templates`).
    Otherwise it is this process's own.
    """
    if fresh():
        return None
    if kind not in _postgres:
        from .zygote import shared_info

        shared = shared_info()
        if shared is not None:
            _postgres[kind] = _shared_postgres_template(Path(shared["folder"]), kind, admin_url)
            return _postgres[kind]
        name = _new_postgres_template(kind, admin_url)
        _postgres[kind] = name
        _admin_urls[name] = admin_url
        atexit.register(_drop, admin_url, name)  # harmless after drop_postgres_templates (IF EXISTS)
    return _postgres[kind]


def _new_postgres_template(kind: str, admin_url: str) -> str:
    """Create and build a template; one whose build is interrupted (Ctrl-C, a timeout) is dropped, not left."""
    name = f"yuntai_tpl_{kind}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            create_from(conn, name, None)
    finally:
        admin.dispose()
    try:
        build(kind, f"{admin_url.rsplit('/', 1)[0]}/{name}")
    except BaseException:
        _drop(admin_url, name)
        raise
    return name


def _shared_postgres_template(folder: Path, kind: str, admin_url: str) -> str:
    """The run's template of `kind`: built by the first worker to ask, the others wait on its lock, then read it.

    Each worker used to build its own three (1.1 CPU-s of its own and about half that of the server's).
    A worker that dies while building releases the lock, and the next one builds it.
    """
    import fcntl
    import hashlib
    import json

    server = hashlib.sha256(admin_url.encode()).hexdigest()[:12]  # one record per server URL: none overwritten
    with open(folder / f"postgres-{kind}-{server}.json", "a+", encoding="utf-8") as record:
        fcntl.flock(record, fcntl.LOCK_EX)
        record.seek(0)
        known = json.loads(record.read() or "{}")
        if known.get("name"):
            return known["name"]
        name = _new_postgres_template(kind, admin_url)
        record.seek(0)
        record.truncate()
        record.write(json.dumps({"name": name, "admin_url": admin_url}))
        record.flush()
        return name


def drop_shared_postgres_templates(folder: str) -> None:
    """The controller, at the end of the run: drop the templates its workers built (`_shared_postgres_template`)."""
    import json

    for record in sorted(Path(folder).glob("postgres-*.json")):
        try:
            known = json.loads(record.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            continue
        if known.get("name"):
            _drop(known["admin_url"], known["name"])


def create_from(conn, name: str, template: str | None) -> None:
    """CREATE DATABASE `name` [TEMPLATE `template`], waiting out a connection still closing on the template.

    The database commits without waiting for its WAL to reach the disk (`synchronous_commit = off` for every
    session on it): a commit took 2-3 ms of fdatasync here, 0.1-0.2 ms without. What other sessions see,
    locks and isolation are unchanged; only a crash of the Postgres server itself could lose the last
    commits, and no test crashes the server.
    """
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    if template is None:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    else:
        deadline = time.monotonic() + 10
        while True:
            try:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                break
            except OperationalError as exc:  # "source database ... is being accessed by other users"
                if "being accessed" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
    conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))


def drop_postgres_templates() -> None:
    """Drop this process's Postgres templates now (the end of the test session); atexit is only the fallback.

    Shared ones (pytest-xdist) are the controller's to drop: other workers may still copy them.
    """
    for kind, name in list(_postgres.items()):
        admin_url = _admin_urls.pop(name, None)
        if admin_url is not None:
            _drop(admin_url, name)
        del _postgres[kind]


def _drop(admin_url: str, name: str) -> None:
    from sqlalchemy import text

    try:
        admin = _admin(admin_url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    except Exception:  # noqa: BLE001 - the server may be gone at exit; a leftover template harms nothing
        pass
